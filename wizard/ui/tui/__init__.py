"""The full-screen Textual front end. Imported lazily: textual is not on the `--help` path.

from wizard.flow import Flow
from wizard.ui.tui import run_tui
sys.exit(run_tui(Flow(Path("config.yaml"))))
"""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.flow import Flow

from wizard.model.exits import EXIT_CANCELLED, EXIT_ERROR, EXIT_OK

NO_CHANGES = "No changes were made."


def run_tui(flow: Flow) -> int:
    """Run the wizard on the flow's config (created on Write if missing); the flow's
    presets (setup's flags) are answers it never asks, its check_options how the live
    check reaches registries. 0: written, or nothing to change; 2: quit without writing.
    Once the terminal is back, stderr gets the summary of a write (console.print_outcome,
    as the plain front end prints it) or "No changes were made.". A `ConfigError`
    (unreadable config.yaml) propagates to the caller."""
    gc.disable()  # until the first frame is on the terminal: see _settled
    try:
        from wizard.ui.tui.app import WizardApp

        app = WizardApp(flow, on_first_frame=_settled)
        code = app.run()
    finally:
        gc.enable()
    if code is None:  # stopped without choosing: a crash (its report is printed already)
        code = EXIT_OK if app.finished else (EXIT_ERROR if app.return_code else EXIT_CANCELLED)
    if not app.finished:
        print(NO_CHANGES, file=sys.stderr)
    elif app.outcome is not None:  # the full screen is gone with Done: say it again here
        from wizard.ui.console import print_outcome

        print_outcome(app.outcome, flow)  # the plain front end's summary, word for word
    return int(code)


def _settled() -> None:
    """Starting makes ~70,000 objects (textual's and the wizard's modules, the stylesheet,
    the first view) that live as long as the app. Python's cyclic collector walks them
    again and again while they are made: ~35 ms before the first screen, 16 ms of it one
    full collection in the middle of the first frame. So it is off until that frame is
    shown; then what exists is frozen (never walked again) and it runs as usual on what
    the app makes from then on. What the freeze keeps that later becomes garbage (the
    first step's view, once left) stays until exit: bounded, once a session."""
    gc.freeze()
    gc.enable()
