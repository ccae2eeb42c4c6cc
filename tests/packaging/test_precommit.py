"""The `registry-wizard-doctor` pre-commit hook, run by pre-commit itself in a Truss
repository holding a broken and a healthy config: once through `pre-commit try-repo`
(which builds the hook's environment and pip-installs this repository into it), then
through the README's `.pre-commit-config.yaml`. Each builds one environment (~25 s)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, unavailable
from tests.packaging.conftest import GIT_ENV, git, source_repo

pytestmark = pytest.mark.slow

HOOK = "registry-wizard-doctor"
IMAGE = "ghcr.io/acme/llm:1.2"
HEALTHY = (
    f"model_name: good\nbase_image:\n  image: {IMAGE}\nsecrets:\n  DOCKER_REGISTRY_ghcr.io: null\n"
)
# A secret under a name Baseten never looks up (line 5): an error.
BROKEN = HEALTHY.replace("good", "bad").replace(
    "DOCKER_REGISTRY_ghcr.io", "DOCKER_REGISTRY_https://ghcr.io"
)


@dataclass(frozen=True)
class Setup:
    source: Path  # this repository's package, committed
    project: Path  # a user's Truss repository
    home: Path  # pre-commit's cache: the hook environment is built once for the module


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    if importlib.util.find_spec("pre_commit") is None:
        unavailable("pre-commit is not installed (pip install -e '.[test]')")
    base = tmp_path_factory.mktemp("pre-commit")
    project = base / "truss-project"
    for name, text in (("good", HEALTHY), ("bad", BROKEN)):
        (project / "models" / name).mkdir(parents=True)
        (project / "models" / name / "config.yaml").write_text(text)
    (project / "notes.txt").write_text("not a config\n")
    (project / "deploy.yaml").write_text("replicas: 2\n")  # YAML, but not config.yaml
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    return Setup(source_repo(base / "registry-wizard"), project, base / "cache")


def _env(s: Setup) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(GIT_ENV, PRE_COMMIT_HOME=str(s.home), NO_COLOR="1", PRE_COMMIT_COLOR="never")
    return env


def pre_commit(s: Setup, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        capture_output=True,
        text=True,
        cwd=s.project,
        env=_env(s),
        stdin=subprocess.DEVNULL,
        timeout=280,
    )


def readme_config() -> dict[str, Any]:
    """The `.pre-commit-config.yaml` the README tells users to write."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    (block,) = (b for b in blocks if HOOK in b and "repos:" in b)
    return yaml.safe_load(block)


def test_try_repo_fails_on_the_broken_config_and_names_the_line(setup: Setup) -> None:
    """`pre-commit try-repo`: a fresh environment with this repository pip-installed."""
    r = pre_commit(setup, "try-repo", str(setup.source), HOOK, "--all-files")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Failed" in r.stdout
    assert "models/bad/config.yaml:5: error:" in r.stdout
    assert "registry-secret-name" in r.stdout
    assert "models/good/config.yaml:" not in r.stdout  # checked, and nothing to say
    assert "2 configs checked, 1 with findings" in r.stdout


@pytest.fixture(scope="module")
def installed(setup: Setup) -> Setup:
    """The README's three lines, pointing at the source repository, as the project's
    .pre-commit-config.yaml (the hook environment is built once, in PRE_COMMIT_HOME)."""
    config = readme_config()
    (repo,) = config["repos"]
    assert [h["id"] for h in repo["hooks"]] == [HOOK]
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=setup.source, capture_output=True, text=True
    ).stdout.strip()
    repo.update(repo=str(setup.source), rev=rev)
    (setup.project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    return setup


def test_the_readme_config_passes_a_healthy_config(installed: Setup) -> None:
    r = pre_commit(installed, "run", "--files", "models/good/config.yaml", "notes.txt")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Passed" in r.stdout


def test_the_readme_config_fails_a_commit_of_the_broken_config(installed: Setup) -> None:
    r = pre_commit(installed, "run", "--files", "models/bad/config.yaml")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "models/bad/config.yaml:5: error:" in r.stdout


def test_the_hook_skips_files_that_are_not_truss_configs(installed: Setup) -> None:
    r = pre_commit(installed, "run", "--files", "notes.txt", "deploy.yaml")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "(no files to check)Skipped" in r.stdout


def test_the_hook_is_static_and_matches_only_config_yaml() -> None:
    """A commit hook must be fast and offline: no --live, no credentials."""
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == HOOK
    assert hook["entry"] == "registry-wizard doctor"
    assert "--live" not in hook["entry"] and "args" not in hook
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    for path in ("config.yaml", "models/a/config.yaml"):
        assert files.search(path), path
    for path in ("my-config.yaml", "config.yaml.bak", "models/config.yml", "deploy.yaml"):
        assert not files.search(path), path
