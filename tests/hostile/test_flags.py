"""Hostile flag values and stdin credentials: refused by the rulebook with the flag named,
never echoed when they are credentials, never reaching a trust policy, a config or AWS,
and never a traceback."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from wizard.cli import main

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0"
ROLE = "arn:aws:iam::123456789012:role/pull"
CANARY = "ghp_CANARY0123456789abcdefghijklmnopqrstu"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("BASETEN_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))
    # Any AWS call would go here and fail loudly: nothing may reach it.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("model_name: m\n")
    return path


OIDC = ("--image", ECR, "--method", "oidc", "--role-arn", ROLE)

# (flags, the flag the refusal names, the rule)
REFUSED = [
    (("--org-id", "*", "--team-id", "*", "--provision"), "--org-id", "baseten-id-invalid"),
    (("--org-id", "abc", "--team-id", "t:1", "--provision"), "--team-id", "baseten-id-invalid"),
    (("--org-id", "abc", "--team-id", "a*", "--provision"), "--team-id", "baseten-id-invalid"),
]


@pytest.mark.parametrize(("extra", "flag", "rule"), REFUSED)
def test_ids_that_would_widen_a_trust_policy_never_reach_it(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    flag: str,
    rule: str,
) -> None:
    code = main(["setup", "--config", str(config), *OIDC, "--no-baseten", "--yes", *extra])
    err = capsys.readouterr().err
    assert code == 1, err
    assert flag in err and "trust" in err
    assert config.read_text() == "model_name: m\n"


def test_the_guide_refuses_a_wildcard_id(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["guide", "--image", ECR, "--method", "oidc", "--org-id", "*", "--team-id", "x1"])
    out = capsys.readouterr()
    assert code != 0
    assert "--org-id" in out.err and "*" not in out.out


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--role-arn", "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/x"),  # Unicode digits
        ("--role-arn", "arn:aws:iam::123456789012:role/pu\u00e4ll"),  # a non-ASCII name
        ("--region", "us-east-\u0661"),
    ],
)
def test_non_ascii_values_are_refused(
    config: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    flags = dict(zip(OIDC[::2], OIDC[1::2], strict=True))
    flags[flag] = value
    args = [x for kv in flags.items() for x in kv]
    assert main(["setup", "--config", str(config), "--dry-run", *args]) == 1
    assert flag in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ("--image", "us-docker.pkg.dev/p/r/a:1", "--method", "service-account", "--secret-name"),
        ("--image", ECR, "--method", "iam", "--access-key-id-secret"),
        ("--image", ECR, "--method", "oidc", "--role-arn"),
    ],
)
def test_a_credential_typed_into_a_flag_is_refused_and_never_echoed(
    config: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    for value in (CANARY, "AKIAIOSFODNN7EXAMPLE"):
        code = main(["setup", "--config", str(config), "--dry-run", *args, value])
        out = capsys.readouterr()
        assert code == 1, out.err
        assert value not in out.out + out.err
        assert "<secret value" in out.err
    assert config.read_text() == "model_name: m\n"


def _stdin(monkeypatch: pytest.MonkeyPatch, data: str) -> None:
    monkeypatch.setattr(
        sys,
        "stdin",
        io.TextIOWrapper(
            io.BytesIO(data.encode("utf-8", "surrogateescape")),
            encoding="utf-8",
            errors="surrogateescape",
        ),
    )


@pytest.mark.parametrize(
    ("username", "token", "code_word"),
    [
        ("octocat", "ghp_abc\x00def", "token_not_ascii"),
        ("octocat", "ghp_abc\ndef", "token_not_ascii"),
        ("octocat", "ghp_\udcff\udcfeabc", "token_not_ascii"),  # bytes that are not UTF-8
        ("a:b", "ghp_abcdef", "username_has_colon"),
        ("octo\ncat", "ghp_abcdef", "username_not_ascii"),
    ],
)
def test_broken_credentials_on_stdin_are_refused_before_encoding(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    username: str,
    token: str,
    code_word: str,
) -> None:
    _stdin(monkeypatch, token)
    code = main(["secret", "encode", "--image", "ghcr.io/acme/app:1", "--username", username])
    out = capsys.readouterr()
    assert code == 1, out.err
    assert "Traceback" not in out.err
    assert token not in out.out + out.err
    assert "not printable ASCII" in out.err or "`:`" in out.err


def test_a_config_on_a_pipe_is_named_not_followed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "stdin-like"
    link.symlink_to(fifo)
    assert main(["setup", "--config", str(link), "--image", "ghcr.io/a/b:1", "--yes"]) == 2
    assert "named pipe" in capsys.readouterr().err


def test_check_on_a_config_whose_method_does_not_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_name: m\nbase_image:\n  image: ghcr.io/a/b:1\n  docker_auth:\n"
        f"    auth_method: AWS_OIDC\n    aws_oidc_role_arn: {ROLE}\n"
        "    aws_oidc_region: us-east-1\n"
    )
    assert main(["check", "--config", str(config), "--no-baseten"]) == 1
    err = capsys.readouterr().err
    assert f"{config}:5" in err and "ghcr.io" in err


def test_an_already_encoded_token_is_not_encoded_twice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64

    encoded = base64.b64encode(b"octocat:ghp_0123456789abcdefghij0123456789abcdef").decode()
    _stdin(monkeypatch, encoded)
    code = main(["secret", "encode", "--image", "ghcr.io/acme/app:1", "--username", "octocat"])
    out = capsys.readouterr()
    assert code == 1 and "already base64" in out.err
    assert encoded not in out.out


def test_secret_set_refuses_a_plain_user_token_for_a_registry_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", "not-used")
    _stdin(monkeypatch, "octocat:ghp_0123456789abcdefghij0123456789abcdef")
    code = main(["secret", "set", "DOCKER_REGISTRY_ghcr.io"])
    out = capsys.readouterr()
    assert code == 1 and "not base64" in out.err
    assert "ghp_0123" not in out.out + out.err
