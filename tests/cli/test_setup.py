"""`registry-wizard setup` as a user runs it: a real process, real files, exit codes."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0"
ROLE = "arn:aws:iam::123456789012:role/baseten-ecr"
SAMPLE = "model_name: m\n# resources for the model\nresources:\n  cpu: '1'\n"


def run(*args: str, cwd: Path | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        env=env,
        timeout=60,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(SAMPLE)
    return path


def test_dry_run_prints_the_diff_and_writes_nothing(config: Path) -> None:
    r = run(
        "setup",
        "--config",
        str(config),
        "--image",
        ECR_IMAGE,
        "--method",
        "oidc",
        "--role-arn",
        ROLE,
        "--dry-run",
    )
    assert r.returncode == 0, r.stderr
    assert "+base_image:\n" in r.stdout
    assert f"+    aws_oidc_role_arn: {ROLE}\n" in r.stdout
    assert "+    aws_oidc_region: us-east-1\n" in r.stdout
    assert r.stdout.startswith("--- a/config.yaml\n+++ b/config.yaml\n")
    assert config.read_text() == SAMPLE
    assert "was not written" in r.stderr


def test_yes_writes_and_a_second_run_changes_nothing(config: Path) -> None:
    args = ("setup", "--config", str(config), "--image", "ghcr.io/acme/llm:1.2", "--yes")
    first = run(*args)
    assert first.returncode == 0, first.stderr
    assert "DOCKER_REGISTRY_ghcr.io: null" in config.read_text()
    assert "read:packages" in first.stderr  # the next step names the scope
    written = config.read_bytes()
    second = run(*args)
    assert second.returncode == 0
    assert "nothing to change" in second.stderr
    assert config.read_bytes() == written


def test_without_a_terminal_it_asks_for_yes_or_dry_run(config: Path) -> None:
    r = run("setup", "--config", str(config), "--image", "ghcr.io/a/b:1")
    assert r.returncode == 2
    assert "--dry-run" in r.stderr and "--yes" in r.stderr
    assert config.read_text() == SAMPLE


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (
            ("--image", ECR_IMAGE, "--method", "oidc", "--role-arn", "arn:aws:iam::1234:role/x"),
            1,
            ["--role-arn", "arn:aws:iam::123456789012:role/"],
        ),
        (
            ("--image", ECR_IMAGE, "--method", "oidc", "--role-arn", ROLE, "--region", "eu-west-1"),
            1,
            ["--region eu-west-1", "us-east-1"],
        ),
        (
            ("--image", ECR_IMAGE, "--registry", "ghcr", "--method", "token"),
            1,
            ["--registry ghcr", "--registry ecr"],
        ),
        (("--image", "ghcr.io/a/b:1", "--method", "iam"), 1, ["--method iam", "token"]),
        (("--image", ECR_IMAGE), 2, ["--method", "oidc (recommended)", "assume-role", "iam"]),
        (("--image", ECR_IMAGE, "--method", "oidc"), 2, ["--role-arn"]),
        (
            ("--image", ECR_IMAGE, "--method", "token", "--role-arn", ROLE),
            2,
            ["--role-arn does not apply"],
        ),
        (("--image", "GHCR.io/Acme/App:1"), 1, ["--image", "lowercase"]),
        (("--image", "https://ghcr.io/a/b:1"), 1, ["--image", "scheme"]),
        ((), 2, ["no base_image.image", "--image"]),
        (
            (
                "--image",
                "us-docker.pkg.dev/p/r/i:1",
                "--method",
                "oidc",
                "--service-account",
                "puller@my-project.iam.gserviceaccount.com",
                "--workload-provider",
                "projects/my-proj/locations/global/workloadIdentityPools/pool/providers/prov",
            ),
            1,
            ["--workload-provider", "NUMBER"],
        ),
    ],
)
def test_bad_values_exit_with_a_message_and_leave_the_file(
    config: Path, args: tuple[str, ...], code: int, words: list[str]
) -> None:
    r = run("setup", "--config", str(config), *args, "--yes")
    assert r.returncode == code, (r.stdout, r.stderr)
    for w in words:
        assert w in r.stderr
    assert "Traceback" not in r.stderr
    assert config.read_text() == SAMPLE
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.yaml"]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"model_name: a\nbase_image:\n  image: [\n", ":3:"),
        (b"model_name: a\nmodel_name: b\n", ":2:"),
        (b"- a\n", ":1:"),
        (b"base_image:\n  image: UPPER/case:1\n", ":2:"),
    ],
)
def test_unusable_config_exits_naming_the_line(tmp_path: Path, content: bytes, where: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(content)
    r = run("setup", "--config", str(config), "--yes")
    assert r.returncode in (1, 2)
    assert f"{config}{where}" in r.stderr
    assert config.read_bytes() == content


def test_missing_config_is_created_with_a_model_name_and_the_auth_blocks(tmp_path: Path) -> None:
    """truss cannot load a config.yaml without model_name: a created one is named after
    its directory (the diff shows it)."""
    config = tmp_path / "my-model" / "config.yaml"
    config.parent.mkdir()
    r = run(
        "setup", "--config", str(config), "--image", "nvcr.io/nvidia/pytorch:24.01-py3", "--yes"
    )
    assert r.returncode == 0, r.stderr
    assert config.read_text() == (
        "model_name: my-model\n"
        "base_image:\n  image: nvcr.io/nvidia/pytorch:24.01-py3\n"
        "secrets:\n  DOCKER_REGISTRY_nvcr.io: null\n"
    )
    assert "+model_name: my-model" in r.stdout
    assert "$oauthtoken" in r.stderr


def test_a_yaml_file_that_is_no_truss_config_is_never_edited(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("server:\n  port: 80\n")
    r = run("setup", "--config", str(config), "--image", "ghcr.io/a/b:1", "--yes")
    assert r.returncode != 0
    assert "not a Truss config" in r.stderr and "Nothing was written" in r.stderr
    assert config.read_text() == "server:\n  port: 80\n"


def test_read_only_config_is_refused_before_asking(config: Path) -> None:
    config.chmod(0o444)
    r = run("setup", "--config", str(config), "--image", "ghcr.io/a/b:1", "--yes")
    assert r.returncode == 2
    assert "read-only" in r.stderr
    assert config.read_text() == SAMPLE


def test_default_config_is_the_one_in_the_current_directory(config: Path) -> None:
    r = run("setup", "--image", "quay.io/acme/app:1", "--yes", cwd=config.parent)
    assert r.returncode == 0, r.stderr
    assert "DOCKER_REGISTRY_quay.io: null" in config.read_text()


def test_demo_works_on_a_copy_of_the_sample_project(tmp_path: Path) -> None:
    r = run("setup", "--demo", "--dry-run", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "+  DOCKER_REGISTRY_ghcr.io: null" in r.stdout
    assert list(tmp_path.iterdir()) == []


def test_help_lists_every_method_flag() -> None:
    r = run("setup", "--help")
    assert r.returncode == 0
    for flag in (
        "--role-arn",
        "--region",
        "--access-key-id-secret",
        "--secret-access-key-secret",
        "--service-account",
        "--workload-provider",
        "--secret-name",
        "--dry-run",
        "--yes",
        "--registry",
        "--method",
        "--image",
        "--config",
    ):
        assert flag in r.stdout


def _interactive(args: list[str], answer: bytes) -> tuple[int, str]:
    """Run under a pseudo-terminal and answer the confirmation prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.environ["NO_COLOR"] = "1"
        os.execv(sys.executable, [sys.executable, "-m", "wizard", *args])
    out = b""
    sent = False
    while True:
        ready, _, _ = select.select([fd], [], [], 20)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if not sent and b"[y/N]" in out:
            os.write(fd, answer)
            sent = True
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


