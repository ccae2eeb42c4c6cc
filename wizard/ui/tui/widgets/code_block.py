"""A code block from a guide, syntax-coloured, with a Copy button (OSC 52)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.highlight import highlight
from textual.widgets import Button, Label, Static


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
        yield Static(highlight(self.code, language=self.language or None), classes="code")

    @on(Button.Pressed, ".copy")
    def copy(self, event: Button.Pressed | None = None) -> None:
        if event is not None:
            event.stop()
        self.app.copy_to_clipboard(self.code)
        lines = self.code.count("\n") + 1
        self.app.notify(
            f"{self.title}: {lines} line{'s' if lines != 1 else ''} copied to the clipboard",
            title="Copied",
            timeout=3,
        )


_TITLES = {"sh": "shell", "json": "JSON", "yaml": "YAML", "diff": "diff"}
