"""`doctor`: diagnose registry auth in one Truss config or a tree of them, check it live,
and apply the fixes that are certain.

Diagnosis parses with PyYAML's C loader (libyaml), which is also how truss loads
config.yaml (SafeLoader semantics: YAML 1.1 scalars, the last of two duplicate keys
wins). Only a fix reads the file again with ruamel.yaml, through the byte-faithful
editor, so a static run over a thousand configs never pays for ruamel.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.model import rules, truss
from wizard.model.auth import registry_secret_name
from wizard.model.image import ImageRef, ImageRefError, RegistryKind, detect_registry, parse_image
from wizard.model.rules import Finding, Severity

if TYPE_CHECKING:
    from concurrent.futures import Future

    from wizard.config.document import ConfigDocument
    from wizard.verify.verdict import CheckResult

CONFIG_NAME = "config.yaml"
# TrussConfig's fields in truss 0.18.36, plus `hf_cache`, the older name of model_cache.
TRUSS_KEYS = frozenset(
    {
        "apply_library_patches", "base_image", "bdn", "bis_llm", "build", "build_commands",
        "bundled_packages_dir", "cache_internal", "data_dir", "description", "docker_server",
        "environment_variables", "examples_filename", "external_data", "external_package_dirs",
        "hf_cache", "input_type", "live_reload", "model_cache", "model_class_filename",
        "model_class_name", "model_framework", "model_metadata", "model_module_dir",
        "model_name", "model_type", "python_version", "requirements", "requirements_file",
        "resources", "runtime", "secrets", "spec_version", "system_packages",
        "training_checkpoints", "trt_llm", "use_local_src", "weights",
    }
)  # fmt: skip
# An unparsable config.yaml is reported only when it looks like a Truss config.
_TRUSS_KEY_LINE = re.compile(r"^(?:" + "|".join(sorted(TRUSS_KEYS)) + r")\s*:", re.MULTILINE)
# Never searched: version control, dependency trees and caches. Virtualenvs are
# recognised by their pyvenv.cfg (conda: conda-meta/) whatever their name.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".eggs",
    }
)  # fmt: skip
_VENV_MARKERS = ("pyvenv.cfg", "conda-meta")


class DoctorUsageError(Exception):
    """The command cannot start: a path does not exist (exit 2)."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FixAction:
    """One certain edit: `key` is the config path it edits, `value` the new value (a new
    name for rename-secret); `remove` deletes the key."""

    kind: str  # one of FIX_KINDS
    key: tuple[str, ...]
    value: Any = None
    remove: bool = False


@dataclass
class Diagnosis:
    """One finding, placed in its file."""

    rule: str
    severity: Severity
    message: str
    fix: str
    line: int | None = None
    column: int | None = None
    key: tuple[str, ...] = ()
    action: FixAction | None = None

    @property
    def fixable(self) -> bool:
        return self.action is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "line": self.line,
            "column": self.column,
            "key": list(self.key),
            "message": self.message,
            "fix": self.fix,
            "fixable": self.fixable,
            "fix_kind": self.action.kind if self.action else None,
        }


@dataclass
class FileReport:
    path: Path  # as found: what the user sees
    real_path: Path
    findings: list[Diagnosis] = field(default_factory=list)
    data: Any = None  # the parsed config; None when it could not be read or parsed
    node: Any = None  # its composed PyYAML node tree, for line numbers
    explicit: bool = False

    @property
    def parsed(self) -> bool:
        """False: unreadable or not YAML. Such a file is never edited."""
        return self.node is not None

    def add(self, finding: Finding, action: FixAction | None = None) -> Diagnosis:
        line, column = locate(self.node, finding.path)
        d = Diagnosis(
            finding.rule,
            finding.severity,
            finding.message,
            finding.fix,
            line,
            column,
            finding.path,
            action,
        )
        self.findings.append(d)
        return d

    def sort(self) -> None:
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        self.findings.sort(key=lambda d: (d.line or 0, order[d.severity], d.rule))


@dataclass
class DoctorReport:
    files: list[FileReport]
    notes: list[str] = field(default_factory=list)
    truss_version: str | None = None
    truss_source: str | None = None
    live: bool = False

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        out["fixable"] = 0
        for f in self.files:
            for d in f.findings:
                out[d.severity.value] += 1
                out["fixable"] += d.fixable
        return out

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for f in self.files for d in f.findings)


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Target:
    path: Path
    explicit: bool  # named on the command line: checked whatever it looks like


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
            by_real[real] = t
    return list(by_real.values()), problems


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
                if entry.name not in SKIP_DIRS and not _is_venv(entry.path):
                    (links if entry.is_symlink() else stack).append(Path(entry.path))
            elif entry.name == CONFIG_NAME:
                found.append(Path(entry.path))


def _is_venv(path: str) -> bool:
    return any(os.path.exists(os.path.join(path, m)) for m in _VENV_MARKERS)


# --------------------------------------------------------------------------- parsing


