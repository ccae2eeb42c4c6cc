"""The hostile network suite: a loopback "evil registry" (evil_registry.py) that
redirects to internal addresses, downgrades, drips bytes, never answers, plays captive
portal or echoes credentials. Every hop passes one guard; one deadline bounds the whole
check and the process exits when it has printed; nothing the user typed is printed."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.loopback import LoopbackServer, Response, Stall
from tests.hostile import evil_registry as evil

TOKEN = "CANARYtoken0123456789"


@pytest.fixture
def serve(loopback_factory: Callable[..., LoopbackServer]) -> Callable[..., LoopbackServer]:
    """tests/e2e's loopback servers, started and stopped per test."""
    return loopback_factory


def check(
    *args: str, stdin: str = TOKEN, timeout: float = 30
) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BASETEN_"))}
    start = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "wizard", "check", "--format", "json", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**env, "NO_COLOR": "1"},
        timeout=timeout,
    )
    return r, time.monotonic() - start


def verdict(r: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in r.stderr, r.stderr
    assert TOKEN not in r.stdout + r.stderr
    return json.loads(r.stdout)


def with_login(server: LoopbackServer, *more: str) -> tuple[str, ...]:
    return ("--image", f"{server.host}/team/app:1", "--username", "u", "--password-stdin", *more)


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://100.100.100.200/latest/meta-data/",  # Alibaba's, in the shared 100.64/10
        "http://192.0.0.170/",  # IETF protocol assignments
        "http://[::ffff:169.254.169.254]/",  # the same, IPv4-mapped
        "http://10.0.0.1/v2/",
    ],
)
def test_a_ping_redirect_to_an_internal_address_is_refused(
    serve: Callable[..., LoopbackServer], target: str
) -> None:
    srv = serve(evil.redirect_ping_to(target))
    r, took = check(*with_login(srv, "--timeout", "5"))
    result = verdict(r)
    assert result["verdict"] == "error"
    assert "redirect was refused" in result["detail"] and "--allow-realm" in result["detail"]
    assert took < 5


def test_a_realm_that_redirects_to_metadata_never_gets_the_credential(
    serve: Callable[..., LoopbackServer],
) -> None:
    realm = serve(evil.bearer_realm("placeholder"))
    srv = serve(evil.bearer_realm(f"{realm.url}/token"))
    r, _ = check(*with_login(srv, "--allow-realm", realm.host, "--timeout", "5"))
    result = verdict(r)
    assert result["verdict"] == "error"
    assert "169.254.169.254" in result["detail"] and "refused" in result["detail"]


def test_a_redirect_never_carries_the_login_to_another_port(
    serve: Callable[..., LoopbackServer],
) -> None:
    other = serve(lambda m, p, h, b: evil._manifest_ok())
    srv = serve(evil.basic_then(lambda m, p, h: evil.Response(307, {"Location": f"{other.url}/x"})))
    r, _ = check(*with_login(srv, "--allow-realm", other.host, "--timeout", "5"))
    assert verdict(r)["verdict"] == "ok"
    assert other.requests and all(q.header("Authorization") is None for q in other.requests)


def test_a_downgrade_to_plain_http_never_carries_the_login() -> None:
    """An https registry that redirects to http on the same host and port: the guard
    refuses plain http for a registry not allowed it, and send() would not attach the
    Authorization header to another scheme either."""
    import asyncio

    from wizard.verify import http, wire

    sent: list[wire.Request] = []

    class Recorder:
        """Answers as such a registry would; what matters is what send() sends where."""

        async def request(
            self, method: str, url: str, headers: dict[str, str], *, tls_probe: bool = False
        ) -> wire.Response:
            request = wire.Request(method, url, headers)
            sent.append(request)
            if url.startswith("https://"):
                moved = wire.Headers([("Location", "http://registry.example:443/v2/")])
                return wire.Response(302, moved, request)
            return wire.Response(200, wire.Headers(), request)

    asyncio.run(
        http.send(Recorder(), "GET", "https://registry.example/v2/", auth_header="Basic eA==")  # type: ignore[arg-type]
    )
    assert sent[0].headers.get("Authorization") == "Basic eA=="
    assert sent[1].url == "http://registry.example:443/v2/"
    assert "Authorization" not in sent[1].headers

    endpoint = http.Endpoint("registry.example", "https://registry.example", False)
    refusal = asyncio.run(
        http.hop_refusal("http://registry.example:443/v2/", endpoint, frozenset())
    )
    assert refusal and "plain http" in refusal


