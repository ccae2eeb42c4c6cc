"""The IAM policy-language subset: permission evaluation, trust evaluation, lint."""

from __future__ import annotations

from typing import Any

import pytest

from wizard.model import iam_eval
from wizard.model.facts import subject
from wizard.model.iam_eval import (
    action_matches,
    allows,
    lint_assume_role_trust,
    lint_oidc_trust,
    principal_matches,
    resource_matches,
    statements,
    trust_admits,
)

REPO = "arn:aws:ecr:us-east-1:123456789012:repository/acme/app"
PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.baseten.co"
BASETEN = "arn:aws:iam::999999999999:role/baseten-image-puller"
ORG, TEAM = "org1", "team1"
BUILD_SUB = subject(ORG, TEAM, model="abc", deployment="def", environment="production")
CONTAINER_SUB = subject(
    ORG,
    TEAM,
    model="abc",
    deployment="def",
    environment="production",
    workload_type="model_container",
)
OIDC_CONTEXT = {"oidc.baseten.co:aud": "oidc.baseten.co", "oidc.baseten.co:sub": BUILD_SUB}


def policy(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def oidc_statement(
    sub: Any = f"v=1:org={ORG}:team={TEAM}:*",
    operator: str = "StringLike",
    *,
    aud: bool = True,
    effect: str = "Allow",
) -> dict[str, Any]:
    condition: dict[str, Any] = {operator: {"oidc.baseten.co:sub": sub}}
    if aud:
        condition.setdefault("StringEquals", {})["oidc.baseten.co:aud"] = "oidc.baseten.co"
    return {
        "Effect": effect,
        "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }


def admits_oidc(doc: dict[str, Any], context: dict[str, str] | None = None) -> iam_eval.TrustResult:
    return trust_admits(
        doc,
        principal={"Federated": PROVIDER},
        action="sts:AssumeRoleWithWebIdentity",
        context=context or OIDC_CONTEXT,
    )


# -- normalisation and matching -------------------------------------------------------------


def test_statement_may_be_a_single_object_or_missing() -> None:
    single = {"Statement": allow("ecr:*")}
    assert statements(single) == [allow("ecr:*")]
    assert statements({}) == []
    assert statements(None) == []


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("ecr:BatchGetImage", "ecr:BatchGetImage", True),
        ("ECR:batchgetimage", "ecr:BatchGetImage", True),
        ("ecr:Batch*", "ecr:BatchCheckLayerAvailability", True),
        ("ecr:Get*", "ecr:BatchGetImage", False),
        ("ecr:BatchGet?mage", "ecr:BatchGetImage", True),
        ("ecr:BatchGet?mage", "ecr:BatchGetImmage", False),
        ("*", "ecr:GetAuthorizationToken", True),
        ("ecr:*", "s3:GetObject", False),
        ("ecr:Get.*", "ecr:GetX", False),  # regex metacharacters are literal
    ],
)
def test_action_matching(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (REPO, True),
        ("*", True),
        ("arn:aws:ecr:us-east-1:123456789012:repository/acme/*", True),
        ("arn:aws:ecr:*:123456789012:repository/*", True),
        ("arn:aws:ecr:us-east-1:123456789012:repository/acme/ap?", True),
        ("arn:aws:ecr:us-east-1:123456789012:repository/other/*", False),
        ("arn:aws:ecr:us-east-1:123456789012:repository/ACME/app", False),  # case-sensitive
        ("arn:aws:ecr:us-west-2:123456789012:repository/acme/app", False),
    ],
)
def test_resource_matching(pattern: str, expected: bool) -> None:
    assert resource_matches(pattern, REPO) is expected


# -- permission policies --------------------------------------------------------------------


def test_allow_from_one_of_several_policies_names_it() -> None:
    d = allows(
        [policy(allow("s3:*")), policy(allow(["ecr:BatchGetImage"], [REPO]))],
        "ecr:BatchGetImage",
        REPO,
        names=["inline a", "inline b"],
    )
    assert d.allowed and d.certain
    assert "inline b statement 1" in d.reason


def test_nothing_allows_is_an_implicit_deny() -> None:
    d = allows([policy(allow("ecr:GetAuthorizationToken"))], "ecr:BatchGetImage", REPO)
    assert not d.allowed and not d.explicit_deny
    assert "no statement allows ecr:BatchGetImage" in d.reason


def test_explicit_deny_wins_over_allow_in_another_policy() -> None:
    d = allows(
        [policy(allow("ecr:*")), policy({**deny("ecr:BatchGetImage"), "Sid": "NoPulls"})],
        "ecr:BatchGetImage",
        REPO,
        names=["inline pull", "managed guard"],
    )
    assert not d.allowed and d.explicit_deny
    assert "explicitly denied by managed guard statement 1 (NoPulls)" in d.reason


def test_deny_on_another_resource_does_not_apply() -> None:
    d = allows(
        [policy(allow("ecr:*"), deny("ecr:*", "arn:aws:ecr:*:*:repository/secret/*"))],
        "ecr:BatchGetImage",
        REPO,
    )
    assert d.allowed


