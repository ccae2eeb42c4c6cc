"""The one redactor: what would show a secret value shows a marker naming what was
hidden instead, in the style of Terraform's `(sensitive value)`. A diff still shows
*that* a line changes."""

from __future__ import annotations

from collections.abc import Iterable


def marker(value: str) -> str:
    return f"<secret value, {len(value)} chars>"


def redact(text: str, values: Iterable[str]) -> str:
    """`text` with every occurrence of each value replaced by its marker (longest first,
    so a value inside another is not half-replaced), and a value cut off where `text` was
    shortened with an ellipsis (a server's echo cut to fit a line: "... pass-wo...")."""
    ordered = sorted({v for v in values if v}, key=len, reverse=True)
    for value in ordered:
        text = text.replace(value, marker(value))
    for value in ordered:
        text = _hide_cut_tail(text, value)
    return text


def _hide_cut_tail(text: str, value: str, least: int = 4) -> str:
    """Where `text` was shortened with an ellipsis ("... pass-wo..."), the start of
    `value` just before it."""
    import re

    for ellipsis in reversed(list(re.finditer(r"\.\.\.|…", text))):
        head = text[: ellipsis.start()]
        for n in range(len(value) - 1, least - 1, -1):
            if head.endswith(value[:n]):
                text = head[:-n] + marker(value) + text[ellipsis.start() :]
                break
    return text


# C0 controls but newline and tab, DEL and the C1 controls: an ESC or a BEL from a server
# or a file would drive the user's terminal (clear it, set its clipboard by OSC 52).
_BEYOND_C0 = (0x7F, *range(0x80, 0xA0))
_CONTROLS = {c: "?" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *_BEYOND_C0]}
# json.dumps escapes the C0 controls itself, not these: `\u00XX` means the same in a string.
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in _BEYOND_C0}


def printable(text: str) -> str:
    """`text` safe to print on a terminal: every control character a `?`."""
    return text.translate(_CONTROLS)


def sh_path(path: str) -> str:
    """A path as one shell word that no command reads as an option (`-d/config.yaml` is
    given as `./-d/config.yaml`): every command the wizard prints with a file in it, so a
    pasted command runs nothing a file's name smuggles in."""
    import shlex

    return shlex.quote("./" + path if path.startswith("-") else path)


def printable_json(text: str) -> str:
    """JSON text (`json.dumps(..., ensure_ascii=False)`) safe to print on a terminal, the
    same data: DEL and the C1 controls (a CSI or an OSC to some terminals) escaped."""
    return text.translate(_JSON_ESCAPES)


# How Go's encoding/json (the registries' own language) writes these inside a string.
_GO_JSON = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def forms(value: str) -> set[str]:
    """`value` as a server might echo it back: as is, in base64 (standard or URL-safe,
    padded or not), in hex (either case), percent-encoded, escaped as repr(), JSON (as
    Python and Go write it) and HTML do."""
    import base64
    import html
    import json
    from urllib.parse import quote

    if not value:
        return set()
    raw = value.encode("utf-8", "surrogateescape")
    as_json = json.dumps(value)[1:-1]
    # ... and escaped, as a repr() or a JSON string shows it (a backslash doubled).
    out = {value, raw.hex(), raw.hex().upper(), quote(value, safe=""), repr(value)[1:-1]}
    out |= {as_json, as_json.translate(_GO_JSON), html.escape(value), html.escape(value, False)}
    for enc in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        out |= {enc, enc.rstrip("=")}
    return {f for f in out if len(f) >= 4}
