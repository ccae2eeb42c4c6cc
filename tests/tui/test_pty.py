"""The full-screen wizard in a real terminal (a 100x32 tmux pane, xterm-256color): what a
first-time user sees on the normal screen after quitting, and that Enter alone never
writes config.yaml unless the focused control is the Write button. Nothing leaves this
machine: the credentials stay empty, so there is no live check."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui_plain.test_pty import _env
from tests.ui_plain.test_screen import TMUX, Screen

pytestmark = [pytest.mark.timeout(60), pytest.mark.skipif(TMUX is None, reason="no tmux")]

CONFIG = b"model_name: m\nbase_image:\n  image: ghcr.io/acme/llm-base:1.2\n"
# the focused button is drawn bold and reversed; an unfocused one only bold
WRITE_FOCUSED = re.compile(r"\x1b\[1;7m(?:\x1b\[[\d;]*m)* Write ")


class Wizard(Screen):
    def escapes(self) -> str:
        return self.tmux("capture-pane", "-p", "-e")

    def press(self, key: str, settle: float = 0.4) -> None:
        self.tmux("send-keys", key)
        time.sleep(settle)  # one key per read: a burst of keys can arrive as one input

    def write_focused(self, focused: bool = True, timeout: float = 10) -> None:
        """Wait until the Write button is drawn focused (or not)."""
        deadline = time.monotonic() + timeout
        while bool(WRITE_FOCUSED.search(self.escapes())) is not focused:
            assert time.monotonic() < deadline, f"Write focused is not {focused}:\n{self.capture()}"
            time.sleep(0.1)

    def step(self, title: str, timeout: float = 20) -> str:
        """Wait for the step's title, to the right of the step list's top border."""
        return self.expect(rf"╮ {title}\b", timeout)


@pytest.fixture
def wizard(tmp_path: Path) -> Iterator[tuple[Wizard, Path]]:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    config = project / "config.yaml"
    config.write_bytes(CONFIG)
    env = _env(tmp_path, "xterm-256color")
    wanted = ("TERM", "HOME", "USER_TRUSSRC_PATH", "PYTHONPATH")
    env_args = [a for k, v in env.items() if k in wanted for a in ("-e", f"{k}={v}")]
    # the pane outlives the wizard: what it printed on the normal screen stays readable
    command = (
        f"env -u BASETEN_API_KEY '{sys.executable}' -m wizard --config '{config}'; "
        "echo EXITED $?; sleep 600"
    )
    screen = Wizard(tmp_path / "tmux.sock")
    screen.tmux(
        "-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "32", "-c", str(project),
        *env_args, command,
    )  # fmt: skip
    try:
        yield screen, config
    finally:
        subprocess.run([TMUX or "tmux", "-S", str(screen.socket), "kill-server"], check=False)


def _to_review(s: Wizard, config: Path) -> None:
    """Registry (ghcr.io detected) → Method (one method: skipped) → Cloud setup →
    Credentials, both empty (no live check) → Review; one Enter per screen."""
    s.step("Registry")
    s.expect(r"GitHub Container Registry\s+detected")
    s.press("Enter")
    s.step("Cloud setup")
    s.expect(r"DOCKER_REGISTRY_ghcr\.io")
    s.press("Enter")
    s.step("Credentials")
    s.expect(r"leave empty to skip the live check")
    s.press("Enter")  # the username, empty: on to the token
    s.press("Enter")  # the token, empty: no live check
    text = s.step("Review")
    assert "+  DOCKER_REGISTRY_ghcr.io: null" in text, text
    assert config.read_bytes() == CONFIG  # reaching Review wrote nothing


def test_after_a_write_quitting_prints_the_summary(wizard: tuple[Wizard, Path]) -> None:
    s, config = wizard
    _to_review(s, config)
    s.write_focused()  # Enter here is the explicit Write button
    s.press("Enter")
    s.step("Done")
    s.expect(r"Still open")
    s.press("q")
    s.expect(r"EXITED 0")
    summary = s.capture().split("EXITED 0", 1)[0]
    lines = [line.rstrip() for line in summary.splitlines() if line.strip()]
    # The plain front end's summary (console.print_outcome), wrapped at word boundaries
    # to the 100-column terminal: no line longer, no word cut, each command whole.
    image = "ghcr.io/acme/llm-base:1.2"
    assert lines == [
        f"{config} updated: GitHub",
        "Container Registry, Access token.",
        "Baseten secret to create: DOCKER_REGISTRY_ghcr.io (base64 of user:token)",
        "Next:",
        "  1. Store the Baseten secret DOCKER_REGISTRY_ghcr.io (base64 of user:token): pipe the"
        " token into",
        f"       registry-wizard secret set --image {image} --username <user>",
        "     or follow",
        f"       registry-wizard guide --image {image} --method token",
        "  2. The token: classic personal access token with read:packages; the username: your"
        " GitHub",
        "     username.",
        "  3. Prove it pulls: pipe the token into",
        f"       registry-wizard check --image {image} --username <user> --password-stdin",
    ], summary
    # the secret does not exist yet: deploying is not offered as what to do now
    assert "truss push" not in summary, summary
    written = config.read_text()
    assert "  DOCKER_REGISTRY_ghcr.io: null\n" in written, written
    assert written.startswith(CONFIG.decode()), written


def test_quitting_without_a_write_changes_nothing(wizard: tuple[Wizard, Path]) -> None:
    s, config = wizard
    s.step("Registry")
    s.expect(r"GitHub Container Registry\s+detected")
    s.press("q")
    text = s.expect(r"EXITED \d+")
    summary = text.split("EXITED", 1)[0]
    assert [line for line in summary.splitlines() if line.strip()] == ["No changes were made."], (
        summary
    )
    assert config.read_bytes() == CONFIG


def test_enter_writes_only_from_the_write_button(wizard: tuple[Wizard, Path]) -> None:
    s, config = wizard
    _to_review(s, config)
    # Review opens with the focus on Write (Enter there writes: the explicit button)
    s.write_focused()
    s.press("BTab")  # the focus elsewhere (the step list)
    s.write_focused(False)
    for _ in range(3):
        s.press("Enter", settle=0.7)
    text = s.capture()
    assert not re.search(r"╮ Done\b|Still open|EXITED", text), text
    assert config.read_bytes() == CONFIG
