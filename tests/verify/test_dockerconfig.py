"""find_credential against real config.json files and real credential-helper executables."""

from __future__ import annotations

import base64
import json
import logging
import os
import pickle
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

from wizard.model.image import DOCKER_HUB_AUTH_KEY, parse_image
from wizard.model.secret import Secret
from wizard.verify.dockerconfig import (
    DockerConfigError,
    DockerCredential,
    convert_to_hostname,
    default_config_path,
    find_credential,
)

CANARY = "canary-Zq7xW3vP9-do-not-leak"
NOT_FOUND = "credentials not found in native keychain"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", home.as_posix())
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    monkeypatch.delenv("DOCKER_AUTH_CONFIG", raising=False)
    return home


def write_config(directory: Path, data: Any) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent="\t"))
    return path


class Helper:
    """A real `docker-credential-<name>` executable on PATH, recording each call."""

    def __init__(self, bindir: Path, name: str, body: str) -> None:
        self.log = bindir / f"{name}.calls.jsonl"
        self.path = bindir / f"docker-credential-{name}"
        self.path.write_text(
            f"#!{sys.executable}\n"
            "import json, sys, time\n"
            "server = sys.stdin.read()\n"
            f"with open({str(self.log)!r}, 'a') as f:\n"
            "    f.write(json.dumps({'argv': sys.argv[1:], 'stdin': server}) + '\\n')\n"
            f"{body}\n"
        )
        self.path.chmod(0o755)

    @property
    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def store_body(store: dict[str, tuple[str, str]]) -> str:
    """The real helpers' `get`: JSON for a known server URL, else the not-found message."""
    return (
        f"STORE = {store!r}\n"
        "if server in STORE:\n"
        "    user, secret = STORE[server]\n"
        "    print(json.dumps({'ServerURL': server, 'Username': user, 'Secret': secret}))\n"
        "else:\n"
        f"    print({NOT_FOUND!r})\n"
        "    sys.exit(1)\n"
    )


@pytest.fixture
def bindir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "bin"
    path.mkdir()
    monkeypatch.setenv("PATH", f"{path}{os.pathsep}{os.environ.get('PATH', '')}")
    return path


# --- where the file is ----------------------------------------------------------------


def test_default_path_is_home_docker(clean_env: Path) -> None:
    assert default_config_path() == clean_env / ".docker" / "config.json"


def test_default_path_follows_docker_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "elsewhere"))
    assert default_config_path() == tmp_path / "elsewhere" / "config.json"
    monkeypatch.setenv("DOCKER_CONFIG", "")
    assert default_config_path() == Path.home() / ".docker" / "config.json"


def test_docker_config_env_is_used_without_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path / "dc", {"auths": {"ghcr.io": {"auth": b64("octo:ghp_x")}}})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "dc"))
    cred = find_credential(parse_image("ghcr.io/acme/app:1"))
    assert cred is not None
    assert cred.username == "octo"
    assert cred.password.reveal() == "ghp_x"


def test_home_config_source_is_shown_with_tilde(clean_env: Path) -> None:
    write_config(clean_env / ".docker", {"auths": {"ghcr.io": {"auth": b64("octo:pw")}}})
    cred = find_credential(parse_image("ghcr.io/acme/app"))
    assert cred == DockerCredential("octo", Secret("pw"), "~/.docker/config.json auths[ghcr.io]")


def test_missing_default_file_means_nothing_stored() -> None:
    assert find_credential(parse_image("ghcr.io/acme/app")) is None


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DockerConfigError, match="does not exist"):
        find_credential(parse_image("ghcr.io/acme/app"), tmp_path / "nope.json")


def test_a_directory_path_means_its_config_json(tmp_path: Path) -> None:
    write_config(tmp_path / "d", {"auths": {"ghcr.io": {"auth": b64("u:p")}}})
    cred = find_credential(parse_image("ghcr.io/acme/app"), tmp_path / "d")
    assert cred is not None
    assert cred.username == "u"


