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


def forms(value: str) -> set[str]:
    """`value` as a server might echo it back: as is, in base64 (standard or URL-safe,
    padded or not), in hex and percent-encoded."""
    import base64
    from urllib.parse import quote

    if not value:
        return set()
    raw = value.encode("utf-8", "surrogateescape")
    out = {value, raw.hex(), quote(value, safe="")}
    for enc in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        out |= {enc, enc.rstrip("=")}
    return {f for f in out if len(f) >= 4}
