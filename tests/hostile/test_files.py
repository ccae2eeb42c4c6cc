"""Hostile file-system cases: what config.yaml (or a key file, a docker config) really
is. Nothing blocks, no device or link is replaced, owner, group and mode stay, and a
refusal says what the file is, with exit 2 and the file untouched."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.cli import main

IMAGE = ("--image", "ghcr.io/acme/app:1.0")
SETUP = ("setup", *IMAGE, "--yes")


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))


def _run(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """In a subprocess with a deadline: a hang is a failure, not a stuck suite."""
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_a_fifo_config_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    for args in (["setup", "--config", str(fifo), *SETUP[1:]], ["doctor", str(fifo)]):
        r = _run(*args)
        assert "named pipe" in r.stderr + r.stdout, r
        assert "Traceback" not in r.stderr
    r = _run("setup", "--config", str(fifo), *SETUP[1:])
    assert r.returncode == 2
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_doctor_skips_special_files_in_a_tree_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    os.mkfifo(tmp_path / "a" / "config.yaml")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "config.yaml").symlink_to("/dev/zero")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "config.yaml").write_text("model_name: m\n")
    r = _run("doctor", str(tmp_path), "--truss-version", "0.18.36")
    assert r.returncode == 0, r
    assert r.stderr.count("skipped") == 2


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_symlink_to_a_device_is_never_replaced(tmp_path: Path, device: str) -> None:
    link = tmp_path / "config.yaml"
    link.symlink_to(device)
    for args in (
        ["setup", "--config", str(link), *SETUP[1:]],
        ["doctor", str(link), "--fix", "--yes"],
    ):
        r = _run(*args)
        assert "character device" in r.stderr + r.stdout, r
    assert stat.S_ISCHR(os.stat(device).st_mode)
    assert os.readlink(link) == device


def test_a_directory_named_config_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "config.yaml").mkdir()
    assert main(["setup", "--config", str(tmp_path / "config.yaml"), *SETUP[1:]]) == 2
    assert "directory" in capsys.readouterr().err


def test_a_huge_file_is_refused_by_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n" + "# padding\n" * 600_000)
    before = config.stat().st_mtime_ns
    assert main(["setup", "--config", str(config), *SETUP[1:]]) == 2
    assert "MB" in capsys.readouterr().err
    assert config.stat().st_mtime_ns == before


def test_a_fifo_key_file_or_docker_config_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "key.json"
    os.mkfifo(fifo)
    r = _run("check", "--image", "us-docker.pkg.dev/p/r/a:1", "--key-file", str(fifo))
    assert "named pipe" in r.stdout + r.stderr
    r = _run("check", *IMAGE, "--docker-config", str(fifo))
    assert "named pipe" in r.stdout + r.stderr


def test_hard_links_are_never_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    os.link(config, tmp_path / "other.yaml")
    assert main(["setup", "--config", str(config), *SETUP[1:]]) == 2
    assert "hard links" in capsys.readouterr().err
    assert config.read_text() == "model_name: m\n"
    assert os.stat(config).st_nlink == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_owner_group_and_mode_are_kept(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    os.chown(config, 1234, 5678)
    config.chmod(0o640)
    assert main(["setup", "--config", str(config), *SETUP[1:]]) == 0
    st = os.stat(config)
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 5678, 0o640)
    assert "ghcr.io/acme/app" in config.read_text()


def test_a_mode_changed_while_the_prompt_waits_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    config.chmod(0o644)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)

    def answer(question: str) -> str:
        config.chmod(0o600)  # the user tightens it in another window
        return "y"

    monkeypatch.setattr("builtins.input", answer)
    assert main(["setup", "--config", str(config), *IMAGE]) == 0
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600


def test_a_read_only_file_is_refused_before_asking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    config.chmod(0o444)
    assert main(["setup", "--config", str(config), *SETUP[1:]]) == 2
    assert "read-only" in capsys.readouterr().err


def test_a_kill_mid_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m  # mine\n")
    code = (
        "import os, signal, sys\n"
        "real = os.fsync\n"
        "def die(fd):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.fsync = die\n"
        "from wizard.cli import main\n"
        f"main(['setup', '--config', {str(config)!r}, '--image', 'ghcr.io/a/b:1', '--yes'])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=20)
    assert r.returncode == -9
    assert config.read_text() == "model_name: m  # mine\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_full_disk_leaves_the_file_and_no_debris(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(disk)]).returncode:
        pytest.skip("this machine does not allow a tmpfs mount")
    try:
        config = disk / "config.yaml"
        text = "model_name: m\n" + "# a comment to fill the disk\n" * 140
        config.write_text(text)
        filler = disk / "filler"
        with open(filler, "wb") as f, __import__("contextlib").suppress(OSError):
            f.write(b"x" * 64 * 1024)
        r = _run("setup", "--config", str(config), *SETUP[1:])
        assert r.returncode != 0
        assert "Traceback" not in r.stderr
        assert "could not write" in r.stderr or "No space" in r.stderr, r.stderr
        assert config.read_text() == text
        assert sorted(p.name for p in disk.iterdir()) == ["config.yaml", "filler"]
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_setuid_and_setgid_bits_survive_a_change_of_owner(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    os.chown(config, 1234, 5678)
    config.chmod(0o6640)
    assert main(["setup", "--config", str(config), *SETUP[1:]]) == 0
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o6640


def test_doctor_on_a_named_special_file_is_a_usage_error(tmp_path: Path) -> None:
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    for args in ([str(fifo)], [str(fifo), "--fix", "--yes"]):
        r = _run("doctor", *args)
        assert r.returncode == 2, r
        assert "named pipe" in r.stderr


_CHECK = [sys.executable, "-m", "wizard", "check", "--image", "127.0.0.1:9/a:1"]


def test_stdin_past_any_token_size_is_refused(tmp_path: Path) -> None:
    r = subprocess.run(
        [*_CHECK, "--username", "u", "--password-stdin"],
        input=b"x" * (1 << 20),
        capture_output=True,
        timeout=20,
    )
    assert r.returncode == 2 and b"KB" in r.stderr


def test_doctor_shows_no_control_character_from_a_file_name_or_its_content(
    tmp_path: Path,
) -> None:
    """doctor's text printed a directory's name as it is: an ESC or a BEL in it drove the
    terminal (and the fix commands, which now name the file, repeat it). A name starting
    with - is given as ./-..., never read as an option."""
    from tests.doctor.test_doctor import run_doctor
    from tests.standins import GCP_KEY_CONFIG

    hostile = tmp_path / "a\x1b[2J\x07b" / "-d"
    hostile.mkdir(parents=True)
    (hostile / "config.yaml").write_text(GCP_KEY_CONFIG + "secrets:\n")
    r = run_doctor(".", "--truss-version", "0.18.36", cwd=tmp_path)
    assert r.stdout and "\x1b" not in r.stdout and "\x07" not in r.stdout, repr(r.stdout)
    assert "a?[2J?b/-d/config.yaml" in r.stdout
    assert "registry-wizard doctor --fix 'a?[2J?b/-d/config.yaml'" in r.stdout
    fixes = [line for line in r.stdout.splitlines() if "registry-wizard setup --config" in line]
    assert fixes and all("--config 'a?[2J?b/-d/config.yaml'" in f for f in fixes), fixes
