"""The ONE finisher, for every front end: provision what the user confirmed, write the
reviewed plan (exactly the bytes of the diff they approved; a file changed since the
review is refused, never planned again), then store the registry secret if asked.
It never prints: it returns an `Outcome` that each front end renders."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wizard.config.document import ConfigError
from wizard.config.plan import SetupError, SetupPlan
from wizard.flow.steps import next_steps
from wizard.model.record import field, record

if TYPE_CHECKING:
    from wizard.flow.state import Flow
    from wizard.guide.provision import ProvisionPlan


@record
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
    secret_values: dict[str, str] = field(default_factory=dict)  # name -> how to build it
    check: str = ""  # the live check's verdict, "" when none ran
    check_ok: bool | None = None  # None: no live check ran
    open: list[str] = field(default_factory=list)  # still to do before `truss push` works


class FinishError(Exception):
    """The write (or what comes with it) failed; `done` lists what happened before."""

    def __init__(self, message: str, done: list[str] | None = None) -> None:
        super().__init__(message)
        self.message, self.done = message, list(done or [])


@record
class Review:
    """What the Review step shows: the plan, its redacted diff and warnings."""

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
    except ConfigError as e:  # "config.yaml: is read-only; ...": the file named
        raise FinishError(str(e)) from None
    except SetupError as e:
        raise FinishError(e.message) from None
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
    )
    if flow.value("store-secret") == "yes":
        result = flow.store_secret(plan)
        if result.name is not None:
            outcome.stored.append(result.name)
        else:
            outcome.store_note = result.problem
            outcome.store_failed = bool(result.failed)
    _what_is_open(flow, plan, outcome, cloud_done=provision is not None)
    return outcome


def _what_is_open(flow: Flow, plan: SetupPlan, outcome: Outcome, *, cloud_done: bool) -> None:
    """The live check's verdict, the next steps, and what is still open before a
    `truss push` can pull the image: Done and the summary say it, and show the push
    only when nothing is."""
    method = plan.method
    result = flow.check_result
    if result is not None:
        outcome.check_ok = bool(result.ok)
        outcome.check = (
            f"passed: {result.image} can be pulled"
            if result.ok
            else f"failed: {result.verdict.title}: {result.detail}"
        )
    elif flow.check_error:
        outcome.check_ok, outcome.check = False, f"could not run: {flow.check_error}"
    outcome.secret_values = {name: plan.secret_value(name) for name in outcome.secrets}
    outcome.next_steps = next_steps(
        plan,
        username=flow.value("username") or None,
        stored=outcome.stored,
        cloud_done=cloud_done,
        check_ok=bool(outcome.check_ok),
    )
    if method.anonymous:
        return
    for name in outcome.secrets:
        if name not in outcome.stored:
            outcome.open.append(
                f"Create the Baseten secret {name} (Settings → Secrets): {plan.secret_value(name)}"
            )
    if method.keyless and not cloud_done:
        outcome.open.append(
            f"Set up the cloud side: `registry-wizard guide --image {plan.image} "
            f"--method {method.id}`, then `registry-wizard check`"
        )
    if outcome.check_ok is False:
        outcome.open.append(f"The live check {outcome.check}: mend the credential")


def _diff(plan: SetupPlan) -> str:
    from wizard.config.diff import config_diff

    return config_diff(plan.edit.doc, plan.edit.new_text, plan.doc.path.name, plan.edit.after)
