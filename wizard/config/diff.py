"""Unified diff of config.yaml, as `git diff` would show it."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from wizard.model.redact import marker, redact

if TYPE_CHECKING:
    from wizard.config.document import ConfigDocument, Node


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
    (quoted, escaped, folded, a whole map), by a marker of its parsed length; and any other
    scalar in `base_image` or `secrets` (a key, a docker_auth field) that looks like a
    credential typed in the wrong place."""
    from wizard.model.rules import looks_like_credential

    text = doc.text
    spans: list[tuple[int, int, str]] = []

    def hide(node: Node, shown: str) -> None:
        end = node.end
        while end > node.start and text[end - 1] in "\r\n":
            end -= 1  # a block scalar's span ends with its newline: keep the line break
        spans.append((node.start, end, marker(shown or text[node.start : end])))

    def walk(node: Node) -> None:
        if node.kind == "scalar":
            if node.value and looks_like_credential(node.value, strong=True):
                hide(node, node.value)
            return
        for k, v in node.items:
            walk(k)
            walk(v)
        for c in node.children:
            walk(c)

    secrets_node = doc.node_at("secrets")
    if secrets_node is not None and secrets_node.kind == "map":
        secrets = doc.section("secrets")
        parsed = secrets if isinstance(secrets, dict) else {}
        for key, value in secrets_node.items:
            walk(key)
            if not value.is_null:
                hide(value, str(parsed.get(key.value, "")) if key.value is not None else "")
    base = doc.node_at("base_image")
    if base is not None:
        walk(base)
    for start, end, new in sorted(set(spans), reverse=True):
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
