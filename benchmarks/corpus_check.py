"""Run every registry × method setup (and every switch between two of them) over a
directory of real Truss configs and check the editor's promises on each file.

    python benchmarks/corpus_check.py DIR [--switches]

--switches also applies every ordered pair of setups (slow: 144 runs a file).

Also counts, for comparison, the files a plain ruamel.yaml load+dump would change.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.config.invariants import SCENARIOS, run_scenario


def roundtrip_changes(text: str) -> bool:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    out = io.StringIO()
    y.dump(y.load(text), out)
    return out.getvalue() != text


def main(directory: str, switches: bool) -> int:
    files = sorted(Path(directory).glob("*.yaml"))
    failures: list[str] = []
    checks = 0
    changed_by_roundtrip = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            changed_by_roundtrip += roundtrip_changes(f.read_text())
            pairs = [(a, None) for a in SCENARIOS]
            if switches:
                pairs += [(a, b) for a in SCENARIOS for b in SCENARIOS if a is not b]
            for first, second in pairs:
                target = Path(tmp) / "config.yaml"
                shutil.copyfile(f, target)
                target.chmod(0o644)
                try:
                    run_scenario(target, first)
                    checks += 1
                    if second is not None:
                        run_scenario(target, second)
                        checks += 1
                except Exception as e:
                    name = first.name + (f" -> {second.name}" if second else "")
                    failures.append(f"{f.name} [{name}]: {type(e).__name__}: {e}")
    took = time.perf_counter() - start
    print(
        f"{len(files)} configs, {checks} setups checked in {took:.1f} s, {len(failures)} failures"
    )
    print(f"a plain ruamel.yaml round trip changes {changed_by_roundtrip} of {len(files)} files")
    for line in failures[:40]:
        print("FAIL", line)
    return 1 if failures else 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--switches"]
    if len(args) != 1:
        sys.exit("usage: python benchmarks/corpus_check.py DIR [--switches]")
    sys.exit(main(args[0], "--switches" in sys.argv))
