"""Line-oriented terminal output shared by the commands and the plain wizard: messages,
coloured diffs, and the summary of what the one finisher did.

ANSI by hand rather than rich: this sits on the `setup --dry-run` path, whose
whole-process budget is 0.25 s.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from wizard.model.exits import EXIT_ERROR, EXIT_OK, EXIT_USAGE

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


def info(message: str) -> None:
    print(message, file=sys.stderr)


def warn(message: str) -> None:
    print(paint("warning:", "33", sys.stderr), message, file=sys.stderr)


def error(message: str) -> None:
    print(paint("error:", "31;1", sys.stderr), message, file=sys.stderr)


def print_diff(diff: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            line = paint(line, "1", out)
        elif line.startswith("+"):
            line = paint(line, "32", out)
        elif line.startswith("-"):
            line = paint(line, "31", out)
        elif line.startswith("@@"):
            line = paint(line, "36", out)
        print(line, file=out)


def print_steps(steps: list[str]) -> None:
    info("Next:")
    for i, step in enumerate(steps, 1):
        info(f"  {i}. {step}")


def print_outcome(outcome: Outcome) -> None:
    """What the finisher did, then what is left to do."""
    for line in outcome.created:
        info(f"created: {line}")
    if outcome.written:
        action = "created" if outcome.created_file else "updated"
        info(f"{outcome.path} {action}: {outcome.registry}, {outcome.method}.")
    for name in outcome.stored:
        info(f"stored in Baseten: {name}")
    if outcome.store_note:
        (error if outcome.store_failed else warn)(outcome.store_note)
    print_steps(outcome.next_steps)


def ask_yes(question: str) -> bool:
    """A typed yes: `y` or `yes` then Enter; anything else (or no input) is no."""
    try:
        answer = input(question)
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
        error("not interactive: pass --dry-run to preview the change or --yes to write it")
        return EXIT_USAGE
    if not dry_run and edit.changed:
        from wizard.config.writer import check_writable

        check_writable(plan.doc)
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
    print_outcome(outcome)
    return EXIT_ERROR if outcome.store_failed else EXIT_OK
