"""The cloud-side setup: the guide as markdown with copyable blocks, "Check my AWS/GCP
setup" for keyless methods, and "Create it for me" where the wizard can provision."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from wizard.flow import Flow, Question
from wizard.ui.tui import services
from wizard.ui.tui.navigation import Page
from wizard.ui.tui.screens.provision_dialog import FactsDialog, ProvisionDialog
from wizard.ui.tui.views.base import StepView
from wizard.ui.tui.widgets.guide_view import GuideView
from wizard.ui.tui.widgets.notes import Note, NoteList


class CloudView(StepView):
    # The guide is what this step is for: its keys scroll it from the first moment,
    # wherever the focus is (an Input keeps its own keys).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_guide('scroll_up')", "Scroll the guide", show=False),
        Binding("down", "scroll_guide('scroll_down')", "Scroll the guide", show=False),
        Binding("pageup", "scroll_guide('scroll_page_up')", "Page up", show=False),
        Binding("pagedown", "scroll_guide('scroll_page_down')", "Page down", show=False),
        Binding("home", "scroll_guide('scroll_home')", "Top of the guide", show=False),
        Binding("end", "scroll_guide('scroll_end')", "End of the guide", show=False),
    ]

    def __init__(self, page: Page, flow: Flow) -> None:
        reg = flow.registry
        super().__init__(
            page,
            flow,
            title="Cloud setup",
            subtitle=f"{reg.label if reg else ''}: {services.method_label(flow)}",
        )
        guide = page.question("guide")
        self.markdown = guide.help_text() if guide is not None else ""
        self.can_provision = page.question("provision") is not None
        self.keyless = services.is_keyless(flow)
        self.cloud = services.cloud_name(flow)

    def compose_body(self) -> Iterable[Widget]:
        yield NoteList(classes="cloud-results -empty", id="cloud-results")
        yield Static("", id="provision-note", classes="banner")
        yield GuideView(self.markdown, id="guide")

    def compose_actions(self) -> Iterable[Widget]:
        yield Button("Continue", id="continue", variant="primary", compact=True)
        if self.keyless:
            yield Button(f"Check my {self.cloud} setup", id="cloud-check", compact=True)
        if self.can_provision:
            yield Button("Create it for me", id="provision", compact=True)
        yield from self.back_button()

    def action_scroll_guide(self, how: str) -> None:
        if isinstance(self.app.focused, Input):
            return
        body = self.query_one(".view-body", VerticalScroll)
        getattr(body, how)(animate=False)

    def answers(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = [("guide", None)]
        if self.can_provision:
            out.append(("provision", self.wizard.provision_plan is not None))
        return out

    def on_mount(self) -> None:
        self._show_provision()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cloud-check":
            event.stop()
            self.check_cloud()
        elif event.button.id == "provision":
            event.stop()
            if self.wizard.provision_plan is not None:
                self.wizard.provision_plan = None
                self._show_provision()
            else:
                self.plan_provision()

    # -- check my setup ------------------------------------------------------------------

    def check_cloud(self) -> None:
        if not self.keyless:
            return
        results = self.query_one("#cloud-results", NoteList)
        results.show([Note("info", f"Checking your {self.cloud} setup as Baseten will meet it…")])
        self.query_one("#cloud-check", Button).disabled = True
        self._cloud_check()

    @work(thread=True, exclusive=True, group="cloud-check")
    def _cloud_check(self) -> None:
        try:
            notes = [
                Note(i.status.value, f"{i.id}: {i.message}", i.fix)
                for i in services.cloud_items(self.flow)
            ]
        except Exception as e:  # every failure is shown, none crashes the wizard
            notes = [Note("error", f"The check could not run: {_message(e)}")]
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_items, notes)

    def _show_items(self, notes: list[Note]) -> None:
        self.query_one("#cloud-results", NoteList).show(notes)
        self.query_one("#cloud-check", Button).disabled = False
        self.query_one(".view-body").scroll_home(animate=False)

    # -- create it for me ----------------------------------------------------------------

    def plan_provision(self) -> None:
        self.query_one("#provision", Button).disabled = True
        self._show_provision(f"Reading your {self.cloud} account…")
        self._plan()

    def _ask_facts(self) -> bool:
        """The Baseten facts the trust policy names and nobody gave (the org ID and team
        ID for OIDC) are asked for here, not on another page; then planning goes on.
        False when there is nothing to ask (the error is shown instead)."""
        needed = self._missing_facts()
        if not needed:
            return False
        self.app.push_screen(FactsDialog(needed, blink=self.wizard.cursor_blink), self._facts_given)
        return True

    def _missing_facts(self) -> list[Question]:
        """The flow's questions for the facts provisioning needs and nobody gave."""
        method = self.flow.method
        if method is None or not method.provisionable:
            return []
        facts = self.flow.facts().with_answers(self.flow.guide_answers())
        missing = facts.missing(method.facts)
        return [q for q in self.flow.questions() if q.id in missing]

    def _facts_given(self, values: dict[str, str] | None) -> None:
        if not values:
            return
        flow = self.flow
        # The facts page's answers, given again: the pages behind keep their entries in
        # the flow's history (Back undoes one page by as many entries as it answered).
        history = list(flow.history)
        try:
            for qid, value in values.items():
                if error := flow.answer(qid, value):
                    self.show_error(error)
                    return
        finally:
            flow.history[:] = history
        self.show_error("")
        self._refresh_guide()
        self.plan_provision()

    def _refresh_guide(self) -> None:
        """The guide with the IDs just given in place of its placeholders."""
        guide = next((q for q in self.flow.questions() if q.id == "guide"), None)
        markdown = guide.help_text() if guide is not None else self.markdown
        if markdown != self.markdown:
            self.markdown = markdown
            self.query_one(GuideView).update(markdown)

    @work(thread=True, exclusive=True, group="provision")
    def _plan(self) -> None:
        missing = None
        try:
            plan: Any = services.plan_provision(self.flow)
            error = None
        except services.MissingFacts as e:  # asked for in place
            plan, error, missing = None, _message(e), e
        except Exception as e:  # ProvisionError, SetupError, a missing AWS credential...
            plan, error = None, _message(e)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._planned, plan, error, missing)

    def _planned(
        self, plan: Any, error: str | None, missing: services.MissingFacts | None = None
    ) -> None:
        self.query_one("#provision", Button).disabled = False
        if missing is not None and self._ask_facts():
            self._show_provision()
            return
        if plan is None:
            self._show_provision()
            self.show_error(f"Cannot plan the AWS resources: {error}")
            return

        def confirmed(yes: bool | None) -> None:
            self.wizard.provision_plan = plan if yes else None
            self._show_provision()

        self.app.push_screen(ProvisionDialog(plan), confirmed)

    def _show_provision(self, busy: str = "") -> None:
        note = self.query_one("#provision-note", Static)
        plan = self.wizard.provision_plan
        if busy:
            note.update(Content.from_markup("[$text-accent]⠿[/] $b", b=busy))
        elif plan is not None:
            note.update(
                Content.from_markup(
                    "[$text-warning]![/] When you write config.yaml, the wizard will also create "
                    "$n AWS resource(s) for [b]$role[/].",
                    n=str(len(plan.steps)),
                    role=plan.role_arn,
                )
            )
        else:
            note.update("")
        note.set_class(bool(busy or plan is not None), "-shown")
        if self.can_provision:
            button = self.query_one("#provision", Button)
            button.label = "Don't create" if plan is not None else "Create it for me"

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        for name, help_text, block in self.query_one(GuideView).copy_commands():
            out.append((name, help_text, block.copy))
        if self.keyless:
            out.append((f"Check my {self.cloud} setup", "Inspect the cloud side", self.check_cloud))
        if self.can_provision:
            out.append(("Create it for me", "Plan the AWS resources", self.plan_provision))
        return out


def _message(e: BaseException) -> str:
    text = getattr(e, "message", None) or str(e) or type(e).__name__
    fix = getattr(e, "fix", "")
    return f"{text} ({fix})" if fix else text
