"""`--demo` works on a temporary copy of the sample project and leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_demo_removes_its_copy_when_it_exits(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "NO_COLOR": "1", "TMPDIR": str(scratch)}
    r = subprocess.run(
        [sys.executable, "-m", "wizard", "setup", "--demo", "--dry-run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "registry-wizard-demo-" in r.stdout + r.stderr  # it did work on a copy there
    assert list(scratch.iterdir()) == []
