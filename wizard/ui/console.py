"""Line-oriented terminal output shared by the commands and the plain wizard: messages,
coloured diffs, and the summary of what the one finisher did.

ANSI by hand rather than rich: this sits on the `setup --dry-run` path, whose
whole-process budget is 0.25 s.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Any, TextIO

from wizard.model.exits import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from wizard.model.redact import printable

if TYPE_CHECKING:
    from wizard.config.plan import SetupPlan
    from wizard.flow.finish import Outcome
    from wizard.flow.state import Flow


def color_enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


def paint(text: str, code: str, stream: TextIO) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color_enabled(stream) else text


def width(stream: TextIO | None = None) -> int:
    """Columns to wrap at: the terminal's, one short of the edge (a line that fills the
    last column makes some terminals add a blank line)."""
    import shutil

    return max(20, shutil.get_terminal_size((80, 24)).columns - 1)


# A line's hanging indent: its own indent plus a list marker ("1. ", "- ", "✗ ").
_HANG = re.compile(r"^(\s*(?:(?:\d+[.)]|[-*•✓✗?!])\s+)?)")
_PAINT = re.compile(r"\x1b\[[0-9;]*m")


def wrap(text: str, columns: int | None = None) -> str:
    """`text` wrapped at word boundaries to `columns` (the terminal's): each line keeps
    its indent, list items hang, and a word longer than a line (a URL, a command) is
    left whole rather than cut in two."""
    import textwrap

    columns = columns or width()
    out: list[str] = []
    for line in text.splitlines() or [""]:
        visible = _PAINT.sub("", line)  # what `paint` added takes no column
        if len(visible) <= columns:
            out.append(line.rstrip())
            continue
        hang = " " * len(_HANG.match(visible).group(1))  # type: ignore[union-attr]
        pieces = textwrap.wrap(
            visible,
            columns,
            subsequent_indent=hang,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
        if visible != line:  # painted (a mark at its start): the first piece keeps the paint
            first = _painted_prefix(line, len(pieces[0]))
            if _PAINT.sub("", first) == pieces[0] and not _PAINT.search(line, len(first)):
                pieces[0] = first
        out += pieces
    return "\n".join(out)


def _painted_prefix(line: str, n: int) -> str:
    """The start of `line` that shows its first `n` characters, with the paint in it."""
    i = seen = 0
    while i < len(line):
        if m := _PAINT.match(line, i):
            i = m.end()
        elif seen == n:
            break
        else:
            i, seen = i + 1, seen + 1
    return line[:i]


def _say(prefix: str, code: str, message: str) -> None:
    """A message on stderr; on a terminal, wrapped to its width at word boundaries."""
    text = printable(f"{prefix} {message}" if prefix else message)
    if sys.stderr.isatty():
        text = wrap(text)
    if prefix:
        text = paint(prefix, code, sys.stderr) + text[len(prefix) :]
    print(text, file=sys.stderr)


def info(message: str) -> None:
    _say("", "", message)


def warn(message: str) -> None:
    _say("warning:", "33", message)


def error(message: str) -> None:
    _say("error:", "31;1", message)


def print_diff(diff: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for line in diff.splitlines():
        line = printable(line)  # the file's name in the header may hold an ESC
        if line.startswith(("+++", "---")):
            line = paint(line, "1", out)
        elif line.startswith("+"):
            line = paint(line, "32", out)
        elif line.startswith("-"):
            line = paint(line, "31", out)
        elif line.startswith("@@"):
            line = paint(line, "36", out)
        print(line, file=out)


def step_lines(n: int, step: str, username: str | None = None) -> list[str]:
    """A numbered step: its prose wrapped on a terminal, each command it names (the
    backticked parts) alone on an indented line, never wrapped, so it can be copied."""
    if username:
        import shlex

        step = step.replace("<user>", shlex.quote(username))
    head, hang = f"  {n}. ", " " * (len(str(n)) + 4)
    out: list[str] = []
    prose = ""
    for i, part in enumerate(re.split(r"`([^`]+)`", step)):
        if i % 2 == 0:
            prose += part
            continue
        out.append(_tidy(prose))
        out.append("\0" + part)  # a command: a line of its own
        prose = ""
    out.append(_tidy(prose))
    out = [p for p in out if p]
    lines: list[str] = []
    for piece in out:
        if piece.startswith("\0"):
            lines.append(f"{hang}  {piece[1:]}")
        else:
            lines.append((head if not lines else hang) + piece)
    if not lines:
        lines.append(head.rstrip())
    elif not lines[0].startswith(head):
        lines.insert(0, head.rstrip())
    return lines


def _tidy(prose: str) -> str:
    """Prose around a command moved to its own line, without the punctuation that hugged
    it (", or follow", "(... shows how).")."""
    text = prose.strip().lstrip(",;").strip().rstrip("(").strip()
    if text.endswith(").") and "(" not in text:
        text = text[:-2].rstrip() + "."
    return "" if text in ("", ".", ")") else text


def print_steps(steps: list[str], username: str | None = None, title: str = "Next:") -> None:
    if not steps:
        return
    info(title)
    for i, step in enumerate(steps, 1):
        for line in step_lines(i, step, username):
            # wrap prose only: a command line is printed whole
            print(
                line if line.startswith(" " * (len(str(i)) + 6)) else fit(line),
                file=sys.stderr,
            )


def fit(text: str, stream: TextIO | None = None) -> str:
    """`text` wrapped at word boundaries when `stream` (stderr by default) is a terminal;
    as it is for a pipe or a file, where a reader's own tools do the wrapping."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return text
    return wrap(text) + ("\n" if text.endswith("\n") else "")


def print_outcome(outcome: Outcome, flow: Flow | None = None) -> None:
    """What the finisher did, then what is left to do: the file written, the Baseten
    secrets still to create, the live check, and `truss push` only when nothing is open.
    The one summary of every front end: `setup`, the plain wizard, and the full-screen
    one once its screen is gone."""
    username = (flow.value("username") if flow is not None else None) or None
    for line in outcome.created:
        info(f"created: {line}")
    action = (
        ("created" if outcome.created_file else "updated")
        if outcome.written
        else "unchanged (it already had this setup)"
    )
    info(f"{outcome.path} {action}: {outcome.registry}, {outcome.method}.")
    for name in outcome.stored:
        info(f"stored in Baseten: {name}")
    if outcome.store_note:
        (error if outcome.store_failed else warn)(outcome.store_note)
    for name in outcome.secrets:
        if name not in outcome.stored:
            how = outcome.secret_values.get(name, "")
            info(f"Baseten secret to create: {name}" + (f" ({how})" if how else ""))
    if outcome.check:
        info(f"Live check: {outcome.check}")
    print_steps(outcome.next_steps, username)
    if not outcome.open:  # the finisher's word on what is left before truss push works
        info(f"Run next: {outcome.push_command}")


NOT_INTERACTIVE = "not interactive: pass --dry-run to preview the change or --yes to write it"


def ask_yes(question: str) -> bool:
    """A typed yes: `y` or `yes` then Enter; anything else (or no input) is no."""
    try:
        answer = input(printable(question))  # it names the file, which may hold an ESC
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}


