"""`doctor`'s output: text for people, JSON for scripts, SARIF for code scanning."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wizard.doctor.report import DoctorReport
from wizard.model.findings import EDIT_KINDS, Finding, Severity
from wizard.model.redact import printable, sh_path
from wizard.model.rules import RULES

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def display_path(path: Path) -> str:
    return path.as_posix()


def to_json(report: DoctorReport) -> dict[str, Any]:
    from wizard import __version__

    counts = report.counts()
    return {
        "version": 1,
        "tool": {"name": "registry-wizard", "version": __version__},
        "truss": {"version": report.truss_version, "source": report.truss_source},
        "live": report.live,
        "summary": {
            "files": len(report.files),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "fixable": counts["fixable"],
        },
        "files": [
            {"path": display_path(f.path), "findings": [d.to_json() for d in f.findings]}
            for f in report.files
        ],
        "notes": list(report.notes),
    }


def _artifact(path: Path, cwd: Path) -> dict[str, str]:
    from urllib.parse import quote

    absolute = Path(os.path.abspath(path))
    try:
        rel = absolute.relative_to(cwd)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": "%SRCROOT%"}


def to_sarif(report: DoctorReport, cwd: Path | None = None) -> dict[str, Any]:
    """SARIF 2.1.0 as GitHub code scanning takes it: every rule with its help, and one
    result per finding with a physical location (line 1 for a file-wide finding)."""
    from wizard import __version__

    base = Path(os.path.abspath(cwd or Path.cwd()))
    ids = list(RULES)
    index = {rule: i for i, rule in enumerate(ids)}
    sarif_rules = []
    for rule in ids:
        spec = RULES[rule]
        short, help_text = spec.summary, spec.help
        level = _LEVEL[spec.severity]
        sarif_rules.append(
            {
                "id": rule,
                "name": "".join(w.capitalize() for w in rule.split("-")),
                "shortDescription": {"text": short},
                "fullDescription": {"text": help_text},
                "help": {"text": help_text, "markdown": f"**{short}**\n\n{help_text}"},
                "defaultConfiguration": {"level": level},
                "properties": {"tags": ["truss", "registry-auth"]},
            }
        )
    results = []
    seen: dict[str, int] = {}
    for f in report.files:
        artifact = _artifact(f.path, base)
        for d in f.findings:
            region: dict[str, int] = {"startLine": d.line or 1}
            if d.column:
                region["startColumn"] = d.column
            fix = "run `registry-wizard doctor --fix`" if d.fixable else d.fix
            results.append(
                {
                    "ruleId": d.rule,
                    "ruleIndex": index[d.rule],
                    "level": _LEVEL[d.severity],
                    "message": {"text": _cap(f"{d.message}. Fix: {fix}")},
                    "locations": [
                        {"physicalLocation": {"artifactLocation": artifact, "region": region}}
                    ],
                    "partialFingerprints": {
                        "primaryLocationLineHash": _fingerprint(artifact["uri"], d, seen)
                    },
                    "properties": {"fixable": d.fixable, "fix": d.fix},
                }
            )
    notes = list(report.notes)
    if len(results) > MAX_RESULTS:
        order = {"error": 0, "warning": 1, "note": 2}
        results.sort(key=lambda r: order[r["level"]])  # stable: file order within a level
        notes.append(
            f"{len(results) - MAX_RESULTS:,} of {len(results):,} results left out: GitHub "
            f"code scanning takes {MAX_RESULTS:,} per run (errors were kept first)"
        )
        results = results[:MAX_RESULTS]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "registry-wizard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": sarif_rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {"level": "note", "message": {"text": n}} for n in notes
                        ],
                    }
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


# GitHub code scanning's limits on an uploaded run.
MAX_RESULTS = 25_000
MAX_MESSAGE = 1_000


def _cap(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _fingerprint(uri: str, d: Finding, seen: dict[str, int]) -> str:
    """The same alert across runs: the file, the rule and the config keys it is about, not
    the line (a comment added above moves every line). Repeats are numbered, as GitHub
    numbers its own `hash:n`."""
    import hashlib

    what = ".".join(d.path) if d.path else d.message
    digest = hashlib.sha256(f"{uri}\0{d.rule}\0{what}".encode()).hexdigest()[:32]
    seen[digest] = seen.get(digest, 0) + 1
    return f"{digest}:{seen[digest]}"


_PAINT = {Severity.ERROR: "31;1", Severity.WARNING: "33", Severity.INFO: "36"}


def render_text(
    report: DoctorReport, *, color: bool, prose: Callable[[str], str] | None = None
) -> str:
    """Findings grouped per file, `path:line: severity: message [rule]` and the fix.
    `prose` (e.g. wrapping to a terminal) is applied to the messages and the summary,
    never to a fix: a fix may be a command to copy, kept on one line."""
    prose = prose or (lambda text: text)

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    lines: list[str] = []
    with_findings = 0
    for f in report.files:
        if not f.findings:
            continue
        with_findings += 1
        # A file's name and what it holds (an image, a secret name) may carry an ESC or a
        # BEL that would drive the terminal: shown as `?` (JSON and SARIF escape them).
        name = printable(display_path(f.path)).replace("\n", "?")  # one line, one file
        lines.append(paint(name, "1"))
        for d in f.findings:
            where = f"{name}:{d.line}" if d.line else name
            sev = paint(d.severity.value, _PAINT[d.severity])
            lines.append(prose(f"  {where}: {sev}: {printable(d.message)} [{d.rule}]"))
            fix = printable(d.fix)
            if d.fixable:  # a command to copy, this file named
                fix = f"registry-wizard doctor --fix {sh_path(name)} ({fix})"
            first, *rest = fix.splitlines() or [""]
            lines.append(f"    fix: {first}")
            lines.extend(f"         {r}" for r in rest)
        lines.append("")
    c = report.counts()
    n = len(report.files)
    if n == 0:
        lines.append("No Truss configs found.")
    elif not with_findings:
        lines.append(paint("✓", "32") + f" {n} config{'s' if n != 1 else ''}: no problems found.")
    else:
        summary = (
            f"{n} config{'s' if n != 1 else ''} checked, {with_findings} with findings: "
            f"{_plural(c['error'], 'error')}, {_plural(c['warning'], 'warning')}, {c['info']} info"
        )
        if c["fixable"]:
            summary += f"; {c['fixable']} can be fixed with --fix"
        lines.append(prose(summary + "."))
    return "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


# The shape of `--format json`, for consumers and for the tests that hold us to it.
REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "registry-wizard doctor report",
    "type": "object",
    "required": ["version", "tool", "truss", "live", "summary", "files", "notes"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "tool": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"const": "registry-wizard"}, "version": {"type": "string"}},
        },
        "truss": {
            "type": "object",
            "required": ["version", "source"],
            "properties": {
                "version": {"type": ["string", "null"]},
                "source": {"type": ["string", "null"]},
            },
        },
        "live": {"type": "boolean"},
        "summary": {
            "type": "object",
            "required": ["files", "errors", "warnings", "info", "fixable"],
            "additionalProperties": False,
            "properties": {
                k: {"type": "integer", "minimum": 0}
                for k in ("files", "errors", "warnings", "info", "fixable")
            },
        },
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "findings"],
                "additionalProperties": False,
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
                },
            },
        },
        "notes": {"type": "array", "items": {"type": "string"}},
    },
    "$defs": {
        "finding": {
            "type": "object",
            "required": [
                "rule", "severity", "line", "column", "key", "message", "fix", "fixable",
                "fix_kind",
            ],
            "additionalProperties": False,
            "properties": {
                "rule": {"enum": list(RULES)},
                "severity": {"enum": ["error", "warning", "info"]},
                "line": {"type": ["integer", "null"], "minimum": 1},
                "column": {"type": ["integer", "null"], "minimum": 1},
                "key": {"type": "array", "items": {"type": "string"}},
                "message": {"type": "string", "minLength": 1},
                "fix": {"type": "string"},
                "fixable": {"type": "boolean"},
                "fix_kind": {"enum": [*EDIT_KINDS, None]},
            },
        }
    },
}  # fmt: skip
