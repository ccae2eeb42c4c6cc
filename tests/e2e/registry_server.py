"""A real Docker Registry v2 (CNCF distribution 2.8, Debian's `docker-registry`) for tests.

    grants = {"alice": {"team/*": ["pull"]}}
    with RegistryServer("token", users={"alice": "pw"}, grants=grants) as reg:
        digest = push_image(reg, "team/app", "v1", "oci")
        ... point the code under test at reg.host / reg.url ...

Auth modes:

- ``none``: no auth at all.
- ``htpasswd``: Basic auth from a bcrypt htpasswd file the harness writes. The registry
  re-reads the file when its mtime changes, so `set_users()` takes effect without a restart.
- ``token``: Bearer auth with a `TokenServer` (Docker token spec, ES256 JWT with ``x5c``)
  the harness runs on another loopback port. Grants say which repositories each user may
  pull/push; a user with no matching grant gets a token whose ``access`` list is empty.

In both auth modes a hidden admin user (`RegistryServer.admin`) may pull and push
everything; `push_image` uses it when no credentials are given.

Only 127.0.0.1 is used. If the binary is missing the test is skipped, or failed when
``CI=true``. Set ``REGISTRY_BINARY`` to use another binary.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import fnmatch
import gzip
import hashlib
import http.client
import io
import json
import os
import re
import secrets
import shutil
import ssl
import subprocess
import tarfile
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPMessage
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, quote, urlencode, urljoin, urlsplit

import bcrypt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.e2e.loopback import (
    LOOPBACK,
    LoopbackServer,
    Reply,
    Response,
    SelfSignedCert,
    free_port,
    generate_self_signed_cert,
    header_of,
)

AuthMode = Literal["none", "htpasswd", "token"]
ImageKind = Literal["oci", "docker", "index", "docker-list"]
Credentials = tuple[str, str]
Grants = Mapping[str, Mapping[str, Iterable[str]]]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
ALL_MANIFEST_TYPES = (OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST)
ACCEPT_ALL_MANIFESTS = ", ".join(ALL_MANIFEST_TYPES)

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

BINARY_ENV = "REGISTRY_BINARY"
DEFAULT_BINARY = "docker-registry"
ADMIN_USER = "harness-admin"

# The users of the `htpasswd_registry` / `token_registry` fixtures.
ALICE: Credentials = ("alice", "alice-password")
BOB: Credentials = ("bob", "bob-password")

# --------------------------------------------------------------------------- binary


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def find_registry_binary() -> str | None:
    """Path of the distribution binary (``$REGISTRY_BINARY`` or ``docker-registry``)."""
    configured = os.environ.get(BINARY_ENV)
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which(DEFAULT_BINARY)


def require_registry_binary() -> str:
    """The binary's path; otherwise skip the test (fail it when ``CI=true``)."""
    binary = find_registry_binary()
    if binary is not None:
        return binary
    reason = (
        f"{os.environ.get(BINARY_ENV) or DEFAULT_BINARY!r} not found: "
        "`apt-get install docker-registry` (CNCF distribution 2.8) "
        f"or set {BINARY_ENV} to a distribution `registry` binary"
    )
    if _in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------- small HTTP client


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return header_of(self.headers, name)

    def json(self) -> object:
        return json.loads(self.body)


def http_request(
    url: str,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    *,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = 10.0,
) -> HttpResponse:
    """One plain HTTP(S) request, no redirects, no auth, no retries."""
    parts = urlsplit(url)
    if parts.hostname is None:
        raise ValueError(f"not an absolute URL: {url!r}")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl_context
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        send_headers = dict(headers or {})
        if body or method in {"POST", "PUT", "PATCH"}:
            send_headers.setdefault("Content-Length", str(len(body)))
        conn.request(method, target, body=body or None, headers=send_headers)
        resp = conn.getresponse()
        data = resp.read()
        return HttpResponse(resp.status, tuple(resp.getheaders()), data)
    finally:
        conn.close()


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


