"""After the write: what changed, the Baseten secrets to create (or that were stored),
and the command to run next."""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static

from wizard.flow import Flow
from wizard.ui.console import plain_inline
from wizard.ui.tui.navigation import Page
from wizard.ui.tui.services import Outcome, describe_change
from wizard.ui.tui.views.base import StepView
from wizard.ui.tui.widgets.code_block import CodeBlock, SideScroll
from wizard.ui.tui.widgets.notes import Note, NoteList


class DoneView(StepView):
    class Quit(Message):
        pass

    def __init__(self, page: Page, flow: Flow, outcome: Outcome) -> None:
        action = "updated" if outcome.written else "unchanged"
        super().__init__(
            page,
            flow,
            title="Done",
            subtitle=f"{outcome.path} {action}: {outcome.registry}, {outcome.method}.",
        )
        self.outcome = outcome

    def compose_body(self) -> Iterable[Widget]:
        o = self.outcome
        yield Static(Content.from_markup("[b]What changed[/]"), classes="section -first")
        if o.written:
            changes = describe_change(o.diff)
            with SideScroll(classes="listing changes"):  # diff lines keep their marker
                yield Static(
                    Content("\n").join(
                        Content.from_markup(
                            "[$text-success]$l[/]"
                            if line.startswith("+")
                            else "[$text-error]$l[/]",
                            l=line,
                        )
                        for line in changes
                    )
                )
        else:
            yield Static("Nothing: the file already had this setup.", classes="listing")
        if o.created:
            yield Static(Content.from_markup("[b]Created in AWS[/]"), classes="section")
            yield NoteList([Note("ok", c) for c in o.created])
        # A secret still to create is listed under "Still open", with how to build it.
        notes = [Note("ok", f"stored in Baseten: {name}") for name in o.stored]
        if o.store_note:
            notes.append(Note("warning", o.store_note))
        if not o.secrets:
            notes.append(Note("ok", "none: this method keeps no secret in Baseten"))
        if notes:
            yield Static(Content.from_markup("[b]Baseten secrets[/]"), classes="section")
            yield NoteList(notes)
        if o.check:
            yield Static(Content.from_markup("[b]Live check[/]"), classes="section")
            yield NoteList([Note("ok" if o.check_ok else "error", o.check)], id="done-check")
        if o.open:  # `truss push` cannot work yet: say what is open instead
            yield Static(Content.from_markup("[b]Still open[/]"), classes="section")
            yield NoteList([Note("warning", step) for step in o.open], id="open")  # it drops marks
        yield Static(Content.from_markup("[b]Next[/]"), classes="section")
        yield Static(
            Content("\n").join(
                Content.from_markup("[b]$n.[/] $s", n=str(i), s=plain_inline(step))
                for i, step in enumerate(o.next_steps, 1)
            ),
            classes="listing",
        )
        if not o.open:
            yield CodeBlock(o.push_command, "sh", title="Run next")

    def compose_actions(self) -> Iterable[Widget]:
        yield Button("Quit", id="quit", variant="primary", compact=True)

    def focus_first(self) -> None:
        self.query_one("#quit").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "quit":
            event.stop()
            self.post_message(self.Quit())
