"""Read config.yaml and locate its nodes, keeping the exact text for splicing.

ruamel.yaml's composer gives every node its start and end position in the text;
nothing here re-serialises YAML, so the editor can change a handful of bytes and
leave everything else as the user wrote it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from wizard.model.record import field, record, replace

BOM = "\ufeff"


class ConfigError(Exception):
    """config.yaml cannot be read or used. Carries file:line for the message."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


@record
class Node:
    """A composed YAML node, reduced to what the editor needs."""

    kind: str  # "map", "seq" or "scalar"
    tag: str
    start: int  # character index in ConfigDocument.text
    end: int
    start_line: int  # 0-based
    end_line: int
    start_col: int
    style: str | None = None  # scalar: None (plain), "'", '"', "|", ">"
    flow: bool = False
    value: str | None = None  # scalar text
    items: list[tuple[Node, Node]] = field(default_factory=list)  # map entries
    children: list[Node] = field(default_factory=list)  # seq items
    anchor: str | None = None  # `&name` on this node
    alias: bool = False  # this place holds `*name`: the node (and its marks) is the anchor's

    def shared(self) -> Node | None:
        """The first node in this subtree that YAML shares with another place (an anchor,
        an alias, a `<<` merge key): text splicing cannot edit such a value safely."""
        if self.anchor or self.alias or self.tag.endswith(":merge"):
            return self
        for k, v in self.items:
            found = k.shared() or v.shared()
            if found is not None:
                return found
        for c in self.children:
            found = c.shared()
            if found is not None:
                return found
        return None

    @property
    def is_null(self) -> bool:
        return self.kind == "scalar" and self.tag.endswith(":null")

    @property
    def is_empty_null(self) -> bool:
        """`key:` with nothing after it: the node has no text of its own."""
        return self.is_null and self.value == ""

    def get(self, key: str) -> tuple[Node, Node] | None:
        for k, v in self.items:
            if k.kind == "scalar" and k.value == key:
                return k, v
        return None

    def last_content_line(self, text: str, lines: LineIndex) -> int:
        """The last line that holds this node's own content (not trailing comments)."""
        if self.kind == "map" and not self.flow and self.items:
            return self.items[-1][1].last_content_line(text, lines)
        if self.kind == "seq" and not self.flow and self.children:
            return self.children[-1].last_content_line(text, lines)
        if self.kind == "scalar" and self.style in ("|", ">"):
            line = self.end_line - 1 if self.end_col_is_zero(lines) else self.end_line
            while line > self.start_line and not lines.line_text(text, line).strip():
                line -= 1
            return line
        return self.end_line

    def end_col_is_zero(self, lines: LineIndex) -> bool:
        return (
            lines.starts[self.end_line] == self.end if self.end_line < len(lines.starts) else False
        )

    def to_python(self) -> Any:
        if self.kind == "map":
            return {k.to_python(): v.to_python() for k, v in self.items}
        if self.kind == "seq":
            return [c.to_python() for c in self.children]
        return _scalar_value(self)


_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}


def _scalar_value(node: Node) -> Any:
    text = node.value or ""
    tag = node.tag
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return text.lower() in _TRUE
    if tag.endswith(":int"):
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if tag.endswith(":float"):
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


class LineIndex:
    """Character index ↔ line number for a text with \n or \r\n endings."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        pos = text.find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        self.length = len(text)

    def line_start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else self.length

    def line_end(self, text: str, line: int) -> int:
        """Index of the line's terminator (\r\n or \n), or the end of the text."""
        if line + 1 < len(self.starts):
            end = self.starts[line + 1] - 1
            return end - 1 if end > 0 and text[end - 1] == "\r" else end
        return self.length

    def next_line_start(self, line: int) -> int:
        return self.starts[line + 1] if line + 1 < len(self.starts) else self.length

    def line_text(self, text: str, line: int) -> str:
        return text[self.line_start(line) : self.line_end(text, line)]

    @property
    def count(self) -> int:
        return len(self.starts)


@record
class ConfigDocument:
    """config.yaml as read: its bytes, decoded text, line ends and composed node tree."""

    path: Path  # as the user named it
    real_path: Path  # symlinks resolved: the file that is written
    raw: bytes  # exactly what was read ("" for a missing file)
    text: str  # decoded, BOM removed
    bom: bool
    newline: str
    exists: bool
    mode: int | None
    root: Node | None  # None: empty document
    lines: LineIndex
    # Old Mac line ends (CR alone): edited as \n, written back as \r.
    cr_only: bool = False

    def with_text(self, text: str) -> ConfigDocument:
        """The same file with other content (for an edit planned in two passes)."""
        root = parse_text(self.path, text) if text.strip() else None
        return replace(self, text=text, root=root, lines=LineIndex(text))

    def top(self, key: str) -> tuple[Node, Node] | None:
        return self.root.get(key) if self.root is not None else None

    def node_at(self, *path: str) -> Node | None:
        node = self.root
        for key in path:
            if node is None or node.kind != "map":
                return None
            entry = node.get(key)
            node = entry[1] if entry else None
        return node

    def line_of(self, *path: str) -> int | None:
        """1-based line of the deepest existing key on `path`."""
        node = self.root
        line: int | None = None
        for key in path:
            if node is None or node.kind != "map":
                break
            entry = node.get(key)
            if entry is None:
                break
            line = entry[0].start_line + 1
            node = entry[1]
        return line

    def section(self, key: str) -> Any:
        node = self.node_at(key)
        return node.to_python() if node is not None else None


