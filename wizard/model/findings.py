"""One `Finding` and one `Severity` for every check the wizard makes: the rulebook's
config checks, the offline credential analysis, the trust-policy linter, and the live
checks doctor adds. Front ends place a finding (`line`, `column`) and render it; the
rule, its message and its fix are decided once, where the check is."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from wizard.model.record import record, replace


class Severity(str, Enum):
    ERROR = "error"  # Baseten or truss would refuse it, or a secret leaks
    WARNING = "warning"  # works today, but a deploy is likely to trip over it
    INFO = "info"  # worth knowing; nothing is broken


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


EDIT_KINDS = (
    "set-registry",
    "set-region",
    "remove-field",
    "declare-secret",
    "empty-secrets",
    "rename-secret",
    "null-secret",
)


@record(frozen=True)
class Edit:
    """A certain edit of config.yaml: what `setup` writes and `doctor --fix` applies, to
    the same bytes, through the one editor.

    kind (one of EDIT_KINDS): `set-registry`/`set-region` (the docker_auth key's value
    becomes `value`), `remove-field` (the key goes), `declare-secret` (a name under
    `secrets:` with the value null), `empty-secrets` (a valueless `secrets:` becomes
    `{}`), `rename-secret` (the secret key becomes `value`, its value and comment kept),
    `null-secret` (a secret's value becomes null)."""

    kind: str
    key: tuple[str, ...]
    value: Any = None


@record(frozen=True)
class Finding:
    """One problem. `rule` is a stable code from the rulebook; `path` the config keys
    it is about (empty for a finding about a credential); `edit` the certain fix."""

    rule: str
    severity: Severity
    path: tuple[str, ...]
    message: str
    fix: str
    edit: Edit | None = None
    line: int | None = None
    column: int | None = None

    @property
    def code(self) -> str:
        return self.rule

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def fixable(self) -> bool:
        return self.edit is not None

    def at(self, line: int | None, column: int | None = None) -> Finding:
        return replace(self, line=line, column=column)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "line": self.line,
            "column": self.column,
            "key": [_shown(k) for k in self.path],
            "message": self.message,
            "fix": self.fix,
            "fixable": self.fixable,
            "fix_kind": self.edit.kind if self.edit else None,
        }


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.is_error for f in findings)


def _shown(key: str) -> str:
    """A config key as output may show it: a key that is a credential is hidden."""
    from wizard.model.redact import marker
    from wizard.model.rules import looks_like_credential

    return marker(key) if looks_like_credential(key, strong=True) else key
