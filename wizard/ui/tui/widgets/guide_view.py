"""A guide's markdown, with every top-level code block as a CodeBlock to copy."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown

from wizard.model.record import record
from wizard.ui.console import plain_inline
from wizard.ui.tui.widgets.code_block import CodeBlock

_FENCE = re.compile(r"^```([\w+-]*)[ \t]*\n(.*?)^```[ \t]*$\n?", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^#{1,6} (.*)$", re.MULTILINE)
_FILE = re.compile(r"`([\w.-]+\.(?:json|sh|yaml|yml))`")


@record(frozen=True)
class Fence:
    """A fenced code block of a guide, with a title for its Copy button."""

    language: str
    code: str
    title: str
    heading: str = ""  # the guide's heading above the block


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
        parts.append(
            Fence(
                m.group(1),
                m.group(2).rstrip("\n"),
                named.group(1) if named else "",
                plain_inline(headings[-1]).strip() if headings else "",
            )
        )
        pos = m.end()
    if markdown[pos:].strip():
        parts.append(markdown[pos:])
    return parts


def _parts(markdown: str) -> list[str | Fence]:
    # The step's subtitle names the guide already: drop its title.
    return split_guide(re.sub(r"\A# .*\n+", "", markdown))


class GuideView(Vertical):
    def __init__(self, markdown: str, **kwargs: object) -> None:
        super().__init__(classes="guide", **kwargs)  # type: ignore[arg-type]
        self.parts = _parts(markdown)

    def compose(self) -> ComposeResult:
        for part in self.parts:
            if isinstance(part, Fence):
                yield CodeBlock(part.code, part.language, title=part.title, heading=part.heading)
            else:
                yield Markdown(part)

    def update(self, markdown: str) -> None:
        """Show another version of the guide (the same one with values filled in)."""
        self.parts = _parts(markdown)
        self.refresh(recompose=True)

    @property
    def code_blocks(self) -> list[CodeBlock]:
        return list(self.query(CodeBlock))

    def copy_commands(self) -> list[tuple[str, str, CodeBlock]]:
        """("Copy <what>", the heading, the block) for each block, every name once: two
        shell blocks are told apart by their headings, then by number."""
        blocks = self.code_blocks
        names = [f"Copy {b.title}" for b in blocks]
        for i, b in enumerate(blocks):
            if names.count(names[i]) > 1 and b.heading:
                names[i] = f"Copy {b.title} · {b.heading}"
        seen: dict[str, int] = {}
        out = []
        for name, b in zip(names, blocks, strict=True):
            seen[name] = seen.get(name, 0) + 1
            if names.count(name) > 1:
                name = f"{name} ({seen[name]})"
            out.append((name, b.heading or "Copy this block of the guide", b))
        return out