@pytest.mark.parametrize(("answer", "code", "written"), [(b"y\n", 0, True), (b"\n", 2, False)])
def test_on_a_terminal_it_shows_the_diff_and_asks(
    config: Path, answer: bytes, code: int, written: bool
) -> None:
    rc, screen = _interactive(
        ["setup", "--config", str(config), "--image", "ghcr.io/a/b:1"], answer
    )
    assert "+  DOCKER_REGISTRY_ghcr.io: null" in screen
    assert rc == code
    assert ("DOCKER_REGISTRY_ghcr.io" in config.read_text()) is written
    if not written:
        assert "No changes were made." in screen


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--timeout", "3", "check"], "--timeout before the command is for the full-screen"),
        (["--config", "other.yaml", "setup"], "put it after: registry-wizard setup --config"),
        (["setup", "--timeout", "0"], "--timeout: must be a positive number of seconds"),
        (["check", "--timeout", "nan"], "--timeout: must be a positive number of seconds"),
        (["--timeout", "soon"], "'soon' is not a number of seconds"),
        (["setup", "--ca-bundle", "missing.pem"], "--ca-bundle: missing.pem: no such file"),
        (["check", "--ca-bundle", "config.yaml"], "config.yaml: no PEM certificates in it"),
    ],
)
def test_transport_flags_are_refused_before_any_question(
    config: Path, args: list[str], says: str
) -> None:
    """A bad --timeout or --ca-bundle, or one given before the command (where it would
    only reach the full-screen wizard), is a usage error at once, not a traceback after
    the user has answered everything."""
    r = run(*args, cwd=config.parent)
    assert r.returncode == 2
    assert says in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert config.read_text() == SAMPLE


