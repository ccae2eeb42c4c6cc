"""Opened on a config that already has auth: what it holds, what the static rules find
in it (with line numbers), then Fix or Start over. Opened where there is no Truss
project (no config.yaml, or a YAML file without Truss keys): it says so, and offers the
Truss configs found below or creating config.yaml with a model name."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual import on
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from wizard.flow import Flow
from wizard.ui.tui import services
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
            page, flow, title="Not a Truss project" if setup.problem else "Current setup"
        )
        self.setup = setup
        self.subtitle = (
            "The wizard edits a Truss project's config.yaml."
            if setup.problem
            else f"{name} already tells Baseten how to pull its base image."
        )

    # -- not a Truss project ---------------------------------------------------------------

    def _compose_project(self) -> Iterable[Widget]:
        s = self.setup
        yield NoteList([Note("warning", s.problem or "")], classes="findings")
        if s.candidates:
            yield Static(Content.from_markup("[b]Truss configs below[/]"), classes="section")
            for i, path in enumerate(s.candidates):
                yield Button(f"Use {path}", id=f"use-{i}", classes="use-config", compact=True)
        if s.can_create:
            yield Static(
                Content.from_markup("[b]Or create $name here[/]", name=self.flow.config.name),
                classes="section",
            )
            yield Static(Content("Model name (model_name: in the new config.yaml)"))
            field = Input(value=s.model_name, placeholder=s.model_name, id="model-name")
            field.cursor_blink = self.wizard.cursor_blink
            yield field
        if not s.candidates and not s.can_create:
            yield Static(
                Content(
                    "Run registry-wizard in your Truss project's directory, or pass "
                    "--config path/to/config.yaml."
                ),
                classes="help",
            )

    async def _use(self, path: Path) -> None:
        self.flow.use_config(path)
        self.app.sub_title = str(path)
        setup = services.current_setup(self.flow)
        if setup is not None:  # it has auth already: show it, as for any config
            self.setup = setup
            self.wizard.current = setup
            self.title = "Current setup"
            self.subtitle = f"{path.name} already tells Baseten how to pull its base image."
            await self.recompose()
            self._focus_first()
            return
        self._start()

    def _create(self) -> None:
        name = self.query_one("#model-name", Input).value
        error = self.flow.create_project(name)
        if error is not None:
            self.show_error(error)
            return
        self._start()

    def _start(self) -> None:
        """On to the questions; Back never returns to this screen (nothing to show)."""
        self.wizard.current = None
        self.wizard.nav.has_current_setup = False
        self.post_message(self.Fix())

    @on(Input.Submitted, "#model-name")
    def _create_on_enter(self, event: Input.Submitted) -> None:
        event.stop()
        self._create()

    # -- the current setup -----------------------------------------------------------------

    def compose_body(self) -> Iterable[Widget]:
        s = self.setup
        if s.problem:
            yield from self._compose_project()
            return
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
        if self.setup.problem:
            if self.setup.can_create:
                yield Button("Create config.yaml", id="create", variant="primary", compact=True)
            yield Button("Quit", id="quit", compact=True)
            return
        if self.healthy:  # nothing to fix: keeping the file is the first offer
            yield Button("Keep", id="keep", variant="primary", compact=True)
            yield Button("Change it", id="fix", compact=True)
        else:
            yield Button("Fix", id="fix", variant="primary", compact=True)
        yield Button("Start over", id="start-over", compact=True)

    def focus_first(self) -> None:
        if self.setup.problem:
            first = self.query("Button.use-config, #create, #quit")
            if first:
                first.first().focus()
            return
        self.query_one("#keep" if self.healthy else "#fix").focus()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        if self.setup.problem:
            for path in self.setup.candidates:
                out.append((f"Use {path}", "Set up this Truss config", partial(self._use, path)))
            if self.setup.can_create:
                out.append(("Create config.yaml", "Start a Truss config here", self._create))
            return out
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

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button.startswith("use-"):
            await self._use(self.setup.candidates[int(button.removeprefix("use-"))])
        elif button == "create":
            self._create()
        elif button == "quit":
            await self.app.run_action("quit")
        elif event.button.id == "keep":
            self._keep()
        elif event.button.id == "fix":
            self.post_message(self.Fix())
        elif event.button.id == "start-over":
            self.post_message(self.StartOver())
