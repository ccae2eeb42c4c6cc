"""The v2 pull check against the real distribution registry and loopback misbehaviour.

Every verdict a local server can produce, each from the server's real answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from urllib.parse import urlsplit

import pytest

from tests.e2e.loopback import Reset, Response, Stall, always
from tests.e2e.registry_server import ALICE, BOB, RegistryServer, push_image
from wizard.model.image import parse_image
from wizard.model.secret import Secret
from wizard.verify.registry import (
    ACCEPT,
    Credential,
    Options,
    TokenCache,
    check_image,
    new_client,
)
from wizard.verify.verdict import CheckResult, Verdict


def cred(pair: tuple[str, str]) -> Credential:
    return Credential(pair[0], Secret(pair[1]))


def realm_of(reg: RegistryServer) -> frozenset[str]:
    if reg.token_server is None:
        return frozenset()
    return frozenset({urlsplit(reg.token_server.url).netloc})


OCI = "application/vnd.oci.image.manifest.v1+json"
MANIFEST = b'{"schemaVersion": 2}'
MANIFEST_DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
# What a registry sends with a manifest: its type, and the digest its body hashes to.
MANIFEST_HEADERS = {"Content-Type": OCI, "Docker-Content-Digest": MANIFEST_DIGEST}


def check(
    image: str,
    credential: Credential | None,
    *,
    timeout: float = 5.0,
    allowed: frozenset[str] = frozenset(),
    ca_bundle: str | None = None,
) -> CheckResult:
    options = Options(timeout=timeout, allowed_realms=allowed, ca_bundle=ca_bundle)

    async def go() -> CheckResult:
        async with new_client(options) as client:
            return await check_image(parse_image(image), credential, client, options)

    return asyncio.run(go())


@pytest.mark.parametrize("kind", ["oci", "docker", "index", "docker-list"])
@pytest.mark.parametrize("auth", ["htpasswd", "token"])
def test_every_manifest_kind_is_pullable_and_reports_its_digest(
    registry_factory, auth: str, kind: str
) -> None:  # type: ignore[no-untyped-def]
    grants = {"grants": {ALICE[0]: {"*": ["pull"]}}} if auth == "token" else {}
    reg = registry_factory(auth, users=dict([ALICE]), **grants)
    digest = push_image(reg, "team/app", "1.0", kind)
    result = check(reg.ref("team/app", "1.0"), cred(ALICE), allowed=realm_of(reg))
    assert result.verdict is Verdict.OK, result.detail
    assert result.digest == digest
    assert [s.name for s in result.steps] == ["resolve", "ping", "token", "manifest"]


def test_wrong_password_is_bad_credentials(htpasswd_registry, token_registry) -> None:  # type: ignore[no-untyped-def]
    for reg in (htpasswd_registry, token_registry):
        push_image(reg, "team/app", "1.0", "oci")
        result = check(
            reg.ref("team/app", "1.0"), Credential("alice", Secret("nope")), allowed=realm_of(reg)
        )
        assert result.verdict is Verdict.BAD_CREDENTIALS
        assert result.verdict.exit_code == 4
        assert "nope" not in json.dumps(result.to_json())


def test_user_without_a_grant_has_no_access(token_registry) -> None:  # type: ignore[no-untyped-def]
    push_image(token_registry, "team/app", "1.0", "oci")
    result = check(
        token_registry.ref("team/app", "1.0"), cred(BOB), allowed=realm_of(token_registry)
    )
    assert result.verdict is Verdict.NO_ACCESS
    assert "insufficient_scope" in result.detail


def test_missing_tag_and_missing_repository_are_not_found(token_registry) -> None:  # type: ignore[no-untyped-def]
    push_image(token_registry, "team/app", "1.0", "oci")
    for image in (token_registry.ref("team/app", "2.0"), token_registry.ref("team/nope", "1.0")):
        result = check(image, cred(ALICE), allowed=realm_of(token_registry))
        assert result.verdict is Verdict.NOT_FOUND, result.detail
        assert result.verdict.exit_code == 1


def test_no_credential_on_a_private_registry(token_registry) -> None:  # type: ignore[no-untyped-def]
    result = check(token_registry.ref("team/app", "1.0"), None, allowed=realm_of(token_registry))
    assert result.verdict is Verdict.BAD_CREDENTIALS
    assert "no credential" in result.detail


def test_the_realm_query_is_kept_and_scope_asked(token_registry) -> None:  # type: ignore[no-untyped-def]
    push_image(token_registry, "team/app", "1.0", "oci")
    token_registry.token_server.requests.clear()
    assert check(
        token_registry.ref("team/app", "1.0"), cred(ALICE), allowed=realm_of(token_registry)
    ).ok
    (req,) = [r for r in token_registry.token_server.requests if r.username == "alice"]
    assert req.params.get("tenant") == ("e2e",)
    assert list(req.scopes) == ["repository:team/app:pull"]


def test_a_private_realm_on_another_port_is_refused_unless_allowed(token_registry) -> None:  # type: ignore[no-untyped-def]
    push_image(token_registry, "team/app", "1.0", "oci")
    token_registry.token_server.requests.clear()
    result = check(token_registry.ref("team/app", "1.0"), cred(ALICE))
    assert result.verdict is Verdict.ERROR
    assert "--allow-realm" in result.detail
    assert not [r for r in token_registry.token_server.requests if r.has_authorization]


def test_tokens_are_reused_across_concurrent_checks(token_registry) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        push_image(token_registry, "team/app", f"v{i}", "oci", salt=str(i))
    options = Options(timeout=5, allowed_realms=realm_of(token_registry))
    cache = TokenCache()

    async def go() -> list[CheckResult]:
        async with new_client(options) as client:
            return await asyncio.gather(
                *[
                    check_image(
                        parse_image(token_registry.ref("team/app", f"v{i}")),
                        cred(ALICE),
                        client,
                        options,
                        cache,
                    )
                    for i in range(5)
                ]
            )

    results = asyncio.run(go())
    assert all(r.ok for r in results)
    assert cache.fetched == 1


def _registry_handler(
    manifest_status: int, headers: dict[str, str] | None = None, body: bytes = b""
) -> object:
    def handler(method: str, path: str, hdrs, body_: bytes) -> Response:  # type: ignore[no-untyped-def]
        if path == "/v2/":
            return Response(401, {"WWW-Authenticate": 'Basic realm="x"'})
        return Response(manifest_status, headers or {}, body)

    return handler


@pytest.mark.parametrize(
    ("status", "headers", "body", "verdict", "words"),
    [
        (429, {"Retry-After": "30"}, b"", Verdict.RATE_LIMITED, "retry after 30"),
        (500, {}, b"", Verdict.ERROR, "500"),
        (403, {}, b"Not Authorized", Verdict.NO_ACCESS, "Not Authorized"),
        (
            401,
            {"WWW-Authenticate": 'Basic realm="x"'},
            b"Not Authorized",
            Verdict.BAD_CREDENTIALS,
            "refused the login",
        ),
        (
            404,
            {"Content-Type": "application/json"},
            b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known"}]}',
            Verdict.NOT_FOUND,
            "does not exist",
        ),
    ],
)
def test_registry_answers_map_to_verdicts(
    loopback_factory,
    status: int,
    headers: dict[str, str],
    body: bytes,
    verdict: Verdict,
    words: str,
) -> None:  # type: ignore[no-untyped-def]
    srv = loopback_factory(_registry_handler(status, headers, body))
    result = check(f"{srv.host}/team/app:1", cred(ALICE))
    assert result.verdict is verdict, result.detail
    assert words in result.detail


def test_manifest_request_sends_all_four_media_types(loopback_factory) -> None:  # type: ignore[no-untyped-def]
    srv = loopback_factory(_registry_handler(200, MANIFEST_HEADERS, MANIFEST))
    assert check(f"{srv.host}/team/app:1", cred(ALICE)).ok
    heads = [r for r in srv.requests if "/manifests/" in r.path]
    assert heads[0].header("Accept") == ACCEPT
    assert (
        heads[0]
        .header(
            "Authorization",
        )
        .startswith("Basic ")
    )


def test_a_stalled_server_times_out_within_the_limit(loopback_factory) -> None:  # type: ignore[no-untyped-def]
    srv = loopback_factory(lambda *a: Stall(30))
    start = time.monotonic()
    result = check(f"{srv.host}/team/app:1", cred(ALICE), timeout=1.0)
    assert result.verdict is Verdict.TIMEOUT
    assert time.monotonic() - start < 3


def test_a_reset_connection_is_unreachable(loopback_factory) -> None:  # type: ignore[no-untyped-def]
    srv = loopback_factory(lambda *a: Reset())
    assert check(f"{srv.host}/team/app:1", cred(ALICE)).verdict is Verdict.UNREACHABLE


def test_a_closed_port_is_unreachable() -> None:
    from tests.e2e.loopback import free_port

    result = check(f"127.0.0.1:{free_port()}/team/app:1", cred(ALICE), timeout=3)
    assert result.verdict is Verdict.UNREACHABLE


def test_an_untrusted_certificate_is_a_tls_error_and_trusting_it_works(loopback_factory) -> None:  # type: ignore[no-untyped-def]
    srv = loopback_factory(
        _registry_handler(200, MANIFEST_HEADERS, MANIFEST),
        tls=True,
    )
    image = f"localhost:{srv.port}/team/app:1"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(
            "REGISTRY_WIZARD_ENDPOINTS",
            json.dumps({f"localhost:{srv.port}": f"https://localhost:{srv.port}"}),
        )
        assert check(image, cred(ALICE)).verdict is Verdict.TLS_ERROR
        assert check(image, cred(ALICE), ca_bundle=str(srv.cert_path)).ok


def test_a_redirect_to_another_host_does_not_carry_the_credential(loopback_factory) -> None:  # type: ignore[no-untyped-def]
    other = loopback_factory(always(200, MANIFEST_HEADERS, MANIFEST))
    target = f"http://localhost:{other.port}/elsewhere"

    def handler(method: str, path: str, hdrs, body: bytes) -> Response:  # type: ignore[no-untyped-def]
        if path == "/v2/":
            return Response(401, {"WWW-Authenticate": 'Basic realm="x"'})
        return Response(307, {"Location": target})

    srv = loopback_factory(handler)
    # Another loopback port is another service: the one guard asks for --allow-realm.
    refused = check(f"{srv.host}/team/app:1", cred(ALICE))
    assert "--allow-realm" in refused.detail and not other.requests
    allowed = frozenset({f"localhost:{other.port}"})
    assert check(f"{srv.host}/team/app:1", cred(ALICE), allowed=allowed).ok
    assert other.requests and all(r.header("Authorization") is None for r in other.requests)


def test_progress_hears_each_stage_as_it_is_taken(token_registry) -> None:  # type: ignore[no-untyped-def]
    """What a front end shows while a check runs: every step the moment it is taken,
    each report the one before plus one, the last equal to the result's steps."""
    from wizard.verify.service import CheckItem, CredentialSource, check_one
    from wizard.verify.verdict import STAGES

    push_image(token_registry, "team/app", "1.0", "oci")
    heard: list[tuple[str, ...]] = []
    source = CredentialSource(username=ALICE[0], password=Secret(ALICE[1]))
    result = check_one(
        CheckItem(parse_image(token_registry.ref("team/app", "1.0")), source),
        Options(timeout=5, allowed_realms=realm_of(token_registry)),
        lambda steps: heard.append(tuple(s.name for s in steps)),
    )
    assert result.verdict is Verdict.OK, result.detail
    assert heard == [STAGES[:n] for n in range(1, len(STAGES) + 1)]
    assert heard[-1] == tuple(s.name for s in result.steps)


