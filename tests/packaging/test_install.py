"""The package as users get it: an sdist and a wheel built from the source, installed
with pipx and with `uv tool` into environments of their own, then run the way the
README's first command runs it (away from this checkout, so nothing is imported from it).

Slow-ish (the installs fetch the dependencies through pip's configured index; ~45 s
with a warm cache), but kept in the suite: a wheel without its assets is a broken release.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.packaging.conftest import source_repo
from wizard import __version__

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH into this checkout, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(NO_COLOR="1", **extra)
    return env


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        unavailable(f"{module} is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """`python -m build`: the sdist, then the wheel built from that sdist (so the sdist
    is proven complete too)."""
    _need("build")
    src = source_repo(tmp_path_factory.mktemp("src") / "registry-wizard")
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(src)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (wheel,) = out.glob("registry_wizard-*.whl")
    (sdist,) = out.glob("registry_wizard-*.tar.gz")
    return Dist(wheel, sdist)


def test_the_wheel_carries_the_assets_and_only_the_package(dist: Dist) -> None:
    names = set(zipfile.ZipFile(dist.wheel).namelist())
    assert "wizard/_assets/sample-truss/config.yaml" in names
    assert any(n.startswith("wizard/_assets/guides/") and n.endswith(".md") for n in names)
    assert "wizard/cli/main.py" in names
    tops = {n.split("/")[0] for n in names}
    assert tops == {"wizard", f"registry_wizard-{__version__}.dist-info"}, tops
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "registry-wizard = wizard.cli:main" in zipfile.ZipFile(dist.wheel).read(entry).decode()


def test_the_sdist_builds_the_same_package(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "assets/sample-truss/config.yaml"} <= names
    assert not any(n.startswith(".cache/") or "__pycache__" in n for n in names)


def _check_installed(bin_dir: Path, cwd: Path) -> None:
    """What the README promises right after installing: the version, and the change
    on the bundled sample, from assets inside the installation."""
    exe = bin_dir / "registry-wizard"
    assert exe.exists(), sorted(p.name for p in bin_dir.iterdir())
    env = _clean_env(PATH=f"{bin_dir}{os.pathsep}/usr/bin:/bin", HOME=str(cwd))
    version = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"registry-wizard {__version__}"
    demo = subprocess.run(
        [str(exe), "setup", "--demo", "--dry-run"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith("--- a/config.yaml\n+++ b/config.yaml\n"), demo.stdout
    assert "+  DOCKER_REGISTRY_" in demo.stdout
    assert "demo: working on a copy of the sample project" in demo.stderr
    assert "was not written" in demo.stderr


def test_pipx_installs_the_wheel_into_its_own_environment(dist: Dist, tmp_path: Path) -> None:
    _need("pipx")
    home, bin_dir = tmp_path / "pipx-home", tmp_path / "bin"
    env = _clean_env(PIPX_HOME=str(home), PIPX_BIN_DIR=str(bin_dir), PIPX_MAN_DIR=str(tmp_path))
    env["PIPX_DEFAULT_BACKEND"] = "pip"  # pipx would use uv when it is there; uv has its own test
    r = subprocess.run(
        [sys.executable, "-m", "pipx", "install", str(dist.wheel)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    venv_python = home / "venvs" / "registry-wizard" / "bin" / "python"
    where = subprocess.run(
        [str(venv_python), "-c", "import wizard; print(wizard.assets_dir())"],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=tmp_path,
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    assets = Path(where.stdout.strip())
    assert assets.name == "_assets" and str(home) in str(assets)  # the wheel's, not ours
    _check_installed(bin_dir, tmp_path)


def test_uv_tool_installs_the_sdist_into_its_own_environment(dist: Dist, tmp_path: Path) -> None:
    _need("uv")
    tools, bin_dir = tmp_path / "uv-tools", tmp_path / "bin"
    env = _clean_env(UV_TOOL_DIR=str(tools), UV_TOOL_BIN_DIR=str(bin_dir), UV_NO_PROGRESS="1")
    # --python: this interpreter, never one uv would download
    install = ["tool", "install", "--python", sys.executable, str(dist.sdist)]
    r = subprocess.run(
        [sys.executable, "-m", "uv", *install],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    _check_installed(bin_dir, tmp_path)