# --- which key ------------------------------------------------------------------------


@pytest.mark.parametrize("image", ["alpine", "docker.io/acme/app:1", "index.docker.io/acme/app"])
def test_docker_hub_uses_the_index_v1_key(tmp_path: Path, image: str) -> None:
    path = write_config(
        tmp_path,
        {"auths": {DOCKER_HUB_AUTH_KEY: {"auth": b64("hubuser:dckr_pat_x")}, "ghcr.io": {}}},
    )
    cred = find_credential(parse_image(image), path)
    assert cred is not None
    assert (cred.username, cred.password.reveal()) == ("hubuser", "dckr_pat_x")
    assert cred.source.endswith(f"auths[{DOCKER_HUB_AUTH_KEY}]")


def test_docker_hub_ignores_hostname_keys_like_docker(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {"auths": {"docker.io": {"auth": b64("a:b")}, "index.docker.io": {"auth": b64("c:d")}}},
    )
    assert find_credential(parse_image("acme/app"), path) is None


def test_host_with_port(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {
            "auths": {
                "localhost": {"auth": b64("no:port")},
                "localhost:5000": {"auth": b64("yes:5000")},
            }
        },
    )
    cred = find_credential(parse_image("localhost:5000/acme/app"), path)
    assert cred is not None
    assert cred.username == "yes"
    assert find_credential(parse_image("localhost:5001/acme/app"), path) is None


@pytest.mark.parametrize(
    ("key", "image"),
    [
        ("https://ghcr.io", "ghcr.io/acme/app"),
        ("https://ghcr.io/v2/", "ghcr.io/acme/app"),
        ("ghcr.io/v2/", "ghcr.io/acme/app"),
        ("http://registry.example.com:5000/v2/", "registry.example.com:5000/acme/app"),
        ("https://[::1]:5000", "[::1]:5000/acme/app"),
    ],
)
def test_keys_written_as_urls_match_like_convert_to_hostname(
    tmp_path: Path, key: str, image: str
) -> None:
    path = write_config(tmp_path, {"auths": {key: {"auth": b64("url:pw")}}})
    cred = find_credential(parse_image(image), path)
    assert cred is not None
    assert cred.username == "url"
    assert cred.source.endswith(f"auths[{key}]")


def test_exact_key_beats_url_key(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {"auths": {"https://ghcr.io": {"auth": b64("url:x")}, "ghcr.io": {"auth": b64("exact:y")}}},
    )
    cred = find_credential(parse_image("ghcr.io/acme/app"), path)
    assert cred is not None
    assert cred.username == "exact"


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("https://ghcr.io", "ghcr.io"),
        ("http://ghcr.io:443/v2/", "ghcr.io:443"),
        ("ghcr.io/v2/", "ghcr.io"),
        ("ghcr.io", "ghcr.io"),
        ("https://user@host.example/x", "host.example"),
        ("https://[::1]:5000/v2/", "[::1]:5000"),
        ("https://[::1]", "::1"),
        (DOCKER_HUB_AUTH_KEY, "index.docker.io"),
    ],
)
def test_convert_to_hostname(text: str, host: str) -> None:
    assert convert_to_hostname(text) == host


def test_username_and_password_fields(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, {"auths": {"nvcr.io": {"username": "$oauthtoken", "password": "k"}}}
    )
    cred = find_credential(parse_image("nvcr.io/nvidia/pytorch:24.01-py3"), path)
    assert cred is not None
    assert (cred.username, cred.password.reveal(), cred.identity_token) == (
        "$oauthtoken",
        "k",
        False,
    )


def test_auth_wins_over_username_fields_and_nul_padding_is_trimmed(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {"auths": {"ghcr.io": {"auth": b64("a:pw\x00\x00"), "username": "b", "password": "c"}}},
    )
    cred = find_credential(parse_image("ghcr.io/x/y"), path)
    assert cred is not None
    assert (cred.username, cred.password.reveal()) == ("a", "pw")