def act(
    flow: Flow,
    plan: SetupPlan,
    diff: str,
    warnings: list[str],
    *,
    dry_run: bool,
    yes: bool,
    provision: Any = None,
    show_diff: bool = True,
) -> int:
    """Show the reviewed diff (and any AWS provisioning), ask, then hand the reviewed plan
    to the one finisher and print its outcome. `provision` is a ProvisionPlan."""
    from wizard.flow.finish import FinishError, finish
    from wizard.flow.steps import next_steps

    edit = plan.edit
    creates = provision is not None and not provision.empty
    if not edit.changed and not creates:
        for w in warnings:
            warn(w)
        if provision is not None:
            info(provision.render())
        info(
            f"{plan.doc.path} already has this setup ({plan.registry.label}, "
            f"{plan.method.label}); nothing to change."
        )
        return EXIT_OK
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not dry_run and not yes and not interactive:
        error(NOT_INTERACTIVE)
        return EXIT_USAGE
    if not dry_run and edit.changed:
        from wizard.config.document import ConfigError
        from wizard.config.writer import check_writable

        try:
            check_writable(plan.doc)
        except ConfigError as e:  # on the command line, a preview is one flag away
            raise ConfigError(e.path, f"{e.message}, or pass --dry-run to preview") from None
    if edit.changed and show_diff:
        print_diff(diff)
    for w in warnings:
        warn(w)
    if provision is not None:
        print(provision.render())
    if dry_run:
        nothing = ", and nothing was created in AWS." if creates else "."
        info(f"dry run: {plan.doc.path} was not written{nothing}")
        print_steps(next_steps(plan))
        return EXIT_OK
    question = "Create these in AWS and write " if creates else "Write these changes to "
    if not yes and not ask_yes(f"{question}{plan.doc.path}? [y/N] "):
        info("No changes were made.")
        return EXIT_USAGE
    try:
        outcome = finish(flow, provision if creates else None, plan)
    except FinishError as e:
        for line in e.done:
            info(f"created: {line}")
        error(e.message)
        return EXIT_ERROR
    print_outcome(outcome, flow)
    return EXIT_ERROR if outcome.store_failed else EXIT_OK


