"""Confirm "Create it for me": exactly what will be created in AWS, call by call."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.ui.tui.views.base import ActionBar


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
