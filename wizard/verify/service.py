"""`check` as a service: work out the image and the credential, analyse the credential
offline, then run the live v2 check. Front ends (CLI, flow, TUI, doctor) call this."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import timezone
from functools import partial
from pathlib import Path

from wizard.model import truss
from wizard.model.image import ImageRef, ImageRefError, RegistryKind, detect_registry, parse_image
from wizard.model.record import field, record, replace
from wizard.model.secret import Secret
from wizard.verify import analyze, http, runtime
from wizard.verify.registry import Credential, Options, TokenCache, check_image, new_client
from wizard.verify.runtime import in_thread
from wizard.verify.sources import PULL_SCOPES, SourceError
from wizard.verify.verdict import (
    CheckResult,
    Progress,
    Step,
    StepLog,
    StepStatus,
    Verdict,
    next_stage,
)


class CheckUsageError(Exception):
    """The check cannot start: no image, conflicting sources, unreadable input (exit 2)."""


@record
class CredentialSource:
    """Where the credential comes from; at most one of these is set."""

    username: str | None = None
    password: Secret | None = None  # --username U --password-stdin
    registry_secret: Secret | None = None  # --secret-stdin: the DOCKER_REGISTRY_* value
    docker_config: Path | None = None  # --docker-config [PATH]
    use_docker_config: bool = False
    key_file: Path | None = None  # --key-file: GCP service-account JSON
    aws_profile: str | None = None

    def describe(self) -> str:
        if self.registry_secret is not None:
            return "the DOCKER_REGISTRY secret value from stdin"
        if self.password is not None:
            return f"username {self.username} and the password from stdin"
        if self.use_docker_config:
            return "docker login's stored credentials"
        if self.key_file is not None:
            return f"the service-account key {self.key_file}"
        return "no credential"


@record
class CheckItem:
    """One image to check, and where its credential comes from."""

    ref: ImageRef
    source: CredentialSource = field(default_factory=CredentialSource)
    label: str = ""  # e.g. the config file the image came from


def image_from_config(config: Path) -> tuple[str, str | None]:
    """base_image.image and docker_auth.auth_method from a Truss config."""
    from wizard.config.document import read_config

    doc = read_config(config, missing_ok=False)
    base = doc.section("base_image")
    if not isinstance(base, dict) or not isinstance(base.get("image"), str):
        raise CheckUsageError(f"{config} has no base_image.image; pass --image")
    auth = base.get("docker_auth")
    method = auth.get("auth_method") if isinstance(auth, dict) else None
    return base["image"], method if isinstance(method, str) else None


def resolve_ref(image: str | None, config: Path | None) -> tuple[ImageRef, str | None]:
    method = None
    if image is None:
        if config is None:
            raise CheckUsageError("pass --image, or --config with a base_image.image")
        image, method = image_from_config(config)
    try:
        return parse_image(image.strip()), method
    except ImageRefError as e:
        raise CheckUsageError(f"--image: {e}") from None


def _finding_stop(result: CheckResult, findings: Sequence[analyze.Finding]) -> bool:
    """Record the offline findings; True when one of them settles the verdict."""
    errors = [f for f in findings if f.severity is analyze.Severity.ERROR]
    for f in findings:
        if f.severity is not analyze.Severity.ERROR:
            result.warnings.append(f"{f.message} ({f.fix})")
    if not findings:
        result.steps.append(Step("credential", StepStatus.OK, "the credential looks well-formed"))
        return False
    status = StepStatus.FAILED if errors else StepStatus.WARNING
    result.steps.append(Step("credential", status, (errors or list(findings))[0].message))
    if not errors:
        return False
    first = errors[0]
    result.verdict = Verdict.EXPIRED if "expired" in first.code else Verdict.BAD_CREDENTIALS
    result.detail, result.hint = first.message, first.fix
    return True


async def _credential(
    item: CheckItem,
    result: CheckResult,
    timeout: float,
    allowed: frozenset[str] = frozenset(),
) -> Credential | None:
    """The credential to try, after offline analysis. None: anonymous, or the verdict is set."""
    src, ref = item.source, item.ref
    kind = detect_registry(ref).kind
    if src.registry_secret is not None:
        try:
            decoded = analyze.decode_registry_secret(src.registry_secret, kind, ref.registry)
        except analyze.SecretFormatError as e:
            _finding_stop(result, e.findings) or _fail(result, Verdict.BAD_CREDENTIALS, str(e))
            return None
        if _finding_stop(result, decoded.findings):
            return None
        return Credential(decoded.username, decoded.password, "DOCKER_REGISTRY secret")
    if src.password is not None:
        username = src.username or ""
        findings = analyze.analyze_credentials(
            username, src.password, kind, host=ref.registry, image=ref.original or str(ref)
        )
        if _finding_stop(result, findings):
            return None
        return Credential(username, src.password, "username and password")
    if src.use_docker_config:
        from wizard.verify.dockerconfig import DockerConfigError, find_credential

        try:
            found = await in_thread(find_credential, ref, src.docker_config, timeout=timeout)
        except DockerConfigError as e:
            raise SourceError(Verdict.ERROR, str(e)) from None
        if found is None:
            raise SourceError(
                Verdict.BAD_CREDENTIALS,
                f"docker has no credential stored for {ref.registry}",
                f"docker login {ref.registry}",
            )
        if found.identity_token:
            raise SourceError(
                Verdict.ERROR,
                f"docker stores an identity token for "
                f"{ref.registry} ({found.source}); it cannot be checked here",
                "pass --username and --password-stdin instead",
            )
        result.steps.append(Step("credential", StepStatus.OK, found.source))
        findings = analyze.analyze_credentials(
            found.username, found.password, kind, host=ref.registry, image=ref.original or str(ref)
        )
        if _finding_stop(result, findings):
            return None
        return Credential(found.username, found.password, found.source)
    if src.key_file is not None:
        from wizard.verify.sources import gcp_access_token, load_service_account_key

        key = load_service_account_key(src.key_file)
        refusal = await http.token_uri_refusal(str(key.get("token_uri") or ""), allowed, timeout)
        if refusal:
            raise SourceError(
                Verdict.ERROR, refusal, "use the key file as Google issued it, unedited"
            )
        cred = await in_thread(gcp_access_token, key, timeout=timeout)
        result.steps.append(
            Step(
                "credential",
                StepStatus.OK,
                f"access token for {key.get('client_email', 'the key')}",
            )
        )
        return cred
    if kind is RegistryKind.ECR:
        from wizard.verify.sources import ecr_token

        token = await in_thread(
            ecr_token, detect_registry(ref), profile=src.aws_profile, timeout=timeout
        )
        expires = token.expires_at
        detail = "ECR token from your AWS credentials"
        if expires:
            result.facts["expires_at"] = expires.astimezone(timezone.utc).isoformat()
            detail += f", valid until {expires:%Y-%m-%d %H:%M} UTC"
        result.steps.append(Step("credential", StepStatus.OK, detail))
        return token.credential
    result.steps.append(
        Step("credential", StepStatus.SKIPPED, "none given: checking anonymous access")
    )
    return None


def _fail(result: CheckResult, verdict: Verdict, detail: str, hint: str = "") -> bool:
    result.verdict, result.detail, result.hint = verdict, detail, hint
    return True


async def _ghcr_scopes(cred: Credential, result: CheckResult, timeout: float) -> bool:
    """GHCR: a classic PAT must carry read:packages. True when that settles the verdict."""
    from wizard.verify.sources import github_scopes

    scopes = await github_scopes(cred.password, timeout=timeout)
    result.facts["token_scopes"] = scopes
    if not PULL_SCOPES.intersection(scopes):
        result.steps.append(
            Step("credential", StepStatus.FAILED, "scopes: " + (", ".join(scopes) or "none"))
        )
        return _fail(
            result,
            Verdict.NO_ACCESS,
            f"the token has no packages scope (it has: {', '.join(scopes) or 'none'})",
            "edit the classic PAT and tick read:packages (GitHub → Settings → Developer "
            "settings → Personal access tokens (classic))",
        )
    result.steps.append(Step("credential", StepStatus.OK, "scopes: " + ", ".join(scopes)))
    return False


async def check_item(
    item: CheckItem,
    client: object,
    options: Options,
    cache: TokenCache,
    progress: Progress | None = None,
) -> CheckResult:
    """One image + credential pair, within one deadline (`options.timeout`) for all of it:
    the credential (a key's token exchange, docker's helpers, AWS), GitHub's scope lookup
    and the registry. `progress` hears of every step as it is taken. No value of the
    credential, nor a token a realm issued, is left in the result's texts."""
    ref = item.ref
    result = CheckResult(
        Verdict.ERROR, ref.original or str(ref), ref.registry, "", steps=StepLog(progress)
    )
    _sensitive(item, result)
    deadline = time.monotonic() + options.timeout
    try:
        live = await runtime.wait_for(
            _check_item(item, client, options, cache, result, lambda: deadline - time.monotonic()),
            options.timeout,
        )
    except TimeoutError:
        result.verdict = Verdict.TIMEOUT
        result.detail = f"no answer within {options.timeout:g} s"
        result.hint = (
            "the registry or a credential service is slow or unreachable; retry or raise --timeout"
        )
        result.steps.append(Step(next_stage(result.steps), StepStatus.FAILED, result.detail))
        live = result
    live.sensitive |= result.sensitive
    live.scrub()
    return live


