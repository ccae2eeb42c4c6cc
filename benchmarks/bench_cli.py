"""Whole-process timings of the paths a user waits on, against the interpreter floor.

    python benchmarks/bench_cli.py [--runs N] [--bare-site | --python PATH]

Targets (issue: speed): `registry-wizard --help` <= 3x `python -c pass` (the same
interpreter, measured interleaved), `setup --dry-run` on a real-sized config <= 0.10 s.
Peak RSS beside each.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "config" / "fixtures" / "commented.yaml"


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 21
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        shutil.copyfile(SAMPLE, config)
        dry_run = [
            *measure.wizard(),
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
        ]
        helps, floors, ratio = measure.paired(
            lambda: measure.run([*measure.wizard(), "--help"]),
            lambda: measure.run(measure.floor()),
            runs,
        )
        setups = [measure.run(dry_run) for _ in range(runs)]
    print(measure.describe("python -c pass (floor)", floors))
    print(measure.describe("--help", helps))
    help_ok = ratio <= 3
    print(f"--help / floor: {ratio:.2f}x (target <= 3) {'ok' if help_ok else 'OVER'}")
    print(measure.describe("setup --dry-run", setups))
    t = measure.median([r.seconds for r in setups])
    setup_ok = t <= 0.10
    above = t - measure.median([r.seconds for r in floors])
    print(
        f"setup --dry-run: {t * 1000:.0f} ms (target <= 100 ms) {'ok' if setup_ok else 'OVER'}; "
        f"{above * 1000:.0f} ms above the interpreter floor"
    )
    return 0 if help_ok and setup_ok else 1


if __name__ == "__main__":
    sys.exit(main())