def test_json_field_names_are_case_insensitive_like_go(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"Auths": {"ghcr.io": {"Auth": b64("u:p")}}})
    cred = find_credential(parse_image("ghcr.io/x/y"), path)
    assert cred is not None
    assert cred.username == "u"


# --- not found ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"auths": {}},
        {"auths": {"ghcr.io": {}}},  # Docker Desktop's placeholder
        {"auths": {"ghcr.io": None}},
        {"auths": {"ghcr.io": {"email": "a@b.c"}}},
        {"auths": {"ghcr.io.evil.example": {"auth": b64("u:p")}}},
        "",
    ],
)
def test_nothing_stored(tmp_path: Path, data: Any) -> None:
    path = write_config(tmp_path, data)
    assert find_credential(parse_image("ghcr.io/acme/app"), path) is None


# --- identity tokens ------------------------------------------------------------------


def test_inline_identity_token(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {"auths": {"myreg.azurecr.io": {"auth": b64("00000000-0000:"), "identitytoken": "rt"}}},
    )
    cred = find_credential(parse_image("myreg.azurecr.io/app"), path)
    assert cred is not None
    assert cred.identity_token
    assert cred.password.reveal() == "rt"
    assert cred.username == "00000000-0000"


def test_helper_identity_token(tmp_path: Path, bindir: Path) -> None:
    helper = Helper(bindir, "fake", store_body({"myreg.azurecr.io": ("<token>", "refresh")}))
    path = write_config(tmp_path, {"credsStore": "fake"})
    cred = find_credential(parse_image("myreg.azurecr.io/app"), path)
    assert cred == DockerCredential(
        "", Secret("refresh"), "credential helper docker-credential-fake", identity_token=True
    )
    assert helper.calls == [{"argv": ["get"], "stdin": "myreg.azurecr.io"}]


# --- credential helpers ---------------------------------------------------------------


def test_creds_store_gets_the_key_on_stdin_and_only_get_in_argv(
    tmp_path: Path, bindir: Path
) -> None:
    helper = Helper(bindir, "fake", store_body({"ghcr.io": ("octo", "ghp_from_keychain")}))
    path = write_config(
        tmp_path, {"credsStore": "fake", "auths": {"ghcr.io": {"auth": b64("inline:ignored")}}}
    )
    cred = find_credential(parse_image("ghcr.io/acme/app:1"), path)
    assert cred == DockerCredential(
        "octo", Secret("ghp_from_keychain"), "credential helper docker-credential-fake"
    )
    assert helper.calls == [{"argv": ["get"], "stdin": "ghcr.io"}]


def test_helper_for_docker_hub_gets_the_index_url(tmp_path: Path, bindir: Path) -> None:
    helper = Helper(bindir, "fake", store_body({DOCKER_HUB_AUTH_KEY: ("hub", "pat")}))
    path = write_config(tmp_path, {"credsStore": "fake"})
    cred = find_credential(parse_image("python:3.11"), path)
    assert cred is not None
    assert cred.username == "hub"
    assert helper.calls == [{"argv": ["get"], "stdin": DOCKER_HUB_AUTH_KEY}]


def test_helper_with_port(tmp_path: Path, bindir: Path) -> None:
    helper = Helper(bindir, "fake", store_body({"reg.example:8443": ("u", "p")}))
    path = write_config(tmp_path, {"credHelpers": {"reg.example:8443": "fake"}})
    assert find_credential(parse_image("reg.example:8443/a/b"), path) is not None
    assert helper.calls[0]["stdin"] == "reg.example:8443"


