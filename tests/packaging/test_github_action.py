"""The GitHub Action (action.yml) and the SARIF it uploads.

- action.yml against the published action metadata schema, vendored as
  tests/fixtures/github-action.schema.json (SchemaStore's github-action.json,
  src/schemas/json/github-action.json at 3b6446ad8a07; no network in tests).
- The doctor step's script, run by bash as the runner runs it (`bash --noprofile --norc
  -eo pipefail`), on a repository with a broken config.
- doctor's SARIF against what GitHub code scanning accepts, beyond the SARIF 2.1.0
  schema (tests/doctor holds that): docs.github.com, "SARIF support for code scanning",
  the upload limits and the supported properties.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from wizard import doctor
from wizard.doctor.report import DoctorReport, FileReport
from wizard.model.findings import Finding, Severity

FIXTURES = ROOT / "tests" / "fixtures"
IMAGE = "ghcr.io/acme/llm:1.2"
BROKEN = (
    f"model_name: bad\nbase_image:\n  image: {IMAGE}\nsecrets:\n"
    "  DOCKER_REGISTRY_https://ghcr.io: null\n"
)
HEALTHY = (
    f"model_name: good\nbase_image:\n  image: {IMAGE}\nsecrets:\n  DOCKER_REGISTRY_ghcr.io: null\n"
)

# GitHub's documented limits for one SARIF upload.
MAX_GZIP_BYTES = 10 * 1024 * 1024
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
MAX_LOCATIONS_PER_RESULT = 10  # "up to a maximum of 10" (1,000 is the hard rejection)
MAX_TAGS_PER_RULE = 20
MAX_RULE_NAME = 255
MAX_DESCRIPTION = 1024  # shortDescription.text and fullDescription.text


def action() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def steps() -> list[dict[str, Any]]:
    return action()["runs"]["steps"]


def test_action_yml_matches_the_action_metadata_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((FIXTURES / "github-action.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(action())


def test_the_schema_check_would_catch_a_broken_action() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((FIXTURES / "github-action.schema.json").read_text())
    broken = action()
    broken["runs"]["steps"][1].pop("shell")  # a composite `run` step must name its shell
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_the_action_offers_paths_live_and_failing_on_errors() -> None:
    inputs = action()["inputs"]
    assert inputs["paths"]["default"] == "."
    assert inputs["live"]["default"] == "false"
    assert inputs["fail-on-error"]["default"] == "true"
    assert action()["runs"]["using"] == "composite"


def test_the_sarif_is_uploaded_before_the_step_fails_on_errors() -> None:
    ids = [s.get("uses", s.get("id", s.get("name"))) for s in steps()]
    upload = next(i for i, s in enumerate(steps()) if "upload-sarif" in s.get("uses", ""))
    fail = next(i for i, s in enumerate(steps()) if "fail-on-error" in s.get("if", ""))
    assert steps()[upload]["uses"].startswith("github/codeql-action/upload-sarif@"), ids
    assert steps()[upload]["with"]["sarif_file"] == "${{ steps.doctor.outputs.sarif-file }}"
    assert upload < fail
    assert "steps.doctor.outputs.exit-code == '1'" in steps()[fail]["if"]


def _doctor_step() -> str:
    (step,) = (s for s in steps() if s.get("id") == "doctor")
    assert step["shell"] == "bash"
    assert "${{" not in step["run"]  # inputs reach the script through env only
    return step["run"]


def run_doctor_step(
    workspace: Path, tmp_path: Path, **inputs: str
) -> tuple[int, dict[str, str], str]:
    """The action's doctor step as the runner runs it: (exit code, outputs, its log)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "registry-wizard"  # what the install step puts on PATH
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m wizard "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    script = tmp_path / "doctor-step.sh"
    script.write_text(_doctor_step())
    outputs = tmp_path / "github-output"
    outputs.write_text("")
    defaults = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
    values = {**defaults, **inputs}
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(outputs),
        "NO_COLOR": "1",
        "USER_TRUSSRC_PATH": str(tmp_path / "no-trussrc"),
        **{f"INPUT_{k.upper().replace('-', '_')}": v for k, v in values.items()},
    }
    env = {k: v for k, v in env.items() if not k.startswith(("BASETEN_", "AWS_"))}
    r = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        capture_output=True,
        text=True,
        cwd=workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    lines = outputs.read_text().splitlines()
    return r.returncode, dict(line.split("=", 1) for line in lines), r.stdout + r.stderr


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    for name, text in (("bad", BROKEN), ("good", HEALTHY)):
        (root / "models" / name).mkdir(parents=True)
        (root / "models" / name / "config.yaml").write_text(text)
    return root


