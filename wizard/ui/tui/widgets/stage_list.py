"""The stages of a live check as they happen: the stages taken with a tick or a cross,
the one under way with a spinner, the ones still to come dimmed."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from wizard.verify.verdict import Step, StepStatus

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
        self._steps: Sequence[Step] = ()
        self._running = True

    def on_mount(self) -> None:
        self._draw()
        if self._spin:
            self._timer = self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self._draw()

    def show(self, steps: Sequence[Step]) -> None:
        """The steps taken so far; the check goes on."""
        if self._running:
            self._steps = steps
            self._draw()

    def finish(self, steps: Sequence[Step]) -> None:
        """The check's last word: every step taken, nothing under way."""
        self._steps = steps
        self._running = False
        if self._spin:
            self._timer.stop()
        self._draw()

    @property
    def pending(self) -> tuple[str, ...]:
        """The stages still to come, the first of them under way (empty once finished,
        or once a step failed: a failed step is always a check's last)."""
        if not self._running or any(s.status is StepStatus.FAILED for s in self._steps):
            return ()
        taken = [STAGES.index(s.name) for s in self._steps if s.name in STAGES]
        return STAGES[max(taken) + 1 if taken else 0 :]

    def _draw(self) -> None:
        rows = [
            Content.from_markup(
                f"{_MARKS.get(s.status.value, '?')} $name  [$foreground-muted]$detail[/]",
                name=f"{s.name:<10}",
                detail=s.detail,
            )
            for s in self._steps
        ]
        for i, name in enumerate(self.pending):
            markup = (
                f"[$text-accent]{SPINNER[self._frame]}[/] $name  [$foreground-muted]…[/]"
                if i == 0
                else "[$foreground-muted]· $name[/]"
            )
            rows.append(Content.from_markup(markup, name=f"{name:<10}"))
        self.update(Content("\n").join(rows))
