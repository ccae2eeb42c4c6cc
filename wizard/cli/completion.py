"""`registry-wizard completion bash|zsh|fish`: a completion script, generated from the
argument parser itself (with shtab), so every command, flag and choice the parser has
completes, and nothing it lacks.

shtab is imported only here, when the command runs: `--help` stays light.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wizard.model.exits import EXIT_OK

SHELLS = ("bash", "zsh", "fish")

# Options (by dest) and positionals that name files: they complete paths.
_PATH_DESTS = frozenset({"tui_config", "config", "key_file", "ca_bundle", "docker_config", "paths"})

_EPILOG = """\
install:
  bash  registry-wizard completion bash > ~/.local/share/bash-completion/completions/registry-wizard
  zsh   registry-wizard completion zsh > "${fpath[1]}/_registry-wizard"   (then: compinit)
  fish  registry-wizard completion fish > ~/.config/fish/completions/registry-wizard.fish

or, for this shell only:  source <(registry-wizard completion bash)"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "completion",
        description="Print a completion script for your shell: commands, flags, registries, "
        "methods and other choices, and file names for --config and other paths.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(handler=_run_completion)


def script(shell: str) -> str:
    """The completion script for `shell`, from the whole CLI's parser."""
    import shtab

    from wizard.cli.main import build_parser  # main imports this module

    parser = build_parser()
    _complete_paths(parser, shtab.FILE)
    return str(shtab.complete(parser, shell=shell))


def _complete_paths(parser: argparse.ArgumentParser, files: Any) -> None:
    """Mark every path argument, in every (sub)command, to complete file names."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases share a parser
                _complete_paths(child, files)
        elif action.dest in _PATH_DESTS:
            action.complete = files  # type: ignore[attr-defined]  # shtab reads it


def _run_completion(args: argparse.Namespace) -> int:
    sys.stdout.write(script(args.shell))
    return EXIT_OK