_AUTH_PARAM = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``'Bearer realm="r",service="s"'`` -> ``("bearer", {"realm": "r", "service": "s"})``."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        match.group(1).lower(): (
            re.sub(r"\\(.)", r"\1", match.group(2))
            if match.group(2) is not None
            else match.group(3)
        )
        for match in _AUTH_PARAM.finditer(rest)
    }
    return scheme.lower(), params


def token_url(realm: str, service: str | None, scopes: Iterable[str]) -> str:
    """The realm URL plus ``service``/``scope`` — keeping the realm's own query string."""
    query = [("service", service)] if service else []
    query += [("scope", scope) for scope in scopes]
    if not query:
        return realm
    return realm + ("&" if urlsplit(realm).query else "?") + urlencode(query)


class RegistryClient:
    """Speaks to a registry the way `docker` does: answers Basic and Bearer challenges.

    `scope`, when given, replaces the scope the registry's challenge asks for (e.g.
    ``repository:x:pull,push`` so that one token serves a whole push).
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        *,
        scope: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.scope = scope
        self.ssl_context = ssl_context
        self.timeout = timeout
        self._authorization: str | None = None

    def _raw(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> HttpResponse:
        return http_request(
            url, method, headers, body, ssl_context=self.ssl_context, timeout=self.timeout
        )

    def fetch_token(self, challenge: Mapping[str, str]) -> str:
        scopes = (
            [self.scope] if self.scope else ([challenge["scope"]] if "scope" in challenge else [])
        )
        url = token_url(challenge["realm"], challenge.get("service"), scopes)
        headers = {}
        if self.credentials is not None:
            headers["Authorization"] = basic_auth(*self.credentials)
        resp = self._raw("GET", url, headers, b"")
        if resp.status != 200:
            raise RegistryError(f"token request failed: HTTP {resp.status}", resp)
        payload = resp.json()
        assert isinstance(payload, dict)
        return str(payload.get("token") or payload["access_token"])

    def request(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> HttpResponse:
        """`target` is a path (``/v2/...``) or an absolute URL (upload ``Location``)."""
        url = target if "://" in target else self.base_url + target
        base_headers = dict(headers or {})
        if self._authorization:
            base_headers["Authorization"] = self._authorization
        resp = self._raw(method, url, base_headers, body)
        if resp.status != 401:
            return resp
        scheme, challenge = parse_challenge(resp.header("WWW-Authenticate") or "")
        if scheme == "basic" and self.credentials is not None:
            self._authorization = basic_auth(*self.credentials)
        elif scheme == "bearer" and "realm" in challenge:
            self._authorization = "Bearer " + self.fetch_token(challenge)
        else:
            return resp
        return self._raw(method, url, {**base_headers, "Authorization": self._authorization}, body)


class RegistryError(AssertionError):
    def __init__(self, message: str, response: HttpResponse) -> None:
        super().__init__(f"{message}: {response.body[:500]!r}")
        self.response = response


# --------------------------------------------------------------------------- token server


@dataclass(frozen=True)
class TokenRequest:
    """What the token server saw. Never holds a password or the Authorization value."""

    method: str
    path: str
    query: str
    params: Mapping[str, tuple[str, ...]]
    has_authorization: bool
    auth_scheme: str | None
    username: str | None
    status: int
    granted: tuple[Mapping[str, object], ...] = ()

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(s for value in self.params.get("scope", ()) for s in value.split())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def sign_es256_jwt(claims: Mapping[str, object], signer: SelfSignedCert) -> str:
    """Compact JWS, ES256, header ``x5c`` = [the signer's certificate]."""
    header = {
        "typ": "JWT",
        "alg": "ES256",
        "x5c": [base64.b64encode(signer.cert_der).decode()],
    }
    signing_input = f"{_b64url(_json_bytes(header))}.{_b64url(_json_bytes(claims))}"
    der = signer.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)  # JWS wants raw r||s, not DER
    return f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _json_error(status: int, code: str, message: str, **headers: str) -> Response:
    body = _json_bytes({"errors": [{"code": code, "message": message}]})
    return Response(status, {"Content-Type": "application/json", **headers}, body)


