"""The stages of a live check, every one from the start and always in the same order
(`verdict.STAGES`): one row per stage, with a tick or a cross once taken (a stage of
several steps shows its last, a failed one first), a spinner on the one under way, the
ones to come dimmed, and "not reached" for those a failure kept the check from."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from wizard.verify.verdict import STAGES, Step, StepStatus

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_MARKS = {
    "ok": "[$text-success]✓[/]",
    "failed": "[$text-error]✗[/]",
    "skipped": "[$foreground-muted]–[/]",
    "warning": "[$text-warning]![/]",
}
_WIDTH = max(len(s) for s in STAGES)


def stage_rows(steps: Sequence[Step]) -> dict[str, Step]:
    """Each stage taken, as the step that stands for it: its failed step, else its last.
    Steps named after no stage are not shown."""
    out: dict[str, Step] = {}
    for step in steps:
        if step.name not in STAGES:
            continue
        shown = out.get(step.name)
        if shown is None or shown.status is not StepStatus.FAILED:
            out[step.name] = step
    return out


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
    def failed(self) -> bool:
        return any(s.status is StepStatus.FAILED for s in self._steps)

    def _last_taken(self) -> int:
        taken = [STAGES.index(s.name) for s in self._steps if s.name in STAGES]
        return max(taken) if taken else -1

    @property
    def pending(self) -> tuple[str, ...]:
        """The stages still to come, the first of them under way (empty once finished,
        or once a step failed: a failed step is always a check's last)."""
        if not self._running or self.failed:
            return ()
        return STAGES[self._last_taken() + 1 :]

    @property
    def not_reached(self) -> tuple[str, ...]:
        """The stages a failure (or a check that could not run) kept the check from."""
        if self._running and not self.failed:
            return ()
        return STAGES[self._last_taken() + 1 :]

    def _draw(self) -> None:
        rows = stage_rows(self._steps)
        pending, not_reached = self.pending, self.not_reached
        lines = []
        for name in STAGES:
            label = f"{name:<{_WIDTH}}"
            step = rows.get(name)
            if step is not None:
                markup = f"{_MARKS.get(step.status.value, '?')} $name  [$foreground-muted]$d[/]"
                lines.append(Content.from_markup(markup, name=label, d=step.detail))
            elif name in not_reached:
                markup = "[$foreground-muted]· $name  not reached[/]"
                lines.append(Content.from_markup(markup, name=label))
            elif pending and name == pending[0]:
                markup = f"[$text-accent]{SPINNER[self._frame]}[/] $name  [$foreground-muted]…[/]"
                lines.append(Content.from_markup(markup, name=label))
            elif name in pending:
                lines.append(Content.from_markup("[$foreground-muted]· $name[/]", name=label))
            else:  # passed over on the way to a later stage
                markup = "[$foreground-muted]– $name  not needed[/]"
                lines.append(Content.from_markup(markup, name=label))
        self.update(Content("\n").join(lines))
