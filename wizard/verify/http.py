"""HTTP plumbing for live checks: endpoints, challenges, safe redirects, error mapping.

httpx is imported lazily (it is not on the `--help` path).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
import socket
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wizard.model.image import ImageRef
from wizard.verify.verdict import Verdict

if TYPE_CHECKING:
    import httpx

# Where a registry's API really lives, for the registries whose API host differs.
API_HOSTS = {"docker.io": "registry-1.docker.io"}
# Test and air-gap facility: {"<registry>": "http://127.0.0.1:5000"} sends that
# registry's API calls elsewhere (the image reference, and so the rules, stay the same).
ENDPOINTS_ENV = "REGISTRY_WIZARD_ENDPOINTS"
MAX_REDIRECTS = 5

_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass(frozen=True)
class Challenge:
    scheme: str  # "basic" or "bearer"
    params: dict[str, str]

    @property
    def error(self) -> str | None:
        return self.params.get("error")


def parse_challenge(header: str | None) -> Challenge | None:
    """`WWW-Authenticate: Bearer realm="...",service="...",scope="...",error="..."`."""
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
        for m in _CHALLENGE_PARAM.finditer(rest)
    }
    return Challenge(scheme.lower(), params)


def is_loopback_host(host: str) -> bool:
    h = host.strip("[]").lower()
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def _is_private_address(host: str) -> bool:
    h = host.strip("[]")
    try:
        addresses = [ipaddress.ip_address(h)]
    except ValueError:
        if is_loopback_host(h):
            return True
        try:
            infos = socket.getaddrinfo(h, None, proto=socket.IPPROTO_TCP)
        except OSError:
            return False  # unresolvable: the request itself will fail as unreachable
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return any(a.is_private or a.is_loopback or a.is_link_local or a.is_reserved for a in addresses)


def host_port(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}"


@dataclass
class Endpoint:
    """Where to reach one registry's v2 API and how."""

    registry: str  # as in the image reference
    base_url: str  # scheme://host[:port]
    plain_http_allowed: bool

    @property
    def host_port(self) -> str:
        return host_port(self.base_url)


def endpoint_for(ref: ImageRef, insecure: frozenset[str]) -> Endpoint:
    overrides = _overrides()
    if ref.registry in overrides:
        url = overrides[ref.registry].rstrip("/")
        plain = urlsplit(url).scheme == "http"
        return Endpoint(ref.registry, url, plain)
    host = API_HOSTS.get(ref.registry, ref.registry)
    plain = is_loopback_host(ref.host) or ref.registry in insecure or host in insecure
    return Endpoint(ref.registry, f"https://{host}", plain)


def _overrides() -> dict[str, str]:
    raw = os.environ.get(ENDPOINTS_ENV)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def realm_refusal(realm: str, endpoint: Endpoint, allowed: frozenset[str]) -> str | None:
    """Why credentials must not be sent to this token realm, or None when they may."""
    parts = urlsplit(realm)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"the registry's token realm {realm!r} is not an http(s) URL"
    realm_hp = host_port(realm)
    own = realm_hp == endpoint.host_port or realm_hp in allowed or parts.hostname in allowed
    if parts.scheme == "http" and not (own or endpoint.plain_http_allowed):
        return f"the token realm {realm} is plain http; credentials are only sent over https"
    if not own and _is_private_address(parts.hostname):
        return (
            f"the token realm {realm} points at a private or loopback address; "
            "pass --allow-realm " + realm_hp + " if you trust it"
        )
    return None


@functools.lru_cache(maxsize=8)
def ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """Loading the system trust store takes ~25 ms: once per process is enough."""
    ctx = (
        ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    )
    extra = os.environ.get("SSL_CERT_FILE")
    if extra and not ca_bundle and os.path.isfile(extra):
        ctx.load_verify_locations(cafile=extra)
    return ctx


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    auth_header: str | None = None,
) -> httpx.Response:
    """Follow redirects by hand: the Authorization header never leaves the first host."""
    first_host = host_port(url)
    hdrs = dict(headers or {})
    for _ in range(MAX_REDIRECTS + 1):
        request_headers = dict(hdrs)
        if auth_header and host_port(url) == first_host:
            request_headers["Authorization"] = auth_header
        response = await client.request(method, url, headers=request_headers)
        if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
            await response.aclose()
            url = str(response.url.join(response.headers["location"]))
            if response.status_code == 303:
                method = "GET"
            continue
        return response
    raise RedirectLoop(url)


class RedirectLoop(Exception):
    pass


def classify_exception(exc: BaseException) -> tuple[Verdict, str]:
    """Map a transport failure to a verdict and a sentence."""
    import httpx

    text = str(exc) or type(exc).__name__
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return Verdict.TIMEOUT, "the registry did not answer in time"
    if isinstance(exc, RedirectLoop):
        return Verdict.ERROR, f"more than {MAX_REDIRECTS} redirects"
    chain: list[BaseException] = [exc]
    while chain[-1].__cause__ or chain[-1].__context__:
        nxt = chain[-1].__cause__ or chain[-1].__context__
        if nxt is None or nxt in chain:
            break
        chain.append(nxt)
    if (
        any(isinstance(e, ssl.SSLError) for e in chain)
        or "CERTIFICATE_VERIFY_FAILED" in text
        or "SSL" in text
    ):
        return Verdict.TLS_ERROR, f"TLS failed: {_short(text)}"
    if isinstance(
        exc,
        (
            httpx.ConnectError,
            httpx.ReadError,
            httpx.WriteError,
            httpx.RemoteProtocolError,
            ConnectionError,
            OSError,
        ),
    ):
        return Verdict.UNREACHABLE, f"cannot reach the registry: {_short(text)}"
    return Verdict.ERROR, f"{type(exc).__name__}: {_short(text)}"


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."


def error_codes(response: httpx.Response) -> tuple[list[str], str]:
    """The registry's error codes and a readable message; copes with non-JSON bodies."""
    body = response.content[:4096]
    try:
        data: Any = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return [], text[:200]
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return [], ""
    codes = [str(e.get("code", "")) for e in errors if isinstance(e, dict)]
    messages = [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
    return codes, "; ".join(m for m in messages if m)
