"""A list of findings or results, each with a mark, its message, and the fix."""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content
from textual.widgets import Static

from wizard.model.record import record

MARKS = {
    "ok": "[$text-success]✓[/]",
    "error": "[$text-error]✗[/]",
    "problem": "[$text-error]✗[/]",
    "failed": "[$text-error]✗[/]",
    "warning": "[$text-warning]![/]",
    "unknown": "[$text-warning]?[/]",
    "info": "[$text-accent]i[/]",
}


@record(frozen=True)
class Note:
    """One line of a notes list: a mark, the message, its fix and where."""

    status: str  # a key of MARKS
    message: str
    fix: str = ""
    where: str = ""  # "config.yaml:12"


def render_notes(notes: Iterable[Note]) -> Content:
    """Each note as terminal text: markdown's code marks dropped (a backtick copied into
    a shell starts a command substitution) and control characters printable (a value
    from config.yaml may hold an ESC, written as a YAML escape)."""
    from wizard.model.redact import printable
    from wizard.ui.console import plain_inline

    rows: list[Content] = []
    for n in notes:
        n = Note(
            n.status, printable(plain_inline(n.message)), printable(plain_inline(n.fix)), n.where
        )
        where = "[$foreground-muted]$where[/] " if n.where else ""
        rows.append(
            Content.from_markup(
                f"{MARKS.get(n.status, '·')} {where}$message", where=n.where, message=n.message
            )
        )
        if n.fix and n.status not in ("ok",):
            for i, line in enumerate(n.fix.splitlines()):
                lead = "fix: " if i == 0 else "     "
                rows.append(
                    Content.from_markup("  [$foreground-muted]$lead$line[/]", lead=lead, line=line)
                )
    return Content("\n").join(rows)


class NoteList(Static):
    def __init__(self, notes: Iterable[Note] = (), **kwargs: object) -> None:
        super().__init__(render_notes(notes), **kwargs)  # type: ignore[arg-type]

    def show(self, notes: Iterable[Note]) -> None:
        notes = list(notes)
        self.update(render_notes(notes))
        self.set_class(not notes, "-empty")
