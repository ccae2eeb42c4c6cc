"""The ONE finisher, for every front end: provision what the user confirmed, write the
reviewed plan (exactly the bytes of the diff they approved; a file changed since the
review is refused, never planned again), then store the registry secret if asked.
It never prints: it returns an `Outcome` that each front end renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.config.document import ConfigError
from wizard.config.plan import SetupError, SetupPlan
from wizard.flow.steps import next_steps

if TYPE_CHECKING:
    from wizard.flow.state import Flow
    from wizard.guide.provision import ProvisionPlan


@dataclass
class Outcome:
    """What happened when the user said yes: for the summary."""

    path: Path
    written: bool
    created_file: bool
    registry: str
    method: str
    diff: str
    warnings: list[str]
    secrets: list[str]  # the Baseten secrets the setup uses
    stored: list[str] = field(default_factory=list)  # stored in Baseten just now
    store_note: str = ""  # why a requested store did not happen
    store_failed: bool = False  # the store was tried and Baseten refused it
    created: list[str] = field(default_factory=list)  # created in AWS
    next_steps: list[str] = field(default_factory=list)
    push_command: str = "truss push"


class FinishError(Exception):
    """The write (or what comes with it) failed; `done` lists what happened before."""

    def __init__(self, message: str, done: list[str] | None = None) -> None:
        super().__init__(message)
        self.message, self.done = message, list(done or [])


@dataclass
class Review:
    plan: SetupPlan
    diff: str
    warnings: list[str]


def review(flow: Flow) -> Review:
    """The plan the answers make, its (redacted) diff and warnings; the flow keeps the
    plan as the one `finish` may write."""
    plan, diff, warnings = flow.review_plan()
    return Review(plan, diff, warnings)


def finish(
    flow: Flow, provision: ProvisionPlan | None = None, plan: SetupPlan | None = None
) -> Outcome:
    """Act on the reviewed plan (`plan`, else the flow's last review): create what the
    confirmed provisioning plan lists, write config.yaml, store the secret if asked."""
    from wizard.config.writer import check_writable, write_config

    diff = flow.reviewed_diff if plan is None or plan is flow.reviewed else None
    plan = plan or flow.reviewed
    if plan is None:
        raise FinishError("nothing was reviewed: review the change before writing it")
    edit = plan.edit
    try:
        if edit.changed:
            check_writable(plan.doc)
    except (SetupError, ConfigError) as e:
        raise FinishError(getattr(e, "message", str(e))) from None
    created: list[str] = []
    if provision is not None and not provision.empty:
        from wizard.guide.provision import ProvisionError, apply_provision

        try:
            created = apply_provision(provision)
        except ProvisionError as e:
            message = f"{e.message} ({e.fix})" if e.fix else e.message
            raise FinishError(f"{message}; {plan.doc.path} was not written", e.done) from None
    if edit.changed:
        try:
            write_config(plan.doc, edit.new_text)
        except ConfigError as e:
            raise FinishError(str(e), created) from None
    outcome = Outcome(
        path=plan.doc.path,
        written=edit.changed,
        created_file=edit.changed and not plan.doc.exists,
        registry=plan.registry.label,
        method=plan.method.label,
        diff=diff if diff is not None else _diff(plan),
        warnings=list(plan.warnings),
        secrets=plan.secrets_to_create,
        created=created,
        next_steps=next_steps(plan),
    )
    if flow.value("store-secret") == "yes":
        result = flow.store_secret(plan)
        if result.name is not None:
            outcome.stored.append(result.name)
        else:
            outcome.store_note = result.problem
            outcome.store_failed = bool(result.failed)
    return outcome


def _diff(plan: SetupPlan) -> str:
    from wizard.config.diff import config_diff

    return config_diff(plan.edit.doc, plan.edit.new_text, plan.doc.path.name, plan.edit.after)
