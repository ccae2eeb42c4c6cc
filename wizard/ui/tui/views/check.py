"""The live check: each stage with a spinner, then a tick or a cross, the verdict, the
digest and the hint. It runs in a worker; leaving the view (Back) cancels it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import work
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static
from textual.worker import get_current_worker

from wizard.flow import Flow
from wizard.ui.tui import services
from wizard.ui.tui.navigation import Page
from wizard.ui.tui.views.base import StepView
from wizard.ui.tui.widgets.notes import Note, NoteList
from wizard.ui.tui.widgets.stage_list import StageList
from wizard.verify.verdict import Step


class CheckView(StepView):
    class StagesTaken(Message, bubble=False):
        """The steps the running check has taken so far."""

        def __init__(self, steps: tuple[Step, ...]) -> None:
            super().__init__()
            self.steps = steps

    def __init__(self, page: Page, flow: Flow) -> None:
        image = flow.image or ""
        super().__init__(page, flow, title="Live check", subtitle=f"Can Baseten pull {image}?")
        self.result: Any = None

    def compose_body(self) -> Iterable[Widget]:
        yield StageList(spin=self.wizard.spinners)
        yield Static("", id="verdict")
        yield NoteList(classes="-empty", id="check-notes")

    def compose_actions(self) -> Iterable[Widget]:
        yield Button("Continue", id="continue", variant="primary", compact=True, disabled=True)
        yield Button("Back to credentials", id="back", compact=True)
        yield Button("Continue anyway", id="continue-anyway", compact=True, classes="-hidden")

    def on_mount(self) -> None:
        self.run_check()

    def focus_first(self) -> None:
        if self.result is None:
            self.query_one("#back").focus()
        else:
            # After a failure the way on is to mend the credential, not to ignore it.
            self.query_one("#continue" if self.result.ok else "#back").focus()

    @work(thread=True, exclusive=True, group="live-check")
    def run_check(self) -> None:
        worker = get_current_worker()

        def progress(steps: tuple[Step, ...]) -> None:
            # Posted, not called: the check never waits for the screen (a busy UI
            # thread must not eat into its time limit).
            if not worker.is_cancelled:
                self.post_message(self.StagesTaken(steps))

        try:
            result = services.run_check(self.flow, progress)
            error = None
        except Exception as e:  # shown as the verdict; the wizard goes on
            result, error = None, str(e) or type(e).__name__
        if not worker.is_cancelled:
            self.app.call_from_thread(self._done, result, error)

    def on_check_view_stages_taken(self, message: StagesTaken) -> None:
        self.query_one(StageList).show(message.steps)

    def _done(self, result: Any, error: str | None) -> None:
        if not self.is_attached:  # Back came between the check's end and this call
            return
        self.result = result
        verdict = self.query_one("#verdict", Static)
        notes: list[Note] = []
        if result is None:
            self.query_one(StageList).finish([])
            verdict.update(
                Content.from_markup("[$text-error]✗ The check could not run:[/] $e", e=error or "")
            )
            ok = False
            self.flow.check_error = error or "the check could not run"
        else:
            self.flow.check_result = result
            self.query_one(StageList).finish(result.steps)
            ok = result.ok
            if ok:
                verdict.update(
                    Content.from_markup(
                        "[b $text-success]✓ $image can be pulled[/]", image=result.image
                    )
                )
            else:
                # The verdict's sentence, not its code (the code is for JSON and scripts).
                verdict.update(
                    Content.from_markup(
                        "[b $text-error]✗ $title[/]\n$detail",
                        title=result.verdict.title,
                        detail=result.detail,
                    )
                )
            if result.digest:
                notes.append(Note("ok", f"digest {result.digest}"))
            scopes = result.facts.get("token_scopes")
            if scopes:
                notes.append(Note("ok", "token scopes: " + ", ".join(scopes)))
            if "expires_at" in result.facts:
                notes.append(
                    Note("warning", f"the token is valid until {result.facts['expires_at']}")
                )
            notes += [Note("warning", w) for w in result.warnings]
            if result.hint and not ok:
                notes.append(Note("info", result.hint))
        self.query_one("#check-notes", NoteList).show(notes)
        self.set_class(ok, "-ok")
        self.set_class(not ok, "-failed")
        continue_button = self.query_one("#continue", Button)
        continue_button.disabled = not ok
        continue_button.set_class(not ok, "-hidden")
        self.query_one("#continue-anyway").set_class(ok, "-hidden")
        back = self.query_one("#back", Button)
        back.label = "Back to credentials" if not ok else "Back"
        # Textual's Button.label refreshes the text, not the layout: without this the
        # button kept the old label's width ("Back" centred in 21 cells) until something
        # else laid the bar out (the live-check snapshot's flake).
        back.refresh(layout=True)
        self.query_one("#continue" if ok else "#back").focus()
        # On a short terminal the verdict is below the stage list: show it, and its notes.
        self.call_after_refresh(verdict.scroll_visible, top=True, animate=False)

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        if self.has_class("-failed"):
            return [("Continue anyway", "Go on without a passing live check", self.submit)]
        return []

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue-anyway":
            event.stop()
            self.submit()