# -- markdown as terminal text ---------------------------------------------------------

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
# **bold** or __bold__, as markdown reads them: a run of stars alone ("********", a
# masked value) is no mark, nor are underscores inside a word (an image's "my__app").
_STRONG = re.compile(
    r"\*\*(?=[^\s*])(.+?)(?<=[^\s*])\*\*|(?<!\w)__(?=[^\s_])(.+?)(?<=[^\s_])__(?!\w)"
)


def plain_inline(text: str) -> str:
    """Markdown inline marks dropped: `code` and **bold** as their text, a link as
    "text (url)". Code spans are kept as written (an `arn:...:*` stays whole). The one
    way every front end strips marks from text meant for a terminal; a backtick with no
    partner is not a mark and stays."""
    parts = _CODE_SPAN.split(text)
    out: list[str] = []
    # split() with two groups: text, ticks, code, text, ticks, code, ...
    for i in range(0, len(parts), 3):
        prose = _STRONG.sub(lambda m: m[1] or m[2], parts[i])
        out.append(_LINK.sub(lambda m: f"{m[1]} ({m[2]})" if m[1] != m[2] else m[1], prose))
        if i + 2 < len(parts):
            out.append(parts[i + 2].strip() if parts[i + 2].strip() else parts[i + 2])
    return "".join(out)


def render_markdown(markdown: str, columns: int | None = None, *, color: bool = False) -> str:
    """A guide's markdown as terminal text: prose wrapped at word boundaries to
    `columns`, marks dropped, headings bold (with `color`), and code blocks printed
    exactly as written, indented and never wrapped, so a copied command still works.
    Without `color` the text has no escape sequences at all."""
    import textwrap

    columns = columns or width()
    out: list[str] = []
    block: list[str] = []  # the lines of the paragraph, list item or quote being read
    first = rest = ""  # the block's first-line prefix and its hanging indent

    def blank() -> None:
        if out and out[-1] != "":
            out.append("")

    def flush() -> None:
        nonlocal block
        if block:
            text = plain_inline(" ".join(line.strip() for line in block))
            wrapped = textwrap.wrap(
                text,
                columns,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
            # A word too long for its indent (a URL) goes to the left edge, whole.
            out.extend(w.lstrip() if len(w) > columns else w for w in wrapped)
        block = []

    lines = markdown.splitlines()
    i = 0
    in_list = False
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush()
            indent, mark = fence.group(1), fence.group(2)
            blank()
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(mark):
                code = lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i]
                for piece in _code_lines("    " + indent + code.rstrip(), columns):
                    out.append(paint_if(piece, "36", color) if piece.strip() else "")
                i += 1
            i += 1  # the closing fence
            out.append("")
            continue
        if not line.strip():
            flush()
            in_list = False
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            blank()
            title = plain_inline(heading.group(2))
            for piece in textwrap.wrap(title, columns, break_long_words=False) or [""]:
                out.append(paint_if(piece, "1", color))
            if len(heading.group(1)) == 1:
                out.append("=" * min(len(title), columns))
            out.append("")
            i += 1
            continue
        item = _ITEM.match(line)
        quote = _QUOTE.match(line)
        if item:
            flush()
            if not in_list:
                blank()
            in_list = True
            indent, marker, text = item.groups()
            marker = "-" if marker in "-*+" else marker
            first = "  " + indent + marker + " "
            rest = " " * len(first)
            block = [text]
        elif quote:
            if not block or first != "  | ":
                flush()
                blank()
                first = rest = "  | "
            block.append(quote.group(1))
        elif line.lstrip().startswith("|"):
            flush()
            blank()
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = [plain_inline(c.strip()) for c in lines[i].strip().strip("|").split("|")]
                if not all(set(c) <= set("-: ") for c in cells):
                    rows.append(cells)
                i += 1
            widths = [max(len(r[k]) for r in rows if k < len(r)) for k in range(len(rows[0]))]
            for r in rows:
                cells = (c.ljust(w) for c, w in zip(r, widths, strict=False))
                out.append(("  " + "  ".join(cells)).rstrip())
            out.append("")
            continue
        else:
            if not block:
                blank()
                first = rest = ""
            block.append(line)
        i += 1
    flush()
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def _code_lines(line: str, columns: int) -> list[str]:
    """A code line as printed: a command stays one line however long (folded, it would
    break when copied); a comment line is wrapped into more comment lines."""
    import textwrap

    body = line.lstrip()
    if len(line) <= columns or not body.startswith("# "):
        return [line]
    lead = line[: len(line) - len(body)] + "# "
    return textwrap.wrap(
        body[2:],
        columns,
        initial_indent=lead,
        subsequent_indent=lead,
        break_long_words=False,
        break_on_hyphens=False,
    )


def paint_if(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text
