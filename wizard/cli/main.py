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

from wizard import __version__
from wizard.cli.flags import add_transport_flags, transport_from
from wizard.model.exits import EXIT_OK, EXIT_USAGE

TYPE_CHECKING = False  # as typing's, without importing typing (--help path)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

# Every command: its module (which adds its arguments in `add_parser`) and the line
# `registry-wizard --help` lists it with. A command's module is imported, and its parser
# built, only when that command runs (or for a completion script): `--help` and each
# command pay for themselves alone.
COMMANDS: dict[str, tuple[str, str]] = {
    "setup": ("wizard.cli.setup", "write base_image + registry auth into config.yaml"),
    "check": ("wizard.cli.check", "prove a credential can pull the image, live"),
    "guide": (
        "wizard.cli.guide",
        "the cloud-side steps for a registry and method, with your values filled in",
    ),
    "secret": ("wizard.cli.secret", "build or store the Baseten secret for a registry"),
    "doctor": (
        "wizard.cli.doctor",
        "diagnose (and fix) registry auth in one Truss config or a tree of them",
    ),
    "completion": ("wizard.cli.completion", "print a shell completion script (bash, zsh or fish)"),
}


class _Commands(dict):  # type: ignore[type-arg]
    """The subcommand parsers by name, each built on first use."""

    def __init__(self, action: _LazySubparsers) -> None:
        super().__init__()
        self._action = action

    def __missing__(self, name: str) -> argparse.ArgumentParser:
        if name not in COMMANDS:
            raise KeyError(name)
        self._action.build(name)
        return dict.__getitem__(self, name)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or dict.__contains__(self, name)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)

    def keys(self):  # type: ignore[no-untyped-def]
        return list(COMMANDS)

    def values(self):  # type: ignore[no-untyped-def]
        return [self[name] for name in COMMANDS]

    def items(self):  # type: ignore[no-untyped-def]
        return [(name, self[name]) for name in COMMANDS]


class _LazySubparsers(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Subcommands listed from COMMANDS; each one's module imported when it is used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._name_parser_map = _Commands(self)
        self.choices = self._name_parser_map
        for name, (_, help_text) in COMMANDS.items():
            self._choices_actions.append(self._ChoicesPseudoAction(name, (), help_text))

    def build(self, name: str) -> None:
        import importlib

        importlib.import_module(COMMANDS[name][0]).add_parser(self)

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        commands = self._name_parser_map
        if dict.__contains__(commands, name):
            raise ValueError(f"command {name!r} is built already")
        kwargs.setdefault("help", COMMANDS.get(name, ("", None))[1])
        listed = len(self._choices_actions)
        self._name_parser_map = {}  # argparse's own check: a name not built yet
        try:
            parser = super().add_parser(name, **kwargs)
        finally:
            built, self._name_parser_map = self._name_parser_map, commands
        for key, value in built.items():
            dict.__setitem__(commands, key, value)
        if name in COMMANDS:
            del self._choices_actions[listed:]  # listed once, from COMMANDS
        return parser


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


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


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
        type=_path,
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
    parser.register("action", "lazy_parsers", _LazySubparsers)
    parser.add_subparsers(dest="command", metavar="COMMAND", action="lazy_parsers")
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
    try:
        if handler is None:
            return _run_tui(args, parser)
        return int(handler(args))
    except KeyboardInterrupt:
        print("\nNo changes were made.", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # `registry-wizard setup --dry-run | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as e:
        # A ConfigError can only come from a command that read a config, which imported
        # its module; `check --image` and `--help` need not import it (~4 ms) to catch one.
        document = sys.modules.get("wizard.config.document")
        if document is None or not isinstance(e, document.ConfigError):
            raise
        print(f"registry-wizard: error: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
