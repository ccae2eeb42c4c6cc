"""Opened on a config that already has auth: what it holds, what the static rules find
in it (with line numbers), then Fix or Start over."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static

from wizard.flow import Flow
from wizard.ui.tui.navigation import Page
from wizard.ui.tui.services import CurrentSetup
from wizard.ui.tui.views.base import StepView
from wizard.ui.tui.widgets.notes import Note, NoteList


class CurrentSetupView(StepView):
    class Fix(Message):
        pass

    class StartOver(Message):
        pass

    class Keep(Message):
        """Leave config.yaml as it is and finish."""

    def __init__(self, page: Page, flow: Flow, setup: CurrentSetup) -> None:
        name = flow.config.name
        super().__init__(
            page,
            flow,
            title="Current setup",
            subtitle=f"{name} already tells Baseten how to pull its base image.",
        )
        self.setup = setup

    def compose_body(self) -> Iterable[Widget]:
        s = self.setup
        rows = [
            ("Image", s.image or "(none)"),
            ("Registry", s.registry or "(unknown)"),
            ("Method", s.method or "(none)"),
        ]
        lines = [Content.from_markup("[b]$k[/]  $v", k=f"{k:<9}", v=v) for k, v in rows]
        yield Static(Content("\n").join(lines), classes="summary")
        if s.values:
            yield Static(Content.from_markup("[b]base_image.docker_auth[/]"), classes="section")
            yield Static(
                Content("\n").join(
                    Content.from_markup(
                        "[$foreground-muted]$line[/] $key: $value",
                        line=f"{line or '':>4}",
                        key=key,
                        value=value,
                    )
                    for line, key, value in s.values
                ),
                classes="listing",
            )
        if s.secrets:
            yield Static(Content.from_markup("[b]secrets[/]"), classes="section")
            yield Static(
                Content("\n").join(
                    Content.from_markup(
                        "[$foreground-muted]$line[/] $name: $value",
                        line=f"{line or '':>4}",
                        name=name,
                        value=value,
                    )
                    for line, name, value in s.secrets
                ),
                classes="listing",
            )
        yield Static(Content.from_markup("[b]Findings[/]"), classes="section")
        name = self.flow.config.name
        notes = [
            Note(
                d.severity.value,
                d.message,
                d.fix,
                f"{name}:{d.line}" if d.line else name,
            )
            for d in s.findings
        ] or [Note("ok", "No problems found: truss will accept this setup.")]
        yield NoteList(notes, classes="findings")

    @property
    def healthy(self) -> bool:
        return not self.setup.findings

    def compose_actions(self) -> Iterable[Widget]:
        if self.healthy:  # nothing to fix: keeping the file is the first offer
            yield Button("Keep", id="keep", variant="primary", compact=True)
            yield Button("Change it", id="fix", compact=True)
        else:
            yield Button("Fix", id="fix", variant="primary", compact=True)
        yield Button("Start over", id="start-over", compact=True)

    def focus_first(self) -> None:
        self.query_one("#keep" if self.healthy else "#fix").focus()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        if self.healthy:
            out.append(("Keep", "Leave config.yaml as it is and quit", self._keep))
        out.append(
            (
                "Fix" if not self.healthy else "Change it",
                "Go through the steps with config.yaml's values",
                lambda: self.post_message(self.Fix()),
            )
        )
        out.append(
            (
                "Start over",
                "Go through the steps afresh",
                lambda: self.post_message(self.StartOver()),
            )
        )
        return out

    def _keep(self) -> None:
        self.post_message(self.Keep())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "keep":
            self._keep()
        elif event.button.id == "fix":
            self.post_message(self.Fix())
        elif event.button.id == "start-over":
            self.post_message(self.StartOver())
