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
from typing import TYPE_CHECKING, TextIO

from wizard.config.diff import unified_diff
from wizard.config.writer import check_writable, write_config
from wizard.setup import SetupPlan

if TYPE_CHECKING:
    from wizard.verify.verdict import CheckResult

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


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


def assets_dir() -> Path:
    """Bundled assets: inside the wheel, or the repository's assets/ in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_assets", here.parent / "assets"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the bundled assets are missing from this installation")


def demo_project() -> Path:
    target = Path(tempfile.mkdtemp(prefix="registry-wizard-demo-")) / "sample-truss"
    shutil.copytree(assets_dir() / "sample-truss", target)
    return target


def next_steps(plan: SetupPlan) -> list[str]:
    """What the user still has to do in Baseten and the cloud, in order."""
    reg, method = plan.registry, plan.method
    steps: list[str] = []
    if method.is_token:
        name = plan.target.secrets[0]
        user = reg.token_username
        literal = not user.startswith("your ")  # AWS, oauth2accesstoken, $oauthtoken
        secret_part = "<API key>" if user == "$oauthtoken" else "<token>"
        quoted = f"'{user if literal else f'<{user}>'}:{secret_part}'"
        steps.append(
            f"Create the Baseten secret {name} (Settings → Secrets) whose value is base64 of "
            f"user:token, built without a trailing newline: printf '%s' {quoted} | base64 -w0"
        )
        steps.append(f"The token: {reg.token_kind}.")
        if method.token_lifetime:
            steps.append(
                f"It expires after {method.token_lifetime}: prefer --method "
                f"{reg.recommended.id} for anything that must keep deploying."
            )
    elif method.id == "iam":
        a, b = plan.target.secrets
        steps.append(
            f"Create the Baseten secrets {a} (the access key ID) and {b} (the secret "
            "access key) for an IAM user allowed to pull from the repository."
        )
    elif method.id == "service-account":
        steps.append(
            f"Create the Baseten secret {plan.target.secrets[0]} whose value is the "
            "service account's JSON key file, as is (not base64)."
        )
    elif method.auth_method is not None and method.auth_method.value == "AWS_OIDC":
        steps.append(
            "Make the role trust Baseten's OIDC provider (oidc.baseten.co, audience "
            "oidc.baseten.co, subject v=1:org=<org>:team=<team>:*) and allow it to pull "
            "from the repository. `truss whoami --show-oidc` prints your org and team."
        )
    elif method.id == "assume-role":
        steps.append(
            "Make the role trust Baseten's AWS role with your organization's external "
            "ID (`truss whoami --show-aws-assume-role` prints both) and allow it to pull "
            "from the repository."
        )
    else:
        steps.append(
            "Grant the service account roles/artifactregistry.reader and let Baseten's "
            "workload identity pool (issuer https://oidc.baseten.co) impersonate it."
        )
    steps.append("Then deploy: truss push")
    return steps


def _ask(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}


def finish_setup(plan: SetupPlan, *, dry_run: bool, yes: bool) -> int:
    edit = plan.edit
    name = plan.doc.path.name
    for w in plan.warnings:
        warn(w)
    if not edit.changed:
        info(
            f"{plan.doc.path} already has this setup ({plan.registry.label}, "
            f"{plan.method.label}); nothing to change."
        )
        return EXIT_OK
    diff = unified_diff(edit.doc.text, edit.new_text, name)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not dry_run and not yes and not interactive:
        error("not interactive: pass --dry-run to preview the change or --yes to write it")
        return EXIT_USAGE
    if not dry_run:
        check_writable(plan.doc)
    print_diff(diff)
    if dry_run:
        info(f"dry run: {plan.doc.path} was not written.")
        _print_steps(plan)
        return EXIT_OK
    if not yes and not _ask(f"Write these changes to {plan.doc.path}? [y/N] "):
        info("No changes were made.")
        return EXIT_USAGE
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
