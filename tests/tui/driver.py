"""Driving the app with key presses, as a user would, and waiting for its workers."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.pilot import Pilot

from wizard.ui.tui.app import WizardApp
from wizard.ui.tui.navigation import PageKind
from wizard.ui.tui.views.base import StepView


async def settle(pilot: Pilot[int]) -> None:
    """Until no worker runs and no message waits (a worker's result mounts a view)."""
    app = pilot.app
    await pilot.pause()
    for _ in range(50):
        if not any(w.is_running for w in app.workers):
            return
        await app.workers.wait_for_complete()
        await pilot.pause()
    raise AssertionError("the app did not settle")


async def press(pilot: Pilot[int], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def type_text(pilot: Pilot[int], text: str) -> None:
    """Paste into the focused input, as a terminal sends a bracketed paste (one key press
    per character costs Pilot ~60 ms each)."""
    pilot.app.post_message(events.Paste(text))
    await settle(pilot)


async def type_keys(pilot: Pilot[int], text: str) -> None:
    """Type one key press per character."""
    await pilot.press(*text)
    await settle(pilot)


async def replace_text(pilot: Pilot[int], text: str) -> None:
    """Clear the focused input, then type."""
    await pilot.press("end", "ctrl+u")
    await type_text(pilot, text)


def kind(app: WizardApp) -> PageKind | None:
    view = app.view
    return view.page.kind if view is not None else None


def wizard(pilot: Pilot[int]) -> WizardApp:
    app = pilot.app
    assert isinstance(app, WizardApp)
    return app


def current(app: WizardApp) -> StepView:
    """The view of the current step."""
    view = app.view
    assert view is not None
    return view


# An ECR image with no auth yet: the wizard opens on Registry, then OIDC.
ECR_CONFIG = (
    "model_name: ranker\n"
    "base_image:\n"
    "  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0\n"
)
ROLE = "arn:aws:iam::123456789012:role/baseten-ecr"


async def to_ecr_cloud_page(pilot: Any) -> None:
    """From ECR_CONFIG's first screen to Cloud setup, with ROLE and the facts' defaults."""
    await settle(pilot)
    await press(pilot, "enter", "enter")  # registry, OIDC
    await replace_text(pilot, ROLE)
    await press(pilot, "enter", "enter", "enter")  # role ARN, org ID, team ID
    assert kind(pilot.app) is PageKind.CLOUD


async def to_ghcr_credentials(pilot: Any, username: str) -> None:
    """From the sample project's first screen (GHCR detected) to Credentials, `username`
    typed and the focus on the token field."""
    await settle(pilot)
    await press(pilot, "enter", "enter")  # registry, cloud setup
    await replace_text(pilot, username)
    await press(pilot, "enter")


async def to_ghcr_check(pilot: Any, username: str, token: str) -> None:
    """From the sample project's first screen through Credentials to the live check."""
    await to_ghcr_credentials(pilot, username)
    await type_text(pilot, token)
    await press(pilot, "enter")
