r"""Text that reaches the user's terminal from a file or a directory name: a YAML escape
("\e", "\a") decodes to an ESC or a BEL that would drive the terminal (OSC 52 sets its
clipboard, ESC[2J clears it). The raw characters are refused by the reader; their
escapes are printed as "?" by every front end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from wizard.model.redact import printable

OSC52 = "\x1b]52;c;cHduZWQ=\x07\x1b[2J"


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BASETEN_"))}
    r = subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, "NO_COLOR": "1", "HOME": str(cwd), **(env or {})},
        input="",
        timeout=60,
    )
    assert "Traceback" not in r.stderr, r.stderr
    return r.stdout + r.stderr


def test_printable_keeps_text_and_marks_controls() -> None:
    assert printable("é 🙂\tline\nnext") == "é 🙂\tline\nnext"
    assert printable(OSC52) == "?]52;c;cHduZWQ=??[2J"
    assert printable("\x9b2J\x7f") == "?2J?"


def test_a_guide_from_a_config_with_an_escaped_esc_prints_no_esc(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_name: m\nbase_image:\n"
        "  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0\n"
        "  docker_auth:\n    auth_method: AWS_OIDC\n"
        "    registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com\n"
        '    aws_oidc_role_arn: "arn:aws:iam::123456789012:role/x\\e]52;c;cHduZWQ=\\a"\n'
    )
    out = _run("guide", "--config", str(config), "--no-baseten", cwd=tmp_path)
    assert "\x1b" not in out and "\x07" not in out, out


def test_a_directory_name_with_escapes_is_printed_as_text(tmp_path: Path) -> None:
    """The plain wizard on a dumb terminal names the model after the directory when it
    creates config.yaml, and says so: the name's ESC and BEL arrive as `?`."""
    from tests.ui_plain.pty_session import PtySession, wizard_argv

    project = tmp_path / f"evil{OSC52}"
    project.mkdir()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BASETEN_"))}
    env = {**base, "TERM": "dumb", "NO_COLOR": "1", "HOME": str(tmp_path)}
    s = PtySession(wizard_argv("setup", "--plain"), cwd=project, env=env)
    try:
        s.expect(r"model_name: evil\?\]52")
        assert b"\x1b]52" not in s.output and b"\x07" not in s.output, s.output
    finally:
        s.close()


def test_a_tui_note_shows_an_escape_as_text() -> None:
    from wizard.ui.tui.widgets.notes import Note, render_notes

    shown = render_notes([Note("error", f"role {OSC52}", f"fix {OSC52}")]).plain
    assert "\x1b" not in shown and "\x07" not in shown


def test_a_default_from_the_file_is_echoed_as_text(tmp_path: Path) -> None:
    """The plain wizard offers the file's image as the default and echoes it when Enter
    takes it: an escaped OSC 52 in the file arrives as `?`, in the prompt and the echo."""
    from tests.ui_plain.pty_session import PtySession, wizard_argv

    config = tmp_path / "config.yaml"
    config.write_text('model_name: m\nbase_image:\n  image: "ghcr.io/a/b:1\\e]52;c;eA==\\a"\n')
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BASETEN_"))}
    env = {**base, "TERM": "dumb", "NO_COLOR": "1", "HOME": str(tmp_path)}
    s = PtySession(wizard_argv("setup", "--plain", "--config", str(config)), cwd=tmp_path, env=env)
    try:
        s.expect(r"Base image \[ghcr\.io/a/b:1\?\]52")
        s.send("\r")
        s.expect(r"→ ghcr\.io/a/b:1\?\]52")
        assert b"\x1b" not in s.output and b"\x07" not in s.output, s.output
    finally:
        s.close()


def test_setups_diff_and_its_question_name_the_file_as_text(tmp_path: Path) -> None:
    """The diff's header and "Write these changes to <file>?" named the file raw: an
    ESC[2J just before the question cleared the diff it asks about (an attack on today's
    fixes). A newline in a doctor path is one line too."""
    from wizard.ui import console

    config = tmp_path / f"c{OSC52}.yaml"
    config.write_text("model_name: m\n")
    out = _run(
        "setup", "--config", str(config), "--image", "ghcr.io/acme/app:1.0", "--dry-run",
        cwd=tmp_path,
    )  # fmt: skip
    assert "--- a/c?]52;c;cHduZWQ=??[2J.yaml" in out
    assert "\x1b" not in out and "\x07" not in out, out
    asked: list[str] = []
    import builtins

    real = builtins.input
    builtins.input = lambda prompt="": asked.append(prompt) or "n"  # type: ignore[assignment,func-returns-value]
    try:
        assert console.ask_yes(f"Write these changes to {config.name}? ") is False
    finally:
        builtins.input = real
    assert asked == ["Write these changes to c?]52;c;cHduZWQ=??[2J.yaml? "]


