"""The registry harness works, and what distribution 2.8 answers, pinned as tests.

These double as the record of real registry behaviour the credential checker relies on.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import RegistryFactory
from tests.e2e.loopback import generate_self_signed_cert
from tests.e2e.registry_server import (
    ACCEPT_ALL_MANIFESTS,
    ALICE,
    BOB,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_INDEX,
    OCI_MANIFEST,
    HttpResponse,
    ImageKind,
    RegistryClient,
    RegistryError,
    RegistryServer,
    basic_auth,
    build_image,
    http_request,
    parse_challenge,
    push_image,
    require_registry_binary,
    sha256_digest,
    sign_es256_jwt,
    token_url,
)

KINDS: tuple[ImageKind, ...] = ("oci", "docker", "index", "docker-list")
MEDIA_TYPE = {
    "oci": OCI_MANIFEST,
    "docker": DOCKER_MANIFEST,
    "index": OCI_INDEX,
    "docker-list": DOCKER_MANIFEST_LIST,
}


def _jwt_part(token: str, index: int) -> dict[str, object]:
    part = token.split(".")[index]
    data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    assert isinstance(data, dict)
    return data


def _token(reg: RegistryServer, creds: tuple[str, str] | None, scope: str) -> HttpResponse:
    assert reg.token_server is not None
    headers = {"Authorization": basic_auth(*creds)} if creds else {}
    return http_request(token_url(reg.token_server.realm, reg.service, [scope]), headers=headers)


def _bearer_head(reg: RegistryServer, token: str, path: str) -> HttpResponse:
    headers = {"Authorization": f"Bearer {token}", "Accept": ACCEPT_ALL_MANIFESTS}
    return http_request(reg.url + path, "HEAD", headers)


# --------------------------------------------------------------------------- start / stop


@pytest.mark.parametrize(
    ("auth", "status", "challenge"),
    [
        ("none", 200, None),
        ("htpasswd", 401, 'Basic realm="registry-wizard-test"'),
        ("token", 401, "Bearer "),
    ],
)
def test_each_auth_mode_starts_and_answers_v2(
    registry_factory: RegistryFactory, auth: str, status: int, challenge: str | None
) -> None:
    started = time.monotonic()
    reg = registry_factory(auth)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"startup took {elapsed:.2f}s"  # ~0.05 s here; slack for CI

    resp = http_request(reg.url + "/v2/")
    assert resp.status == status
    assert resp.header("Docker-Distribution-Api-Version") == "registry/2.0"
    if challenge is None:
        assert resp.body == b"{}"
        assert resp.header("WWW-Authenticate") is None
    else:
        assert (resp.header("WWW-Authenticate") or "").startswith(challenge)
        assert json.loads(resp.body) == {
            "errors": [
                {"code": "UNAUTHORIZED", "message": "authentication required", "detail": None}
            ]
        }


def test_token_mode_challenge_carries_realm_query_and_service(
    token_registry: RegistryServer,
) -> None:
    assert token_registry.token_server is not None
    realm = token_registry.token_server.realm
    assert realm.endswith("/token?tenant=e2e")

    resp = http_request(token_registry.url + "/v2/")
    assert resp.header("WWW-Authenticate") == (f'Bearer realm="{realm}",service="registry.test"')
    # On a repository endpoint the challenge also names the scope.
    resp = http_request(token_registry.url + "/v2/team/app/manifests/v1", "HEAD")
    assert resp.status == 401
    scheme, params = parse_challenge(resp.header("WWW-Authenticate") or "")
    assert (scheme, params) == (
        "bearer",
        {"realm": realm, "service": "registry.test", "scope": "repository:team/app:pull"},
    )
    assert resp.body == b""  # HEAD: Content-Length is sent, the body is not


def test_stop_kills_process_frees_port_and_removes_temp_dir(
    registry_factory: RegistryFactory,
) -> None:
    reg = registry_factory("token", users=dict([ALICE]))
    assert reg._proc is not None and reg.workdir is not None and reg.token_server is not None
    proc, workdir, port = reg._proc, reg.workdir, reg.port
    token_port = reg.token_server._server.port
    reg.stop()
    reg.stop()  # idempotent
    assert proc.poll() is not None
    assert not workdir.exists()
    for p in (port, token_port):
        with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
            sock.connect(("127.0.0.1", p))


def test_restart_keeps_storage_and_port(registry_factory: RegistryFactory) -> None:
    reg = registry_factory("none")
    digest = push_image(reg, "keep/me", "v1")
    port = reg.port
    reg.restart()
    assert reg.port == port
    resp = http_request(reg.url + "/v2/keep/me/manifests/v1", "HEAD", {"Accept": OCI_MANIFEST})
    assert resp.header("Docker-Content-Digest") == digest


def test_missing_binary_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_BINARY", "/nonexistent/registry")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install docker-registry"):
        RegistryServer("none").start()


def test_missing_binary_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_BINARY", "/nonexistent/registry")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        RegistryServer("none").start()


def test_bad_options_are_rejected() -> None:
    with pytest.raises(ValueError):
        RegistryServer("none", users=dict([ALICE]))
    with pytest.raises(ValueError):
        RegistryServer("htpasswd", grants={"alice": {"*": ["pull"]}})
    with pytest.raises(ValueError):
        RegistryServer("basic")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- push + HEAD


@pytest.mark.parametrize("auth", ["none", "htpasswd", "token"])
@pytest.mark.parametrize("kind", KINDS)
def test_pushed_manifest_head_returns_digest(
    registry_factory: RegistryFactory, auth: str, kind: ImageKind
) -> None:
    reg = registry_factory(auth, users=dict([ALICE])) if auth != "none" else registry_factory()
    digest = push_image(reg, "team/app", "v1", kind)
    assert digest == build_image(kind).digest  # deterministic fixture bytes

    client = reg.client(ALICE if auth != "none" else None)
    if auth == "token":
        reg.set_grants({"alice": {"team/*": ["pull"]}})
    for ref in ("v1", digest):
        resp = client.request(
            "HEAD", f"/v2/team/app/manifests/{ref}", {"Accept": ACCEPT_ALL_MANIFESTS}
        )
        assert resp.status == 200, resp
        assert resp.header("Docker-Content-Digest") == digest
        assert resp.header("Content-Type") == MEDIA_TYPE[kind]
        assert resp.header("Content-Length") == str(len(build_image(kind).manifest))
        assert resp.body == b""


def test_push_returns_sha256_of_uploaded_bytes_and_blobs_exist(
    open_registry: RegistryServer,
) -> None:
    image = build_image("index", salt="blobs")
    digest = push_image(open_registry, "a/b", None, "index", salt="blobs")  # by digest only
    assert digest == sha256_digest(image.manifest) == image.digest
    get = http_request(
        f"{open_registry.url}/v2/a/b/manifests/{digest}", headers={"Accept": OCI_INDEX}
    )
    assert get.body == image.manifest
    for blob_digest, data in image.blobs.items():
        blob = http_request(f"{open_registry.url}/v2/a/b/blobs/{blob_digest}")
        assert blob.status == 200 and blob.body == data
    # a different salt is a different image
    assert build_image("index", salt="other").digest != digest


def test_push_is_idempotent(open_registry: RegistryServer) -> None:
    first = push_image(open_registry, "x/y", "v1", "docker")
    assert push_image(open_registry, "x/y", "v1", "docker") == first


def test_push_without_push_grant_fails(registry_factory: RegistryFactory) -> None:
    reg = registry_factory("token", users=dict([ALICE]), grants={"alice": {"*": ["pull"]}})
    with pytest.raises(RegistryError, match="expected HTTP 202, got 401"):
        push_image(reg, "team/app", "v1", credentials=ALICE)


# --------------------------------------------------------------------------- Accept handling


# (kind, Accept sent or None, status, Content-Type, digest served, error code, message)
ACCEPT_CASES = [
    pytest.param(
        "oci",
        DOCKER_MANIFEST,
        404,
        None,
        None,
        "MANIFEST_UNKNOWN",
        "OCI manifest found, but accept header does not support OCI manifests",
        id="oci-docker-accept",
    ),
    pytest.param(
        "oci",
        f"{DOCKER_MANIFEST}, {DOCKER_MANIFEST_LIST}",
        404,
        None,
        None,
        "MANIFEST_UNKNOWN",
        "OCI manifest found, but accept header does not support OCI manifests",
        id="oci-docker-pair",
    ),
    pytest.param(
        "oci",
        None,
        404,
        None,
        None,
        "MANIFEST_UNKNOWN",
        "OCI manifest found, but accept header does not support OCI manifests",
        id="oci-no-accept",
    ),
    pytest.param("oci", OCI_MANIFEST, 200, OCI_MANIFEST, "self", None, None, id="oci-oci"),
    pytest.param(
        "index",
        f"{DOCKER_MANIFEST}, {DOCKER_MANIFEST_LIST}",
        404,
        None,
        None,
        "MANIFEST_UNKNOWN",
        "OCI index found, but accept header does not support OCI indexes",
        id="index-docker-pair",
    ),
    pytest.param(
        "index",
        OCI_MANIFEST,
        404,
        None,
        None,
        "MANIFEST_UNKNOWN",
        "OCI index found, but accept header does not support OCI indexes",
        id="index-oci-manifest-only",
    ),
    # Schema 1 is disabled in 2.8: a schema-2 manifest the client cannot accept is 400.
    pytest.param(
        "docker",
        None,
        400,
        None,
        None,
        "MANIFEST_INVALID",
        "manifest invalid",
        id="docker-no-accept",
    ),
    pytest.param(
        "docker",
        OCI_MANIFEST,
        400,
        None,
        None,
        "MANIFEST_INVALID",
        "manifest invalid",
        id="docker-oci-accept",
    ),
    # A Docker manifest list is resolved to its linux/amd64 child when lists are not
    # accepted: 200 with the CHILD's digest and media type.
    pytest.param(
        "docker-list",
        DOCKER_MANIFEST,
        200,
        DOCKER_MANIFEST,
        "child",
        None,
        None,
        id="list-docker-accept",
    ),
    pytest.param(
        "docker-list",
        None,
        400,
        None,
        None,
        "MANIFEST_INVALID",
        "manifest invalid",
        id="list-no-accept",
    ),
]


@pytest.mark.parametrize(
    ("kind", "accept", "status", "content_type", "served", "code", "message"), ACCEPT_CASES
)
def test_what_distribution_serves_for_each_accept(
    open_registry: RegistryServer,
    kind: ImageKind,
    accept: str | None,
    status: int,
    content_type: str | None,
    served: str | None,
    code: str | None,
    message: str | None,
) -> None:
    digest = push_image(open_registry, "acc/img", "v1", kind)
    child = sha256_digest(build_image(kind).manifests[0][1])
    headers = {"Accept": accept} if accept else {}
    url = f"{open_registry.url}/v2/acc/img/manifests/v1"
    head = http_request(url, "HEAD", headers)
    get = http_request(url, "GET", headers)
    for resp in (head, get):
        assert resp.status == status
        if content_type is None:
            assert resp.header("Content-Type") == "application/json; charset=utf-8"
            assert resp.header("Docker-Content-Digest") is None
        else:
            assert resp.header("Content-Type") == content_type
            expected = digest if served == "self" else child
            assert resp.header("Docker-Content-Digest") == expected
    assert head.body == b""
    assert head.header("Content-Length") == get.header("Content-Length")
    if code is not None:
        (error,) = get.json()["errors"]  # type: ignore[index]
        assert (error["code"], error["message"]) == (code, message)


def test_missing_tag_and_missing_repo_are_both_manifest_unknown(
    token_registry: RegistryServer,
) -> None:
    push_image(token_registry, "team/app", "v1")
    client = token_registry.client(ALICE)
    accept = {"Accept": ACCEPT_ALL_MANIFESTS}
    for path, tag in (("team/app", "nope"), ("team/never-pushed", "v1")):
        head = client.request("HEAD", f"/v2/{path}/manifests/{tag}", accept)
        get = client.request("GET", f"/v2/{path}/manifests/{tag}", accept)
        assert head.status == get.status == 404
        assert head.body == b""
        assert get.json() == {
            "errors": [
                {"code": "MANIFEST_UNKNOWN", "message": "manifest unknown", "detail": {"Tag": tag}}
            ]
        }


# --------------------------------------------------------------------------- token server


def test_token_response_shape_and_jwt(token_registry: RegistryServer) -> None:
    resp = _token(token_registry, ALICE, "repository:team/app:pull,push")
    assert resp.status == 200
    assert resp.header("Content-Type") == "application/json"
    payload = resp.json()
    assert isinstance(payload, dict)
    assert set(payload) == {"token", "access_token", "expires_in", "issued_at"}
    assert payload["token"] == payload["access_token"]
    header = _jwt_part(payload["token"], 0)
    claims = _jwt_part(payload["token"], 1)
    assert header["alg"] == "ES256" and len(header["x5c"]) == 1  # type: ignore[arg-type]
    assert claims["iss"] == token_registry.issuer
    assert claims["aud"] == "registry.test"
    assert claims["sub"] == "alice"
    # alice may pull, not push: only the granted action is in the token
    assert claims["access"] == [{"type": "repository", "name": "team/app", "actions": ["pull"]}]


def test_wrong_password_is_401_from_token_server(token_registry: RegistryServer) -> None:
    assert token_registry.token_server is not None
    for creds in (("alice", "wrong-password"), ("mallory", "whatever")):
        resp = _token(token_registry, creds, "repository:team/app:pull")
        assert resp.status == 401
        assert resp.json() == {
            "errors": [{"code": "UNAUTHORIZED", "message": "incorrect username or password"}]
        }
        assert resp.header("WWW-Authenticate") == 'Basic realm="registry.test"'
    # without any credentials (no anonymous grants configured) too
    assert _token(token_registry, None, "repository:team/app:pull").status == 401

    seen = token_registry.token_server.requests
    assert [(r.username, r.has_authorization, r.status) for r in seen] == [
        ("alice", True, 401),
        ("mallory", True, 401),
        (None, False, 401),
    ]
    assert "wrong-password" not in repr(seen)
    assert "whatever" not in repr(seen)


def test_client_reports_token_failure(token_registry: RegistryServer) -> None:
    client = token_registry.client(("alice", "wrong-password"))
    with pytest.raises(RegistryError) as info:
        client.request("HEAD", "/v2/team/app/manifests/v1")
    assert info.value.response.status == 401


def test_no_grant_gets_empty_access_then_insufficient_scope(
    token_registry: RegistryServer,
) -> None:
    push_image(token_registry, "team/app", "v1")
    resp = _token(token_registry, BOB, "repository:team/app:pull")
    assert resp.status == 200
    token = resp.json()["token"]  # type: ignore[index]
    assert _jwt_part(token, 1)["access"] == []

    head = _bearer_head(token_registry, token, "/v2/team/app/manifests/v1")
    assert head.status == 401
    assert token_registry.token_server is not None
    assert head.header("WWW-Authenticate") == (
        f'Bearer realm="{token_registry.token_server.realm}",service="registry.test",'
        'scope="repository:team/app:pull",error="insufficient_scope"'
    )
    get = token_registry.client(BOB).request("GET", "/v2/team/app/manifests/v1")
    assert get.status == 401
    assert get.json() == {
        "errors": [
            {
                "code": "UNAUTHORIZED",
                "message": "authentication required",
                "detail": [
                    {"Type": "repository", "Class": "", "Name": "team/app", "Action": "pull"}
                ],
            }
        ]
    }
    # The same token is fine for /v2/ itself: authenticated, just no repository access.
    v2 = http_request(token_registry.url + "/v2/", headers={"Authorization": f"Bearer {token}"})
    assert v2.status == 200


def test_grant_globs_and_set_grants(token_registry: RegistryServer) -> None:
    push_image(token_registry, "team/app", "v1")
    push_image(token_registry, "other/app", "v1")
    token_registry.set_grants({"bob": {"team/*": ["pull"]}})
    bob = token_registry.client(BOB)
    accept = {"Accept": ACCEPT_ALL_MANIFESTS}
    assert bob.request("HEAD", "/v2/team/app/manifests/v1", accept).status == 200
    other = token_registry.client(BOB).request("HEAD", "/v2/other/app/manifests/v1", accept)
    assert other.status == 401
    assert 'error="insufficient_scope"' in (other.header("WWW-Authenticate") or "")
    # alice lost her grant with the replacement table
    alice = token_registry.client(ALICE).request("HEAD", "/v2/team/app/manifests/v1", accept)
    assert alice.status == 401


def test_realm_query_is_kept_and_recorded(token_registry: RegistryServer) -> None:
    ts = token_registry.token_server
    assert ts is not None
    push_image(token_registry, "team/app", "v1")
    ts.requests.clear()
    client = token_registry.client(ALICE)
    accept = {"Accept": ACCEPT_ALL_MANIFESTS}
    assert client.request("HEAD", "/v2/team/app/manifests/v1", accept).status == 200
    (req,) = ts.requests
    assert req.path == "/token"
    assert req.query == ("tenant=e2e&service=registry.test&scope=repository%3Ateam%2Fapp%3Apull")
    assert req.params == {
        "tenant": ("e2e",),
        "service": ("registry.test",),
        "scope": ("repository:team/app:pull",),
    }
    assert req.scopes == ("repository:team/app:pull",)
    assert (req.has_authorization, req.auth_scheme, req.username) == (True, "Basic", "alice")
    assert req.status == 200
    assert "alice-password" not in repr(ts.requests)

    # A client that rebuilds the realm without its query is refused (strict by default).
    ts.requests.clear()
    dropped = http_request(
        f"{ts.url}/token?service=registry.test&scope=repository:team/app:pull",
        headers={"Authorization": basic_auth(*ALICE)},
    )
    assert dropped.status == 400
    assert dropped.json()["errors"][0]["code"] == "REALM_QUERY_DROPPED"  # type: ignore[index]
    assert ts.requests[0].query == "service=registry.test&scope=repository:team/app:pull"


def test_token_without_service_is_rejected_by_registry(token_registry: RegistryServer) -> None:
    """The token's audience is the requested `service`; dropping it -> invalid_token."""
    ts = token_registry.token_server
    assert ts is not None
    push_image(token_registry, "team/app", "v1")
    resp = http_request(
        token_url(ts.realm, None, ["repository:team/app:pull"]),
        headers={"Authorization": basic_auth(*ALICE)},
    )
    assert resp.status == 200
    head = _bearer_head(token_registry, resp.json()["token"], "/v2/team/app/manifests/v1")  # type: ignore[index]
    assert head.status == 401
    assert head.header("WWW-Authenticate") == (
        f'Bearer realm="{ts.realm}",service="registry.test",'
        'scope="repository:team/app:pull",error="invalid_token"'
    )


