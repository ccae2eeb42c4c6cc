"""`--provision`: create what the AWS side is missing, after showing exactly what.

`plan_provision` reads the current state with the user's credentials and lists only
the missing pieces, each as the `aws` CLI line that does it; the caller shows the plan,
asks, and then `apply_provision` makes the same calls through boto3.

Additive only: an existing trust policy gets the Baseten statement appended (every
statement already there is kept), an existing inline policy of ours gets our
statements appended, nothing is ever deleted or detached. What only a deletion could
fix (an explicit Deny) becomes a note for the user instead of a step. Planning again
after applying gives an empty plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from wizard.model import iam_eval, policies, rules, validators
from wizard.model.facts import OIDC_AUDIENCE, OIDC_ISSUER
from wizard.model.policies import ECR_POLICY_NAME
from wizard.model.record import field, record
from wizard.verify import aws as awsmod
from wizard.verify.aws import AwsProblem, AwsSession, cli, compact_json, with_statement

__all__ = [
    "METHODS",
    "ProvisionError",
    "ProvisionPlan",
    "ProvisionStep",
    "apply_provision",
    "plan_provision",
]

METHODS = ("oidc", "assume-role")
ROLE_DESCRIPTION = "Lets Baseten pull private base images from ECR (registry-wizard)"


class ProvisionError(Exception):
    """Planning or applying stopped; `done` lists what had already been done."""

    def __init__(self, message: str, fix: str = "", done: list[str] | None = None) -> None:
        super().__init__(message)
        self.message, self.fix, self.done = message, fix, list(done or [])


@record(frozen=True)
class ProvisionStep:
    """One API call. `kind`: create-oidc-provider, add-oidc-audience, create-role,
    update-trust-policy, put-role-policy. `params` is what `apply_provision` sends."""

    description: str
    api_call: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@record(frozen=True)
class ProvisionPlan:
    """What 'create it for me' will create in AWS, step by step."""

    account: str
    role_name: str
    region: str
    repository: str
    method: str
    profile: str | None
    steps: tuple[ProvisionStep, ...] = ()
    notes: tuple[str, ...] = ()  # what we saw but will not change
    partition: str = "aws"

    @property
    def role_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:role/{self.role_name}"

    @property
    def empty(self) -> bool:
        return not self.steps

    def render(self) -> str:
        """The plan as the user confirms it: every step with its exact command."""
        lines = (
            [f"Nothing to create: the AWS side of {self.role_arn} is in place."]
            if (self.empty)
            else [f"To set up {self.role_arn}, the wizard will run:"]
        )
        for n, step in enumerate(self.steps, 1):
            lines += [f"{n}. {step.description}", f"   {step.api_call}"]
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)


@record(frozen=True)
class _Trust:
    """A trust statement and the request it must admit."""

    statement: dict[str, Any]
    principal: dict[str, str]
    action: str
    context: dict[str, str]

    def admits(self, policy: Mapping[str, Any]) -> iam_eval.TrustResult:
        return iam_eval.trust_admits(
            policy, principal=self.principal, action=self.action, context=self.context
        )


_Step = Callable[..., None]


def _refuse_loose_trust(
    method: str,
    trust: _Trust,
    org_id: str | None,
    team_id: str | None,
    baseten_role_arn: str | None,
) -> None:
    """Lint the trust statement this will create, as `check` lints an existing one: a
    statement that admits more than this organization's builds is never created."""
    doc = {"Version": policies.POLICY_VERSION, "Statement": [trust.statement]}
    if method == "oidc":
        found = iam_eval.lint_oidc_trust(doc, org_id=org_id, team_id=team_id)
    else:
        found = iam_eval.lint_assume_role_trust(doc, baseten_role_arn=baseten_role_arn)
    errors = [f for f in found if f.is_error]
    if errors:
        raise ValueError(f"refusing to create a trust policy that {errors[0].message}")


def _trust_spec(
    method: str,
    account: str,
    partition: str,
    org_id: str | None,
    team_id: str | None,
    baseten_role_arn: str | None,
    external_id: str | None,
) -> _Trust:
    if method == "oidc":
        if not (org_id and team_id):
            raise ValueError("provisioning an OIDC role needs the Baseten org ID and team ID")
        return _Trust(
            awsmod.oidc_trust_statement(account, org_id, team_id, partition),
            {"Federated": awsmod.oidc_provider_arn(account, partition)},
            "sts:AssumeRoleWithWebIdentity",
            {
                iam_eval.AUD_KEY: OIDC_AUDIENCE,
                iam_eval.SUB_KEY: awsmod.sample_subject(org_id, team_id),
            },
        )
    if method == "assume-role":
        if not (baseten_role_arn and external_id):
            raise ValueError(
                "provisioning an AssumeRole role needs Baseten's AWS role ARN "
                "and the org's external ID"
            )
        validators.role_arn(baseten_role_arn)
        return _Trust(
            awsmod.assume_role_trust_statement(baseten_role_arn, external_id),
            {"AWS": baseten_role_arn},
            "sts:AssumeRole",
            {iam_eval.EXTERNAL_ID_KEY: external_id, "aws:PrincipalArn": baseten_role_arn},
        )
    raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")


