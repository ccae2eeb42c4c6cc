"""wizard.verify.baseten against the loopback Baseten stand-in: key discovery, facts, secrets,
the failure modes, and that neither the key nor a secret value ever leaks."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.loopback import Response, Stall, free_port
from tests.standins import BasetenStandIn, json_reply
from wizard.model.secret import Secret
from wizard.verify import baseten
from wizard.verify.baseten import (
    INVALID_KEY,
    BasetenError,
    endpoints,
    fetch_facts,
    find_api_key,
    find_login,
    list_secrets,
    set_secret,
)

WIZARD_ENV = (
    "BASETEN_API_KEY",
    "USER_TRUSSRC_PATH",
    "REGISTRY_WIZARD_BASETEN_URL",
    "REGISTRY_WIZARD_BASETEN_API_URL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No key, no trussrc, HOME in a temp directory; returns HOME."""
    for name in WIZARD_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


pytestmark = pytest.mark.usefixtures("loopback_only")  # tests/conftest.py


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[BasetenStandIn]:
    with BasetenStandIn() as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server


def graphql_requests(server: BasetenStandIn) -> list[dict[str, str]]:
    return [json.loads(r.body) for r in server.requests if r.path.startswith("/graphql")]


# --------------------------------------------------------------------------- key discovery


def test_key_from_env(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    (clean_env / ".trussrc").write_text("[baseten]\napi_key = from-file\n")
    monkeypatch.setenv("BASETEN_API_KEY", "  from-env  ")
    found = find_api_key()
    assert found is not None
    key, source = found
    assert key == Secret("from-env")
    assert source == "BASETEN_API_KEY"


def test_blank_env_key_falls_back_to_trussrc(
    monkeypatch: pytest.MonkeyPatch, clean_env: Path
) -> None:
    (clean_env / ".trussrc").write_text(
        "[baseten]\nremote_provider = baseten\napi_key = abc123\n"
        "remote_url = https://app.staging.baseten.co\n"
    )
    monkeypatch.setenv("BASETEN_API_KEY", "   ")
    login = find_login()
    assert login is not None
    assert login.key == Secret("abc123")
    assert login.source == "~/.trussrc [baseten]"
    assert login.remote_url == "https://app.staging.baseten.co"
    assert find_api_key() == (Secret("abc123"), "~/.trussrc [baseten]")


def test_trussrc_prefers_the_baseten_section(clean_env: Path) -> None:
    (clean_env / ".trussrc").write_text(
        "[other]\nremote_provider = baseten\napi_key = other-key\n\n"
        "[baseten]\nremote_provider = baseten\napi_key = main-key\n"
    )
    assert find_api_key() == (Secret("main-key"), "~/.trussrc [baseten]")


def test_trussrc_other_remote_and_oauth_sections(clean_env: Path) -> None:
    (clean_env / ".trussrc").write_text(
        "[baseten]\nremote_provider = baseten\nauth_type = oauth\n"
        "remote_url = https://app.baseten.co\n\n"
        "[elsewhere]\nremote_provider = not-baseten\napi_key = nope\n\n"
        "[work]\nremote_provider = baseten\napi_key = work%key\n"
    )
    login = find_login()
    assert login is not None
    assert (login.key, login.source) == (Secret("work%key"), "~/.trussrc [work]")


def test_user_trussrc_path_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rc = tmp_path / "custom-trussrc"
    rc.write_text("[baseten]\napi_key = custom\n")
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(rc))
    assert find_api_key() == (Secret("custom"), f"{rc} [baseten]")


@pytest.mark.parametrize("content", [None, "", "not an ini file\n", "[baseten]\nteam = x\n"])
def test_no_key_anywhere(clean_env: Path, content: str | None) -> None:
    if content is not None:
        (clean_env / ".trussrc").write_text(content)
    assert find_api_key() is None
    assert find_login() is None


def test_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    assert endpoints() == baseten.Endpoints("https://app.baseten.co", "https://api.baseten.co")
    assert endpoints().graphql == "https://app.baseten.co/graphql/"
    assert endpoints("https://app.staging.baseten.co/").api == "https://api.staging.baseten.co"
    # truss sends any non-standard remote's REST calls to production
    assert endpoints("https://baseten.example.com").api == "https://api.baseten.co"
    monkeypatch.setenv("REGISTRY_WIZARD_BASETEN_URL", "http://127.0.0.1:9/")
    assert endpoints("https://app.staging.baseten.co") == baseten.Endpoints(
        "http://127.0.0.1:9", "http://127.0.0.1:9"
    )
    monkeypatch.setenv("REGISTRY_WIZARD_BASETEN_API_URL", "http://127.0.0.1:10")
    assert endpoints().rest("/v1/secrets") == "http://127.0.0.1:10/v1/secrets"


# --------------------------------------------------------------------------- facts


