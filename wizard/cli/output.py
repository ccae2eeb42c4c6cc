"""Terminal output of the commands: live-check verdicts, guides, cloud items, the demo
project. Messages, diffs and the after-write summary are `wizard.ui.console`'s, shared
with the plain wizard (re-exported here for the commands)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from wizard.ui.console import (
    ask_yes,
    color_enabled,
    error,
    fit,
    info,
    paint,
    print_diff,
    print_outcome,
    print_steps,
    render_markdown,
    warn,
)

__all__ = [
    "ask_yes",
    "color_enabled",
    "demo_project",
    "error",
    "fit",
    "info",
    "print_check",
    "print_diff",
    "print_guide",
    "print_items",
    "print_outcome",
    "print_steps",
    "warn",
]

if TYPE_CHECKING:
    from wizard.verify.verdict import CheckResult


def demo_project() -> Path:
    """A copy of the sample project in a temporary directory, removed when the process
    exits (a demo leaves nothing behind)."""
    import atexit
    import shutil
    import tempfile  # here, not at the top: ~4 ms of every command (random, hashlib)

    from wizard import assets_dir

    scratch = Path(tempfile.mkdtemp(prefix="registry-wizard-demo-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    target = scratch / "sample-truss"
    shutil.copytree(assets_dir() / "sample-truss", target)
    return target


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
        line = f"{paint('✓', '32', out)} {result.image} can be pulled"
        print(fit(line + (f" ({', '.join(extras)})" if extras else ""), out), file=out)
    else:
        print(
            fit(f"{paint('✗', '31;1', out)} {result.verdict.title}: {result.image}", out), file=out
        )
        print(fit(f"  {result.detail}", out), file=out)
        if result.hint:
            print(f"  fix: {result.hint}", file=out)  # whole: it may be a command to copy
    for w in result.warnings:  # whole, as a fix: the analysis's carry the command to run
        print(f"  {paint('!', '33', out)} {w}", file=out)
    if not result.ok:
        for step in result.steps:
            mark, code = _MARKS.get(step.status.value, ("?", "0"))
            print(fit(f"    {paint(mark, code, out)} {step.name:<10} {step.detail}", out), file=out)


def print_guide(guide: Any, *, fmt: str = "text") -> None:
    """As terminal text on a terminal (the plain wizard's rendering: prose wrapped between
    words, every command whole on its line, to copy), raw markdown when piped, or JSON."""
    from wizard.guide.guides import guide_json

    if fmt == "json":
        import json

        print(json.dumps(guide_json(guide), indent=2))
    elif fmt == "text" and sys.stdout.isatty():
        print(render_markdown(guide.markdown, color=color_enabled(sys.stdout)))
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
        print(fit(f"  {paint(mark, code, out)} {item.id:<14} {item.message}", out), file=out)
        if item.fix and item.status.value != "ok":
            for i, line in enumerate(item.fix.splitlines()):
                # whole: a fix is often a command to copy (a terminal joins its soft wraps)
                print(f"      {'fix: ' if i == 0 else '     '}{line}", file=out)