def _load(text: str) -> tuple[Any, Any]:
    """(node, data): the composed tree (with line marks) and the plain values truss sees."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def locate(node: Any, path: tuple[str, ...]) -> tuple[int | None, int | None]:
    """1-based (line, column) of the deepest key on `path` that exists; the last of
    duplicate keys, as truss reads it."""
    line = column = None
    for key in path:
        if node is None or type(node).__name__ != "MappingNode":
            break
        entry = None
        for k, v in node.value:
            if getattr(k, "value", None) == key and not isinstance(k.value, list):
                entry = (k, v)
        if entry is None:
            break
        line, column = entry[0].start_mark.line + 1, entry[0].start_mark.column + 1
        node = entry[1]
    return line, column


def _duplicates(node: Any, out: list[Finding], prefix: tuple[str, ...] = ()) -> None:
    kind = type(node).__name__
    if kind == "MappingNode":
        seen: dict[str, int] = {}
        for k, v in node.value:
            name = k.value if isinstance(k.value, str) else None
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
            _duplicates(v, out, (*prefix, name or "?"))
    elif kind == "SequenceNode":
        for child in node.value:
            _duplicates(child, out, prefix)


# --------------------------------------------------------------------------- diagnosis


def diagnose_file(target: Target, truss_version: Callable[[], str | None]) -> FileReport | None:
    """Static findings for one file; None for a discovered file that is not a Truss config."""
    path = target.path
    report = FileReport(path, Path(os.path.realpath(path)), explicit=target.explicit)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        gone = "it is a broken symlink" if os.path.islink(path) else "it disappeared"
        return _unreadable(report, gone)
    except IsADirectoryError:
        return _unreadable(report, "it is a directory")
    except OSError as e:
        return _unreadable(report, f"cannot read it: {e.strerror}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return _unreadable(report, f"it is not UTF-8 text (line {line}); save it as UTF-8")
    text = text.removeprefix("\ufeff")
    import yaml

    try:
        node, data = _load(text)
    except yaml.YAMLError as e:
        if not target.explicit and not _TRUSS_KEY_LINE.search(text):
            return None
        mark = getattr(e, "context_mark", None) or getattr(e, "problem_mark", None)
        last = text.count("\n") + (0 if text.endswith("\n") else 1)
        line = min(mark.line + 1, max(last, 1)) if mark is not None else None
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        context = getattr(e, "context", None)
        report.findings.append(
            Diagnosis(
                "yaml-invalid",
                Severity.ERROR,
                f"invalid YAML: {context + ': ' if context else ''}{problem}",
                "fix the YAML; truss cannot load this file",
                line,
                mark.column + 1 if mark is not None and line == mark.line + 1 else None,
            )
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
    editable = not dups
    for f in findings:
        report.add(f, plan_action(f, data) if editable else None)
    return report


def _unreadable(report: FileReport, why: str) -> FileReport:
    report.findings.append(
        Diagnosis(
            "unreadable",
            Severity.ERROR,
            f"cannot check this config: {why}",
            "make it a readable UTF-8 file, or remove it",
        )
    )
    return report


def diagnose(paths: Sequence[Path], *, truss_version: str | None = None) -> DoctorReport:
    """The static doctor over `paths`. `truss_version`: the truss `truss push` runs;
    None finds the installed one, the first time a config needs it."""
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

    for t in targets:
        file_report = diagnose_file(t, version)
        if file_report is not None:
            file_report.sort()
            report.files.append(file_report)
    report.files.extend(problems)
    report.files.sort(key=lambda r: _sort_key(r.path))
    return report


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


# --------------------------------------------------------------------------- fixes

FIX_KINDS = (
    "set-registry",
    "set-region",
    "remove-field",
    "declare-secret",
    "empty-secrets",
    "rename-secret",
)
_AUTH = ("base_image", "docker_auth")


def _ref_of(data: Mapping[str, Any]) -> ImageRef | None:
    base = data.get("base_image")
    image = base.get("image") if isinstance(base, Mapping) else None
    if not isinstance(image, str):
        return None
    try:
        return parse_image(image.strip())
    except ImageRefError:
        return None


def plan_action(f: Finding, data: Mapping[str, Any]) -> FixAction | None:
    """The edit that fixes `f`, when it is certain; None otherwise."""
    secrets = data.get("secrets")
    secrets_ok = secrets is None or isinstance(secrets, Mapping)
    if f.rule in ("registry-missing", "registry-mismatch"):
        ref = _ref_of(data)
        return FixAction("set-registry", (*_AUTH, "registry"), ref.registry) if ref else None
    if f.rule == "ecr-region-mismatch":
        ref = _ref_of(data)
        region = detect_registry(ref).region if ref else None
        return FixAction("set-region", f.path, region) if region else None
    if f.rule == "forbidden-field" and len(f.path) == 3:
        return FixAction("remove-field", f.path, remove=True)
    if f.rule == "secrets-null":
        return FixAction("empty-secrets", ("secrets",))
    if f.rule == "secret-undeclared" and secrets_ok:
        name = _undeclared_name(f, data)
        return FixAction("declare-secret", ("secrets", name)) if name else None
    if f.rule == "registry-secret-name" and isinstance(secrets, Mapping):
        ref = _ref_of(data)
        old = f.path[-1]
        if ref is None or not _same_host(old, ref):
            return None  # another account or region: a different registry, not a misspelling
        want = registry_secret_name(ref)
        if want in secrets:
            return None
        return FixAction("rename-secret", ("secrets", old), want)
    return None


def _undeclared_name(f: Finding, data: Mapping[str, Any]) -> str | None:
    """The secret a secret-undeclared finding is about (its message names the field)."""
    m = re.search(r"\((\w+)\) is not declared", f.message)
    auth = data["base_image"].get("docker_auth")
    method = rules.auth_method_of(data)
    if m is None or not isinstance(auth, Mapping) or method is None:
        return None
    return next((n for k, n in rules.auth_secret_names(auth, method) if k == m[1] and n), None)


_HUB_HOSTS = {"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"}


def _same_host(secret: str, ref: ImageRef) -> bool:
    """The misnamed secret spells the image's own registry (a scheme, a path, Hub's aliases)."""
    host = secret.removeprefix("DOCKER_REGISTRY_").strip().lower()
    for prefix in ("https://", "http://"):
        host = host.removeprefix(prefix)
    host = host.split("/", 1)[0]
    if ref.is_docker_hub:
        return host in _HUB_HOSTS
    return host == ref.registry.lower()


@dataclass
class FilePlan:
    report: FileReport
    doc: ConfigDocument
    new_text: str
    fixed: list[Diagnosis]

    @property
    def diff(self) -> str:
        from wizard.config.diff import unified_diff

        return unified_diff(self.doc.text, self.new_text, str(self.report.path))


def plan_fixes(report: DoctorReport) -> tuple[list[FilePlan], list[str]]:
    """The edits for every file with certain fixes, and why any file was left alone."""
    from wizard.config.document import ConfigError, read_config

    plans: list[FilePlan] = []
    notes: list[str] = []
    for fr in report.files:
        todo = [d for d in fr.findings if d.action is not None]
        if not todo:
            continue
        if not fr.parsed:
            continue
        try:
            doc = read_config(fr.path, missing_ok=False)
            new_text = apply_actions(doc, [d.action for d in todo if d.action])
        except ConfigError as e:
            notes.append(f"{fr.path}: not fixed: {e.message}")
            continue
        problem = _verify(doc, new_text)
        if problem:
            notes.append(f"{fr.path}: not fixed: {problem}")
            continue
        if new_text != doc.text:
            plans.append(FilePlan(fr, doc, new_text, todo))
    return plans, notes


def apply_actions(doc: ConfigDocument, actions: Sequence[FixAction]) -> str:
    """The document's text with `actions` applied: renames first (a splice of the key
    scalar alone, keeping its value and comment), then one MapPatch for the rest."""
    from wizard.config.document import ConfigError
    from wizard.config.splice import DELETE, MapPatch, apply_patch, render_scalar

    text = doc.text
    renames = [a for a in actions if a.kind == "rename-secret"]
    if renames:
        secrets = doc.node_at("secrets")
        edits: list[tuple[int, int, str]] = []
        for a in renames:
            entry = secrets.get(a.key[1]) if secrets is not None else None
            if entry is None:
                raise ConfigError(doc.path, f"cannot find secret {a.key[1]!r} to rename it")
            key = entry[0]
            style = key.style if key.style in ("'", '"') else None
            if style is None and secrets is not None and secrets.flow:
                style = '"'  # `:` and `/` are safest quoted inside {...}
            edits.append((key.start, key.end, render_scalar(a.value, style)))
        for start, end, new in sorted(edits, reverse=True):
            text = text[:start] + new + text[end:]
        doc = doc.with_text(text)
    auth: dict[str, Any] = {}
    secrets_set: dict[str, Any] = {}
    touch_secrets = False
    for a in actions:
        if a.kind in ("set-registry", "set-region"):
            auth[a.key[-1]] = a.value
        elif a.kind == "remove-field":
            auth[a.key[-1]] = DELETE
        elif a.kind == "declare-secret":
            secrets_set[a.key[1]] = None
            touch_secrets = True
        elif a.kind == "empty-secrets":
            touch_secrets = True
    top: dict[str, Any] = {}
    if auth:
        top["base_image"] = MapPatch(set={"docker_auth": MapPatch(set=auth)})
    if touch_secrets:
        top["secrets"] = MapPatch(set=secrets_set)
    if not top:
        return text
    return apply_patch(doc, MapPatch(set=top))


def _verify(doc: ConfigDocument, new_text: str) -> str | None:
    """Re-read the edited text: a fix that breaks the file, or adds an error, is refused."""
    import yaml

    from wizard.config.document import ConfigError, parse_text

    try:
        parse_text(doc.path, new_text)
        _, after = _load(new_text)
        _, before = _load(doc.text)
    except (ConfigError, yaml.YAMLError) as e:
        return f"internal error: the edited file would not parse ({e}); nothing was written"
    old = {(f.rule, f.path) for f in rules.check(before) if f.severity is Severity.ERROR}
    new = [f for f in rules.check(after) if f.severity is Severity.ERROR]
    added = [f for f in new if (f.rule, f.path) not in old]
    if added:
        return f"internal error: the fix would add {added[0].rule} ({added[0].message})"
    return None


# --------------------------------------------------------------------------- live checks


@dataclass
class LiveOptions:
    """Where live checks take credentials from: the same sources as `check`."""

    timeout: float = 10.0
    use_docker_config: bool = False
    docker_config: Path | None = None
    key_file: Path | None = None
    aws_profile: str | None = None
    insecure: frozenset[str] = frozenset()
    allowed_realms: frozenset[str] = frozenset()
    ca_bundle: str | None = None
    facts: dict[str, str] = field(default_factory=dict)  # --org-id etc., by flag id
    use_baseten: bool = True
    concurrency: int = 16


_KEYLESS = (truss.AuthMethod.AWS_OIDC, truss.AuthMethod.AWS_ASSUME_ROLE, truss.AuthMethod.GCP_OIDC)
_DEFINITE = ("bad_credentials", "no_access", "not_found", "expired")


@dataclass
class _Setup:
    """What one config asks Baseten to do for its image."""

    report: FileReport
    ref: ImageRef
    method: truss.AuthMethod | None
    auth: Mapping[str, Any]
    secrets: Mapping[str, Any]
    token_secrets: list[str]


def _setups(report: DoctorReport) -> Iterator[_Setup]:
    for fr in report.files:
        data = fr.data
        if not isinstance(data, dict):
            continue
        ref = _ref_of(data)
        if ref is None:
            continue
        base = data["base_image"]
        auth = base.get("docker_auth")
        secrets = data.get("secrets")
        secrets_map = secrets if isinstance(secrets, Mapping) else {}
        yield _Setup(
            fr,
            ref,
            rules.auth_method_of(data),
            auth if isinstance(auth, Mapping) else {},
            secrets_map,
            rules.registry_secrets_for(ref, secrets_map),
        )


def run_live(report: DoctorReport, opts: LiveOptions) -> None:
    """Add live findings to `report`: each distinct image + credential source is checked
    once, concurrently; keyless methods get the cloud-side check; declared secrets are
    looked up in Baseten once."""
    from concurrent.futures import ThreadPoolExecutor

    report.live = True
    setups = list(_setups(report))
    pulls: dict[tuple[Any, ...], tuple[Any, list[_Setup]]] = {}  # key: (image, source...)
    clouds: dict[tuple[Any, ...], tuple[Any, list[_Setup]]] = {}
    skipped: list[str] = []
    for s in setups:
        planned = _plan_live(s, opts, skipped)
        if planned is None:
            continue
        kind, key, item = planned
        table = pulls if kind == "pull" else clouds
        table.setdefault(key, (item, []))[1].append(s)
    if skipped:
        report.notes.append("not checked live: " + "; ".join(sorted(set(skipped))))
    login = _baseten_login(opts, report)
    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets_future = pool.submit(_baseten_secrets, login, report) if login else None
        # Submitted first, so a worker takes it before the cloud checks that wait for it.
        facts = pool.submit(_facts, opts, login, report) if clouds else None
        cloud_futures = {
            key: pool.submit(_cloud_items, item, facts, opts) for key, (item, _) in clouds.items()
        }
        results = _pull_all([item for item, _ in pulls.values()], opts)
        for (key, (item, users)), result in zip(pulls.items(), results, strict=True):
            for s in users:
                _pull_findings(s, item, result, anonymous=key[1:] == ("anonymous",))
        for key, fut in cloud_futures.items():
            for s in clouds[key][1]:
                _cloud_findings(s, fut.result())
        names = secrets_future.result() if secrets_future else None
    if names is not None:
        for s in setups:
            _secret_findings(s, names)
        # Configs without a base image declare secrets too.
        for fr in report.files:
            if isinstance(fr.data, dict) and _ref_of(fr.data) is None:
                secrets = fr.data.get("secrets")
                if isinstance(secrets, Mapping):
                    _secret_findings_plain(fr, secrets, names, set())
    for fr in report.files:
        fr.sort()


def _plan_live(
    s: _Setup, opts: LiveOptions, skipped: list[str]
) -> tuple[str, tuple[Any, ...], Any] | None:
    from wizard.verify.service import CheckItem, CredentialSource

    kind = detect_registry(s.ref).kind
    m = s.method
    if m in _KEYLESS:
        return _plan_cloud(s)
    if m is truss.AuthMethod.AWS_IAM:
        if kind is not RegistryKind.ECR:
            return None
        source = CredentialSource(aws_profile=opts.aws_profile)
        tag = ("aws", opts.aws_profile)
    elif m is truss.AuthMethod.GCP_SERVICE_ACCOUNT_JSON:
        if opts.key_file is None:
            skipped.append("GCP_SERVICE_ACCOUNT_JSON configs (pass --key-file)")
            return None
        source = CredentialSource(key_file=opts.key_file)
        tag = ("key", str(opts.key_file))
    elif m is not None:
        return None  # REGISTRY_SECRET or an unknown method: the static findings say it all
    elif s.token_secrets:
        if not opts.use_docker_config:
            skipped.append("images with a DOCKER_REGISTRY_ secret (pass --docker-config)")
            return None
        source = CredentialSource(
            use_docker_config=True, docker_config=opts.docker_config, aws_profile=None
        )
        tag = ("docker", str(opts.docker_config))
    elif kind is RegistryKind.ECR:
        return None  # no auth for private ECR: already an error, and anonymous pulls never work
    else:
        source = CredentialSource()
        tag = ("anonymous",)
    item = CheckItem(s.ref, source, label=str(s.report.path))
    return "pull", (str(s.ref), *tag), item


def _plan_cloud(s: _Setup) -> tuple[str, tuple[Any, ...], Any] | None:
    from wizard.model import catalog

    info = detect_registry(s.ref)
    reg = catalog.REGISTRIES.get(info.kind.value)
    method = next((x for x in reg.methods if x.auth_method is s.method), None) if reg else None
    if reg is None or method is None:
        return None  # the method does not fit the registry: a static error already
    answers = {f.id: str(s.auth[f.key]) for f in method.fields if s.auth.get(f.key)}
    if len(answers) < len(method.fields):
        return None  # a required field is missing: a static error already
    key = ("cloud", str(s.ref), method.id, tuple(sorted(answers.items())))
    return "cloud", key, (s.ref, info, reg, method, answers)


def _pull_all(items: list[Any], opts: LiveOptions) -> list[CheckResult]:
    if not items:
        return []
    import asyncio

    from wizard.verify.registry import Options
    from wizard.verify.service import check_many

    options = Options(
        timeout=opts.timeout,
        insecure=opts.insecure,
        allowed_realms=opts.allowed_realms,
        ca_bundle=opts.ca_bundle,
    )
    return asyncio.run(check_many(items, options, concurrency=opts.concurrency))


def _pull_findings(s: _Setup, item: Any, result: CheckResult, *, anonymous: bool) -> None:
    fr = s.report
    if result.ok:
        if anonymous:  # public after all: no auth is needed
            fr.findings = [d for d in fr.findings if d.rule != "auth-missing"]
        if result.digest:
            for d in fr.findings:
                if d.rule == "latest-tag":
                    d.fix = f"pin the digest: image: {s.ref.name}@{result.digest}"
        return
    verdict = result.verdict.value
    what = verdict.replace("_", " ")
    if verdict in _DEFINITE:
        if anonymous and verdict in ("bad_credentials", "no_access"):
            fr.findings = [d for d in fr.findings if d.rule != "auth-missing"]
            fr.add(
                Finding(
                    "pull-failed",
                    Severity.ERROR,
                    ("base_image", "image"),
                    f"live: {result.image} cannot be pulled anonymously ({what}), and "
                    "config.yaml configures no registry auth",
                    "registry-wizard setup",
                )
            )
            return
        fr.add(
            Finding(
                "pull-failed",
                Severity.ERROR,
                ("base_image", "image"),
                f"live: {result.image}: {what}: {result.detail} (with {item.source.describe()})",
                result.hint or f"registry-wizard check --config {fr.path}",
            )
        )
    else:
        fr.add(
            Finding(
                "pull-unchecked",
                Severity.WARNING,
                ("base_image", "image"),
                f"live: {result.image} could not be checked: {what}: {result.detail}",
                result.hint or "run again later, or with a longer --timeout",
            )
        )


def _baseten_login(opts: LiveOptions, report: DoctorReport) -> Any:
    if not opts.use_baseten:
        return None
    from wizard.verify.baseten import find_login

    login = find_login()
    if login is None:
        report.notes.append(
            "no Baseten API key (BASETEN_API_KEY or ~/.trussrc): secret names were not "
            "looked up in Baseten"
        )
    return login


def _baseten_secrets(login: Any, report: DoctorReport) -> set[str] | None:
    from wizard.verify.baseten import BasetenError, list_secrets

    try:
        return list_secrets(login.key, remote_url=login.remote_url)
    except BasetenError as e:
        report.notes.append(f"could not list Baseten secrets: {e}")
        return None


def _facts(opts: LiveOptions, login: Any, report: DoctorReport) -> Any:
    from wizard.model.facts import BasetenFacts

    facts = BasetenFacts()
    a = opts.facts
    have_all = (a.get("org-id") and a.get("team-id")) and (
        a.get("baseten-role-arn") and a.get("external-id")
    )
    if login is not None and not have_all:
        from wizard.verify.baseten import BasetenError, fetch_facts

        try:
            facts = fetch_facts(login.key, remote_url=login.remote_url)
        except BasetenError as e:
            report.notes.append(f"could not read your Baseten organization ({e})")
    facts.org_id = a.get("org-id") or facts.org_id
    facts.team_id = a.get("team-id") or facts.team_id
    facts.aws_role_arn = a.get("baseten-role-arn") or facts.aws_role_arn
    facts.external_id = a.get("external-id") or facts.external_id
    return facts


def _cloud_items(planned: Any, facts: Future[Any], opts: LiveOptions) -> list[Any]:
    from wizard.guide.service import GuideContext, cloud_check
    from wizard.model.facts import ItemStatus, SetupItem

    ref, info, reg, method, answers = planned
    try:
        ctx = GuideContext(ref, info, reg, method, facts.result(), dict(answers), [])
        return cloud_check(ctx, profile=opts.aws_profile)
    except Exception as e:  # one config's cloud trouble must not stop the others
        message = getattr(e, "message", None) or f"{type(e).__name__}: {e}"
        return [SetupItem("cloud-check", ItemStatus.UNKNOWN, message)]


def _cloud_findings(s: _Setup, items: list[Any]) -> None:
    for item in items:
        status = item.status.value
        if status == "ok":
            continue
        problem = status == "problem"
        s.report.add(
            Finding(
                "cloud-setup" if problem else "cloud-unchecked",
                Severity.ERROR if problem else Severity.WARNING,
                ("base_image", "docker_auth", "auth_method"),
                f"live ({s.method.value if s.method else ''}): {item.id}: {item.message}",
                item.fix or f"registry-wizard guide --config {s.report.path}",
            )
        )


def _secret_findings(s: _Setup, names: set[str]) -> None:
    pull = set(s.token_secrets)
    if s.method is not None and s.auth:
        pull.update(n for _, n in rules.auth_secret_names(s.auth, s.method))
    _secret_findings_plain(s.report, s.secrets, names, pull, s.ref)


def _secret_findings_plain(
    fr: FileReport,
    secrets: Mapping[str, Any],
    names: set[str],
    pull: set[str],
    ref: ImageRef | None = None,
) -> None:
    for name in secrets:
        if not isinstance(name, str) or name in names:
            continue
        for_pull = name in pull
        if for_pull and ref is not None and name in set(rules.registry_secrets_for(ref, secrets)):
            fix = f"registry-wizard secret set --image {ref.original or ref} --username <user>"
        else:
            fix = f"registry-wizard secret set {name} (the value on stdin), or Settings → Secrets"
        fr.add(
            Finding(
                "baseten-secret-missing",
                Severity.ERROR if for_pull else Severity.WARNING,
                ("secrets", name),
                f"secret {name!r} does not exist in Baseten"
                + ("; the image pull needs it" if for_pull else ""),
                fix,
            )
        )


# --------------------------------------------------------------------------- rule catalog

# id -> (default severity, short description, help). Every rule doctor can report.
RULES: dict[str, tuple[str, str, str]] = {
    "yaml-invalid": ("error", "config.yaml is not valid YAML",
        "truss cannot load the file. Fix the YAML at the line shown."),
    "unreadable": ("error", "config.yaml cannot be read",
        "The file is unreadable, not UTF-8, or a broken symlink, so nothing in it was checked."),
    "dir-unreadable": ("warning", "a directory could not be searched",
        "Configs inside it were not checked. Make it readable or leave it out."),
    "not-a-truss-config": ("warning", "the file named is not a Truss config",
        "It has none of truss's top-level keys (model_name, base_image, secrets, ...)."),
    "duplicate-key": ("warning", "a key appears twice",
        "truss warns and keeps the last one; the other is silently ignored. --fix does not "
        "edit such a file."),
    "secrets-null": ("error", "`secrets:` has no value",
        "truss requires a mapping. --fix writes `secrets: {}`."),
    "secrets-not-mapping": ("error", "`secrets` is not a mapping",
        "Write one `NAME: null` line per secret."),
    "secret-value-in-file": ("error", "a secret value is in config.yaml",
        "Values belong in Baseten (Settings → Secrets); config.yaml holds null. Store the "
        "value in Baseten, set it to null, and rotate it: it was readable by anyone with "
        "the file. Not fixed automatically: the file may hold the only copy."),
    "secret-placeholder-value": ("warning", "a secret is set to a placeholder string",
        "A placeholder such as \"your-token\" or \"null\" (quoted) leaks nothing, but it is a "
        "value, not null: write `NAME: null` and store the real value in Baseten."),
    "base-image-not-mapping": ("error", "`base_image` is not a mapping",
        "Write `base_image:` with `image: <reference>` below it."),
    "unknown-key": ("error", "a key truss does not know",
        "`truss push` rejects keys that base_image and docker_auth do not declare."),
    "python-path-relative": ("error", "python_executable_path is relative",
        "truss requires an absolute path, e.g. /usr/bin/python3."),
    "image-missing": ("error", "docker_auth without an image",
        "Set base_image.image to the image reference."),
    "image-invalid": ("error", "the image reference is invalid",
        "docker would not pull it as written."),
    "docker-auth-not-mapping": ("error", "docker_auth is not a mapping",
        "Write docker_auth as a block of `key: value` lines."),
    "auth-method-missing": ("error", "docker_auth has no auth_method",
        "Use AWS_OIDC, AWS_ASSUME_ROLE, AWS_IAM, GCP_OIDC or GCP_SERVICE_ACCOUNT_JSON."),
    "auth-method-invalid": ("error", "auth_method is not one truss knows",
        "Use AWS_OIDC, AWS_ASSUME_ROLE, AWS_IAM, GCP_OIDC or GCP_SERVICE_ACCOUNT_JSON."),
    "auth-method-training-only": ("error", "REGISTRY_SECRET is for training jobs",
        "A model deployment ignores it; declare the DOCKER_REGISTRY_<host> secret instead."),
    "required-field": ("error", "a field the auth method requires is missing",
        "truss refuses the config without it."),
    "forbidden-field": ("error", "a field the auth method forbids is set",
        "truss refuses the config. --fix removes the field."),
    "registry-missing": ("warning", "docker_auth has no registry",
        "Baseten matches credentials to the image by it. --fix sets it to the image's host."),
    "registry-mismatch": ("error", "docker_auth.registry is not the image's registry",
        "Baseten would not use these credentials for the image. --fix sets it to the "
        "image's host."),
    "method-registry-mismatch": ("error", "the auth method does not fit the registry",
        "AWS methods authenticate to ECR, GCP methods to Artifact Registry."),
    "ecr-region-mismatch": ("error", "the region is not the ECR repository's",
        "The region must be the one in the image host. --fix sets it."),
    "secret-undeclared": ("error", "a secret the auth method reads is not declared",
        "Baseten mounts only the secrets under `secrets:`. --fix declares it as null."),
    "registry-secret-name": ("error", "the DOCKER_REGISTRY_ secret has the wrong name",
        "Baseten looks the secret up by DOCKER_REGISTRY_<registry host> (Docker Hub: "
        "DOCKER_REGISTRY_https://index.docker.io/v1/). --fix renames a misspelling of the "
        "same registry (docker.io, https://ghcr.io); a secret for another ECR account or "
        "region names a different registry and is left to you."),
    "truss-too-old": ("error", "the auth method needs a newer truss",
        "AWS_OIDC and GCP_OIDC need truss 0.13.2+, AWS_ASSUME_ROLE 0.18.27+; an older "
        "`truss push` rejects the config."),
    "auth-missing": ("warning", "a private registry with no auth configured",
        "An error for ECR (private ECR never allows anonymous pulls), a warning for other "
        "private-looking registries. With --live, an anonymous pull that works clears it."),
    "latest-tag": ("warning", "the image uses the latest tag",
        "Baseten may build from a cached copy; pin a digest (--live prints it)."),
    "oidc-available": ("info", "OIDC is available for this registry",
        "A keyless method (AWS_OIDC, GCP_OIDC) needs no long-lived credential."),
    "pull-failed": ("error", "live: the image cannot be pulled",
        "The registry refused the credential, the repository or tag does not exist, or no "
        "auth is configured for a private image."),
    "pull-unchecked": ("warning", "live: the pull could not be checked",
        "The registry was unreachable, slow, rate-limited or answered unexpectedly."),
    "cloud-setup": ("error", "live: the cloud setup would refuse Baseten",
        "The IAM role, trust policy or workload identity setup does not let Baseten pull."),
    "cloud-unchecked": ("warning", "live: the cloud setup could not be checked",
        "Your cloud credentials could not read part of the setup."),
    "baseten-secret-missing": ("error", "live: a declared secret does not exist in Baseten",
        "An error for secrets the image pull needs, a warning for the others."),
}  # fmt: skip


# --------------------------------------------------------------------------- output

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def display_path(path: Path) -> str:
    return path.as_posix()


def to_json(report: DoctorReport) -> dict[str, Any]:
    from wizard import __version__

    counts = report.counts()
    return {
        "version": 1,
        "tool": {"name": "registry-wizard", "version": __version__},
        "truss": {"version": report.truss_version, "source": report.truss_source},
        "live": report.live,
        "summary": {
            "files": len(report.files),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "fixable": counts["fixable"],
        },
        "files": [
            {"path": display_path(f.path), "findings": [d.to_json() for d in f.findings]}
            for f in report.files
        ],
        "notes": list(report.notes),
    }


def _artifact(path: Path, cwd: Path) -> dict[str, str]:
    from urllib.parse import quote

    absolute = Path(os.path.abspath(path))
    try:
        rel = absolute.relative_to(cwd)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": "%SRCROOT%"}


def to_sarif(report: DoctorReport, cwd: Path | None = None) -> dict[str, Any]:
    """SARIF 2.1.0 as GitHub code scanning takes it: every rule with its help, and one
    result per finding with a physical location (line 1 for a file-wide finding)."""
    from wizard import __version__

    base = Path(os.path.abspath(cwd or Path.cwd()))
    ids = list(RULES)
    index = {rule: i for i, rule in enumerate(ids)}
    sarif_rules = []
    for rule in ids:
        severity, short, help_text = RULES[rule]
        level = {"error": "error", "warning": "warning", "info": "note"}[severity]
        sarif_rules.append(
            {
                "id": rule,
                "name": "".join(w.capitalize() for w in rule.split("-")),
                "shortDescription": {"text": short},
                "fullDescription": {"text": help_text},
                "help": {"text": help_text, "markdown": f"**{short}**\n\n{help_text}"},
                "defaultConfiguration": {"level": level},
                "properties": {"tags": ["truss", "registry-auth"]},
            }
        )
    results = []
    for f in report.files:
        for d in f.findings:
            region: dict[str, int] = {"startLine": d.line or 1}
            if d.column:
                region["startColumn"] = d.column
            fix = "run `registry-wizard doctor --fix`" if d.fixable else d.fix
            results.append(
                {
                    "ruleId": d.rule,
                    "ruleIndex": index[d.rule],
                    "level": _LEVEL[d.severity],
                    "message": {"text": f"{d.message}. Fix: {fix}"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": _artifact(f.path, base),
                                "region": region,
                            }
                        }
                    ],
                    "properties": {"fixable": d.fixable, "fix": d.fix},
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "registry-wizard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": sarif_rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {"level": "note", "message": {"text": n}} for n in report.notes
                        ],
                    }
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


_PAINT = {Severity.ERROR: "31;1", Severity.WARNING: "33", Severity.INFO: "36"}


def render_text(report: DoctorReport, *, color: bool) -> str:
    """Findings grouped per file, `path:line: severity: message [rule]` and the fix."""

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    lines: list[str] = []
    with_findings = 0
    for f in report.files:
        if not f.findings:
            continue
        with_findings += 1
        name = display_path(f.path)
        lines.append(paint(name, "1"))
        for d in f.findings:
            where = f"{name}:{d.line}" if d.line else name
            sev = paint(d.severity.value, _PAINT[d.severity])
            lines.append(f"  {where}: {sev}: {d.message} [{d.rule}]")
            fix = f"run --fix ({d.fix})" if d.fixable else d.fix
            first, *rest = fix.splitlines() or [""]
            lines.append(f"    fix: {first}")
            lines.extend(f"         {r}" for r in rest)
        lines.append("")
    c = report.counts()
    n = len(report.files)
    if n == 0:
        lines.append("No Truss configs found.")
    elif not with_findings:
        lines.append(paint("✓", "32") + f" {n} config{'s' if n != 1 else ''}: no problems found.")
    else:
        summary = (
            f"{n} config{'s' if n != 1 else ''} checked, {with_findings} with findings: "
            f"{_plural(c['error'], 'error')}, {_plural(c['warning'], 'warning')}, {c['info']} info"
        )
        if c["fixable"]:
            summary += f"; {c['fixable']} can be fixed with --fix"
        lines.append(summary + ".")
    return "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


# The shape of `--format json`, for consumers and for the tests that hold us to it.
REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "registry-wizard doctor report",
    "type": "object",
    "required": ["version", "tool", "truss", "live", "summary", "files", "notes"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "tool": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"const": "registry-wizard"}, "version": {"type": "string"}},
        },
        "truss": {
            "type": "object",
            "required": ["version", "source"],
            "properties": {
                "version": {"type": ["string", "null"]},
                "source": {"type": ["string", "null"]},
            },
        },
        "live": {"type": "boolean"},
        "summary": {
            "type": "object",
            "required": ["files", "errors", "warnings", "info", "fixable"],
            "additionalProperties": False,
            "properties": {
                k: {"type": "integer", "minimum": 0}
                for k in ("files", "errors", "warnings", "info", "fixable")
            },
        },
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "findings"],
                "additionalProperties": False,
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
                },
            },
        },
        "notes": {"type": "array", "items": {"type": "string"}},
    },
    "$defs": {
        "finding": {
            "type": "object",
            "required": [
                "rule", "severity", "line", "column", "key", "message", "fix", "fixable",
                "fix_kind",
            ],
            "additionalProperties": False,
            "properties": {
                "rule": {"enum": list(RULES)},
                "severity": {"enum": ["error", "warning", "info"]},
                "line": {"type": ["integer", "null"], "minimum": 1},
                "column": {"type": ["integer", "null"], "minimum": 1},
                "key": {"type": "array", "items": {"type": "string"}},
                "message": {"type": "string", "minLength": 1},
                "fix": {"type": "string"},
                "fixable": {"type": "boolean"},
                "fix_kind": {"enum": [*FIX_KINDS, None]},
            },
        }
    },
}  # fmt: skip
