"""The AWS-side checks against a moto server on 127.0.0.1 (IAM, STS, ECR).

moto does not implement SimulatePrincipalPolicy, so every moto test here goes down the
local-evaluation path; the simulator path is tested on a documented-shape response and
with a scripted session.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.aws_standin import (
    ACCOUNT,
    BASETEN_ROLE_ARN,
    ECR_POLICY,
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
    assume_trust,
    attach_managed,
    client,
    good_oidc_setup,
    make_provider,
    make_role,
    oidc_trust,
    push_image,
)
from wizard.model.facts import ItemStatus, SetupItem, exit_code
from wizard.verify import aws as awsmod
from wizard.verify.aws import (
    ASSUME_ROLE_ITEMS,
    CREDENTIALS_ITEM,
    OIDC_ITEMS,
    check_aws_assume_role,
    check_aws_oidc,
    parse_simulation,
    parse_simulation_details,
)

OK, PROBLEM, UNKNOWN = ItemStatus.OK, ItemStatus.PROBLEM, ItemStatus.UNKNOWN


def check(**overrides: Any) -> dict[str, SetupItem]:
    kwargs: dict[str, Any] = {
        "role_arn": ROLE_ARN,
        "region": REGION,
        "repository": REPOSITORY,
        "tag_or_digest": TAG,
        "org_id": ORG,
        "team_id": TEAM,
    }
    kwargs.update(overrides)
    items = check_aws_oidc(**kwargs)
    ids = [i.id for i in items]
    assert ids == list(OIDC_ITEMS) or ids in (["role"], [CREDENTIALS_ITEM]), ids
    return {i.id: i for i in items}


def statuses(items: dict[str, SetupItem]) -> dict[str, ItemStatus]:
    return {k: v.status for k, v in items.items()}


def only_problems(items: dict[str, SetupItem]) -> set[str]:
    return {k for k, v in items.items() if v.status is PROBLEM}


def set_trust(doc: dict[str, Any]) -> None:
    client("iam").update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=json.dumps(doc))


def current_trust() -> dict[str, Any]:
    return client("iam").get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]


# -- OIDC: the happy path and each broken variant ------------------------------------------


def test_correct_setup_is_all_ok(aws: MotoServer) -> None:
    good_oidc_setup()
    items = check()
    assert set(statuses(items).values()) == {OK}, items
    assert exit_code(list(items.values())) == 0
    assert "locally" in items["permissions"].message  # moto has no simulator
    assert f"{REPOSITORY}:{TAG}" in items["image"].message


def test_image_by_digest(aws: MotoServer) -> None:
    digest = good_oidc_setup()
    items = check(tag_or_digest=digest)
    assert items["image"].status is OK and digest in items["image"].message


def test_no_provider(aws: MotoServer) -> None:
    make_role(oidc_trust())
    push_image()
    items = check()
    assert only_problems(items) == {"oidc-provider"}
    assert items["oidc-audience"].status is UNKNOWN
    assert items["oidc-provider"].fix == (
        "aws iam create-open-id-connect-provider --url https://oidc.baseten.co "
        "--client-id-list oidc.baseten.co"
    )
    assert exit_code(list(items.values())) == 4


def test_wrong_audience(aws: MotoServer) -> None:
    make_provider(audiences=("sts.amazonaws.com",))
    make_role(oidc_trust())
    push_image()
    items = check()
    assert only_problems(items) == {"oidc-audience"}
    assert "sts.amazonaws.com" in items["oidc-audience"].message
    assert items["oidc-audience"].fix == (
        "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "
        f"{PROVIDER_ARN} --client-id oidc.baseten.co"
    )


def test_role_missing(aws: MotoServer) -> None:
    make_provider()
    push_image()
    items = check()
    assert only_problems(items) == {"role"}
    for dependent in ("trust", "trust-lint", "permissions"):
        assert items[dependent].status is UNKNOWN
        assert "role is missing" in items[dependent].message
    fix = items["role"].fix
    assert fix.startswith(f"aws iam create-role --role-name {ROLE_NAME} ")
    assert f"v=1:org={ORG}:team={TEAM}:*" in fix
    assert "aws iam put-role-policy" in fix and REPO_ARN in fix


def test_role_missing_without_org_uses_placeholders(aws: MotoServer) -> None:
    make_provider()
    items = check(org_id=None, team_id=None)
    assert "v=1:org=<ORG_ID>:team=<TEAM_ID>:*" in items["role"].fix


def test_trust_for_another_org(aws: MotoServer) -> None:
    good_oidc_setup()
    other = oidc_trust("v=1:org=someoneelse:team=t:*")
    set_trust(other)
    items = check()
    assert only_problems(items) == {"trust", "trust-lint"}
    trust = items["trust"]
    assert "v=1:org=someoneelse" in trust.message and f"org={ORG}" in trust.message
    command = trust.fix.splitlines()[-1]
    assert command.startswith(f"aws iam update-assume-role-policy --role-name {ROLE_NAME} ")
    fixed = json.loads(command.split("--policy-document ", 1)[1].strip("'"))
    # the other org's statement is kept, ours appended
    assert fixed["Statement"][0] == other["Statement"][0]
    assert fixed["Statement"][1]["Condition"]["StringLike"]["oidc.baseten.co:sub"] == (
        f"v=1:org={ORG}:team={TEAM}:*"
    )
    assert "[other-org]" in items["trust-lint"].message


def test_trust_fix_command_works(aws: MotoServer) -> None:
    """Applying the fix exactly as printed makes the trust item pass."""
    good_oidc_setup()
    set_trust(oidc_trust(f"v=1:org={ORG}:team={TEAM}:*", sub_operator="StringEquals"))
    command = check()["trust"].fix.splitlines()[-1]
    set_trust(json.loads(command.split("--policy-document ", 1)[1].strip("'")))
    after = check()
    assert set(statuses(after).values()) == {OK}, after


def test_string_equals_with_wildcard(aws: MotoServer) -> None:
    good_oidc_setup()
    set_trust(oidc_trust(f"v=1:org={ORG}:team={TEAM}:*", sub_operator="StringEquals"))
    items = check()
    assert only_problems(items) == {"trust", "trust-lint"}
    assert "[string-equals-wildcard]" in items["trust-lint"].message
    assert '"StringLike"' in items["trust-lint"].fix


def test_model_container_only(aws: MotoServer) -> None:
    good_oidc_setup()
    set_trust(
        oidc_trust(
            f"v=1:org={ORG}:team={TEAM}:model=*:deployment=*:environment=*:type=model_container"
        )
    )
    items = check()
    assert only_problems(items) == {"trust", "trust-lint"}
    assert "type=model_build" in items["trust"].message
    assert "[model-container-only]" in items["trust-lint"].message


def test_legacy_env_pattern(aws: MotoServer) -> None:
    good_oidc_setup()
    set_trust(oidc_trust(f"org={ORG}:env=production:*"))
    items = check()
    assert only_problems(items) == {"trust", "trust-lint"}
    assert "[legacy-env]" in items["trust-lint"].message
    # the broken statement is replaced in the suggested policy, not kept beside ours
    fixed = json.loads(
        items["trust"].fix.splitlines()[-1].split("--policy-document ", 1)[1].strip("'")
    )
    assert len(fixed["Statement"]) == 1


def test_org_wildcard_admits_but_is_flagged(aws: MotoServer) -> None:
    good_oidc_setup()
    set_trust(oidc_trust("v=1:org=*:team=*:*"))
    items = check()
    assert items["trust"].status is OK
    assert only_problems(items) == {"trust-lint"}
    assert "[org-wildcard]" in items["trust-lint"].message
    assert f"v=1:org={ORG}:team={TEAM}:*" in items["trust-lint"].fix


def test_missing_aud_is_advice_only(aws: MotoServer) -> None:
    good_oidc_setup()
    set_trust(oidc_trust(aud=False))
    items = check()
    assert set(statuses(items).values()) == {OK}
    assert "audience" in items["trust-lint"].message
    assert "oidc.baseten.co:aud" in items["trust-lint"].fix


def test_trust_not_checked_without_org(aws: MotoServer) -> None:
    good_oidc_setup()
    items = check(org_id=None)
    assert items["trust"].status is UNKNOWN
    assert "organization ID" in items["trust"].message
    assert exit_code(list(items.values())) == 1


def test_missing_ecr_permission(aws: MotoServer) -> None:
    make_provider()
    make_role(
        oidc_trust(),
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"],
                    "Resource": "*",
                }
            ],
        },
    )
    push_image()
    items = check()
    assert only_problems(items) == {"permissions"}
    message = items["permissions"].message
    assert "ecr:GetDownloadUrlForLayer" in message
    assert "ecr:BatchCheckLayerAvailability" in message
    assert "ecr:BatchGetImage on" not in message
    fix = items["permissions"].fix
    assert fix.startswith(f"aws iam put-role-policy --role-name {ROLE_NAME} --policy-name ")
    document = json.loads(fix.split("--policy-document ", 1)[1].strip("'"))
    assert document["Statement"][1]["Resource"] == REPO_ARN


def test_no_policies_at_all(aws: MotoServer) -> None:
    make_provider()
    make_role(oidc_trust(), policy=None)
    push_image()
    items = check()
    assert only_problems(items) == {"permissions"}
    assert "ecr:GetAuthorizationToken" in items["permissions"].message


def test_managed_policy_counts(aws: MotoServer) -> None:
    make_provider()
    make_role(oidc_trust(), policy=None)
    attach_managed(ECR_POLICY)
    push_image()
    items = check()
    assert items["permissions"].status is OK


def test_deny_statement(aws: MotoServer) -> None:
    good_oidc_setup()
    arn = attach_managed(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "NoLayerDownloads",
                    "Effect": "Deny",
                    "Action": "ecr:GetDownloadUrlForLayer",
                    "Resource": "*",
                }
            ],
        },
        name="guard",
    )
    items = check()
    assert only_problems(items) == {"permissions"}
    message = items["permissions"].message
    assert "explicitly denied" in message and arn in message and "NoLayerDownloads" in message
    assert "Deny" in items["permissions"].fix
    assert "put-role-policy" not in items["permissions"].fix  # an Allow would not help


def test_wildcard_resource_that_matches(aws: MotoServer) -> None:
    make_provider()
    make_role(
        oidc_trust(),
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": ["ecr:Batch*", "ECR:getdownloadurlforlayer"],
                    "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/acme/*",
                },
            ],
        },
    )
    push_image()
    assert check()["permissions"].status is OK


def test_wildcard_resource_that_does_not_match(aws: MotoServer) -> None:
    make_provider()
    make_role(
        oidc_trust(),
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": "ecr:*",
                    "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/other/*",
                },
            ],
        },
    )
    push_image()
    items = check()
    assert only_problems(items) == {"permissions"}


def test_permissions_boundary_limits(aws: MotoServer) -> None:
    make_provider()
    iam = client("iam")
    boundary = iam.create_policy(
        PolicyName="boundary",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.create_role(
        RoleName=ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(oidc_trust()),
        PermissionsBoundary=boundary,
    )
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="p", PolicyDocument=json.dumps(ECR_POLICY))
    push_image()
    items = check()
    assert only_problems(items) == {"permissions"}
    assert "permissions boundary" in items["permissions"].message
    assert "boundary" in items["permissions"].fix


def test_repository_missing(aws: MotoServer) -> None:
    make_provider()
    make_role(oidc_trust())
    items = check()
    assert only_problems(items) == {"repository"}
    assert items["image"].status is UNKNOWN
    assert "describe-repositories" in items["repository"].fix
    assert "--region us-east-1" in items["repository"].fix


def test_tag_missing(aws: MotoServer) -> None:
    good_oidc_setup()
    items = check(tag_or_digest="2.0")
    assert only_problems(items) == {"image"}
    assert "acme/app:2.0 does not exist" in items["image"].message
    assert "aws ecr list-images --repository-name acme/app --region us-east-1" in (
        items["image"].fix
    )


def test_role_path_mismatch(aws: MotoServer) -> None:
    make_provider()
    client("iam").create_role(
        RoleName=ROLE_NAME, Path="/ci/", AssumeRolePolicyDocument=json.dumps(oidc_trust())
    )
    items = check()
    assert items["role"].status is PROBLEM
    assert f"arn:aws:iam::{ACCOUNT}:role/ci/{ROLE_NAME}" in items["role"].fix


def test_profile_goes_into_every_fix(
    aws: MotoServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text("[acme]\naws_access_key_id = testing\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    make_role(oidc_trust(), policy=None)
    items = check(profile="acme")
    for item_id in ("oidc-provider", "permissions", "repository"):
        assert items[item_id].status is PROBLEM
        assert "--profile acme" in items[item_id].fix


# -- the caller's own identity --------------------------------------------------------------


def test_no_credentials_is_one_unknown_item(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    items = check_aws_oidc(
        role_arn=ROLE_ARN,
        region=REGION,
        repository=REPOSITORY,
        tag_or_digest=TAG,
        org_id=ORG,
        team_id=TEAM,
    )
    assert [(i.id, i.status) for i in items] == [(CREDENTIALS_ITEM, UNKNOWN)]
    assert "aws configure" in items[0].fix
    assert exit_code(items) == 1


def test_unknown_profile(aws: MotoServer) -> None:
    items = check(profile="nope")
    assert list(items) == [CREDENTIALS_ITEM]
    assert "'nope'" in items[CREDENTIALS_ITEM].message


def test_rejected_credentials(aws: MotoServer) -> None:
    aws.enforce_auth(True)  # moto now rejects the fake default keys
    items = check()
    assert list(items) == [CREDENTIALS_ITEM]
    assert "InvalidClientTokenId" in items[CREDENTIALS_ITEM].message


def test_credentials_for_another_account(aws: MotoServer) -> None:
    items = check(role_arn="arn:aws:iam::210987654321:role/baseten-pull")
    assert list(items) == [CREDENTIALS_ITEM]
    assert "210987654321" in items[CREDENTIALS_ITEM].message


def test_malformed_role_arn(aws: MotoServer) -> None:
    items = check(role_arn="baseten-pull")
    assert list(items) == ["role"] and items["role"].status is PROBLEM


def test_access_denied_becomes_unknown_with_the_permission(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_oidc_setup()
    iam = client("iam")
    iam.create_user(UserName="dev")
    iam.put_user_policy(
        UserName="dev",
        PolicyName="some",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["iam:GetRole"], "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    aws.enforce_auth(True)
    items = check()
    assert statuses(items) == {
        "oidc-provider": UNKNOWN,
        "oidc-audience": UNKNOWN,
        "role": OK,
        "trust": OK,
        "trust-lint": OK,
        "permissions": UNKNOWN,
        "repository": UNKNOWN,
        "image": UNKNOWN,
    }
    assert "iam:GetOpenIDConnectProvider" in items["oidc-provider"].message
    assert "user/dev" in items["oidc-provider"].message
    assert "iam:SimulatePrincipalPolicy" in items["permissions"].fix
    assert "iam:ListRolePolicies" in items["permissions"].fix
    assert "ecr:DescribeImages" in items["repository"].message
    assert exit_code(list(items.values())) == 1


# -- AssumeRole ------------------------------------------------------------------------------


def check_assume(**overrides: Any) -> dict[str, SetupItem]:
    kwargs: dict[str, Any] = {
        "role_arn": ROLE_ARN,
        "region": REGION,
        "repository": REPOSITORY,
        "tag_or_digest": TAG,
        "baseten_role_arn": BASETEN_ROLE_ARN,
        "external_id": EXTERNAL_ID,
    }
    kwargs.update(overrides)
    items = check_aws_assume_role(**kwargs)
    assert [i.id for i in items] == list(ASSUME_ROLE_ITEMS)
    return {i.id: i for i in items}


def test_assume_role_correct(aws: MotoServer) -> None:
    make_role(assume_trust())
    push_image()
    items = check_assume()
    assert set(statuses(items).values()) == {OK}, items


def test_assume_role_account_root_principal_admits(aws: MotoServer) -> None:
    make_role(assume_trust(principal="arn:aws:iam::999999999999:root"))
    push_image()
    assert check_assume()["trust"].status is OK


def test_assume_role_wrong_external_id(aws: MotoServer) -> None:
    make_role(assume_trust(external_id="someone-elses-id"))
    push_image()
    items = check_assume()
    assert only_problems(items) == {"trust"}
    assert "someone-elses-id" in items["trust"].message
    assert EXTERNAL_ID in items["trust"].message
    assert f'"sts:ExternalId":"{EXTERNAL_ID}"' in items["trust"].fix


def test_assume_role_wrong_principal(aws: MotoServer) -> None:
    make_role(assume_trust(principal="arn:aws:iam::999999999999:role/not-baseten"))
    push_image()
    items = check_assume()
    assert only_problems(items) == {"trust"}
    assert f"AWS {BASETEN_ROLE_ARN}" in items["trust"].message
    assert BASETEN_ROLE_ARN in items["trust"].fix


def test_assume_role_without_external_id_condition(aws: MotoServer) -> None:
    make_role(assume_trust(external_id=None))
    push_image()
    items = check_assume()
    assert items["trust"].status is OK
    assert only_problems(items) == {"trust-lint"}
    assert "[no-external-id]" in items["trust-lint"].message


def test_assume_role_facts_unknown(aws: MotoServer) -> None:
    make_role(assume_trust())
    push_image()
    items = check_assume(external_id=None)
    assert items["trust"].status is UNKNOWN
    assert "external ID" in items["trust"].message


def test_assume_role_missing_role_fix_has_placeholders(aws: MotoServer) -> None:
    items = check_assume(baseten_role_arn=None, external_id=None)
    assert "<BASETEN_ROLE_ARN>" in items["role"].fix and "<EXTERNAL_ID>" in items["role"].fix


# -- the simulator path ----------------------------------------------------------------------

# The documented shape of an IAM SimulatePrincipalPolicy response (boto3 form).
SIMULATION = {
    "EvaluationResults": [
        {
            "EvalActionName": "ecr:BatchGetImage",
            "EvalResourceName": REPO_ARN,
            "EvalDecision": "allowed",
            "MatchedStatements": [
                {
                    "SourcePolicyId": "ecr-pull",
                    "SourcePolicyType": "IAM Policy",
                    "StartPosition": {"Line": 1, "Column": 40},
                    "EndPosition": {"Line": 1, "Column": 180},
                }
            ],
            "MissingContextValues": [],
            "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
            "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": True},
            "EvalDecisionDetails": {},
            "ResourceSpecificResults": [
                {
                    "EvalResourceName": REPO_ARN,
                    "EvalResourceDecision": "allowed",
                    "MatchedStatements": [],
                    "MissingContextValues": [],
                }
            ],
        },
        {
            "EvalActionName": "ecr:GetDownloadUrlForLayer",
            "EvalResourceName": REPO_ARN,
            "EvalDecision": "explicitDeny",
            "MatchedStatements": [{"SourcePolicyId": "guard", "SourcePolicyType": "IAM Policy"}],
            "MissingContextValues": [],
        },
        {
            "EvalActionName": "ecr:BatchCheckLayerAvailability",
            "EvalResourceName": REPO_ARN,
            "EvalDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": [],
        },
    ],
    "IsTruncated": False,
}


def test_parse_simulation() -> None:
    assert parse_simulation(SIMULATION) == {
        "ecr:BatchGetImage": True,
        "ecr:GetDownloadUrlForLayer": False,
        "ecr:BatchCheckLayerAvailability": False,
    }
    details = parse_simulation_details(SIMULATION)
    assert details["ecr:GetDownloadUrlForLayer"].explicit_deny
    assert "guard" in details["ecr:GetDownloadUrlForLayer"].reason
    assert "ecr-pull" in details["ecr:BatchGetImage"].reason
    assert not details["ecr:BatchCheckLayerAvailability"].explicit_deny


def test_parse_simulation_edge_cases() -> None:
    assert parse_simulation({}) == {}
    two_resources = {
        "EvaluationResults": [
            {
                "EvalActionName": "ecr:BatchGetImage",
                "EvalResourceName": "a",
                "EvalDecision": "allowed",
            },
            {
                "EvalActionName": "ecr:BatchGetImage",
                "EvalResourceName": "b",
                "EvalDecision": "implicitDeny",
            },
        ]
    }
    assert parse_simulation(two_resources) == {"ecr:BatchGetImage": False}
    boundary = {
        "EvaluationResults": [
            {
                "EvalActionName": "ecr:BatchGetImage",
                "EvalDecision": "implicitDeny",
                "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": False},
            }
        ]
    }
    assert parse_simulation_details(boundary)["ecr:BatchGetImage"].boundary
    missing_context = {
        "EvaluationResults": [
            {
                "EvalActionName": "ecr:BatchGetImage",
                "EvalDecision": "implicitDeny",
                "MissingContextValues": ["aws:SourceIp"],
            }
        ]
    }
    assert not parse_simulation_details(missing_context)["ecr:BatchGetImage"].certain


class ScriptedSession:
    """Stands in for AwsSession: answers the simulator, refuses anything else."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers, self.calls = answers, []  # action -> EvalDecision

    def call(self, service: str, operation: str, permission: str, **params: Any) -> Any:
        self.calls.append(operation)
        assert operation == "simulate_principal_policy", operation
        return {
            "EvaluationResults": [
                {
                    "EvalActionName": a,
                    "EvalDecision": self.answers[a],
                    "EvalResourceName": (params.get("ResourceArns") or ["*"])[0],
                }
                for a in params["ActionNames"]
            ]
        }


