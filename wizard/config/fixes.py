"""Apply the rulebook's certain edits (`wizard.model.findings.Edit`) to config.yaml, byte-
faithfully: what `doctor --fix` writes, through the same splicer `setup` writes with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wizard.config.document import ConfigDocument, ConfigError
from wizard.config.splice import DELETE, MapPatch, apply_patch, render_scalar
from wizard.model.findings import Edit


def apply_edits(doc: ConfigDocument, edits: Sequence[Edit]) -> str:
    """The document's text with `edits` applied: renames first (a splice of the key
    scalar alone, keeping its value and comment), then one MapPatch for the rest."""
    text = doc.text
    renamed: dict[str, str] = {}
    renames = [e for e in edits if e.kind == "rename-secret"]
    if renames:
        secrets = doc.node_at("secrets")
        spans: list[tuple[int, int, str]] = []
        for e in renames:
            entry = secrets.get(e.key[1]) if secrets is not None else None
            if entry is None:
                raise ConfigError(doc.path, f"cannot find secret {e.key[1]!r} to rename it")
            key = entry[0]
            style = key.style if key.style in ("'", '"') else None
            if style is None and secrets is not None and secrets.flow:
                style = '"'  # `:` and `/` are safest quoted inside {...}
            spans.append((key.start, key.end, render_scalar(e.value, style)))
            renamed[e.key[1]] = e.value
        for start, end, new in sorted(spans, reverse=True):
            text = text[:start] + new + text[end:]
        doc = doc.with_text(text)
    auth: dict[str, Any] = {}
    secrets_set: dict[str, Any] = {}
    touch_secrets = False
    for e in edits:
        if e.kind in ("set-registry", "set-region"):
            auth[e.key[-1]] = e.value
        elif e.kind == "remove-field":
            auth[e.key[-1]] = DELETE
        elif e.kind in ("declare-secret", "null-secret"):
            name = renamed.get(e.key[1], e.key[1])
            secrets_set[name] = None
            touch_secrets = True
        elif e.kind == "empty-secrets":
            touch_secrets = True
    top: dict[str, Any] = {}
    if auth:
        top["base_image"] = MapPatch(set={"docker_auth": MapPatch(set=auth)})
    if touch_secrets:
        top["secrets"] = MapPatch(set=secrets_set)
    if not top:
        return text
    return apply_patch(doc, MapPatch(set=top))
