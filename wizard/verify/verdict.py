"""The answer of a live check: one verdict, the steps that led to it, and a hint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any


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
    def exit_code(self) -> int:
        from wizard.model.exits import EXIT_AUTH, EXIT_ERROR, EXIT_OK

        if self is Verdict.OK:
            return EXIT_OK
        if self in (Verdict.BAD_CREDENTIALS, Verdict.NO_ACCESS, Verdict.EXPIRED):
            return EXIT_AUTH
        return EXIT_ERROR


class StepStatus(str, Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    WARNING = "warning"


@dataclass
class Step:
    """One stage of a check (resolve, ping, token, manifest, ...), for the user to follow."""

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
    read them on another thread."""

    def __init__(self, progress: Progress | None = None) -> None:
        super().__init__()
        self._progress = progress

    def append(self, step: Step) -> None:
        super().append(step)
        if self._progress is not None:
            try:
                self._progress(tuple(replace(s) for s in self))
            except Exception:  # a front end's trouble never changes a verdict
                self._progress = None


@dataclass
class CheckResult:
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

    def scrub(self) -> None:
        """Hide every sensitive value in the texts a front end shows (a server that echoes
        the credential in an error body must not get it printed)."""
        from wizard.model.redact import redact

        values = [v for v in self.sensitive if len(v) >= 4]
        if not values:
            return
        self.detail, self.hint = redact(self.detail, values), redact(self.hint, values)
        self.warnings = [redact(w, values) for w in self.warnings]
        for step in self.steps:
            step.detail = redact(step.detail, values)

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
