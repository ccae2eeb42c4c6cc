"""The plain front end: one questionary prompt per Question, behind a small Prompter
interface so tests can script it (as gh's tests do) and other skins can reuse the loop."""

from __future__ import annotations

import sys
from typing import Any, Protocol

from wizard.config.plan import SetupError
from wizard.flow import INFO_IDS, Flow, Kind, Question
from wizard.model.exits import EXIT_ERROR, EXIT_USAGE
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


class QuestionaryPrompter:
    """Real prompts. `input`/`output` go to prompt_toolkit (pipe input in tests)."""

    def __init__(self, **pt_kwargs: Any) -> None:
        self.kw = pt_kwargs

    def _ask(self, prompt: Any) -> Any:
        answer = prompt.unsafe_ask()  # raises KeyboardInterrupt on Ctrl-C
        return answer

    def choice(self, q: Question) -> str:
        import questionary

        choices = [
            questionary.Choice(f"{c.label}  {c.description}".rstrip(), value=c.value)
            for c in q.choices
        ]
        choices.append(questionary.Choice(BACK_LABEL, value="\0back"))
        answer = self._ask(
            questionary.select(
                q.prompt,
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

        def validate(value: str) -> bool | str:
            if value.strip() == "<" or (not value and q.default) or q.validate is None:
                return True
            if not value.strip():
                return True if not q.required else f"{q.prompt} is required"
            return q.validate(value) or True

        answer = self._ask(
            questionary.text(f"{q.prompt}{hint} (< to go back)", validate=validate, **self.kw)
        )
        if str(answer).strip() == "<":
            raise Back
        return str(answer)

    def secret(self, q: Question) -> Secret:
        import questionary

        answer = self._ask(questionary.password(f"{q.prompt} (< to go back)", **self.kw))
        if answer == "<":
            raise Back
        return Secret(str(answer))

    def confirm(self, q: Question) -> bool:
        import questionary

        return bool(self._ask(questionary.confirm(q.prompt, default=q.default != "no", **self.kw)))

    def show(self, title: str, body: str) -> None:
        out = self.kw.get("output")
        if out is None:
            print(f"\n{title}\n{'─' * len(title)}\n{body}\n", file=sys.stderr)

    def error(self, message: str) -> None:
        print(f"  ✗ {message}", file=sys.stderr)


def _present(flow: Flow, q: Question, prompter: Prompter) -> Any:
    if q.kind is Kind.INFO:
        if q.id == "guide":
            prompter.show(q.prompt, q.help)
        elif q.id == "check":
            result = flow.run_check()
            if result is not None:
                mark = "✓" if result.ok else "✗"
                text = f"{mark} {result.verdict.value}: {result.detail}"
                if result.hint and not result.ok:
                    text += f"\n  fix: {result.hint}"
                prompter.show(q.prompt, text)
        return None
    if q.id == "yes":
        diff, warnings = flow.review()
        body = diff or "(no changes: config.yaml already has this setup)"
        if warnings:
            body += "\n" + "\n".join(f"warning: {w}" for w in warnings)
        prompter.show("Review", body)
    if q.kind is Kind.CHOICE:
        return prompter.choice(q)
    if q.kind is Kind.TEXT:
        return prompter.text(q)
    if q.kind is Kind.SECRET:
        return prompter.secret(q)
    return prompter.confirm(q)


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
    raise RuntimeError("the flow did not finish")


def run(flow: Flow, prompter: Prompter, *, dry_run: bool = False) -> int:
    """The whole plain wizard: questions, then act on the answers."""
    try:
        drive(flow, prompter)
    except KeyboardInterrupt:
        console.info("\nNo changes were made.")
        return EXIT_USAGE
    return finish(flow, dry_run=dry_run)


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
    needed = " ".join(flags) if flags else "(nothing is missing)"
    return f"not interactive: pass --yes with these flags: {needed}"
