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