def test_the_tui_takes_a_path_with_escapes_and_brackets_as_text(tmp_path: Path) -> None:
    """The TUI's header printed the path raw (an ESC[5m reached the terminal), and a
    read-only path holding `[/bad]` crashed it: the warning toast read it as markup."""
    import asyncio

    from wizard.flow import Flow
    from wizard.ui.tui.app import WizardApp

    project = tmp_path / f"x[/bad]{OSC52}"  # a directory x[ holding bad]...
    project.mkdir(parents=True)
    config = project / "config.yaml"
    config.write_text("model_name: m\n")
    config.chmod(0o444)

    async def first_screen() -> tuple[str, list[str]]:
        app = WizardApp(Flow(config), cursor_blink=False)
        async with app.run_test() as pilot:
            await pilot.pause()
            return app.sub_title, [str(n.message) for n in app._notifications]

    try:
        title, said = asyncio.run(first_screen())
    finally:
        config.chmod(0o644)
    assert "\x1b" not in title and "[/bad]" in title, title
    assert said and all("\x1b" not in m and "\x07" not in m for m in said), said
    assert "x[/bad]?]52" in said[0]


def test_a_pasted_doctor_fix_runs_nothing_from_a_path() -> None:
    """doctor --live's fallback fixes put the path in unquoted (`guide --config
    $(touch PWNED)/config.yaml`): pasted into a shell, it ran (an attack on today's
    fixes). Every path in a command is quoted."""
    import shlex

    from wizard.doctor.live import _cloud_findings, _Setup
    from wizard.doctor.report import FileReport
    from wizard.model.facts import ItemStatus, SetupItem
    from wizard.model.image import parse_image
    from wizard.model.truss import AuthMethod

    path = Path("t3/$(touch PWNED)/config.yaml")
    report = FileReport(path, path)
    setup = _Setup(report, parse_image("ghcr.io/a/b:1"), AuthMethod.AWS_OIDC, {}, {}, [])
    _cloud_findings(setup, [SetupItem("cloud-check", ItemStatus.UNKNOWN, "could not look")])
    (finding,) = report.findings
    assert finding.fix == "registry-wizard guide --config 't3/$(touch PWNED)/config.yaml'"
    assert shlex.split(finding.fix)[-1] == str(path)  # one word, as the shell reads it


def test_a_base64_key_files_fix_quotes_its_path(tmp_path: Path) -> None:
    import base64
    import json
    import shlex

    import pytest

    from wizard.verify.sources import SourceError, load_service_account_key

    key = tmp_path / "$(touch PWNED).json"
    key.write_bytes(base64.b64encode(json.dumps({"type": "service_account"}).encode()))
    with pytest.raises(SourceError) as refused:
        load_service_account_key(key)
    hint = refused.value.hint
    assert shlex.split(hint.split("decode it first: ", 1)[1])[2] == str(key), hint


def test_a_newline_in_a_doctor_path_cannot_fake_report_lines() -> None:
    from wizard.doctor.output import render_text
    from wizard.doctor.report import DoctorReport, FileReport
    from wizard.model.findings import Finding, Severity

    path = Path("x\n  ok/config.yaml: no problems found\n\n1 config checked/config.yaml")
    fr = FileReport(path, path)
    fr.findings.append(Finding("latest-tag", Severity.WARNING, (), "uses latest", "pin it"))
    text = render_text(DoctorReport([fr]), color=False)
    assert (
        text.splitlines()[0]
        == "x?  ok/config.yaml: no problems found??1 config checked/config.yaml"
    )


def test_doctors_json_and_sarif_carry_no_raw_c1_control(tmp_path: Path) -> None:
    """json.dumps(ensure_ascii=False) escapes C0 controls only: a directory named with a
    C1 CSI or OSC (U+009B, U+009D) reached the terminal raw (an attack on today's fixes)."""
    import json

    from tests.doctor.test_doctor import run_doctor
    from tests.standins import GCP_KEY_CONFIG

    name = "c1\x9b2J\x9d0;T\x9cx\x7f"
    (tmp_path / name).mkdir()
    (tmp_path / name / "config.yaml").write_text(GCP_KEY_CONFIG)
    for fmt in ("json", "sarif"):
        r = run_doctor(".", "--truss-version", "0.18.36", "--format", fmt, cwd=tmp_path)
        assert r.stdout, r.stderr
        assert not any(0x7F <= ord(c) < 0xA0 for c in r.stdout), repr(r.stdout[:300])
        assert name in json.dumps(json.loads(r.stdout), ensure_ascii=False)  # the same text