class TokenServer:
    """A Docker token-spec auth server (GET realm with Basic auth) on 127.0.0.1.

    - wrong user/password -> 401 (``UNAUTHORIZED``); no Authorization -> 401 too,
      unless `anonymous_grants` is set (then an anonymous token with those grants);
    - `realm_query` (``"tenant=x"``): the realm URL carries it; a request lacking any of
      its parameters gets 400 ``REALM_QUERY_DROPPED`` (``strict_realm_query``);
    - `grants`: ``{user: {repo-glob: actions}}``; the token's ``access`` holds, per
      requested ``repository:<name>:<actions>`` scope, the requested actions the user
      is granted (entries with no action are left out, so no grant -> ``[]``);
    - `force_response(...)` makes every request get a fixed answer (429, 500, ...).
    """

    def __init__(
        self,
        *,
        service: str = "registry.test",
        issuer: str = "registry-wizard-test-issuer",
        users: Mapping[str, str] | None = None,
        grants: Grants | None = None,
        anonymous_grants: Mapping[str, Iterable[str]] | None = None,
        realm_path: str = "/token",
        realm_query: str | None = None,
        strict_realm_query: bool = True,
        expires_in: int = 300,
        tls_cert: SelfSignedCert | None = None,
    ) -> None:
        self.service = service
        self.issuer = issuer
        self.realm_path = realm_path
        self.realm_query = realm_query
        self.strict_realm_query = strict_realm_query
        self.expires_in = expires_in
        self.signer = generate_self_signed_cert("registry-wizard test token signer", hosts=())
        self.requests: list[TokenRequest] = []
        self._lock = threading.Lock()
        self._users: dict[str, str] = {}
        self._grants: dict[str, dict[str, tuple[str, ...]]] = {}
        self._anonymous: dict[str, tuple[str, ...]] | None = None
        self._forced: Response | None = None
        self.set_users(users or {})
        self.set_grants(grants or {}, anonymous=anonymous_grants)
        self._server = LoopbackServer(self._handle, cert=tls_cert, record=False)

    # -- configuration

    def set_users(self, users: Mapping[str, str]) -> None:
        with self._lock:
            self._users = dict(users)

    def set_grants(
        self, grants: Grants, *, anonymous: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        with self._lock:
            self._grants = {
                user: {pattern: tuple(actions) for pattern, actions in per_repo.items()}
                for user, per_repo in grants.items()
            }
            self._anonymous = (
                None
                if anonymous is None
                else {pattern: tuple(actions) for pattern, actions in anonymous.items()}
            )

    def force_response(
        self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> None:
        self._forced = Response(status, dict(headers or {}), body)

    def clear_forced_response(self) -> None:
        self._forced = None

    # -- lifecycle / addresses

    def start(self) -> TokenServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> TokenServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def realm(self) -> str:
        realm = self._server.url + self.realm_path
        return f"{realm}?{self.realm_query}" if self.realm_query else realm

    @property
    def root_cert_pem(self) -> bytes:
        return self.signer.cert_pem

    def issue_token(self, subject: str, access: list[dict[str, object]], audience: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "exp": now + self.expires_in,
            "nbf": now - 1,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        return sign_es256_jwt(claims, self.signer)

    # -- request handling

    def _grant(self, user: str | None, scopes: Iterable[str]) -> list[dict[str, object]]:
        with self._lock:
            table = self._anonymous if user is None else self._grants.get(user, {})
        access: list[dict[str, object]] = []
        for scope in scopes:
            rtype, sep, rest = scope.partition(":")
            name, sep2, actions = rest.rpartition(":")
            if not (sep and sep2) or rtype != "repository":
                continue
            allowed = {
                action
                for pattern, acts in (table or {}).items()
                if fnmatch.fnmatchcase(name, pattern)
                for action in acts
            }
            wanted = [a for a in actions.split(",") if a and (a in allowed or "*" in allowed)]
            if wanted:
                access.append({"type": "repository", "name": name, "actions": wanted})
        return access

    def _handle(self, method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
        parts = urlsplit(path)
        params = {k: tuple(v) for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        authorization = headers.get("Authorization")
        scheme = authorization.split(" ", 1)[0] if authorization else None
        username: str | None = None
        granted: list[dict[str, object]] = []

        def done(response: Response) -> Response:
            with self._lock:
                self.requests.append(
                    TokenRequest(
                        method=method,
                        path=parts.path,
                        query=parts.query,
                        params=params,
                        has_authorization=authorization is not None,
                        auth_scheme=scheme,
                        username=username,
                        status=response.status,
                        granted=tuple(granted),
                    )
                )
            return response

        if authorization and scheme and scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(authorization.split(" ", 1)[1]).decode()
                username, _, password = decoded.partition(":")
            except (ValueError, IndexError, UnicodeDecodeError):
                username, password = None, None
        else:
            password = None

        if self._forced is not None:
            return done(self._forced)
        if parts.path != self.realm_path:
            return done(_json_error(404, "NOT_FOUND", "no such endpoint"))
        if method != "GET":
            return done(_json_error(405, "UNSUPPORTED", "only GET token requests are served"))
        if self.realm_query and self.strict_realm_query:
            expected = parse_qs(self.realm_query, keep_blank_values=True)
            for key, values in expected.items():
                if list(params.get(key, ())) != values:
                    return done(
                        _json_error(
                            400, "REALM_QUERY_DROPPED", f"realm query parameter {key!r} missing"
                        )
                    )
        challenge = {"WWW-Authenticate": f'Basic realm="{self.service}"'}
        scopes = [s for value in params.get("scope", ()) for s in value.split()]
        if authorization is None:
            if self._anonymous is None:
                return done(
                    _json_error(401, "UNAUTHORIZED", "authentication required", **challenge)
                )
        else:
            with self._lock:
                expected_password = self._users.get(username or "")
            if (
                scheme is None
                or scheme.lower() != "basic"
                or password is None
                or expected_password is None
                or not secrets.compare_digest(password.encode(), expected_password.encode())
            ):
                username = username if scheme and scheme.lower() == "basic" else None
                return done(
                    _json_error(401, "UNAUTHORIZED", "incorrect username or password", **challenge)
                )
        granted = self._grant(username, scopes)
        # Like real token servers, the audience is the `service` the client asked for:
        # a client that drops it gets a token the registry rejects.
        audience = params.get("service", ("",))[0]
        token = self.issue_token(username or "", granted, audience)
        payload = {
            "token": token,
            "access_token": token,
            "expires_in": self.expires_in,
            "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return done(Response(200, {"Content-Type": "application/json"}, _json_bytes(payload)))


# --------------------------------------------------------------------------- registry server


# Cost 4 keeps tests fast; benchmarks set a realistic cost (each Basic-authenticated
# request then pays the server's bcrypt check, as with a real htpasswd registry).
BCRYPT_ROUNDS = 4


def _bcrypt_line(user: str, password: str) -> str:
    # BCRYPT_ROUNDS keeps both hashing here and checking in the registry fast. bcrypt writes
    # "$2b$"; distribution 2.8 also accepts it, but "$2y$" (same algorithm) is what
    # `htpasswd -B` writes and what every distribution version documents.
    # bcrypt only ever uses the first 72 bytes, and Go's checker silently truncates
    # longer passwords, while the Python package (>= 5) refuses them: hashing the
    # first 72 bytes lets long, ECR-sized tokens work as htpasswd passwords.
    secret = password.encode()[:72]
    hashed = bcrypt.hashpw(secret, bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()
    return f"{user}:$2y${hashed[4:]}"


def write_htpasswd(path: Path, users: Mapping[str, str]) -> None:
    """Atomically (re)write a bcrypt htpasswd file and make sure its mtime moves.

    distribution 2.8 re-reads the file on a request when its mtime differs from the one
    it loaded, so a rewrite must never keep the old mtime (coarse clocks, fast tests).
    """
    for user in users:
        if ":" in user or "\n" in user:
            raise ValueError(f"htpasswd user names cannot contain ':' or newlines: {user!r}")
    previous = path.stat().st_mtime_ns if path.exists() else None
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(_bcrypt_line(u, p) + "\n" for u, p in users.items()))
    if previous is not None and tmp.stat().st_mtime_ns == previous:
        os.utime(tmp, ns=(previous + 1_000_000_000, previous + 1_000_000_000))
    os.replace(tmp, path)


_LIVE: weakref.WeakSet[RegistryServer] = weakref.WeakSet()


def live_servers() -> list[RegistryServer]:
    """Registries started and not yet stopped (for leak checks)."""
    return list(_LIVE)


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_LIVE):
        server.stop()


class RegistryServer:
    """The `docker-registry` binary on 127.0.0.1 with a temp storage dir.

    Attributes once started: `url` (``http://127.0.0.1:<port>``), `host`
    (``127.0.0.1:<port>``, for image references), `port`, `auth`, `token_server`
    (token mode), `admin` (credentials allowed everything, auth modes), `cert_path`
    (TLS: the certificate to trust, for registry and token server), `workdir`,
    `log_path`.
    """

    # The registry gets SIGKILL when the thread that started it ends (PR_SET_PDEATHSIG),
    # so a pytest killed with -9 leaks nothing. Set False when starting one from a
    # short-lived thread.
    kill_with_parent: bool = True

    def __init__(
        self,
        auth: AuthMode = "none",
        *,
        users: Mapping[str, str] | None = None,
        grants: Grants | None = None,
        anonymous_grants: Mapping[str, Iterable[str]] | None = None,
        realm_path: str = "/token",
        realm_query: str | None = None,
        strict_realm_query: bool = True,
        service: str = "registry.test",
        issuer: str = "registry-wizard-test-issuer",
        token_expires_in: int = 300,
        htpasswd_realm: str = "registry-wizard-test",
        tls: bool = False,
        startup_timeout: float = 10.0,
    ) -> None:
        if auth not in ("none", "htpasswd", "token"):
            raise ValueError(f"unknown auth mode {auth!r}")
        if auth == "none" and (users or grants):
            raise ValueError("users/grants need auth='htpasswd' or auth='token'")
        if auth == "htpasswd" and (grants or anonymous_grants):
            raise ValueError("htpasswd auth has no per-repository grants: any user may do all")
        self.auth: AuthMode = auth
        self.service = service
        self.issuer = issuer
        self.htpasswd_realm = htpasswd_realm
        self.tls = tls
        self.startup_timeout = startup_timeout
        self.admin: Credentials | None = (
            None if auth == "none" else (ADMIN_USER, secrets.token_urlsafe(12))
        )
        self._users = dict(users or {})
        self._grants: Grants = grants or {}
        self._anonymous_grants = anonymous_grants
        self.realm_path = realm_path
        self.realm_query = realm_query
        self.strict_realm_query = strict_realm_query
        self.token_expires_in = token_expires_in
        self.token_server: TokenServer | None = None
        self.tls_cert: SelfSignedCert | None = None
        self.cert_path: Path | None = None
        self.workdir: Path | None = None
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: io.BufferedWriter | None = None

    # -- addresses

    @property
    def host(self) -> str:
        if self.port is None:
            raise RuntimeError("registry not started")
        return f"{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def ref(self, repo: str, tag: str = "latest") -> str:
        """Image reference ``127.0.0.1:<port>/<repo>:<tag>`` (or ``@sha256:...``)."""
        sep = "@" if tag.startswith("sha256:") else ":"
        return f"{self.host}/{repo}{sep}{tag}"

    @property
    def log_path(self) -> Path:
        if self.workdir is None:
            raise RuntimeError("registry not started")
        return self.workdir / "registry.log"

    def logs(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, RuntimeError):
            return ""

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client context trusting the harness certificate (None without TLS)."""
        if self.cert_path is None:
            return None
        return ssl.create_default_context(cafile=str(self.cert_path))

    def client(
        self, credentials: Credentials | None = None, *, scope: str | None = None
    ) -> RegistryClient:
        return RegistryClient(self.url, credentials, scope=scope, ssl_context=self.ssl_context())

    # -- users and grants

    @property
    def users(self) -> dict[str, str]:
        return dict(self._users)

    def _all_users(self) -> dict[str, str]:
        return {**self._users, **(dict([self.admin]) if self.admin else {})}

    def set_users(self, users: Mapping[str, str]) -> None:
        """Replace the users (the admin stays). Takes effect at once, no restart."""
        if self.auth == "none":
            raise ValueError("auth='none' has no users")
        self._users = dict(users)
        if self.auth == "htpasswd" and self.workdir is not None:
            write_htpasswd(self.workdir / "htpasswd", self._all_users())
        if self.token_server is not None:
            self.token_server.set_users(self._all_users())

    def set_grants(
        self, grants: Grants, *, anonymous: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        if self.auth != "token":
            raise ValueError("grants exist only with auth='token'")
        self._grants = grants
        self._anonymous_grants = anonymous
        if self.token_server is not None:
            self.token_server.set_grants(self._all_grants(), anonymous=anonymous)

    def _all_grants(self) -> dict[str, Mapping[str, Iterable[str]]]:
        grants: dict[str, Mapping[str, Iterable[str]]] = dict(self._grants)
        if self.admin:
            grants[self.admin[0]] = {"*": ("pull", "push", "delete")}
        return grants

    # -- lifecycle

    def __enter__(self) -> RegistryServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> RegistryServer:
        if self._proc is not None:
            raise RuntimeError("registry already started")
        binary = require_registry_binary()
        _LIVE.add(self)
        try:
            self.workdir = Path(tempfile.mkdtemp(prefix="registry-e2e-"))
            (self.workdir / "storage").mkdir()
            if self.tls:
                self.tls_cert = generate_self_signed_cert()
                self.cert_path, _ = self.tls_cert.write(self.workdir, "tls")
            if self.auth == "htpasswd":
                write_htpasswd(self.workdir / "htpasswd", self._all_users())
            if self.auth == "token":
                self.token_server = TokenServer(
                    service=self.service,
                    issuer=self.issuer,
                    users=self._all_users(),
                    grants=self._all_grants(),
                    anonymous_grants=self._anonymous_grants,
                    realm_path=self.realm_path,
                    realm_query=self.realm_query,
                    strict_realm_query=self.strict_realm_query,
                    expires_in=self.token_expires_in,
                    tls_cert=self.tls_cert,
                ).start()
                (self.workdir / "token-root.pem").write_bytes(self.token_server.root_cert_pem)
            self._launch(binary)
        except BaseException:
            self.stop()
            raise
        return self

    def _config(self) -> dict[str, object]:
        assert self.workdir is not None and self.port is not None
        http_section: dict[str, object] = {
            "addr": f"{LOOPBACK}:{self.port}",
            "secret": secrets.token_hex(16),
            "draintimeout": "0s",
        }
        if self.tls:
            http_section["tls"] = {
                "certificate": str(self.workdir / "tls.crt"),
                "key": str(self.workdir / "tls.key"),
            }
        config: dict[str, object] = {
            "version": "0.1",
            "log": {"level": "info", "formatter": "text", "accesslog": {"disabled": False}},
            "storage": {
                "filesystem": {"rootdirectory": str(self.workdir / "storage")},
                "delete": {"enabled": True},
                "maintenance": {"uploadpurging": {"enabled": False}},
            },
            "http": http_section,
        }
        if self.auth == "htpasswd":
            config["auth"] = {
                "htpasswd": {"realm": self.htpasswd_realm, "path": str(self.workdir / "htpasswd")}
            }
        elif self.auth == "token":
            assert self.token_server is not None
            config["auth"] = {
                "token": {
                    "realm": self.token_server.realm,
                    "service": self.service,
                    "issuer": self.issuer,
                    "rootcertbundle": str(self.workdir / "token-root.pem"),
                }
            }
        return config

    def _spawn(self, binary: str) -> None:
        assert self.workdir is not None
        # REGISTRY_* variables override the config file; keep the caller's out.
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        # If pytest dies without teardown, the kernel kills the registry too. (The signal
        # follows the *thread* that started it: see `kill_with_parent`.)
        prefix = (
            ["setpriv", "--pdeathsig", "KILL", "--"]
            if self.kill_with_parent and shutil.which("setpriv")
            else []
        )
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in _terminate()
        self._proc = subprocess.Popen(
            [*prefix, binary, "serve", str(self.workdir / "config.yml")],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.workdir,
        )

    def _launch(self, binary: str) -> None:
        assert self.workdir is not None
        for _attempt in range(5):
            self.port = free_port()
            # JSON is valid YAML, and needs no quoting rules.
            (self.workdir / "config.yml").write_text(json.dumps(self._config(), indent=2))
            self._spawn(binary)
            if self._wait_ready():
                return
            self._terminate()
            if "address already in use" not in self.logs():
                break
        raise RuntimeError(f"docker-registry did not start; log:\n{self.logs()[-4000:]}")

    def _wait_ready(self) -> bool:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        context = self.ssl_context()
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            with contextlib.suppress(OSError):
                http_request(self.url + "/v2/", ssl_context=context, timeout=1.0)
                return True  # any HTTP answer (200 or 401) means it serves
            time.sleep(0.01)
        return False

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        """Kill the registry, stop the token server, delete the temp dir. Idempotent."""
        self._terminate()
        if self.token_server is not None:
            self.token_server.stop()
            self.token_server = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        self.cert_path = None
        _LIVE.discard(self)

    def restart(self) -> None:
        """Restart the registry process only (same port, storage, users, token server)."""
        if self.workdir is None:
            raise RuntimeError("registry not started")
        binary = require_registry_binary()
        self._terminate()
        self._spawn(binary)
        if not self._wait_ready():
            raise RuntimeError(f"docker-registry did not restart; log:\n{self.logs()[-4000:]}")


# --------------------------------------------------------------------------- image fixtures


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ImageFixture:
    """Blobs and manifests of a tiny image; `manifests` lists children first, top last."""

    kind: ImageKind
    blobs: Mapping[str, bytes]
    manifests: tuple[tuple[str, bytes], ...]
    layer_tar: bytes = field(repr=False, default=b"")

    @property
    def media_type(self) -> str:
        return self.manifests[-1][0]

    @property
    def manifest(self) -> bytes:
        return self.manifests[-1][1]

    @property
    def digest(self) -> str:
        return sha256_digest(self.manifest)


def _layer(salt: str) -> tuple[bytes, bytes]:
    content = f"registry-wizard test image {salt}\n".encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        tar.addfile(info, io.BytesIO(content))
    tar_bytes = raw.getvalue()
    return tar_bytes, gzip.compress(tar_bytes, mtime=0)


def _single(salt: str, docker: bool) -> tuple[dict[str, bytes], tuple[str, bytes], bytes]:
    tar_bytes, layer = _layer(salt)
    config = _json_bytes(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": {"registry-wizard.test": salt or "default"}},
            "rootfs": {"type": "layers", "diff_ids": [sha256_digest(tar_bytes)]},
        }
    )
    manifest_type = DOCKER_MANIFEST if docker else OCI_MANIFEST
    manifest = _json_bytes(
        {
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": {
                "mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
                "digest": sha256_digest(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": DOCKER_LAYER if docker else OCI_LAYER,
                    "digest": sha256_digest(layer),
                    "size": len(layer),
                }
            ],
        }
    )
    blobs = {sha256_digest(config): config, sha256_digest(layer): layer}
    return blobs, (manifest_type, manifest), tar_bytes


def build_image(kind: ImageKind = "oci", salt: str = "") -> ImageFixture:
    """Deterministic tiny image; a different `salt` gives different digests."""
    if kind not in ("oci", "docker", "index", "docker-list"):
        raise ValueError(f"unknown image kind {kind!r}")
    docker = kind in ("docker", "docker-list")
    blobs, child, tar_bytes = _single(salt, docker)
    if kind in ("oci", "docker"):
        return ImageFixture(kind, blobs, (child,), tar_bytes)
    index_type = DOCKER_MANIFEST_LIST if docker else OCI_INDEX
    index = _json_bytes(
        {
            "schemaVersion": 2,
            "mediaType": index_type,
            "manifests": [
                {
                    "mediaType": child[0],
                    "digest": sha256_digest(child[1]),
                    "size": len(child[1]),
                    "platform": {"architecture": "amd64", "os": "linux"},
                }
            ],
        }
    )
    return ImageFixture(kind, blobs, (child, (index_type, index)), tar_bytes)


def _expect(resp: HttpResponse, status: int, what: str) -> HttpResponse:
    if resp.status != status:
        raise RegistryError(f"{what}: expected HTTP {status}, got {resp.status}", resp)
    return resp


def upload_blob(client: RegistryClient, repo: str, data: bytes) -> str:
    digest = sha256_digest(data)
    if client.request("HEAD", f"/v2/{repo}/blobs/{digest}").status == 200:
        return digest
    start = _expect(client.request("POST", f"/v2/{repo}/blobs/uploads/"), 202, "start upload")
    location = start.header("Location")
    if not location:
        raise RegistryError("upload start without Location", start)
    location = urljoin(client.base_url + "/", location)
    sep = "&" if urlsplit(location).query else "?"
    _expect(
        client.request(
            "PUT",
            f"{location}{sep}digest={quote(digest)}",
            {"Content-Type": "application/octet-stream"},
            data,
        ),
        201,
        f"upload blob {digest}",
    )
    return digest


def put_manifest(
    client: RegistryClient, repo: str, reference: str, media_type: str, manifest: bytes
) -> str:
    resp = _expect(
        client.request(
            "PUT", f"/v2/{repo}/manifests/{reference}", {"Content-Type": media_type}, manifest
        ),
        201,
        f"put manifest {repo}:{reference}",
    )
    digest = sha256_digest(manifest)
    if resp.header("Docker-Content-Digest") not in (None, digest):
        raise RegistryError(f"registry digest differs from {digest}", resp)
    return digest


def push_image(
    registry: RegistryServer | str,
    repo: str,
    tag: str | None = "latest",
    kind: ImageKind = "oci",
    credentials: Credentials | None = None,
    *,
    salt: str = "",
) -> str:
    """Push a tiny image over the v2 API; return its manifest digest (``sha256:...``).

    `kind`: ``oci`` (OCI manifest), ``docker`` (Docker schema 2), ``index`` (OCI index ->
    OCI manifest) or ``docker-list`` (Docker manifest list -> Docker manifest). `tag=None`
    pushes by digest only. `credentials` default to the registry's admin user. In token
    mode the token is requested for ``repository:<repo>:pull,push``.
    """
    if isinstance(registry, RegistryServer):
        base_url, context = registry.url, registry.ssl_context()
        credentials = credentials or registry.admin
    else:
        base_url, context = registry, None
    client = RegistryClient(
        base_url, credentials, scope=f"repository:{repo}:pull,push", ssl_context=context
    )
    image = build_image(kind, salt)
    for data in image.blobs.values():
        upload_blob(client, repo, data)
    for media_type, manifest in image.manifests[:-1]:
        put_manifest(client, repo, sha256_digest(manifest), media_type, manifest)
    return put_manifest(client, repo, tag or image.digest, image.media_type, image.manifest)
