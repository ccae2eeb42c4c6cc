"""One text or secret Question: its prompt, an input, the help, and an inline error."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from wizard.flow import Kind, Question
from wizard.model.secret import Secret
from wizard.ui.console import plain_inline


class FieldInput(Vertical):
    """`value` is what the user typed (or the default); `secret` for Kind.SECRET."""

    def __init__(
        self,
        question: Question,
        *,
        blink: bool = True,
        value: str | None = None,
        secret: str | None = None,
    ) -> None:
        super().__init__(classes="field", id=f"field-{question.id}")
        self.question = question
        self._blink = blink
        self._value = value if value is not None else (question.default or "")
        self._secret = secret or ""  # a secret typed before Back

    def compose(self) -> ComposeResult:
        q = self.question
        optional = "" if q.required else " [$foreground-muted](optional)[/]"
        yield Static(
            Content.from_markup(f"[b]$prompt[/]{optional}", prompt=q.prompt),
            classes="prompt",
        )
        secret = q.kind is Kind.SECRET
        field = Input(
            value=self._secret if secret else self._value,
            placeholder="" if secret else q.default or "",
            password=secret,
            id=f"input-{q.id}",
        )
        field.cursor_blink = self._blink
        if secret:
            with Horizontal(classes="secret-row"):
                yield field
                yield Button("Show", id=f"reveal-{q.id}", classes="reveal", compact=True)
        else:
            yield field
        if q.current and q.current != q.default:
            yield Static(
                Content.from_markup("[$foreground-muted]config.yaml has: $v[/]", v=q.current),
                classes="current",
            )
        if q.help:
            yield Static(Content(plain_inline(q.help)), classes="help")
        yield Static("", classes="error")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    @property
    def secret(self) -> Secret:
        return Secret(self.input.value)

    def answer(self) -> str | Secret:
        return self.secret if self.question.kind is Kind.SECRET else self.value

    def set_error(self, message: str | None) -> None:
        error = self.query_one(".error", Static)
        error.update(Content.from_markup("[$text-error]✗ $m[/]", m=message) if message else "")
        self.set_class(bool(message), "-invalid")

    def toggle_reveal(self) -> None:
        field = self.input
        field.password = not field.password
        self.query_one(".reveal", Button).label = "Show" if field.password else "Hide"

    @on(Button.Pressed, ".reveal")
    def _reveal(self, event: Button.Pressed) -> None:
        event.stop()
        self.toggle_reveal()

    @on(Input.Changed)
    def _validate(self, event: Input.Changed) -> None:
        q = self.question
        value = event.value.strip()
        if q.validate is None or not value or q.kind is Kind.SECRET:
            self.set_error(None)
            return
        self.set_error(q.validate(value))


def focus_next_input(root: Widget, submitted: Input) -> bool:
    """Enter in an input of a form: the focus moves to the next input under `root`.
    False when `submitted` is the last one: the caller submits the form."""
    inputs = list(root.query(Input))
    index = inputs.index(submitted)
    if index + 1 < len(inputs):
        inputs[index + 1].focus()
        return True
    return False
