"""What `doctor` reports: findings placed in their files, and the edits that fix them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from wizard.model.findings import SEVERITY_ORDER, Finding, Severity
from wizard.model.record import field, record, replace
from wizard.model.redact import sh_path

# A rule's fix names the command (`registry-wizard setup --method oidc`) as a user in the
# project would type it: `setup` and `guide` then find its config.yaml themselves. Doctor
# reports files anywhere under the directory it was given, so it names the file.
_NEEDS_CONFIG = re.compile(r"registry-wizard (?:setup|guide)\b(?! --config)")


def for_file(fix: str, path: Path) -> str:
    """`fix` with `--config PATH` on each `setup` and `guide` command in it."""
    named = f" --config {sh_path(path.as_posix())}"
    return _NEEDS_CONFIG.sub(lambda m: m.group(0) + named, fix)


class DoctorUsageError(Exception):
    """The command cannot start: a path does not exist (exit 2)."""


@record
class FileReport:
    """What doctor found in one file."""

    path: Path  # as found: what the user sees
    real_path: Path
    findings: list[Finding] = field(default_factory=list)
    data: Any = None  # the parsed config; None when it could not be read or parsed
    node: Any = None  # its composed PyYAML node tree, for line numbers
    explicit: bool = False

    @property
    def parsed(self) -> bool:
        """False: unreadable or not YAML. Such a file is never edited."""
        return self.node is not None

    def add(self, finding: Finding, *, editable: bool = True) -> Finding:
        """Place `finding` in this file (its line and column); without `editable` its
        edit is dropped (a file --fix must not touch)."""
        line, column = locate(self.node, finding.path)
        placed = finding.at(line, column)
        if "registry-wizard " in placed.fix:
            placed = replace(placed, fix=for_file(placed.fix, self.path))
        if not editable and placed.edit is not None:
            placed = replace(placed, edit=None)
        self.findings.append(placed)
        return placed

    def sort(self) -> None:
        self.findings.sort(key=lambda d: (d.line or 0, SEVERITY_ORDER[d.severity], d.rule))


@record
class DoctorReport:
    """What doctor found in every file, with notes about the run."""

    files: list[FileReport]
    notes: list[str] = field(default_factory=list)
    truss_version: str | None = None
    truss_source: str | None = None
    live: bool = False

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        out["fixable"] = 0
        for f in self.files:
            for d in f.findings:
                out[d.severity.value] += 1
                out["fixable"] += d.fixable
        return out

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for f in self.files for d in f.findings)


class KeyLines:
    """Where each key of a parsed file is, by key path: what `locate` needs of a node tree,
    small enough to cross from the process that parsed the file (doctor --live over many
    files reads half of them in a second process)."""

    def __init__(self, lines: dict[tuple[str, ...], tuple[int, int]]) -> None:
        self.lines = lines

    # Keys recorded at most: a Truss config has a few dozen; aliases of aliases could
    # name billions of paths in a few hundred bytes (a key past it is placed on no line).
    LIMIT = 10_000

    @classmethod
    def of(cls, node: Any) -> KeyLines:
        """Every key path of `node`'s mappings; of duplicate keys the last one, and only
        what is under it, as `locate` reads them."""
        lines: dict[tuple[str, ...], tuple[int, int]] = {}
        todo: list[tuple[Any, tuple[str, ...]]] = [(node, ())]
        while todo and len(lines) < cls.LIMIT:
            node, path = todo.pop()
            if type(node).__name__ != "MappingNode":
                continue
            last = {k.value: (k, v) for k, v in node.value if isinstance(k.value, str)}
            for key, (k, v) in last.items():
                lines[(*path, key)] = (k.start_mark.line + 1, k.start_mark.column + 1)
                todo.append((v, (*path, key)))
        return cls(lines)


def locate(node: Any, path: tuple[str, ...]) -> tuple[int | None, int | None]:
    """1-based (line, column) of the deepest key on `path` that exists; the last of
    duplicate keys, as truss reads it."""
    if isinstance(node, KeyLines):
        for end in range(len(path), 0, -1):
            if path[:end] in node.lines:
                return node.lines[path[:end]]
        return None, None
    line = column = None
    for key in path:
        if node is None or type(node).__name__ != "MappingNode":
            break
        entry = None
        for k, v in node.value:
            if getattr(k, "value", None) == key and not isinstance(k.value, list):
                entry = (k, v)
        if entry is None:
            break
        line, column = entry[0].start_mark.line + 1, entry[0].start_mark.column + 1
        node = entry[1]
    return line, column
