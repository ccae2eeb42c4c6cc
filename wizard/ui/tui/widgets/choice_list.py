"""A choice Question as a list of cards: label, badges, and the one-line description."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from wizard.flow import Choice

_RECOMMENDED = " (recommended)"
_CURRENT = " — current"


class ChoiceList(OptionList):
    """Selecting a card (Enter or click) posts `OptionList.OptionSelected`; the option id
    is the choice's value."""

    def __init__(
        self,
        choices: tuple[Choice, ...],
        *,
        highlight: str | None,
        badges: dict[str, list[str]] | None = None,
        id: str | None = None,
    ) -> None:
        options = [self._option(c, (badges or {}).get(c.value, [])) for c in choices]
        super().__init__(*options, id=id, classes="choices")
        values = [c.value for c in choices]
        self._initial = values.index(highlight) if highlight in values else 0

    @staticmethod
    def _option(choice: Choice, badges: list[str]) -> Option:
        # The flow spells badges into labels for prompts without styling; show them as badges.
        label = choice.label.replace(_RECOMMENDED, "").removesuffix(_CURRENT)
        line = Content.from_markup("[b]$label[/]", label=label)
        for badge in badges:
            line += Content(" ") + Content.from_markup(
                f"[{_BADGE_STYLE.get(badge, '$text-accent on $accent-muted')}] $badge [/]",
                badge=badge,
            )
        if choice.description:
            line += Content("\n") + Content.from_markup("[dim]$text[/]", text=choice.description)
        return Option(line, id=choice.value)

    def on_mount(self) -> None:
        self.highlighted = self._initial


_BADGE_STYLE = {
    "recommended": "$text-success on $success-muted",
    "current": "$text-warning on $warning-muted",
    "detected": "$text-accent on $accent-muted",
}
