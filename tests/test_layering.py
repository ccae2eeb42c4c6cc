"""The layers DESIGN.md promises: business modules never import a UI toolkit, and the
fast paths stay free of heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

UI = ("textual", "questionary", "prompt_toolkit")
HEAVY = ("boto3", "botocore", "google", "httpx", "rich", "yaml", *UI)


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return {m.split(".")[0] for m in json.loads(out.splitlines()[-1])}


@pytest.mark.parametrize(
    "module",
    [
        "wizard.model.catalog",
        "wizard.model.rules",
        "wizard.config.edit",
        "wizard.config.writer",
        "wizard.config.plan",
        "wizard.cli.output",
        "wizard.verify.service",
        "wizard.verify.registry",
        "wizard.verify.analyze",
        "wizard.verify.dockerconfig",
        "wizard.verify.sources",
        "wizard.doctor",
        "wizard.flow",
        "wizard.guide.service",
    ],
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
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)
