"""`registry-wizard setup`: write base_image and registry auth into config.yaml, from
flags, one question at a time (`--plain`), or in the full-screen wizard."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wizard.cli.flags import (
    add_fact_flags,
    add_field_flags,
    add_transport_flags,
    facts_from,
    field_values,
    transport_from,
)
from wizard.cli.stdin import UsageError, read_stdin_secret
from wizard.model import catalog
from wizard.model.exits import EXIT_ERROR, EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "setup",
        description="Choose a registry and auth method and patch config.yaml, touching only "
        "the lines that must change. Every question has a flag.",
    )
    p.add_argument(
        "--config",
        type=Path,
        help="the Truss config to edit (default: the nearest config.yaml here or above, up "
        "to the repository root; else ./config.yaml, created)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="work on a copy of the bundled sample Truss project in a temp directory",
    )
    p.add_argument(
        "--registry",
        choices=list(catalog.REGISTRIES),
        help="registry kind; detected from the image when left out",
    )
    p.add_argument(
        "--method",
        choices=list(catalog.METHOD_IDS),
        help="auth method; optional where the registry has only one",
    )
    p.add_argument("--image", help="image reference; sets or replaces base_image.image")
    p.add_argument(
        "--provision",
        action="store_true",
        help="ECR oidc/assume-role: create what is missing in your AWS account (the OIDC "
        "provider, the role, its trust and ECR read policy), shown first, then asked",
    )
    p.add_argument("--aws-profile", metavar="NAME", help="AWS profile for --provision")
    p.add_argument(
        "--plain",
        action="store_true",
        help="ask one question at a time in the terminal (no full-screen app)",
    )
    cred = p.add_argument_group("credential for the live check (optional)")
    cred.add_argument("--username", help="registry username for the live check")
    cred.add_argument(
        "--token-stdin", action="store_true", help="read the token for the live check from stdin"
    )
    cred.add_argument("--key-file", help="GCP service-account key for the live check")
    cred.add_argument(
        "--store-secret",
        action="store_true",
        help="store the registry secret in Baseten (BASETEN_API_KEY or ~/.trussrc)",
    )
    add_field_flags(p)
    add_fact_flags(p)
    add_transport_flags(p.add_argument_group("how the live check reaches the registry"))
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    mode.add_argument("--yes", "-y", action="store_true", help="write without asking")
    p.set_defaults(handler=_run_setup)


def _run_setup(args: argparse.Namespace) -> int:
    """Setup with flags is the flow with every answer preset: review, then the one
    finisher. Answers still missing are asked, in the full-screen wizard or one at a time."""
    from wizard.cli import output as report
    from wizard.cli.main import _full_screen_ok  # main imports this module
    from wizard.cli.where import config_path
    from wizard.config.plan import SetupError
    from wizard.flow import Flow
    from wizard.ui.console import act

    if args.demo:
        config = report.demo_project() / "config.yaml"
        report.info(f"demo: working on a copy of the sample project: {config}")
    else:
        config = config_path(args.config)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    from wizard.model import rules

    refused = rules.check_facts(facts_from(args))  # before any question or file is read
    if refused:
        for problem in refused:
            report.error(problem.message)
        return EXIT_ERROR
    if args.plain and (sys.stdin.isatty() or not (args.yes or args.dry_run)):
        # (without a terminal, --plain --yes/--dry-run is the flags' setup below)
        return _run_flow(args, config, interactive)
    flow = Flow(config, presets=_flow_presets(args), aws_profile=args.aws_profile)
    provision = None
    try:
        plan, diff, warnings = flow.review_plan(strict=True)
        if args.provision:
            provision = _plan_provision(flow, args)
    except SetupError as e:
        if e.missing and not (args.yes or args.dry_run):
            # Answers are missing: ask for them (the flags given are kept as answers)
            # in the full-screen wizard where the terminal can host it, else one at a
            # time; without a terminal, say which flags a script must pass.
            return _run_flow(args, config, interactive, full_screen=_full_screen_ok())
        report.error(e.message)
        return e.exit_code
    return act(flow, plan, diff, warnings, dry_run=args.dry_run, yes=args.yes, provision=provision)


def _flow_presets(args: argparse.Namespace) -> dict[str, str]:
    """Flags as pre-answers, keyed by Question id."""
    presets = {
        k: v
        for k, v in (
            ("image", args.image),
            ("registry", args.registry),
            ("method", args.method),
            ("username", args.username),
            ("key-file", args.key_file),
        )
        if v is not None
    }
    presets.update(field_values(args))
    presets.update(facts_from(args))
    for flag, qid in (
        ("provision", "provision"),
        ("store_secret", "store-secret"),
        ("yes", "yes"),
        ("no_baseten", "no-baseten"),
    ):
        if getattr(args, flag):
            presets[qid] = "yes"
    return presets


def _run_flow(
    args: argparse.Namespace, config: Path, interactive: bool, *, full_screen: bool = False
) -> int:
    from wizard.cli import output as report
    from wizard.config.document import ConfigError
    from wizard.flow import Flow
    from wizard.ui import plain

    try:
        flow = Flow(
            config,
            presets=_flow_presets(args),
            check_options=transport_from(args),
            aws_profile=args.aws_profile,
        )
        if args.token_stdin:
            flow.secrets["token"] = read_stdin_secret("--token-stdin", strip_newline=True)  # type: ignore[assignment]
    except UsageError as e:
        report.error(str(e))
        return EXIT_USAGE
    except ConfigError:
        raise
    refused = flow.preset_errors()
    if refused:  # before any question: not after the user has answered them all
        for message in refused:
            report.error(message)
        return EXIT_ERROR  # as setup says of a wrong value when none is missing
    # One question at a time needs a terminal to type on; its questions go to stderr
    # as plain lines when stdout is not a terminal too.
    if not (interactive if full_screen else sys.stdin.isatty()):
        report.error(plain.not_interactive_message(flow))
        return EXIT_USAGE
    if full_screen:
        from wizard.ui.tui import run_tui

        # The full-screen wizard offers "Create it for me" on its Cloud setup step and
        # confirms it there: --provision does not skip that.
        flow.presets.pop("provision", None)
        return run_tui(flow)
    return plain.run(flow, plain.make_prompter(), dry_run=args.dry_run)


def _plan_provision(flow: Any, args: argparse.Namespace) -> object:
    """What --provision would create in AWS, read from the account now."""
    from wizard.cli import output as report
    from wizard.config.plan import SetupError
    from wizard.guide.provision import ProvisionError
    from wizard.guide.service import GuideContext, gather_facts, provision_plan

    plan = flow.reviewed
    answers = {**plan.values, **facts_from(args)}
    facts, notes = gather_facts(answers, use_baseten=not args.no_baseten, method=plan.method)
    for note in notes:
        report.info(f"note: {note}")
    ctx = GuideContext(plan.ref, plan.info, plan.registry, plan.method, facts, answers, notes)
    try:
        return provision_plan(ctx, profile=args.aws_profile)
    except ProvisionError as e:
        raise SetupError(f"{e} ({e.fix})" if e.fix else str(e)) from None
    except ValueError as e:
        raise SetupError(str(e)) from None
