"""Terminal output for the plain CLI: messages, coloured diffs, the after-write summary.

ANSI by hand rather than rich: this sits on the `setup --dry-run` path, whose
whole-process budget is 0.25 s.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from wizard.config.diff import unified_diff
from wizard.config.plan import SetupPlan
from wizard.config.writer import check_writable, write_config
from wizard.model.exits import EXIT_ERROR, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from wizard.verify.verdict import CheckResult


def color_enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


def _paint(text: str, code: str, stream: TextIO) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color_enabled(stream) else text


def info(message: str) -> None:
    print(message, file=sys.stderr)


def warn(message: str) -> None:
    print(_paint("warning:", "33", sys.stderr), message, file=sys.stderr)


def error(message: str) -> None:
    print(_paint("error:", "31;1", sys.stderr), message, file=sys.stderr)


def print_diff(diff: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            line = _paint(line, "1", out)
        elif line.startswith("+"):
            line = _paint(line, "32", out)
        elif line.startswith("-"):
            line = _paint(line, "31", out)
        elif line.startswith("@@"):
            line = _paint(line, "36", out)
        print(line, file=out)


def demo_project() -> Path:
    target = Path(tempfile.mkdtemp(prefix="registry-wizard-demo-")) / "sample-truss"
    from wizard import assets_dir

    shutil.copytree(assets_dir() / "sample-truss", target)
    return target


def next_steps(plan: SetupPlan) -> list[str]:
    """What the user still has to do in Baseten and the cloud, in order."""
    reg, method = plan.registry, plan.method
    image = plan.image
    guide = f"registry-wizard guide --image {image} --method {method.id}"
    steps: list[str] = []
    if method.is_token:
        name = plan.target.secrets[0]
        user = reg.token_username
        literal = not user.startswith("your ")  # AWS, oauth2accesstoken, $oauthtoken
        user_flag = "" if literal else " --username <user>"
        steps.append(
            f"Store the Baseten secret {name} (base64 of user:token): pipe the token into "
            f"`registry-wizard secret set --image {image}{user_flag}`, or follow `{guide}`"
        )
        steps.append(f"The token: {reg.token_kind}; the username: {user}.")
        if method.token_lifetime:
            steps.append(
                f"It expires after {method.token_lifetime}: prefer --method "
                f"{reg.recommended.id} for anything that must keep deploying."
            )
        steps.append(
            f"Prove it pulls: printf '%s' \"$VALUE\" | registry-wizard check --image {image} "
            "--secret-stdin"
        )
    elif method.id in ("iam", "service-account"):
        names = " and ".join(plan.target.secrets)
        what = (
            "the access key ID and secret access key of an IAM user allowed to pull"
            if method.id == "iam"
            else "the service account's JSON key file, as is"
        )
        steps.append(f"Create the Baseten secret(s) {names}: {what} (`{guide}` shows how).")
    else:
        steps.append(
            f"Set up the cloud side: `{guide}` prints the exact policies and commands"
            + (", or run setup again with --provision" if reg.id == "ecr" else "")
        )
        steps.append("Verify it as Baseten will meet it: registry-wizard check")
    steps.append("Then deploy: truss push")
    return steps


def _ask(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}


def finish_setup(
    plan: SetupPlan, *, dry_run: bool, yes: bool, provision: Any = None, show_diff: bool = True
) -> int:
    """Show the diff (and any AWS provisioning), ask, then act. `provision` is a
    wizard.guide.provision.ProvisionPlan when --provision was given."""
    edit = plan.edit
    name = plan.doc.path.name
    creates = provision is not None and not provision.empty
    if not edit.changed and not creates:
        for w in plan.warnings:
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
        check_writable(plan.doc)
    if edit.changed and show_diff:
        print_diff(unified_diff(edit.doc.text, edit.new_text, name))
    for w in plan.warnings:
        warn(w)
    if provision is not None:
        print(provision.render())
    if dry_run:
        nothing = ", and nothing was created in AWS." if creates else "."
        info(f"dry run: {plan.doc.path} was not written{nothing}")
        _print_steps(plan)
        return EXIT_OK
    question = "Create these in AWS and write " if creates else "Write these changes to "
    if not yes and not _ask(f"{question}{plan.doc.path}? [y/N] "):
        info("No changes were made.")
        return EXIT_USAGE
    if creates:
        from wizard.guide.provision import ProvisionError, apply_provision

        try:
            for line in apply_provision(provision):
                info(f"created: {line}")
        except ProvisionError as e:
            for line in e.done:
                info(f"created: {line}")
            error(f"{e} ({e.fix})" if e.fix else str(e))
            info(f"{plan.doc.path} was not written.")
            return EXIT_ERROR
    if edit.changed:
        write_config(plan.doc, edit.new_text)
        action = "updated" if plan.doc.exists else "created"
        info(f"{plan.doc.path} {action}: {plan.registry.label}, {plan.method.label}.")
    _print_steps(plan)
    return EXIT_OK


def _print_steps(plan: SetupPlan) -> None:
    info("Next:")
    for i, step in enumerate(next_steps(plan), 1):
        info(f"  {i}. {step}")


_MARKS = {"ok": ("✓", "32"), "failed": ("✗", "31"), "skipped": ("-", "2"), "warning": ("!", "33")}


def print_check(result: CheckResult, *, fmt: str = "text", stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    if fmt == "json":
        import json

        print(json.dumps(result.to_json(), indent=2), file=out)
        return
    if result.ok:
        extras = []
        if result.digest:
            extras.append(result.digest[:19] + "…")
        scopes = result.facts.get("token_scopes")
        if scopes:
            extras.append("token scopes: " + ", ".join(scopes))
        if "expires_at" in result.facts:
            extras.append(f"token valid until {result.facts['expires_at']}")
        rate = result.facts.get("rate_limit")
        if rate:
            extras.append(f"rate limit {rate['remaining']}/{rate['limit']} left")
        line = f"{_paint('✓', '32', out)} {result.image} can be pulled"
        print(line + (f" ({', '.join(extras)})" if extras else ""), file=out)
    else:
        print(
            f"{_paint('✗', '31;1', out)} {result.image}: {result.verdict.value}: {result.detail}",
            file=out,
        )
        if result.hint:
            print(f"  fix: {result.hint}", file=out)
    for w in result.warnings:
        print(f"  {_paint('!', '33', out)} {w}", file=out)
    if not result.ok:
        for step in result.steps:
            mark, code = _MARKS.get(step.status.value, ("?", "0"))
            print(f"    {_paint(mark, code, out)} {step.name:<10} {step.detail}", file=out)


def print_guide(guide: Any, *, fmt: str = "text") -> None:
    """Rendered with rich on a terminal, raw markdown when piped, or JSON."""
    from wizard.guide.guides import guide_json, render_terminal

    if fmt == "json":
        import json

        print(json.dumps(guide_json(guide), indent=2))
    elif fmt == "text" and color_enabled(sys.stdout):
        render_terminal(guide)
    else:
        print(guide.markdown)


_ITEM_MARKS = {"ok": ("✓", "32"), "problem": ("✗", "31"), "unknown": ("?", "33")}


def print_items(items: list[Any], *, image: str, method: str, fmt: str = "text") -> None:
    """The cloud-side check, item by item, each problem with its exact fix."""
    if fmt == "json":
        import json

        from wizard.model.facts import exit_code

        result = {0: "ok", 4: "problem", 1: "unknown"}[exit_code(items)]
        print(
            json.dumps(
                {
                    "image": image,
                    "method": method,
                    "result": result,
                    "items": [i.to_json() for i in items],
                },
                indent=2,
            )
        )
        return
    out = sys.stdout
    print(f"Cloud setup for {image} ({method}), as Baseten will meet it:", file=out)
    for item in items:
        mark, code = _ITEM_MARKS[item.status.value]
        print(f"  {_paint(mark, code, out)} {item.id:<14} {item.message}", file=out)
        if item.fix and item.status.value != "ok":
            for i, line in enumerate(item.fix.splitlines()):
                print(f"      {'fix: ' if i == 0 else '     '}{line}", file=out)
