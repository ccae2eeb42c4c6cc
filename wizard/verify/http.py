"""HTTP plumbing for live checks: endpoints, challenges, safe redirects, error mapping.

The client itself is `wire.Client` (standard library only); this module decides where
it may go and what its failures mean.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
import ssl
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wizard.model.image import ImageRef
from wizard.model.record import record
from wizard.verify import runtime
from wizard.verify.verdict import Verdict

if TYPE_CHECKING:
    from wizard.verify.wire import Client, Response

# Where a registry's API really lives, for the registries whose API host differs.
API_HOSTS = {"docker.io": "registry-1.docker.io"}
# Test and air-gap facility: {"<registry>": "http://127.0.0.1:5000"} sends that
# registry's API calls elsewhere (the image reference, and so the rules, stay the same).
ENDPOINTS_ENV = "REGISTRY_WIZARD_ENDPOINTS"
MAX_REDIRECTS = 5

_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@record(frozen=True)
class Challenge:
    """A parsed WWW-Authenticate challenge."""

    scheme: str  # "basic" or "bearer"
    params: dict[str, str]

    @property
    def error(self) -> str | None:
        return self.params.get("error")


_SCHEME = re.compile(
    r"(?:^|,)\s*([A-Za-z][\w-]*)(?=\s+[\w-]+\s*=|\s*,|\s*$|\s+[\w+/=.~-]+\s*(?:,|$))"
)
# The schemes this client can answer, in the order it prefers them.
_USABLE = ("bearer", "basic")


def parse_challenges(header: str | None) -> list[Challenge]:
    """Every challenge in `WWW-Authenticate` (a server may offer several, e.g.
    `Negotiate, Basic realm="x"`), each with its parameters."""
    if not header:
        return []
    # A "scheme" inside a quoted parameter value is no scheme: keep those outside quotes
    # (the quotes before each counted once along the header: a 64 KB challenge of
    # thousands of words cost 0.4 s when each count started from its beginning).
    starts, quotes, counted = [], 0, 0
    for m in _SCHEME.finditer(header):
        quotes += header.count('"', counted, m.start(1))
        counted = m.start(1)
        if quotes % 2 == 0:
            starts.append((m.start(1), m.group(1)))
    out = []
    for n, (i, scheme) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(header)
        rest = header[i + len(scheme) : end]
        params = {
            m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
            for m in _CHALLENGE_PARAM.finditer(rest)
        }
        out.append(Challenge(scheme.lower(), params))
    return out


def parse_challenge(header: str | None) -> Challenge | None:
    """The challenge to answer: Bearer, else Basic, else the first one offered (which the
    caller then reports as unsupported)."""
    found = parse_challenges(header)
    for scheme in _USABLE:
        for c in found:
            if c.scheme == scheme:
                return c
    return found[0] if found else None


def is_loopback_host(host: str) -> bool:
    h = host.strip("[]").lower().rstrip(".")
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Not an address on the public internet: private, loopback, link-local, the shared
    100.64/10, documentation and benchmark ranges, multicast, reserved, unspecified, and
    IPv6 forms that embed one of those (::ffff:a.b.c.d, 6to4, Teredo, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is None and address in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and is_internal(embedded):
            return True
    if any(address in net for net in _ALSO_INTERNAL if net.version == address.version):
        return True
    return not address.is_global or address.is_multicast or address.is_unspecified


# Ranges some Python versions still count as global: all of 192.0.0.0/24 (IETF protocol
# assignments), the retired 6to4 relay anycast, and IPv6 site-local.
_ALSO_INTERNAL = tuple(
    ipaddress.ip_network(n) for n in ("192.0.0.0/24", "192.88.99.0/24", "fec0::/10")
)


async def _addresses(
    host: str, timeout: float
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The host's addresses, resolved off the caller's thread within `timeout`."""
    h = host.strip("[]")
    try:
        return [ipaddress.ip_address(h.split("%")[0])]
    except ValueError:
        pass
    infos = await runtime.getaddrinfo(h, timeout)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def is_private_host(host: str, timeout: float = 10.0) -> bool | None:
    """Does `host` name (or resolve to) an internal address? None: it does not resolve
    here, so that cannot be told (and a lookup a moment later, the connection's, might
    answer an internal address): a guard refuses it too."""
    if is_loopback_host(host):
        return True
    try:
        addresses = await _addresses(host, timeout)
    except TimeoutError:
        raise  # the check's deadline, or the lookup's: said as a timeout
    except OSError:
        return None
    if any(is_internal(a) for a in addresses):
        return True
    runtime.pin(host, [str(a) for a in addresses])  # the connection goes where we looked
    return False


def _unresolved(what: str, url: str, host: str, hp: str) -> str:
    return (
        f"{what} {url}: {host} does not resolve here, so it cannot be told that it is not "
        f"an internal address; nothing was sent to it (pass --allow-realm {hp} if you trust "
        "it)"
    )


def host_port(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}"


@record
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


