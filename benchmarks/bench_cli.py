"""Whole-process timings of the paths a user waits on, as medians.

    python benchmarks/bench_cli.py [--runs N]

Budgets (issue: foundation): `registry-wizard --help` <= 0.10 s and
`setup --dry-run` on a real-sized config <= 0.25 s on the 2-core machine.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "config" / "fixtures" / "commented.yaml"

BUDGETS = {"--help": 0.10, "setup --dry-run": 0.25}


def entry_point() -> list[str]:
    exe = shutil.which("registry-wizard")
    return [exe] if exe else [sys.executable, "-m", "wizard"]


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 21
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        shutil.copyfile(SAMPLE, config)
        cases = {
            "--help": [*entry_point(), "--help"],
            "setup --dry-run": [
                *entry_point(),
                "setup",
                "--config",
                str(config),
                "--image",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0",
                "--method",
                "oidc",
                "--role-arn",
                "arn:aws:iam::123456789012:role/baseten-ecr",
                "--dry-run",
            ],
        }
        python_floor = median_seconds([sys.executable, "-c", "pass"], runs)
        print(f"python -c pass (floor): {python_floor * 1000:.0f} ms")
        failed = False
        for name, cmd in cases.items():
            t = median_seconds(cmd, runs)
            ok = t <= BUDGETS[name]
            failed |= not ok
            print(
                f"{name}: median {t * 1000:.0f} ms over {runs} runs "
                f"(budget {BUDGETS[name] * 1000:.0f} ms) {'ok' if ok else 'OVER BUDGET'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
