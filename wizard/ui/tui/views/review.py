"""The unified diff, syntax-coloured, with Write and Back; and what comes with the write
(AWS resources to create, the secret to store in Baseten)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Static

from wizard.flow import Flow
from wizard.model.secret import Secret
from wizard.ui.tui import services
from wizard.ui.tui.navigation import Page
from wizard.ui.tui.views.base import StepView
from wizard.ui.tui.widgets.diff_view import DiffView
from wizard.ui.tui.widgets.notes import Note, NoteList


class ReviewView(StepView):
    def __init__(self, page: Page, flow: Flow, *, provision: Any = None) -> None:
        super().__init__(page, flow, title="Review", subtitle="")
        self.review: services.Review | None = None
        try:
            self.review = services.review(flow)
            self.diff, self.warnings = self.review.diff, self.review.warnings
            self.problem = ""
        except Exception as e:  # SetupError: the answers cannot be planned
            self.diff, self.warnings = "", []
            self.problem = getattr(e, "message", str(e))
        self.provision = provision
        self.asks_key = self.page.question("store-secret") is not None and not (
            flow.baseten_key or services.has_baseten_login()
        )
        # With no diff the subtitle says nothing changes and the body why, each once; a
        # problem is said as the error, under the usual subtitle.
        self.subtitle = (
            f"What will change in {flow.config.name}; nothing is written before Write."
            if self.diff or self.problem
            else f"What will change in {flow.config.name}: nothing."
        )

    def compose_body(self) -> Iterable[Widget]:
        if self.diff:
            yield DiffView(self.diff)
        elif not self.problem:
            yield Static(
                Content.from_markup(
                    "[$text-success]✓[/] $name already has this setup.",
                    name=self.flow.config.name,
                ),
                classes="summary",
            )
        notes = [Note("warning", w) for w in self.warnings]
        notes += [Note("info", d) for d in self.flow.dropped()]  # answers that no longer apply
        if self.provision is not None and not self.provision.empty:
            notes.append(
                Note(
                    "warning",
                    f"Writing also creates {len(self.provision.steps)} AWS resource(s): "
                    + "; ".join(s.description for s in self.provision.steps),
                )
            )
        if self.flow.presets.get("store-secret") == "yes" and self._stores_secret():
            notes.append(Note("info", "--store-secret: writing also stores the secret in Baseten"))
        if notes:
            yield NoteList(notes, classes="findings")
        store = self.page.question("store-secret")
        if store is not None:
            yield Checkbox(store.prompt, value=store.default == "yes", id="store-secret")
            if self.asks_key:  # no BASETEN_API_KEY, no `truss login`: ask for it here
                key = Input(
                    password=True,
                    placeholder="Baseten API key (used once to store the secret, never saved)",
                    id="baseten-key",
                    classes="-hidden" if store.default != "yes" else "",
                )
                key.cursor_blink = self.wizard.cursor_blink
                yield key

    @on(Checkbox.Changed, "#store-secret")
    def _store_toggled(self, event: Checkbox.Changed) -> None:
        keys = self.query("#baseten-key").results(Input)
        for key in keys:
            key.set_class(not event.value, "-hidden")
            if event.value:
                key.focus()

    def _stores_secret(self) -> bool:
        """The live check's credential builds the method's secret: there is one to store."""
        return self.flow.can_store_secret and any(
            q.id == "store-secret" for q in self.flow.questions()
        )

    def compose_actions(self) -> Iterable[Widget]:
        label = "Write" if self.diff else "Finish"
        if self.provision is not None and not self.provision.empty:
            label = "Create and write"
        yield Button(label, id="continue", variant="primary", compact=True)
        yield from self.back_button()

    def on_mount(self) -> None:
        if self.problem:
            self.show_error(self.problem)
            self.query_one("#continue", Button).disabled = True

    def focus_first(self) -> None:
        button = self.query_one("#continue", Button)
        (button if not button.disabled else self.query_one("#back")).focus()

    def submit(self) -> None:
        store = self.query("#store-secret").results(Checkbox)
        keys = list(self.query("#baseten-key").results(Input))
        if any(c.value for c in store) and keys:
            if not keys[0].value.strip():
                self.show_error("Type your Baseten API key to store the secret, or untick it.")
                keys[0].focus()
                return
            self.flow.baseten_key = Secret(keys[0].value.strip())
        super().submit()

    @on(Input.Submitted, "#baseten-key")
    def _key_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def answers(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        if self.page.question("store-secret") is not None:
            out.append(("store-secret", self.query_one("#store-secret", Checkbox).value))
        out.append(("yes", True))
        return out

    def busy(self, busy: bool) -> None:
        for button in self.query(Button):
            button.disabled = busy
        if busy:
            self.show_error("")
            self.query_one(".view-subtitle", Static).update("Writing…")
