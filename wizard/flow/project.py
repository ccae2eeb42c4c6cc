"""Is the config the wizard was pointed at a Truss project's? And if not, where is the
nearest one below, or how to start one.

The Truss keys and the directories never searched are the model's
(`wizard.model.truss`), read by `doctor`'s discovery too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wizard.config.document import ConfigDocument, ConfigError, read_config
from wizard.model.truss import CONFIG_NAME, SKIP_DIRS, TRUSS_KEYS, is_venv

# "Shallow": a project's config is rarely deeper than models/<name>/config.yaml.
MAX_DEPTH = 3
MAX_DIRS = 2000  # a home directory or a monorepo: stop rather than walk it all


def truss_keys_of(doc: ConfigDocument) -> set[str]:
    data: Any = doc.root.to_python() if doc.root is not None else None
    return {k for k in data if isinstance(k, str)} & TRUSS_KEYS if isinstance(data, dict) else set()


def problem(doc: ConfigDocument) -> str | None:
    """Why `doc` is not a Truss project's config (None: it is one)."""
    where = os.path.dirname(os.path.abspath(doc.path)) or "."
    if not doc.exists:
        return (
            f"No {doc.path.name} in {where} or the directories above it: "
            "this is not a Truss project."
        )
    if not truss_keys_of(doc):
        return (
            f"{doc.path} has no Truss keys (model_name, base_image, secrets, ...): "
            "it is not a Truss config; run in your Truss project, or pass --config with "
            "its config.yaml."
        )
    return None


def is_truss_config(path: Path) -> bool:
    try:
        return bool(truss_keys_of(read_config(path, missing_ok=False)))
    except (ConfigError, OSError, UnicodeDecodeError, ValueError):
        return False


def find_below(start: Path, *, limit: int = 5) -> list[Path]:
    """Truss configs below `start` (not in it), nearest first: a breadth-first walk of at
    most MAX_DEPTH levels that skips version control, dependency trees and virtualenvs."""
    found: list[Path] = []
    for path in _walk(start):
        if is_truss_config(path):
            found.append(path)
            if len(found) >= limit:
                break
    return found


def _walk(start: Path) -> Iterator[Path]:
    level = [start]
    seen = 0
    for depth in range(MAX_DEPTH + 1):
        below: list[Path] = []
        for directory in level:
            seen += 1
            if seen > MAX_DIRS:
                return
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if entry.name not in SKIP_DIRS and not is_venv(entry.path):
                        below.append(Path(entry.path))
                elif depth > 0 and entry.name == CONFIG_NAME:
                    yield Path(entry.path)
        level = below


def model_name_for(directory: Path) -> str:
    """The default model name of a new project: its directory's name."""
    name = Path(os.path.abspath(directory)).name
    return name or "model"
