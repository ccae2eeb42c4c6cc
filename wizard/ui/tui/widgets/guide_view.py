"""A guide's markdown, with every top-level code block as a CodeBlock to copy."""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown

from wizard.ui.tui.widgets.code_block import CodeBlock

_FENCE = re.compile(r"^```([\w+-]*)[ \t]*\n(.*?)^```[ \t]*$\n?", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^#{1,6} (.*)$", re.MULTILINE)
_FILE = re.compile(r"`([\w.-]+\.(?:json|sh|yaml|yml))`")


@dataclass(frozen=True)
class Fence:
    language: str
    code: str
    title: str


def split_guide(markdown: str) -> list[str | Fence]:
    """Prose and top-level fenced blocks, in order. A block is named after the file its
    heading says to save it as, when it says one."""
    parts: list[str | Fence] = []
    pos = 0
    for m in _FENCE.finditer(markdown):
        prose = markdown[pos : m.start()]
        if prose.strip():
            parts.append(prose)
        headings = _HEADING.findall(markdown[: m.start()])
        named = _FILE.search(headings[-1]) if headings else None
        parts.append(Fence(m.group(1), m.group(2).rstrip("\n"), named.group(1) if named else ""))
        pos = m.end()
    if markdown[pos:].strip():
        parts.append(markdown[pos:])
    return parts


class GuideView(Vertical):
    def __init__(self, markdown: str, **kwargs: object) -> None:
        super().__init__(classes="guide", **kwargs)  # type: ignore[arg-type]
        # The step's subtitle names the guide already: drop its title.
        self.parts = split_guide(re.sub(r"\A# .*\n+", "", markdown))

    def compose(self) -> ComposeResult:
        for part in self.parts:
            if isinstance(part, Fence):
                yield CodeBlock(part.code, part.language, title=part.title)
            else:
                yield Markdown(part)

    @property
    def code_blocks(self) -> list[CodeBlock]:
        return list(self.query(CodeBlock))