def test_facts_in_one_round_trip(standin: BasetenStandIn) -> None:
    facts = fetch_facts(Secret(standin.api_key))
    assert facts.org_id == "Mvg9jrRd"
    assert facts.team_id == "AviIZ0y3"
    assert facts.teams == [("AviIZ0y3", "Default Team"), ("qe3Lnz1b", "Research")]
    assert (facts.aws_role_arn, facts.external_id) == (None, None)
    sent = graphql_requests(standin)
    assert len(sent) == 1
    request = next(r for r in standin.requests if r.path.startswith("/graphql"))
    assert request.path == "/graphql/"
    assert request.method == "POST"
    assert request.header("Authorization") == f"Api-Key {standin.api_key}"


def test_facts_with_assume_role_enabled(standin: BasetenStandIn) -> None:
    standin.role_arn = "arn:aws:iam::999999999999:role/baseten-customer-access"
    standin.external_id = "ext-4242"
    facts = fetch_facts(Secret(standin.api_key))
    assert facts.aws_role_arn == "arn:aws:iam::999999999999:role/baseten-customer-access"
    assert facts.external_id == "ext-4242"


def test_half_enabled_assume_role_counts_as_disabled(standin: BasetenStandIn) -> None:
    standin.role_arn = "arn:aws:iam::999999999999:role/baseten-customer-access"
    facts = fetch_facts(Secret(standin.api_key))
    assert (facts.aws_role_arn, facts.external_id) == (None, None)


def test_facts_fall_back_to_trusss_queries(standin: BasetenStandIn) -> None:
    standin.failing_fields = {"aws_customer_access_role_arn"}
    facts = fetch_facts(Secret(standin.api_key))
    assert (facts.org_id, facts.team_id) == ("Mvg9jrRd", "AviIZ0y3")
    assert (facts.aws_role_arn, facts.external_id) == (None, None)
    queries = [q["query"] for q in graphql_requests(standin)]
    assert len(queries) == 4  # the combined one, then organization, teams, AssumeRole
    assert "teams" in queries[2]
    assert "aws_external_id" in queries[3]


def test_facts_refused_teams_is_an_error(standin: BasetenStandIn) -> None:
    standin.failing_fields = {"teams"}
    with pytest.raises(BasetenError) as e:
        fetch_facts(Secret(standin.api_key))
    assert e.value.kind == "graphql"
    assert "list your teams" in str(e.value)
    assert "teams is not available" in str(e.value)


@pytest.mark.parametrize(
    ("teams", "team_id"),
    [
        ([{"id": "only", "name": "Solo", "default": False}], "only"),
        (
            [
                {"id": "a", "name": "A", "default": False},
                {"id": "b", "name": "B", "default": False},
            ],
            None,
        ),
        ([], None),
    ],
)
def test_team_without_a_default(
    standin: BasetenStandIn, teams: list[dict[str, object]], team_id: str | None
) -> None:
    standin.teams = teams
    assert fetch_facts(Secret(standin.api_key)).team_id == team_id


def test_remote_url_from_the_trussrc(monkeypatch: pytest.MonkeyPatch) -> None:
    with BasetenStandIn() as server:
        monkeypatch.delenv("REGISTRY_WIZARD_BASETEN_URL", raising=False)
        facts = fetch_facts(Secret(server.api_key), remote_url=server.url)
        assert facts.org_id == server.org_id


# --------------------------------------------------------------------------- secrets


def test_secrets_round_trip(standin: BasetenStandIn) -> None:
    key = Secret(standin.api_key)
    standin.secrets["hf_token"] = "x"
    assert list_secrets(key) == {"hf_token"}
    set_secret(key, "DOCKER_REGISTRY_ghcr.io", Secret("dXNlcjp0b2tlbg=="))
    assert standin.secrets["DOCKER_REGISTRY_ghcr.io"] == "dXNlcjp0b2tlbg=="
    assert list_secrets(key) == {"hf_token", "DOCKER_REGISTRY_ghcr.io"}
    post = next(r for r in standin.requests if r.method == "POST" and r.path == "/v1/secrets")
    assert json.loads(post.body) == {"name": "DOCKER_REGISTRY_ghcr.io", "value": "dXNlcjp0b2tlbg=="}
    assert post.header("Authorization") == f"Api-Key {standin.api_key}"


def test_list_accepts_a_bare_list(standin: BasetenStandIn) -> None:
    standin.fail["GET /v1/secrets"] = json_reply(200, [{"name": "a"}, {"name": "b"}])
    assert list_secrets(Secret(standin.api_key)) == {"a", "b"}


def test_set_secret_takes_a_secret(standin: BasetenStandIn) -> None:
    with pytest.raises(TypeError):
        set_secret(Secret(standin.api_key), "n", "plain")  # type: ignore[arg-type]
    with pytest.raises(BasetenError, match="empty"):
        set_secret(Secret(standin.api_key), "n", Secret(""))


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    "call",
    [
        lambda key: fetch_facts(key),
        lambda key: list_secrets(key),
        lambda key: set_secret(key, "name", Secret("value")),
    ],
    ids=["facts", "list", "set"],
)
def test_wrong_key_is_401(standin: BasetenStandIn, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BasetenError) as e:
        call(Secret("not-the-key"))
    assert e.value.kind == "auth"
    assert e.value.auth_failed
    assert e.value.status == 401
    assert str(e.value) == INVALID_KEY
    assert "Settings → API keys" in str(e.value)
    assert standin.secrets == {}