def _sensitive(item: CheckItem, result: CheckResult) -> None:
    """The credential's values, in every form an echo could take."""
    import base64

    from wizard.model.redact import forms

    src = item.source
    for secret in (src.password, src.registry_secret):
        if secret is not None and secret.reveal():
            result.sensitive |= forms(secret.reveal())
    if src.password is not None and src.username:
        result.sensitive |= forms(f"{src.username}:{src.password.reveal()}")
    if src.registry_secret is not None:
        try:
            pair = base64.b64decode(src.registry_secret.reveal(), validate=False).decode()
            result.sensitive |= forms(pair) | forms(pair.partition(":")[2])
        except ValueError:
            pass


async def _check_item(
    item: CheckItem,
    client: object,
    options: Options,
    cache: TokenCache,
    result: CheckResult,
    remaining: Callable[[], float],
) -> CheckResult:
    ref = item.ref
    try:
        cred = await _credential(item, result, max(remaining(), 0.01), options.allowed_realms)
        if cred is not None:
            from wizard.model.redact import forms

            result.sensitive |= forms(cred.password.reveal())
            result.sensitive |= forms(f"{cred.username}:{cred.password.reveal()}")
        if result.detail:  # settled offline
            return result
        kind = detect_registry(ref).kind
        if (
            kind is RegistryKind.GHCR
            and cred is not None
            and await _ghcr_scopes(cred, result, max(remaining(), 0.01))
        ):
            return result
    except SourceError as e:
        result.verdict, result.detail, result.hint = e.verdict, e.detail, e.hint
        result.steps.append(Step("credential", StepStatus.FAILED, e.detail))
        return result
    except TimeoutError:
        raise  # the check's deadline: check_item says so
    except Exception as e:  # a credential service answering what its API never returns
        # Only the exception's kind: its text may quote the answer (or what was sent).
        result.verdict = Verdict.ERROR
        result.detail = f"the credential service's answer could not be used ({type(e).__name__})"
        result.hint = (
            "check where the credential is fetched from (token_uri in the key file, "
            "AWS_ENDPOINT_URL, the docker credential helper) and retry"
        )
        result.steps.append(Step("credential", StepStatus.FAILED, result.detail))
        return result
    left = replace(options, timeout=max(remaining(), 0.01))
    live = await check_image(ref, cred, client, left, cache, steps=result.steps)  # type: ignore[arg-type]
    live.warnings = result.warnings + live.warnings
    live.facts = {**result.facts, **live.facts}
    live.sensitive |= result.sensitive
    return live