async def hop_refusal(
    url: str,
    endpoint: Endpoint,
    allowed: frozenset[str],
    *,
    what: str = "the registry's token realm",
    timeout: float = 10.0,
) -> str | None:
    """Why this client must not go to `url` (a token realm, or any redirect on the way to
    the registry, the realm or the manifest), or None when it may. One guard for every
    hop: http(s) only; plain http only to the registry itself when it may use it, or to a
    host the user allowed; no private, loopback or otherwise internal address unless it
    is the registry's own host or allowed (--allow-realm)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{what} {url!r} is not an http(s) URL"
    hp = host_port(url)
    own = hp == endpoint.host_port or (  # the registry itself (over either scheme)
        parts.hostname == urlsplit(endpoint.base_url).hostname
        and hp.rpartition(":")[2] in ("80", "443")
        and endpoint.host_port.rpartition(":")[2] in ("80", "443")
    )
    trusted = own or hp in allowed or parts.hostname in allowed
    if parts.scheme == "http" and not (
        (endpoint.plain_http_allowed and own) or hp in allowed or parts.hostname in allowed
    ):
        return (
            f"{what} {url} is plain http; credentials are only sent over https, or to a "
            f"host you trust with --allow-realm {hp}"
        )
    if not trusted:
        private = await is_private_host(parts.hostname, timeout)
        if private is None:
            return _unresolved(what, url, parts.hostname, hp)
        if private:
            return (
                f"{what} {url} points at a private or internal address; "
                "pass --allow-realm " + hp + " if you trust it"
            )
    return None


# Where a service-account key may send its signed assertion (google-auth's token_uri).
GOOGLE_TOKEN_HOSTS = ("oauth2.googleapis.com", "accounts.google.com", "www.googleapis.com")


async def token_uri_refusal(uri: str, allowed: frozenset[str], timeout: float = 10.0) -> str | None:
    """Why a key file's `token_uri` must not get the key's signed assertion (which anyone
    can exchange for an access token): Google's token endpoint over https, or a host the
    user allowed with --allow-realm; nothing else, and never an internal address."""
    parts = urlsplit(uri)
    hp = host_port(uri) if parts.hostname else ""
    if hp in allowed or (parts.hostname or "") in allowed:
        return None
    if parts.scheme != "https" or (parts.hostname or "").lower() not in GOOGLE_TOKEN_HOSTS:
        return (
            f"the key's token_uri {uri!r} is not Google's token endpoint "
            "(https://oauth2.googleapis.com/token); the key's signed assertion is only sent "
            f"there, or to a host you trust with --allow-realm {hp or 'HOST:PORT'}"
        )
    private = await is_private_host(parts.hostname or "", timeout)
    if private is None:
        return _unresolved("the key's token_uri", uri, parts.hostname or "", hp)
    if private:
        return f"the key's token_uri {uri} resolves to an internal address"
    return None


async def realm_refusal(
    realm: str, endpoint: Endpoint, allowed: frozenset[str], timeout: float = 10.0
) -> str | None:
    """Why credentials must not be sent to this token realm, or None when they may."""
    return await hop_refusal(realm, endpoint, allowed, timeout=timeout)


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


Guard = Callable[[str], Awaitable["str | None"]]


async def send(
    client: Client,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    auth_header: str | None = None,
    guard: Guard | None = None,
    tls_probe: bool = False,
) -> Response:
    """Follow redirects by hand: every hop passes `guard` (the caller checked the first
    URL), and the Authorization header goes only to the first URL's scheme, host and port,
    so a redirect can neither carry it to another host nor down to plain http. Bodies are
    read whole, never past 4 MB (the client's cap)."""
    from urllib.parse import urljoin

    first = (urlsplit(url).scheme, host_port(url))
    hdrs = dict(headers or {})
    for _ in range(MAX_REDIRECTS + 1):
        request_headers = dict(hdrs)
        if auth_header and (urlsplit(url).scheme, host_port(url)) == first:
            request_headers["Authorization"] = auth_header
        response = await client.request(method, url, request_headers, tls_probe=tls_probe)
        tls_probe = False  # only the first hop may be plain http's fallback
        location = response.headers.get("location")
        if response.status_code in (301, 302, 303, 307, 308) and location is not None:
            url = urljoin(url, location)
            if guard is not None and (refusal := await guard(url)):
                raise RedirectRefused(refusal)
            if response.status_code == 303:
                method = "GET"
            continue
        return response
    raise RedirectLoop(url)


class RedirectLoop(Exception):
    pass


class RedirectRefused(Exception):
    """A redirect pointed where this client must not go (the guard said why)."""


def classify_exception(exc: BaseException) -> tuple[Verdict, str]:
    """Map a transport failure to a verdict and a sentence."""
    from wizard.verify import wire

    text = str(exc) or type(exc).__name__
    if isinstance(exc, (wire.TimeoutException, TimeoutError)):
        return Verdict.TIMEOUT, "the registry did not answer in time"
    if isinstance(exc, RedirectLoop):
        return Verdict.ERROR, f"more than {MAX_REDIRECTS} redirects"
    if isinstance(exc, RedirectRefused):
        return Verdict.ERROR, f"a redirect was refused: {exc}"
    if isinstance(exc, wire.BodyTooLarge):
        return Verdict.ERROR, f"{exc}: not a registry's answer"
    chain: list[BaseException] = [exc]
    while True:
        last = chain[-1]
        nxt = last.__cause__ or (None if last.__suppress_context__ else last.__context__)
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
            wire.ConnectError,
            wire.ReadError,
            wire.RemoteProtocolError,
            ConnectionError,
            OSError,
        ),
    ):
        return Verdict.UNREACHABLE, f"cannot reach the registry: {_short(text)}"
    return Verdict.ERROR, f"{type(exc).__name__}: {_short(text)}"


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."


def error_codes(response: Response) -> tuple[list[str], str]:
    """The registry's error codes and a readable message; copes with non-JSON bodies."""
    body = response.content[:4096]
    try:
        data: Any = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return [], _short(text)
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return [], ""
    codes = [str(e.get("code", "")) for e in errors if isinstance(e, dict)]
    messages = [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
    return codes, "; ".join(m for m in messages if m)
