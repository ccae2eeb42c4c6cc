"""What a first-time user reads on a 60-column terminal (tmux keeps the real screen and
its scrollback): every question drawn once, defaults echoed, prose wrapped between
words, guides as text with each command on one line."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui_plain.test_pty import SAMPLE, _env

TMUX = shutil.which("tmux")
pytestmark = [pytest.mark.timeout(120), pytest.mark.skipif(TMUX is None, reason="no tmux")]


class Screen:
    def __init__(self, socket: Path) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        cmd = [TMUX or "tmux", "-S", str(self.socket), *args]
        # the server's environment is the wizard's too: no COLUMNS to override the pane
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
        return subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout

    def capture(self, *, joined: bool = False) -> str:
        return self.tmux("capture-pane", "-p", "-S", "-", *(["-J"] if joined else []))

    def expect(self, pattern: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.capture()
            if re.search(pattern, text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} not on screen:\n{self.capture()}")

    def keys(self, text: str) -> None:
        if text:
            self.tmux("send-keys", "-l", text)
        self.tmux("send-keys", "Enter")


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[tuple[Screen, Path]]:
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    env = _env(tmp_path, "xterm-256color")
    screen = Screen(tmp_path / "tmux.sock")
    argv = [sys.executable, "-m", "wizard", "setup", "--plain"]
    # As from a shell: the prompt line first. (A question drawn on the pane's top row
    # would be copied to tmux's history when prompt_toolkit clears below it: tmux's
    # scroll-on-clear, not something a terminal under a shell prompt does.)
    command = (
        "sleep 0.5; echo '$ registry-wizard setup --plain'; "
        + " ".join(f"'{a}'" for a in argv)
        + "; echo EXIT=$?; sleep 600"
    )
    wanted = ("TERM", "HOME", "USER_TRUSSRC_PATH", "PYTHONPATH")
    env_args = [a for k, v in env.items() if k in wanted for a in ("-e", f"{k}={v}")]
    screen.tmux(
        "-f", "/dev/null", "new-session", "-d", "-x", "60", "-y", "40", "-c", str(project),
        *env_args, command,
    )  # fmt: skip
    try:
        yield screen, project
    finally:
        subprocess.run([TMUX or "tmux", "-S", str(screen.socket), "kill-server"], check=False)


def test_sixty_columns_as_a_first_time_user_reads_them(screen: tuple[Screen, Path]) -> None:
    s, project = screen
    s.expect(r"Base image \[ghcr\.io/acme/llm-base:1\.2\]")
    s.keys("ghcr.io/acme/Bad Image")  # an invalid image: the whole reason, then again
    s.expect(r"remove the spaces")
    s.keys("")
    s.expect(r"Registry")
    s.keys("")
    s.expect(r"Username")
    s.keys("octocat")
    s.expect(r"Hidden as you type")
    s.expect(r"personal access token")  # its prompt: input typed before it is dropped
    s.keys("")
    s.expect(r"\[y/N\]")
    s.keys("")
    text = s.expect(r"EXIT=2")
    # the first question twice only because it was asked twice (the invalid image)
    assert text.count("? Base image [ghcr.io/acme/llm-base:1.2]") == 2, text
    # the error in full, above the question asked again
    error = text.split("✗", 1)[1].split("? Base image", 1)[0]
    assert "invalid" in error and "remove the spaces" in error, text
    # an accepted default stays on screen
    assert re.search(r"(›|\(< to go back\)) ghcr\.io/acme/llm-base:1\.2\n", text), text
    # the registry list: every row whole (no cut descriptions)
    assert "Harbor, a self-hosted registry" in s.capture(joined=True) or (
        "Registry GitHub Container Registry" in text
    )
    # prose wraps between words: none of these is cut across two lines
    lines = text.splitlines()
    for word in ("read:packages", "diff,", "fine-grained", "personal"):
        assert any(word in line for line in lines), word
        for above, below in itertools.pairwise(lines):
            for cut in range(1, len(word)):
                assert not (above.endswith(word[:cut]) and below.startswith(word[cut:])), (
                    word,
                    above,
                    below,
                )
    # the guide is text, not markdown; each command whole (tmux -J joins what the
    # terminal itself folded at the edge)
    guide = s.capture(joined=True).split("Cloud-side setup", 1)[1].split("? Username", 1)[0]
    prose = "\n".join(line for line in guide.splitlines() if not line.startswith("    "))
    for mark in ("## ", "```", "**", "`"):  # (code keeps its own backticks, as written)
        assert mark not in prose, mark
    assert "```" not in guide
    assert "printf '%s' \"$VALUE\" | registry-wizard check --config config.yaml --secret-stdin" in (
        guide
    )
    assert (project / "config.yaml").read_bytes() == (SAMPLE / "config.yaml").read_bytes()