def _session(profile: str | None, region: str, account: str) -> AwsSession:
    opened = awsmod.open_session(profile=profile, region=region, account=account)
    if isinstance(opened, list):
        raise ProvisionError(opened[0].message, opened[0].fix)
    return opened[0]


def _cannot_read(p: AwsProblem) -> ProvisionError:
    if p.kind == "denied":
        return ProvisionError(
            f"your AWS identity may not call {p.permission}, so the current state cannot be read",
            f"grant {p.permission}, or use a profile that has it",
        )
    return ProvisionError(f"{p.permission or 'AWS'} failed: {p}")


def _merged_inline(aws: AwsSession, role_name: str, ours: Mapping[str, Any]) -> dict[str, Any]:
    """Our inline policy, keeping any statement a same-named policy already has."""
    try:
        current = aws.call(
            "iam",
            "get_role_policy",
            "iam:GetRolePolicy",
            RoleName=role_name,
            PolicyName=ECR_POLICY_NAME,
        )["PolicyDocument"]
    except AwsProblem as p:
        if p.kind == "missing":
            return dict(ours)
        raise
    merged = awsmod.policy_document(current)
    for statement in iam_eval.statements(ours):
        if statement not in iam_eval.statements(merged):
            merged = with_statement(merged, statement)
    return merged


def plan_provision(
    *,
    account: str,
    role_name: str,
    region: str,
    repository: str,
    org_id: str | None,
    team_id: str | None,
    method: str = "oidc",
    baseten_role_arn: str | None = None,
    external_id: str | None = None,
    profile: str | None = None,
    registry_account: str | None = None,
) -> ProvisionPlan:
    """What is missing, as steps; reads only. Raises ProvisionError if the state cannot
    be read, ValueError on bad arguments. `account` is the role's; `registry_account` the
    repository's, when the role is in another account (its repository policy is left to
    the user, who holds that account's credentials: a note says so)."""
    validators.region(region)
    partition = policies.aws_partition(region)
    validators.role_arn(f"arn:{partition}:iam::{account}:role/{role_name}")
    problems = rules.check_facts(
        {
            "org-id": org_id,
            "team-id": team_id,
            "baseten-role-arn": baseten_role_arn,
            "external-id": external_id,
        }
    )
    if problems:
        raise ValueError(problems[0].message)
    trust = _trust_spec(method, account, partition, org_id, team_id, baseten_role_arn, external_id)
    _refuse_loose_trust(method, trust, org_id, team_id, baseten_role_arn)
    aws = _session(profile, region, account)
    steps: list[ProvisionStep] = []
    notes: list[str] = []

    def step(
        description: str, kind: str, service: str, operation: str, *args: str, **params: Any
    ) -> None:
        steps.append(
            ProvisionStep(
                description, cli(service, operation, *args, profile=profile), kind, params
            )
        )

    try:
        if method == "oidc":
            _plan_provider(aws, account, partition, step)
        role = _read_role(aws, role_name)
        repo_account = registry_account or account
        ecr_policy = awsmod.ecr_pull_policy(repo_account, region, repository, partition)
        if role is None:
            doc = {"Version": policies.POLICY_VERSION, "Statement": [trust.statement]}
            step(
                f"Create role {role_name}, trusting only Baseten ({_who(trust)})",
                "create-role",
                "iam",
                "create-role",
                "--role-name",
                role_name,
                "--assume-role-policy-document",
                compact_json(doc),
                "--description",
                ROLE_DESCRIPTION,
                RoleName=role_name,
                AssumeRolePolicyDocument=json.dumps(doc),
                Description=ROLE_DESCRIPTION,
                trust=trust,
            )
            _step_policy(step, role_name, ecr_policy, repository)
        else:
            _plan_trust(role, trust, step, notes)
            repo_arn = awsmod.repository_arn(repo_account, region, repository, partition)
            _plan_permissions(aws, role, ecr_policy, repo_arn, repository, step, notes)
    except AwsProblem as p:
        raise _cannot_read(p) from None
    if repo_account != account:
        role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"
        notes.append(
            f"the repository is in account {repo_account}, the role in {account} "
            f"(role-other-account): the repository's policy must also grant {role_arn} "
            "ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability. "
            "This plan cannot set it; `registry-wizard guide` prints the policy and the "
            f"commands, to run with credentials for account {repo_account}"
        )
    return ProvisionPlan(
        account,
        role_name,
        region,
        repository,
        method,
        profile,
        tuple(steps),
        tuple(notes),
        partition,
    )


