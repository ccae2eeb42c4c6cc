"""A form of text (and secret, and yes/no) questions: the image, a method's values, the
Baseten facts a guide fills in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from wizard.flow import Kind
from wizard.ui.tui.views.base import StepView
from wizard.ui.tui.widgets.field_input import FieldInput, focus_next_input


class FieldsView(StepView):
    def compose_body(self) -> Iterable[Widget]:
        for q in self.page.questions:
            if q.kind is Kind.CONFIRM:
                yield Checkbox(q.prompt, value=q.default == "yes", id=f"confirm-{q.id}")
            else:
                # A secret typed before Back is typed still (masked).
                kept = self.flow.kept_secret(q.id) if q.kind is Kind.SECRET else None
                yield FieldInput(
                    q, blink=self.wizard.cursor_blink, secret=kept.reveal() if kept else None
                )
                if q.note is not None:  # advice, not an error: the value is accepted
                    yield Static(
                        note_content(q.note(q.default or "") if q.default else None),
                        classes="field-note",
                        id=f"note-{q.id}",
                    )

    def answers(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for q in self.page.questions:
            if q.kind is Kind.CONFIRM:
                out.append((q.id, self.query_one(f"#confirm-{q.id}", Checkbox).value))
            else:
                out.append((q.id, self.query_one(f"#field-{q.id}", FieldInput).answer()))
        return out

    def show_errors(self, errors: dict[str, str]) -> None:
        unplaced = {}
        for qid, message in errors.items():
            fields = self.query(f"#field-{qid}")
            if fields:
                field = fields.first(FieldInput)
                field.set_error(message)
                field.input.focus()
            else:
                unplaced[qid] = message
        super().show_errors(unplaced) if unplaced else self.show_error("")

    @on(Input.Changed)
    def _advise(self, event: Input.Changed) -> None:
        qid = (event.input.id or "").removeprefix("input-")
        q = self.page.question(qid)
        if q is None or q.note is None:
            return
        value = event.value.strip()
        self.query_one(f"#note-{qid}", Static).update(
            note_content(q.note(value) if value else None)
        )

    @on(Input.Submitted)
    def _next_or_submit(self, event: Input.Submitted) -> None:
        event.stop()
        if not focus_next_input(self, event.input):
            self.submit()


def note_content(note: str | None) -> Content:
    return Content.from_markup("[$text-warning]![/] $n", n=note) if note else Content("")
