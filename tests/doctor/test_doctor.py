"""`doctor`: every rule on a config that breaks it, discovery in a noisy tree, `--fix`
round trips loaded by the real truss, JSON and SARIF against their schemas, and live
checks against a real registry and a Baseten stand-in.

The CLI registers `doctor` with one line; until then these tests drive it through a
parser of their own (`doctor_cmd.add_parser`) or `python -m wizard.cli.doctor`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unavailable
from tests.standins import GCP_KEY_CONFIG
from wizard import doctor
from wizard.cli.doctor import add_parser
from wizard.model.findings import Finding, Severity

FIXTURES = Path(__file__).parents[1] / "fixtures"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
ROLE = "arn:aws:iam::123456789012:role/pull"
GAR = "us-docker.pkg.dev/my-project/repo/app:1.0"
HUB_SECRET = "DOCKER_REGISTRY_https://index.docker.io/v1/"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No Baseten key, trussrc, docker or AWS settings of the machine reach a test."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BASETEN_", "REGISTRY_WIZARD_")) or name == "FORCE_COLOR":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))
    monkeypatch.setenv("NO_COLOR", "1")


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", **extra}


def run_doctor(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The whole process, as `registry-wizard doctor` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "wizard.cli.doctor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env or _env(),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def call(*argv: str) -> int:
    """In-process, through a parser built by `add_parser`, as the main CLI will build it."""
    parser = argparse.ArgumentParser(prog="registry-wizard")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["doctor", *argv])
    return int(args.handler(args))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def findings(path: Path, *, truss_version: str | None = "0.18.36") -> list[Finding]:
    report = doctor.diagnose([path], truss_version=truss_version)
    return [d for f in report.files for d in f.findings]


# --------------------------------------------------------------------------- static rules


def _oidc(extra: str = "", image: str = f"{ECR}/team/app:1.0") -> str:
    return (
        "model_name: m\n"
        "base_image:\n"
        f"  image: {image}\n"
        "  docker_auth:\n"
        "    auth_method: AWS_OIDC\n"
        f"    aws_oidc_role_arn: {ROLE}\n"
        "    aws_oidc_region: us-east-1\n"
        f"    registry: {ECR}\n" + extra
    )


def _assume_role() -> str:
    return (
        _oidc()
        .replace("AWS_OIDC", "AWS_ASSUME_ROLE")
        .replace("aws_oidc_role_arn", "aws_assume_role_arn")
        .replace("aws_oidc_region", "aws_assume_role_region")
    )


def _gcp_oidc(
    account: str = "puller@my-project.iam.gserviceaccount.com",
    provider: str = "projects/123456/locations/global/workloadIdentityPools/pool/providers/prov",
) -> str:
    return (
        "model_name: m\n"
        "base_image:\n"
        f"  image: {GAR}\n"
        "  docker_auth:\n"
        "    auth_method: GCP_OIDC\n"
        "    registry: us-docker.pkg.dev\n"
        f"    gcp_oidc_service_account: {account}\n"
        f"    gcp_oidc_workload_id_provider: {provider}\n"
    )


# (rule, config text, line, severity, fixable)
STATIC: list[tuple[str, str, int | None, Severity, bool]] = [
    ("yaml-invalid", "model_name: m\nbase_image:\n  image: [unclosed\n", 3, Severity.ERROR, False),
    ("duplicate-key", "model_name: a\nresources: {}\nmodel_name: b\n", 3, Severity.WARNING, False),
    ("not-a-truss-config", "database:\n  host: localhost\n", None, Severity.WARNING, False),
    ("secrets-null", "model_name: m\nsecrets:\n", 2, Severity.ERROR, True),
    ("secrets-not-mapping", "model_name: m\nsecrets: [a]\n", 2, Severity.ERROR, False),
    (
        "secret-value-in-file",
        "model_name: m\nsecrets:\n  hf_access_token: hf_abc\n",
        3,
        Severity.ERROR,
        True,
    ),
    (
        "secret-placeholder-value",
        'model_name: m\nsecrets:\n  hf_access_token: "your-hf-access-token"\n',
        3,
        Severity.INFO,
        True,
    ),
    ("base-image-not-mapping", "base_image: acme/app:1\n", 1, Severity.ERROR, False),
    ("unknown-key", "base_image:\n  image: acme/app:1\n  auth: {}\n", 3, Severity.ERROR, False),
    (
        "python-path-relative",
        "base_image:\n  image: acme/app:1\n  python_executable_path: bin/python\n",
        3,
        Severity.ERROR,
        False,
    ),
    (
        "image-missing",
        "base_image:\n  docker_auth:\n    auth_method: AWS_IAM\n",
        1,
        Severity.ERROR,
        False,
    ),
    ("image-invalid", "base_image:\n  image: Acme/App:1\n", 2, Severity.ERROR, False),
    (
        "docker-auth-not-mapping",
        "base_image:\n  image: acme/app:1\n  docker_auth: AWS_IAM\n",
        3,
        Severity.ERROR,
        False,
    ),
    (
        "auth-method-missing",
        f"base_image:\n  image: {ECR}/a:1\n  docker_auth:\n    registry: {ECR}\n",
        3,
        Severity.ERROR,
        False,
    ),
    (
        "auth-method-invalid",
        "base_image:\n  image: acme/app:1\n  docker_auth:\n    auth_method: OIDC\n",
        4,
        Severity.ERROR,
        False,
    ),
    (
        "auth-method-training-only",
        "base_image:\n  image: acme/app:1\n  docker_auth:\n    auth_method: REGISTRY_SECRET\n",
        4,
        Severity.ERROR,
        False,
    ),
    (
        "required-field",
        f"base_image:\n  image: {ECR}/a:1\n  docker_auth:\n    auth_method: AWS_OIDC\n"
        f"    registry: {ECR}\n    aws_oidc_region: us-east-1\n",
        3,
        Severity.ERROR,
        False,
    ),
    ("forbidden-field", _oidc("    secret_name: sa\n"), 9, Severity.ERROR, True),
    (
        "registry-missing",
        _oidc().replace(f"    registry: {ECR}\n", ""),
        4,
        Severity.WARNING,
        True,
    ),
    (
        "registry-mismatch",
        _oidc().replace(
            f"registry: {ECR}", "registry: 123456789012.dkr.ecr.us-west-2.amazonaws.com"
        ),
        8,
        Severity.ERROR,
        True,
    ),
    (
        "method-registry-mismatch",
        _oidc(image="ghcr.io/acme/app:1.0").replace(f"registry: {ECR}", "registry: ghcr.io"),
        5,
        Severity.ERROR,
        False,
    ),
    (
        "ecr-region-mismatch",
        _oidc().replace("aws_oidc_region: us-east-1", "aws_oidc_region: eu-west-1"),
        7,
        Severity.ERROR,
        True,
    ),
    (
        "secret-undeclared",
        f"base_image:\n  image: {ECR}/a:1\n  docker_auth:\n    auth_method: AWS_IAM\n"
        f"    registry: {ECR}\nsecrets:\n  aws_access_key_id: null\n",
        3,
        Severity.ERROR,
        True,
    ),
    (
        "registry-secret-name",
        "base_image:\n  image: acme/app:1.0\nsecrets:\n  DOCKER_REGISTRY_docker.io: null\n",
        4,
        Severity.ERROR,
        True,
    ),
    (
        "truss-too-old",
        _assume_role(),
        5,
        Severity.ERROR,
        False,
    ),
    ("auth-missing", f"base_image:\n  image: {ECR}/a:1.0\n", 2, Severity.ERROR, False),
    (
        "registry-unreachable",
        "base_image:\n  image: localhost:5000/acme/app:1.0\n",
        2,
        Severity.WARNING,
        False,
    ),
    (
        "image-public",
        "base_image:\n  image: ubuntu:22.04\n"
        "secrets:\n  DOCKER_REGISTRY_https://index.docker.io/v1/: null\n",
        2,
        Severity.INFO,
        False,
    ),
    ("role-arn-invalid", _oidc().replace(ROLE, "role/pull"), 6, Severity.ERROR, False),
    (
        "role-other-account",
        _oidc().replace(ROLE, "arn:aws:iam::111111111111:role/pull"),
        6,
        Severity.WARNING,
        False,
    ),
    (
        "region-invalid",
        _oidc().replace("aws_oidc_region: us-east-1", "aws_oidc_region: useast1"),
        7,
        Severity.ERROR,
        True,
    ),
    (
        "other-method-field",
        _oidc("    gcp_oidc_service_account: ''\n"),
        9,
        Severity.WARNING,
        True,
    ),
    ("service-account-invalid", _gcp_oidc(account="puller"), 7, Severity.ERROR, False),
    ("workload-provider-invalid", _gcp_oidc(provider="pool/prov"), 8, Severity.ERROR, False),
    (
        "workload-provider-project-id",
        _gcp_oidc(
            provider="projects/my-proj/locations/global/workloadIdentityPools/p-ool/providers/q-prov"
        ),
        8,
        Severity.ERROR,
        False,
    ),
    (
        "secret-name-invalid",
        f"base_image:\n  image: {GAR}\n  docker_auth:\n    auth_method: GCP_SERVICE_ACCOUNT_JSON\n"
        "    registry: us-docker.pkg.dev\n    secret_name: 'my key!'\n"
        "secrets:\n  'my key!': null\n",
        6,
        Severity.ERROR,
        False,
    ),
    ("latest-tag", _oidc(image=f"{ECR}/team/app"), 3, Severity.WARNING, False),
    (
        "oidc-available",
        f"base_image:\n  image: {ECR}/a:1\n  docker_auth:\n    auth_method: aws_iam\n"
        f"    registry: {ECR}\nsecrets:\n  aws_access_key_id: null\n"
        "  aws_secret_access_key: null\n",
        3,
        Severity.INFO,
        False,
    ),
]


@pytest.mark.parametrize(
    ("rule", "text", "line", "severity", "fixable"), STATIC, ids=[s[0] for s in STATIC]
)
def test_each_rule_fires_with_line_severity_message_and_fix(
    tmp_path: Path, rule: str, text: str, line: int | None, severity: Severity, fixable: bool
) -> None:
    path = write(tmp_path / "config.yaml", text)
    truss_version = "0.18.26" if rule == "truss-too-old" else "0.18.36"
    found = [d for d in findings(path, truss_version=truss_version) if d.rule == rule]
    assert found, [d.rule for d in findings(path, truss_version=truss_version)]
    d = found[0]
    assert (d.line, d.severity, d.fixable) == (line, severity, fixable)
    assert d.message and d.fix and "\n" not in d.message
    assert rule in doctor.RULES


def test_a_good_config_has_no_findings(tmp_path: Path) -> None:
    assert findings(write(tmp_path / "config.yaml", _oidc())) == []
    assert call(str(tmp_path / "config.yaml")) == 0


def test_registry_secret_renames_are_fixable_only_for_the_same_registry(tmp_path: Path) -> None:
    cases = {
        "ghcr.io/acme/app:1": ("DOCKER_REGISTRY_https://ghcr.io", True),
        "acme/app:1": ("DOCKER_REGISTRY_index.docker.io", True),
        f"{ECR}/a:1": ("DOCKER_REGISTRY_123456789012.dkr.ecr.us-west-2.amazonaws.com", False),
        f"{ECR}/b:1": ("DOCKER_REGISTRY_210987654321.dkr.ecr.us-east-1.amazonaws.com", False),
    }
    for i, (image, (name, fixable)) in enumerate(cases.items()):
        path = write(
            tmp_path / str(i) / "config.yaml",
            f"base_image:\n  image: {image}\nsecrets:\n  {name}: null\n",
        )
        (d,) = [d for d in findings(path) if d.rule == "registry-secret-name"]
        assert d.fixable is fixable, image


def test_rename_is_not_offered_when_the_right_name_is_already_declared(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.yaml",
        f"base_image:\n  image: acme/app:1\nsecrets:\n  DOCKER_REGISTRY_docker.io: null\n"
        f"  {HUB_SECRET}: null\n",
    )
    (d,) = [d for d in findings(path) if d.rule == "registry-secret-name"]
    assert not d.fixable


def test_truss_version_thresholds(tmp_path: Path) -> None:
    gcp = (
        "base_image:\n  image: us-docker.pkg.dev/p/r/i:1\n  docker_auth:\n"
        "    auth_method: GCP_OIDC\n    registry: us-docker.pkg.dev\n"
        "    gcp_oidc_service_account: sa@p.iam.gserviceaccount.com\n"
        "    gcp_oidc_workload_id_provider: projects/1/locations/global/"
        "workloadIdentityPools/pool/providers/prov\n"
    )
    path = write(tmp_path / "config.yaml", gcp)
    old = {d.rule for d in findings(path, truss_version="0.13.1")}
    assert "truss-too-old" in old
    assert "truss-too-old" not in {d.rule for d in findings(path, truss_version="0.13.2")}
    assert "truss-too-old" in {d.rule for d in findings(path, truss_version="0.13.2rc1")}
    role = _assume_role()
    write(path, role)
    assert "truss-too-old" not in {d.rule for d in findings(path, truss_version="0.18.27")}
    (d,) = [d for d in findings(path, truss_version="0.18.26") if d.rule == "truss-too-old"]
    assert "0.18.27" in d.message and "truss>=0.18.27" in d.fix


def test_installed_truss_is_found_in_this_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata

    real = importlib.metadata.version

    def version(name: str) -> str:
        return "0.18.26" if name == "truss" else real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    role = _assume_role()
    path = write(tmp_path / "config.yaml", role)
    report = doctor.diagnose([path])
    assert report.truss_version == "0.18.26"
    assert "truss-too-old" in {d.rule for f in report.files for d in f.findings}


def test_installed_truss_is_found_on_path(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("truss") is not None:
        pytest.skip("truss is importable here: the PATH fallback is not used")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "truss"
    fake.write_text("#!/bin/sh\necho 'truss, version 0.18.26'\n")
    fake.chmod(0o755)
    role = _assume_role()
    write(tmp_path / "p" / "config.yaml", role)
    env = _env(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    r = run_doctor("p", "--format", "json", cwd=tmp_path, env=env)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["truss"]["version"] == "0.18.26"
    rules = {f["rule"] for f in data["files"][0]["findings"]}
    assert "truss-too-old" in rules


def test_without_truss_the_version_rule_is_skipped_with_a_note(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("truss") is not None:
        pytest.skip("truss is importable here")
    role = _assume_role()
    write(tmp_path / "config.yaml", role)
    r = run_doctor(cwd=tmp_path, env=_env(PATH=os.path.dirname(sys.executable)))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "truss was not found" in r.stderr and "--truss-version" in r.stderr


def test_auth_missing_is_a_warning_for_gar_and_absent_for_public_registries(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "config.yaml", f"base_image:\n  image: {GAR}\n")
    (d,) = [d for d in findings(path) if d.rule == "auth-missing"]
    assert d.severity is Severity.WARNING
    for image in ("acme/app:1", "ghcr.io/acme/app:1", "nvcr.io/nvidia/pytorch:24.01-py3"):
        write(path, f"base_image:\n  image: {image}\n")
        assert "auth-missing" not in {d.rule for d in findings(path)}, image


def test_oidc_is_suggested_for_a_token_secret_on_gar(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.yaml",
        f"base_image:\n  image: {GAR}\nsecrets:\n  DOCKER_REGISTRY_us-docker.pkg.dev: null\n",
    )
    (d,) = [d for d in findings(path) if d.rule == "oidc-available"]
    assert d.severity is Severity.INFO and d.line == 4 and "GCP_OIDC" in d.message


# --------------------------------------------------------------------------- discovery


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root / "models" / "good" / "config.yaml", _oidc())
    write(root / "models" / "good" / "model" / "model.py", "class Model: ...\n")
    write(root / "models" / "team" / "nested" / "bad" / "config.yaml", "model_name: m\nsecrets:\n")
    write(root / "models" / "team" / "config.yaml", "model_name: team\n")
    write(root / "README.md", "# models\n")
    # Noise: skipped directories, and config.yaml files of other tools.
    write(root / ".git" / "config.yaml", "model_name: in-git\nsecrets:\n")
    write(root / "node_modules" / "pkg" / "config.yaml", "model_name: npm\nsecrets:\n")
    write(root / ".venv" / "lib" / "config.yaml", "model_name: venv\nsecrets:\n")
    write(root / "envs" / "py" / "pyvenv.cfg", "home = /usr/bin\n")
    write(root / "envs" / "py" / "config.yaml", "model_name: venv2\nsecrets:\n")
    write(root / "tools" / "config.yaml", "database:\n  host: localhost\n")
    write(root / "tools" / "tpl" / "config.yaml", "name: {{ cookiecutter.name }\n")
    # Broken Truss configs: findings, not crashes.
    write(root / "broken" / "config.yaml", "model_name: m\nbase_image: [\n")
    (root / "latin1").mkdir()
    (root / "latin1" / "config.yaml").write_bytes(b"model_name: caf\xe9\n")
    (root / "dangling").mkdir()
    (root / "dangling" / "config.yaml").symlink_to(root / "nowhere.yaml")
    # A symlink loop, and a second way to the same project.
    (root / "models" / "loop").symlink_to(root / "models")
    (root / "models" / "alias").symlink_to(root / "models" / "good")
    return root


def test_directories_are_searched_for_truss_configs_only(tree: Path) -> None:
    report = doctor.diagnose([tree], truss_version="0.18.36")
    found = {
        f.path.relative_to(tree).as_posix(): [d.rule for d in f.findings] for f in report.files
    }
    assert found == {
        "broken/config.yaml": ["yaml-invalid"],
        "dangling/config.yaml": ["unreadable"],
        "latin1/config.yaml": ["unreadable"],
        "models/good/config.yaml": [],  # not again as models/alias or models/loop/...
        "models/team/config.yaml": [],
        "models/team/nested/bad/config.yaml": ["secrets-null"],
    }
    (dangling,) = report.files[1].findings
    assert "broken symlink" in dangling.message
    assert "UTF-8" in report.files[2].findings[0].message


def test_a_tree_through_the_cli_exits_1_and_groups_per_file(tree: Path) -> None:
    r = run_doctor(".", "--truss-version", "0.18.36", cwd=tree)
    assert r.returncode == 1, r.stderr
    out = r.stdout
    assert (
        "models/team/nested/bad/config.yaml\n  models/team/nested/bad/config.yaml:2: error:" in out
    )
    # a command to copy, naming the file (from the directory doctor was run in)
    assert (
        "[secrets-null]\n    fix: registry-wizard doctor --fix "
        "models/team/nested/bad/config.yaml (write `secrets: {}`"
    ) in out
    assert "broken/config.yaml:2: error: invalid YAML" in out
    assert "6 configs checked, 4 with findings" in out
    assert "\x1b[" not in out


def test_a_fix_command_from_a_tree_names_the_file_it_fixes(tmp_path: Path) -> None:
    """Run in a directory, doctor's `registry-wizard setup ...` fix for a config below it
    must edit that config: without --config, setup picks the one nearest the directory
    (a newcomer's pass: `--method oidc does not work with Docker Hub`, another file)."""
    (tmp_path / "config.yaml").write_text("model_name: top\nbase_image:\n  image: python:3.11\n")
    gcp = tmp_path / "my models" / "gcp"
    gcp.mkdir(parents=True)
    (gcp / "config.yaml").write_text(GCP_KEY_CONFIG)
    r = run_doctor(".", "--truss-version", "0.18.36", cwd=tmp_path)
    fixes = [line.strip() for line in r.stdout.splitlines() if "registry-wizard setup" in line]
    assert fixes, r.stdout
    for line in fixes:
        assert "registry-wizard setup --config 'my models/gcp/config.yaml'" in line, line


def test_a_path_in_a_command_is_quoted_and_never_an_option() -> None:
    from wizard.model.redact import sh_path

    assert sh_path("gcp/config.yaml") == "gcp/config.yaml"
    assert sh_path("my models/config.yaml") == "'my models/config.yaml'"
    assert sh_path("-d/config.yaml") == "./-d/config.yaml"
    assert sh_path("$(rm -rf ~)/config.yaml") == "'$(rm -rf ~)/config.yaml'"


def test_an_unreadable_directory_is_a_warning(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.scandir
    blocked = str(tree / "models" / "team")

    def scandir(path: Any) -> Any:
        if str(path) == blocked:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = doctor.diagnose([tree], truss_version="0.18.36")
    (d,) = [d for f in report.files for d in f.findings if d.rule == "dir-unreadable"]
    assert d.severity is Severity.WARNING and "Permission denied" in d.message
    assert not any("nested" in str(f.path) for f in report.files)


def test_default_path_and_usage_errors(tmp_path: Path) -> None:
    r = run_doctor(cwd=tmp_path)
    assert r.returncode == 2 and "no config.yaml" in r.stderr
    assert run_doctor("missing/", cwd=tmp_path).returncode == 2
    write(tmp_path / "config.yaml", _oidc())
    assert run_doctor(cwd=tmp_path).returncode == 0
    for bad in (
        ["--dry-run"],
        ["--yes"],
        ["--fix", "--format", "json"],
        ["--docker-config"],
        ["--aws-profile", "x"],
        ["--live", "--timeout", "0"],
    ):
        r = run_doctor(*bad, cwd=tmp_path)
        assert r.returncode == 2, (bad, r.stderr)
        assert "error:" in r.stderr


def test_an_empty_directory_reports_no_configs(tmp_path: Path) -> None:
    r = run_doctor(str(tmp_path))
    assert r.returncode == 0
    assert "No Truss configs found" in r.stdout and "no Truss configs found" in r.stderr


# --------------------------------------------------------------------------- formats


def _report_tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root / "a" / "config.yaml", _oidc().replace(f"    registry: {ECR}\n", ""))
    write(
        root / "b" / "config.yaml",
        "base_image:\n  image: acme/app\nsecrets:\n  DOCKER_REGISTRY_docker.io: null\n"
        "  hf_token: hf_abc123\n",
    )
    write(root / "c" / "config.yaml", "model_name: c\nbase_image: [\n")
    write(root / "d" / "config.yaml", "model_name: clean\n")
    return root


def test_json_report_matches_its_schema(tmp_path: Path) -> None:
    jsonschema = _jsonschema()
    root = _report_tree(tmp_path)
    r = run_doctor(".", "--format", "json", "--truss-version", "0.18.36", cwd=root)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    jsonschema.Draft202012Validator.check_schema(doctor.REPORT_SCHEMA)
    jsonschema.Draft202012Validator(doctor.REPORT_SCHEMA).validate(data)
    by_path = {f["path"]: f["findings"] for f in data["files"]}
    assert by_path["d/config.yaml"] == []
    rename = next(f for f in by_path["b/config.yaml"] if f["rule"] == "registry-secret-name")
    assert rename == {
        "rule": "registry-secret-name",
        "severity": "error",
        "line": 4,
        "column": 3,
        "key": ["secrets", "DOCKER_REGISTRY_docker.io"],
        "message": "'DOCKER_REGISTRY_docker.io' is not the name Baseten looks up for docker.io",
        "fix": f"rename it to `{HUB_SECRET}`",
        "fixable": True,
        "fix_kind": "rename-secret",
    }
    assert data["summary"] == {"files": 4, "errors": 3, "warnings": 2, "info": 0, "fixable": 3}


def test_sarif_is_valid_2_1_0_with_rules_help_and_locations(tmp_path: Path) -> None:
    jsonschema = _jsonschema()
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())
    root = _report_tree(tmp_path)
    r = run_doctor(".", "--format", "sarif", "--truss-version", "0.18.36", cwd=root)
    assert r.returncode == 1, r.stderr
    sarif = json.loads(r.stdout)
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "registry-wizard"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert set(rule_ids) == set(doctor.RULES)
    assert all(
        rule["help"]["text"] and rule["shortDescription"]["text"] for rule in driver["rules"]
    )
    assert run["results"]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        (loc,) = result["locations"]
        physical = loc["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not physical["artifactLocation"]["uri"].startswith("/")
        assert physical["region"]["startLine"] >= 1
    uris = {
        res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in run["results"]
    }
    assert uris == {"a/config.yaml", "b/config.yaml", "c/config.yaml"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"


def _jsonschema() -> Any:
    try:
        import jsonschema
    except ImportError:
        unavailable("jsonschema is not installed (pip install jsonschema)")
    return jsonschema


def test_text_is_coloured_on_request_and_plain_otherwise(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "model_name: m\nsecrets:\n")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = run_doctor(cwd=tmp_path, env={**env, "FORCE_COLOR": "1"})
    assert "\x1b[31;1merror\x1b[0m" in coloured.stdout
    plain = run_doctor(cwd=tmp_path, env={**env, "FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout and "config.yaml:2: error:" in plain.stdout
    piped = run_doctor(cwd=tmp_path, env=env)  # stdout is a pipe
    assert "\x1b[" not in piped.stdout


# --------------------------------------------------------------------------- fixes

# (name, broken text, expected text after --fix, docker_auth truss must load, secret declared)
FIX_CASES: list[tuple[str, str, str]] = [
    (
        "registry-and-region",
        "# ECR with OIDC\n"
        "model_name: m   # keep me\n"
        "base_image:\n"
        f"  image: {ECR}/team/app:1.0\n"
        "  docker_auth:\n"
        "    auth_method: AWS_OIDC\n"
        f"    aws_oidc_role_arn: {ROLE}\n"
        "    aws_oidc_region: eu-west-1  # wrong region\n"
        "    secret_name: leftover\n"
        "resources: {cpu: '1'}\n",
        "# ECR with OIDC\n"
        "model_name: m   # keep me\n"
        "base_image:\n"
        f"  image: {ECR}/team/app:1.0\n"
        "  docker_auth:\n"
        "    auth_method: AWS_OIDC\n"
        f"    aws_oidc_role_arn: {ROLE}\n"
        "    aws_oidc_region: us-east-1  # wrong region\n"
        f"    registry: {ECR}\n"
        "resources: {cpu: '1'}\n",
    ),
    (
        "gcp-secret-and-registry",
        "base_image:\n"
        "    image: us-docker.pkg.dev/p/r/i:1\n"
        "    docker_auth:\n"
        "        auth_method: GCP_SERVICE_ACCOUNT_JSON\n"
        "        registry: https://us-docker.pkg.dev\n"
        "        secret_name: gcp-sa\n"
        "secrets:\n"
        "    hf_token: null\n",
        "base_image:\n"
        "    image: us-docker.pkg.dev/p/r/i:1\n"
        "    docker_auth:\n"
        "        auth_method: GCP_SERVICE_ACCOUNT_JSON\n"
        "        registry: us-docker.pkg.dev\n"
        "        secret_name: gcp-sa\n"
        "secrets:\n"
        "    hf_token: null\n"
        "    gcp-sa: null\n",
    ),
    (
        "hub-rename",
        "model_name: hub\n"
        "base_image:\n"
        "  image: acme/app:1.0\n"
        "secrets:\n"
        "  # the pull secret\n"
        "  DOCKER_REGISTRY_docker.io: null  # user:token, base64\n"
        "  hf_token: null\n",
        "model_name: hub\n"
        "base_image:\n"
        "  image: acme/app:1.0\n"
        "secrets:\n"
        "  # the pull secret\n"
        f"  {HUB_SECRET}: null  # user:token, base64\n"
        "  hf_token: null\n",
    ),
    (
        "ghcr-rename-flow",
        "base_image: {image: ghcr.io/acme/app:1.0}\n"
        "secrets: {'DOCKER_REGISTRY_https://ghcr.io': null}\n",
        "base_image: {image: ghcr.io/acme/app:1.0}\nsecrets: {'DOCKER_REGISTRY_ghcr.io': null}\n",
    ),
    (
        "iam-null-secrets-crlf",
        f"base_image:\r\n  image: {ECR}/a:1.0\r\n  docker_auth:\r\n    auth_method: AWS_IAM\r\n"
        f"    registry: {ECR}\r\nsecrets:\r\n",
        f"base_image:\r\n  image: {ECR}/a:1.0\r\n  docker_auth:\r\n    auth_method: AWS_IAM\r\n"
        f"    registry: {ECR}\r\nsecrets:\r\n  aws_access_key_id: null\r\n"
        "  aws_secret_access_key: null\r\n",
    ),
    (
        "secrets-null-only",
        "model_name: m\nsecrets:\nresources:\n  cpu: '1'\n",
        "model_name: m\nsecrets: {}\nresources:\n  cpu: '1'\n",
    ),
]


@pytest.fixture
def fix_tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name, before, _ in FIX_CASES:
        p = root / name / "config.yaml"
        p.parent.mkdir(parents=True)
        p.write_bytes(before.encode())
    # Never touched: a parse error, and duplicate keys next to a fixable finding.
    write(root / "zz-broken" / "config.yaml", "model_name: m\nsecrets:\nbase_image: [\n")
    write(root / "zz-dups" / "config.yaml", "model_name: a\nmodel_name: b\nsecrets:\n")
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("config.yaml")}


def test_fix_dry_run_prints_diffs_and_writes_nothing(fix_tree: Path) -> None:
    before = _snapshot(fix_tree)
    r = run_doctor(".", "--fix", "--dry-run", "--truss-version", "0.18.36", cwd=fix_tree)
    assert r.returncode == 1, r.stderr
    assert _snapshot(fix_tree) == before
    assert "--- a/hub-rename/config.yaml\n+++ b/hub-rename/config.yaml" in r.stdout
    assert f"+  {HUB_SECRET}: null  # user:token, base64" in r.stdout
    assert "zz-broken" not in r.stdout.split("---", 1)[1]
    assert "zz-dups" not in r.stdout.split("---", 1)[1]  # duplicate keys: never edited
    assert "dry run" in r.stderr


def test_fix_needs_yes_when_not_interactive(fix_tree: Path) -> None:
    before = _snapshot(fix_tree)
    r = run_doctor(".", "--fix", "--truss-version", "0.18.36", cwd=fix_tree)
    assert r.returncode == 2 and "--yes" in r.stderr
    assert _snapshot(fix_tree) == before


def test_declining_the_fix_writes_nothing(
    fix_tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from wizard.cli import output as report

    before = _snapshot(fix_tree)
    monkeypatch.chdir(fix_tree)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    asked: list[str] = []
    monkeypatch.setattr(report, "ask_yes", lambda q: asked.append(q) or False)
    assert call(".", "--fix", "--truss-version", "0.18.36") == 2
    assert asked and "Apply" in asked[0]
    assert _snapshot(fix_tree) == before
    assert "No changes were made" in capsys.readouterr().err


@pytest.mark.truss
def test_fix_round_trips_and_truss_loads_the_result(fix_tree: Path, truss_python: Path) -> None:
    from tests.test_truss_conformance import _truss_load

    before = _snapshot(fix_tree)
    r = run_doctor(".", "--fix", "--yes", "--truss-version", "0.18.36", cwd=fix_tree)
    assert r.returncode == 1, r.stdout + r.stderr  # zz-broken and zz-dups still have errors
    after = _snapshot(fix_tree)
    for name, _, expected in FIX_CASES:
        assert after[f"{name}/config.yaml"] == expected.encode(), name
    assert after["zz-broken/config.yaml"] == before["zz-broken/config.yaml"]
    assert after["zz-dups/config.yaml"] == before["zz-dups/config.yaml"]
    # Fixed files have no fixable finding left, and a second --fix changes nothing.
    report = doctor.diagnose([fix_tree], truss_version="0.18.36")
    assert not [d for f in report.files for d in f.findings if d.fixable]
    again = run_doctor(".", "--fix", "--yes", "--truss-version", "0.18.36", cwd=fix_tree)
    assert _snapshot(fix_tree) == after
    assert "nothing that --fix can change" in again.stderr
    # The real truss loads every fixed config with the intended auth and secrets.
    paths = [fix_tree / name / "config.yaml" for name, _, _ in FIX_CASES]
    loaded = _truss_load(truss_python, paths)
    problems = {str(p): loaded[str(p)]["error"] for p in paths if "error" in loaded[str(p)]}
    assert not problems, problems
    got = {Path(k).parent.name: v for k, v in loaded.items()}
    assert got["registry-and-region"]["docker_auth"]["registry"] == ECR
    assert got["registry-and-region"]["docker_auth"]["aws_oidc_region"] == "us-east-1"
    assert got["registry-and-region"]["docker_auth"]["secret_name"] is None
    assert got["gcp-secret-and-registry"]["secrets"] == {"hf_token": None, "gcp-sa": None}
    assert HUB_SECRET in got["hub-rename"]["secrets"]
    assert got["ghcr-rename-flow"]["secrets"] == {"DOCKER_REGISTRY_ghcr.io": None}
    assert set(got["iam-null-secrets-crlf"]["secrets"]) == {
        "aws_access_key_id",
        "aws_secret_access_key",
    }
    assert got["secrets-null-only"]["secrets"] == {}


def test_fix_refuses_a_file_changed_since_it_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "config.yaml", "model_name: m\nsecrets:\n")
    report = doctor.diagnose([path], truss_version="0.18.36")
    plans, notes = doctor.plan_fixes(report)
    assert not notes and len(plans) == 1
    path.write_text("model_name: changed\nsecrets:\n")
    from wizard.config.writer import ConfigChanged, write_config

    with pytest.raises(ConfigChanged):
        write_config(plans[0].doc, plans[0].new_text)


# --------------------------------------------------------------------------- live


@pytest.fixture
def registry() -> Iterator[Any]:
    """A real registry without auth, serving acme/app:1.0 and acme/app:latest."""
    from tests.e2e.registry_server import RegistryServer, find_registry_binary, push_image

    if find_registry_binary() is None:
        unavailable("docker-registry is not installed (apt-get install docker-registry)")
    server = RegistryServer("none").start()
    try:
        push_image(server, "acme/app", "1.0", "oci")
        server.latest = push_image(server, "acme/app", "latest", "docker", salt="l")
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_registry() -> Iterator[Any]:
    from tests.e2e.registry_server import RegistryServer, find_registry_binary, push_image

    if find_registry_binary() is None:
        unavailable("docker-registry is not installed (apt-get install docker-registry)")
    server = RegistryServer("htpasswd", users={"octocat": "s3cret-pass"}).start()
    try:
        push_image(server, "my-project/repo/app", "1.0", "oci")
        push_image(server, "acme/app", "1.0", "oci")
        yield server
    finally:
        server.stop()


def _live_rules(report: doctor.DoctorReport) -> dict[str, list[tuple[str, str]]]:
    return {
        f.path.parent.name: [(d.rule, d.severity.value) for d in f.findings] for f in report.files
    }


def test_live_pulls_each_image_once_and_reports_per_file(
    tmp_path: Path,
    registry: Any,
    private_registry: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wizard.verify import service

    monkeypatch.setenv(
        "REGISTRY_WIZARD_ENDPOINTS",
        json.dumps({"ghcr.io": registry.url, "us-docker.pkg.dev": private_registry.url}),
    )
    for name in ("one", "two"):  # the same image twice: one check
        write(tmp_path / name / "config.yaml", "base_image:\n  image: ghcr.io/acme/app:1.0\n")
    write(tmp_path / "latest" / "config.yaml", "base_image:\n  image: ghcr.io/acme/app\n")
    write(tmp_path / "missing" / "config.yaml", "base_image:\n  image: ghcr.io/acme/app:2.0\n")
    write(tmp_path / "down" / "config.yaml", "base_image:\n  image: 127.0.0.1:9/acme/app:1\n")
    write(tmp_path / "private" / "config.yaml", f"base_image:\n  image: {GAR}\n")
    checked: list[list[str]] = []
    real = service.check_many

    async def spy(items: Any, options: Any, concurrency: int = 16) -> Any:
        checked.append(sorted(str(i.ref) for i in items))
        return await real(items, options, concurrency)

    monkeypatch.setattr(service, "check_many", spy)
    report = doctor.diagnose([tmp_path], truss_version="0.18.36")
    doctor.run_live(report, doctor.LiveOptions(timeout=5, use_baseten=False))
    assert len(checked) == 1 and len(checked[0]) == 5  # one batch, each image once
    rules = _live_rules(report)
    assert rules["one"] == rules["two"] == []
    (latest,) = [d for f in report.files for d in f.findings if d.rule == "latest-tag"]
    assert latest.fix == f"pin the digest: image: ghcr.io/acme/app@{registry.latest}"
    assert rules["missing"] == [("pull-failed", "error")]
    # A registry on a loopback address: Baseten could not reach it either.
    assert sorted(rules["down"]) == [
        ("pull-unchecked", "warning"),
        ("registry-unreachable", "warning"),
    ]
    # Private and no auth configured: the definite live error replaces the guess.
    assert rules["private"] == [("pull-failed", "error")]
    (private,) = [d for f in report.files for d in f.findings if f.path.parent.name == "private"]
    assert "anonymously" in private.message and private.line == 2


def test_live_docker_config_checks_token_configs(
    tmp_path: Path, private_registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    monkeypatch.setenv("REGISTRY_WIZARD_ENDPOINTS", json.dumps({"quay.io": private_registry.url}))
    config = tmp_path / "p" / "config.yaml"
    write(
        config,
        "base_image:\n  image: quay.io/acme/app:1.0\nsecrets:\n  DOCKER_REGISTRY_quay.io: null\n",
    )
    report = doctor.diagnose([tmp_path], truss_version="0.18.36")
    doctor.run_live(report, doctor.LiveOptions(timeout=5, use_baseten=False))
    assert any("pass --docker-config" in n for n in report.notes)
    assert _live_rules(report)["p"] == []

    docker = tmp_path / "docker.json"
    good = base64.b64encode(b"octocat:s3cret-pass").decode()
    docker.write_text(json.dumps({"auths": {"quay.io": {"auth": good}}}))
    opts = doctor.LiveOptions(
        timeout=5, use_baseten=False, use_docker_config=True, docker_config=docker
    )
    report = doctor.diagnose([tmp_path], truss_version="0.18.36")
    doctor.run_live(report, opts)
    assert _live_rules(report)["p"] == []
    assert not report.notes

    bad = base64.b64encode(b"octocat:wrong-pass").decode()
    docker.write_text(json.dumps({"auths": {"quay.io": {"auth": bad}}}))
    report = doctor.diagnose([tmp_path], truss_version="0.18.36")
    doctor.run_live(report, opts)
    assert _live_rules(report)["p"] == [("pull-failed", "error")]
    (d,) = report.files[0].findings
    assert "bad credentials" in d.message and "docker login" in d.message


def test_live_looks_secrets_up_in_baseten_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.standins import BasetenStandIn
    from wizard.doctor import live

    write(
        tmp_path / "a" / "config.yaml",
        "model_name: a\nsecrets:\n  hf_token: null\n  present: null\n",
    )
    write(
        tmp_path / "b" / "config.yaml",
        f"base_image:\n  image: {ECR}/a:1\n  docker_auth:\n    auth_method: AWS_IAM\n"
        f"    registry: {ECR}\nsecrets:\n  aws_access_key_id: null\n"
        "  aws_secret_access_key: null\n",
    )
    with BasetenStandIn(secrets={"present": "x", "aws_access_key_id": "y"}) as baseten:
        for k, v in baseten.env(with_key=True).items():
            monkeypatch.setenv(k, v)
        monkeypatch.setattr(live, "_plan_live", lambda *a: None)  # no AWS here
        report = doctor.diagnose([tmp_path], truss_version="0.18.36")
        doctor.run_live(report, doctor.LiveOptions(timeout=5))
        lookups = [r for r in baseten.requests if r.method == "GET"]
    assert len(lookups) == 1
    by_file = {
        f.path.parent.name: [
            (d.rule, d.severity.value, d.path[-1])
            for d in f.findings
            if d.rule == "baseten-secret-missing"
        ]
        for f in report.files
    }
    assert by_file["a"] == [("baseten-secret-missing", "warning", "hf_token")]
    assert by_file["b"] == [("baseten-secret-missing", "error", "aws_secret_access_key")]


def test_live_without_a_baseten_key_notes_it(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", "model_name: a\nsecrets:\n  hf_token: null\n")
    report = doctor.diagnose([tmp_path], truss_version="0.18.36")
    doctor.run_live(report, doctor.LiveOptions(timeout=5))
    assert any("no Baseten API key" in n for n in report.notes)
    assert not report.has_errors


def test_live_cloud_checks_run_once_per_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard.guide import service
    from wizard.model.facts import ItemStatus, SetupItem

    for name in ("one", "two"):
        write(tmp_path / name / "config.yaml", _oidc())
    calls: list[Any] = []

    def cloud_check(ctx: Any, *, profile: str | None = None) -> list[SetupItem]:
        calls.append((ctx.method.id, ctx.answers, ctx.facts.org_id, ctx.facts.team_id))
        return [
            SetupItem("role", ItemStatus.OK, "the role exists"),
            SetupItem(
                "trust-policy",
                ItemStatus.PROBLEM,
                "no statement trusts Baseten",
                "aws iam update-assume-role-policy ...",
            ),
            SetupItem("ecr-policy", ItemStatus.UNKNOWN, "no permission to read it"),
        ]

    monkeypatch.setattr(service, "cloud_check", cloud_check)
    report = doctor.diagnose([tmp_path], truss_version="0.18.36")
    opts = doctor.LiveOptions(timeout=5, facts={"org-id": "org1", "team-id": "team1"})
    doctor.run_live(report, opts)
    assert calls == [("oidc", {"role-arn": ROLE, "region": "us-east-1"}, "org1", "team1")]
    for f in report.files:
        assert [(d.rule, d.severity.value, d.line) for d in f.findings] == [
            ("cloud-setup", "error", 5),
            ("cloud-unchecked", "warning", 5),
        ]
    assert "trust-policy" in report.files[0].findings[0].message


def test_live_cloud_checks_read_baseten_facts_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.standins import BasetenStandIn
    from wizard.guide import service

    for name in ("one", "two"):
        write(tmp_path / name / "config.yaml", _oidc(f"secrets:\n  s{name}: null\n"))
    write(tmp_path / "gcp" / "config.yaml", _oidc().replace("team/app", "other/app"))
    seen: list[tuple[str | None, str | None]] = []

    def cloud_check(ctx: Any, *, profile: str | None = None) -> list[Any]:
        seen.append((ctx.facts.org_id, ctx.facts.team_id))
        return []

    monkeypatch.setattr(service, "cloud_check", cloud_check)
    with BasetenStandIn(secrets={"sone": "x", "stwo": "y"}) as baseten:
        for k, v in baseten.env(with_key=True).items():
            monkeypatch.setenv(k, v)
        report = doctor.diagnose([tmp_path], truss_version="0.18.36")
        doctor.run_live(report, doctor.LiveOptions(timeout=5))
        graphql = [r for r in baseten.requests if r.path.startswith("/graphql")]
    assert len(graphql) == 1
    assert seen == [("Mvg9jrRd", "AviIZ0y3")] * 2  # two distinct images, one fact lookup
    assert not report.has_errors and not report.notes


def test_live_through_the_cli(tmp_path: Path, registry: Any) -> None:
    write(tmp_path / "config.yaml", "base_image:\n  image: ghcr.io/acme/app:2.0\n")
    env = _env(REGISTRY_WIZARD_ENDPOINTS=json.dumps({"ghcr.io": registry.url}))
    r = run_doctor("--live", "--no-baseten", "--format", "json", cwd=tmp_path, env=env)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["live"] is True
    assert [f["rule"] for f in data["files"][0]["findings"]] == ["pull-failed"]


# --------------------------------------------------------------------------- house rules


def test_every_rule_is_documented_and_covered() -> None:
    live = {
        "pull-failed",
        "pull-unchecked",
        "cloud-setup",
        "cloud-unchecked",
        "baseten-secret-missing",
    }
    # Facts come from flags, never from config.yaml: tests/hostile/test_flags.py has them.
    flags_only = {"baseten-id-invalid", "external-id-invalid", "project-number-invalid"}
    covered = {s[0] for s in STATIC} | live | flags_only | {"unreadable", "dir-unreadable"}
    assert covered == set(doctor.RULES)


def test_registering_doctor_stays_import_light() -> None:
    code = (
        "import argparse, json, sys\n"
        "from wizard.cli.doctor import add_parser\n"
        "p = argparse.ArgumentParser(); add_parser(p.add_subparsers())\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = {m.split(".")[0] for m in json.loads(out)}
    heavy = {"ruamel", "yaml", "httpx", "boto3", "google", "rich", "textual", "questionary"}
    assert loaded.isdisjoint(heavy), loaded & heavy


def test_static_doctor_imports_no_ui_and_no_ruamel(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", _oidc())
    code = (
        "import json, sys\n"
        "from wizard.cli.doctor import main\n"
        f"main([{str(tmp_path)!r}, '--format', 'json'])\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    loaded = {m.split(".")[0] for m in json.loads(r.stderr.strip().splitlines()[-1])}
    assert loaded.isdisjoint({"ruamel", "textual", "questionary", "httpx", "boto3"})


def test_every_rule_the_checker_can_emit_has_sarif_help() -> None:
    """A rule without an entry in doctor.RULES would crash the SARIF output."""
    import re as _re

    from wizard import doctor
    from wizard.model import rules as _rules

    package = sorted(Path(doctor.__file__).parent.glob("*.py"))
    source = Path(_rules.__file__).read_text() + "".join(p.read_text() for p in package)
    emitted = set(
        _re.findall(
            r'"([a-z]+(?:-[a-z]+)+)",\s*(?:Severity|\n\s*Severity|"error"|'
            r'"warning"|"info")',
            source,
        )
    )
    emitted |= set(_re.findall(r'_err\(\s*"([a-z-]+)"', source))
    assert emitted, "the pattern found no rule ids"
    assert emitted <= set(doctor.RULES), emitted - set(doctor.RULES)


def test_aliases_of_aliases_and_an_alias_in_its_own_anchor_are_read_once(
    tmp_path: Path,
) -> None:
    """A 500-byte file of aliases that names 10^9 nodes, and `x: &r [*r]` (PyYAML, and
    so truss, loads both): doctor reads each node once, and says the files are fine."""
    lines = ["model_name: m", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    bomb = write(tmp_path / "bomb" / "config.yaml", "\n".join(lines) + "\n")
    loop = write(tmp_path / "loop" / "config.yaml", "model_name: m\nx: &r [*r]\n")
    start = time.monotonic()
    r = run_doctor(str(bomb), str(loop), "--format", "json", "--no-baseten")
    assert time.monotonic() - start < 20
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert json.loads(r.stdout)["summary"]["files"] == 2
