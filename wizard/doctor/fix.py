"""The certain fixes: which finding gets which edit, and applying them byte-faithfully."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wizard.doctor.report import Diagnosis, DoctorReport, FileReport, FixAction
from wizard.model import rules
from wizard.model.auth import registry_secret_name
from wizard.model.image import ImageRef, ImageRefError, detect_registry, parse_image
from wizard.model.rules import Finding, Severity

if TYPE_CHECKING:
    from wizard.config.document import ConfigDocument


FIX_KINDS = (
    "set-registry",
    "set-region",
    "remove-field",
    "declare-secret",
    "empty-secrets",
    "rename-secret",
)
_AUTH = ("base_image", "docker_auth")


def _ref_of(data: Mapping[str, Any]) -> ImageRef | None:
    base = data.get("base_image")
    image = base.get("image") if isinstance(base, Mapping) else None
    if not isinstance(image, str):
        return None
    try:
        return parse_image(image.strip())
    except ImageRefError:
        return None


def plan_action(f: Finding, data: Mapping[str, Any]) -> FixAction | None:
    """The edit that fixes `f`, when it is certain; None otherwise."""
    secrets = data.get("secrets")
    secrets_ok = secrets is None or isinstance(secrets, Mapping)
    if f.rule in ("registry-missing", "registry-mismatch"):
        ref = _ref_of(data)
        return FixAction("set-registry", (*_AUTH, "registry"), ref.registry) if ref else None
    if f.rule == "ecr-region-mismatch":
        ref = _ref_of(data)
        region = detect_registry(ref).region if ref else None
        return FixAction("set-region", f.path, region) if region else None
    if f.rule == "forbidden-field" and len(f.path) == 3:
        return FixAction("remove-field", f.path, remove=True)
    if f.rule == "secrets-null":
        return FixAction("empty-secrets", ("secrets",))
    if f.rule == "secret-undeclared" and secrets_ok:
        name = _undeclared_name(f, data)
        return FixAction("declare-secret", ("secrets", name)) if name else None
    if f.rule == "registry-secret-name" and isinstance(secrets, Mapping):
        ref = _ref_of(data)
        old = f.path[-1]
        if ref is None or not _same_host(old, ref):
            return None  # another account or region: a different registry, not a misspelling
        want = registry_secret_name(ref)
        if want in secrets:
            return None
        return FixAction("rename-secret", ("secrets", old), want)
    return None


def _undeclared_name(f: Finding, data: Mapping[str, Any]) -> str | None:
    """The secret a secret-undeclared finding is about (its message names the field)."""
    m = re.search(r"\((\w+)\) is not declared", f.message)
    auth = data["base_image"].get("docker_auth")
    method = rules.auth_method_of(data)
    if m is None or not isinstance(auth, Mapping) or method is None:
        return None
    return next((n for k, n in rules.auth_secret_names(auth, method) if k == m[1] and n), None)


_HUB_HOSTS = {"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"}


def _same_host(secret: str, ref: ImageRef) -> bool:
    """The misnamed secret spells the image's own registry (a scheme, a path, Hub's aliases)."""
    host = secret.removeprefix("DOCKER_REGISTRY_").strip().lower()
    for prefix in ("https://", "http://"):
        host = host.removeprefix(prefix)
    host = host.split("/", 1)[0]
    if ref.is_docker_hub:
        return host in _HUB_HOSTS
    return host == ref.registry.lower()


@dataclass
class FilePlan:
    report: FileReport
    doc: ConfigDocument
    new_text: str
    fixed: list[Diagnosis]

    @property
    def diff(self) -> str:
        from wizard.config.diff import unified_diff

        return unified_diff(self.doc.text, self.new_text, str(self.report.path))


def plan_fixes(report: DoctorReport) -> tuple[list[FilePlan], list[str]]:
    """The edits for every file with certain fixes, and why any file was left alone."""
    from wizard.config.document import ConfigError, read_config

    plans: list[FilePlan] = []
    notes: list[str] = []
    for fr in report.files:
        todo = [d for d in fr.findings if d.action is not None]
        if not todo:
            continue
        if not fr.parsed:
            continue
        try:
            doc = read_config(fr.path, missing_ok=False)
            new_text = apply_actions(doc, [d.action for d in todo if d.action])
        except ConfigError as e:
            notes.append(f"{fr.path}: not fixed: {e.message}")
            continue
        problem = _verify(doc, new_text)
        if problem:
            notes.append(f"{fr.path}: not fixed: {problem}")
            continue
        if new_text != doc.text:
            plans.append(FilePlan(fr, doc, new_text, todo))
    return plans, notes


def apply_actions(doc: ConfigDocument, actions: Sequence[FixAction]) -> str:
    """The document's text with `actions` applied: renames first (a splice of the key
    scalar alone, keeping its value and comment), then one MapPatch for the rest."""
    from wizard.config.document import ConfigError
    from wizard.config.splice import DELETE, MapPatch, apply_patch, render_scalar

    text = doc.text
    renames = [a for a in actions if a.kind == "rename-secret"]
    if renames:
        secrets = doc.node_at("secrets")
        edits: list[tuple[int, int, str]] = []
        for a in renames:
            entry = secrets.get(a.key[1]) if secrets is not None else None
            if entry is None:
                raise ConfigError(doc.path, f"cannot find secret {a.key[1]!r} to rename it")
            key = entry[0]
            style = key.style if key.style in ("'", '"') else None
            if style is None and secrets is not None and secrets.flow:
                style = '"'  # `:` and `/` are safest quoted inside {...}
            edits.append((key.start, key.end, render_scalar(a.value, style)))
        for start, end, new in sorted(edits, reverse=True):
            text = text[:start] + new + text[end:]
        doc = doc.with_text(text)
    auth: dict[str, Any] = {}
    secrets_set: dict[str, Any] = {}
    touch_secrets = False
    for a in actions:
        if a.kind in ("set-registry", "set-region"):
            auth[a.key[-1]] = a.value
        elif a.kind == "remove-field":
            auth[a.key[-1]] = DELETE
        elif a.kind == "declare-secret":
            secrets_set[a.key[1]] = None
            touch_secrets = True
        elif a.kind == "empty-secrets":
            touch_secrets = True
    top: dict[str, Any] = {}
    if auth:
        top["base_image"] = MapPatch(set={"docker_auth": MapPatch(set=auth)})
    if touch_secrets:
        top["secrets"] = MapPatch(set=secrets_set)
    if not top:
        return text
    return apply_patch(doc, MapPatch(set=top))


def _verify(doc: ConfigDocument, new_text: str) -> str | None:
    """Re-read the edited text: a fix that breaks the file, or adds an error, is refused."""
    import yaml

    from wizard.config.document import ConfigError, parse_text
    from wizard.doctor.diagnosis import _load  # here: diagnose imports this module

    try:
        parse_text(doc.path, new_text)
        _, after = _load(new_text)
        _, before = _load(doc.text)
    except (ConfigError, yaml.YAMLError) as e:
        return f"internal error: the edited file would not parse ({e}); nothing was written"
    old = {(f.rule, f.path) for f in rules.check(before) if f.severity is Severity.ERROR}
    new = [f for f in rules.check(after) if f.severity is Severity.ERROR]
    added = [f for f in new if (f.rule, f.path) not in old]
    if added:
        return f"internal error: the fix would add {added[0].rule} ({added[0].message})"
    return None