def test_token_signed_by_untrusted_key_is_invalid(token_registry: RegistryServer) -> None:
    now = int(time.time())
    claims = {
        "iss": token_registry.issuer,
        "sub": "alice",
        "aud": "registry.test",
        "exp": now + 300,
        "nbf": now,
        "iat": now,
        "jti": "x",
        "access": [{"type": "repository", "name": "team/app", "actions": ["pull"]}],
    }
    forged = sign_es256_jwt(claims, generate_self_signed_cert("forger", hosts=()))
    head = _bearer_head(token_registry, forged, "/v2/team/app/manifests/v1")
    assert head.status == 401
    assert 'error="invalid_token"' in (head.header("WWW-Authenticate") or "")


def test_forced_token_server_response(token_registry: RegistryServer) -> None:
    ts = token_registry.token_server
    assert ts is not None
    ts.force_response(429, b'{"details":"slow down"}', {"Retry-After": "7"})
    resp = _token(token_registry, ALICE, "repository:team/app:pull")
    assert (resp.status, resp.header("Retry-After"), resp.body) == (
        429,
        "7",
        b'{"details":"slow down"}',
    )
    ts.clear_forced_response()
    assert _token(token_registry, ALICE, "repository:team/app:pull").status == 200


def test_anonymous_grants_make_a_public_repository(registry_factory: RegistryFactory) -> None:
    reg = registry_factory("token", anonymous_grants={"library/*": ["pull"]})
    digest = push_image(reg, "library/hello", "latest", "docker")
    anon = RegistryClient(reg.url)  # no credentials: anonymous token
    resp = anon.request(
        "HEAD", "/v2/library/hello/manifests/latest", {"Accept": ACCEPT_ALL_MANIFESTS}
    )
    assert resp.status == 200 and resp.header("Docker-Content-Digest") == digest
    private = RegistryClient(reg.url).request("HEAD", "/v2/private/x/manifests/latest")
    assert private.status == 401
    assert reg.token_server is not None
    assert [r.has_authorization for r in reg.token_server.requests[-2:]] == [False, False]


