"""Every registry × method over hand-written configs that stress the editor:
only base_image/secrets lines change, values are exact, a second run is a no-op."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.config.invariants import SCENARIOS, Scenario, run_scenario

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(p.name for p in FIXTURES.glob("*.yaml"))
BY_NAME = {s.name: s for s in SCENARIOS}


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "config.yaml"
    shutil.copyfile(FIXTURES / name, target)
    return target


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.parametrize("name", FILES)
def test_setup_is_faithful(tmp_path: Path, name: str, scenario: Scenario) -> None:
    run_scenario(_copy(tmp_path, name), scenario)


SWITCHES = [(a, b) for a in SCENARIOS for b in SCENARIOS if a is not b]


@pytest.mark.parametrize(("first", "second"), SWITCHES, ids=lambda s: s.name)
def test_switching_method_is_faithful(tmp_path: Path, first: Scenario, second: Scenario) -> None:
    config = _copy(tmp_path, "commented.yaml")
    run_scenario(config, first)
    run_scenario(config, second)


@pytest.mark.parametrize(
    "name",
    [
        "crlf.yaml",
        "flow_base.yaml",
        "no_final_newline.yaml",
        "bom.yaml",
        "quoted.yaml",
        "doc_markers.yaml",
    ],
)
def test_switch_round_trip_on_odd_files(tmp_path: Path, name: str) -> None:
    config = _copy(tmp_path, name)
    for step in ("ecr-oidc", "gar-service-account", "ghcr-token", "ecr-iam-custom", "ecr-oidc"):
        run_scenario(config, BY_NAME[step])
