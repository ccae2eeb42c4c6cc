"""The stages of a live check: spinners while it runs, then a tick or a cross each."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from wizard.verify.verdict import Step

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STAGES = ("resolve", "ping", "token", "manifest")
_MARKS = {
    "ok": "[$text-success]✓[/]",
    "failed": "[$text-error]✗[/]",
    "skipped": "[$foreground-muted]–[/]",
    "warning": "[$text-warning]![/]",
}


class StageList(Static):
    def __init__(self, *, spin: bool = True) -> None:
        super().__init__(classes="stages")
        self._frame = 0
        self._spin = spin
        self._steps: Sequence[Step] | None = None

    def on_mount(self) -> None:
        self._render_running()
        if self._spin:
            self._timer = self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        if self._steps is None:
            self._frame = (self._frame + 1) % len(SPINNER)
            self._render_running()

    def _render_running(self) -> None:
        spin = SPINNER[self._frame]
        rows = [
            Content.from_markup(
                f"[$text-accent]{spin}[/] $name  [$foreground-muted]…[/]", name=f"{n:<10}"
            )
            for n in STAGES
        ]
        self.update(Content("\n").join(rows))

    def finish(self, steps: Sequence[Step]) -> None:
        self._steps = steps
        if self._spin:
            self._timer.stop()
        rows = [
            Content.from_markup(
                f"{_MARKS.get(s.status.value, '?')} $name  [$foreground-muted]$detail[/]",
                name=f"{s.name:<10}",
                detail=s.detail,
            )
            for s in steps
        ]
        self.update(Content("\n").join(rows) if rows else "")
