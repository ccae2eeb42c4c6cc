"""Which config.yaml a command works on when `--config` (or doctor's PATH) is not given.

Every command and the full-screen wizard ask `config_path`: run from a subdirectory of a
Truss project, the nearest config.yaml upwards is the project's. Kept import-light: it
is on the `setup --dry-run` path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CONFIG_NAME = "config.yaml"


def find_config(start: Path | None = None) -> Path | None:
    """The nearest config.yaml in `start` (default: the working directory) or a directory
    above it, or None.

    The search stops at the repository root (a directory holding `.git`, a file in a
    worktree or submodule), which is searched too. Outside a repository it stops below
    the home directory and the filesystem root: a stray ~/config.yaml or /config.yaml
    is nobody's Truss project. The starting directory itself is always searched."""
    here = Path(os.path.abspath(start if start is not None else Path.cwd()))
    try:
        home: Path | None = Path.home().resolve()
    except (KeyError, RuntimeError):  # no HOME and no passwd entry
        home = None
    for directory in (here, *here.parents):
        is_repo_root = os.path.lexists(directory / ".git")
        outer = directory == home or directory.parent == directory
        if directory != here and outer and not is_repo_root:
            return None
        candidate = directory / CONFIG_NAME
        if os.path.lexists(candidate) and not candidate.is_dir():
            return candidate
        if is_repo_root:
            return None
    return None


def nearest_config() -> Path | None:
    """`find_config` from the working directory, as a path relative to it, named on
    stderr when it is not the working directory's own (`using ../config.yaml`)."""
    found = find_config()
    if found is None:
        return None
    shown = Path(os.path.relpath(found))
    if shown != Path(CONFIG_NAME):
        print(f"using {shown}", file=sys.stderr)
    return shown


def config_path(given: Path | None) -> Path:
    """The config a command uses: `given` (from `--config`) as it is; else the nearest
    config.yaml upwards; else ./config.yaml (which `setup` creates)."""
    if given is not None:
        return given
    return nearest_config() or Path(CONFIG_NAME)
