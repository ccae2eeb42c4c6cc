"""The static diagnosis: parse each config with PyYAML's C loader and check it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wizard.doctor.discovery import _TRUSS_KEY_LINE, TRUSS_KEYS, Target, _sort_key, discover
from wizard.doctor.report import DoctorReport, FileReport, KeyLines
from wizard.model import rules
from wizard.model.findings import Finding, Severity


def _load(text: str) -> tuple[Any, Any]:
    """(node, data): the composed tree (with line marks) and the plain values truss sees,
    for the keys the rulebook reads (`rules.READS`); the value of any other top-level key
    is `UNREAD`. Building every requirements list and metadata block of a thousand
    configs was half of doctor's time, for values no rule looks at."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if not isinstance(node, yaml.MappingNode) or any(
            k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value
        ):
            return node, loader.construct_document(node)
        data: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                wanted = key in rules.READS
            except TypeError:  # an unhashable key: let the constructor say so, as truss does
                return node, loader.construct_document(node)
            data[key] = loader.construct_object(value_node, deep=True) if wanted else UNREAD
        return node, data
    finally:
        loader.dispose()


class _Unread:
    """The value of a top-level key no rule reads (never constructed)."""

    def __repr__(self) -> str:
        return "<not read>"


UNREAD = _Unread()


def _duplicates(root: Any, out: list[Finding]) -> None:
    """Every mapping's repeated keys. Each node is visited once: an alias is the anchored
    node itself, so a file of aliases of aliases (or an alias inside its own anchor)
    would be walked exponentially (or forever) otherwise."""
    seen_nodes: set[int] = set()
    todo: list[tuple[Any, tuple[str, ...]]] = [(root, ())]
    while todo:
        node, prefix = todo.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        kind = type(node).__name__
        if kind == "SequenceNode":
            todo.extend((child, prefix) for child in reversed(node.value))
        if kind != "MappingNode":
            continue
        seen: dict[str, int] = {}
        children: list[tuple[Any, tuple[str, ...]]] = []
        for k, v in node.value:
            name = k.value if isinstance(k.value, str) else None
            children.append((v, (*prefix, name or "?")))
            if name is not None and k.tag != "tag:yaml.org,2002:merge":
                if name in seen:
                    out.append(
                        Finding(
                            "duplicate-key",
                            Severity.WARNING,
                            (*prefix, name),
                            f"`{name}` appears twice (first at line {seen[name]}); truss "
                            "silently uses this last one",
                            "remove one of them (--fix does not edit a file with duplicate keys)",
                        )
                    )
                seen[name] = k.start_mark.line + 1
        todo.extend(reversed(children))  # in document order, as findings were


def diagnose_file(target: Target, truss_version: Callable[[], str | None]) -> FileReport | None:
    """Static findings for one file; None for a discovered file that is not a Truss config."""
    path = target.path
    real = target.real or os.path.realpath(path)
    report = FileReport(path, Path(real), explicit=target.explicit)
    from wizard.config.document import ConfigError
    from wizard.config.files import decode, read_regular

    if not os.path.exists(path):
        gone = "it is a broken symlink" if os.path.islink(path) else "it disappeared"
        return _unreadable(report, gone)
    try:
        text = decode(path, read_regular(path))
    except ConfigError as e:
        if e.line is not None:
            report.findings.append(
                rules.finding("unreadable", (), f"cannot check this config: {e.message}", _READ).at(
                    e.line
                )
            )
            return report
        return _unreadable(report, e.message)
    text = text.removeprefix("\ufeff")
    import yaml

    try:
        node, data = _load(text)
    except yaml.YAMLError as e:
        if not target.explicit and not _TRUSS_KEY_LINE.search(text):
            return None
        # Where the parser found the problem (setup reports the same line), not where the
        # construct it was reading began.
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        last = text.count("\n") + (0 if text.endswith("\n") else 1)
        line = min(mark.line + 1, max(last, 1)) if mark is not None else None
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        context = getattr(e, "context", None)
        report.findings.append(
            rules.finding(
                "yaml-invalid",
                (),
                f"invalid YAML: {context + ': ' if context else ''}{problem}",
                "fix the YAML; truss cannot load this file",
            ).at(line, mark.column + 1 if mark is not None and line == mark.line + 1 else None)
        )
        return report
    truss_like = isinstance(data, dict) and any(
        isinstance(k, str) and k in TRUSS_KEYS for k in data
    )
    if not truss_like:
        if not target.explicit:
            return None
        what = "empty" if data is None else "not a mapping of Truss keys (model_name, ...)"
        report.node = node
        report.add(
            Finding(
                "not-a-truss-config",
                Severity.WARNING,
                (),
                f"the file is {what}; nothing about registry auth to check",
                "point doctor at a Truss config.yaml or a directory of them",
            )
        )
        return report
    report.node, report.data = node, data
    dups: list[Finding] = []
    _duplicates(node, dups)
    for f in dups:
        report.add(f)
    findings = rules.check(data) + rules.advise(data)
    method = rules.auth_method_of(data)
    if method in rules.METHOD_SINCE:
        version = truss_version()
        if version:
            findings += rules.check_truss_support(data, version)
    for f in findings:
        report.add(f, editable=not dups)
    return report


_READ = "make it a readable UTF-8 file, or remove it"


