"""The step list on the left: the current step highlighted, finished steps ticked and
selectable (click, or Enter when focused) to go back to them."""

from __future__ import annotations

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from wizard.ui.tui.navigation import Step, StepState

_MARKS = {
    StepState.DONE: "[$text-success]✓[/]",
    StepState.FAILED: "[$text-error]✗[/]",
    StepState.CURRENT: "[b $text-accent]▸[/]",
    StepState.PENDING: "[$foreground-muted]·[/]",
    StepState.SKIPPED: "[$foreground-muted]–[/]",
}


class StepList(OptionList):
    class GoTo(Message):
        """The user chose a finished step."""

        def __init__(self, step: Step) -> None:
            super().__init__()
            self.step = step

    def __init__(self) -> None:
        super().__init__(id="steps")
        self.border_title = "Steps"
        self.locked = False  # after the write: there is no going back

    def show(self, states: list[tuple[Step, StepState]]) -> None:
        options = []
        for step, state in states:
            label = Content.from_markup("$label", label=step.label)
            if state is StepState.CURRENT:
                label = label.stylize("bold")
            elif not state.finished:
                label = label.stylize("dim")
            prompt = Content.from_markup(_MARKS[state]) + Content(" ") + label
            options.append(
                Option(
                    prompt,
                    id=step.name.lower(),
                    disabled=not state.finished or self.locked,
                )
            )
        self.set_options(options)
        self._highlight_latest()

    def _highlight_latest(self) -> None:
        """The cursor starts on the latest finished step: Up goes further back."""
        enabled = [i for i, o in enumerate(self.options) if not o.disabled]
        self.highlighted = enabled[-1] if enabled else None

    def on_focus(self) -> None:
        self._highlight_latest()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id and not self.locked:
            self.post_message(self.GoTo(Step[event.option.id.upper()]))