def test_forbidden_key(standin: BasetenStandIn) -> None:
    standin.fail["POST /v1/secrets"] = 403
    with pytest.raises(BasetenError) as e:
        set_secret(Secret(standin.api_key), "n", Secret("v"))
    assert e.value.kind == "forbidden"
    assert "store secret 'n'" in str(e.value)


def test_server_error_carries_its_message(standin: BasetenStandIn) -> None:
    standin.fail["GET /v1/secrets"] = json_reply(503, {"message": "maintenance window"})
    with pytest.raises(BasetenError) as e:
        list_secrets(Secret(standin.api_key))
    assert e.value.status == 503
    assert (
        str(e.value) == "Baseten answered 503 when trying to list your secrets: maintenance window"
    )


def test_not_json(standin: BasetenStandIn) -> None:
    standin.fail["GET /v1/secrets"] = Response(200, {"Content-Type": "text/html"}, b"<html>")
    with pytest.raises(BasetenError, match="not JSON"):
        list_secrets(Secret(standin.api_key))


def test_timeout(standin: BasetenStandIn) -> None:
    standin.fail["graphql"] = Stall(10.0)
    with pytest.raises(BasetenError) as e:
        fetch_facts(Secret(standin.api_key), timeout=0.3)
    assert e.value.kind == "timeout"
    assert "did not answer within 0.3 s" in str(e.value)


def test_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("REGISTRY_WIZARD_BASETEN_URL", url)
    with pytest.raises(BasetenError) as e:
        list_secrets(Secret("k"))
    assert e.value.kind == "unreachable"
    assert "ConnectError" in str(e.value)


def test_empty_key_is_refused_before_any_request(standin: BasetenStandIn) -> None:
    with pytest.raises(BasetenError) as e:
        list_secrets(Secret(""))
    assert e.value.kind == "auth"
    assert standin.requests == []


# --------------------------------------------------------------------------- no leaks

KEY_CANARY = "CANARY-KEY-5d1f8e2b9c7a4e60"
VALUE_CANARY = "CANARY-VALUE-0a9b8c7d6e5f4321"


def test_no_secret_leaks_anywhere(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    clean_env: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []

    def record(exc: BaseException) -> None:
        texts.extend([str(exc), repr(exc), *traceback.format_exception(exc)])

    (clean_env / ".trussrc").write_text(f"[baseten]\napi_key = {KEY_CANARY}\n")
    login = find_login()
    assert login is not None
    texts.extend([repr(login), str(login), repr(find_api_key()), f"{login.key}"])
    key, value = login.key, Secret(VALUE_CANARY)

    with BasetenStandIn(api_key=KEY_CANARY) as server:
        for name, env_value in server.env().items():
            monkeypatch.setenv(name, env_value)
        # the happy paths
        texts.append(repr(fetch_facts(key)))
        set_secret(key, "registry", value)
        texts.append(repr(list_secrets(key)))
        assert server.secrets["registry"] == VALUE_CANARY
        # servers that echo what they were sent
        echo = {"message": f"rejected {VALUE_CANARY} for key {KEY_CANARY}"}
        server.fail["POST /v1/secrets"] = json_reply(400, echo)
        server.fail["GET /v1/secrets"] = json_reply(500, {"detail": f"bad key {KEY_CANARY}"})
        server.fail["graphql"] = json_reply(
            200, {"errors": [{"message": f"no such key {KEY_CANARY}"}]}
        )
        for call in (
            lambda: set_secret(key, "registry", value),
            lambda: list_secrets(key),
            lambda: fetch_facts(key),
            lambda: set_secret(Secret(VALUE_CANARY), "x", Secret(KEY_CANARY)),
        ):
            with pytest.raises(BasetenError) as e:
                call()
            record(e.value)
        # the server's words survive, with both secrets masked
        assert any("rejected ******** for key ********" in t for t in texts)
        # wrong key, time-out
        server.fail.clear()
        with pytest.raises(BasetenError) as e:
            list_secrets(Secret(VALUE_CANARY))
        record(e.value)
        server.fail["POST /v1/secrets"] = Stall(10.0)
        with pytest.raises(BasetenError) as e:
            set_secret(key, "registry", value, timeout=0.3)
        record(e.value)
    # nobody listening
    monkeypatch.setenv("REGISTRY_WIZARD_BASETEN_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("REGISTRY_WIZARD_BASETEN_API_URL")
    with pytest.raises(BasetenError) as e:
        set_secret(key, "registry", value)
    record(e.value)

    captured = capsys.readouterr()
    texts.extend([caplog.text, captured.out, captured.err])
    texts.extend(r.getMessage() for r in caplog.records)
    for text in texts:
        assert KEY_CANARY not in text
        assert VALUE_CANARY not in text
