"""`setup` as a front-end-neutral service: resolve the answers against the
catalog and the current config, and plan the edit. The CLI, the flow and the
TUI all call `plan_setup`; none of them decides what goes into config.yaml."""

from __future__ import annotations

from pathlib import Path

from wizard.config.document import ConfigDocument, ConfigError, read_config
from wizard.config.edit import ConfigEdit, plan_edit
from wizard.model import catalog, rules, truss
from wizard.model.auth import AuthTarget, build_target
from wizard.model.catalog import MethodSpec, RegistrySpec
from wizard.model.exits import EXIT_INVALID, EXIT_USAGE
from wizard.model.image import ImageRef, ImageRefError, RegistryInfo, detect_registry, parse_image
from wizard.model.record import field, record


class SetupError(Exception):
    def __init__(
        self,
        message: str,
        exit_code: int = EXIT_INVALID,
        *,
        missing: bool = False,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        # An answer is missing (not wrong): an interactive front end can ask for it.
        self.missing = missing
        # The rulebook's code for a refused value: `doctor` reports it on the file's line.
        self.rule = rule


@record
class SetupRequest:
    """What a setup is asked to do: the config, the registry, method and image, the answers."""

    config: Path
    registry: str | None = None
    method: str | None = None
    image: str | None = None
    values: dict[str, str] = field(default_factory=dict)  # field id -> raw value
    # config.yaml as the caller already read it (setup with flags reads it once).
    doc: ConfigDocument | None = None


@record
class SetupPlan:
    """A setup worked out and checked, ready to show as a diff and to write."""

    doc: ConfigDocument
    registry: RegistrySpec
    method: MethodSpec
    image: str
    ref: ImageRef
    info: RegistryInfo
    values: dict[str, str]
    target: AuthTarget
    edit: ConfigEdit
    warnings: list[str]

    @property
    def secrets_to_create(self) -> list[str]:
        return list(self.target.secrets)

    def secret_value(self, name: str) -> str:
        """What the Baseten secret `name` must hold: the field that names it says, where a
        method has one secret per value (IAM keys: the key ID in one, the secret key in the
        other), else the method."""
        for f in self.method.fields:
            if f.declares_secret and f.holds and self.values.get(f.id) == name:
                return f.holds
        return self.method.secret_value


def current_method(doc: ConfigDocument, reg: RegistrySpec, ref: ImageRef) -> MethodSpec | None:
    """The method config.yaml already uses for this registry, if any. A DOCKER_REGISTRY_
    secret for the image's registry means the token method, even when misnamed (the
    rulebook's `registry-secret-name` says how to name it)."""
    auth = doc.node_at("base_image", "docker_auth")
    if auth is not None and auth.kind == "map":
        method = truss.normalize_auth_method(auth.to_python().get("auth_method"))
        return reg.method_for(method) if method else None
    secrets = doc.section("secrets")
    if isinstance(secrets, dict) and rules.registry_secrets_for(ref, secrets):
        return reg.method_for(None)
    return None


def current_values(doc: ConfigDocument, method: MethodSpec) -> dict[str, str]:
    """The method's values config.yaml already holds, by field id (empty when the file's
    docker_auth is for another method)."""
    base = doc.section("base_image")
    auth = base.get("docker_auth") if isinstance(base, dict) else None
    if not isinstance(auth, dict) or method.auth_method is None:
        return {}
    if truss.normalize_auth_method(auth.get("auth_method")) is not method.auth_method:
        return {}
    return {f.id: str(auth[f.key]) for f in method.fields if auth.get(f.key) not in (None, "")}


def _file_values(doc: ConfigDocument, method: MethodSpec) -> dict[str, object]:
    """`current_values` as YAML typed them (a `true` is not the name "True")."""
    base = doc.section("base_image")
    auth = base.get("docker_auth") if isinstance(base, dict) else None
    if not current_values(doc, method) or not isinstance(auth, dict):
        return {}
    return {f.id: auth[f.key] for f in method.fields if auth.get(f.key) not in (None, "")}


def _where(doc: ConfigDocument, *path: str) -> str:
    line = doc.line_of(*path)
    return f"{doc.path}:{line}" if line else str(doc.path)


def resolve_image(req: SetupRequest, doc: ConfigDocument) -> tuple[str, ImageRef]:
    if req.image is not None:
        image = req.image.strip()
        try:
            return image, parse_image(image)
        except ImageRefError as e:
            raise SetupError(f"--image: {e}") from None
    current = doc.section("base_image")
    image = current.get("image") if isinstance(current, dict) else None
    if not isinstance(image, str) or not image.strip():
        raise SetupError(
            f"{doc.path} has no base_image.image: pass --image, e.g. --image ghcr.io/acme/app:1.0",
            EXIT_USAGE,
            missing=True,
        )
    try:
        return image, parse_image(image.strip())
    except ImageRefError as e:
        raise SetupError(
            f"{_where(doc, 'base_image', 'image')}: base_image.image: {e}; fix it or pass --image"
        ) from None


def resolve_registry(req: SetupRequest, info: RegistryInfo, ref: ImageRef) -> RegistrySpec:
    detected = catalog.registry(info.kind.value)
    if req.registry and req.registry != detected.id:
        raise SetupError(
            f"--registry {req.registry} contradicts the image: {ref.registry} is "
            f"{detected.label} ({detected.id}). Pass --registry {detected.id} or leave it out"
        )
    return detected


def resolve_method(
    req: SetupRequest, doc: ConfigDocument, reg: RegistrySpec, ref: ImageRef
) -> MethodSpec:
    choices = ", ".join(m.id for m in reg.methods)
    if req.method:
        method = reg.method(req.method)
        if method is None:
            raise SetupError(
                f"--method {req.method} does not work with {reg.label}; choose one of: {choices}"
            )
        return method
    if len(reg.methods) == 1:
        return reg.methods[0]
    current = current_method(doc, reg, ref)
    if current is not None:
        return current
    raise SetupError(
        f"choose how Baseten authenticates to {reg.label}: --method "
        + " | ".join(
            f"{m.id}" + (" (recommended)" if i == 0 else "") for i, m in enumerate(reg.methods)
        ),
        EXIT_USAGE,
        missing=True,
    )


def resolve_values(
    req: SetupRequest, doc: ConfigDocument, method: MethodSpec, ref: ImageRef, info: RegistryInfo
) -> dict[str, str]:
    field_ids = {f.id for f in method.fields}
    stray = sorted(k for k in req.values if k not in field_ids)
    if stray:
        flags = ", ".join(f"--{k}" for k in stray)
        takes = ", ".join(f.flag for f in method.fields) or "no method flags"
        raise SetupError(
            f"{flags} does not apply to --method {method.id} (it takes {takes})", EXIT_USAGE
        )
    current_of = _file_values(doc, method)
    values: dict[str, str] = {}
    missing: list[str] = []
    for f in method.fields:
        raw = req.values.get(f.id)
        if raw is not None:
            problem = rules.check_field(f.id, raw)
            if problem is not None:
                raise SetupError(f"{f.flag}: {problem.message}", rule=problem.rule)
            values[f.id] = rules.normalize_field(f.id, raw)
            continue
        current = current_of.get(f.id)
        if f.from_image and f.default and f.default(ref, info):
            current = None
        if current is not None:
            problem = rules.check_field(f.id, current)
            if problem is not None:
                where = _where(doc, "base_image", "docker_auth", f.key)
                raise SetupError(
                    f"{where}: {f.key}: {problem.message}; fix it or pass {f.flag}",
                    rule=problem.rule,
                )
            values[f.id] = rules.normalize_field(f.id, current)
            continue
        default = f.default(ref, info) if f.default else None
        if default:
            values[f.id] = f.validate(default)
        else:
            missing.append(f"{f.flag} ({f.label}: {f.help})")
    if missing:
        raise SetupError(
            "missing values for --method " + method.id + ":\n  " + "\n  ".join(missing),
            EXIT_USAGE,
            missing=True,
        )
    return values


def cross_checks(method: MethodSpec, values: dict[str, str], info: RegistryInfo) -> list[str]:
    """The rulebook's checks across fields and the image. Errors raise; returns warnings."""
    warnings: list[str] = []
    region = values.get("region")
    problem = rules.region_finding(region, info) if region and info.region else None
    if problem is not None:
        raise SetupError(
            f"--region {region} does not match the repository's region {info.region} (from the "
            f"image host); ECR images are pulled in their own region: use --region {info.region}",
            rule=problem.rule,
        )
    arn = values.get("role-arn")
    problem = rules.role_account_finding(arn, info) if arn else None
    if problem is not None:
        warnings.append(problem.message)
    return warnings


def image_warnings(method: MethodSpec, ref: ImageRef) -> list[str]:
    """The rulebook's findings about the image itself (a registry Baseten cannot reach, an
    image anyone may pull), as doctor reports them."""
    return [
        f"{f.message} ({f.fix})"
        for f in rules.image_findings(ref, has_credential=not method.anonymous)
    ]


_SHAPES = ("base-image-not-mapping", "docker-auth-not-mapping", "secrets-not-mapping")


def refuse_unsafe(doc: ConfigDocument) -> None:
    """What the editor must not touch: a `base_image`, `docker_auth` or `secrets` that is
    not a mapping (the rulebook's rule, as doctor reports it), or one that shares YAML
    with another place (an anchor, an alias, a `<<` merge): a splice there would change
    the other place too, or land in the anchor's text."""
    data = doc.root.to_python() if doc.root is not None else {}
    for f in rules.check(data if isinstance(data, dict) else {}):
        if f.rule in _SHAPES:
            raise SetupError(
                f"{_where(doc, *f.path)}: {f.message}; {f.fix}, then run again "
                "(nothing was changed)",
                EXIT_USAGE,
                rule=f.rule,
            )
    for key in ("base_image", "secrets"):
        entry = doc.top(key)
        shared = entry[1].shared() if entry is not None else None
        if shared is None:
            continue
        how = (
            "a `<<` merge key"
            if shared.tag.endswith(":merge")
            else f"the alias of &{shared.anchor}"
            if shared.alias and shared.anchor
            else "a YAML alias"
            if shared.alias
            else f"the anchor &{shared.anchor}"
        )
        raise SetupError(
            f"{doc.path}:{entry[0].start_line + 1}: {key} uses {how} (line "
            f"{shared.start_line + 1}); the wizard edits text line by line and cannot change "
            f"a value YAML shares with another place: write {key} out in full, then run again "
            "(nothing was changed)",
            EXIT_USAGE,
        )


def plan_setup(req: SetupRequest) -> SetupPlan:
    doc = req.doc if req.doc is not None else read_config(req.config)
    refuse_unsafe(doc)
    image, ref = resolve_image(req, doc)
    info = detect_registry(ref)
    reg = resolve_registry(req, info, ref)
    method = resolve_method(req, doc, reg, ref)
    values = resolve_values(req, doc, method, ref, info)
    warnings = cross_checks(method, values, info) + image_warnings(method, ref)
    target = build_target(reg, method, image, ref, values)
    edit = _with_renames(doc, target, ref)
    warnings.extend(_result_findings(doc, edit))
    if edit.unused_secrets:
        warnings.append(
            "no longer used, but kept under secrets: "
            + ", ".join(edit.unused_secrets)
            + " (remove them if nothing else needs them)"
        )
    if edit.scrubbed_secrets:
        warnings.append(
            "config.yaml held a real value for "
            + ", ".join(edit.scrubbed_secrets)
            + ": it is now null. Store the value in Baseten and rotate it: it was "
            "readable by anyone with the file"
        )
    return SetupPlan(doc, reg, method, image, ref, info, values, target, edit, warnings)


def _with_renames(doc: ConfigDocument, target: AuthTarget, ref: ImageRef) -> ConfigEdit:
    """The edit for `target`; a token setup first renames a misspelt DOCKER_REGISTRY_
    secret of the same registry (the rulebook's certain `registry-secret-name` edit, which
    `doctor --fix` applies to the same bytes) rather than declaring a second one."""
    secrets = doc.section("secrets")
    renames = []
    if target.docker_auth is None and isinstance(secrets, dict):
        renames = [
            f.edit
            for f in rules.check(
                {"base_image": {"image": ref.original or str(ref)}, "secrets": secrets}
            )
            if f.rule == "registry-secret-name" and f.edit is not None
        ][:1]  # one secret can take the name
    if not renames:
        return plan_edit(doc, target)
    from wizard.config.fixes import apply_edits

    edit = plan_edit(doc.with_text(apply_edits(doc, renames)), target)
    edit.doc = doc  # the diff and the write compare with the file as it is
    return edit


def _result_findings(doc: ConfigDocument, edit: ConfigEdit) -> list[str]:
    """Re-read what we would write: a problem left in it is told, never hidden."""
    try:
        edit.after = doc.with_text(edit.new_text)
    except ConfigError as e:  # a bug in the editor: refuse rather than write it
        raise SetupError(
            f"internal error: the edited config would not parse ({e.message}); nothing was written"
        ) from None
    root = edit.after.root
    data = root.to_python() if root is not None else {}
    return [
        f"{'.'.join(f.path)}: {f.message} ({f.fix})"
        for f in rules.check(data)
        if f.severity is rules.Severity.ERROR
    ]
