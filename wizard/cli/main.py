"""Command-line entry point. Parsing only: the work happens in the services.

Kept import-light: `--help` and `setup --dry-run` must not pay for textual,
boto3, google-auth or httpx. Each command's parser and handler live in their own
module (`setup`, `check`, `guide`, `secret`, `doctor`); this one builds the parser
and dispatches.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from wizard import __version__
from wizard.cli import check as check_cmd
from wizard.cli import completion as completion_cmd
from wizard.cli import doctor as doctor_cmd
from wizard.cli import guide as guide_cmd
from wizard.cli import secret as secret_cmd
from wizard.cli import setup as setup_cmd
from wizard.cli.flags import add_transport_flags, transport_from
from wizard.model.exits import EXIT_OK, EXIT_USAGE


def _run_tui(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """No command: the full-screen wizard on a terminal that can host it; on a dumb one
    (TERM=dumb) the plain wizard, one question at a time, as `setup --plain` asks."""
    from wizard.cli import output as report

    full_screen = _full_screen_ok()
    if not full_screen and not sys.stdin.isatty():
        parser.print_usage(sys.stderr)
        report.error(
            "the wizard needs a terminal; in scripts, pass the answers as flags: "
            "registry-wizard setup --help"
        )
        return EXIT_USAGE
    if args.tui_demo:
        config = report.demo_project() / "config.yaml"
        if not full_screen:
            report.info(f"demo: working on a copy of the sample project: {config}")
    else:
        from wizard.cli.where import config_path

        config = config_path(args.tui_config)
    from wizard.flow import Flow

    flow = Flow(config, check_options=transport_from(args, "tui_"))
    if not full_screen:
        from wizard.ui import plain

        return plain.run(flow, plain.make_prompter())
    from wizard.ui.tui import run_tui

    return run_tui(flow)


def _full_screen_ok() -> bool:
    """A terminal that can host a full-screen app on both ends."""
    return sys.stdin.isatty() and sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registry-wizard",
        description="Get a Truss model's private base image pulling on Baseten: choose the "
        "registry and auth method, and patch config.yaml.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        dest="tui_config",
        type=Path,
        metavar="PATH",
        help="with no command: the Truss config the full-screen wizard opens (default: the "
        "nearest config.yaml here or above, up to the repository root)",
    )
    parser.add_argument(
        "--demo",
        dest="tui_demo",
        action="store_true",
        help="with no command: open the wizard on a copy of the bundled sample project",
    )
    add_transport_flags(
        parser.add_argument_group("with no command: how the live check reaches the registry"),
        dest_prefix="tui_",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    setup_cmd.add_parser(sub)
    check_cmd.add_parser(sub)
    guide_cmd.add_parser(sub)
    secret_cmd.add_parser(sub)
    doctor_cmd.add_parser(sub)
    completion_cmd.add_parser(sub)
    return parser


def _refuse_wizard_flags(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """`registry-wizard --timeout 3 check`: the options before a command are the
    full-screen wizard's; say so rather than silently check with the default."""
    for dest, value in vars(args).items():
        if dest.startswith("tui_") and value != parser.get_default(dest):
            flag = "--" + dest.removeprefix("tui_").replace("_", "-")
            parser.error(
                f"{flag} before the command is for the full-screen wizard; "
                f"put it after: registry-wizard {args.command} {flag} ..."
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is not None:
        _refuse_wizard_flags(parser, args)
    from wizard.config.document import ConfigError

    try:
        if handler is None:
            return _run_tui(args, parser)
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
