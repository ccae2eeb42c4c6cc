"""The Docker Registry v2 pull check, as clients like go-containerregistry do it.

ping `/v2/` → follow the Basic or Bearer challenge → token with Basic credentials and
`scope=repository:<name>:pull` (keeping the realm's own query) → `HEAD` the manifest
with all four manifest media types. Every step is recorded for the user.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wizard.model.image import ImageRef, RegistryKind, detect_registry
from wizard.model.record import field, record
from wizard.model.secret import Secret
from wizard.verify import http, runtime
from wizard.verify.verdict import CheckResult, Step, StepStatus, Verdict, next_stage

if TYPE_CHECKING:
    from wizard.verify.wire import Client, Response

MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
)
ACCEPT = ", ".join(MANIFEST_TYPES)
# Registries that answer "denied" for a repository that does not exist, so a
# no-access answer may also mean "no such repository".
HIDES_MISSING = {RegistryKind.DOCKERHUB, RegistryKind.GAR, RegistryKind.GHCR}


@record(frozen=True)
class Credential:
    """A registry login, as Baseten will present it."""

    username: str
    password: Secret
    source: str = ""

    def basic(self) -> str:
        raw = f"{self.username}:{self.password.reveal()}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    @property
    def fingerprint(self) -> str:
        """Identifies the credential in a cache key without holding it."""
        digest = hashlib.sha256(f"{self.username}\0{self.password.reveal()}".encode())
        return digest.hexdigest()[:16]


@record
class Options:
    """How a live check may reach the network."""

    timeout: float = 10.0
    insecure: frozenset[str] = frozenset()
    allowed_realms: frozenset[str] = frozenset()
    ca_bundle: str | None = None


@record
class Ping:
    """The registry's answer to GET /v2/."""

    endpoint: http.Endpoint
    response: Response
    challenge: http.Challenge | None


@record
class TokenCache:
    """What concurrent checks share: one ping per registry (its endpoint and challenge)
    and one token per registry + credential + repository."""

    tokens: dict[tuple[str, str, str], tuple[str, float]] = field(default_factory=dict)
    locks: dict[object, Any] = field(default_factory=dict)  # runtime.lock()s
    pings: dict[str, Ping] = field(default_factory=dict)
    fetched: int = 0

    def lock(self, key: object) -> Any:
        if key not in self.locks:
            self.locks[key] = runtime.lock()
        return self.locks[key]

    def get(self, key: tuple[str, str, str]) -> str | None:
        entry = self.tokens.get(key)
        if entry and entry[1] > time.monotonic():
            return entry[0]
        return None

    def put(self, key: tuple[str, str, str], token: str, expires_in: float) -> None:
        self.tokens[key] = (token, time.monotonic() + max(expires_in - 10, 1))


_NO_LOGIN = "the registry requires a login and no credential was given"
_NO_LOGIN_HINT = (
    "give the check the credential Baseten will use: --username USER --password-stdin "
    "(the token on stdin), --secret-stdin (the DOCKER_REGISTRY_ value) or --docker-config"
)


class _Stop(Exception):
    """Ends a check early with a verdict."""

    def __init__(self, verdict: Verdict, detail: str, hint: str = "") -> None:
        super().__init__(detail)
        self.verdict, self.detail, self.hint = verdict, detail, hint