def _unreadable(report: FileReport, why: str) -> FileReport:
    report.findings.append(
        rules.finding(
            "unreadable",
            (),
            f"cannot check this config: {why}",
            "make it a readable UTF-8 file, or remove it",
        )
    )
    return report


# From this many files on, a second process reads half of them (on Linux, by fork), when
# the caller keeps no parsed trees (the static doctor: no --fix, no --live): the reading
# is CPU-bound PyYAML, so two cores take half the time.
PARALLEL_FROM = 200


def diagnose(
    paths: Sequence[Path],
    *,
    truss_version: str | None = None,
    keep_trees: bool = True,
    keep_data: bool = False,
    meanwhile: Callable[[], object] | None = None,
) -> DoctorReport:
    """The static doctor over `paths`. `truss_version`: the truss `truss push` runs;
    None finds the installed one, the first time a config needs it. `keep_trees`: each
    file's parsed data and node stay in its report (--fix edits through them).
    `keep_data`: without the trees, each file's parsed data and where its keys are stay
    (--live reads the data and places its findings by key). `meanwhile`: work for this
    process while a second one finishes its half (--live loads its checks then)."""
    targets, problems = discover(paths)
    report = DoctorReport(files=[])
    if truss_version is not None:
        report.truss_version, report.truss_source = truss_version, "--truss-version"
    found: dict[str, tuple[str, str] | None] = {}

    def version() -> str | None:
        if truss_version is not None:
            return truss_version
        if "v" not in found:
            found["v"] = installed_truss()
            if found["v"] is None:
                report.notes.append(
                    "truss was not found (neither in this Python nor on PATH): auth methods "
                    "were not checked against a truss version; pass --truss-version"
                )
            else:
                report.truss_version, report.truss_source = found["v"]
        v = found["v"]
        return v[0] if v else None

    runnable = []
    for t in targets:
        if not t.explicit and not _regular(t.path):
            report.notes.append(f"skipped {t.path}: not a regular file (a FIFO, a device, ...)")
            continue
        runnable.append(t)
    if not keep_trees and len(runnable) >= PARALLEL_FROM and _can_fork():
        # With work to do meanwhile (~60 ms, some 100 files of reading) this process reads
        # a little less, so that both halves end together.
        half = len(runnable) // 2 - (len(runnable) // 20 if meanwhile else 0)

        def other_half() -> tuple[list[FileReport], Any, list[str]]:  # in the child
            reports = _diagnosed(runnable[half:], version, strip=True, keep_data=keep_data)
            return reports, found.get("v"), list(report.notes)

        other = _fork(other_half)
        mine = _diagnosed(runnable[:half], version)
        if meanwhile is not None:  # the other half crosses the pipe: time to spare
            meanwhile()
        theirs = other()
        if theirs is None:  # the other process failed: read its half here
            theirs = (_diagnosed(runnable[half:], version), None, [])
        reports, their_version, their_notes = theirs
        if their_version is not None and "v" not in found:
            found["v"] = their_version
            report.truss_version, report.truss_source = their_version
        report.notes.extend(n for n in their_notes if n not in report.notes)
        results = mine + reports
    else:
        results = _diagnosed(runnable, version)
    report.files.extend(results)
    report.files.extend(problems)
    report.files.sort(key=lambda r: _sort_key(r.path))
    return report


def _diagnosed(
    targets: Sequence[Target],
    version: Callable[[], str | None],
    *,
    strip: bool = False,
    keep_data: bool = False,
) -> list[FileReport]:
    out = []
    for t in targets:
        file_report = diagnose_file(t, version)
        if file_report is not None:
            file_report.sort()
            # Crossing processes: the findings are placed; the trees stay here (--live
            # keeps the data, and where each key is).
            if strip and file_report.node is not None:
                if keep_data:
                    file_report.node = KeyLines.of(file_report.node)
                else:
                    file_report.node, file_report.data = PARSED, None
            out.append(file_report)
    return out


class _Parsed:
    """Stands for the node tree of a file another process parsed (its findings are
    placed already; only `FileReport.parsed` asks)."""


PARSED = _Parsed()


def _can_fork() -> bool:
    import sys

    return sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1


def _fork(work: Callable[[], object]) -> Callable[[], Any]:
    """Run `work` in a forked child; the returned call waits for its reports (with the
    truss version and notes the child found), or None when the child failed."""
    import pickle

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 1
        try:
            os.close(read_fd)
            payload = pickle.dumps(work())
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)

    def wait() -> Any:
        with os.fdopen(read_fd, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not payload:
            return None
        try:
            return pickle.loads(payload)
        except Exception:
            return None

    return wait


def _regular(path: Path) -> bool:
    """A regular file after following symlinks (never opened: a FIFO would block)."""
    import stat

    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # let diagnose_file say what is wrong with it


def installed_truss() -> tuple[str, str] | None:
    """(version, where): truss in this interpreter, else `truss --version` on PATH."""
    import importlib.metadata

    try:
        return importlib.metadata.version("truss"), "this Python"
    except importlib.metadata.PackageNotFoundError:
        pass
    import shutil
    import subprocess

    exe = shutil.which("truss")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"\d+\.\d+(?:\.\d+)?\S*", out.stdout + out.stderr)
    return (m.group(), exe) if m else None
