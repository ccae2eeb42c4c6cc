"""The plain wizard in a real pseudo-terminal, as a first-time user meets it: the bundled
sample project, keys typed one at a time, the bytes the terminal received."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui_plain.pty_session import PtySession, wizard_argv

SAMPLE = Path(__file__).parents[2] / "assets" / "sample-truss"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "project")
    return tmp_path / "project"


def _env(tmp_path: Path, term: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BASETEN_API_KEY", "PROMPT_TOOLKIT_NO_CPR", "COLUMNS", "LINES", "NO_COLOR")
        and not k.startswith("PYTEST")
    }
    env.update(
        TERM=term,
        HOME=str(tmp_path / "home"),
        USER_TRUSSRC_PATH=str(tmp_path / "no-trussrc"),
        PYTHONPATH=str(Path(__file__).parents[2]),
    )
    return env


@pytest.fixture
def session(tmp_path: Path, project: Path) -> Iterator[list[PtySession]]:
    opened: list[PtySession] = []
    yield opened
    for s in opened:
        s.close()


def _start(
    opened: list[PtySession], tmp_path: Path, project: Path, *args: str, term: str
) -> PtySession:
    s = PtySession(wizard_argv(*args), cwd=project, env=_env(tmp_path, term), columns=60)
    opened.append(s)
    return s


def _to_the_write_question(s: PtySession) -> None:
    """The sample project (ghcr.io): keep the image and the registry, give a username,
    skip the token (no live check: nothing leaves this machine)."""
    s.expect(r"Base image \[ghcr\.io/acme/llm-base:1\.2\]")
    s.send("\r")
    s.expect(r"Registry")
    s.send("\r")
    s.expect(r"Username")
    s.send("octocat\r")
    s.expect(r"Hidden as you type")
    s.expect(r"personal access token")  # its prompt: input typed before it is dropped
    s.send("\r")
    s.expect(r"Write these changes to config\.yaml\? \[y/N\]")
    s.settle(0.5)


def test_y_alone_does_not_write_and_enter_does_not_write(
    tmp_path: Path, project: Path, session: list[PtySession]
) -> None:
    before = (project / "config.yaml").read_bytes()
    s = _start(session, tmp_path, project, "setup", "--plain", term="xterm-256color")
    _to_the_write_question(s)
    s.send("y")  # no Enter: nothing may happen yet
    s.settle(1.5)
    assert s.proc.poll() is None, s.text
    assert "updated" not in s.text and "No changes" not in s.text
    assert (project / "config.yaml").read_bytes() == before
    s.send("\x7f\r")  # changed my mind: erase the y, then Enter takes the default, No
    assert s.wait() == 2
    assert "No changes were made." in s.text
    assert (project / "config.yaml").read_bytes() == before


def test_enter_alone_on_the_write_question_writes_nothing(
    tmp_path: Path, project: Path, session: list[PtySession]
) -> None:
    before = (project / "config.yaml").read_bytes()
    s = _start(session, tmp_path, project, "setup", "--plain", term="xterm-256color")
    _to_the_write_question(s)
    s.send("\r")
    assert s.wait() == 2
    assert "No changes were made." in s.text
    assert (project / "config.yaml").read_bytes() == before


def test_after_a_write_the_summary_says_what_was_done_and_what_is_next(
    tmp_path: Path, project: Path, session: list[PtySession]
) -> None:
    s = _start(session, tmp_path, project, "setup", "--plain", term="xterm-256color")
    _to_the_write_question(s)
    s.send("y\r")
    assert s.wait() == 0, s.text
    assert "DOCKER_REGISTRY_ghcr.io: null" in (project / "config.yaml").read_text()
    summary = s.text.split("Write these changes", 1)[1]
    assert "config.yaml updated: GitHub Container Registry" in summary
    assert "Baseten secret to create: DOCKER_REGISTRY_ghcr.io" in summary
    # the next step, as a command on its own line with the username typed
    lines = [line.strip() for line in summary.splitlines()]
    assert (
        "registry-wizard secret set --image ghcr.io/acme/llm-base:1.2 --username octocat" in lines
    ), summary
    assert "<user>" not in summary and "`" not in summary
    assert "truss push" not in summary  # the secret is still to create


def test_no_cursor_position_request(
    tmp_path: Path, project: Path, session: list[PtySession]
) -> None:
    """prompt_toolkit asks the terminal where its cursor is (ESC[6n); one that answers
    late or never (a `script` log) got the first question drawn twice and a warning."""
    s = _start(session, tmp_path, project, "setup", "--plain", term="xterm-256color")
    _to_the_write_question(s)
    s.send("\r")
    assert s.wait() == 2
    assert b"\x1b[6n" not in s.output
    assert "CPR" not in s.text


def test_term_dumb_with_no_command_runs_the_plain_wizard_without_escapes(
    tmp_path: Path, project: Path, session: list[PtySession]
) -> None:
    before = (project / "config.yaml").read_bytes()
    s = _start(session, tmp_path, project, term="dumb")
    s.expect(r"\? Base image \[ghcr\.io/acme/llm-base:1\.2\] \(< to go back\):")
    s.send("ghcr.io/acme/Bad Image\r")  # the whole message, then the question again
    s.expect(r"remove the spaces[^?]*\n\? Base image")
    s.send("\r")
    s.expect(r"→ ghcr\.io/acme/llm-base:1\.2")  # the default taken is said
    s.expect(r"5\. GitHub Container Registry \(default\)")
    s.expect(r"Choose 1-7 \[5\]")
    s.send("\r")
    s.expect(r"→ GitHub Container Registry")
    s.expect(r"Username")
    s.send("octocat\r")
    s.expect(r"Hidden as you type")
    s.expect(r"personal access token")  # its prompt: input typed before it is dropped
    s.expect(r"to go back\):")
    time.sleep(0.3)  # getpass flushes what was typed before it reads
    s.send("\r")
    s.expect(r"Write these changes to config\.yaml\? \[y/N\]")
    s.send("\r")
    assert s.wait() == 2
    assert b"\x1b" not in s.output, s.output
    assert "usage:" not in s.text
    assert "No changes were made." in s.text
    assert (project / "config.yaml").read_bytes() == before


def test_term_dumb_setup_writes_on_a_typed_yes_without_escapes(
    tmp_path: Path, project: Path, session: list[PtySession]
) -> None:
    """`setup` with answers missing on a dumb terminal: line prompts, not arrow-key
    menus; a typed number picks a registry; `y` then Enter writes."""
    (project / "config.yaml").write_text("model_name: m\n")
    s = _start(session, tmp_path, project, "setup", term="dumb")
    s.expect(r"\? Base image \(< to go back\):")
    s.send("ghcr.io/acme/llm-base:1.2\r")
    s.expect(r"Choose 1-7 \[5\]")
    s.send("5\r")
    s.expect(r"Username")
    s.send("octocat\r")
    s.expect(r"Hidden as you type")
    s.expect(r"personal access token")  # its prompt: input typed before it is dropped
    s.expect(r"to go back\):")
    time.sleep(0.3)  # getpass flushes what was typed before it reads
    s.send("\r")
    s.expect(r"\[y/N\]")
    s.send("y\r")
    assert s.wait() == 0, s.text
    assert b"\x1b" not in s.output, s.output
    assert "DOCKER_REGISTRY_ghcr.io: null" in (project / "config.yaml").read_text()
    assert "Baseten secret to create: DOCKER_REGISTRY_ghcr.io" in s.text
    assert "--username octocat" in s.text
