"""A choice Question as a list of cards: label, badges, and the one-line description."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from wizard.flow import Choice
from wizard.ui.console import plain_inline

_RECOMMENDED = " (recommended)"
_CURRENT = " — current"


class ChoiceList(OptionList):
    """Selecting a card (Enter or click) posts `OptionList.OptionSelected`; the option id
    is the choice's value."""

    # Below this terminal height the cards are one line each, but the highlighted one
    # (which keeps its description): all seven registries fit at 60x20.
    COMPACT_BELOW = 24

    def __init__(
        self,
        choices: tuple[Choice, ...],
        *,
        highlight: str | None,
        badges: dict[str, list[str]] | None = None,
        id: str | None = None,
    ) -> None:
        self._choices = choices
        self._badges = badges or {}
        self.brief_rows = False
        super().__init__(*[self._option(c) for c in choices], id=id, classes="choices")
        values = [c.value for c in choices]
        self._initial = values.index(highlight) if highlight in values else 0

    def _option(self, choice: Choice, *, brief: bool = False) -> Option:
        return Option(self._prompt(choice, brief=brief), id=choice.value)

    def _prompt(self, choice: Choice, *, brief: bool = False) -> Content:
        # The flow spells badges into labels for prompts without styling; show them as badges.
        label = choice.label.replace(_RECOMMENDED, "").removesuffix(_CURRENT)
        line = Content.from_markup("[b]$label[/]", label=label)
        for badge in self._badges.get(choice.value, []):
            line += Content(" ") + Content.from_markup(
                f"[{_BADGE_STYLE.get(badge, '$text-accent on $accent-muted')}] $badge [/]",
                badge=badge,
            )
        if brief:  # one row, whatever the width: cut with an ellipsis
            width = self.scrollable_content_region.width - 2  # the option's padding
            return line.truncate(max(width, 8), ellipsis=True)
        if choice.description:
            text = plain_inline(choice.description)  # no code marks in a terminal
            line += Content("\n") + Content.from_markup("[dim]$text[/]", text=text)
        return line

    def on_mount(self) -> None:
        self.highlighted = self._initial

    def on_resize(self) -> None:
        compact = self.app.size.height < self.COMPACT_BELOW
        if compact or compact != self.brief_rows:
            self.brief_rows = compact
            self._reprompt()

    def watch_highlighted(self, highlighted: int | None) -> None:
        if self.brief_rows:
            self._reprompt()
        super().watch_highlighted(highlighted)

    def _reprompt(self) -> None:
        for i, choice in enumerate(self._choices):
            brief = self.brief_rows and i != self.highlighted
            prompt = self._prompt(choice, brief=brief)
            if self.get_option_at_index(i).prompt != prompt:
                self.replace_option_prompt_at_index(i, prompt)


_BADGE_STYLE = {
    "recommended": "$text-success on $success-muted",
    "current": "$text-warning on $warning-muted",
    "detected": "$text-accent on $accent-muted",
}
