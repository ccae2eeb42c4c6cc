"""A unified diff, coloured line by line as `git diff` colours it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from wizard.ui.tui.widgets.code_block import SideScroll

_STYLES = (
    ("+++", "b"),
    ("---", "b"),
    ("@@", "$text-accent"),
    ("+", "$text-success"),
    ("-", "$text-error"),
    ("\\", "$foreground-muted"),
)


def render_diff(diff: str) -> Content:
    rows = []
    for line in diff.rstrip("\n").splitlines():
        style = next((s for prefix, s in _STYLES if line.startswith(prefix)), "")
        row = Content(line)
        rows.append(row.stylize(style) if style else row)
    return Content("\n").join(rows)


class DiffView(SideScroll):
    """Every line whole, with its marker: wider lines scroll sideways, never wrap."""

    def __init__(self, diff: str, **kwargs: object) -> None:
        super().__init__(classes="diff", **kwargs)  # type: ignore[arg-type]
        self.diff = diff

    def compose(self) -> ComposeResult:
        yield Static(render_diff(self.diff), classes="diff-lines")
