"""Finding the Truss configs under the paths `doctor` is given."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from wizard.doctor.report import DoctorUsageError, FileReport
from wizard.model.findings import Finding, Severity
from wizard.model.record import record
from wizard.model.truss import CONFIG_NAME, SKIP_DIRS, TRUSS_KEYS, is_venv

# An unparsable config.yaml is reported only when it looks like a Truss config.
_TRUSS_KEY_LINE = re.compile(r"^(?:" + "|".join(sorted(TRUSS_KEYS)) + r")\s*:", re.MULTILINE)


@record(frozen=True)
class Target:
    """One config file doctor will read."""

    path: Path
    explicit: bool  # named on the command line: checked whatever it looks like
    real: str = ""  # os.path.realpath(path), as discover() found it (computed once)


def discover(paths: Sequence[Path]) -> tuple[list[Target], list[FileReport]]:
    """Config files under `paths` (files are taken as they are), and unreadable
    directories as reports. Symlinked directories are followed once each: a loop ends
    where it meets a directory already searched. The same real file is listed once."""
    targets: list[Target] = []
    problems: list[FileReport] = []
    seen_dirs: set[tuple[int, int]] = set()
    for p in paths:
        if os.path.isdir(p):
            found: list[Path] = []
            _walk(p, found, problems, seen_dirs)
            targets.extend(Target(f, False) for f in sorted(found, key=_sort_key))
        elif os.path.lexists(p):
            _refuse_special(p)
            targets.append(Target(p, True))
        else:
            raise DoctorUsageError(f"{p}: no such file or directory")
    # One report per real file, under its own path when the walk found it there.
    by_real: dict[str, Target] = {}
    for t in targets:
        real = os.path.realpath(t.path)
        kept = by_real.get(real)
        if kept is None or (
            not kept.explicit and os.path.abspath(t.path) == real != os.path.abspath(kept.path)
        ):
            by_real[real] = Target(t.path, t.explicit, real)
    return list(by_real.values()), problems


def _refuse_special(path: Path) -> None:
    """A file named on the command line that is no regular file (a FIFO, a device, a
    socket, or a symlink to one) is a usage error: exit 2, and it is never opened."""
    import stat

    from wizard.config.files import kind_of

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # a broken symlink: diagnosis says so
    if not stat.S_ISREG(mode):
        raise DoctorUsageError(f"{path}: is {kind_of(mode)}, not a regular file")


def _sort_key(p: Path) -> tuple[str, ...]:
    return p.parts


def _walk(
    root: Path, found: list[Path], problems: list[FileReport], seen: set[tuple[int, int]]
) -> None:
    # Real directories first, symlinked ones after: a project reached both ways is
    # reported under its real path.
    stack: list[Path] = [root]
    links: list[Path] = []
    while stack or links:
        directory = stack.pop() if stack else links.pop()
        try:
            st = os.stat(directory)
        except OSError:
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            continue
        seen.add(ident)
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError as e:
            report = FileReport(directory, Path(os.path.realpath(directory)))
            report.add(
                Finding(
                    "dir-unreadable",
                    Severity.WARNING,
                    (),
                    f"cannot search this directory: {e.strerror}; configs in it were not checked",
                    f"make it readable (chmod u+rx {directory}) or leave it out",
                )
            )
            problems.append(report)
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:  # a symlink loop of its own (ELOOP)
                is_dir = False
            if is_dir:
                if entry.name not in SKIP_DIRS and not is_venv(entry.path):
                    (links if entry.is_symlink() else stack).append(Path(entry.path))
            elif entry.name == CONFIG_NAME:
                found.append(Path(entry.path))