def test_token_set_users(token_registry: RegistryServer) -> None:
    token_registry.set_users({"carol": "carol-pw", "dörte": "pässwörd"})
    assert _token(token_registry, ("carol", "carol-pw"), "repository:a/b:pull").status == 200
    assert _token(token_registry, ("dörte", "pässwörd"), "repository:a/b:pull").status == 200
    assert _token(token_registry, ("dörte", "passwort"), "repository:a/b:pull").status == 401
    assert _token(token_registry, ALICE, "repository:a/b:pull").status == 401
    assert token_registry.admin is not None
    assert _token(token_registry, token_registry.admin, "repository:a/b:pull").status == 200


# --------------------------------------------------------------------------- htpasswd


def test_htpasswd_basic_auth(htpasswd_registry: RegistryServer) -> None:
    digest = push_image(htpasswd_registry, "team/app", "v1", credentials=BOB)
    url = htpasswd_registry.url + "/v2/team/app/manifests/v1"
    accept = {"Accept": ACCEPT_ALL_MANIFESTS}
    ok = http_request(url, "HEAD", {**accept, "Authorization": basic_auth(*ALICE)})
    assert ok.status == 200 and ok.header("Docker-Content-Digest") == digest
    bad = http_request(url, "GET", {**accept, "Authorization": basic_auth("alice", "nope")})
    assert bad.status == 401
    assert bad.header("WWW-Authenticate") == 'Basic realm="registry-wizard-test"'
    # On repository endpoints the error detail lists the access that was asked for.
    assert bad.json() == {
        "errors": [
            {
                "code": "UNAUTHORIZED",
                "message": "authentication required",
                "detail": [
                    {"Type": "repository", "Class": "", "Name": "team/app", "Action": "pull"}
                ],
            }
        ]
    }


