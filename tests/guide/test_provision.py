"""`--provision` against a moto server on 127.0.0.1: plan only what is missing, apply it,
never delete, and plan nothing the second time."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest

from tests.aws_standin import (
    ACCOUNT,
    BASETEN_ROLE_ARN,
    EXTERNAL_ID,
    ORG,
    PROVIDER_ARN,
    REGION,
    REPO_ARN,
    REPOSITORY,
    ROLE_ARN,
    ROLE_NAME,
    TAG,
    TEAM,
    MotoServer,
    attach_managed,
    client,
    make_provider,
    make_role,
    oidc_trust,
    push_image,
)
from wizard.guide.provision import (
    ProvisionError,
    ProvisionPlan,
    apply_provision,
    plan_provision,
)
from wizard.model.facts import ItemStatus
from wizard.model.policies import ECR_POLICY_NAME
from wizard.verify.aws import check_aws_assume_role, check_aws_oidc

EC2_TRUST = {
    "Sid": "Ec2CanUseIt",
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole",
}


def plan(**overrides: Any) -> ProvisionPlan:
    kwargs: dict[str, Any] = {
        "account": ACCOUNT,
        "role_name": ROLE_NAME,
        "region": REGION,
        "repository": REPOSITORY,
        "org_id": ORG,
        "team_id": TEAM,
    }
    kwargs.update(overrides)
    return plan_provision(**kwargs)


def kinds(p: ProvisionPlan) -> list[str]:
    return [s.kind for s in p.steps]


def oidc_all_ok() -> bool:
    items = check_aws_oidc(
        role_arn=ROLE_ARN,
        region=REGION,
        repository=REPOSITORY,
        tag_or_digest=TAG,
        org_id=ORG,
        team_id=TEAM,
    )
    return all(i.status is ItemStatus.OK for i in items)


def document_in(api_call: str, flag: str) -> dict[str, Any]:
    words = shlex.split(api_call)
    return json.loads(words[words.index(flag) + 1])


def trust_now() -> dict[str, Any]:
    return client("iam").get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]


def test_from_nothing_then_idempotent(aws: MotoServer) -> None:
    push_image()
    first = plan()
    assert kinds(first) == ["create-oidc-provider", "create-role", "put-role-policy"]
    assert [shlex.split(s.api_call)[:3] for s in first.steps] == [
        ["aws", "iam", "create-open-id-connect-provider"],
        ["aws", "iam", "create-role"],
        ["aws", "iam", "put-role-policy"],
    ]
    assert first.steps[0].api_call == (
        "aws iam create-open-id-connect-provider --url https://oidc.baseten.co "
        "--client-id-list oidc.baseten.co"
    )
    trust = document_in(first.steps[1].api_call, "--assume-role-policy-document")
    assert trust["Statement"][0]["Principal"] == {"Federated": PROVIDER_ARN}
    assert trust["Statement"][0]["Condition"]["StringLike"] == {
        "oidc.baseten.co:sub": f"v=1:org={ORG}:team={TEAM}:*"
    }
    ecr = document_in(first.steps[2].api_call, "--policy-document")
    assert ecr["Statement"][1]["Resource"] == REPO_ARN
    assert f"--policy-name {ECR_POLICY_NAME}" in first.steps[2].api_call
    rendered = first.render()
    assert all(s.api_call in rendered for s in first.steps)

    done = apply_provision(first)
    assert len(done) == 3
    assert oidc_all_ok()

    second = plan()
    assert second.empty and second.steps == ()
    assert "Nothing to create" in second.render()
    assert apply_provision(second) == []


def test_partial_state_keeps_existing_trust_statement(aws: MotoServer) -> None:
    make_provider()
    make_role({"Version": "2012-10-17", "Statement": [EC2_TRUST]}, policy=None)
    push_image()
    p = plan()
    assert kinds(p) == ["update-trust-policy", "put-role-policy"]
    planned = document_in(p.steps[0].api_call, "--policy-document")
    assert planned["Statement"][0] == EC2_TRUST
    assert "1 existing statement kept" in p.steps[0].description

    apply_provision(p)
    after = trust_now()
    assert after["Statement"][0] == EC2_TRUST  # kept, untouched, first
    assert len(after["Statement"]) == 2
    assert oidc_all_ok()
    assert plan().empty


def test_broken_baseten_statement_is_kept_and_a_good_one_appended(aws: MotoServer) -> None:
    make_provider()
    legacy = oidc_trust(f"org={ORG}:env=production:*")
    make_role(legacy)
    push_image()
    p = plan()
    assert kinds(p) == ["update-trust-policy"]
    apply_provision(p)
    after = trust_now()
    assert after["Statement"][0] == legacy["Statement"][0]  # never deleted
    assert len(after["Statement"]) == 2
    assert plan().empty


def test_existing_inline_policy_of_ours_is_merged_not_replaced(aws: MotoServer) -> None:
    make_provider()
    make_role(oidc_trust(), policy=None)
    s3 = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::weights/*"}
    client("iam").put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName=ECR_POLICY_NAME,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [s3]}),
    )
    push_image()
    p = plan()
    assert kinds(p) == ["put-role-policy"]
    apply_provision(p)
    doc = client("iam").get_role_policy(RoleName=ROLE_NAME, PolicyName=ECR_POLICY_NAME)
    statements = doc["PolicyDocument"]["Statement"]
    assert statements[0] == s3 and len(statements) == 3
    assert plan().empty


def test_other_policies_are_left_alone(aws: MotoServer) -> None:
    make_provider()
    make_role(oidc_trust(), policy=None)
    arn = attach_managed(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
    )
    p = plan()
    apply_provision(p)
    iam = client("iam")
    attached = iam.list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [arn]
    assert iam.list_role_policies(RoleName=ROLE_NAME)["PolicyNames"] == [ECR_POLICY_NAME]


def test_wrong_audience_plans_adding_it(aws: MotoServer) -> None:
    make_provider(audiences=("sts.amazonaws.com",))
    p = plan()
    assert kinds(p)[0] == "add-oidc-audience"
    assert p.steps[0].api_call == (
        "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "
        f"{PROVIDER_ARN} --client-id oidc.baseten.co"
    )
    # (moto does not implement AddClientIDToOpenIDConnectProvider, so this is not applied)


def test_denies_become_notes_not_steps(aws: MotoServer) -> None:
    make_provider()
    guard = {
        "Effect": "Deny",
        "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    make_role({"Version": "2012-10-17", "Statement": [*oidc_trust()["Statement"], guard]})
    attach_managed(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "ecr:BatchGetImage", "Resource": "*"}],
        }
    )
    p = plan()
    assert p.empty
    assert len(p.notes) == 2
    assert "statement 2" in p.notes[0] and "never deletes" in p.notes[0]
    assert "ecr:BatchGetImage" in p.notes[1]
    assert all(f"Note: {n}" in p.render() for n in p.notes)


def test_assume_role_from_nothing_then_idempotent(aws: MotoServer) -> None:
    push_image()
    kw = {"method": "assume-role", "baseten_role_arn": BASETEN_ROLE_ARN, "external_id": EXTERNAL_ID}
    p = plan(**kw)
    assert kinds(p) == ["create-role", "put-role-policy"]  # no OIDC provider for AssumeRole
    trust = document_in(p.steps[0].api_call, "--assume-role-policy-document")
    assert trust["Statement"][0]["Principal"] == {"AWS": BASETEN_ROLE_ARN}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
    apply_provision(p)
    items = check_aws_assume_role(
        role_arn=ROLE_ARN,
        region=REGION,
        repository=REPOSITORY,
        tag_or_digest=TAG,
        baseten_role_arn=BASETEN_ROLE_ARN,
        external_id=EXTERNAL_ID,
    )
    assert all(i.status is ItemStatus.OK for i in items), items
    assert plan(**kw).empty


def test_apply_rereads_state(aws: MotoServer) -> None:
    """A plan applied after someone else already did part of it only adds what is missing."""
    make_provider()
    make_role({"Version": "2012-10-17", "Statement": [EC2_TRUST]}, policy=None)
    p = plan()
    client("iam").update_assume_role_policy(
        RoleName=ROLE_NAME,
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [EC2_TRUST, *oidc_trust()["Statement"]]}
        ),
    )
    done = apply_provision(p)
    assert "already admits" in done[0]
    assert len(trust_now()["Statement"]) == 2
    # and applying the whole plan twice changes nothing further
    apply_provision(p)
    assert len(trust_now()["Statement"]) == 2
    assert plan().empty


def test_profile_appears_in_every_command(
    aws: MotoServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text("[acme]\naws_access_key_id = testing\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    p = plan(profile="acme")
    assert p.steps and all(s.api_call.endswith("--profile acme") for s in p.steps)
    apply_provision(p)
    assert plan(profile="acme").empty


def test_bad_arguments(aws: MotoServer) -> None:
    with pytest.raises(ValueError, match="org ID and team ID"):
        plan(team_id=None)
    with pytest.raises(ValueError, match="external ID"):
        plan(method="assume-role", baseten_role_arn=BASETEN_ROLE_ARN)
    with pytest.raises(ValueError, match="method"):
        plan(method="iam-keys")
    with pytest.raises(ValueError):
        plan(region="nowhere")


def test_no_credentials(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(ProvisionError, match="no AWS credentials") as e:
        plan()
    assert "aws configure" in e.value.fix


def test_apply_stops_on_denial_and_reports_progress(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = client("iam")
    iam.create_user(UserName="ops")
    read_and_create_provider = [
        "iam:Get*",
        "iam:List*",
        "iam:CreateOpenIDConnectProvider",
    ]
    iam.put_user_policy(
        UserName="ops",
        PolicyName="p",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": read_and_create_provider, "Resource": "*"}
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="ops")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    aws.enforce_auth(True)
    p = plan()
    assert kinds(p) == ["create-oidc-provider", "create-role", "put-role-policy"]
    with pytest.raises(ProvisionError) as e:
        apply_provision(p)
    assert e.value.done == ["registered the OIDC provider for https://oidc.baseten.co"]
    assert "iam:CreateRole" in e.value.fix


def test_trust_that_cannot_be_settled_is_a_note(aws: MotoServer) -> None:
    """A conditional Deny we cannot evaluate: appending would not help, so no step (and
    so no new statement on every run)."""
    make_provider()
    maybe_deny = {
        "Effect": "Deny",
        "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
    }
    make_role({"Version": "2012-10-17", "Statement": [*oidc_trust()["Statement"], maybe_deny]})
    p = plan()
    assert p.empty
    assert "DateGreaterThan" in p.notes[0]


def test_the_plain_flow_provisions_with_the_ids_the_user_typed(
    aws: MotoServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Baseten key: the org and team IDs typed at the prompts are the ones the
    created trust policy names (they once reached the guide but not provisioning), and
    setup's --aws-profile is the account it works in."""
    from tests.flow.test_flow import ScriptedPrompter
    from wizard.flow import Flow
    from wizard.ui import plain

    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))
    push_image()
    # Only --aws-profile acme has credentials: provisioning must use it.
    credentials = tmp_path / "credentials"
    credentials.write_text("[acme]\naws_access_key_id = testing\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    config = tmp_path / "config.yaml"
    config.write_text("model_name: ranker\n")
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPOSITORY}:{TAG}"
    prompter = ScriptedPrompter(
        [
            ("image", image),
            ("registry", "ecr"),
            ("method", "oidc"),
            ("role-arn", ROLE_ARN),
            ("org-id", ORG),
            ("team-id", TEAM),
            ("provision", True),
            ("yes", True),
        ]
    )
    assert plain.run(Flow(config, aws_profile="acme"), prompter) == 0, prompter.errors
    assert not prompter.script
    trust = json.dumps(
        client("iam").get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    )
    assert f"org={ORG}" in trust and f"team={TEAM}" in trust
    assert f"aws_oidc_role_arn: {ROLE_ARN}" in config.read_text()


def test_a_repository_in_another_account_is_the_policy_resource_and_a_note(
    aws: MotoServer,
) -> None:
    """The role is created in the caller's account; its pull policy names the repository
    in the image's account, and the plan says the repository policy is left to the user."""
    other = "210987654321"
    p = plan(registry_account=other)
    assert kinds(p) == ["create-oidc-provider", "create-role", "put-role-policy"]
    ecr = document_in(p.steps[2].api_call, "--policy-document")
    assert ecr["Statement"][1]["Resource"] == (
        f"arn:aws:ecr:{REGION}:{other}:repository/{REPOSITORY}"
    )
    (note,) = p.notes
    assert "role-other-account" in note and f"account {other}" in note
    assert "ecr:BatchCheckLayerAvailability" in note and "registry-wizard guide" in note
    assert plan().notes == ()  # same account: nothing to say
