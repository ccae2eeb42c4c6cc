"""The services the TUI calls, as the plain front end and the CLI call them, returning
data instead of printing it (a full-screen app owns the terminal).

Nothing here imports textual: every function can be tested, and timed, on its own.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.config.plan import SetupPlan, current_method
from wizard.flow import Flow
from wizard.flow import finish as finish_mod
from wizard.model.record import field, record
from wizard.model.secret import Secret

if TYPE_CHECKING:
    from wizard.guide.provision import ProvisionPlan
    from wizard.guide.service import GuideContext
    from wizard.model.facts import SetupItem
    from wizard.model.findings import Finding
    from wizard.verify.dockerconfig import DockerCredential
    from wizard.verify.verdict import CheckResult, Progress


def guide_context(flow: Flow, plan: SetupPlan | None = None) -> GuideContext:
    """The guide's context for the flow's answers, as `plain.finish` builds it."""
    return flow.guide_context(plan)


def has_baseten_login() -> bool:
    """Could `Flow.facts()` ask Baseten's API (and so take a while)?"""
    from wizard.verify.baseten import find_login

    return find_login() is not None


def is_keyless(flow: Flow) -> bool:
    return flow.method is not None and flow.method.keyless


def method_label(flow: Flow) -> str:
    """The method's name without the badge the catalog spells into it."""
    method = flow.method
    return method.label.split(" (")[0] if method is not None else ""


def cloud_name(flow: Flow) -> str:
    reg = flow.registry
    return (reg.cloud if reg is not None else None) or "AWS"


def cloud_items(flow: Flow) -> list[SetupItem]:
    """`registry-wizard check` on a keyless config: the cloud side, item by item."""
    from wizard.guide import service

    return service.cloud_check(guide_context(flow), profile=flow.aws_profile)


class MissingFacts(Exception):
    """ "Create it for me" needs Baseten facts nobody gave: `message`, and `fix` (where
    to give them), as the cloud view shows any planning error."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


def missing_facts(flow: Flow) -> MissingFacts | None:
    """The Baseten facts the method's trust policy needs and nobody gave (None: none)."""
    from wizard.model.facts import FACTS

    method = flow.method
    if method is None or not method.provisionable:
        return None
    facts = flow.facts().with_answers(flow.guide_answers())
    missing = facts.missing(method.facts)
    if not missing:
        return None
    labels = " and ".join(FACTS[f].label for f in missing)
    flags = " ".join(f"--{f}" for f in missing)
    how = "; ".join(FACTS[f].help for f in missing)
    return MissingFacts(
        f"the role's trust policy needs your {labels}",
        f"go Back to Cloud setup · Baseten facts and type them ({how}), or set "
        f"BASETEN_API_KEY (or ~/.trussrc) so the wizard reads them, or pass {flags}",
    )


def plan_provision(flow: Flow) -> ProvisionPlan:
    """What "Create it for me" would create, read from the AWS account now."""
    from wizard.guide import service

    if (missing := missing_facts(flow)) is not None:
        raise missing
    return service.provision_plan(guide_context(flow), profile=flow.aws_profile)  # type: ignore[return-value]


def docker_credential(flow: Flow) -> DockerCredential | None:
    """What `docker login` stored for the image's registry (None: nothing usable)."""
    from wizard.verify.dockerconfig import find_credential

    ref = flow.ref
    if ref is None:
        return None
    found = find_credential(ref, timeout=5)
    if found is None or found.identity_token or not found.password:
        return None
    return found


def credential_findings(flow: Flow, username: str, token: Secret) -> list[Finding]:
    """The offline analysis `check` runs before any request, for inline validation."""
    from wizard.verify.analyze import analyze_credentials

    ref, info = flow.ref, flow.info
    if ref is None or info is None or not token:
        return []
    image = ref.original or str(ref)
    return analyze_credentials(username, token, info.kind, host=ref.registry, image=image)


def key_file_findings(path: str) -> list[Finding]:
    from wizard.config.document import ConfigError
    from wizard.config.files import read_regular
    from wizard.verify.analyze import analyze_service_account_json
    from wizard.verify.sources import KEY_FILE_LIMIT, SourceError, key_path

    try:
        p = key_path(Path(path))
    except SourceError:  # the form's check says why
        return []
    if not path.strip() or not p.is_file():
        return []
    try:
        return analyze_service_account_json(
            Secret(read_regular(p, limit=KEY_FILE_LIMIT).decode("utf-8"))
        )
    except (ConfigError, UnicodeDecodeError):
        return []