def test_the_doctor_step_writes_sarif_and_reports_errors_without_failing_yet(
    workspace: Path, tmp_path: Path
) -> None:
    code, outputs, log = run_doctor_step(workspace, tmp_path)
    assert code == 0, log  # the upload runs first; the last step fails on errors
    assert outputs == {"sarif-file": "registry-wizard.sarif", "exit-code": "1"}
    sarif = json.loads((workspace / "registry-wizard.sarif").read_text())
    (result,) = sarif["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "models/bad/config.yaml"  # repository-relative
    assert location["region"]["startLine"] == 5
    assert result["ruleId"] == "registry-secret-name"


def test_the_doctor_step_passes_paths_and_args(workspace: Path, tmp_path: Path) -> None:
    code, outputs, log = run_doctor_step(
        workspace, tmp_path, paths="models/good", args="--truss-version 0.18.36"
    )
    assert code == 0, log
    assert outputs["exit-code"] == "0"
    sarif = json.loads((workspace / "registry-wizard.sarif").read_text())
    assert sarif["runs"][0]["results"] == []


def test_the_doctor_step_runs_live_checks_when_asked(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    root.mkdir()
    image = "127.0.0.1:9/team/app:1.0"  # discard port: refused at once, never leaves loopback
    (root / "config.yaml").write_text(f"model_name: m\nbase_image:\n  image: {image}\n")
    code, outputs, log = run_doctor_step(
        root, tmp_path, live="true", args="--timeout 2 --no-baseten"
    )
    assert code == 0, log
    assert outputs["exit-code"] in ("0", "1")
    sarif = json.loads((root / "registry-wizard.sarif").read_text())
    live_rules = {"pull-failed", "pull-unchecked", "registry-unreachable"}
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} & live_rules, sarif["runs"][0]


def test_a_usage_error_fails_the_step_at_once(workspace: Path, tmp_path: Path) -> None:
    code, outputs, log = run_doctor_step(workspace, tmp_path, paths="no-such-dir")
    assert code == 2
    assert outputs["exit-code"] == "2"
    assert "::error::registry-wizard doctor could not run (exit 2)" in log
    assert "no-such-dir: no such file or directory" in log


# The SARIF doctor writes, against GitHub's upload limits.


def _sarif_of_tree(root: Path) -> dict[str, Any]:
    r = subprocess.run(
        [sys.executable, "-m", "wizard", "doctor", ".", "--format", "sarif"],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "NO_COLOR": "1"},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


@pytest.fixture
def noisy_tree(tmp_path: Path) -> Path:
    """Configs that break many rules at once, and one that is not YAML."""
    root = tmp_path / "repo"
    configs = {
        "a": BROKEN,
        "b": "base_image:\n  image: acme/app\nsecrets:\n  DOCKER_REGISTRY_docker.io: null\n"
        "  hf_token: hf_abc123\n",
        "c": "model_name: c\nbase_image: [\n",
        "d": "model_name: d\nbase_image:\n  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/"
        "team/app:latest\n  docker_auth:\n    auth_method: AWS_OIDC\n    registry: wrong\n"
        "    aws_region: eu-west-1\n    unknown: 1\n",
    }
    for name, text in configs.items():
        (root / name).mkdir(parents=True)
        (root / name / "config.yaml").write_text(text)
    return root


def test_sarif_stays_within_githubs_upload_limits(noisy_tree: Path) -> None:
    sarif = _sarif_of_tree(noisy_tree)
    raw = json.dumps(sarif).encode()
    assert len(gzip.compress(raw)) <= MAX_GZIP_BYTES
    assert 1 <= len(sarif["runs"]) <= MAX_RUNS
    for run in sarif["runs"]:
        assert len(run["results"]) <= MAX_RESULTS_PER_RUN
        rules = run["tool"]["driver"]["rules"]
        assert len(rules) <= MAX_RULES_PER_RUN
        assert len({r["id"] for r in rules}) == len(rules)
        for rule in rules:
            assert rule["id"]
            assert 0 < len(rule.get("name", "x")) <= MAX_RULE_NAME, rule["id"]
            assert 0 < len(rule["shortDescription"]["text"]) <= MAX_DESCRIPTION, rule["id"]
            assert 0 < len(rule["fullDescription"]["text"]) <= MAX_DESCRIPTION, rule["id"]
            assert rule["help"]["text"], rule["id"]
            assert len(rule.get("properties", {}).get("tags", [])) <= MAX_TAGS_PER_RULE
        assert len(run["results"]) >= 5
        for result in run["results"]:
            assert result["message"]["text"].strip()
            assert 1 <= len(result["locations"]) <= MAX_LOCATIONS_PER_RESULT
            physical = result["locations"][0]["physicalLocation"]
            assert not physical["artifactLocation"]["uri"].startswith(("/", "../"))
            assert physical["region"]["startLine"] >= 1


def test_every_result_has_a_fingerprint_that_survives_edits_above_it(noisy_tree: Path) -> None:
    """Alerts stay the same alerts across runs: a comment added at the top of a file
    moves every line, but each finding keeps its fingerprint (code scanning reads
    `partialFingerprints.primaryLocationLineHash`)."""

    def prints(sarif: dict[str, Any]) -> list[tuple[str, str, str]]:
        out = []
        for r in sarif["runs"][0]["results"]:
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            out.append((uri, r["ruleId"], r["partialFingerprints"]["primaryLocationLineHash"]))
        return sorted(out)

    before = prints(_sarif_of_tree(noisy_tree))
    assert len({p[2] for p in before}) == len(before)  # one alert per finding
    for config in noisy_tree.glob("*/config.yaml"):
        config.write_text("# owned by the platform team\n\n" + config.read_text())
    after = prints(_sarif_of_tree(noisy_tree))
    assert after == before


def test_a_huge_report_is_capped_at_githubs_result_limit_errors_first() -> None:
    """A monorepo with more findings than code scanning takes in one run: the SARIF
    keeps 25,000 results, errors before warnings, and says what it left out."""
    error = next(r for r, spec in doctor.RULES.items() if spec.severity is Severity.ERROR)
    warning = next(r for r, spec in doctor.RULES.items() if spec.severity is Severity.WARNING)
    files = []
    for i in range(MAX_RESULTS_PER_RUN // 2 + 1):
        path = Path(f"/r/m{i}/config.yaml")
        report = FileReport(path, path)
        for severity, rule in ((Severity.WARNING, warning), (Severity.ERROR, error)):
            report.findings.append(Finding(rule, severity, (), "message", "fix", line=1))
        files.append(report)
    sarif = doctor.to_sarif(DoctorReport(files), cwd=Path("/r"))
    (run,) = sarif["runs"]
    assert len(run["results"]) == MAX_RESULTS_PER_RUN
    assert sum(r["level"] == "error" for r in run["results"]) == len(files)
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("25,000" in n["message"]["text"] or "25000" in n["message"]["text"] for n in notes)