def _who(trust: _Trust) -> str:
    if iam_eval.SUB_KEY in trust.context:
        return f"sub {trust.statement['Condition']['StringLike'][iam_eval.SUB_KEY]}"
    return f"{trust.principal['AWS']} with its external ID"


def _plan_provider(aws: AwsSession, account: str, partition: str, step: _Step) -> None:
    arn = awsmod.oidc_provider_arn(account, partition)
    try:
        provider = aws.call(
            "iam",
            "get_open_id_connect_provider",
            "iam:GetOpenIDConnectProvider",
            OpenIDConnectProviderArn=arn,
        )
    except AwsProblem as p:
        if p.kind != "missing":
            raise
        step(
            f"Register Baseten's OIDC issuer {OIDC_ISSUER} in account {account} "
            f"(audience {OIDC_AUDIENCE})",
            "create-oidc-provider",
            "iam",
            "create-open-id-connect-provider",
            "--url",
            OIDC_ISSUER,
            "--client-id-list",
            OIDC_AUDIENCE,
            Url=OIDC_ISSUER,
            ClientIDList=[OIDC_AUDIENCE],
        )
        return
    if OIDC_AUDIENCE not in (provider.get("ClientIDList") or []):
        step(
            f"Add audience {OIDC_AUDIENCE} to the existing OIDC provider {arn}",
            "add-oidc-audience",
            "iam",
            "add-client-id-to-open-id-connect-provider",
            "--open-id-connect-provider-arn",
            arn,
            "--client-id",
            OIDC_AUDIENCE,
            OpenIDConnectProviderArn=arn,
            ClientID=OIDC_AUDIENCE,
        )


def _read_role(aws: AwsSession, role_name: str) -> dict[str, Any] | None:
    try:
        return dict(aws.call("iam", "get_role", "iam:GetRole", RoleName=role_name)["Role"])
    except AwsProblem as p:
        if p.kind == "missing":
            return None
        raise


def _plan_trust(role: Mapping[str, Any], trust: _Trust, step: _Step, notes: list[str]) -> None:
    current = awsmod.policy_document(role.get("AssumeRolePolicyDocument") or {})
    result = trust.admits(current)
    if result.admitted and result.certain:
        return
    stmts = iam_eval.statements(current)
    if (
        result.statement is not None
        and str(stmts[result.statement].get("Effect", "")).lower() == "deny"
    ):
        notes.append(
            f"statement {result.statement + 1} of role {role['RoleName']}'s trust "
            "policy denies Baseten; provisioning never deletes, so remove it yourself"
        )
        return
    updated = with_statement(current, trust.statement)
    after = trust.admits(updated)
    if not (after.admitted and after.certain):
        # Appending would not settle it (e.g. a Deny whose condition we cannot evaluate),
        # and appending anyway would append again on every run.
        notes.append(
            f"role {role['RoleName']}'s trust policy cannot be settled by adding a "
            f"statement: {after.reason}; review it yourself"
        )
        return
    step(
        f"Append the Baseten statement to role {role['RoleName']}'s trust policy "
        f"(its {len(stmts)} existing statement{'s' if len(stmts) != 1 else ''} kept)",
        "update-trust-policy",
        "iam",
        "update-assume-role-policy",
        "--role-name",
        str(role["RoleName"]),
        "--policy-document",
        compact_json(updated),
        RoleName=role["RoleName"],
        trust=trust,
    )


def _step_policy(step: _Step, role_name: str, policy: Mapping[str, Any], repository: str) -> None:
    step(
        f"Put inline policy {ECR_POLICY_NAME} on role {role_name}: pull from {repository} "
        "(ecr:GetAuthorizationToken, BatchGetImage, GetDownloadUrlForLayer, "
        "BatchCheckLayerAvailability)",
        "put-role-policy",
        "iam",
        "put-role-policy",
        "--role-name",
        role_name,
        "--policy-name",
        ECR_POLICY_NAME,
        "--policy-document",
        compact_json(policy),
        RoleName=role_name,
        PolicyName=ECR_POLICY_NAME,
        ours=dict(policy),
    )


