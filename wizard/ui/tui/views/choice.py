"""A choice question as cards: the registry (with the image it was detected from) and
the method (with "recommended" and "current" badges and each trade-off)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, OptionList, Static

from wizard.flow import Flow, Question
from wizard.flow.state import image_note
from wizard.ui.console import plain_inline
from wizard.ui.tui.navigation import Page
from wizard.ui.tui.views.base import StepView
from wizard.ui.tui.views.fields import note_content
from wizard.ui.tui.widgets.choice_list import ChoiceList


class ChoiceView(StepView):
    def __init__(self, page: Page, flow: Flow, *, title: str, subtitle: str = "") -> None:
        super().__init__(page, flow, title=title, subtitle=subtitle)
        self.question: Question = page.questions[0]

    def highlight(self) -> str | None:
        return self.question.default

    def badges(self) -> dict[str, list[str]]:
        return {}

    def compose_body(self) -> Iterable[Widget]:
        yield ChoiceList(
            self.question.choices, highlight=self.highlight(), badges=self.badges(), id="choices"
        )
        if self.question.help and not self.help_in_intro():
            yield Static(Content(plain_inline(self.question.help)), classes="help")

    def help_in_intro(self) -> bool:
        return False

    @property
    def choices(self) -> ChoiceList:
        return self.query_one(ChoiceList)

    def answers(self) -> list[tuple[str, Any]]:
        index = self.choices.highlighted
        value = self.question.choices[index].value if index is not None else None
        return [(self.question.id, value)]

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()

    def show_errors(self, errors: dict[str, str]) -> None:
        super().show_errors(errors)
        self.choices.focus()


class RegistryView(ChoiceView):
    class ChangeImage(Message):
        pass

    def __init__(self, page: Page, flow: Flow) -> None:
        super().__init__(page, flow, title="Registry", subtitle="Where does the image live?")

    def badges(self) -> dict[str, list[str]]:
        return {self.question.default: ["detected"]} if self.question.default else {}

    def compose_head(self) -> Iterable[Widget]:
        detected = plain_inline(self.question.help).rstrip(".")
        yield Static(
            Content.from_markup(
                "[b]Image[/] $image  [$foreground-muted]($detected)[/]",
                image=self.flow.image or "",
                detected=detected[:1].lower() + detected[1:],
            ),
            classes="image-line",
        )
        note = image_note(self.flow.image or "")
        if note:  # config.yaml's image, never typed here: its advice is said here
            yield Static(note_content(note), classes="image-note")

    def help_in_intro(self) -> bool:
        return True

    def compose_actions(self) -> Iterable[Widget]:
        yield Button("Continue", id="continue", variant="primary", compact=True)
        yield Button("Change image", id="change-image", compact=True)
        yield from self.back_button()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "change-image":
            event.stop()
            self.post_message(self.ChangeImage())

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            (
                "Change image",
                "Type another image (the registry follows it)",
                lambda: self.post_message(self.ChangeImage()),
            )
        ]


class MethodView(ChoiceView):
    def __init__(self, page: Page, flow: Flow, *, prefer_recommended: bool = False) -> None:
        reg = flow.registry
        super().__init__(
            page,
            flow,
            title="Method",
            subtitle=f"How does Baseten authenticate to {reg.label if reg else 'the registry'}?",
        )
        self.prefer_recommended = prefer_recommended

    def highlight(self) -> str | None:
        if self.prefer_recommended and self.question.choices and not self.question.recalled:
            return self.question.choices[0].value
        return self.question.default

    def badges(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        choices = self.question.choices
        if len(choices) > 1:
            out.setdefault(choices[0].value, []).append("recommended")  # the catalog's order
        if self.question.current:
            out.setdefault(self.question.current, []).append("current")
        return out
