"""Unified diff of config.yaml, as `git diff` would show it."""

from __future__ import annotations

import difflib


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
