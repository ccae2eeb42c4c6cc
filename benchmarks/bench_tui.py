"""Time to the first screen of the Textual wizard, as medians.

    python benchmarks/bench_tui.py [--runs N]

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


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        shutil.copyfile(SAMPLE, config)
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
    if "--json" in sys.argv:
        print(json.dumps({k: round(v, 4) for k, v in results.items()}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
