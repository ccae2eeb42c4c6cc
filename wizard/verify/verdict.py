"""The answer of a live check: one verdict, the steps that led to it, and a hint."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from wizard.model.record import field, record, replace


class Verdict(str, Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    # Authenticated but cannot pull, or the repository is hidden: Docker Hub, GAR and
    # GHCR answer the same for "no such repository" and "not yours".
    NO_ACCESS = "no_access"
    NOT_FOUND = "not_found"
    EXPIRED = "expired"
    RATE_LIMITED = "rate_limited"
    UNREACHABLE = "unreachable"
    TLS_ERROR = "tls_error"
    TIMEOUT = "timeout"
    ERROR = "error"

    @property
    def title(self) -> str:
        """The verdict as a person reads it (the value is for JSON and scripts)."""
        return _TITLES[self]

    @property
    def exit_code(self) -> int:
        from wizard.model.exits import EXIT_AUTH, EXIT_ERROR, EXIT_OK

        if self is Verdict.OK:
            return EXIT_OK
        if self in (Verdict.BAD_CREDENTIALS, Verdict.NO_ACCESS, Verdict.EXPIRED):
            return EXIT_AUTH
        return EXIT_ERROR


_TITLES = {
    Verdict.OK: "Baseten can pull this image",
    Verdict.BAD_CREDENTIALS: "The credential was refused",
    Verdict.NO_ACCESS: "Signed in, but not allowed to pull this image",
    Verdict.NOT_FOUND: "The image was not found",
    Verdict.EXPIRED: "The credential has expired",
    Verdict.RATE_LIMITED: "The registry is rate limiting",
    Verdict.UNREACHABLE: "The registry cannot be reached",
    Verdict.TLS_ERROR: "The registry's certificate is not trusted",
    Verdict.TIMEOUT: "The registry did not answer in time",
    Verdict.ERROR: "The check could not finish",
}

# The stages of every check, in order: the same list whatever the credential or the
# outcome (a front end shows them all from the start; a stage a failure kept the check
# from reaching stays "not reached"). Every Step is named after one of them.
STAGES = ("credential", "resolve", "ping", "token", "manifest")


def next_stage(steps: Sequence[Step]) -> str:
    """The stage after the last one taken: where a failure without a stage of its own
    (a timeout, a broken connection) happened."""
    taken = [STAGES.index(s.name) for s in steps if s.name in STAGES]
    return STAGES[min(max(taken) + 1, len(STAGES) - 1)] if taken else STAGES[0]


class StepStatus(str, Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    WARNING = "warning"


@record
class Step:
    """One step of a check, named after its stage (STAGES), for the user to follow."""

    name: str
    status: StepStatus
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status.value, "detail": self.detail}


Progress = Callable[[tuple[Step, ...]], None]


class StepLog(list[Step]):
    """A check's steps that tell an observer each time one is taken, so a front end can
    show the stages as they happen. The observer gets copies: a step's detail may still
    be filled in later (resolve learns its endpoint from the ping), and the observer may
    read them on another thread. The copies are shown as they come, so they are shown
    as a finished result is: `sensitive` hidden, control characters made printable
    (the result sharing this log shares its `sensitive` set)."""

    def __init__(self, progress: Progress | None = None) -> None:
        super().__init__()
        self._progress = progress
        self.sensitive: set[str] = set()

    def append(self, step: Step) -> None:
        super().append(step)
        if self._progress is not None:
            try:
                self._progress(tuple(replace(s, detail=self.shown(s.detail)) for s in self))
            except Exception:  # a front end's trouble never changes a verdict
                self._progress = None

    def shown(self, text: str) -> str:
        return shown(text, self.sensitive)


def shown(text: str, sensitive: set[str]) -> str:
    """A text from a server (or about one) as a front end may show it."""
    from wizard.model.redact import printable, redact

    return printable(redact(text, [v for v in sensitive if len(v) >= 4]))


@record
class CheckResult:
    """The outcome of one live check: verdict, texts and the steps taken."""

    verdict: Verdict
    image: str
    registry: str
    detail: str
    hint: str = ""
    digest: str | None = None
    media_type: str | None = None
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Registry-specific facts worth showing: token scopes, rate limits, expiry.
    facts: dict[str, Any] = field(default_factory=dict)
    # Values never to show (the credential, tokens a realm issued): `scrub` hides them in
    # everything above before a front end sees the result.
    sensitive: set[str] = field(default_factory=set, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.steps, StepLog):  # one set for the log and every result on it
            self.steps.sensitive |= self.sensitive
            self.sensitive = self.steps.sensitive

    def scrub(self) -> None:
        """Make every text a front end shows safe to show: each sensitive value hidden (a
        server that echoes the credential, in an error body or a header, must not get it
        printed) and control characters printable (nor drive the user's terminal)."""
        values = self.sensitive
        self.detail, self.hint = shown(self.detail, values), shown(self.hint, values)
        self.warnings = [shown(w, values) for w in self.warnings]
        for step in self.steps:
            step.detail = shown(step.detail, values)
        self.facts = _shown_facts(self.facts, values)

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict.value,
            "image": self.image,
            "registry": self.registry,
            "detail": self.detail,
            "hint": self.hint,
            "steps": [s.to_json() for s in self.steps],
            "warnings": list(self.warnings),
        }
        if self.digest:
            out["digest"] = self.digest
            out["media_type"] = self.media_type
        if self.facts:
            out["facts"] = dict(self.facts)
        return out


def _shown_facts(value: Any, sensitive: set[str]) -> Any:
    """Facts as shown: every text in them (a rate-limit header, a scope) through `shown`."""
    if isinstance(value, str):
        return shown(value, sensitive)
    if isinstance(value, dict):
        return {k: _shown_facts(v, sensitive) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shown_facts(v, sensitive) for v in value]
    return value