def test_htpasswd_file_is_bcrypt_2y(htpasswd_registry: RegistryServer) -> None:
    assert htpasswd_registry.workdir is not None
    lines = (htpasswd_registry.workdir / "htpasswd").read_text().splitlines()
    assert sorted(line.split(":", 1)[0] for line in lines) == ["alice", "bob", "harness-admin"]
    assert all(line.split(":", 1)[1].startswith("$2y$04$") for line in lines)


def test_htpasswd_set_users_applies_without_restart(htpasswd_registry: RegistryServer) -> None:
    assert htpasswd_registry._proc is not None
    pid = htpasswd_registry._proc.pid
    url = htpasswd_registry.url + "/v2/"
    assert http_request(url, headers={"Authorization": basic_auth(*ALICE)}).status == 200
    htpasswd_registry.set_users({"carol": "carol-pw"})
    assert http_request(url, headers={"Authorization": basic_auth(*ALICE)}).status == 401
    assert (
        http_request(url, headers={"Authorization": basic_auth("carol", "carol-pw")}).status == 200
    )
    htpasswd_registry.set_users({"carol": "new-pw"})  # same user, immediately again
    assert (
        http_request(url, headers={"Authorization": basic_auth("carol", "carol-pw")}).status == 401
    )
    assert http_request(url, headers={"Authorization": basic_auth("carol", "new-pw")}).status == 200
    assert htpasswd_registry._proc.pid == pid


