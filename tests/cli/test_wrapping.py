"""On a terminal, prose wraps between words; a fix, which may be a command to copy, is
printed on one line (a terminal joins its own soft wraps when text is copied, not ours).
To a pipe every line is whole."""

from __future__ import annotations

import io
import re

import pytest

from wizard.cli.output import print_check
from wizard.verify.verdict import CheckResult, Verdict

COMMAND = (
    "printf '%s' \"$TOKEN\" | registry-wizard secret encode --image "
    "ghcr.io/acme/a-rather-long-repository-name/app:1.2.3 --username octocat"
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _failed() -> CheckResult:
    return CheckResult(
        Verdict.BAD_CREDENTIALS,
        "ghcr.io/acme/app:1",
        "ghcr.io",
        "the registry refused the username and token it was given, at the token step, "
        "after the ping answered with a bearer challenge",
        COMMAND,
        warnings=[f"then: {COMMAND}"],
    )


def test_on_a_terminal_the_detail_wraps_and_the_fix_stays_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("NO_COLOR", "1")
    out = Terminal()
    print_check(_failed(), stream=out)
    lines = out.getvalue().splitlines()
    assert f"  fix: {COMMAND}" in lines, lines  # one line, to copy
    assert f"  ! then: {COMMAND}" in lines, lines  # a warning carrying a command: whole too
    detail = [line for line in lines if "refused" in line or "bearer" in line]
    assert len(detail) > 1 and all(len(line) <= 59 for line in detail), lines


def test_to_a_pipe_every_line_is_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    print_check(_failed(), stream=out)
    assert f"  {_failed().detail}" in out.getvalue().splitlines()


def test_doctor_wraps_messages_and_keeps_each_fix_whole(tmp_path: object) -> None:
    from pathlib import Path

    from wizard.doctor import render_text
    from wizard.doctor.report import DoctorReport, FileReport
    from wizard.model.findings import Finding, Severity

    message = "the image names a registry host that no secret or docker_auth here covers " * 2
    finding = Finding("some-rule", Severity.ERROR, ("base_image",), message.strip(), COMMAND)
    path = Path("models/app/config.yaml")
    report = DoctorReport([FileReport(path, path, findings=[finding])])
    from wizard.ui.console import wrap

    text = render_text(report, color=False, prose=lambda line: wrap(line, 60))
    lines = text.splitlines()
    assert f"    fix: {COMMAND}" in lines, lines
    assert all(len(line) <= 60 for line in lines if not line.startswith("    fix:")), lines
    assert message.strip() in " ".join(" ".join(lines).split())  # every word, in order


@pytest.mark.parametrize("color", [False, True], ids=["plain", "color"])
def test_a_long_stage_line_hangs_under_its_mark_in_colour_too(
    monkeypatch: pytest.MonkeyPatch, color: bool
) -> None:
    """A painted ✗ was counted as escape bytes, not a mark: the stage's detail wrapped
    to column 0 (and early)."""
    from wizard.verify.verdict import Step, StepStatus

    monkeypatch.setenv("COLUMNS", "61")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR" if color else "NO_COLOR", "1")
    result = _failed()
    detail = "cannot reach the registry: cannot connect to registry-1.docker.io:443: no name"
    result.steps = [Step("ping", StepStatus.FAILED, detail)]
    out = Terminal()
    print_check(result, stream=out)
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", s) for s in out.getvalue().splitlines()]
    at = next(i for i, s in enumerate(lines) if s.startswith("    ✗ ping"))
    assert lines[at + 1].startswith("      ") and "no name" in lines[at + 1], lines
    assert all(len(s) <= 60 for s in lines[at : at + 2]), lines
    assert ("\x1b[" in out.getvalue()) is color