def test_a_captive_portal_is_not_a_pull(serve: Callable[..., LoopbackServer]) -> None:
    srv = serve(evil.captive_portal)
    r, _ = check("--image", f"{srv.host}/team/app:1", stdin="")
    result = verdict(r)
    assert result["verdict"] != "ok" and r.returncode != 0


def test_echoed_credentials_are_never_printed(serve: Callable[..., LoopbackServer]) -> None:
    srv = serve(evil.echo_credentials)
    r, _ = check(*with_login(srv))
    result = verdict(r)  # asserts the token is nowhere in the output
    assert result["verdict"] in ("no_access", "bad_credentials")
    assert "<secret value" in json.dumps(result)


def test_a_dripping_server_is_cut_off_at_the_deadline(serve: Callable[..., LoopbackServer]) -> None:
    srv = serve(evil.basic_then(lambda m, p, h: evil.drip(m, p, h, b"")))
    r, took = check(*with_login(srv, "--timeout", "2"))
    assert verdict(r)["verdict"] == "timeout"
    assert took < 6


def test_a_token_uri_that_never_answers_is_bounded_and_the_process_exits(
    serve: Callable[..., LoopbackServer], tmp_path: Path
) -> None:
    from tests.e2e.test_check_cli import _service_account_key

    silent = serve(lambda m, p, h, b: Stall(120))
    key = tmp_path / "key.json"
    key.write_text(json.dumps(_service_account_key(f"{silent.url}/token")))
    image = ("--image", "us-docker.pkg.dev/p/r/a:1", "--key-file", str(key))
    r, took = check(*image, "--timeout", "2", "--allow-realm", silent.host, stdin="")
    assert verdict(r)["verdict"] == "timeout"
    assert took < 8  # interpreter start, key load and exit included


@pytest.mark.parametrize(
    "token_uri",
    [
        "http://169.254.169.254/token",
        "https://169.254.169.254/token",
        "http://oauth2.googleapis.com/token",  # Google's, but in clear
        "https://oauth2.googleapis.com.evil.example/token",
        "https://127.0.0.1:9/token",
    ],
)
def test_a_key_never_sends_its_assertion_anywhere_but_google(
    tmp_path: Path, token_uri: str
) -> None:
    """The signed assertion in a token request can be exchanged for an access token by
    whoever receives it: a key file edited to point elsewhere is refused before sending."""
    from tests.e2e.test_check_cli import _service_account_key

    key = tmp_path / "key.json"
    key.write_text(json.dumps(_service_account_key(token_uri)))
    r, took = check("--image", "us-docker.pkg.dev/p/r/a:1", "--key-file", str(key), stdin="")
    result = verdict(r)
    assert result["verdict"] == "error" and "token_uri" in result["detail"]
    assert took < 8


def test_a_token_endpoint_that_echoes_the_assertion_is_not_printed(
    serve: Callable[..., LoopbackServer], tmp_path: Path
) -> None:
    from tests.e2e.loopback import Response
    from tests.e2e.test_check_cli import _service_account_key

    def echo(method: str, path: str, headers: Any, body: bytes) -> Response:
        text = body.decode()
        return Response(
            400,
            {"Content-Type": "application/json"},
            json.dumps({"error": "invalid_grant", "error_description": f"bad {text}"}).encode(),
        )

    idp = serve(echo)
    key = tmp_path / "key.json"
    key.write_text(json.dumps(_service_account_key(f"{idp.url}/token")))
    r, _ = check(
        "--image", "us-docker.pkg.dev/p/r/a:1", "--key-file", str(key),
        "--allow-realm", idp.host, stdin="",
    )  # fmt: skip
    assert "eyJ" not in r.stdout + r.stderr
    assert verdict(r)["verdict"] == "bad_credentials"


