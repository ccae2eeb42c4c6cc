"""Live checks: pull each image with its credentials, check the cloud setup of keyless
methods, and look the declared secrets up in Baseten."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.doctor.report import DoctorReport, FileReport
from wizard.model import catalog, rules, truss
from wizard.model.findings import Finding, Severity
from wizard.model.image import ImageRef, RegistryKind, detect_registry
from wizard.model.record import field, record, replace
from wizard.model.redact import sh_path

if TYPE_CHECKING:
    from concurrent.futures import Future

    from wizard.verify.verdict import CheckResult


@record
class LiveOptions:
    """Where live checks take credentials from: the same sources as `check`."""

    timeout: float = 10.0
    use_docker_config: bool = False
    docker_config: Path | None = None
    key_file: Path | None = None
    aws_profile: str | None = None
    insecure: frozenset[str] = frozenset()
    allowed_realms: frozenset[str] = frozenset()
    ca_bundle: str | None = None
    facts: dict[str, str] = field(default_factory=dict)  # --org-id etc., by flag id
    use_baseten: bool = True
    concurrency: int = 16


_DEFINITE = ("bad_credentials", "no_access", "not_found", "expired")


@record
class _Setup:
    """What one config asks Baseten to do for its image."""

    report: FileReport
    ref: ImageRef
    method: truss.AuthMethod | None
    auth: Mapping[str, Any]
    secrets: Mapping[str, Any]
    token_secrets: list[str]


def _setups(report: DoctorReport) -> Iterator[_Setup]:
    for fr in report.files:
        data = fr.data
        if not isinstance(data, dict):
            continue
        ref = rules.image_ref(data)
        if ref is None:
            continue
        base = data["base_image"]
        auth = base.get("docker_auth")
        secrets = data.get("secrets")
        secrets_map = secrets if isinstance(secrets, Mapping) else {}
        yield _Setup(
            fr,
            ref,
            rules.auth_method_of(data),
            auth if isinstance(auth, Mapping) else {},
            secrets_map,
            rules.registry_secrets_for(ref, secrets_map),
        )


def load() -> None:
    """Import what the live checks run on (asyncio and the check engine, ~60 ms), for a
    caller with time to spare before `run_live`."""
    import wizard.verify.service
    import wizard.verify.threads  # noqa: F401


def run_live(report: DoctorReport, opts: LiveOptions) -> None:
    """Add live findings to `report`: each distinct image + credential source is checked
    once, concurrently; keyless methods get the cloud-side check; declared secrets are
    looked up in Baseten once."""
    from concurrent.futures import ThreadPoolExecutor

    report.live = True
    setups = list(_setups(report))
    pulls: dict[tuple[Any, ...], tuple[Any, list[_Setup]]] = {}  # key: (image, source...)
    clouds: dict[tuple[Any, ...], tuple[Any, list[_Setup]]] = {}
    skipped: list[str] = []
    for s in setups:
        planned = _plan_live(s, opts, skipped)
        if planned is None:
            continue
        kind, key, item = planned
        table = pulls if kind == "pull" else clouds
        table.setdefault(key, (item, []))[1].append(s)
    if skipped:
        report.notes.append("not checked live: " + "; ".join(sorted(set(skipped))))
    login = _baseten_login(opts, report)
    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets_future = pool.submit(_baseten_secrets, login, report) if login else None
        # Submitted first, so a worker takes it before the cloud checks that wait for it.
        facts = pool.submit(_facts, opts, login, report) if clouds else None
        cloud_futures = {
            key: pool.submit(_cloud_items, item, facts, opts) for key, (item, _) in clouds.items()
        }
        results = _pull_all([item for item, _ in pulls.values()], opts)
        for (key, (item, users)), result in zip(pulls.items(), results, strict=True):
            for s in users:
                _pull_findings(s, item, result, anonymous=key[1:] == ("anonymous",))
        for key, fut in cloud_futures.items():
            for s in clouds[key][1]:
                _cloud_findings(s, fut.result())
        names = secrets_future.result() if secrets_future else None
    if names is not None:
        for s in setups:
            _secret_findings(s, names)
        # Configs without a base image declare secrets too.
        for fr in report.files:
            if isinstance(fr.data, dict) and rules.image_ref(fr.data) is None:
                secrets = fr.data.get("secrets")
                if isinstance(secrets, Mapping):
                    _secret_findings_plain(fr, secrets, names, set())
    for fr in report.files:
        fr.sort()


def _plan_live(
    s: _Setup, opts: LiveOptions, skipped: list[str]
) -> tuple[str, tuple[Any, ...], Any] | None:
    from wizard.verify.service import CheckItem, CredentialSource

    kind = detect_registry(s.ref).kind
    m = s.method
    spec = catalog.REGISTRIES[kind.value].method_for(m) if m else None
    if spec is not None and spec.keyless:
        return _plan_cloud(s)
    if spec is not None and spec.credential == "aws":
        source = CredentialSource(aws_profile=opts.aws_profile)
        tag = ("aws", opts.aws_profile)
    elif spec is not None and spec.credential == "key-file":
        if opts.key_file is None:
            skipped.append("GCP_SERVICE_ACCOUNT_JSON configs (pass --key-file)")
            return None
        source = CredentialSource(key_file=opts.key_file)
        tag = ("key", str(opts.key_file))
    elif m is not None:
        return None  # REGISTRY_SECRET or an unknown method: the static findings say it all
    elif s.token_secrets:
        if not opts.use_docker_config:
            skipped.append("images with a DOCKER_REGISTRY_ secret (pass --docker-config)")
            return None
        source = CredentialSource(
            use_docker_config=True, docker_config=opts.docker_config, aws_profile=None
        )
        tag = ("docker", str(opts.docker_config))
    elif kind is RegistryKind.ECR:
        return None  # no auth for private ECR: already an error, and anonymous pulls never work
    else:
        source = CredentialSource()
        tag = ("anonymous",)
    item = CheckItem(s.ref, source, label=str(s.report.path))
    return "pull", (str(s.ref), *tag), item


def _plan_cloud(s: _Setup) -> tuple[str, tuple[Any, ...], Any] | None:
    info = detect_registry(s.ref)
    reg = catalog.REGISTRIES.get(info.kind.value)
    method = next((x for x in reg.methods if x.auth_method is s.method), None) if reg else None
    if reg is None or method is None:
        return None  # the method does not fit the registry: a static error already
    answers = {f.id: str(s.auth[f.key]) for f in method.fields if s.auth.get(f.key)}
    if len(answers) < len(method.fields):
        return None  # a required field is missing: a static error already
    key = ("cloud", str(s.ref), method.id, tuple(sorted(answers.items())))
    return "cloud", key, (s.ref, info, reg, method, answers)


def _pull_all(items: list[Any], opts: LiveOptions) -> list[CheckResult]:
    if not items:
        return []

    from wizard.verify.registry import Options
    from wizard.verify.service import check_many

    options = Options(
        timeout=opts.timeout,
        insecure=opts.insecure,
        allowed_realms=opts.allowed_realms,
        ca_bundle=opts.ca_bundle,
    )
    from wizard.verify.threads import run

    return run(check_many(items, options, concurrency=opts.concurrency))


def _pull_findings(s: _Setup, item: Any, result: CheckResult, *, anonymous: bool) -> None:
    fr = s.report
    if result.ok:
        if anonymous:  # public after all: no auth is needed
            fr.findings = [d for d in fr.findings if d.rule != "auth-missing"]
        if result.digest:
            pin = f"pin the digest: image: {s.ref.name}@{result.digest}"
            fr.findings = [
                replace(d, fix=pin) if d.rule == "latest-tag" else d for d in fr.findings
            ]
        return
    verdict = result.verdict.value
    what = verdict.replace("_", " ")
    if verdict in _DEFINITE:
        if anonymous and verdict in ("bad_credentials", "no_access"):
            fr.findings = [d for d in fr.findings if d.rule != "auth-missing"]
            fr.add(
                Finding(
                    "pull-failed",
                    Severity.ERROR,
                    ("base_image", "image"),
                    f"live: {result.image} cannot be pulled anonymously ({what}), and "
                    "config.yaml configures no registry auth",
                    "registry-wizard setup",
                )
            )
            return
        fr.add(
            Finding(
                "pull-failed",
                Severity.ERROR,
                ("base_image", "image"),
                f"live: {result.image}: {what}: {result.detail} (with {item.source.describe()})",
                result.hint or f"registry-wizard check --config {sh_path(fr.path.as_posix())}",
            )
        )
    else:
        fr.add(
            Finding(
                "pull-unchecked",
                Severity.WARNING,
                ("base_image", "image"),
                f"live: {result.image} could not be checked: {what}: {result.detail}",
                result.hint or "run again later, or with a longer --timeout",
            )
        )


def _baseten_login(opts: LiveOptions, report: DoctorReport) -> Any:
    if not opts.use_baseten:
        return None
    from wizard.verify.baseten import find_login

    login = find_login()
    if login is None:
        report.notes.append(
            "no Baseten API key (BASETEN_API_KEY or ~/.trussrc): secret names were not "
            "looked up in Baseten"
        )
    return login


def _baseten_secrets(login: Any, report: DoctorReport) -> set[str] | None:
    from wizard.verify.baseten import BasetenError, list_secrets

    try:
        return list_secrets(login.key, remote_url=login.remote_url)
    except BasetenError as e:
        report.notes.append(f"could not list Baseten secrets: {e}")
        return None


def _facts(opts: LiveOptions, login: Any, report: DoctorReport) -> Any:
    from wizard.model.facts import FACTS, BasetenFacts

    facts = BasetenFacts()
    given = {k: v for k, v in opts.facts.items() if v}
    have_all = not facts.with_answers(given).missing(tuple(FACTS))
    if login is not None and not have_all:
        from wizard.verify.baseten import BasetenError, fetch_facts

        try:
            facts = fetch_facts(login.key, remote_url=login.remote_url)
        except BasetenError as e:
            report.notes.append(f"could not read your Baseten organization ({e})")
    return facts.with_answers(given)


def _cloud_items(planned: Any, facts: Future[Any], opts: LiveOptions) -> list[Any]:
    from wizard.guide.service import GuideContext, cloud_check
    from wizard.model.facts import ItemStatus, SetupItem

    ref, info, reg, method, answers = planned
    try:
        ctx = GuideContext(ref, info, reg, method, facts.result(), dict(answers), [])
        return cloud_check(ctx, profile=opts.aws_profile)
    except Exception as e:  # one config's cloud trouble must not stop the others
        message = getattr(e, "message", None) or f"{type(e).__name__}: {e}"
        return [SetupItem("cloud-check", ItemStatus.UNKNOWN, message)]


def _cloud_findings(s: _Setup, items: list[Any]) -> None:
    for item in items:
        status = item.status.value
        if status == "ok":
            continue
        problem = status == "problem"
        s.report.add(
            Finding(
                "cloud-setup" if problem else "cloud-unchecked",
                Severity.ERROR if problem else Severity.WARNING,
                ("base_image", "docker_auth", "auth_method"),
                f"live ({s.method.value if s.method else ''}): {item.id}: {item.message}",
                item.fix or "registry-wizard guide",  # placing it names the file, quoted
            )
        )


def _secret_findings(s: _Setup, names: set[str]) -> None:
    pull = set(s.token_secrets)
    if s.method is not None and s.auth:
        pull.update(n for _, n in rules.auth_secret_names(s.auth, s.method))
    _secret_findings_plain(s.report, s.secrets, names, pull, s.ref)


def _secret_findings_plain(
    fr: FileReport,
    secrets: Mapping[str, Any],
    names: set[str],
    pull: set[str],
    ref: ImageRef | None = None,
) -> None:
    for name in secrets:
        if not isinstance(name, str) or name in names:
            continue
        for_pull = name in pull
        if for_pull and ref is not None and name in set(rules.registry_secrets_for(ref, secrets)):
            fix = f"registry-wizard secret set --image {ref.original or ref} --username <user>"
        else:
            fix = f"registry-wizard secret set {name} (the value on stdin), or Settings → Secrets"
        fr.add(
            Finding(
                "baseten-secret-missing",
                Severity.ERROR if for_pull else Severity.WARNING,
                ("secrets", name),
                f"secret {name!r} does not exist in Baseten"
                + ("; the image pull needs it" if for_pull else ""),
                fix,
            )
        )
