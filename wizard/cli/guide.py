"""`registry-wizard guide`: the cloud-side steps for a registry and method."""

from __future__ import annotations

import argparse
from pathlib import Path

from wizard.cli.flags import add_fact_flags, add_field_flags, facts_from, field_values
from wizard.model import catalog
from wizard.model.exits import EXIT_OK


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "guide",
        description="Numbered steps with the exact IAM trust policy, ECR policy, gcloud or AWS "
        "CLI commands and secret-building commands for your image. Unknown values stay as "
        "<MARKED> placeholders.",
    )
    p.add_argument(
        "--config",
        type=Path,
        help="read the image and current method from this config if it exists (default: the "
        "nearest config.yaml here or above, up to the repository root)",
    )
    p.add_argument("--image", help="the image reference")
    p.add_argument("--registry", choices=list(catalog.REGISTRIES))
    p.add_argument(
        "--method",
        choices=list(catalog.METHOD_IDS),
        help="default: the config's method, else the recommended one",
    )
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="text: rendered on a terminal, markdown when piped",
    )
    p.add_argument(
        "--check-public",
        action="store_true",
        help="first try an anonymous pull (network): a public image needs no credential",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="with --check-public: give up on the pull after this long (default 10)",
    )
    add_field_flags(p)
    add_fact_flags(p)
    p.set_defaults(handler=_run_guide)


def _run_guide(args: argparse.Namespace) -> int:
    from wizard.cli import output as report
    from wizard.cli.where import config_path
    from wizard.config.plan import SetupError
    from wizard.guide.service import GuideRequest, build

    answers = {**field_values(args), **facts_from(args)}
    req = GuideRequest(
        config_path(args.config),
        args.image,
        args.registry,
        args.method,
        answers,
        use_baseten=not args.no_baseten,
        probe_public=args.check_public,
        probe_timeout=args.timeout,
    )
    try:
        guide, ctx = build(req)
    except SetupError as e:
        report.error(e.message)
        return e.exit_code
    for note in ctx.notes:
        report.info(f"note: {note}")
    report.print_guide(guide, fmt=args.format)
    return EXIT_OK
