"""Command-line entry point (`registry-wizard`, `python -m wizard`).

The parser and dispatch are in `wizard.cli.main`; each command has its own module:
`setup`, `check`, `guide`, `secret`, `doctor`, `completion`. Shared pieces: `flags`
(flags used by several commands), `where` (which config.yaml, when none is named),
`stdin` (secrets piped in), `output` (terminal output).
"""

from wizard.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
