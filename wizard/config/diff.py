"""Unified diff of config.yaml, as `git diff` would show it."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from wizard.model.redact import marker, redact

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


def _hide_secret_values(doc: ConfigDocument) -> str:
    """The document's text with each non-null value under `secrets:` replaced, as written
    (quoted, escaped, folded, a whole map), by a marker of its parsed length."""
    node = doc.node_at("secrets")
    if node is None or node.kind != "map":
        return doc.text
    text = doc.text
    secrets = doc.section("secrets")
    parsed = secrets if isinstance(secrets, dict) else {}
    spans = []
    for key, value in node.items:
        if value.is_null:
            continue
        shown = str(parsed.get(key.value, "")) if key.value is not None else ""
        end = value.end
        while end > value.start and text[end - 1] in "\r\n":
            end -= 1  # a block scalar's span ends with its newline: keep the line break
        spans.append((value.start, end, marker(shown or text[value.start : end])))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def config_diff(
    doc: ConfigDocument, new_text: str, name: str, after: ConfigDocument | None = None
) -> str:
    """The diff a user reviews: every secret value, in the file as it is and as it will
    be, is shown as a marker; the diff still shows *that* the line changes. `after`: the
    edited text already parsed."""
    if after is None or after.text != new_text:
        try:
            after = doc.with_text(new_text)
        except Exception:  # the editor's result did not parse: plan_setup refuses it anyway
            after = None
    old = _hide_secret_values(doc)
    new = _hide_secret_values(after) if after is not None else new_text
    values = secret_values(doc) + (secret_values(after) if after is not None else [])
    return redact(unified_diff(old, new, name), values)
