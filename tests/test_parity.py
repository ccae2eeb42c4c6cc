"""One rulebook, read everywhere: for each rule, one bad input gives the same code from
`setup` (exit 1, naming the flag), `doctor` (on the line that holds the value), and the
flow's validator; and where the fix is certain, `setup` and `doctor --fix` write the
same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard import doctor
from wizard.cli import main
from wizard.config.plan import SetupError, SetupRequest, plan_setup
from wizard.flow import Flow
from wizard.model import rules

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
ECR_IMAGE = f"{ECR}/team/app:1.0"
ROLE = "arn:aws:iam::123456789012:role/pull"
GAR_IMAGE = "us-docker.pkg.dev/my-project/repo/app:1.0"
SA = "puller@my-project.iam.gserviceaccount.com"
PROVIDER = "projects/123456/locations/global/workloadIdentityPools/pool/providers/prov"
BASE = "model_name: m  # a comment that stays\nresources:\n  cpu: '1'\n"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("BASETEN_API_KEY", "AWS_PROFILE", "AWS_ACCESS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))
    monkeypatch.setenv("NO_COLOR", "1")


def _setup(config: Path, *args: str) -> int:
    return main(["setup", "--config", str(config), "--yes", "--no-baseten", *args])


def _written(tmp_path: Path, name: str, *args: str) -> str:
    """config.yaml as `setup` writes it from BASE with these flags."""
    config = tmp_path / name / "config.yaml"
    config.parent.mkdir()
    config.write_text(BASE)
    assert _setup(config, *args) == 0
    return config.read_text()


# --------------------------------------------------------------------------- refusals

OIDC = ("--image", ECR_IMAGE, "--method", "oidc", "--role-arn", ROLE)
GCP = ("--image", GAR_IMAGE, "--method", "oidc", "--service-account", SA)

# (rule, good flags, flag, bad value, the config line's key, its good value)
REFUSED = [
    ("role-arn-invalid", OIDC, "--role-arn", "role/pull", "aws_oidc_role_arn", ROLE),
    ("region-invalid", OIDC, "--region", "useast1", "aws_oidc_region", "us-east-1"),
    ("ecr-region-mismatch", OIDC, "--region", "eu-west-1", "aws_oidc_region", "us-east-1"),
    ("service-account-invalid", GCP, "--service-account", "puller", "gcp_oidc_service_account", SA),
    (
        "workload-provider-invalid",
        GCP,
        "--workload-provider",
        "pool/prov",
        "gcp_oidc_workload_id_provider",
        PROVIDER,
    ),
    (
        "workload-provider-project-id",
        GCP,
        "--workload-provider",
        "projects/my-proj/locations/global/workloadIdentityPools/pool/providers/prov",
        "gcp_oidc_workload_id_provider",
        PROVIDER,
    ),
    (
        "secret-name-invalid",
        ("--image", GAR_IMAGE, "--method", "service-account"),
        "--secret-name",
        "my key!",
        "secret_name",
        "gcp-service-account",
    ),
]


def _values(good: tuple[str, ...], flag: str, value: str) -> dict[str, str]:
    pairs = dict(zip(good[::2], good[1::2], strict=True))
    pairs[flag] = value
    return {k[2:]: v for k, v in pairs.items() if k not in ("--image", "--method")}


@pytest.mark.parametrize(
    ("rule", "good", "flag", "bad", "key", "value"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_setup_doctor_and_the_flow_refuse_with_one_code(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rule: str,
    good: tuple[str, ...],
    flag: str,
    bad: str,
    key: str,
    value: str,
) -> None:
    assert rule in rules.RULES
    # setup: exit 1 naming the flag, the file untouched, the rule's code
    config = tmp_path / "config.yaml"
    config.write_text(BASE)
    flags = dict(zip(good[::2], good[1::2], strict=True))
    flags[flag] = bad
    args = [x for kv in flags.items() for x in kv]
    code = main(["setup", "--config", str(config), "--dry-run", *args])
    assert code == 1
    assert flag in capsys.readouterr().err
    assert config.read_text() == BASE
    values = _values(good, flag, bad)
    if key.startswith("gcp_") and "workload-provider" not in values:
        values["workload-provider"] = PROVIDER
    with pytest.raises(SetupError) as refused:
        plan_setup(SetupRequest(config, None, flags["--method"], flags["--image"], values))
    assert refused.value.rule == rule

    # doctor: the same code on the line that holds the value
    written = _written(tmp_path, "written", *good, *_gcp_rest(good, flag))
    line_no, line = next(
        (i, ln) for i, ln in enumerate(written.splitlines(), 1) if ln.strip().startswith(key)
    )
    assert value in line
    broken = tmp_path / "broken" / "config.yaml"
    broken.parent.mkdir()
    broken.write_text(written.replace(line, line.replace(value, repr(bad) if " " in bad else bad)))
    report = doctor.diagnose([broken], truss_version="0.18.36")
    found = [(d.rule, d.line) for d in report.files[0].findings]
    assert (rule, line_no) in found, found

    # the flow's validator, as the TUI and the plain prompts show it
    presets = {"image": flags["--image"], "method": flags["--method"], flag[2:]: bad}
    refusals = Flow(config, presets=presets).preset_errors()
    problem = rules.check_field(flag[2:], bad)
    said = [m for m in refusals if m.startswith(flag)]
    assert said, refusals
    assert problem is None or problem.message in said[0]


def _gcp_rest(good: tuple[str, ...], flag: str) -> tuple[str, ...]:
    """The GCP OIDC flags besides `good` that a complete setup needs."""
    return ("--workload-provider", PROVIDER) if good == GCP else ()


# --------------------------------------------------------------------------- certain fixes


def _break(text: str, old: str, new: str) -> str:
    assert old in text, (old, text)
    return text.replace(old, new, 1)


# (rule, setup flags, how to break what setup writes)
FIXED = [
    ("ecr-region-mismatch", OIDC, ("aws_oidc_region: us-east-1", "aws_oidc_region: eu-west-1")),
    (
        "registry-mismatch",
        OIDC,
        (f"registry: {ECR}", "registry: 123456789012.dkr.ecr.us-west-2.amazonaws.com"),
    ),
    ("registry-missing", OIDC, (f"    registry: {ECR}\n", "")),
    (
        "forbidden-field",
        OIDC,
        ("auth_method: AWS_OIDC\n", "auth_method: AWS_OIDC\n    secret_name: x\n"),
    ),
    ("secrets-null", OIDC, ("resources:", "secrets:\nresources:")),
    (
        "secret-value-in-file",
        ("--image", "ghcr.io/acme/llm:1.2"),
        (
            "DOCKER_REGISTRY_ghcr.io: null",
            "DOCKER_REGISTRY_ghcr.io: ghp_0123456789abcdefghijABCDEF",
        ),
    ),
    (
        "registry-secret-name",
        ("--image", "ghcr.io/acme/llm:1.2"),
        ("DOCKER_REGISTRY_ghcr.io: null", "DOCKER_REGISTRY_https://ghcr.io: null"),
    ),
    (
        "secret-undeclared",
        ("--image", ECR_IMAGE, "--method", "iam"),
        ("  aws_access_key_id: null\n", ""),
    ),
]


@pytest.mark.parametrize(("rule", "flags", "change"), FIXED, ids=[f[0] for f in FIXED])
def test_setup_and_doctor_fix_repair_to_the_same_bytes(
    tmp_path: Path, rule: str, flags: tuple[str, ...], change: tuple[str, str]
) -> None:
    good = _written(tmp_path, "good", *flags)
    broken = _break(good, *change)
    by_setup = tmp_path / "setup" / "config.yaml"
    by_doctor = tmp_path / "doctor" / "config.yaml"
    for path in (by_setup, by_doctor):
        path.parent.mkdir()
        path.write_text(broken)
    report = doctor.diagnose([by_doctor], truss_version="0.18.36")
    found = [d for d in report.files[0].findings if d.rule == rule]
    assert found and found[0].fixable, report.files[0].findings
    setup_flags = [f for f in flags if f not in ("--role-arn", ROLE)]  # the file has the role
    assert _setup(by_setup, *setup_flags) == 0
    assert main(["doctor", str(by_doctor), "--fix", "--yes"]) in (0, 1)
    assert by_setup.read_text() == by_doctor.read_text(), (
        by_setup.read_text(),
        by_doctor.read_text(),
    )
    again = doctor.diagnose([by_doctor], truss_version="0.18.36")
    assert rule not in {d.rule for d in again.files[0].findings}


# --------------------------------------------------------------------------- found by attack


def _ecr_oidc(tmp_path: Path, name: str = "base") -> str:
    return _written(tmp_path, name, *OIDC)


# (expected rule, the role ARN line's new value in config.yaml)
ODD_VALUES = [
    ("required-field", '"   "'),
    ("role-arn-invalid", "12345"),
    ("role-arn-invalid", "[a, b]"),
    ("role-arn-invalid", "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/x"),  # Unicode digits
]


@pytest.mark.parametrize(("rule", "value"), ODD_VALUES, ids=[v for _, v in ODD_VALUES])
def test_odd_values_in_the_file_get_one_code_from_setup_and_doctor(
    tmp_path: Path, rule: str, value: str
) -> None:
    text = _ecr_oidc(tmp_path).replace(ROLE, value)
    config = tmp_path / "config.yaml"
    config.write_text(text)
    with pytest.raises(SetupError) as refused:
        plan_setup(SetupRequest(config, None, "oidc", None, {}))
    assert refused.value.rule == rule
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "aws_oidc_role_arn" in ln)
    assert f"{config}:{line}" in refused.value.message
    report = doctor.diagnose([config], truss_version="0.18.36")
    assert (rule, line) in [(d.rule, d.line) for d in report.files[0].findings]
    assert config.read_text() == text


def test_a_yaml_boolean_secret_name_is_refused_by_both(tmp_path: Path) -> None:
    good = _written(tmp_path, "good", "--image", GAR_IMAGE, "--method", "service-account")
    text = good.replace("secret_name: gcp-service-account", "secret_name: true")
    config = tmp_path / "config.yaml"
    config.write_text(text)
    with pytest.raises(SetupError) as refused:
        plan_setup(SetupRequest(config, None, "service-account", None, {}))
    assert refused.value.rule == "secret-name-invalid"
    report = doctor.diagnose([config], truss_version="0.18.36")
    assert "secret-name-invalid" in {d.rule for d in report.files[0].findings}


# (rule, setup flags, how to break what setup writes)
MORE_FIXED = [
    ("region-invalid", OIDC, ("aws_oidc_region: us-east-1", "aws_oidc_region: US-EAST-1")),
    ("required-field", OIDC, ("aws_oidc_region: us-east-1", 'aws_oidc_region: "  "')),
    (
        "other-method-field",
        OIDC,
        ("auth_method: AWS_OIDC\n", "auth_method: AWS_OIDC\n    gcp_oidc_service_account: ''\n"),
    ),
]


@pytest.mark.parametrize(("rule", "flags", "change"), MORE_FIXED, ids=[f[0] for f in MORE_FIXED])
def test_more_repairs_to_the_same_bytes(
    tmp_path: Path, rule: str, flags: tuple[str, ...], change: tuple[str, str]
) -> None:
    test_setup_and_doctor_fix_repair_to_the_same_bytes(tmp_path, rule, flags, change)


def test_two_misspellings_of_one_registry_are_fixed_by_renaming_one(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    text = (
        "model_name: m\nbase_image:\n  image: acme/app:1.0\nsecrets:\n"
        '  "DOCKER_REGISTRY_index.docker.io": null\n  DOCKER_REGISTRY_docker.io: null\n'
    )
    config.write_text(text)
    assert main(["doctor", str(config), "--fix", "--yes"]) in (0, 1)
    fixed = config.read_text()
    assert fixed != text
    assert "DOCKER_REGISTRY_https://index.docker.io/v1/" in fixed
    again = doctor.diagnose([config], truss_version="0.18.36")
    left = {(d.rule, d.severity.value) for d in again.files[0].findings}
    assert ("registry-secret-name", "error") not in left


def test_a_fix_that_cannot_be_written_is_not_success(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    text = "model_name: m\nsecrets:\n  hf_access_token: set token in baseten workspace\n"
    config.write_text(text)
    config.chmod(0o444)
    try:
        assert main(["doctor", str(config), "--fix", "--yes"]) == 1
    finally:
        config.chmod(0o644)
    assert config.read_text() == text


def test_invalid_yaml_is_placed_on_one_line_by_setup_and_doctor(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\nresources:\n  cpu: '1'\n  memory: 2Gi\n  x: 1\n oops: [\n")
    from wizard.config.document import ConfigError, read_config

    with pytest.raises(ConfigError) as refused:
        read_config(config)
    report = doctor.diagnose([config], truss_version="0.18.36")
    (finding,) = report.files[0].findings
    assert finding.rule == "yaml-invalid"
    assert f":{finding.line}" in str(refused.value) or f"line {finding.line}" in str(refused.value)


SECRET_SHAPES = [
    '"ghp_AAAA\\x42BBBBccccdddd1234"',  # an escape: the parsed value differs from the text
    ">-\n    hf_CANARYPARTONEabcdefghijklmnop\n    CANARYPARTTWO",
    "|\n    line1CANARYvalue\n    line2",
    "{user: octocat, token: ghp_CANARYxxxxxxxxxxxx}",
    "'it''sCANARYvalue'",
]


@pytest.mark.parametrize("shape", SECRET_SHAPES)
def test_no_diff_shows_a_secret_value_however_it_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    config = tmp_path / "config.yaml"
    text = f"model_name: m\nsecrets:\n  DOCKER_REGISTRY_ghcr.io: {shape}\n  other: {shape}\n"
    config.write_text(text)
    main(["setup", "--config", str(config), "--image", "ghcr.io/a/b:1", "--dry-run"])
    main(["doctor", str(config), "--fix", "--dry-run"])
    main(["doctor", str(config), "--format", "json"])
    main(["doctor", str(config), "--format", "sarif"])
    out = capsys.readouterr()
    printed = out.out + out.err
    for word in ("CANARY", "AAAA"):
        assert word not in printed, printed
    assert "<secret value," in printed
    assert config.read_text() == text