def _hint(verdict: Verdict, kind: RegistryKind, ref: ImageRef) -> str:
    hints: dict[tuple[Verdict, RegistryKind | None], str] = {
        (
            Verdict.BAD_CREDENTIALS,
            RegistryKind.GHCR,
        ): "use a classic PAT with read:packages and your GitHub username",
        (
            Verdict.BAD_CREDENTIALS,
            RegistryKind.NGC,
        ): "the username is the literal $oauthtoken and the password an NGC API key",
        (
            Verdict.BAD_CREDENTIALS,
            RegistryKind.DOCKERHUB,
        ): "use your Docker ID (not the email) and a personal access token",
        (
            Verdict.BAD_CREDENTIALS,
            RegistryKind.ECR,
        ): "ECR tokens last 12 hours and work only in the region they were issued for: "
        "aws ecr get-login-password --region <the image's region>",
        (
            Verdict.BAD_CREDENTIALS,
            RegistryKind.GAR,
        ): "GCP access tokens last 1 hour; a JSON key must be for a live service account",
        (Verdict.BAD_CREDENTIALS, None): "check the username and token",
        (
            Verdict.NO_ACCESS,
            RegistryKind.GHCR,
        ): "give the token read:packages and your user access to the package "
        "(package settings → Manage access); a missing package looks the same",
        (
            Verdict.NO_ACCESS,
            RegistryKind.DOCKERHUB,
        ): "the repository is private to another account or does not exist: check the name "
        "and that the token's account can see it",
        (
            Verdict.NO_ACCESS,
            RegistryKind.GAR,
        ): "grant roles/artifactregistry.reader on the repository; a missing repository "
        "looks the same",
        (
            Verdict.NO_ACCESS,
            RegistryKind.ECR,
        ): "allow ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository",
        (Verdict.NO_ACCESS, None): "the credential is valid but may not pull this repository",
        (Verdict.NOT_FOUND, None): f"check the repository and tag: {ref.name}:{ref.reference}",
        (Verdict.RATE_LIMITED, None): "wait and retry; authenticated pulls have higher limits",
        (Verdict.EXPIRED, None): "create a fresh credential, or switch to OIDC to stop rotating",
        (
            Verdict.TLS_ERROR,
            None,
        ): "the registry's certificate is not trusted here; pass --ca-bundle, or "
        "--insecure-registry for a registry you run without TLS",
        (Verdict.UNREACHABLE, None): "check the registry host name and your network",
        (Verdict.TIMEOUT, None): "the registry is slow or unreachable; retry or raise --timeout",
    }
    return hints.get((verdict, kind)) or hints.get((verdict, None), "")


async def check_image(
    ref: ImageRef,
    cred: Credential | None,
    client: Client,
    options: Options,
    cache: TokenCache | None = None,
    steps: list[Step] | None = None,
) -> CheckResult:
    """Can `cred` pull `ref`? Never raises for network trouble; bounded by options.timeout."""
    kind = detect_registry(ref).kind
    steps = steps if steps is not None else []
    result = CheckResult(Verdict.ERROR, str(ref.original or ref), ref.registry, "", steps=steps)
    try:
        await runtime.wait_for(
            _flow(ref, cred, client, options, cache or TokenCache(), result), options.timeout
        )
    except _Stop as stop:
        result.verdict, result.detail = stop.verdict, stop.detail
        result.hint = stop.hint or _hint(stop.verdict, kind, ref)
        if not any(s.status is StepStatus.FAILED for s in steps):  # the stage it ended at
            steps.append(Step(next_stage(steps), StepStatus.FAILED, stop.detail))
    except TimeoutError:
        result.verdict = Verdict.TIMEOUT
        result.detail = f"no answer within {options.timeout:g} s"
        result.hint = _hint(Verdict.TIMEOUT, kind, ref)
        steps.append(Step(next_stage(steps), StepStatus.FAILED, result.detail))
    except Exception as exc:  # every transport failure becomes a verdict
        verdict, detail = http.classify_exception(exc)
        result.verdict, result.detail = verdict, detail
        result.hint = _hint(verdict, kind, ref)
        steps.append(Step(next_stage(steps), StepStatus.FAILED, detail))
    return result