def test_cred_helpers_win_over_creds_store_and_auths(tmp_path: Path, bindir: Path) -> None:
    ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    specific = Helper(bindir, "specific", store_body({ecr: ("AWS", "from-specific")}))
    general = Helper(bindir, "general", store_body({ecr: ("AWS", "from-general")}))
    path = write_config(
        tmp_path,
        {
            "credsStore": "general",
            "credHelpers": {ecr: "specific"},
            "auths": {ecr: {"auth": b64("AWS:inline")}},
        },
    )
    cred = find_credential(parse_image(f"{ecr}/app:1"), path)
    assert cred is not None
    assert cred.password.reveal() == "from-specific"
    assert cred.source == "credential helper docker-credential-specific"
    assert general.calls == []
    assert len(specific.calls) == 1


def test_cred_helpers_match_the_exact_key_only(tmp_path: Path, bindir: Path) -> None:
    specific = Helper(bindir, "specific", store_body({"ghcr.io": ("u", "specific")}))
    Helper(bindir, "general", store_body({"ghcr.io": ("u", "general")}))
    path = write_config(
        tmp_path, {"credsStore": "general", "credHelpers": {"https://ghcr.io": "specific"}}
    )
    cred = find_credential(parse_image("ghcr.io/a/b"), path)
    assert cred is not None
    assert cred.password.reveal() == "general"
    assert specific.calls == []


def test_empty_cred_helper_opts_out_of_creds_store(tmp_path: Path, bindir: Path) -> None:
    general = Helper(bindir, "general", store_body({"ghcr.io": ("u", "general")}))
    path = write_config(
        tmp_path,
        {
            "credsStore": "general",
            "credHelpers": {"ghcr.io": ""},
            "auths": {"ghcr.io": {"auth": b64("inline:pw")}},
        },
    )
    cred = find_credential(parse_image("ghcr.io/a/b"), path)
    assert cred is not None
    assert cred.username == "inline"
    assert general.calls == []


def test_helper_not_found_is_none_and_inline_auths_are_not_consulted(
    tmp_path: Path, bindir: Path
) -> None:
    helper = Helper(bindir, "fake", store_body({}))
    path = write_config(
        tmp_path, {"credsStore": "fake", "auths": {"ghcr.io": {"auth": b64("inline:pw")}}}
    )
    assert find_credential(parse_image("ghcr.io/a/b"), path) is None
    assert len(helper.calls) == 1


def test_helper_missing_from_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    path = write_config(tmp_path, {"credsStore": "desktop"})
    with pytest.raises(DockerConfigError) as info:
        find_credential(parse_image("ghcr.io/a/b"), path)
    message = str(info.value)
    assert "docker-credential-desktop" in message
    assert str(path) in message
    assert "credsStore" in message
    assert "PATH" in message
    assert info.value.helper == "docker-credential-desktop"
    assert info.value.path == path


def test_helper_name_that_is_a_path_is_refused(tmp_path: Path, bindir: Path) -> None:
    path = write_config(tmp_path, {"credsStore": "../../bin/sh"})
    with pytest.raises(DockerConfigError, match="is a path"):
        find_credential(parse_image("ghcr.io/a/b"), path)


def test_helper_timeout(tmp_path: Path, bindir: Path) -> None:
    Helper(bindir, "slow", "time.sleep(30)")
    path = write_config(tmp_path, {"credsStore": "slow"})
    started = time.monotonic()
    with pytest.raises(DockerConfigError) as info:
        find_credential(parse_image("ghcr.io/a/b"), path, timeout=0.5)
    assert time.monotonic() - started < 10
    assert "did not answer within 0.5 s" in str(info.value)
    assert "docker-credential-slow" in str(info.value)


def test_helper_crash_reports_its_message(tmp_path: Path, bindir: Path) -> None:
    Helper(bindir, "crash", "print('The keychain is locked'); sys.exit(2)")
    path = write_config(tmp_path, {"credsStore": "crash"})
    with pytest.raises(DockerConfigError) as info:
        find_credential(parse_image("ghcr.io/a/b"), path)
    message = str(info.value)
    assert "docker-credential-crash" in message
    assert "exit status 2" in message
    assert "The keychain is locked" in message