def test_not_action_and_not_resource() -> None:
    p = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert allows([p], "ecr:BatchGetImage", REPO).allowed
    assert not allows([p], "iam:PassRole", "*").allowed
    q = policy(
        {"Effect": "Allow", "Action": "ecr:*", "NotResource": "arn:aws:ecr:*:*:repository/x"}
    )
    assert allows([q], "ecr:BatchGetImage", REPO).allowed
    assert not allows([q], "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:1:repository/x").allowed


def test_condition_evaluated_against_context_or_left_uncertain() -> None:
    conditional = policy(
        allow("ecr:*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})
    )
    assert allows(
        [conditional], "ecr:BatchGetImage", REPO, context={"aws:RequestedRegion": "us-east-1"}
    ).allowed
    assert not allows(
        [conditional], "ecr:BatchGetImage", REPO, context={"aws:RequestedRegion": "eu-west-1"}
    ).allowed
    unknown_op = policy(allow("ecr:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    d = allows([unknown_op], "ecr:BatchGetImage", REPO)
    assert not d.allowed and not d.certain
    assert "IpAddress" in d.reason


def test_conditional_deny_makes_an_allow_uncertain() -> None:
    p = policy(
        allow("ecr:*"), deny("ecr:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    )
    d = allows([p], "ecr:BatchGetImage", REPO)
    assert d.allowed and not d.certain


# -- trust policies -------------------------------------------------------------------------


def test_correct_oidc_trust_admits_a_build_subject() -> None:
    r = admits_oidc(policy(oidc_statement()))
    assert r.admitted and r.certain and r.statement == 0


def test_trust_for_another_org_refuses_and_says_why() -> None:
    r = admits_oidc(policy(oidc_statement("v=1:org=other:team=team1:*")))
    assert not r.admitted and r.certain
    assert "v=1:org=other" in r.reason and BUILD_SUB in r.reason


def test_string_equals_with_a_wildcard_is_literal() -> None:
    r = admits_oidc(policy(oidc_statement(f"v=1:org={ORG}:team={TEAM}:*", "StringEquals")))
    assert not r.admitted


def test_wrong_audience_refuses() -> None:
    r = admits_oidc(policy(oidc_statement()), {**OIDC_CONTEXT, "oidc.baseten.co:aud": "sts"})
    assert not r.admitted


def test_condition_keys_are_case_insensitive_values_are_not() -> None:
    st = oidc_statement()
    st["Condition"] = {"StringLike": {"OIDC.Baseten.co:SUB": f"v=1:org={ORG}:team={TEAM}:*"}}
    assert admits_oidc(policy(st)).admitted
    st["Condition"] = {"StringLike": {"oidc.baseten.co:sub": f"v=1:org={ORG.upper()}:*"}}
    assert not admits_oidc(policy(st)).admitted


def test_explicit_deny_in_trust_wins() -> None:
    guard = oidc_statement("*:type=model_build", effect="Deny", aud=False)
    r = admits_oidc(policy(oidc_statement(), guard))
    assert not r.admitted and r.statement == 1
    assert "explicitly denies" in r.reason


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("StringNotEquals", "v=1:nope", True),
        ("StringNotEquals", BUILD_SUB, False),
        ("StringNotLike", "*:type=model_container", True),
        ("StringNotLike", "*:type=model_build", False),
        ("StringEqualsIgnoreCase", BUILD_SUB.upper(), True),
        ("ForAnyValue:StringLike", ["nope", f"v=1:org={ORG}:*"], True),
        ("ForAnyValue:StringLike", ["nope"], False),
        ("ForAllValues:StringLike", [f"v=1:org={ORG}:*"], True),
        ("StringLikeIfExists", f"v=1:org={ORG}:*", True),
        ("StringLikeIfExists", "v=1:org=other:*", False),
    ],
)
def test_condition_operators(operator: str, values: Any, expected: bool) -> None:
    st = oidc_statement(values, operator)
    assert admits_oidc(policy(st)).admitted is expected


def test_missing_key_rules() -> None:
    context = {"oidc.baseten.co:aud": "oidc.baseten.co"}  # no sub
    cases = {
        "StringLike": False,
        "StringNotLike": True,  # negated operators hold on a missing key
        "StringLikeIfExists": True,
        "ForAnyValue:StringLike": False,
        "ForAllValues:StringLike": True,
    }
    for operator, expected in cases.items():
        st = oidc_statement("v=1:*", operator)
        assert admits_oidc(policy(st), context).admitted is expected, operator


def test_null_operator() -> None:
    st = oidc_statement()
    st["Condition"]["Null"] = {"oidc.baseten.co:sub": "false"}
    assert admits_oidc(policy(st)).admitted
    st["Condition"]["Null"] = {"oidc.baseten.co:sub": "true"}
    assert not admits_oidc(policy(st)).admitted


def test_unsupported_operator_is_uncertain_not_a_guess() -> None:
    st = oidc_statement()
    st["Condition"]["DateGreaterThan"] = {"aws:CurrentTime": "2020-01-01T00:00:00Z"}
    r = admits_oidc(policy(st))
    assert not r.admitted and not r.certain
    assert "DateGreaterThan" in r.reason


def test_principal_and_action_must_both_match() -> None:
    other_provider = oidc_statement()
    other_provider["Principal"] = {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    }
    assert not admits_oidc(policy(other_provider)).admitted
    wrong_action = {**oidc_statement(), "Action": "sts:AssumeRole"}
    assert not admits_oidc(policy(wrong_action)).admitted
    wildcard_action = {**oidc_statement(), "Action": ["sts:AssumeRole*"]}
    assert admits_oidc(policy(wildcard_action)).admitted


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ({"AWS": BASETEN}, True),
        ({"AWS": [BASETEN, "arn:aws:iam::111111111111:root"]}, True),
        ({"AWS": "arn:aws:iam::999999999999:root"}, True),
        ({"AWS": "999999999999"}, True),
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": "arn:aws:iam::999999999999:role/someone-else"}, False),
        ({"AWS": "arn:aws:iam::888888888888:root"}, False),
        ({"Service": "ec2.amazonaws.com"}, False),
    ],
)
def test_aws_principal_matching(principal: Any, expected: bool) -> None:
    assert principal_matches(principal, {"AWS": BASETEN}) is expected


def test_assume_role_external_id() -> None:
    st = {
        "Effect": "Allow",
        "Principal": {"AWS": BASETEN},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "abc"}},
    }

    def check(external_id: str) -> iam_eval.TrustResult:
        return trust_admits(
            policy(st),
            principal={"AWS": BASETEN},
            action="sts:AssumeRole",
            context={"sts:ExternalId": external_id},
        )

    assert check("abc").admitted
    wrong = check("xyz")
    assert not wrong.admitted and "'xyz'" in wrong.reason


