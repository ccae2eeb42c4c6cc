"""A loopback "evil registry" with switchable behaviours, for the hostile network suite.

`EvilRegistry(behaviour)` answers the Docker Registry v2 flow the way a misbehaving or
malicious server would. Add a behaviour: a function (method, path, headers, body) ->
Reply, named in BEHAVIOURS. Nothing here contacts anything but 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from http.client import HTTPMessage

from tests.e2e.loopback import Reply, Response, Stall

OCI = "application/vnd.oci.image.manifest.v1+json"
MANIFEST = b'{"schemaVersion": 2}'
MANIFEST_DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
DIGEST = "sha256:" + "a" * 64  # what a lying registry claims


def _manifest_ok(headers: dict[str, str] | None = None) -> Response:
    return Response(
        200,
        {"Content-Type": OCI, "Docker-Content-Digest": MANIFEST_DIGEST, **(headers or {})},
        MANIFEST,
    )


def basic_then(
    manifest: Callable[[str, str, HTTPMessage], Reply],
) -> Callable[[str, str, HTTPMessage, bytes], Reply]:
    """/v2/ asks for Basic; everything else is `manifest`."""

    def handler(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
        if path == "/v2/":
            return Response(401, {"WWW-Authenticate": 'Basic realm="evil"'})
        return manifest(method, path, headers)

    return handler


def redirect_ping_to(location: str) -> Callable[[str, str, HTTPMessage, bytes], Reply]:
    return lambda m, p, h, b: Response(302, {"Location": location})


def bearer_realm(realm: str) -> Callable[[str, str, HTTPMessage, bytes], Reply]:
    """A Bearer challenge whose realm is `realm` (and never a token from us)."""

    def handler(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
        if path == "/v2/":
            return Response(401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="evil"'})
        if path.startswith("/token"):
            return Response(302, {"Location": "http://169.254.169.254/latest/meta-data/"})
        return _manifest_ok()

    return handler


def captive_portal(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    """200 text/html to everything, as a hotel's login page does."""
    return Response(200, {"Content-Type": "text/html"}, b"<html>Please log in</html>")


def echo_credentials(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    """Refuses the login, echoing the Authorization header and the decoded pair."""
    if path == "/v2/":
        return Response(401, {"WWW-Authenticate": 'Basic realm="evil"'})
    auth = headers.get("Authorization") or ""
    decoded = ""
    if auth.startswith("Basic "):
        decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
    echo = f'{{"errors":[{{"code":"DENIED","message":"bad login {auth} ({decoded})"}}]}}'
    return Response(403, {"Content-Type": "application/json"}, echo.encode())


def drip(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    """Headers at once, then the body never finishes."""
    return Stall(60, then=Response(200, {"Content-Type": OCI}, b"{}"), after_headers=True)


def negotiate_and_basic(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    if path == "/v2/":
        return Response(401, {"WWW-Authenticate": 'Negotiate, Basic realm="corp"'})
    if not (headers.get("Authorization") or "").startswith("Basic "):
        return Response(401, {"WWW-Authenticate": 'Negotiate, Basic realm="corp"'})
    return _manifest_ok()


def expired_token(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    if path == "/v2/":
        return Response(401, {"WWW-Authenticate": 'Basic realm="evil"'})
    return Response(
        401,
        {
            "WWW-Authenticate": 'Bearer realm="x",error="invalid_token",'
            'error_description="The access token expired"'
        },
    )


def wrong_digest(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    """A manifest whose body does not hash to the digest it claims (asked by digest)."""
    if path == "/v2/":
        return Response(200, {})
    return Response(200, {"Content-Type": OCI, "Docker-Content-Digest": DIGEST}, MANIFEST)


def html_as_manifest(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    """A portal that learned to send a manifest's Content-Type."""
    if path == "/v2/":
        return Response(200, {})
    page = b"<html>Please log in</html>"
    digest = "sha256:" + hashlib.sha256(page).hexdigest()
    return Response(200, {"Content-Type": OCI, "Docker-Content-Digest": digest}, page)


def huge_manifest(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    """A 'manifest' of 64 MB: never read whole."""
    if path == "/v2/":
        return Response(200, {})
    return Response(
        200, {"Content-Type": OCI}, b'{"schemaVersion": 2, "x": "' + b"a" * (64 << 20) + b'"}'
    )
