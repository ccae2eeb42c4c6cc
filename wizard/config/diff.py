"""Unified diff of config.yaml, as `git diff` would show it."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from wizard.model.redact import redact

if TYPE_CHECKING:
    from wizard.config.document import ConfigDocument


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    out = [ln.rstrip("\r\n") for ln in lines]
    if lines and not lines[-1].endswith("\n"):
        out[-1] += "\n\\ No newline at end of file"
    return out


def unified_diff(old: str, new: str, name: str, *, context: int = 3) -> str:
    if old == new:
        return ""
    diff = difflib.unified_diff(
        _lines(old),
        _lines(new),
        fromfile=f"a/{name}" if old else "/dev/null",
        tofile=f"b/{name}",
        lineterm="",
        n=context,
    )
    return "\n".join(diff) + "\n"


def secret_values(doc: ConfigDocument) -> list[str]:
    """The values config.yaml holds under `secrets:` (which should all be null)."""
    secrets = doc.section("secrets")
    if not isinstance(secrets, dict):
        return []
    return [str(v) for v in secrets.values() if v is not None and str(v).strip()]


def config_diff(doc: ConfigDocument, new_text: str, name: str) -> str:
    """The diff a user reviews: secret values the edit scrubs are shown as markers."""
    return redact(unified_diff(doc.text, new_text, name), secret_values(doc))