def _convert(n: Any, seen: set[int] | None = None) -> Node:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    seen = set() if seen is None else seen
    alias = id(n) in seen  # the composer hands an alias the anchored node itself
    seen.add(id(n))
    tag = getattr(n.tag, "value", n.tag) or ""
    common = {
        "tag": str(tag),
        "start": n.start_mark.index,
        "end": n.end_mark.index,
        "start_line": n.start_mark.line,
        "end_line": n.end_mark.line,
        "start_col": n.start_mark.column,
        "anchor": getattr(n, "anchor", None)
        if isinstance(getattr(n, "anchor", None), str)
        else None,
        "alias": alias,
    }
    if alias:  # its content is the anchor's: do not walk it twice
        kind = (
            "map"
            if isinstance(n, MappingNode)
            else "seq"
            if isinstance(n, SequenceNode)
            else "scalar"
        )
        return Node(kind=kind, value=None if kind != "scalar" else n.value, **common)
    if isinstance(n, MappingNode):
        node = Node(kind="map", flow=bool(n.flow_style), **common)
        node.items = [(_convert(k, seen), _convert(v, seen)) for k, v in n.value]
        return node
    if isinstance(n, SequenceNode):
        node = Node(kind="seq", flow=bool(n.flow_style), **common)
        node.children = [_convert(c, seen) for c in n.value]
        return node
    return Node(kind="scalar", style=n.style, value=n.value, **common)


def _check_duplicates(path: Path, node: Node) -> None:
    if node.kind == "map":
        seen: dict[object, int] = {}
        for k, v in node.items:
            if k.kind != "scalar":
                raise ConfigError(
                    path,
                    "a key is a list or a mapping; truss needs text keys: write it as text",
                    k.start_line + 1,
                )
            key = k.to_python()
            if key in seen:
                raise ConfigError(
                    path,
                    f"duplicate key {key!r} (first at line {seen[key]}); truss warns and "
                    "uses the last one, and which one you meant cannot be told: remove one "
                    "of them (nothing was changed)",
                    k.start_line + 1,
                )
            seen[key] = k.start_line + 1
            _check_duplicates(path, v)
    elif node.kind == "seq":
        for c in node.children:
            _check_duplicates(path, c)


def parse_text(path: Path, text: str) -> Node | None:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        composed = YAML(typ="rt").compose(text)
    except MarkedYAMLError as e:
        # Point at where the broken construct starts (an unclosed quote, a bracket),
        # and say where the parser gave up.
        start, stop = e.context_mark, e.problem_mark
        # "end of stream" sits past the last line: point at the last line instead.
        last = text.count("\n") + (0 if text.endswith("\n") else 1)
        mark = start or stop
        line = min(mark.line + 1, last) if mark is not None else None
        problem = e.problem or "invalid YAML"
        stop_line = min(stop.line + 1, last) if stop is not None else None
        if e.context and line is not None and stop_line is not None and stop_line != line:
            problem = f"{e.context} starting here: {problem} (line {stop_line})"
        elif e.context:
            problem = f"{e.context}: {problem}"
        raise ConfigError(
            path, f"invalid YAML, {problem}; fix the file and run again", line
        ) from None
    except YAMLError as e:
        raise ConfigError(path, f"invalid YAML: {e}") from None
    if composed is None:
        return None
    root = _convert(composed)
    if root.kind != "map":
        what = "a list" if root.kind == "seq" else "a single value"
        raise ConfigError(
            path,
            f"the document is {what}, but a Truss config is a mapping of keys",
            1 + root.start_line,
        )
    if root.flow and root.items:
        raise ConfigError(
            path,
            "the whole config is one flow-style mapping ({...}); rewrite it in block style "
            "so it can be edited line by line",
            root.start_line + 1,
        )
    _check_duplicates(path, root)
    return root


def read_config(path: Path | str, *, missing_ok: bool = True) -> ConfigDocument:
    """config.yaml, read only if it is a regular file (symlinks followed)."""
    from wizard.config.files import read_regular

    p = Path(path)
    real = Path(os.path.realpath(p))
    try:
        st = os.stat(p)  # through /proc's magic links too (--config /dev/stdin)
    except FileNotFoundError:
        if not missing_ok:
            raise ConfigError(p, "no such file") from None
        if os.path.islink(p):
            raise ConfigError(p, f"is a symlink to {real}, which does not exist") from None
        if not real.parent.is_dir():
            raise ConfigError(p, f"the directory {real.parent} does not exist") from None
        return _make(p, real, b"", exists=False, mode=None)
    except OSError as e:
        raise ConfigError(p, f"cannot read it: {e.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ConfigError(p, "is a directory; pass the config.yaml file inside it")
    raw = read_regular(p)
    try:
        return _make(p, real, raw, exists=True, mode=stat.S_IMODE(st.st_mode))
    except RecursionError:
        raise ConfigError(
            p, "is nested hundreds of levels deep; a Truss config is not: is this the right file?"
        ) from None


def _make(path: Path, real: Path, raw: bytes, *, exists: bool, mode: int | None) -> ConfigDocument:
    from wizard.config.files import decode

    text = decode(path, raw)
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    cr_only = "\r" in text and "\n" not in text
    if cr_only:
        text = text.replace("\r", "\n")
    first_nl = text.find("\n")
    newline = "\r\n" if first_nl > 0 and text[first_nl - 1] == "\r" else "\n"
    root = parse_text(path, text) if text.strip() else None
    return ConfigDocument(
        path=path,
        real_path=real,
        raw=raw,
        text=text,
        bom=bom,
        newline=newline,
        exists=exists,
        mode=mode,
        root=root,
        lines=LineIndex(text),
        cr_only=cr_only,
    )


def encode(doc: ConfigDocument, text: str) -> bytes:
    if doc.cr_only:
        text = text.replace("\n", "\r")
    return ((BOM if doc.bom else "") + text).encode("utf-8")
