"""Run from a subdirectory of a Truss project, every command finds the project's
config.yaml (the nearest one upwards, up to the repository root), says which, and
`--config` still wins."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.cli.where import config_path, find_config

# The module, not the `main` function wizard.cli exports under the same name.
cli_main = importlib.import_module("wizard.cli.main")

GHCR = "ghcr.io/acme/llm:1.2"
# A secret under a name Baseten never looks up: doctor reports it on line 5.
HEAD = f"model_name: m\nbase_image:\n  image: {GHCR}\nsecrets:\n"
BROKEN = HEAD + "  DOCKER_REGISTRY_https://ghcr.io: null\n"
HEALTHY = HEAD + "  DOCKER_REGISTRY_ghcr.io: null\n"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BASETEN_", "AWS_"))}
    env.update(NO_COLOR="1", USER_TRUSSRC_PATH=str(cwd / "no-trussrc"), HOME=str(cwd))
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository holding a Truss project with a broken config and a deep subdirectory."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "model" / "src" / "deep").mkdir(parents=True)
    (repo / "model" / "config.yaml").write_text(BROKEN)
    return repo


def test_doctor_in_a_subdirectory_checks_the_projects_config_and_says_so(project: Path) -> None:
    r = run("doctor", cwd=project / "model" / "src" / "deep")
    assert r.returncode == 1, r.stderr
    assert r.stderr.splitlines()[0] == "using ../../config.yaml"
    assert "../../config.yaml:5: error:" in r.stdout
    assert "registry-secret-name" in r.stdout


def test_doctor_in_the_projects_own_directory_says_nothing_extra(project: Path) -> None:
    r = run("doctor", cwd=project / "model")
    assert r.returncode == 1
    assert "using" not in r.stderr
    assert "config.yaml:5: error:" in r.stdout


def test_doctor_with_a_directory_still_searches_only_that_directory(project: Path) -> None:
    r = run("doctor", ".", cwd=project / "model" / "src")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "using" not in r.stderr
    assert "no Truss configs found in ." in r.stderr


def test_the_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    """A config.yaml above the repository belongs to something else."""
    (tmp_path / "config.yaml").write_text(BROKEN)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    r = run("doctor", cwd=repo / "sub")
    assert r.returncode == 2
    assert "no config.yaml here or in a directory above" in r.stderr
    assert "using" not in r.stderr


def test_setup_dry_run_in_a_subdirectory_previews_the_projects_config(project: Path) -> None:
    (project / "model" / "config.yaml").write_text("model_name: m\n")
    r = run("setup", "--image", GHCR, "--dry-run", cwd=project / "model" / "src")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[0] == "using ../config.yaml"
    assert "+  DOCKER_REGISTRY_ghcr.io: null" in r.stdout
    assert "../config.yaml was not written" in r.stderr
    assert (project / "model" / "config.yaml").read_text() == "model_name: m\n"
    assert not (project / "model" / "src" / "config.yaml").exists()


def test_setup_yes_in_a_subdirectory_writes_the_projects_config(project: Path) -> None:
    (project / "model" / "config.yaml").write_text("model_name: m\n")
    r = run("setup", "--image", GHCR, "--yes", cwd=project / "model" / "src" / "deep")
    assert r.returncode == 0, r.stderr
    assert "DOCKER_REGISTRY_ghcr.io: null" in (project / "model" / "config.yaml").read_text()
    assert not (project / "model" / "src" / "deep" / "config.yaml").exists()


def test_config_flag_wins_over_the_nearest_config(project: Path) -> None:
    other = project / "model" / "src" / "other.yaml"
    other.write_text("model_name: other\n")
    r = run("setup", "--config", "other.yaml", "--image", GHCR, "--dry-run", cwd=other.parent)
    assert r.returncode == 0, r.stderr
    assert "using" not in r.stderr
    assert "dry run: other.yaml was not written" in r.stderr
    assert "model_name: other" in r.stdout


def test_guide_in_a_subdirectory_reads_the_projects_image(project: Path) -> None:
    r = run("guide", "--format", "json", "--no-baseten", cwd=project / "model" / "src")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[0] == "using ../config.yaml"
    assert GHCR in r.stdout


def test_check_in_a_subdirectory_checks_the_projects_image(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    image = "127.0.0.1:9/team/app:1.0"  # discard port: refused at once, never leaves loopback
    (repo / "config.yaml").write_text(f"model_name: m\nbase_image:\n  image: {image}\n")
    r = run("check", "--timeout", "2", "--format", "json", cwd=repo / "src")
    assert r.stderr.splitlines()[0] == "using ../config.yaml"
    assert image in r.stdout
    assert r.returncode == 1  # unreachable: the check ran on the project's image


def test_the_full_screen_wizard_opens_the_nearest_config(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import wizard.ui.tui

    opened: list[Path] = []
    monkeypatch.chdir(project / "model" / "src")
    monkeypatch.setattr(cli_main, "_full_screen_ok", lambda: True)
    monkeypatch.setattr(wizard.ui.tui, "run_tui", lambda flow: opened.append(flow.config) or 0)
    assert cli_main.main([]) == 0
    assert opened == [Path("../config.yaml")]
    assert capsys.readouterr().err.splitlines()[0] == "using ../config.yaml"
    opened.clear()
    assert cli_main.main(["--config", "elsewhere.yaml"]) == 0
    assert opened == [Path("elsewhere.yaml")]


# The one lookup, directly.


def test_nearest_wins_over_the_repository_root(project: Path) -> None:
    (project / "config.yaml").write_text(HEALTHY)
    assert find_config(project / "model" / "src") == project / "model" / "config.yaml"
    assert find_config(project) == project / "config.yaml"


def test_a_git_file_marks_the_root_too(tmp_path: Path) -> None:
    """Worktrees and submodules have a .git file, not a directory."""
    (tmp_path / "config.yaml").write_text(HEALTHY)
    sub = tmp_path / "submodule"
    (sub / "src").mkdir(parents=True)
    (sub / ".git").write_text("gitdir: ../.git/modules/submodule\n")
    assert find_config(sub / "src") is None


def test_a_directory_named_config_yaml_is_not_a_config(project: Path) -> None:
    (project / "model" / "src" / "config.yaml").mkdir()
    assert find_config(project / "model" / "src") == project / "model" / "config.yaml"


def test_outside_a_repository_the_search_stops_below_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "work" / "model" / "src").mkdir(parents=True)
    (home / "config.yaml").write_text(HEALTHY)  # nobody's Truss project
    monkeypatch.setenv("HOME", str(home))
    assert find_config(home / "work" / "model" / "src") is None
    (home / "work" / "model" / "config.yaml").write_text(HEALTHY)
    assert find_config(home / "work" / "model" / "src") == home / "work" / "model" / "config.yaml"
    assert find_config(home) == home / "config.yaml"  # where you stand is always searched


def test_without_any_config_commands_fall_back_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert config_path(None) == Path("config.yaml")
    assert config_path(Path("x/config.yaml")) == Path("x/config.yaml")
    assert capsys.readouterr().err == ""
