"""The plain front end: one questionary prompt per Question, behind a small Prompter
interface so tests can script it (as gh's tests do) and other skins can reuse the loop."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path
from typing import Any, Protocol, TextIO

from wizard.config.plan import SetupError
from wizard.flow import INFO_IDS, Flow, Kind, Question
from wizard.model.exits import EXIT_ERROR, EXIT_USAGE
from wizard.model.redact import printable
from wizard.model.secret import Secret
from wizard.ui import console

BACK_LABEL = "← Back"


class Back(Exception):
    """The user asked to go back one question."""


class Prompter(Protocol):
    def choice(self, q: Question) -> str: ...
    def text(self, q: Question) -> str: ...
    def secret(self, q: Question) -> Secret: ...
    def confirm(self, q: Question) -> bool: ...
    def show(self, title: str, body: str) -> None: ...
    def error(self, message: str) -> None: ...


def write_default(q: Question) -> bool:
    """A confirm's default. Writing config.yaml is never the default: only a typed yes
    writes (the flow offers "yes" there for the full-screen wizard's button)."""
    return False if q.id == "yes" else q.default != "no"


def _hint(default: bool) -> str:
    return ("[Y/n]" if default else "[y/N]") + " (< to go back)"


YES_NO_AGAIN = "Type y or n (or < to go back), then Enter."


def yes_no(typed: str) -> bool | None:
    """A typed yes/no, in both prompters: y/yes, n/no (any case), else None (ask again)."""
    word = typed.strip().lower()
    return True if word in ("y", "yes") else False if word in ("n", "no") else None


class QuestionaryPrompter:
    """Real prompts. `input`/`output` go to prompt_toolkit (pipe input in tests).

    Every prompt is wrapped to the terminal's width at word boundaries (prompt_toolkit
    would cut a long line mid-word); a validation error is printed in full above the
    question asked again (not in a one-line toolbar); an accepted default is echoed;
    a yes/no is a typed word and Enter, as every other answer (`<` included)."""

    def __init__(self, **pt_kwargs: Any) -> None:
        self.kw = pt_kwargs
        self.noted: set[str] = set()
        # Without this prompt_toolkit asks the terminal where its cursor is before the
        # first prompt; a terminal slow to answer (or one that never does, like a
        # `script` log) gets the first question drawn twice, and a CPR warning.
        os.environ.setdefault("PROMPT_TOOLKIT_NO_CPR", "1")

    def _columns(self) -> int:
        out = self.kw.get("output")
        if out is not None:
            try:
                return max(20, out.get_size().columns - 1)
            except Exception:  # a DummyOutput in tests
                return 79
        return console.width()

    def _message(self, text: str, room: int = 0) -> str:
        """The question (marks dropped by the caller: a default in it is shown as it is),
        wrapped after questionary's "? " and indented under it; the answer on a line of
        its own when fewer than `room` columns are left for it."""
        text = printable(text)  # a default from the file may hold an ESC (see printable)
        columns = self._columns()
        lines = textwrap.wrap(
            text,
            columns - 2,
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        ) or [text]
        if room and len(lines[-1]) + 4 + room > columns:
            lines.append(" ›")
        return "\n".join(lines)

    def _ask(self, prompt: Any) -> Any:
        """The answer; Ctrl-C, and Ctrl-D (end of input, which prompt_toolkit raises as
        EOFError: a traceback), cancel the run as the line prompter's do."""
        try:
            return prompt.unsafe_ask()
        except EOFError:
            raise KeyboardInterrupt from None

    def choice(self, q: Question) -> str:
        import questionary

        columns = self._columns()
        choices = [
            questionary.Choice(
                _Title(c.label, console.plain_inline(c.description), columns), value=c.value
            )
            for c in q.choices
        ]
        choices.append(questionary.Choice(BACK_LABEL, value="\0back"))
        answer = self._ask(
            questionary.select(
                self._message(console.plain_inline(q.prompt)),
                choices=choices,
                default=next((c for c in choices if c.value == q.default), None),
                **self.kw,
            )
        )
        if answer == "\0back":
            raise Back
        return str(answer)

    def text(self, q: Question) -> str:
        import questionary

        hint = f" [{q.default}]" if q.default else ""
        # No validator here: the flow's answer() judges, and drive() prints the whole
        # message above the question asked again.
        answer = self._ask(
            questionary.text(
                self._message(
                    f"{console.plain_inline(q.prompt)}{hint} (< to go back)",
                    max(len(q.default or ""), 24),
                ),
                key_bindings=_enter_keeps(q.default),
                **self.kw,
            )
        )
        if str(answer).strip() == "<":
            raise Back
        return str(answer)

    def secret(self, q: Question) -> Secret:
        import questionary

        answer = self._ask(
            questionary.password(
                self._message(f"{console.plain_inline(q.prompt)} (< to go back)"), **self.kw
            )
        )
        if answer == "<":
            raise Back
        return Secret(str(answer))

    def confirm(self, q: Question) -> bool:
        """A typed y/yes or n/no, then Enter; Enter alone takes the default (never a
        write). questionary's own confirm took the last y or n among the keys typed:
        "no way" answered yes."""
        import questionary

        default = write_default(q)
        message = f"{console.plain_inline(q.prompt)} {_hint(default)}"
        while True:
            answer = self._ask(
                questionary.text(
                    self._message(message, 3),
                    key_bindings=_enter_keeps("yes" if default else "no"),
                    **self.kw,
                )
            )
            if str(answer).strip() == "<":
                raise Back
            if (yes := yes_no(str(answer))) is not None:
                return yes
            self.error(YES_NO_AGAIN)

    def show(self, title: str, body: str) -> None:
        if self.kw.get("output") is None:
            print(f"\n{title}\n{'─' * len(title)}\n{body}\n", file=sys.stderr)

    def note(self, qid: str, help_text: str) -> None:
        """A question's help, once, above it: what to type, with an example."""
        if qid not in self.noted:
            self.noted.add(qid)
            text = console.wrap(printable(plain_markdown(help_text)), self._columns())
            print(console.paint(text, "2", sys.stderr), file=sys.stderr)

    def error(self, message: str) -> None:
        text = printable(f"  ✗ {console.plain_inline(message)}")  # no code marks, no ESC
        print(console.wrap(text, self._columns()), file=sys.stderr)


class _Title(list):  # type: ignore[type-arg]
    """A select row as questionary's formatted text: the label, then its description,
    wrapped to the width under it. Once answered (the final draw) only the label, so
    the echoed answer is the choice's name."""

    def __init__(self, label: str, description: str, columns: int) -> None:
        label, description = printable(label), printable(description)  # a path may hold ESC
        row = f"{label}  {description}".rstrip()
        width = columns - 3  # questionary's pointer column
        lines = textwrap.wrap(
            row,
            width,
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        ) or [label]
        super().__init__([("", "\n   ".join(lines))])
        self.label = label

    def __iter__(self) -> Any:
        from prompt_toolkit.application.current import get_app

        if get_app().is_done:
            return iter([("", self.label)])
        return super().__iter__()


def _enter_keeps(default: str | None) -> Any:
    """Enter on an empty line takes the default and leaves it on the line, so the
    scrollback says what was answered."""
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()

    @kb.add("enter")
    def _(event: Any) -> None:
        buf = event.current_buffer
        if default and not buf.text.strip():
            buf.text = default
        buf.validate_and_handle()

    return kb


class LinePrompter:
    """Line-oriented prompts for a dumb terminal (TERM=dumb, an editor's shell, a
    `script` log): numbered choices, typed answers, `[y/N]` confirms, each read as a
    whole line after Enter. No escape sequences: no cursor moves, colours or modes.
    Everything goes to stderr, so stdout may be piped."""

    def __init__(self, stdin: TextIO | None = None, out: TextIO | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.out = out or sys.stderr
        self.noted: set[str] = set()

    def _say(self, text: str) -> None:
        """`text` wrapped, as it is: callers drop the marks of what is markdown (a prompt,
        a description, a message), never of a value (an echoed answer, a path). Control
        characters are shown as `?`: a value from the file may hold an ESC."""
        print(console.wrap(printable(text)), file=self.out, flush=True)

    def _read(self, prompt: str) -> str:
        # The prompt's last line stays open for the answer; the lines before are wrapped.
        lines = console.wrap(printable(prompt)).split("\n")
        if len(lines) > 1:
            print("\n".join(lines[:-1]), file=self.out)
        print(lines[-1] + " ", end="", file=self.out, flush=True)
        line = self.stdin.readline()
        if not line:  # end of input: as Ctrl-C, nothing is written
            print(file=self.out)
            raise KeyboardInterrupt
        return line.rstrip("\r\n")

    def _echo(self, value: str) -> None:
        self._say(f"  → {value}")

    def choice(self, q: Question) -> str:
        self._say(f"? {console.plain_inline(q.prompt)}")
        default = next((i for i, c in enumerate(q.choices, 1) if c.value == q.default), None)
        for i, c in enumerate(q.choices, 1):
            mark = " (default)" if i == default else ""
            about = console.plain_inline(c.description)
            row = f"{c.label}{mark}" + (f": {about}" if about else "")
            self._say(f"  {i}. {row}")
        n = len(q.choices)
        hint = f" [{default}]" if default else ""
        while True:
            raw = self._read(f"  Choose 1-{n}{hint} (< to go back):").strip()
            if raw == "<":
                raise Back
            if not raw and default:
                pick = q.choices[default - 1]
                self._echo(pick.label)
                return pick.value
            if raw.isdigit() and 1 <= int(raw) <= n:
                return q.choices[int(raw) - 1].value
            by_name = [c for c in q.choices if raw.lower() in (c.value, c.label.lower())]
            if by_name:
                return by_name[0].value
            self._say(f"  ✗ Type a number from 1 to {n}, or < to go back.")

    def text(self, q: Question) -> str:
        hint = f" [{q.default}]" if q.default else ""
        raw = self._read(f"? {console.plain_inline(q.prompt)}{hint} (< to go back):")
        if raw.strip() == "<":
            raise Back
        if not raw.strip() and q.default:
            self._echo(q.default)
        return raw

    def secret(self, q: Question) -> Secret:
        import getpass

        # getpass turns the terminal's echo off (termios, no escape sequences).
        prompt = console.wrap(f"? {console.plain_inline(q.prompt)} (< to go back):") + " "
        try:
            raw = getpass.getpass(prompt, stream=self.out)
        except EOFError:
            raise KeyboardInterrupt from None
        if raw == "<":
            raise Back
        return Secret(raw)

    def confirm(self, q: Question) -> bool:
        default = write_default(q)
        while True:
            raw = self._read(f"? {console.plain_inline(q.prompt)} {_hint(default)}")
            raw = raw.strip().lower()
            if raw == "<":
                raise Back
            if not raw:
                self._echo("yes" if default else "no")
                return default
            if (yes := yes_no(raw)) is not None:
                return yes
            self._say(f"  ✗ {YES_NO_AGAIN}")

    def show(self, title: str, body: str) -> None:
        print(f"\n{title}\n{'-' * len(title)}\n{body}\n", file=self.out)

    def note(self, qid: str, help_text: str) -> None:
        if qid not in self.noted:
            self.noted.add(qid)
            self._say(plain_markdown(help_text))

    def error(self, message: str) -> None:
        self._say(f"  ✗ {console.plain_inline(message)}")


def plain_markdown(text: str) -> str:
    """A question's help (a line or two of markdown) as plain text."""
    return " ".join(console.plain_inline(line.strip()) for line in text.splitlines()).strip()


def line_mode() -> bool:
    """Line-oriented prompts rather than questionary's: a dumb terminal, or stdin and
    stdout not both a terminal (prompt_toolkit would draw escape sequences into a pipe)."""
    return os.environ.get("TERM") == "dumb" or not (sys.stdin.isatty() and sys.stdout.isatty())


def make_prompter() -> Prompter:
    return LinePrompter() if line_mode() else QuestionaryPrompter()


def _present(flow: Flow, q: Question, prompter: Prompter) -> Any:
    color = console.color_enabled(sys.stderr)
    if q.kind is Kind.INFO:
        if q.id == "guide":
            prompter.show(q.prompt, console.render_markdown(q.help_text(), color=color))
        elif q.id == "check":
            result = flow.run_check()
            if result is not None:
                mark = "✓" if result.ok else "✗"
                text = f"{mark} {result.detail}" if result.ok else f"{mark} {result.verdict.title}"
                if not result.ok:
                    text += f"\n  {result.detail}"
                if result.hint and not result.ok:
                    text += f"\n  fix: {result.hint}"
                prompter.show(q.prompt, console.wrap(console.plain_inline(text)))
        return None
    if q.id == "yes":
        diff, warnings = flow.review()
        body = (
            _painted_diff(diff, color)
            if diff
            else ("(no changes: config.yaml already has this setup)")
        )
        if warnings:
            body += "\n" + console.wrap("\n".join(f"warning: {w}" for w in warnings))
        prompter.show("Review", body)
    note = getattr(prompter, "note", None)  # the question's help, where the skin shows it
    if note is not None and q.help and q.kind is not Kind.INFO:
        note(q.id, q.help)
    if q.kind is Kind.CHOICE:
        return prompter.choice(q)
    if q.kind is Kind.TEXT:
        return prompter.text(q)
    if q.kind is Kind.SECRET:
        return prompter.secret(q)
    return prompter.confirm(q)


def _painted_diff(diff: str, color: bool) -> str:
    """The diff as written (never wrapped: its lines are the file's), coloured when
    the terminal takes colour."""
    if not color:
        return diff.rstrip("\n")
    import io

    buf = io.StringIO()
    buf.isatty = lambda: True  # type: ignore[method-assign]
    console.print_diff(diff, buf)
    return buf.getvalue().rstrip("\n")


def drive(flow: Flow, prompter: Prompter) -> None:
    """Ask until every question has an answer. Raises KeyboardInterrupt on Ctrl-C."""
    told: set[str] = set()
    for _ in range(500):  # a safety bound: a flow has a few dozen questions at most
        q = flow.next()
        if q is None:
            return
        mismatch = flow.preset_error(q)  # a flag that does not fit: asked after all
        if mismatch and q.id not in told:
            told.add(q.id)
            prompter.error(mismatch)
        try:
            value = _present(flow, q, prompter)
        except Back:
            if not flow.history:
                prompter.error("This is the first question: there is nothing to go back to.")
            # Back past what was only shown (the guide, the check) to the last answer:
            # else Back right after the guide would show the guide again, forever.
            while flow.history:
                undone = flow.history[-1]
                flow.back()
                if undone not in INFO_IDS:
                    break
            continue
        error = flow.answer(q.id, value)
        if error:
            prompter.error(error)
        elif q.note is not None and (advice := q.note(str(value or ""))):
            say = getattr(prompter, "note", None)  # advice on an accepted answer
            if say is not None:
                say(f"{q.id}: {advice}", f"note: {console.plain_inline(advice)}")
    raise RuntimeError("the flow did not finish")


def run(flow: Flow, prompter: Prompter, *, dry_run: bool = False) -> int:
    """The whole plain wizard: the project, questions, then act on the answers."""
    try:
        if not _project(flow, prompter):
            return EXIT_USAGE
        problem = None if dry_run else getattr(flow, "write_problem", None)
        if problem:
            console.warn(problem)
        drive(flow, prompter)
    except KeyboardInterrupt:
        console.info("\nNo changes were made.")
        return EXIT_USAGE
    return finish(flow, dry_run=dry_run)


def _project(flow: Flow, prompter: Prompter) -> bool:
    """Is there a Truss project to work on? No config.yaml: it is created with the setup
    (shown in Review, written only on a typed yes), as `setup` always has. A YAML file
    that is not a Truss config: choose one of the Truss configs below, else stop."""
    problem = getattr(flow, "project_problem", None)  # (a flow that cannot tell: go on)
    if not problem:
        return True
    if getattr(flow, "can_create_project", False):
        error = flow.create_project()  # type: ignore[attr-defined]
        if error is None:
            name = getattr(flow, "new_model_name", None) or ""
            console.info(
                f"No config.yaml here yet: Review shows it created, as model_name: {name}."
            )
            return True
    found = list(flow.truss_configs_below())  # type: ignore[attr-defined]
    console.error(problem)
    if not found:
        return False
    from wizard.flow import Choice

    pick = Question(
        "config",
        Kind.CHOICE,
        "Which Truss project?",
        choices=tuple(Choice(str(p), os.path.relpath(p, flow.config.parent)) for p in found),
        default=str(found[0]),
    )
    try:
        chosen = prompter.choice(pick)
    except Back:
        return False
    flow.use_config(Path(chosen))  # type: ignore[attr-defined]
    return True


def finish(flow: Flow, *, dry_run: bool) -> int:
    """Hand what the user reviewed (the diff shown before "write?") to the one finisher."""
    try:
        if flow.reviewed is None:
            flow.review_plan()
        plan, diff = flow.reviewed, flow.reviewed_diff
        assert plan is not None
    except SetupError as e:
        console.error(e.message)
        return e.exit_code
    if flow.value("yes") == "no" and not dry_run:
        console.info("No changes were made.")
        return EXIT_USAGE
    provision = None
    if flow.value("provision") == "yes":
        from wizard.guide.provision import ProvisionError
        from wizard.guide.service import provision_plan

        try:
            provision = provision_plan(flow.guide_context(plan), profile=flow.aws_profile)
        except (SetupError, ProvisionError, ValueError) as e:
            console.error(getattr(e, "message", str(e)))
            return EXIT_ERROR
    return console.act(
        flow,
        plan,
        diff,
        list(plan.warnings),
        dry_run=dry_run,
        yes=True,
        provision=provision,
        show_diff=dry_run,  # the Review step showed it already
    )


def not_interactive_message(flow: Flow) -> str:
    missing = flow.missing()
    flags = [q.flag for q in missing]
    if any(q.id == "method" for q in missing):
        method = next(q for q in missing if q.id == "method")
        flags[flags.index("--method")] = "--method " + "|".join(c.value for c in method.choices)
        flags.append("and the method's own flags (registry-wizard setup --help)")
    if not flags:  # every answer is there: only the yes to write it is not
        return console.NOT_INTERACTIVE
    return f"not interactive: pass --yes with these flags: {' '.join(flags)}"