def test_helper_crash_falls_back_to_stderr(tmp_path: Path, bindir: Path) -> None:
    Helper(bindir, "crash", "sys.stderr.write('gpg: decryption failed\\n'); sys.exit(1)")
    path = write_config(tmp_path, {"credsStore": "crash"})
    with pytest.raises(DockerConfigError, match="gpg: decryption failed"):
        find_credential(parse_image("ghcr.io/a/b"), path)


def test_helper_answers_garbage(tmp_path: Path, bindir: Path) -> None:
    Helper(bindir, "garbage", "print('not json')")
    path = write_config(tmp_path, {"credsStore": "garbage"})
    with pytest.raises(
        DockerConfigError, match=r"docker-credential-garbage \(from credsStore in .*\) answered"
    ):
        find_credential(parse_image("ghcr.io/a/b"), path)


def test_docker_auth_config_env_wins(
    tmp_path: Path, bindir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper = Helper(bindir, "fake", store_body({"ghcr.io": ("file", "x")}))
    path = write_config(tmp_path, {"credsStore": "fake"})
    env = {"auths": {"ghcr.io": {"auth": b64("fromenv:y")}}}
    monkeypatch.setenv("DOCKER_AUTH_CONFIG", json.dumps(env))
    cred = find_credential(parse_image("ghcr.io/a/b"), path)
    assert cred is not None
    assert cred.username == "fromenv"
    assert cred.source == "$DOCKER_AUTH_CONFIG auths[ghcr.io]"
    assert helper.calls == []
    # Another registry falls through to the file's store; a broken variable is ignored.
    assert find_credential(parse_image("nvcr.io/a/b"), path) is None
    monkeypatch.setenv("DOCKER_AUTH_CONFIG", "{not json")
    cred = find_credential(parse_image("ghcr.io/a/b"), path)
    assert cred is not None
    assert cred.username == "file"


# --- malformed files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ('{"auths": {"ghcr.io": {"auth": "x"}', "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"auths": []}', '"auths" that is not an object'),
        ('{"credsStore": 1}', '"credsStore" that is not a string'),
        ("\ufeff{}", "byte-order mark"),
    ],
)
def test_malformed_file(tmp_path: Path, data: str, problem: str) -> None:
    path = write_config(tmp_path, data)
    with pytest.raises(DockerConfigError) as info:
        find_credential(parse_image("ghcr.io/acme/app"), path)
    message = str(info.value)
    assert problem in message
    assert str(path) in message
    assert "ghcr.io" in message
    assert "`docker login ghcr.io`" in message


@pytest.mark.parametrize(
    ("auth", "problem"),
    [
        ("%%%not-base64%%%", "not valid base64"),
        ("YQ", "not valid base64"),  # unpadded, which Go's StdEncoding rejects
        (b64("no-colon-here"), 'not base64 of "user:password"'),
        (b64(":password-without-user"), 'not base64 of "user:password"'),
        (base64.b64encode(b"\xff\xfe:x").decode(), "UTF-8"),
    ],
)
def test_malformed_auth(tmp_path: Path, auth: str, problem: str) -> None:
    path = write_config(tmp_path, {"auths": {"https://ghcr.io": {"auth": auth}}})
    with pytest.raises(DockerConfigError) as info:
        find_credential(parse_image("ghcr.io/acme/app"), path)
    message = str(info.value)
    assert problem in message
    assert str(path) in message
    assert "auths[https://ghcr.io]" in message
    assert "`docker login ghcr.io`" in message
    assert info.value.registry == "https://ghcr.io"


def test_malformed_hub_entry_suggests_plain_docker_login(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"auths": {DOCKER_HUB_AUTH_KEY: {"auth": "???"}}})
    with pytest.raises(DockerConfigError, match=r"run `docker login` again"):
        find_credential(parse_image("alpine"), path)