def run_check(flow: Flow, progress: Progress | None = None) -> CheckResult | None:
    """The flow's live check, on a copy: a check abandoned by Back can never leave its
    result behind for the credentials the user types next."""
    probe = copy.copy(flow)
    probe.check_result = None
    return probe.run_check(progress)


# -- the current setup ----------------------------------------------------------------------


@record
class CurrentSetup:
    """What config.yaml holds now, as the current-setup screen shows it."""

    image: str | None
    registry: str | None  # the registry's label
    method: str | None  # the catalog method's label, or the file's auth_method as written
    values: list[tuple[int | None, str, str]]  # (line, key, value) of docker_auth
    # (line, name, value as shown): `null`, or a marker for a real value in the file
    secrets: list[tuple[int | None, str, str]]
    findings: list[Finding]  # the rulebook's, placed on their lines
    # Not a Truss project (`Flow.project_problem`): why, the Truss configs found below
    # (as shown: relative to the working directory), and whether one can be created.
    problem: str | None = None
    candidates: list[Path] = field(default_factory=list)
    can_create: bool = False
    model_name: str = ""  # the default name of a project created here


def not_a_project(flow: Flow) -> CurrentSetup | None:
    """The first screen's content when config.yaml is no Truss project's (else None)."""
    problem = flow.project_problem
    if problem is None:
        return None
    return CurrentSetup(
        image=None,
        registry=None,
        method=None,
        values=[],
        secrets=[],
        findings=[],
        problem=problem,
        candidates=[_shown_path(p) for p in flow.truss_configs_below()],
        can_create=flow.can_create_project,
        model_name=flow.default_model_name(),
    )


def _shown_path(path: Path) -> Path:
    rel = os.path.relpath(path)
    return Path(rel) if not rel.startswith("..") else path


def current_setup(flow: Flow) -> CurrentSetup | None:
    """The auth config.yaml already has, with the static rules' findings; None when it
    has none. Not a Truss project: what the first screen says instead (`problem`)."""
    if (project := not_a_project(flow)) is not None:
        return project
    from wizard.model import rules

    doc = flow.doc
    if doc is None or doc.root is None:
        return None
    from wizard.model import catalog
    from wizard.model.image import ImageRefError, detect_registry, parse_image

    base = doc.section("base_image")
    auth = base.get("docker_auth") if isinstance(base, dict) else None
    image = flow.file_image  # the file's, not --image's
    try:
        ref = parse_image(image) if image else None
    except ImageRefError:
        ref = None
    reg = catalog.registry(detect_registry(ref).kind.value) if ref is not None else None
    method = current_method(doc, reg, ref) if reg is not None and ref is not None else None
    if method is None and auth is None:
        return None
    values = (
        [
            (doc.line_of("base_image", "docker_auth", str(k)), str(k), str(v))
            for k, v in auth.items()
        ]
        if isinstance(auth, dict)
        else []
    )
    secrets = doc.section("secrets")
    names = list(secrets) if isinstance(secrets, dict) else []
    findings = [f.at(doc.line_of(*f.path)) for f in rules.check(doc.root.to_python() or {})]
    shown_method = method.label if method is not None else None
    if shown_method is None and isinstance(auth, dict):
        shown_method = str(auth.get("auth_method") or "docker_auth without auth_method")
    return CurrentSetup(
        image=image,
        registry=reg.label if reg is not None else None,
        method=shown_method,
        values=values,
        secrets=[
            (doc.line_of("secrets", str(n)), str(n), _shown_secret(secrets[n])) for n in names
        ],
        findings=findings,
    )


def _shown_secret(value: object) -> str:
    """A secret's value in config.yaml as the current-setup screen shows it: never itself."""
    from wizard.model.redact import marker

    if value is None:
        return "null"
    return marker(value if isinstance(value, str) else str(value))


# -- finishing ------------------------------------------------------------------------------
# The one finisher and its types, as the TUI's views know them.

Outcome = finish_mod.Outcome
FinishError = finish_mod.FinishError
Review = finish_mod.Review
review = finish_mod.review
finish = finish_mod.finish


def describe_change(diff: str) -> list[str]:
    """The changed lines of a unified diff, without its headers and context."""
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