def test_a_bad_flag_value_is_refused_before_any_question(config: Path) -> None:
    """Missing answers would be asked for; a wrong one given as a flag is named at once
    (not after every other question has been answered)."""
    r = run(
        "setup",
        "--config",
        str(config),
        "--image",
        ECR_IMAGE,
        "--role-arn",
        "arn:aws:iam::123:role/x",
    )  # no --method: the flow would ask for it
    assert r.returncode == 1
    assert "--role-arn: " in r.stderr, r.stderr
    assert "not interactive" not in r.stderr
    assert config.read_text() == SAMPLE


def test_a_flag_the_method_does_not_take_is_an_error_not_a_question(config: Path) -> None:
    """GHCR has one method (token), which takes no --role-arn: that is a mistake to name,
    not a missing answer to ask for (it used to open the questions and drop the flag)."""
    r = run(
        "setup",
        "--config",
        str(config),
        "--image",
        "ghcr.io/acme/app:1",
        "--role-arn",
        ROLE,
    )
    assert r.returncode == 2
    assert "--role-arn does not apply to --method token" in r.stderr, r.stderr
    assert "not interactive" not in r.stderr
    assert config.read_text() == SAMPLE


def test_plain_without_a_terminal_writes_with_yes_and_says_what_to_pass_without(
    tmp_path: Path,
) -> None:
    """`setup --plain` from a script (no terminal) with every answer in flags: --yes writes
    as `setup --yes` does; without it the message names --yes and --dry-run (it said
    "pass --yes with these flags: (nothing is missing)" and refused --yes as well)."""
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\nbase_image:\n  image: ghcr.io/acme/app:1.2\n")
    before = config.read_bytes()
    r = run("setup", "--plain", "--config", str(config))
    assert r.returncode == 2, r.stderr
    assert "pass --dry-run to preview the change or --yes to write it" in r.stderr, r.stderr
    assert "nothing is missing" not in r.stderr and config.read_bytes() == before
    r = run("setup", "--plain", "--yes", "--config", str(config))
    assert r.returncode == 0, r.stderr
    assert "DOCKER_REGISTRY_ghcr.io: null" in config.read_text()


def test_iam_keys_say_which_value_goes_in_which_secret(config: Path) -> None:
    """Two secrets, and both were told "the access key ID and the secret access key ...,
    one secret each": which is which was left to guess (a newcomer's pass)."""
    r = run("setup", "--config", str(config), "--image", ECR_IMAGE, "--method", "iam", "--yes")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert (
        "Baseten secret to create: aws_access_key_id "
        "(the AWS access key ID of an IAM user allowed to pull, as is)"
    ) in lines, r.stderr
    assert (
        "Baseten secret to create: aws_secret_access_key "
        "(the AWS secret access key of an IAM user allowed to pull, as is)"
    ) in lines, r.stderr
    assert "one secret each" not in r.stderr
