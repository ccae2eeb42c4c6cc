"""The flow's vocabulary: a Question (id, kind, prompt, choices, default, validator,
help markdown) that every front end shows in its own way."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from wizard.model.record import field, record


class Kind(str, Enum):
    CHOICE = "choice"
    TEXT = "text"
    SECRET = "secret"
    CONFIRM = "confirm"
    INFO = "info"


@record(frozen=True)
class Choice:
    """One option of a choice question."""

    value: str
    label: str
    description: str = ""


@record
class Question:
    """One question of the flow, as every front end asks it."""

    id: str
    kind: Kind
    prompt: str
    choices: tuple[Choice, ...] = ()
    default: str | None = None
    current: str | None = None  # what config.yaml holds now, shown to the user
    help: str = ""  # markdown
    validate: Callable[[str], str | None] | None = None  # error message, or None if fine
    required: bool = True
    recalled: bool = False  # the default is the user's own answer, given before Back
    # Advice about a value that is accepted all the same (an image without a tag): shown
    # where the value is entered, never refusing it.
    note: Callable[[str], str | None] | None = None
    # Help too costly to build for every question list (the cloud-side guide: templates,
    # the guide modules' imports, ~13 ms): built when its page is shown (`help_text`).
    help_from: Callable[[], str] | None = field(default=None, repr=False, compare=False)

    def help_text(self) -> str:
        """The help as markdown: `help`, or what `help_from` builds."""
        return self.help_from() if self.help_from is not None else self.help

    @property
    def flag(self) -> str:
        return f"--{self.id}-stdin" if self.kind is Kind.SECRET else f"--{self.id}"


# Questions without an answer to give: shown, then passed. They have no flag.
INFO_IDS = ("guide", "check")