def test_not_principal() -> None:
    st = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "arn:aws:iam::1:root"},
        "Action": "sts:AssumeRole",
    }
    assert trust_admits(
        policy(st), principal={"AWS": BASETEN}, action="sts:AssumeRole", context={}
    ).admitted


# -- lint -----------------------------------------------------------------------------------


def codes(doc: dict[str, Any], **kw: Any) -> list[str]:
    return [f.code for f in lint_oidc_trust(doc, **kw)]


def test_clean_trust_has_no_findings() -> None:
    assert codes(policy(oidc_statement()), org_id=ORG, team_id=TEAM) == []


def test_lint_legacy_env() -> None:
    doc = policy(oidc_statement(f"org={ORG}:env=production:*"))
    assert "legacy-env" in codes(doc)


def test_lint_string_equals_with_wildcard() -> None:
    doc = policy(oidc_statement(f"v=1:org={ORG}:team={TEAM}:*", "StringEquals"))
    findings = lint_oidc_trust(doc)
    assert [f.code for f in findings] == ["string-equals-wildcard"]
    assert '"StringLike"' in findings[0].fix


@pytest.mark.parametrize("sub", ["v=1:org=*:team=*:*", "v=1:*", "*", "v=1:org=org?:*"])
def test_lint_org_wildcard(sub: str) -> None:
    assert "org-wildcard" in codes(policy(oidc_statement(sub)), org_id=ORG)


def test_lint_no_sub_condition() -> None:
    st = oidc_statement()
    del st["Condition"]["StringLike"]
    assert codes(policy(st)) == ["no-sub"]


def test_lint_model_container_only() -> None:
    doc = policy(oidc_statement(CONTAINER_SUB.replace("model=abc", "model=*")))
    assert "model-container-only" in codes(doc)
    both = policy(oidc_statement([CONTAINER_SUB, BUILD_SUB]))
    assert "model-container-only" not in codes(both)


def test_lint_missing_aud_is_advice() -> None:
    findings = lint_oidc_trust(policy(oidc_statement(aud=False)), org_id=ORG, team_id=TEAM)
    assert [(f.code, f.severity.value) for f in findings] == [("missing-aud", "warning")]


def test_lint_other_org_and_team() -> None:
    assert codes(policy(oidc_statement("v=1:org=other:team=t:*")), org_id=ORG) == ["other-org"]
    assert codes(policy(oidc_statement(f"v=1:org={ORG}:team=t2:*")), org_id=ORG, team_id=TEAM) == [
        "other-team"
    ]


def test_lint_ignores_unrelated_statements() -> None:
    ec2 = {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert codes(policy(ec2, oidc_statement()), org_id=ORG, team_id=TEAM) == []


def test_lint_assume_role() -> None:
    base = {"Effect": "Allow", "Principal": {"AWS": BASETEN}, "Action": "sts:AssumeRole"}
    assert [f.code for f in lint_assume_role_trust(policy(base), baseten_role_arn=BASETEN)] == [
        "no-external-id"
    ]
    star = {
        **base,
        "Principal": {"AWS": "*"},
        "Condition": {"StringEquals": {"sts:ExternalId": "x"}},
    }
    assert [f.code for f in lint_assume_role_trust(policy(star), baseten_role_arn=BASETEN)] == [
        "principal-wildcard"
    ]