def test_a_failing_observer_changes_no_verdict(token_registry) -> None:  # type: ignore[no-untyped-def]
    """A front end that breaks (its app closing, say) stops hearing; the check goes on,
    and the result it returns keeps no observer."""
    from wizard.verify.service import CheckItem, CredentialSource, check_one

    push_image(token_registry, "team/app", "1.0", "oci")
    calls: list[int] = []

    def broken(steps: object) -> None:
        calls.append(1)
        raise RuntimeError("the app is gone")

    source = CredentialSource(username=ALICE[0], password=Secret(ALICE[1]))
    result = check_one(
        CheckItem(parse_image(token_registry.ref("team/app", "1.0")), source),
        Options(timeout=5, allowed_realms=realm_of(token_registry)),
        broken,
    )
    assert result.verdict is Verdict.OK, result.detail
    assert calls == [1]
    assert type(result.steps) is list and len(result.steps) == 5


def test_an_open_registry_skips_the_token_stage(open_registry) -> None:  # type: ignore[no-untyped-def]
    push_image(open_registry, "team/app", "1.0", "oci")
    result = check(open_registry.ref("team/app", "1.0"), None)
    assert result.verdict is Verdict.OK
    assert [(s.name, s.status.value) for s in result.steps] == [
        ("resolve", "ok"),
        ("ping", "ok"),
        ("token", "skipped"),
        ("manifest", "ok"),
    ]


@pytest.mark.parametrize(
    "reply",
    [lambda *a: Reset(), lambda *a: Stall(30)],
    ids=["reset", "stall"],
)
def test_every_step_is_one_of_the_stages_even_when_the_network_fails(  # type: ignore[no-untyped-def]
    loopback_factory, reply
) -> None:
    """A front end lists the same stages for every check: a broken or silent server fails
    at the stage under way (ping here), never at a stage name of its own."""
    from wizard.verify.verdict import STAGES

    srv = loopback_factory(reply)
    result = check(f"{srv.host}/team/app:1", cred(ALICE), timeout=1.0)
    assert result.verdict is not Verdict.OK
    assert [s.name for s in result.steps] == ["resolve", "ping"]
    assert all(s.name in STAGES for s in result.steps)
    assert result.verdict.title[0].isupper() and "_" not in result.verdict.title