# --------------------------------------------------------------------------- TLS


def test_tls_registry_and_token_server(registry_factory: RegistryFactory) -> None:
    reg = registry_factory(
        "token", users=dict([ALICE]), grants={"alice": {"*": ["pull"]}}, tls=True
    )
    assert reg.url.startswith("https://") and reg.cert_path is not None
    assert reg.token_server is not None and reg.token_server.realm.startswith("https://")
    digest = push_image(reg, "secure/app", "v1")

    strict = ssl.create_default_context(cafile=str(reg.cert_path))
    strict.verify_flags |= ssl.VERIFY_X509_STRICT  # Python 3.13's default
    client = RegistryClient(reg.url, ALICE, ssl_context=strict)
    resp = client.request("HEAD", "/v2/secure/app/manifests/v1", {"Accept": OCI_MANIFEST})
    assert resp.header("Docker-Content-Digest") == digest

    with pytest.raises(ssl.SSLCertVerificationError):
        http_request(reg.url + "/v2/", ssl_context=ssl.create_default_context())


def test_harness_leaves_no_files_in_tmp(registry_factory: RegistryFactory) -> None:
    reg = registry_factory("htpasswd", users=dict([ALICE]), tls=True)
    workdir = reg.workdir
    assert isinstance(workdir, Path) and workdir.is_dir()
    assert os.path.basename(workdir).startswith("registry-e2e-")
    reg.stop()
    assert not workdir.exists()


