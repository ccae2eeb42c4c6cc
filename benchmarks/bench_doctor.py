"""Static `doctor` over 1,000 Truss configs, timed as a whole process.

    python benchmarks/bench_doctor.py CORPUS_DIR    # a directory of Truss config.yaml files
    python benchmarks/bench_doctor.py CORPUS_DIR --count 1000 --runs 5 --budget 3

The corpus directory holds Truss configs (any *.yaml / *.yml names). They are
replicated into a temporary tree as `<group>/<project>/config.yaml`, with noise the
walk must skip (.git, node_modules, a virtualenv, non-Truss config.yaml files), until
there are `--count` Truss configs. Each run is `registry-wizard doctor <tree> --format
json`, start to exit; the median is reported against the budget (exit 1 when over it).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_tree(corpus: Path, target: Path, count: int) -> int:
    sources = sorted(p for p in corpus.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not sources:
        raise SystemExit(f"{corpus}: no .yaml files to replicate")
    for i in range(count):
        src = sources[i % len(sources)]
        project = target / f"group-{i // 50:03d}" / f"{src.stem[:40]}-{i:04d}"
        project.mkdir(parents=True)
        shutil.copyfile(src, project / "config.yaml")
    # Noise: never searched, or searched and found not to be Truss configs.
    for noise in (".git", "node_modules/pkg", "venv-x/lib"):
        (target / noise).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sources[0], target / noise / "config.yaml")
    (target / "venv-x" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (target / "group-000" / "config.yaml").write_text("database:\n  host: localhost\n")
    return count


def command(tree: Path) -> list[str]:
    """`python -m wizard doctor` once the CLI registers it; the module entry until then."""
    probe = subprocess.run(
        [sys.executable, "-m", "wizard", "doctor", "--help"],
        capture_output=True,
        cwd=ROOT,
    )
    entry = ["-m", "wizard", "doctor"] if probe.returncode == 0 else ["-m", "wizard.cli.doctor"]
    return [sys.executable, *entry, str(tree), "--format", "json", "--no-baseten"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a directory of Truss configs to replicate")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=3.0, help="seconds (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-doctor-") as tmp:
        tree = Path(tmp) / "models"
        build_tree(args.corpus, tree, args.count)
        cmd = command(tree)
        times: list[float] = []
        report: dict[str, object] = {}
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            times.append(time.perf_counter() - start)
            if proc.returncode not in (0, 1):
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(f"doctor exited {proc.returncode}")
            report = json.loads(proc.stdout)
    summary = report["summary"]
    assert isinstance(summary, dict)
    median = statistics.median(times)
    print(
        f"doctor (static) over {summary['files']} configs: median {median:.2f} s, "
        f"best {min(times):.2f} s of {args.runs} runs (budget {args.budget:.1f} s); "
        f"{summary['errors']} errors, {summary['warnings']} warnings, {summary['info']} info"
    )
    if summary["files"] != args.count:
        print(f"expected {args.count} configs, doctor found {summary['files']}", file=sys.stderr)
        return 1
    return 0 if median <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
