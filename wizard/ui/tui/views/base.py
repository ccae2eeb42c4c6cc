"""What every step's view shares: a title, a scrolling body, an action bar, and the
two messages a view sends the app (answers for the flow, or Back)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import NULL_OFFSET, Region, Size
from textual.layout import ArrangeResult, Layout, WidgetPlacement
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static

from wizard.flow import Flow
from wizard.ui.tui.navigation import Page

if TYPE_CHECKING:
    from wizard.ui.tui.app import WizardApp


class _WrapLayout(Layout):
    """Left to right, and on to the next row when the next child does not fit: a button
    bar wider than the terminal wraps instead of pushing its last buttons off-screen."""

    name = "wrap"

    def arrange(
        self, parent: Widget, children: list[Widget], size: Size, greedy: bool = True
    ) -> ArrangeResult:
        parent.pre_layout(self)
        viewport = parent.app.viewport_size
        placements: list[WidgetPlacement] = []
        x = y = row_height = 0
        for child in children:
            box = child._get_box_model(size, viewport, Fraction(size.width), Fraction(size.height))
            margin = box.margin
            width = int(box.width) + margin.left + margin.right
            height = int(box.height) + margin.top + margin.bottom
            if x and x + width - margin.right > size.width:
                x, y, row_height = 0, y + row_height, 0
            region = Region(x + margin.left, y + margin.top, int(box.width), int(box.height))
            placements.append(WidgetPlacement(region, NULL_OFFSET, margin, child))
            x += width
            row_height = max(row_height, height)
        return placements


class ActionBar(Widget):
    """The buttons under a step (or a dialog), wrapped onto more rows when they do not fit
    one: every button stays on screen at 60 columns."""

    DEFAULT_CSS = """
    ActionBar {
        width: 1fr;
        height: auto;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._default_layout = _WrapLayout()


class StepBody(VerticalScroll):
    """The step's scrolling body: a focus stop (its keys scroll it) only while there is
    something to scroll, so no Tab lands on a stop that shows nothing and does nothing."""

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0


class StepView(Vertical):
    """Subclasses give `compose_body` and `compose_actions`; `Submitted` carries
    (question id, answer) pairs in the flow's order.

    Textual calls a handler of every class in the MRO: a subclass's `on_mount` or
    `on_button_pressed` runs before this one and never calls it itself."""

    class Submitted(Message):
        def __init__(self, answers: list[tuple[str, Any]]) -> None:
            super().__init__()
            self.answers = answers

    class BackRequested(Message):
        pass

    def __init__(self, page: Page, flow: Flow, *, title: str, subtitle: str = "") -> None:
        super().__init__(classes="step-view", id=f"view-{page.kind.value}")
        self.page = page
        self.flow = flow
        self.title = title
        self.subtitle = subtitle

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(Content(self.title), classes="view-title")
        if self.subtitle:
            yield Static(Content(self.subtitle), classes="view-subtitle")
        yield from self.compose_head()
        yield Static("", classes="view-error")
        with StepBody(classes="view-body"):
            yield from self.compose_body()
        with ActionBar(classes="actions"):
            yield from self.compose_actions()

    def compose_head(self) -> Iterable[Widget]:
        """Lines that stay above the scrolling body."""
        return ()

    def compose_body(self) -> Iterable[Widget]:
        return ()

    def compose_actions(self) -> Iterable[Widget]:
        yield Button("Continue", id="continue", variant="primary", compact=True)
        yield from self.back_button()

    def back_button(self) -> Iterable[Widget]:
        yield Button("Back", id="back", compact=True)

    def on_mount(self) -> None:
        if self.page.errors:
            self.show_errors(self.page.errors)
        self._focus_first()  # now: a later callback could take the focus from the user

    def _focus_first(self) -> None:
        if self.is_attached and not self.app.screen.is_modal:
            with suppress(NoMatches):  # the view went away before it was shown
                self.focus_first()

    def focus_first(self) -> None:
        """Give the keyboard to what the user acts on first."""
        for selector in ("Input", "OptionList", "#continue"):
            found = self.query(selector)
            if found:
                found.first().focus()
                return

    def show_errors(self, errors: dict[str, str]) -> None:
        """Errors from the flow for this page's questions (or the page as a whole)."""
        text = "; ".join(errors.values())
        self.show_error(text)

    def show_error(self, text: str) -> None:
        banner = self.query_one(".view-error", Static)
        banner.update(Content.from_markup("[$text-error]✗ $t[/]", t=text) if text else "")
        banner.set_class(bool(text), "-shown")

    def submit(self) -> None:
        """Send this page's answers (subclasses collect them)."""
        self.post_message(self.Submitted(self.answers()))

    def answers(self) -> list[tuple[str, Any]]:
        return [(q.id, None) for q in self.page.questions]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            event.stop()
            self.submit()
        elif event.button.id == "back":
            event.stop()
            self.post_message(self.BackRequested())

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        """(name, help, callback) for the command palette, while this view is shown."""
        return []