def test_negotiate_plus_basic_is_answered_with_basic(serve: Callable[..., LoopbackServer]) -> None:
    srv = serve(evil.negotiate_and_basic)
    r, _ = check(*with_login(srv))
    assert verdict(r)["verdict"] == "ok"


def test_an_expired_token_says_expired(serve: Callable[..., LoopbackServer]) -> None:
    srv = serve(evil.expired_token)
    r, _ = check(*with_login(srv))
    assert verdict(r)["verdict"] == "expired"


def test_a_body_that_does_not_match_its_digest_is_not_ok(
    serve: Callable[..., LoopbackServer],
) -> None:
    srv = serve(evil.wrong_digest)
    r, _ = check("--image", f"{srv.host}/team/app@{evil.DIGEST}", stdin="")
    result = verdict(r)
    assert result["verdict"] == "error" and "hashes to" in result["detail"]


@pytest.mark.parametrize("behaviour", [evil.html_as_manifest, evil.huge_manifest])
def test_a_200_that_is_no_manifest_is_not_ok(
    serve: Callable[..., LoopbackServer], behaviour: Any
) -> None:
    srv = serve(behaviour)
    r, took = check("--image", f"{srv.host}/team/app:1", "--timeout", "10", stdin="")
    result = verdict(r)
    assert result["verdict"] == "error", result
    assert took < 10


def _every_form_hidden(r: subprocess.CompletedProcess[str], password: str) -> None:
    """No 8 characters of the password, or of base64 of u:password, in anything printed."""
    import base64

    out = r.stdout + r.stderr
    for value in (password, base64.b64encode(f"u:{password}".encode()).decode()):
        for i in range(len(value) - 7):
            assert value[i : i + 8] not in out, (value[i : i + 8], out)


def test_rate_limit_headers_that_echo_the_login_are_hidden(
    serve: Callable[..., LoopbackServer],
) -> None:
    import base64

    pair = base64.b64encode(f"u:{TOKEN}".encode()).decode()
    srv = serve(
        evil.basic_then(
            lambda m, p, h: evil._manifest_ok(
                {"RateLimit-Limit": TOKEN, "RateLimit-Remaining": pair}
            )
        )
    )
    for fmt in ("json", "text"):
        r, _ = check(*with_login(srv), "--format", fmt)
        _every_form_hidden(r, TOKEN)


def test_an_echo_cut_to_fit_a_line_hides_the_part_it_kept(
    serve: Callable[..., LoopbackServer],
) -> None:
    """A server's answer shortened at 200 characters just inside the password."""
    body = ("x" * 188 + " " + TOKEN).encode()
    srv = serve(evil.basic_then(lambda m, p, h: Response(401, {}, body)))
    r, _ = check(*with_login(srv))
    verdict(r)
    _every_form_hidden(r, TOKEN)


def test_a_password_escaped_in_a_refusal_is_hidden(
    serve: Callable[..., LoopbackServer],
) -> None:
    """repr() doubles a backslash: the escaped form of the password is a form too."""
    password = "Pa55\\w0rd-VERY-secret-123"
    srv = serve(evil.basic_then(lambda m, p, h: Response(302, {"Location": f"ftp://x/{password}"})))
    r, _ = check(*with_login(srv), stdin=password)
    assert "Traceback" not in r.stderr
    _every_form_hidden(r, password)


