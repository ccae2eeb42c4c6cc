"""A process on a real pseudo-terminal, driven as a user at a keyboard would: what it
prints is read back as bytes (escape sequences included), keys are written one by one."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path


class PtySession:
    def __init__(
        self, argv: list[str], *, cwd: Path, env: dict[str, str], columns: int = 60
    ) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))

        def controlling_tty() -> None:  # after setsid: the pty is our terminal (/dev/tty)
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=controlling_tty,
        )
        os.close(slave)
        self.output = b""

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the child closed the terminal
                chunk = b""
            self.output += chunk

    def expect(self, pattern: str, timeout: float = 30) -> None:
        """Wait until the screen text (escape sequences removed) matches `pattern`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.text):
                return
            if self.proc.poll() is not None:
                self._read(0.2)
                if re.search(pattern, self.text):
                    return
                break
            self._read(0.1)
        raise AssertionError(f"{pattern!r} not seen; the terminal showed:\n{self.text}")

    def settle(self, seconds: float = 1.0) -> None:
        """Read whatever arrives for `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._read(0.05)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        self.settle(0.2)
        return self.proc.wait(timeout=1)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)

    @property
    def text(self) -> str:
        raw = self.output.decode("utf-8", "replace")
        return re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b.", "", raw)


def wizard_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "wizard", *args]