def test_simulator_answer_is_used_when_available() -> None:
    answers = {
        "ecr:GetAuthorizationToken": "allowed",
        "ecr:BatchGetImage": "allowed",
        "ecr:GetDownloadUrlForLayer": "allowed",
        "ecr:BatchCheckLayerAvailability": "implicitDeny",
    }
    session = ScriptedSession(answers)
    role = {"RoleName": ROLE_NAME, "Arn": ROLE_ARN}
    report = awsmod.role_permissions(session, role, REPO_ARN)  # type: ignore[arg-type]
    assert report.method == "simulator"
    assert session.calls == ["simulate_principal_policy"] * 2
    assert {a: d.allowed for a, d in report.decisions.items()} == {
        a: v == "allowed" for a, v in answers.items()
    }


def test_simulator_failure_falls_back_to_local(aws: MotoServer) -> None:
    good_oidc_setup()
    session = awsmod.AwsSession(profile=None, region=REGION)
    role = client("iam").get_role(RoleName=ROLE_NAME)["Role"]
    report = awsmod.role_permissions(session, role, REPO_ARN)
    assert report.method == "local" and report.allowed
    assert "simulator was unavailable" in report.note


def test_trust_with_an_unsupported_condition_is_unknown(aws: MotoServer) -> None:
    good_oidc_setup()
    doc = oidc_trust()
    doc["Statement"][0]["Condition"]["IpAddress"] = {"aws:SourceIp": "10.0.0.0/8"}
    set_trust(doc)
    items = check()
    assert items["trust"].status is UNKNOWN
    assert "IpAddress" in items["trust"].message


def test_invalid_region_is_a_caller_error(aws: MotoServer) -> None:
    with pytest.raises(ValueError, match="region"):
        check(region="US_EAST")
