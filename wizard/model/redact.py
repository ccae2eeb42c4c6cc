"""The one redactor: what would show a secret value shows a marker naming what was
hidden instead, in the style of Terraform's `(sensitive value)`. A diff still shows
*that* a line changes."""

from __future__ import annotations

from collections.abc import Iterable


def marker(value: str) -> str:
    return f"<secret value, {len(value)} chars>"


def redact(text: str, values: Iterable[str]) -> str:
    """`text` with every occurrence of each value replaced by its marker (longest first,
    so a value inside another is not half-replaced)."""
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        text = text.replace(value, marker(value))
    return text
