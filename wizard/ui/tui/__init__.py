"""The full-screen Textual front end. Imported lazily: textual is not on the `--help` path.

from wizard.ui.tui import run_tui
sys.exit(run_tui(Path("config.yaml")))
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.verify.registry import Options

EXIT_OK, EXIT_ERROR, EXIT_CANCELLED = 0, 1, 2
NO_CHANGES = "No changes were made."


def run_tui(config: Path, options: Options | None = None) -> int:
    """Run the wizard on `config` (created on Write if missing); `options`: how its live
    check reaches registries (the transport flags). 0: written, or nothing to
    change; 2: quit without writing ("No changes were made." goes to stderr once the
    terminal is back). A `ConfigError` (unreadable config.yaml) propagates to the caller."""
    from wizard.flow import Flow
    from wizard.ui.tui.app import WizardApp

    app = WizardApp(Flow(config, check_options=options))
    code = app.run()
    if code is None:  # stopped without choosing: a crash (its report is printed already)
        code = EXIT_OK if app.finished else (EXIT_ERROR if app.return_code else EXIT_CANCELLED)
    if not app.finished:
        print(NO_CHANGES, file=sys.stderr)
    return int(code)
