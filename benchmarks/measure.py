"""What every benchmark here shares: timing a whole process with its peak RSS, the
wizard's entry point, and the interpreter floor it is compared against.

Processes are timed start to exit with `os.wait4`, whose rusage gives the child's own
peak RSS (what `/usr/bin/time -v` reports as "Maximum resident set size").

The package is byte-compiled first and PYTHONDONTWRITEBYTECODE dropped, as after
`pip install`. Some machines add a `.pth` hook that runs in every interpreter (this
sandbox's certifi hook costs ~35-50 ms); a user's does not. Two ways around it (every
benchmark takes both):
- `--python PATH`: run the wizard (its console script beside PATH) and the floor with the
  interpreter of a clean virtualenv, as a user installs it:
  `python -m venv /tmp/v && /tmp/v/bin/pip install -e .` then `--python /tmp/v/bin/python`;
- `--bare-site`: run them as `python -S` with site-packages on PYTHONPATH (no `site` at
  all: a few ms faster than a user's machine).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_SITE = "--bare-site" in sys.argv
PYTHON = sys.argv[sys.argv.index("--python") + 1] if "--python" in sys.argv else sys.executable


def _compile() -> None:
    """Byte-compile the package once, as `pip install` does."""
    import compileall

    compileall.compile_dir(str(ROOT / "wizard"), quiet=1)


_compile()


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: bytes


def run(cmd: Sequence[str], stdin: bytes | None = None, env: dict[str, str] | None = None) -> Run:
    """One process, start to exit: wall time, peak RSS and its output. The RSS comes from
    GNU time (`/usr/bin/time -f %M`): the rusage of a child forked from this (large)
    process counts the parent's pages it had before exec."""
    import tempfile

    timer = "/usr/bin/time"
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        wrapped = [timer, "-f", "%M", "-o", rss_file.name, *cmd] if os.path.exists(timer) else cmd
        start = time.perf_counter()
        proc = subprocess.run(
            wrapped, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env(env)
        )
        took = time.perf_counter() - start
        text = rss_file.read().strip().splitlines()
    rss = int(text[-1]) / 1024 if text and text[-1].isdigit() else float("nan")
    return Run(took, rss, proc.returncode, proc.stdout)


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    # As installed: pip compiles every module at install time. A machine that sets
    # PYTHONDONTWRITEBYTECODE (this sandbox does) would compile the sources on every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if BARE_SITE:
        paths = [str(ROOT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def python() -> list[str]:
    return [PYTHON, "-S"] if BARE_SITE else [PYTHON]


def wizard() -> list[str]:
    """The installed console script (not a shell shim in front of it), else -m wizard."""
    script = Path(PYTHON).parent / "registry-wizard"
    if script.is_file() and not BARE_SITE:
        return [str(script)]
    return [*python(), "-m", "wizard"]


def floor() -> list[str]:
    return [*python(), "-c", "pass"]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired(
    ours: Callable[[], Run], peer: Callable[[], Run], rounds: int
) -> tuple[list[Run], list[Run], float]:
    """Interleave ours and the peer (so both see the same machine), returning each
    one's runs and the median of the per-pair ratios ours/peer."""
    a: list[Run] = []
    b: list[Run] = []
    for _ in range(rounds):
        a.append(ours())
        b.append(peer())
    ratio = median([x.seconds / y.seconds for x, y in zip(a, b, strict=True)])
    return a, b, ratio


def describe(name: str, runs: Sequence[Run]) -> str:
    t = median([r.seconds for r in runs])
    rss = max(r.peak_rss_mb for r in runs)
    return f"{name}: median {t * 1000:.0f} ms, peak RSS {rss:.0f} MB ({len(runs)} runs)"
