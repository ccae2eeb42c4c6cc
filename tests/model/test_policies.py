"""The policy and command generators: exact statements, valid JSON, goldens."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from wizard.model import policies as pol
from wizard.model.facts import subject

GOLDEN = Path(__file__).parents[1] / "guide" / "golden"  # shared with the guide goldens

ACCOUNT = "123456789012"
ORG, TEAM = "abc123", "team456"
BASETEN_ROLE = "arn:aws:iam::999999999999:role/baseten-image-puller"
EXTERNAL_ID = "ext-7f3a9c"


def assert_golden(name: str, text: str, directory: Path = GOLDEN) -> None:
    """Compare with `directory/name`; rewrite it instead only when UPDATE_GOLDEN=1."""
    path = directory / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"missing golden {path}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs: UPDATE_GOLDEN=1 to accept"


def test_golden_only_written_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    with pytest.raises(AssertionError, match="missing golden"):
        assert_golden("x.md", "new", tmp_path)
    assert not (tmp_path / "x.md").exists()
    (tmp_path / "x.md").write_text("old")
    with pytest.raises(AssertionError, match="differs"):
        assert_golden("x.md", "new", tmp_path)
    assert (tmp_path / "x.md").read_text() == "old"
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    assert_golden("x.md", "new", tmp_path)
    assert (tmp_path / "x.md").read_text() == "new"


# --- placeholders ------------------------------------------------------------------------


def test_placeholder_convention() -> None:
    assert pol.placeholder("org_id") == "<ORG_ID>"
    assert pol.placeholder("org-id") == "<ORG_ID>"
    assert pol.placeholder("PROJECT_NUMBER") == "<PROJECT_NUMBER>"
    assert pol.is_placeholder("<ORG_ID>")
    assert not pol.is_placeholder("x<ORG_ID>")
    assert not pol.is_placeholder("<region>")  # lower case is prose, not a marker
    assert pol.find_placeholders("a <B> c <D_2> <B>") == ["<B>", "<D_2>"]
    with pytest.raises(ValueError):
        pol.placeholder("org id")


def test_sh_leaves_placeholders_bare_and_quotes_the_rest() -> None:
    assert pol.sh("<ROLE_NAME>") == "<ROLE_NAME>"
    assert pol.sh("baseten-ecr-pull") == "baseten-ecr-pull"
    assert pol.sh("a b") == "'a b'"
    assert pol.sh("x/*") == "'x/*'"


# --- trust and permission policies -------------------------------------------------------


def test_oidc_trust_policy_statement() -> None:
    doc = pol.oidc_trust_policy(ACCOUNT, ORG, TEAM)
    assert doc == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.baseten.co"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"oidc.baseten.co:aud": "oidc.baseten.co"},
                    "StringLike": {"oidc.baseten.co:sub": f"v=1:org={ORG}:team={TEAM}:*"},
                },
            }
        ],
    }


@pytest.mark.parametrize(
    ("options", "sub"),
    [
        (
            {"workload_type": "model_build"},
            "v=1:org=abc123:team=team456:model=*:deployment=*:environment=*:type=model_build",
        ),
        (
            {"model": "m1"},
            "v=1:org=abc123:team=team456:model=m1:deployment=*:environment=*:type=*",
        ),
        (
            {"environment": "production", "workload_type": "model_build"},
            "v=1:org=abc123:team=team456:model=*:deployment=*:environment=production"
            ":type=model_build",
        ),
    ],
)
def test_oidc_trust_policy_narrowed(options: dict[str, str], sub: str) -> None:
    doc = pol.oidc_trust_policy(ACCOUNT, ORG, TEAM, **options)
    condition = doc["Statement"][0]["Condition"]
    assert condition["StringLike"] == {"oidc.baseten.co:sub": sub}
    assert condition["StringEquals"] == {"oidc.baseten.co:aud": "oidc.baseten.co"}


def test_narrowed_subject_is_the_facts_subject() -> None:
    narrowed = pol.oidc_subject_pattern(ORG, TEAM, workload_type="model_build")
    assert narrowed == subject(ORG, TEAM)


def test_oidc_trust_policy_partition() -> None:
    doc = pol.oidc_trust_policy(ACCOUNT, ORG, TEAM, partition="aws-cn")
    federated = doc["Statement"][0]["Principal"]["Federated"]
    assert federated == f"arn:aws-cn:iam::{ACCOUNT}:oidc-provider/oidc.baseten.co"


def test_assume_role_trust_policy_statement() -> None:
    assert pol.assume_role_trust_policy(BASETEN_ROLE, EXTERNAL_ID) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": BASETEN_ROLE},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
            }
        ],
    }


def test_ecr_read_policy_statements() -> None:
    doc = pol.ecr_read_policy(ACCOUNT, "us-east-1", "team/app")
    assert doc == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                ],
                "Resource": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/team/app",
            },
        ],
    }
    cn = pol.ecr_read_policy(ACCOUNT, "cn-north-1", "app", partition="aws-cn")
    assert cn["Statement"][1]["Resource"] == f"arn:aws-cn:ecr:cn-north-1:{ACCOUNT}:repository/app"


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        (None, "aws"),
        ("us-east-1", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("<AWS_REGION>", "aws"),
    ],
)
def test_aws_partition(region: str | None, partition: str) -> None:
    assert pol.aws_partition(region) == partition


def test_policy_json_is_valid_json_even_with_placeholders() -> None:
    doc = pol.oidc_trust_policy(
        pol.placeholder("aws_account_id"), pol.placeholder("org_id"), pol.placeholder("team_id")
    )
    text = pol.policy_json(doc)
    assert text.endswith("}\n")
    assert json.loads(text) == doc
    assert pol.find_placeholders(text) == ["<AWS_ACCOUNT_ID>", "<ORG_ID>", "<TEAM_ID>"]


# --- commands ----------------------------------------------------------------------------


def _joined(commands: list[str]) -> str:
    return "\n".join(commands).replace(" \\\n    ", " ")


def test_oidc_role_commands() -> None:
    text = _joined(pol.oidc_role_commands("baseten-ecr-pull"))
    assert (
        "aws iam create-open-id-connect-provider --url https://oidc.baseten.co "
        "--client-id-list oidc.baseten.co\n" in text
    )
    assert "--thumbprint-list" not in text
    assert (
        "aws iam create-role --role-name baseten-ecr-pull "
        "--assume-role-policy-document file://trust-policy.json" in text
    )
    assert (
        "aws iam put-role-policy --role-name baseten-ecr-pull --policy-name baseten-ecr-read "
        "--policy-document file://ecr-read-policy.json" in text
    )


def test_assume_role_commands_skip_the_oidc_provider() -> None:
    text = _joined(pol.assume_role_commands("r"))
    assert "open-id-connect" not in text
    assert "aws iam create-role --role-name r" in text


def test_iam_user_commands() -> None:
    text = _joined(pol.iam_user_commands("puller"))
    assert "aws iam create-user --user-name puller" in text
    assert "aws iam put-user-policy --user-name puller" in text
    assert "aws iam create-access-key --user-name puller" in text


GCLOUD_ARGS = {
    "project_id": "my-project",
    "project_number": "123456789",
    "location": "us-central1",
    "repository": "my-repo",
    "service_account": "baseten-puller@my-project.iam.gserviceaccount.com",
    "pool": "baseten-pool",
    "provider": "baseten-oidc",
    "org_id": ORG,
    "team_id": TEAM,
}


def test_gcloud_commands() -> None:
    text = _joined(pol.gcloud_commands(**GCLOUD_ARGS))
    assert "gcloud iam service-accounts create baseten-puller --project=my-project" in text
    assert (
        "gcloud artifacts repositories add-iam-policy-binding my-repo --project=my-project "
        "--location=us-central1 "
        "--member=serviceAccount:baseten-puller@my-project.iam.gserviceaccount.com "
        "--role=roles/artifactregistry.reader" in text
    )
    assert "gcloud iam workload-identity-pools create baseten-pool" in text
    assert (
        "providers create-oidc baseten-oidc --project=my-project --location=global "
        "--workload-identity-pool=baseten-pool --issuer-uri=https://oidc.baseten.co "
        "--allowed-audiences=oidc.baseten.co --attribute-mapping=google.subject=assertion.sub "
        "--attribute-condition=\"google.subject.startsWith('v=1:org=abc123:team=team456:')\""
        in text
    )
    assert (
        "--role=roles/iam.workloadIdentityUser --member='principalSet://iam.googleapis.com/"
        "projects/123456789/locations/global/workloadIdentityPools/baseten-pool/*'" in text
    )
    # The project ID is for --project; the pool's principal uses the project NUMBER.
    assert "projects/my-project/" not in text


def test_workload_provider_path_uses_the_project_number() -> None:
    assert pol.workload_provider_path("123456789", "baseten-pool", "baseten-oidc") == (
        "projects/123456789/locations/global/workloadIdentityPools/baseten-pool"
        "/providers/baseten-oidc"
    )


def test_gcloud_commands_with_placeholders_keep_them_visible() -> None:
    args = {k: pol.placeholder(k) for k in GCLOUD_ARGS}
    text = "\n".join(pol.gcloud_commands(**args))
    for name in GCLOUD_ARGS:
        assert pol.placeholder(name) in text


# --- goldens -----------------------------------------------------------------------------

_UNKNOWN = pol.placeholder


POLICY_GOLDENS: dict[str, str] = {
    "oidc-trust-policy.json": pol.policy_json(pol.oidc_trust_policy(ACCOUNT, ORG, TEAM)),
    "oidc-trust-policy.model-build.json": pol.policy_json(
        pol.oidc_trust_policy(ACCOUNT, ORG, TEAM, workload_type="model_build")
    ),
    "oidc-trust-policy.unknown.json": pol.policy_json(
        pol.oidc_trust_policy(_UNKNOWN("aws_account_id"), _UNKNOWN("org_id"), _UNKNOWN("team_id"))
    ),
    "assume-role-trust-policy.json": pol.policy_json(
        pol.assume_role_trust_policy(BASETEN_ROLE, EXTERNAL_ID)
    ),
    "assume-role-trust-policy.unknown.json": pol.policy_json(
        pol.assume_role_trust_policy(_UNKNOWN("baseten_role_arn"), _UNKNOWN("external_id"))
    ),
    "ecr-read-policy.json": pol.policy_json(pol.ecr_read_policy(ACCOUNT, "us-east-1", "team/app")),
    "ecr-read-policy.unknown.json": pol.policy_json(
        pol.ecr_read_policy(
            _UNKNOWN("aws_account_id"), _UNKNOWN("aws_region"), _UNKNOWN("repository")
        )
    ),
    "aws-oidc-commands.sh": "\n".join(pol.oidc_role_commands("baseten-ecr-pull")) + "\n",
    "aws-assume-role-commands.sh": "\n".join(pol.assume_role_commands("baseten-ecr-pull")) + "\n",
    "aws-iam-user-commands.sh": "\n".join(pol.iam_user_commands("baseten-ecr-pull")) + "\n",
    "gcloud-oidc-commands.sh": "\n".join(pol.gcloud_commands(**GCLOUD_ARGS)) + "\n",
    "gcloud-key-commands.sh": "\n".join(
        pol.gcloud_key_commands(
            "my-project",
            "us-central1",
            "my-repo",
            GCLOUD_ARGS["service_account"],
            key_file="key.json",
        )
    )
    + "\n",
}


@pytest.mark.parametrize("name", sorted(POLICY_GOLDENS))
def test_policy_golden(name: str) -> None:
    text = POLICY_GOLDENS[name]
    if name.endswith(".json"):
        json.loads(text)
    assert_golden(name, text)