@pytest.mark.parametrize(
    "escape",
    [
        html.escape,  # a registry's HTML error page
        lambda p: json.dumps(p)[1:-1].translate(
            str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
        ),  # Go's encoding/json
        lambda p: p.encode().hex().upper(),
    ],
    ids=["html", "go-json", "HEX"],
)
def test_a_password_echoed_escaped_as_a_server_escapes_it_is_hidden(
    serve: Callable[..., LoopbackServer], escape: Callable[[str], str]
) -> None:
    password = "Pa&ss<w0rd>SECRET-9876"
    body = f"denied: {escape(password)}".encode()
    srv = serve(
        evil.basic_then(lambda m, p, h: Response(403, {"Content-Type": "text/plain"}, body))
    )
    for fmt in ("json", "text"):
        r, _ = check(*with_login(srv), "--format", fmt, stdin=password)
        assert "Traceback" not in r.stderr
        assert escape(password) not in r.stdout + r.stderr
        _every_form_hidden(r, password)


@pytest.mark.parametrize(
    "realm",
    ["http://{o}/token", "http://{r}@{o}/token", "http://{r}\\@{o}/token", "//{o}/token"],
    ids=["other-port", "userinfo", "backslash-userinfo", "scheme-relative"],
)
def test_a_realm_on_another_loopback_port_never_gets_the_login(
    serve: Callable[..., LoopbackServer], realm: str
) -> None:
    """Not allowed with --allow-realm: the registry's own host is not a blank cheque for
    its other ports, however the realm's URL dresses the other one up."""
    other = serve(
        lambda m, p, h, b: Response(200, {"Content-Type": "application/json"}, b'{"token":"t"}')
    )
    box: dict[str, str] = {}

    def challenge(m: str, p: str, h: Any, b: bytes) -> Response:
        url = realm.format(r=box["r"], o=other.host)
        return Response(401, {"WWW-Authenticate": f'Bearer realm="{url}",service="x"'})

    srv = serve(challenge)
    box["r"] = srv.host
    r, _ = check(*with_login(srv, "--timeout", "5"))
    assert verdict(r)["verdict"] != "ok"
    assert all(q.header("Authorization") is None for q in other.requests)


def test_a_servers_control_characters_never_reach_the_terminal(
    serve: Callable[..., LoopbackServer],
) -> None:
    """An ESC or BEL in an answer (OSC 52 sets the clipboard, ESC[2J clears the screen)."""
    body = b"nope \x1b]52;c;cHduZWQ=\x07\x1b[2J"
    srv = serve(evil.basic_then(lambda m, p, h: Response(404, {"Retry-After": "5\x1b[2J"}, body)))
    for fmt in ("json", "text"):
        r, _ = check(*with_login(srv), "--format", fmt)
        out = r.stdout + r.stderr
        assert "\x1b" not in out and "\x07" not in out, out
        assert "\\u001b" not in out  # JSON escapes it, a terminal's jq prints it


def test_the_stages_a_front_end_shows_as_they_happen_hide_the_login(
    serve: Callable[..., LoopbackServer],
) -> None:
    """The TUI draws each step as it is taken, before the result is scrubbed."""
    import asyncio

    from wizard.model.image import parse_image
    from wizard.model.secret import Secret
    from wizard.verify.registry import Options, TokenCache
    from wizard.verify.service import CheckItem, CredentialSource, check_item, new_client

    body = f"bad password {TOKEN}".encode()
    srv = serve(evil.basic_then(lambda m, p, h: Response(401, {}, body)))
    heard: list[str] = []

    async def go() -> None:
        options = Options(timeout=5)
        item = CheckItem(
            parse_image(f"{srv.host}/team/app:1"),
            CredentialSource(username="u", password=Secret(TOKEN)),
        )
        async with new_client(options) as client:
            await check_item(
                item, client, options, TokenCache(), lambda s: heard.extend(x.detail for x in s)
            )

    asyncio.run(go())
    assert any("secret value" in d for d in heard), heard
    assert not any(TOKEN[:8] in d for d in heard), heard
