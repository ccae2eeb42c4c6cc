"""Confirm "Create it for me": exactly what will be created in AWS, call by call; and,
first, the Baseten facts it needs when nobody gave them."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from wizard.flow import Question
from wizard.model.facts import FACTS
from wizard.model.record import replace
from wizard.ui.tui.views.base import ActionBar
from wizard.ui.tui.widgets.field_input import FieldInput, focus_next_input


class ProvisionDialog(ModalScreen[bool]):
    """Dismissed with True when the user agrees. `plan` is a ProvisionPlan."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, plan: Any) -> None:
        super().__init__(id="provision-dialog")
        self.plan = plan

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(classes="dialog"):
            if plan.empty:
                yield Static(Content.from_markup("[b]Nothing to create[/]"), classes="dialog-title")
            else:
                yield Static(
                    Content.from_markup(
                        "[b]Create in AWS account $account?[/]", account=plan.account
                    ),
                    classes="dialog-title",
                )
            with VerticalScroll(classes="dialog-body"):
                rows: list[Content] = []
                if plan.empty:
                    rows.append(Content(f"The AWS side of {plan.role_arn} is in place already."))
                for n, step in enumerate(plan.steps, 1):
                    rows.append(Content.from_markup("[b]$n.[/] $d", n=n, d=step.description))
                    rows.append(Content.from_markup("   [$foreground-muted]$c[/]", c=step.api_call))
                for note in plan.notes:
                    rows.append(Content.from_markup("[$text-warning]Note:[/] $n", n=note))
                if not plan.empty:
                    rows.append(Content(""))
                    rows.append(
                        Content(
                            "Nothing is created yet: these calls run when you choose Write "
                            "on the Review step, just before config.yaml is written."
                        )
                    )
                yield Static(Content("\n").join(rows), classes="plan")
            with ActionBar(classes="actions"):
                if plan.empty:
                    yield Button("OK", id="cancel", variant="primary", compact=True)
                else:
                    yield Button("Create them", id="confirm", variant="warning", compact=True)
                    yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm" and not self.plan.empty)

    def action_cancel(self) -> None:
        self.dismiss(False)


class FactsDialog(ModalScreen[dict[str, str] | None]):
    """Asks "Create it for me" for the Baseten facts the role's trust policy names and
    nobody gave (the org ID and team ID for OIDC), each checked by its flow question's
    validator, as the facts page checks it. Dismissed with {question id: value}, or None."""

    DEFAULT_CSS = """
    FactsDialog {
        align: center middle;
        & > .dialog {
            width: 90%;
            max-width: 96;
            height: auto;
            max-height: 90%;
            border: thick $warning;
            background: $surface;
            padding: 1 2;
        }
        & .dialog-body {
            height: auto;
            max-height: 20;
        }
        & .actions {
            height: auto;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, questions: list[Question], *, blink: bool = True) -> None:
        super().__init__(id="provision-facts")
        # Required here: a trust policy with a placeholder is never created.
        self.questions = [replace(q, required=True, help=_required_help(q)) for q in questions]
        self._blink = blink

    def compose(self) -> ComposeResult:
        labels = " and ".join(q.prompt for q in self.questions)
        with Vertical(classes="dialog"):
            yield Static(
                Content.from_markup("[b]Create it for me needs your $l[/]", l=labels),
                classes="dialog-title",
            )
            with VerticalScroll(classes="dialog-body"):
                yield Static(
                    Content(
                        "The role's trust policy admits your organization's builds by these "
                        "IDs. Nothing is created yet: the plan is shown next."
                    ),
                    classes="plan",
                )
                for q in self.questions:
                    yield FieldInput(q, blink=self._blink)
            with ActionBar(classes="actions"):
                yield Button("Continue", id="confirm", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def values(self) -> dict[str, str] | None:
        """The typed values, or None after marking each field that is empty or invalid."""
        out: dict[str, str] = {}
        first_bad: FieldInput | None = None
        for field in self.query(FieldInput):
            q, value = field.question, field.value.strip()
            error = f"{q.prompt} is required" if not value else None
            if error is None and q.validate is not None:
                error = q.validate(value)
            field.set_error(error)
            if error is None:
                out[q.id] = value
            elif first_bad is None:
                first_bad = field
        if first_bad is not None:
            first_bad.input.focus()
            return None
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not focus_next_input(self, event.input):
            self._confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self._confirm()
        else:
            self.dismiss(None)

    def _confirm(self) -> None:
        values = self.values()
        if values is not None:
            self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _required_help(q: Question) -> str:
    """The fact's help without the facts page's "leave empty to keep a placeholder"."""
    spec = FACTS.get(q.id)
    return f"{spec.help[:1].upper()}{spec.help[1:]}." if spec is not None else q.help
