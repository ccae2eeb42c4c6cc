"""Text splicing: apply a mapping patch to the located nodes of a document.

Every edit is a (start, end, replacement) on the original text. Scalars are
replaced in place (keeping their quote style), keys are deleted with the
comments that belong to them, new keys are inserted after the mapping's last
line of content, and only a value that is not a block mapping (flow style,
null, a scalar) is re-rendered as a block. Everything else stays byte-identical.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from wizard.config.document import ConfigDocument, ConfigError, Node
from wizard.model.record import field, record

DELETE = object()
Value = Any  # str | None | bool | int | float | list | dict | MapPatch | DELETE


@record
class MapPatch:
    """Desired changes to one mapping, in the order new keys should appear."""

    set: dict[str, Value] = field(default_factory=dict)
    # Written only over an existing key whose value differs (truss defaults).
    soft: dict[str, str] = field(default_factory=dict)
    # New keys that go first in the mapping rather than last (base_image.image).
    first: frozenset[str] = frozenset()
    # Per-key equality, for values truss normalises (auth_method is upper-cased).
    same: dict[str, Callable[[Any, Any], bool]] = field(default_factory=dict)


_PLAIN_UNSAFE_FIRST = set("-?:,[]{}#&*!|>'\"%@`")
_SPECIAL = {"", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n"}
_NUMBERISH = re.compile(
    r"^[-+]?(?:\.?[0-9][0-9_.:eE+-]*|\.inf|\.nan|0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+)$", re.I
)
_TIMESTAMP = re.compile(r"^\d{4}-\d\d?-\d\d?")
# Besides the C0 controls: DEL, and what PyYAML (truss's reader) breaks lines at.
_BREAKS_TOO = "\x7f\x85\u2028\u2029"
_ESCAPE_BREAKS = {ord(c): f"\\u{ord(c):04x}" for c in _BREAKS_TOO}


def plain_safe(text: str) -> bool:
    """True when `text` reads back as the same string in YAML 1.1 and 1.2, unquoted."""
    return not (
        text.lower() in _SPECIAL
        or text != text.strip()
        or text[0] in _PLAIN_UNSAFE_FIRST
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or any(ord(c) < 32 or c in _BREAKS_TOO for c in text)
        or _NUMBERISH.match(text)
        or _TIMESTAMP.match(text)
    )


def render_scalar(value: Any, style: str | None = None) -> str:
    if value is None:
        return "null"
    if value == {}:
        return "{}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if style == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if style == '"' or not plain_safe(text):
        return json.dumps(text, ensure_ascii=False).translate(_ESCAPE_BREAKS)
    return text


def render_block(value: dict[str, Any], col: int, step: int, style: str | None) -> list[str]:
    """Block-style lines for a mapping (no line terminators)."""
    lines: list[str] = []
    pad = " " * col
    for key, v in value.items():
        k = render_scalar(key)
        if isinstance(v, dict) and v:
            lines.append(f"{pad}{k}:")
            lines.extend(render_block(v, col + step, step, style))
        elif isinstance(v, list) and v:
            lines.append(f"{pad}{k}:")
            for item in v:
                if isinstance(item, dict) and item:
                    sub = render_block(item, col + step + 2, step, style)
                    lines.append(f"{pad}{' ' * step}- {sub[0].lstrip()}")
                    lines.extend(sub[1:])
                else:
                    lines.append(f"{pad}{' ' * step}- {render_scalar(item, style)}")
        elif isinstance(v, (dict, list)):
            lines.append(f"{pad}{k}: {'{}' if isinstance(v, dict) else '[]'}")
        else:
            lines.append(f"{pad}{k}: {render_scalar(v, style if isinstance(v, str) else None)}")
    return lines


def _value_of(v: Any) -> Any:
    """The plain value a patch entry leads to (for rendering a whole new block)."""
    if isinstance(v, MapPatch):
        return {k: _value_of(x) for k, x in v.set.items() if x is not DELETE}
    return v


def merge(current: Any, patch: MapPatch) -> dict[str, Any]:
    base = current if isinstance(current, dict) else {}
    out: dict[str, Any] = {k: _value_of(v) for k, v in patch.set.items() if k in patch.first}
    for k, v in base.items():
        if k in out:
            continue
        if k in patch.set:
            want = patch.set[k]
            if want is DELETE:
                continue
            out[k] = merge(v, want) if isinstance(want, MapPatch) else want
        elif k in patch.soft and v != patch.soft[k]:
            out[k] = patch.soft[k]
        else:
            out[k] = v
    for k, v in patch.set.items():
        if k not in out and v is not DELETE:
            out[k] = _value_of(v)
    return out


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class Splicer:
    def __init__(self, doc: ConfigDocument) -> None:
        self.doc = doc
        self.text = doc.text
        self.lines = doc.lines
        self.nl = doc.newline
        self.edits: list[tuple[int, int, str]] = []
        self.deleted: list[tuple[int, int]] = []  # whole-line ranges, merged at the end
        self.step = self._detect_step()

    # -- primitives ---------------------------------------------------------

    def _edit(self, start: int, end: int, new: str) -> None:
        if self.text[start:end] != new:
            self.edits.append((start, end, new))

    def _line_deletions(self) -> list[tuple[int, int, str]]:
        merged: list[list[int]] = []
        for first, last in sorted(self.deleted):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        out: list[tuple[int, int, str]] = []
        for first, last in merged:
            if last + 1 < self.lines.count:
                out.append((self.lines.line_start(first), self.lines.line_start(last + 1), ""))
            else:  # the range ends a file without a final newline: take the newline before it
                start = self.lines.line_end(self.text, first - 1) if first > 0 else 0
                out.append((start, self.lines.length, ""))
        return out

    def result(self) -> str:
        self.edits.extend(self._line_deletions())
        self.deleted.clear()
        out = self.text
        last = len(out) + 1
        # Applied back to front; inserts at one position keep their call order.
        ordered = sorted(enumerate(self.edits), key=lambda e: (e[1][0], e[1][1], e[0]))
        for _, (start, end, new) in reversed(ordered):
            if end > last:
                raise AssertionError("overlapping edits")
            out = out[:start] + new + out[end:]
            last = start
        return out

    def _line(self, n: int) -> str:
        return self.lines.line_text(self.text, n)

    def _detect_step(self) -> int:
        root = self.doc.root
        if root is not None:
            for k, v in root.items:
                if v.kind == "map" and not v.flow and v.items:
                    step = v.items[0][0].start_col - k.start_col
                    if step > 0:
                        return step
        return 2

    def _colon_end(self, key: Node) -> int:
        pos = self.text.find(":", key.end)
        if pos == -1:
            raise ConfigError(self.doc.path, "cannot locate ':' after a key", key.start_line + 1)
        return pos + 1

    def _content_last_line(self, key: Node, value: Node) -> int:
        if value.is_empty_null:
            return key.end_line
        return max(key.end_line, value.last_content_line(self.text, self.lines))

    def _insert_lines_after(self, line: int, new_lines: list[str]) -> None:
        pos = self.lines.line_end(self.text, line)
        self.edits.append((pos, pos, "".join(self.nl + ln for ln in new_lines)))

    # -- scalars ------------------------------------------------------------

    def set_scalar(self, key: Node, value: Node, want: Any, hint: str | None) -> None:
        if value.kind == "scalar" and value.style not in ("|", ">"):
            style = value.style if value.style in ("'", '"') else hint
            if value.is_empty_null:
                pos = self._colon_end(key)
                self._edit(pos, pos, " " + render_scalar(want, style))
            else:
                self._edit(value.start, value.end, render_scalar(want, style))
            return
        # A block scalar or a collection: replace everything after the colon.
        end = self.lines.line_end(self.text, self._content_last_line(key, value))
        self._edit(self._colon_end(key), end, " " + render_scalar(want, hint))

    # -- mappings -----------------------------------------------------------

    def delete_entry(self, key: Node, value: Node) -> None:
        if self.text[self.lines.line_start(key.start_line) : key.start].strip():
            raise ConfigError(
                self.doc.path,
                f"cannot remove {key.value!r}: it shares its line with other content; "
                "put it on a line of its own",
                key.start_line + 1,
            )
        first = key.start_line
        while (
            first > 0
            and _is_comment(self._line(first - 1))
            and _indent(self._line(first - 1)) >= key.start_col
        ):
            first -= 1
        last = self._content_last_line(key, value)
        while (
            last + 1 < self.lines.count
            and _is_comment(self._line(last + 1))
            and _indent(self._line(last + 1)) > key.start_col
        ):
            last += 1
        self.deleted.append((first, last))

    def replace_with_block(
        self, key: Node, value: Node, content: dict[str, Any], col: int, hint: str | None
    ) -> None:
        """Turn `key: <flow map | null | scalar>` into `key:` followed by a block."""
        last = self._content_last_line(key, value)
        if not value.is_empty_null:
            self._edit(self._colon_end(key), value.end, "")
        self._insert_lines_after(last, render_block(content, col, self.step, hint))

    def patch_map(self, key: Node | None, node: Node, patch: MapPatch) -> None:
        hint = _quote_hint(node)
        child_col = node.items[0][0].start_col
        present: set[str] = set()
        # New keys go after the last entry that survives the patch.
        anchor = key.end_line if key is not None else None
        for k, v in node.items:
            name = k.value if k.kind == "scalar" else None
            if name is None or patch.set.get(name, None) is not DELETE:
                anchor = self._content_last_line(k, v)
            if name is None:
                continue
            present.add(name)
            if name in patch.set:
                want = patch.set[name]
                if want is DELETE:
                    self.delete_entry(k, v)
                elif isinstance(want, MapPatch):
                    if v.kind == "map" and not v.flow and v.items:
                        self.patch_map(k, v, want)
                    else:
                        current = v.to_python() if v.kind == "map" else None
                        merged = merge(current, want)
                        if merged:
                            if merged != current:
                                self.replace_with_block(k, v, merged, child_col + self.step, hint)
                        elif v.kind != "map":  # null or a scalar where a mapping belongs
                            self.set_scalar(k, v, {}, None)
                elif not self._same(patch, name, v, want):
                    self.set_scalar(k, v, want, hint)
            elif name in patch.soft and not self._same(patch, name, v, patch.soft[name]):
                self.set_scalar(k, v, patch.soft[name], hint)
        new = {
            k: _value_of(v) for k, v in patch.set.items() if k not in present and v is not DELETE
        }
        head = {k: v for k, v in new.items() if k in patch.first}
        tail = {k: v for k, v in new.items() if k not in patch.first}
        if head and key is not None:
            self._insert_lines_after(key.end_line, render_block(head, child_col, self.step, hint))
        if tail:
            if anchor is None:
                raise ConfigError(self.doc.path, "cannot place new keys in an emptied mapping")
            self._insert_lines_after(anchor, render_block(tail, child_col, self.step, hint))

    @staticmethod
    def _same(patch: MapPatch, name: str, node: Node, want: Any) -> bool:
        if node.kind != "scalar":
            return False
        have = node.to_python()
        if want is None:
            return have is None
        cmp = patch.same.get(name)
        return cmp(have, want) if cmp else have == want and isinstance(have, str)

    def append_top(self, content: dict[str, Any]) -> None:
        """New top-level blocks go after the last top-level entry, so that a closing
        comment section (commented-out options, notes) stays last."""
        lines = render_block(content, 0, self.step, None)
        block = self.nl.join(lines)
        text = self.text
        root = self.doc.root
        if root is not None and root.flow:  # `{}`: the empty mapping becomes the block
            self._edit(root.start, root.end, block)
        elif root is not None and root.items:
            k, v = root.items[-1]
            self._insert_lines_after(self._content_last_line(k, v), lines)
        elif not text.strip():
            self._edit(0, len(text), block + self.nl)
        elif text.endswith("\n"):
            self._edit(len(text), len(text), block + self.nl)
        else:  # the file has no final newline: keep it that way
            self._edit(len(text), len(text), self.nl + block)


def _quote_hint(node: Node) -> str | None:
    """The quote style most of the mapping's string values use (None = plain)."""
    counts: dict[str | None, int] = {}
    for _, v in node.items:
        if v.kind == "scalar" and v.tag.endswith(":str") and v.value:
            style = v.style if v.style in ("'", '"') else None
            counts[style] = counts.get(style, 0) + 1
    if not counts:
        return None
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > counts.get(None, 0) else None


def apply_patch(doc: ConfigDocument, patch: MapPatch) -> str:
    """The document's text with `patch` applied to its root mapping.

    Two passes: existing top-level entries are patched first; keys that are still
    missing are appended to that result, so an append never lands in a span the
    first pass removed.
    """
    root = doc.root
    present = {k.value for k, _ in root.items if k.kind == "scalar"} if root else set()
    text = doc.text
    if root is not None and root.items:
        sp = Splicer(doc)
        sp.patch_map(None, root, MapPatch(set={k: v for k, v in patch.set.items() if k in present}))
        text = sp.result()
    missing = {
        k: v
        for k, v in patch.set.items()
        if k not in present and v is not DELETE and not (isinstance(v, MapPatch) and not v.set)
    }
    if not missing:
        return text
    sp = Splicer(doc.with_text(text) if text != doc.text else doc)
    sp.append_top(merge({}, MapPatch(set=missing)))
    return sp.result()