async def _flow(
    ref: ImageRef,
    cred: Credential | None,
    client: Client,
    options: Options,
    cache: TokenCache,
    result: CheckResult,
) -> None:
    steps = result.steps
    resolve = Step("resolve", StepStatus.OK, ref.registry)
    steps.append(resolve)
    async with cache.lock(("ping", ref.registry)):
        cached = cache.pings.get(ref.registry)
        if cached is None:
            endpoint = http.endpoint_for(ref, options.insecure)
            resolve.detail = f"{ref.registry} → {endpoint.base_url}"
            response = await _get_with_fallback(client, endpoint, "/v2/", _guard(endpoint, options))
            challenge = http.parse_challenge(response.headers.get("www-authenticate"))
            cached = Ping(endpoint, response, challenge)
            if response.status_code in (200, 401):  # only a healthy answer is worth reusing
                cache.pings[ref.registry] = cached
    endpoint, ping, challenge = cached.endpoint, cached.response, cached.challenge
    resolve.detail = f"{ref.registry} → {endpoint.base_url}"
    if ping.status_code == 429:
        raise _Stop(Verdict.RATE_LIMITED, _rate_detail(ping))
    if ping.status_code >= 500:
        raise _Stop(Verdict.ERROR, f"the registry answered {ping.status_code} to /v2/")
    if ping.status_code not in (200, 401):
        raise _Stop(
            Verdict.ERROR,
            f"{endpoint.base_url}/v2/ answered {ping.status_code}: not a Docker Registry v2 API",
        )
    steps.append(
        Step(
            "ping",
            StepStatus.OK,
            f"/v2/ → {ping.status_code}" + (f", {challenge.scheme} challenge" if challenge else ""),
        )
    )
    auth_header: str | None = None
    if ping.status_code == 401 and challenge is not None:
        if challenge.scheme == "basic":
            if cred is None:
                raise _Stop(Verdict.BAD_CREDENTIALS, _NO_LOGIN, _NO_LOGIN_HINT)
            auth_header = cred.basic()
            steps.append(Step("token", StepStatus.SKIPPED, "Basic auth: no token needed"))
        elif challenge.scheme == "bearer":
            token = await _token(ref, cred, client, endpoint, challenge, options, cache, result)
            auth_header = f"Bearer {token}"
        else:
            raise _Stop(Verdict.ERROR, f"unsupported auth scheme {challenge.scheme!r}")
    elif ping.status_code == 401:
        raise _Stop(Verdict.ERROR, "the registry answered 401 without a challenge")
    else:
        steps.append(Step("token", StepStatus.SKIPPED, "/v2/ is open: no login asked"))
    await _manifest(ref, client, endpoint, auth_header, result, _guard(endpoint, options))


def _guard(endpoint: http.Endpoint, options: Options) -> http.Guard:
    """The one check every redirect passes (ping, realm, manifest)."""

    async def guard(url: str) -> str | None:
        return await http.hop_refusal(
            url, endpoint, options.allowed_realms, what="a redirect to", timeout=options.timeout
        )

    return guard


async def _get_with_fallback(
    client: Client, endpoint: http.Endpoint, path: str, guard: http.Guard
) -> Response:
    """https first; plain http only where allowed (loopback, --insecure-registry). When
    https failed on TLS and plain http fails too, the TLS failure is the news."""
    from wizard.verify.wire import ConnectError, ReadError, RemoteProtocolError

    probe = endpoint.plain_http_allowed
    try:
        return await http.send(
            client, "GET", endpoint.base_url + path, guard=guard, tls_probe=probe
        )
    except (ConnectError, RemoteProtocolError, ReadError) as e:
        if not endpoint.plain_http_allowed or not endpoint.base_url.startswith("https://"):
            raise
        first = e
    # Outside the handler, so the https failure is not the plain http failure's context.
    # A certificate that does not verify is the news; a server that speaks no TLS at all
    # (WRONG_VERSION_NUMBER) is what plain http is for.
    tls_failure = "CERTIFICATE_VERIFY_FAILED" in repr(first) + repr(first.__cause__)
    https_url = endpoint.base_url
    endpoint.base_url = "http://" + endpoint.base_url[len("https://") :]
    try:
        return await http.send(client, "GET", endpoint.base_url + path, guard=guard)
    except (ConnectError, RemoteProtocolError, ReadError):
        if tls_failure:
            endpoint.base_url = https_url
            raise first from None
        raise


