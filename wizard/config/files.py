"""Reading a user's file safely: regular files only (after following symlinks), never
blocking on a FIFO, never reading a device or an endless file, and decoding with a
message that names the encoding or the line at fault. config.yaml, a key file and a
docker config all come through here."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from wizard.config.document import ConfigError

# A Truss config is kilobytes; a key file or docker config a few more.
MAX_BYTES = 4 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: Path | str, *, limit: int = MAX_BYTES, what: str = "") -> bytes:
    """The bytes of `path`, a regular file (symlinks followed), at most `limit` of them.
    Anything else is a ConfigError naming what it is; nothing here can block."""
    p = Path(path)
    label = f"{what} " if what else ""
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise ConfigError(p, f"{label}no such file") from None
    except OSError as e:
        raise ConfigError(p, f"cannot read {label}it: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(p, f"is {kind_of(st.st_mode)}, not a regular file; nothing was read")
    try:
        # O_NONBLOCK: a FIFO swapped in after the stat above cannot hang the open.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise ConfigError(p, f"cannot read {label}it: {e.strerror}") from None
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode):
            raise ConfigError(p, f"is {kind_of(fst.st_mode)}, not a regular file")
        if fst.st_size > limit:
            raise ConfigError(p, _too_big(fst.st_size, limit))
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # it grew while we read (or st_size lied)
                raise ConfigError(p, _too_big(total, limit))
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as e:
        raise ConfigError(p, f"cannot read {label}it: {e.strerror}") from None
    finally:
        os.close(fd)


def _too_big(size: int, limit: int) -> str:
    def amount(n: int) -> str:
        return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"

    return f"is {amount(size)}, over the {amount(limit)} limit: is this the right file?"


_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
)


def decode(path: Path | str, raw: bytes) -> str:
    """`raw` as UTF-8 text (BOM kept for the caller to strip), or a ConfigError that says
    which encoding it is, or the line of the first byte or character that is wrong."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise ConfigError(path, f"is {name} text; save it as UTF-8", 1)
    sniffed = _wide_encoding(raw)
    if sniffed:
        raise ConfigError(path, f"looks like {sniffed} text without a BOM; save it as UTF-8", 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ConfigError(path, "is not UTF-8 text; save it as UTF-8", line) from None
    found = _CONTROL.search(text)  # one C-speed scan: doctor reads a thousand files
    if found is not None:
        i, ch = found.start(), found.group()
        line = text.count("\n", 0, i) + 1
        column = i - (text.rfind("\n", 0, i) + 1) + 1
        raise ConfigError(
            path,
            f"has a control character (U+{ord(ch):04X}) at column {column}; YAML allows "
            "none: remove it",
            line,
        )
    check_depth(path, text)
    return text


MAX_DEPTH = 200
_INDENT = re.compile(r"(?m)^ +")


def check_depth(path: Path | str, text: str) -> None:
    """Refuse YAML nested deeper than any config (flow brackets, or block indentation):
    parsers recurse, and a deep enough file crashes them."""
    indent = max(map(len, _INDENT.findall(text)), default=0)
    if indent > MAX_DEPTH * 4:
        raise ConfigError(
            path, f"is indented over {MAX_DEPTH * 4} spaces deep; a Truss config is not"
        )
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return  # cannot nest deeper than it has brackets
    depth = deepest = 0
    quote = ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
        elif ch == "\n":
            quote = ""  # a stray quote does not span lines for this count
    if deepest > MAX_DEPTH:
        raise ConfigError(
            path,
            f"is nested over {MAX_DEPTH} levels deep; a Truss config is not: is this the "
            "right file?",
        )


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _wide_encoding(raw: bytes) -> str | None:
    """UTF-16/UTF-32 without a BOM: ASCII text with NULs between the characters."""
    sample = raw[:512]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    for width, name in ((4, "UTF-32"), (2, "UTF-16")):
        usable = len(sample) - len(sample) % width
        if usable < width:
            continue
        units = [sample[i : i + width] for i in range(0, usable, width)]
        for pos in range(width):
            rest = [j for j in range(width) if j != pos]
            if all(u[pos] != 0 and all(u[j] == 0 for j in rest) for u in units):
                return name
    return None