def test_malformed_entry_for_another_registry_is_not_our_problem(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, {"auths": {"other.io": {"auth": "???"}, "ghcr.io": {"auth": b64("u:p")}}}
    )
    assert find_credential(parse_image("ghcr.io/a/b"), path) is not None


def test_error_pickles(tmp_path: Path) -> None:
    error = DockerConfigError("m", path=tmp_path, registry="ghcr.io", helper="docker-credential-x")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.path, copy.registry, copy.helper) == (
        "m",
        tmp_path,
        "ghcr.io",
        "docker-credential-x",
    )


# --- no secret leaks ------------------------------------------------------------------


def _leak_cases(tmp_path: Path, bindir: Path) -> list[tuple[str, Path, float]]:
    cases: list[tuple[str, Path, float]] = []

    def case(name: str, data: Any, timeout: float = 10.0) -> None:
        cases.append((name, write_config(tmp_path / name, data), timeout))

    case("nocolon", {"auths": {"ghcr.io": {"auth": b64(CANARY)}}})
    case("notb64", {"auths": {"ghcr.io": {"auth": f"!{CANARY}!"}}})
    badutf8 = base64.b64encode(b"u:\xff" + CANARY.encode()).decode()
    case("badutf8", {"auths": {"ghcr.io": {"auth": badutf8}}})
    case("badjson", '{"auths": {"ghcr.io": {"auth": "' + CANARY + '"}},,}')
    case("wrongtype", {"auths": {"ghcr.io": {"auth": b64("u:" + CANARY), "password": 5}}})
    Helper(bindir, "leakycrash", f"print(json.dumps({{'Secret': {CANARY!r}}})); sys.exit(1)")
    case("leakycrash", {"credsStore": "leakycrash"})
    Helper(bindir, "leakyjunk", f"print('Username=u Secret={CANARY}')")
    case("leakyjunk", {"credsStore": "leakyjunk"})
    Helper(bindir, "leakyslow", f"print({CANARY!r}, flush=True); time.sleep(30)")
    case("leakyslow", {"credsStore": "leakyslow"}, timeout=0.5)
    return cases


def test_no_secret_in_errors_tracebacks_or_logs(
    tmp_path: Path, bindir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="wizard")
    for name, path, timeout in _leak_cases(tmp_path, bindir):
        with pytest.raises(DockerConfigError) as info:
            find_credential(parse_image("ghcr.io/acme/app"), path, timeout=timeout)
        shown = "".join(traceback.format_exception(info.value))
        for text in (str(info.value), repr(info.value), shown):
            assert CANARY not in text, name
    assert CANARY not in caplog.text


def test_no_secret_in_credential_repr_or_logs(
    tmp_path: Path, bindir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="wizard")
    Helper(bindir, "fake", store_body({"ghcr.io": ("u", CANARY), "nvcr.io": ("<token>", CANARY)}))
    inline = write_config(tmp_path / "inline", {"auths": {"ghcr.io": {"auth": b64("u:" + CANARY)}}})
    token = write_config(tmp_path / "token", {"auths": {"ghcr.io": {"identitytoken": CANARY}}})
    helper = write_config(tmp_path / "helper", {"credsStore": "fake"})
    creds = [
        find_credential(parse_image("ghcr.io/a/b"), inline),
        find_credential(parse_image("ghcr.io/a/b"), token),
        find_credential(parse_image("ghcr.io/a/b"), helper),
        find_credential(parse_image("nvcr.io/a/b"), helper),
    ]
    for cred in creds:
        assert cred is not None
        assert cred.password.reveal() == CANARY
        assert CANARY not in repr(cred)
        assert CANARY not in str(cred)
        assert CANARY not in f"{cred.password}"
    assert CANARY not in caplog.text
    assert "using" in caplog.text  # the debug log does run
