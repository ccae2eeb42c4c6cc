"""The layers DESIGN.md promises: business modules never import a UI toolkit, and the
fast paths stay free of heavy imports."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import wizard

PACKAGE = Path(wizard.__file__).parent

UI = ("textual", "questionary", "prompt_toolkit")
HEAVY = ("boto3", "botocore", "google", "httpx", "rich", "yaml", *UI)


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return {m.split(".")[0] for m in json.loads(out.splitlines()[-1])}


def _rank() -> dict[str, int]:
    return {pkg: i for i, layer in enumerate(wizard.LAYERS) for pkg in layer}


def _modules(top: str) -> list[str]:
    out = []
    for p in (PACKAGE / top).rglob("*.py"):
        name = ".".join(("wizard", *p.relative_to(PACKAGE).with_suffix("").parts))
        out.append(name.removesuffix(".__init__"))
    return sorted(out)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every `wizard.*` module a file imports, at the top, in functions, or for typing."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
            out += [(node.lineno, m) for m in (node.module, *names)]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
    return [(line, m) for line, m in out if m.startswith("wizard.")]


def test_every_package_has_a_layer_and_nothing_floats_at_the_top() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(_rank()), "place each package of wizard/ in wizard.LAYERS"
    loose = {p.name for p in PACKAGE.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py"}, loose


def test_each_layer_imports_only_the_layers_before_it() -> None:
    """The order is read from wizard.LAYERS; the imports from every file of the package
    (function-level and typing-only imports included)."""
    rank = _rank()
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) == 1:
            continue  # the package face and __main__ may reach any layer
        mine = parts[0]
        for line, module in _imports(path):
            other = module.split(".")[1]
            if other in rank and other != mine and rank[other] >= rank[mine]:
                where = path.relative_to(PACKAGE.parent)
                wrong.append(f"{where}:{line}: {mine} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_the_layer_check_catches_an_import_against_the_order(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from wizard.ui import console\n")
    assert (2, "wizard.ui") in _imports(bad)


@pytest.mark.parametrize(
    "module",
    [m for top in ("model", "config", "verify", "guide", "doctor", "flow") for m in _modules(top)]
    + ["wizard.ui.console"],
)
def test_business_layers_import_no_ui(module: str) -> None:
    assert _modules_after(f"import {module}").isdisjoint(UI)


def test_help_path_imports_nothing_heavy() -> None:
    loaded = _modules_after(
        "import wizard.cli as c\ntry:\n    c.main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert loaded.isdisjoint((*HEAVY, "ruamel")), loaded & set(HEAVY)


def test_setup_dry_run_path_imports_nothing_heavy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    loaded = _modules_after(
        "import wizard.cli as c\n"
        f"c.main(['setup', '--config', {str(config)!r}, '--image', 'ghcr.io/a/b:1', '--dry-run'])"
    )
    slow = {"dataclasses", "inspect", *HEAVY}
    assert loaded.isdisjoint(slow), loaded & slow


def test_one_check_runs_without_asyncio() -> None:
    """One check in a process is driven by runtime.run_blocking: no event loop, and no
    import of asyncio (~33 ms, a fifth of a check). Here against a closed loopback port:
    the check runs its whole path to a verdict."""
    loaded = _modules_after(
        "import io, sys\n"
        "import wizard.cli as c\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(b'pw'))\n"
        "code = c.main(['check', '--image', '127.0.0.1:9/team/app:1', '--username', 'u',\n"
        "               '--password-stdin', '--timeout', '5', '--format', 'json'])\n"
        "assert code != 0, code"
    )
    slow = {"asyncio", "dataclasses", "inspect", *HEAVY}
    assert loaded.isdisjoint(slow), loaded & slow


def test_the_package_makes_its_data_classes_with_record() -> None:
    """`dataclasses` costs a check or a dry run ~15 ms (its `inspect` import, and six
    compiles a class on Python 3.10-3.12); `wizard.model.record` makes the same classes
    with one. One way to make a data class in the package, the TUI's included."""
    users = [
        str(p.relative_to(PACKAGE))
        for p in sorted(PACKAGE.rglob("*.py"))
        if any(
            isinstance(node, (ast.Import, ast.ImportFrom))
            and "dataclasses" in {getattr(node, "module", None), *(a.name for a in node.names)}
            for node in ast.walk(ast.parse(p.read_text()))
        )
    ]
    assert users == [], "use wizard.model.record in: " + ", ".join(users)