def _plan_permissions(
    aws: AwsSession,
    role: Mapping[str, Any],
    ecr_policy: Mapping[str, Any],
    repo_arn: str,
    repository: str,
    step: _Step,
    notes: list[str],
) -> None:
    report = awsmod.role_permissions(aws, role, repo_arn)
    refused = [d for d in report.decisions.values() if not d.allowed or not d.certain]
    if not refused:
        return
    # Only a missing Allow is ours to add; a Deny, a boundary, or a conditional Deny on an
    # allowed action would still be there after any Allow (and re-planned every run).
    blocked = [d for d in refused if d.explicit_deny or d.boundary or d.allowed]
    notes.extend(
        f"{d.reason} — another Allow cannot change that; provisioning never deletes, so "
        "change that policy yourself"
        for d in blocked
    )
    if len(blocked) < len(refused):
        merged = _merged_inline(aws, str(role["RoleName"]), ecr_policy)
        _step_policy(step, str(role["RoleName"]), merged, repository)


def _ensure_trust(aws: AwsSession, role_name: str, trust: _Trust) -> str:
    """Append the statement to the trust policy as it is now (not as it was planned)."""
    role = _read_role(aws, role_name)
    if role is None:
        raise ProvisionError(f"role {role_name} disappeared while provisioning")
    current = awsmod.policy_document(role.get("AssumeRolePolicyDocument") or {})
    result = trust.admits(current)
    if result.admitted and result.certain:
        return f"role {role_name}'s trust policy already admits Baseten"
    if trust.statement in iam_eval.statements(current):
        return f"role {role_name}'s trust policy already has the Baseten statement"
    aws.call(
        "iam",
        "update_assume_role_policy",
        "iam:UpdateAssumeRolePolicy",
        RoleName=role_name,
        PolicyDocument=json.dumps(with_statement(current, trust.statement)),
    )
    return f"appended the Baseten statement to role {role_name}'s trust policy"


def _apply_step(aws: AwsSession, s: ProvisionStep) -> str:
    p = dict(s.params)
    if s.kind == "create-oidc-provider":
        try:
            aws.call(
                "iam",
                "create_open_id_connect_provider",
                "iam:CreateOpenIDConnectProvider",
                Url=p["Url"],
                ClientIDList=p["ClientIDList"],
            )
        except AwsProblem as e:
            if e.code != "EntityAlreadyExists":
                raise
            return "the OIDC provider already existed"
        return f"registered the OIDC provider for {p['Url']}"
    if s.kind == "add-oidc-audience":
        aws.call(
            "iam",
            "add_client_id_to_open_id_connect_provider",
            "iam:AddClientIDToOpenIDConnectProvider",
            OpenIDConnectProviderArn=p["OpenIDConnectProviderArn"],
            ClientID=p["ClientID"],
        )
        return f"added audience {p['ClientID']} to {p['OpenIDConnectProviderArn']}"
    if s.kind == "create-role":
        try:
            aws.call(
                "iam",
                "create_role",
                "iam:CreateRole",
                RoleName=p["RoleName"],
                AssumeRolePolicyDocument=p["AssumeRolePolicyDocument"],
                Description=p["Description"],
            )
        except AwsProblem as e:
            if e.code != "EntityAlreadyExists":
                raise
            return _ensure_trust(aws, p["RoleName"], p["trust"])
        return f"created role {p['RoleName']}"
    if s.kind == "update-trust-policy":
        return _ensure_trust(aws, p["RoleName"], p["trust"])
    if s.kind == "put-role-policy":
        merged = _merged_inline(aws, p["RoleName"], p["ours"])
        aws.call(
            "iam",
            "put_role_policy",
            "iam:PutRolePolicy",
            RoleName=p["RoleName"],
            PolicyName=p["PolicyName"],
            PolicyDocument=json.dumps(merged),
        )
        return f"put inline policy {p['PolicyName']} on role {p['RoleName']}"
    raise ValueError(f"unknown provisioning step kind {s.kind!r}")


def apply_provision(plan: ProvisionPlan) -> list[str]:
    """Run the plan's steps in order; return what was done. Each step re-reads what it
    changes, so a plan applied twice, or raced by another edit, still only adds."""
    if plan.empty:
        return []
    aws = _session(plan.profile, plan.region, plan.account)
    done: list[str] = []
    for s in plan.steps:
        try:
            done.append(_apply_step(aws, s))
        except AwsProblem as p:
            fix = (
                f"grant {p.permission} to your AWS identity, or run the remaining commands yourself"
                if p.kind == "denied"
                else ""
            )
            raise ProvisionError(f"{s.description} failed: {p}", fix, done) from None
    return done
