"""Time to the first screen of the Textual wizard, as medians.

    python benchmarks/bench_tui.py [--runs N] [--bare-site | --python PATH]

Paired, in a real pty (what a user sees): `registry-wizard` on the sample project and a
minimal Textual app (Header, Static, Footer), each started in a pseudo-terminal of
100x32 and timed until its first screen's text is on the terminal; interleaved, the
median of the per-pair ratios (target <= 1.3x), peak RSS beside.

Budget (issue: TUI): the first step is on screen within 0.5 s: `App.run_test()`
(headless) from creating the app until the first step's view is mounted, median of 5.
Measured twice: in a fresh process each time (imports of textual and the wizard
included, what a user waits for), and in one process after the imports (the app alone).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "assets" / "sample-truss" / "config.yaml"
BUDGET = 0.5


async def first_screen(config: Path) -> float:
    """Seconds from creating the app to its first step's view being mounted."""
    start = time.perf_counter()
    from wizard.flow import Flow
    from wizard.ui.tui.app import WizardApp

    app = WizardApp(Flow(config), cursor_blink=False)
    async with app.run_test(size=(100, 32)):
        while app.view is None:
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - start
    return elapsed


def in_fresh_process(config: Path) -> float:
    code = (
        "import asyncio, sys, time\n"
        "start = time.perf_counter()\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
        "from pathlib import Path\n"
        "from bench_tui import first_screen\n"
        f"asyncio.run(first_screen(Path({str(config)!r})))\n"
        "print(time.perf_counter() - start)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env(config)
    )
    return float(out.stdout.strip().splitlines()[-1])


def _env(config: Path) -> dict[str, str]:
    # No Baseten key, docker login or AWS profile of the machine's: the app alone.
    home = config.parent / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BASETEN_"))}
    return {**env, "HOME": str(home), "USER_TRUSSRC_PATH": str(home / ".trussrc")}


MINIMAL_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static


class Minimal(App):
    def compose(self):
        yield Header()
        yield Static("Which private image should Baseten pull?")
        yield Footer()


Minimal().run()
"""
# The same words on both first screens: the wizard's Registry step, the app's Static.
MARKER = b"Which private image"


def in_pty(cmd: list[str], env: dict[str, str], marker: bytes = MARKER) -> tuple[float, float]:
    """Seconds from spawn until `marker` is on the pty, and the process's peak RSS (MB)."""
    import fcntl
    import pty
    import select
    import signal
    import struct
    import termios

    env = {**env, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "32"}
    env.pop("NO_COLOR", None)
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of 100x32, then the program
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 100, 0, 0))
        os.execvpe(cmd[0], cmd, env)
    seen = b""
    took = float("nan")
    deadline = start + 30
    try:
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if marker in _text(seen):
                took = time.perf_counter() - start
                break
    finally:
        os.kill(pid, signal.SIGKILL)
        _, _, usage = os.wait4(pid, 0)
        os.close(fd)
    return took, usage.ru_maxrss / 1024


def _text(raw: bytes) -> bytes:
    """The printable text of a terminal stream (escape sequences removed)."""
    import re

    return re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", b"", raw)


def paired_pty(config: Path, runs: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import measure

    env = {**_env(config), **(measure._env(None) if measure.BARE_SITE else {})}
    fresh = config.parent / "fresh" / "config.yaml"  # no base_image yet: opens on Registry
    fresh.parent.mkdir(exist_ok=True)
    fresh.write_text("model_name: bench-model\n")
    wizard = [*measure.wizard(), "--config", str(fresh)]
    minimal = [*measure.python(), "-c", MINIMAL_APP]
    ours, peer = [], []
    for _ in range(runs):
        ours.append(in_pty(wizard, env))
        peer.append(in_pty(minimal, env))
    ratio = statistics.median(a[0] / b[0] for a, b in zip(ours, peer, strict=True))
    t_ours = statistics.median(a[0] for a in ours)
    t_peer = statistics.median(b[0] for b in peer)
    print(
        f"first screen in a pty, registry-wizard: median {t_ours * 1000:.0f} ms, "
        f"peak RSS {max(a[1] for a in ours):.0f} MB"
    )
    print(
        f"first screen in a pty, minimal Textual app: median {t_peer * 1000:.0f} ms, "
        f"peak RSS {max(b[1] for b in peer):.0f} MB"
    )
    print(f"ratio (paired): {ratio:.2f}x (target <= 1.3) {'ok' if ratio <= 1.3 else 'OVER'}")
    return {"pty wizard": t_ours, "pty minimal": t_peer, "pty ratio": ratio}


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        shutil.copyfile(SAMPLE, config)
        pty_results = paired_pty(config, runs)
        fresh = statistics.median(in_fresh_process(config) for _ in range(runs))
        os.environ.update(_env(config))
        asyncio.run(first_screen(config))  # imports and caches
        warm = statistics.median(asyncio.run(first_screen(config)) for _ in range(runs))
    results = {"fresh process (imports included)": fresh, "in process (app only)": warm}
    failed = False
    for name, seconds in results.items():
        ok = seconds <= BUDGET
        failed |= not ok
        print(
            f"time to first screen, {name}: median {seconds * 1000:.0f} ms over {runs} runs "
            f"(budget {BUDGET * 1000:.0f} ms) {'ok' if ok else 'OVER BUDGET'}"
        )
    failed |= pty_results["pty ratio"] > 1.3
    if "--json" in sys.argv:
        print(json.dumps({k: round(v, 4) for k, v in {**results, **pty_results}.items()}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