async def check_many(
    items: Sequence[CheckItem],
    options: Options,
    concurrency: int = 16,
    progress: Callable[[CheckItem, tuple[Step, ...]], None] | None = None,
) -> list[CheckResult]:
    """Check many image + credential pairs concurrently, reusing tokens (under asyncio:
    `threads.run(check_many(...))`)."""
    import asyncio

    cache = TokenCache()
    gate = asyncio.Semaphore(concurrency)
    async with new_client(options) as client:

        async def one(item: CheckItem) -> CheckResult:
            observer = None if progress is None else partial(progress, item)
            async with gate:
                result = await check_item(item, client, options, cache, observer)
            result.steps = list(result.steps)  # the result keeps no observer
            return result

        return list(await asyncio.gather(*(one(i) for i in items)))


def check_one(item: CheckItem, options: Options, progress: Progress | None = None) -> CheckResult:
    """One check, in this thread, without an event loop (see `runtime`): what a `check`
    process or a wizard's live check needs, without importing asyncio."""
    return runtime.run_blocking(_check_alone(item, options, progress))


async def _check_alone(item: CheckItem, options: Options, progress: Progress | None) -> CheckResult:
    async with new_client(options) as client:
        result = await check_item(item, client, options, TokenCache(), progress)
    result.steps = list(result.steps)  # the result keeps no observer
    return result


def stored_credential_note(auth_method: str | None) -> str | None:
    """For a config whose credential lives in a Baseten secret this machine cannot read,
    checked without one: what the check used instead, and how to check with it."""
    method = truss.normalize_auth_method(auth_method)
    if method is truss.AuthMethod.GCP_SERVICE_ACCOUNT_JSON:
        return (
            "config.yaml pulls with a service-account key stored in Baseten, which this "
            "check cannot read: it checked without one; pass the key you stored with "
            "--key-file KEY.json to check with it"
        )
    if method is truss.AuthMethod.AWS_IAM:
        return (
            "config.yaml pulls with IAM access keys stored in Baseten, which this check "
            "cannot read: it used this machine's AWS credentials (--aws-profile chooses "
            "which); to check the stored keys, use them as that profile"
        )
    return None


def method_note(auth_method: str | None) -> str | None:
    """What a check with the user's own credentials does not prove for keyless methods."""
    from wizard.model.catalog import REGISTRIES

    method = truss.normalize_auth_method(auth_method)
    keyless = {m.auth_method for r in REGISTRIES.values() for m in r.methods if m.keyless}
    if method is not None and method in keyless:
        return (
            f"checked with your own credentials; with {method.value} Baseten pulls as the "
            "role or service account in config.yaml, which this check does not assume"
        )
    return None
