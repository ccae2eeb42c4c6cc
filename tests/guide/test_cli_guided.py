"""The guided-setup commands as a user runs them: `guide`, `setup --provision`, `check`
on an OIDC config (moto's server for AWS), and `secret encode/set` (a Baseten stand-in)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.aws_standin import ACCOUNT, ORG, REGION, REPOSITORY, TAG, MotoServer, push_image
from tests.standins import BasetenStandIn

IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPOSITORY}:{TAG}"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/baseten-ecr-pull"


def wizard(
    *args: str, cwd: Path | None = None, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full.pop("BASETEN_API_KEY", None)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        env=full,
        timeout=120,
    )


@pytest.fixture
def baseten():  # type: ignore[no-untyped-def]
    with BasetenStandIn() as standin:
        yield standin


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An empty HOME, so no real ~/.trussrc or ~/.aws is read."""
    (tmp_path / "home").mkdir()
    return {"HOME": str(tmp_path / "home")}


def test_guide_fills_in_facts_fetched_from_baseten(baseten, home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = wizard(
        "guide",
        "--image",
        IMAGE,
        "--method",
        "oidc",
        "--format",
        "json",
        cwd=tmp_path,
        env={**home, **baseten.env(with_key=True)},
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    trust = json.loads(data["documents"]["trust-policy.json"])
    sub = trust["Statement"][0]["Condition"]["StringLike"]["oidc.baseten.co:sub"]
    assert sub == f"v=1:org={baseten.org_id}:team=AviIZ0y3:*"  # the default team
    assert "from Baseten" in r.stderr
    assert baseten.api_key not in r.stdout + r.stderr


def test_guide_without_a_key_shows_placeholders_and_says_how(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = wizard(
        "guide",
        "--image",
        IMAGE,
        "--method",
        "oidc",
        "--format",
        "markdown",
        cwd=tmp_path,
        env=home,
    )
    assert r.returncode == 0, r.stderr
    assert "<ORG_ID>" in r.stdout and "truss whoami --show-oidc" in r.stdout
    assert r.stdout.startswith("# ")


@pytest.mark.parametrize(
    ("image", "method", "words"),
    [
        ("ghcr.io/acme/llm:1.2", None, ["read:packages", "classic"]),
        ("nvcr.io/nvidia/pytorch:24.01-py3", None, ["'$oauthtoken"]),
        ("acme/app:1", None, ["Read-only", "Docker ID"]),
    ],
)
def test_token_guides_say_how_to_make_the_token(
    home, tmp_path: Path, image: str, method: str | None, words: list[str]
) -> None:
    r = wizard("guide", "--image", image, "--format", "markdown", cwd=tmp_path, env=home)
    assert r.returncode == 0, r.stderr
    for w in words:
        assert w in r.stdout


def test_provision_then_check_on_an_oidc_config(aws: MotoServer, home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    push_image()
    env = {**home, **{k: v for k, v in os.environ.items() if k.startswith("AWS_")}}
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    facts = ("--org-id", ORG, "--team-id", "t1", "--no-baseten")
    base = ("--config", str(config), "--image", IMAGE, "--method", "oidc", "--role-arn", ROLE)

    dry = wizard("setup", *base, *facts, "--provision", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "aws iam create-open-id-connect-provider" in dry.stdout
    assert "aws iam create-role" in dry.stdout
    assert config.read_text() == "model_name: m\n"

    before = wizard("check", "--config", str(config), *facts, env=env)
    assert before.returncode == 2  # the config has no base_image yet

    done = wizard("setup", *base, *facts, "--provision", "--yes", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created:" in done.stderr
    assert "aws_oidc_role_arn: " + ROLE in config.read_text()

    ok = wizard("check", "--config", str(config), *facts, "--format", "json", env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    items = {i["id"]: i["status"] for i in json.loads(ok.stdout)["items"]}
    assert items["trust"] == "ok" and items["permissions"] == "ok" and items["image"] == "ok"

    again = wizard("setup", *base, *facts, "--provision", "--yes", env=env)
    assert again.returncode == 0
    assert "Nothing to create" in again.stderr + again.stdout

    other_team = wizard(
        "check",
        "--config",
        str(config),
        "--org-id",
        ORG,
        "--team-id",
        "t2",
        "--no-baseten",
        env=env,
    )
    assert other_team.returncode == 4, other_team.stdout
    assert "fix:" in other_team.stdout


def test_secret_encode_pipes_a_value_that_decodes_to_user_and_token() -> None:
    r = wizard("secret", "encode", "--image", "nvcr.io/nvidia/x:1", stdin="nvapi-abcdef123456\n")
    assert r.returncode == 0, r.stderr
    assert base64.b64decode(r.stdout.strip()) == b"$oauthtoken:nvapi-abcdef123456"
    assert "DOCKER_REGISTRY_nvcr.io" in r.stderr


def test_secret_set_stores_and_confirms(baseten, home) -> None:  # type: ignore[no-untyped-def]
    token = "ghp_" + "Q" * 36
    r = wizard(
        "secret",
        "set",
        "--image",
        "ghcr.io/acme/llm:1.2",
        "--username",
        "octocat",
        stdin=token,
        env={**home, **baseten.env(with_key=True)},
    )
    assert r.returncode == 0, r.stderr
    stored = baseten.secrets["DOCKER_REGISTRY_ghcr.io"]
    assert base64.b64decode(stored) == f"octocat:{token}".encode()
    assert token not in r.stdout + r.stderr


def test_secret_set_with_a_bad_key_exits_4(baseten, home) -> None:  # type: ignore[no-untyped-def]
    env = {**home, **baseten.env(), "BASETEN_API_KEY": "wrong-key-123"}
    r = wizard("secret", "set", "hf_access_token", stdin="hf_x", env=env)
    assert r.returncode == 4
    assert "API key is not valid" in r.stderr
