"""Command-line entry point. Parsing only: the work happens in the services.

Kept import-light: `--help` and `setup --dry-run` must not pay for textual,
boto3, google-auth or httpx.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from wizard import __version__
from wizard.model import catalog

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 4


def _add_setup(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "setup",
        help="write base_image + registry auth into config.yaml",
        description="Choose a registry and auth method and patch config.yaml, touching only "
        "the lines that must change. Every question has a flag.",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=Path("config.yaml"),
        help="the Truss config to edit (default: ./config.yaml; created if missing)",
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
    group = p.add_argument_group("method values")
    for f in catalog.all_fields().values():
        group.add_argument(
            f.flag,
            dest=f"field_{f.id.replace('-', '_')}",
            metavar="VALUE",
            help=f.help.replace("%", "%%"),
        )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    mode.add_argument("--yes", "-y", action="store_true", help="write without asking")
    p.set_defaults(handler=_run_setup)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registry-wizard",
        description="Get a Truss model's private base image pulling on Baseten: choose the "
        "registry and auth method, and patch config.yaml.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_setup(sub)
    return parser


def _run_setup(args: argparse.Namespace) -> int:
    from wizard import report
    from wizard.setup import SetupError, SetupRequest, plan_setup

    config: Path = args.config
    if args.demo:
        config = report.demo_project() / "config.yaml"
        report.info(f"demo: working on a copy of the sample project: {config}")
    values = {
        fid: v
        for fid in catalog.all_fields()
        if (v := getattr(args, f"field_{fid.replace('-', '_')}")) is not None
    }
    req = SetupRequest(config, args.registry, args.method, args.image, values)
    try:
        plan = plan_setup(req)
    except SetupError as e:
        report.error(e.message)
        return e.exit_code
    return report.finish_setup(plan, dry_run=args.dry_run, yes=args.yes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from wizard.config.document import ConfigError

    try:
        return int(handler(args))
    except ConfigError as e:
        print(f"registry-wizard: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nNo changes were made.", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # `registry-wizard setup --dry-run | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
