"""The credential for the live check: username and a masked token (with show/hide),
checked offline as the user types, or `docker login`'s stored credential; or the path
of a GCP service-account key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from wizard.flow import Flow
from wizard.model.secret import Secret
from wizard.ui.tui import services
from wizard.ui.tui.navigation import Page
from wizard.ui.tui.views.fields import FieldsView
from wizard.ui.tui.widgets.field_input import FieldInput
from wizard.ui.tui.widgets.notes import Note, NoteList


class CredentialsView(FieldsView):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "reveal", "Show/hide token"),
    ]

    def __init__(self, page: Page, flow: Flow) -> None:
        reg = flow.registry
        super().__init__(
            page,
            flow,
            title="Credentials",
            subtitle="Only for the live check, never written to config.yaml; empty: no check.",
        )
        self.kind_label = reg.token_kind if reg else "token"
        self.has_token = page.question("token") is not None
        self.found: Any = None  # docker login's credential, when there is one

    def compose_body(self) -> Iterable[Widget]:
        yield from super().compose_body()
        if self.has_token:
            # Right under the token field, and next in the focus order after it.
            with Horizontal(id="docker-login", classes="banner"):
                yield Static("", id="docker-login-text")
                yield Button("Use it", id="use-docker-login", compact=True)
        yield NoteList(classes="findings -empty", id="findings")

    def compose_actions(self) -> Iterable[Widget]:
        yield Button("Continue", id="continue", variant="primary", compact=True)
        yield Button("Skip the check", id="skip", compact=True)
        yield from self.back_button()

    def on_mount(self) -> None:
        if self.has_token:
            self._docker_login()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":  # only where a field is masked (not the key file's path)
            return bool(self.query(".reveal"))
        return True

    def action_reveal(self) -> None:
        for field in self.query(FieldInput):
            if field.input.password or field.query(".reveal"):
                field.toggle_reveal()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "use-docker-login":
            event.stop()
            self.use_docker_login()
        elif event.button.id == "skip":
            event.stop()
            for field in self.query(FieldInput):
                field.input.value = ""
            self.submit()

    # -- docker login ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="docker-login")
    def _docker_login(self) -> None:
        try:
            found = services.docker_credential(self.flow)
        except Exception:  # an unreadable docker config only means: nothing to offer
            found = None
        if found is not None and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._offer, found)

    def _offer(self, found: Any) -> None:
        if not self.query("#input-username") and found.username != self._username():
            return  # --username names another account than docker login's
        self.found = found
        registry = self.flow.ref.registry if self.flow.ref else "this registry"
        self.query_one("#docker-login-text", Static).update(
            Content.from_markup(
                "[$text-accent]i[/] docker login has a credential for $r ([b]$u[/], from $s).",
                r=registry,
                u=found.username,
                s=found.source,
            )
        )
        self.query_one("#docker-login").add_class("-shown")

    def _username(self) -> str:
        """The username field's text, or `--username`'s when the flag answered it."""
        field = self.query("#input-username").results(Input)
        return next((i.value for i in field), self.flow.value("username") or "")

    def use_docker_login(self) -> None:
        if self.found is None:
            return
        for field in self.query("#input-username").results(Input):
            field.value = self.found.username
        self.query_one("#input-token", Input).value = self.found.password.reveal()
        self.query_one("#docker-login").remove_class("-shown")
        self.query_one("#continue").focus()
        self.app.notify(f"Using {self.found.source}", title="docker login")

    # -- inline validation -----------------------------------------------------------------

    @on(Input.Changed)
    def _analyse(self, event: Input.Changed) -> None:
        event.stop()
        findings = self.query_one("#findings", NoteList)
        if self.has_token:
            result = services.credential_findings(
                self.flow, self._username(), Secret(self.query_one("#input-token", Input).value)
            )
        elif self.page.question("key-file") is not None:
            result = services.key_file_findings(self.query_one("#input-key-file", Input).value)
        else:
            result = []
        findings.show(Note(f.severity.value, f.message, f.fix) for f in result)

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        if self.has_token:
            out.append(("Show/hide the token", "Reveal what you typed", self.action_reveal))
        if self.found is not None:
            out.append(("Use docker login's credential", self.found.source, self.use_docker_login))
        return out
