"""A code block from a guide, syntax-coloured, with a Copy button (OSC 52)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, HorizontalScroll, ScrollableContainer, Vertical
from textual.highlight import highlight
from textual.widgets import Button, Label, Static


class SideScroll(HorizontalScroll):
    """Lines kept whole, scrolled sideways when wider than the box: a command that wraps
    is a broken command once copied, and a diff line that wraps loses its +/- marker. A
    focus stop (Left/Right scroll it) only while there is something to scroll to."""

    def allow_focus(self) -> bool:
        return self.max_scroll_x > 0


class CodeBlock(Vertical):
    def __init__(
        self, code: str, language: str = "", *, title: str = "", heading: str = ""
    ) -> None:
        super().__init__(classes="code-block")
        self.code = code
        self.heading = heading  # the guide's heading above it, for the command palette
        self.language = language
        self.title = title or _TITLES.get(language, language or "text")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="code-head"):
            yield Label(self.title, classes="code-title")
            yield Button("Copy", classes="copy", compact=True)
        with SideScroll(classes="code-scroll"):
            yield Static(highlight(self.code, language=self.language or None), classes="code")

    def on_descendant_focus(self) -> None:
        """Copy acts on what is on screen: its Copy button (or the block's own scroll)
        taking the focus brings the whole block into view, not the button alone. After
        the screen has scrolled the focused widget itself into view (it centres it)."""
        self.call_after_refresh(self.bring_into_view)

    def bring_into_view(self) -> None:
        """Scroll the block into view: all of it, or from its top when it is taller."""
        scroller = next((w for w in self.ancestors if isinstance(w, ScrollableContainer)), None)
        view = scroller.scrollable_content_region.height if scroller is not None else 0
        self.scroll_visible(animate=False, top=self.outer_size.height > view, immediate=True)

    @on(Button.Pressed, ".copy")
    def copy(self, event: Button.Pressed | None = None) -> None:
        if event is not None:
            event.stop()
        self.bring_into_view()  # from the command palette too
        self.app.copy_to_clipboard(self.code)
        title, message = copy_notice(self.title, self.code.count("\n") + 1)
        self.app.notify(message, title=title, timeout=6)


def copy_notice(what: str, lines: int, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(title, message) for a copy sent by OSC 52. The app cannot know whether the terminal
    took it (many ignore OSC 52; tmux drops it unless `set-clipboard on`): say what was
    sent and how to copy by hand, never "copied"."""
    env = os.environ if environ is None else environ
    plural = "s" if lines != 1 else ""
    sent = f"{what}: {lines} line{plural} sent to your terminal's clipboard (OSC 52)."
    by_hand = "select the text with Shift and the mouse"
    if env.get("TMUX"):
        return (
            "Sent to the clipboard",
            f'{sent} tmux passes it on only with "set -g set-clipboard on"; if nothing was '
            f"copied to the clipboard, {by_hand}.",
        )
    return ("Sent to the clipboard", f"{sent} If nothing was copied to the clipboard, {by_hand}.")


_TITLES = {"sh": "shell", "json": "JSON", "yaml": "YAML", "diff": "diff"}