def _realm_url(realm: str, service: str | None, scope: str) -> str:
    """Add service and scope to the realm, keeping any query it already has."""
    parts = urlsplit(realm)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if service:
        query.append(("service", service))
    query.append(("scope", scope))
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _token(
    ref: ImageRef,
    cred: Credential | None,
    client: Client,
    endpoint: http.Endpoint,
    challenge: http.Challenge,
    options: Options,
    cache: TokenCache,
    result: CheckResult,
) -> str:
    realm = challenge.params.get("realm")
    if not realm:
        raise _Stop(Verdict.ERROR, "the Bearer challenge has no realm")
    refusal = await http.realm_refusal(realm, endpoint, options.allowed_realms, options.timeout)
    if refusal:
        raise _Stop(
            Verdict.ERROR,
            refusal,
            "nothing was sent there; if that is where this registry's tokens really come "
            f"from, run the check again with --allow-realm {http.host_port(realm)}",
        )
    scope = f"repository:{ref.repository}:pull"
    key = (endpoint.base_url, cred.fingerprint if cred else "anonymous", ref.repository)
    async with cache.lock(key):
        cached = cache.get(key)
        if cached:
            result.steps.append(Step("token", StepStatus.OK, "reused a token for this repository"))
            return cached
        url = _realm_url(realm, challenge.params.get("service"), scope)
        response = await http.send(
            client,
            "GET",
            url,
            auth_header=cred.basic() if cred else None,
            guard=_guard(endpoint, options),
        )
        cache.fetched += 1
        if response.status_code in (401, 403):
            _, message = http.error_codes(response)
            detail = f"the token service refused the credential ({response.status_code}"
            detail += f": {message})" if message else ")"
            if cred is None:
                raise _Stop(Verdict.BAD_CREDENTIALS, _NO_LOGIN, _NO_LOGIN_HINT)
            raise _Stop(Verdict.BAD_CREDENTIALS, detail)
        if response.status_code == 429:
            raise _Stop(Verdict.RATE_LIMITED, _rate_detail(response))
        if response.status_code != 200:
            raise _Stop(Verdict.ERROR, f"the token service answered {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise _Stop(Verdict.ERROR, "the token service answered with non-JSON") from None
        token = (data.get("token") or data.get("access_token")) if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise _Stop(Verdict.ERROR, "the token service answered without a token")
        result.sensitive.add(token)
        expires = data.get("expires_in", 60)
        cache.put(key, token, float(expires) if isinstance(expires, (int, float)) else 60.0)
        who = f"as {cred.username}" if cred else "anonymously"
        result.steps.append(Step("token", StepStatus.OK, f"token for {scope} {who}"))
        return token


def _rate_detail(response: Response) -> str:
    retry = response.headers.get("retry-after")
    detail = "the registry is rate limiting requests (429)"
    return detail + (f"; retry after {retry} s" if retry else "")


async def _manifest(
    ref: ImageRef,
    client: Client,
    endpoint: http.Endpoint,
    auth_header: str | None,
    result: CheckResult,
    guard: http.Guard | None = None,
) -> None:
    url = f"{endpoint.base_url}/v2/{ref.repository}/manifests/{ref.reference}"
    headers = {"Accept": ACCEPT}
    kw = {"headers": headers, "auth_header": auth_header, "guard": guard}
    # GET, so the body can be checked against its digest (a manifest is a few KB): only
    # Docker Hub gets a HEAD, since there a GET counts against the pull rate limit.
    hub = detect_registry(ref).kind is RegistryKind.DOCKERHUB
    response = await http.send(client, "HEAD" if hub else "GET", url, **kw)  # type: ignore[arg-type]
    _rate_facts(response, result)
    status = response.status_code
    if status == 200:
        digest = response.headers.get("docker-content-digest")
        media_type = response.headers.get("content-type", "").split(";")[0].strip() or None
        full = response
        if hub and (not digest or (ref.digest and digest != ref.digest)):
            # No digest in HEAD, or not the one pinned: the body decides.
            full = await http.send(client, "GET", url, **kw)  # type: ignore[arg-type]
            media_type = full.headers.get("content-type", "").split(";")[0].strip() or media_type
        if full.request.method == "GET":
            _require_manifest_body(full.content, media_type)
            body_digest = "sha256:" + hashlib.sha256(full.content).hexdigest()
            if digest and digest.startswith("sha256:") and digest != body_digest:
                raise _Stop(
                    Verdict.ERROR,
                    f"the manifest's body hashes to {body_digest[:19]}…, not the "
                    f"Docker-Content-Digest {digest[:19]}… the registry sent",
                    "a proxy or portal in the way may be rewriting answers",
                )
            digest = digest or body_digest
        _validate_manifest(ref, digest, media_type)
        result.verdict, result.digest, result.media_type = Verdict.OK, digest, media_type
        result.detail = f"{ref.name}:{ref.reference} can be pulled"
        result.steps.append(Step("manifest", StepStatus.OK, f"{digest} ({media_type})"))
        return
    # A HEAD has no body: GET the same URL to read the registry's error.
    body_response = (
        response if response.request.method == "GET" else await http.send(client, "GET", url, **kw)  # type: ignore[arg-type]
    )
    codes, message = http.error_codes(body_response)
    challenge = http.parse_challenge(response.headers.get("www-authenticate"))
    error = challenge.error if challenge else None
    what = f"manifest {ref.repository}:{ref.reference} → {status}"
    what += f" {','.join(codes)}" if codes else ""
    what += f" ({message})" if message else ""
    result.steps.append(Step("manifest", StepStatus.FAILED, what))
    kind = detect_registry(ref).kind
    if status == 404:
        if "NAME_UNKNOWN" in codes:
            raise _Stop(Verdict.NOT_FOUND, f"repository {ref.repository} does not exist")
        # distribution answers MANIFEST_UNKNOWN for a missing repository too.
        raise _Stop(
            Verdict.NOT_FOUND,
            f"no manifest {ref.reference} in {ref.repository} "
            "(the tag, or the whole repository, is missing)"
            + ("" if "MANIFEST_UNKNOWN" in codes else f": {message or 'not found'}"),
        )
    if status == 401:
        described = (challenge.params.get("error_description", "") if challenge else "") + message
        if error == "invalid_token" and "expired" in described.lower():
            raise _Stop(Verdict.EXPIRED, f"the registry says the token expired ({described})")
        if error == "invalid_token":
            raise _Stop(
                Verdict.BAD_CREDENTIALS, "the registry rejected its own token (invalid_token)"
            )
        if auth_header and auth_header.startswith("Basic"):
            raise _Stop(
                Verdict.BAD_CREDENTIALS, f"the registry refused the login ({message or 401})"
            )
        hidden = " (or the repository does not exist)" if kind in HIDES_MISSING else ""
        raise _Stop(
            Verdict.NO_ACCESS,
            f"authenticated, but not allowed to pull "
            f"{ref.repository}{hidden}" + (f": {error}" if error else ""),
        )
    if status == 403:
        hidden = " (or the repository does not exist)" if kind in HIDES_MISSING else ""
        raise _Stop(
            Verdict.NO_ACCESS,
            f"not allowed to pull {ref.repository}{hidden}" + (f": {message}" if message else ""),
        )
    if status == 429:
        raise _Stop(Verdict.RATE_LIMITED, _rate_detail(response))
    if status == 400 and "MANIFEST_INVALID" in codes:
        raise _Stop(
            Verdict.ERROR,
            "the registry cannot serve this manifest in any of the "
            "four manifest media types (an old schema-1 image?)",
        )
    raise _Stop(
        Verdict.ERROR,
        f"the registry answered {status} for the manifest" + (f": {message}" if message else ""),
    )


_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$|^sha512:[0-9a-f]{128}$")
# Old schema-1 manifests still come back from some registries; they pull too.
_SCHEMA1 = (
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
)


def _require_manifest_body(body: bytes, media_type: str | None) -> None:
    """The body of a manifest is a JSON object with a schemaVersion: an HTML page sent
    with a manifest's Content-Type is not one."""
    import json

    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or "schemaVersion" not in data:
        raise _Stop(
            Verdict.ERROR,
            f"the registry's 200 for the manifest is not a manifest (a {media_type or 'typeless'} "
            "body that is not a manifest's JSON)",
            "something between you and the registry (a captive portal, a proxy) is "
            "answering for it; check the network, or the registry's address",
        )


def _validate_manifest(ref: ImageRef, digest: str, media_type: str | None) -> None:
    """A 200 is only a manifest when it says it is one: a captive portal or a proxy's
    error page answers 200 too."""
    if media_type not in (*MANIFEST_TYPES, *_SCHEMA1):
        raise _Stop(
            Verdict.ERROR,
            f"the registry answered 200 for the manifest, but with {media_type or 'no type'}, "
            "not a manifest media type",
            "something between you and the registry (a captive portal, a proxy) is "
            "answering for it; check the network, or the registry's address",
        )
    if not _DIGEST.match(digest):
        raise _Stop(Verdict.ERROR, f"the registry sent a malformed manifest digest {digest!r}")
    if ref.digest and digest != ref.digest:
        raise _Stop(
            Verdict.ERROR,
            f"the registry served {digest[:19]}… for the pinned {ref.digest[:19]}…",
        )


def _rate_facts(response: Response, result: CheckResult) -> None:
    limit = response.headers.get("ratelimit-limit")
    remaining = response.headers.get("ratelimit-remaining")
    if limit and remaining:
        result.facts["rate_limit"] = {
            "limit": limit.split(";")[0],
            "remaining": remaining.split(";")[0],
        }


def new_client(options: Options) -> Client:
    """One client per batch; TLS is set up on the first https connection, not before."""
    from functools import partial

    from wizard.verify.wire import Client

    return Client(
        timeout=options.timeout,
        ssl_context=partial(http.ssl_context, options.ca_bundle),
        max_connections=16,
    )