def test_htpasswd_accepts_long_passwords(registry_factory: RegistryFactory) -> None:
    """ECR-sized tokens (kilobytes) as Basic passwords; bcrypt sees the first 72 bytes."""
    long_token = "eyJwYXlsb2FkIjoi" + "x" * 3000
    reg = registry_factory("htpasswd", users={"AWS": long_token})
    ok = http_request(reg.url + "/v2/", headers={"Authorization": basic_auth("AWS", long_token)})
    assert ok.status == 200
    bad = http_request(reg.url + "/v2/", headers={"Authorization": basic_auth("AWS", "short")})
    assert bad.status == 401


def test_ref_formats_image_references(open_registry: RegistryServer) -> None:
    digest = push_image(open_registry, "team/app", "v1")
    assert open_registry.ref("team/app", "v1") == f"127.0.0.1:{open_registry.port}/team/app:v1"
    assert open_registry.ref("team/app", digest).endswith(f"/team/app@{digest}")


def _gone(pid: int) -> bool:
    """No such process, or only a zombie waiting for init to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_registry_dies_with_a_killed_test_process() -> None:
    """Even `kill -9` of the process that started it leaves no registry behind."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) not installed")
    require_registry_binary()
    script = (
        "import sys, time\n"
        "from tests.e2e.registry_server import RegistryServer\n"
        "reg = RegistryServer('none').start()\n"
        "print(reg._proc.pid, reg.workdir, flush=True)\n"
        "time.sleep(60)\n"
    )
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", script], cwd=root, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        pid_text, workdir = child.stdout.readline().split()
    finally:
        child.kill()
        child.wait(timeout=10)
    deadline = time.monotonic() + 5
    while not _gone(int(pid_text)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _gone(int(pid_text))
    shutil.rmtree(workdir, ignore_errors=True)  # no teardown ran in the killed process
