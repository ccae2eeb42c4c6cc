"""Check the AWS side of an ECR pull with the user's own AWS credentials: Baseten's OIDC
provider, the role and its trust policy, the role's ECR permissions, and the image.

Every check becomes one `SetupItem` with a stable id; a problem carries the exact fix
(an `aws` CLI line, or the JSON to add). What the user's identity may not read becomes
UNKNOWN naming the permission it lacks, never a guess. boto3 is imported lazily.

The role's permissions are asked of IAM's policy simulator first (it sees everything
IAM does); where the simulator is unavailable or not allowed, the role's inline and
attached policies and its permissions boundary are evaluated locally (`iam_eval`).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from wizard.model import iam_eval, policies, validators
from wizard.model.facts import OIDC_AUDIENCE, OIDC_ISSUER, ItemStatus, SetupItem, subject
from wizard.model.image import ecr_host
from wizard.model.policies import ECR_POLICY_NAME, ECR_PULL_ACTIONS
from wizard.model.record import field, record

__all__ = [
    "ASSUME_ROLE_ITEMS",
    "CREDENTIALS_ITEM",
    "ECR_AUTH_ACTION",
    "ECR_POLICY_NAME",
    "ECR_PULL_ACTIONS",
    "OIDC_ITEMS",
    "AwsProblem",
    "PermissionReport",
    "assume_role_trust_statement",
    "check_aws_assume_role",
    "check_aws_oidc",
    "cli",
    "compact_json",
    "ecr_pull_policy",
    "oidc_provider_arn",
    "oidc_trust_statement",
    "parse_simulation",
    "parse_simulation_details",
    "policy_document",
    "repository_arn",
    "role_permissions",
    "sample_subject",
    "with_statement",
]

ECR_AUTH_ACTION = "ecr:GetAuthorizationToken"

CREDENTIALS_ITEM = "aws-credentials"
OIDC_ITEMS = (
    "oidc-provider",
    "oidc-audience",
    "role",
    "trust",
    "trust-lint",
    "permissions",
    "repository",
    "image",
)
ASSUME_ROLE_ITEMS = ("role", "trust", "trust-lint", "permissions", "repository", "image")

# A concrete build-time subject: patterns are matched against what Baseten really sends,
# so a pattern pinned to a literal '*' or to another type shows up as a refusal.
_SAMPLE_MODEL, _SAMPLE_DEPLOYMENT, _SAMPLE_ENVIRONMENT = "m0de1id", "dep10yid", "production"

_MISSING = {
    "NoSuchEntity",
    "RepositoryNotFoundException",
    "ImageNotFoundException",
    "RepositoryPolicyNotFoundException",
}
_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "NotAuthorized",
}
_BAD_CREDENTIALS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "AuthFailure",
}


def sample_subject(org_id: str, team_id: str) -> str:
    """A subject like the one Baseten presents when it builds a model of this team."""
    return subject(
        org_id,
        team_id,
        model=_SAMPLE_MODEL,
        deployment=_SAMPLE_DEPLOYMENT,
        environment=_SAMPLE_ENVIRONMENT,
    )


# -- pure builders (the documents are the guide's own, from `policies`) ---------------------


def oidc_provider_arn(account: str, partition: str = "aws") -> str:
    return policies.oidc_provider_arn(account, partition=partition)


def repository_arn(account: str, region: str, repository: str, partition: str = "aws") -> str:
    return policies.ecr_repository_arn(account, region, repository, partition=partition)


def oidc_trust_statement(
    account: str, org_id: str, team_id: str, partition: str = "aws"
) -> dict[str, Any]:
    """The statement that lets Baseten builds of one org/team assume the role."""
    doc = policies.oidc_trust_policy(account, org_id, team_id, partition=partition)
    return dict(doc["Statement"][0])


def assume_role_trust_statement(baseten_role_arn: str, external_id: str) -> dict[str, Any]:
    doc = policies.assume_role_trust_policy(baseten_role_arn, external_id)
    return dict(doc["Statement"][0])


def ecr_pull_policy(
    account: str, region: str, repository: str, partition: str = "aws"
) -> dict[str, Any]:
    """Read-only pull of one repository (`GetAuthorizationToken` only exists on `*`)."""
    return policies.ecr_read_policy(account, region, repository, partition=partition)


def with_statement(
    policy: Mapping[str, Any] | None, statement: Mapping[str, Any]
) -> dict[str, Any]:
    """`policy` with `statement` appended; every existing statement is kept as it was."""
    base = dict(policy or {})
    base.setdefault("Version", policies.POLICY_VERSION)
    base["Statement"] = [*iam_eval.statements(policy), dict(statement)]
    return base


def compact_json(policy: Mapping[str, Any]) -> str:
    """A policy on one line, for a command line."""
    return json.dumps(policy, separators=(",", ":"))


def cli(service: str, operation: str, *args: str, profile: str | None = None) -> str:
    """A shell-ready `aws` command line (policy JSON single-quoted)."""
    words = ["aws", service, operation, *args]
    if profile:
        words += ["--profile", profile]
    return shlex.join(words)


# -- the simulator -------------------------------------------------------------------------


def parse_simulation_details(response: Mapping[str, Any]) -> dict[str, iam_eval.Decision]:
    """`SimulatePrincipalPolicy` results per action. An action listed for several
    resources is allowed only if allowed for all of them."""
    out: dict[str, iam_eval.Decision] = {}
    for result in response.get("EvaluationResults") or []:
        action = str(result.get("EvalActionName", ""))
        resource = str(result.get("EvalResourceName", "*"))
        verdict = str(result.get("EvalDecision", "implicitDeny"))
        sources = [str(m.get("SourcePolicyId", "?")) for m in result.get("MatchedStatements") or []]
        missing = list(result.get("MissingContextValues") or [])
        boundary = (result.get("PermissionsBoundaryDecisionDetail") or {}).get(
            "AllowedByPermissionsBoundary", True
        )
        orgs = (result.get("OrganizationsDecisionDetail") or {}).get("AllowedByOrganizations", True)
        if verdict == "allowed":
            decision = iam_eval.Decision(
                True,
                f"{action} on {resource} is allowed by "
                f"{', '.join(sources) or 'the role policies'} (IAM policy simulator)",
            )
        elif verdict == "explicitDeny":
            decision = iam_eval.Decision(
                False,
                f"{action} on {resource} is explicitly denied by "
                f"{', '.join(sources) or 'a policy'} (IAM policy simulator)",
                explicit_deny=True,
            )
        elif not boundary:
            decision = iam_eval.Decision(
                False,
                f"{action} on {resource} is not allowed by the role's permissions "
                "boundary (IAM policy simulator)",
                boundary=True,
            )
        elif not orgs:
            decision = iam_eval.Decision(
                False,
                f"{action} on {resource} is blocked by an AWS Organizations service "
                "control policy (IAM policy simulator)",
                explicit_deny=True,
            )
        else:
            decision = iam_eval.Decision(
                False,
                f"no policy of the role allows {action} on {resource} "
                "(IAM policy simulator)"
                + (f"; it depends on {', '.join(missing)}" if missing else ""),
                certain=not missing,
            )
        previous = out.get(action)
        if previous is None or (previous.allowed and not decision.allowed):
            out[action] = decision
    return out


def parse_simulation(response: Mapping[str, Any]) -> dict[str, bool]:
    """Action -> allowed, from a `SimulatePrincipalPolicy` response."""
    return {a: d.allowed for a, d in parse_simulation_details(response).items()}


# -- talking to AWS ------------------------------------------------------------------------


class AwsProblem(Exception):
    """An AWS call failed. `kind`: missing, denied, credentials, unreachable, error."""

    def __init__(self, kind: str, code: str, message: str, permission: str = "") -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.kind, self.code, self.message, self.permission = kind, code, message, permission


def _problem(exc: Exception, permission: str = "") -> AwsProblem:
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ProfileNotFound,
        ReadTimeoutError,
    )

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        kind = (
            "missing"
            if code in _MISSING
            else "denied"
            if code in _DENIED
            else "credentials"
            if code in _BAD_CREDENTIALS
            else "error"
        )
        return AwsProblem(kind, code, message, permission)
    if isinstance(exc, (NoCredentialsError, ProfileNotFound)):
        return AwsProblem("credentials", type(exc).__name__, str(exc), permission)
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
        return AwsProblem("unreachable", type(exc).__name__, str(exc), permission)
    return AwsProblem("error", type(exc).__name__, str(exc), permission)


class AwsSession:
    """The user's AWS identity and the few clients the checks use."""

    def __init__(self, *, profile: str | None, region: str, timeout: float = 10.0) -> None:
        import boto3
        from botocore.config import Config

        self.profile, self.region = profile, region
        self._session = boto3.Session(profile_name=profile, region_name=region)
        self._config = Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        # The simulator is optional: one attempt, then fall back to local evaluation.
        self._once = Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},
        )
        self._clients: dict[str, Any] = {}

    def client(self, service: str, *, once: bool = False) -> Any:
        key = f"{service}{'!' if once else ''}"
        if key not in self._clients:
            self._clients[key] = self._session.client(
                service, region_name=self.region, config=self._once if once else self._config
            )
        return self._clients[key]

    def has_credentials(self) -> bool:
        return self._session.get_credentials() is not None

    def call(
        self, service: str, operation: str, permission: str, *, once: bool = False, **params: Any
    ) -> Any:
        try:
            return getattr(self.client(service, once=once), operation)(**params)
        except Exception as exc:
            # Not only BotoCoreError: e.g. botocore.parsers.ResponseParserError is a bare
            # Exception (a proxy's HTML page, or moto's 500 for what it does not implement).
            if type(exc).__module__.split(".")[0] == "botocore":
                raise _problem(exc, permission) from None
            raise

    def pages(self, operation: str, key: str, permission: str, **params: Any) -> list[Any]:
        """All items of a paginated IAM list call."""
        out: list[Any] = []
        marker: str | None = None
        while True:
            page = self.call(
                "iam", operation, permission, **params, **({"Marker": marker} if marker else {})
            )
            out.extend(page.get(key) or [])
            if not page.get("IsTruncated"):
                return out
            marker = page.get("Marker")


def _credentials_item(message: str, fix: str) -> list[SetupItem]:
    return [SetupItem(CREDENTIALS_ITEM, ItemStatus.UNKNOWN, message, fix)]


_CONFIGURE = (
    "configure AWS credentials for the role's account: aws configure, "
    "aws sso login --profile NAME, or set AWS_PROFILE"
)


def open_session(
    *, profile: str | None, region: str, account: str
) -> tuple[AwsSession, str] | list[SetupItem]:
    """A session and the caller's ARN, or the single item saying why there is none."""
    from botocore.exceptions import ProfileNotFound

    try:
        aws = AwsSession(profile=profile, region=region)
    except ProfileNotFound:
        return _credentials_item(
            f"AWS profile {profile!r} does not exist",
            f"create it (aws configure --profile {profile}) or pass an existing profile",
        )
    try:
        has_credentials = aws.has_credentials()
    except Exception as exc:  # a failing credential_process, a broken SSO cache, ...
        if type(exc).__module__.split(".")[0] != "botocore":
            raise
        return _credentials_item(f"your AWS credentials cannot be loaded: {exc}", _CONFIGURE)
    if not has_credentials:
        return _credentials_item(
            "no AWS credentials found; the AWS side cannot be checked", _CONFIGURE
        )
    try:
        identity = aws.call("sts", "get_caller_identity", "")
    except AwsProblem as p:
        if p.kind == "unreachable":
            return _credentials_item(
                f"cannot reach AWS: {p.message}", "check your network or proxy, then retry"
            )
        if p.kind == "credentials":
            return _credentials_item(
                f"AWS does not accept your credentials ({p.code})",
                "refresh them: aws sso login, or aws configure",
            )
        return _credentials_item(f"cannot identify your AWS credentials: {p}", _CONFIGURE)
    if identity.get("Account") != account:
        return _credentials_item(
            f"your AWS credentials ({identity.get('Arn')}) are for account "
            f"{identity.get('Account')}, but the role is in account {account}",
            "use credentials for the role's account: --aws-profile NAME or AWS_PROFILE",
        )
    return aws, str(identity.get("Arn", ""))


# -- the role's permissions ----------------------------------------------------------------


@record(frozen=True)
class PermissionReport:
    """The decision for each required action, and how it was reached."""

    decisions: dict[str, iam_eval.Decision]
    method: str  # "simulator" | "local"
    note: str = ""

    @property
    def allowed(self) -> bool:
        return all(d.allowed for d in self.decisions.values())

    @property
    def certain(self) -> bool:
        return all(d.certain for d in self.decisions.values())


def required_permissions(repo_arn: str) -> list[tuple[str, str]]:
    return [(ECR_AUTH_ACTION, "*"), *((a, repo_arn) for a in ECR_PULL_ACTIONS)]


_LOCAL_READ = (
    "iam:ListRolePolicies, iam:GetRolePolicy, iam:ListAttachedRolePolicies, "
    "iam:GetPolicy, iam:GetPolicyVersion"
)


def _simulate(aws: AwsSession, role_arn: str, repo_arn: str) -> dict[str, iam_eval.Decision]:
    decisions: dict[str, iam_eval.Decision] = {}
    for actions, resources in (([ECR_AUTH_ACTION], None), (list(ECR_PULL_ACTIONS), [repo_arn])):
        response = aws.call(
            "iam",
            "simulate_principal_policy",
            "iam:SimulatePrincipalPolicy",
            once=True,
            PolicySourceArn=role_arn,
            ActionNames=actions,
            **({"ResourceArns": resources} if resources else {}),
        )
        decisions.update({a.lower(): d for a, d in parse_simulation_details(response).items()})
    wanted = [ECR_AUTH_ACTION, *ECR_PULL_ACTIONS]
    if any(a.lower() not in decisions for a in wanted):
        raise AwsProblem("error", "", "the simulator did not answer for every action")
    return {a: decisions[a.lower()] for a in wanted}


def policy_document(doc: Any) -> dict[str, Any]:
    """A policy as boto3 returns it (usually already decoded; URL-encoded JSON otherwise)."""
    if isinstance(doc, str):
        from urllib.parse import unquote

        doc = json.loads(unquote(doc))
    return doc if isinstance(doc, dict) else {}


def _managed_policy(aws: AwsSession, arn: str) -> dict[str, Any]:
    policy = aws.call("iam", "get_policy", "iam:GetPolicy", PolicyArn=arn)["Policy"]
    version = aws.call(
        "iam",
        "get_policy_version",
        "iam:GetPolicyVersion",
        PolicyArn=arn,
        VersionId=policy["DefaultVersionId"],
    )["PolicyVersion"]
    return policy_document(version.get("Document"))


def role_policies(aws: AwsSession, role_name: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Names and documents of the role's inline and attached managed policies."""
    names: list[str] = []
    docs: list[dict[str, Any]] = []
    for name in aws.pages(
        "list_role_policies", "PolicyNames", "iam:ListRolePolicies", RoleName=role_name
    ):
        doc = aws.call(
            "iam", "get_role_policy", "iam:GetRolePolicy", RoleName=role_name, PolicyName=name
        )["PolicyDocument"]
        names.append(f"inline policy {name}")
        docs.append(policy_document(doc))
    for attached in aws.pages(
        "list_attached_role_policies",
        "AttachedPolicies",
        "iam:ListAttachedRolePolicies",
        RoleName=role_name,
    ):
        names.append(f"managed policy {attached['PolicyArn']}")
        docs.append(_managed_policy(aws, attached["PolicyArn"]))
    return names, docs


def evaluate_locally(
    aws: AwsSession, role: Mapping[str, Any], repo_arn: str
) -> dict[str, iam_eval.Decision]:
    names, docs = role_policies(aws, str(role["RoleName"]))
    boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    boundary = _managed_policy(aws, boundary_arn) if boundary_arn else None
    out: dict[str, iam_eval.Decision] = {}
    for action, resource in required_permissions(repo_arn):
        decision = iam_eval.allows(docs, action, resource, names=names)
        if decision.allowed and boundary is not None:
            limit = iam_eval.allows(
                [boundary], action, resource, names=[f"permissions boundary {boundary_arn}"]
            )
            if not limit.allowed:
                decision = iam_eval.Decision(
                    False,
                    f"{action} on {resource} is allowed by the role's policies but not "
                    f"by its permissions boundary {boundary_arn} ({limit.reason})",
                    certain=limit.certain,
                    explicit_deny=limit.explicit_deny,
                    boundary=True,
                )
        out[action] = decision
    return out


def role_permissions(aws: AwsSession, role: Mapping[str, Any], repo_arn: str) -> PermissionReport:
    """Simulator first; on any failure of it, local evaluation (which may raise)."""
    try:
        return PermissionReport(_simulate(aws, str(role["Arn"]), repo_arn), "simulator")
    except AwsProblem as p:
        why = (
            "you may not call iam:SimulatePrincipalPolicy"
            if p.kind == "denied"
            else f"the IAM policy simulator was unavailable: {p.code or p.message}"
        )
    decisions = evaluate_locally(aws, role, repo_arn)
    return PermissionReport(
        decisions,
        "local",
        f"evaluated the role's policies locally, as {why}; service control policies and "
        "the repository policy are not included",
    )


# -- the checks ----------------------------------------------------------------------------


def _unknown(item_id: str, p: AwsProblem, caller: str) -> SetupItem:
    if p.kind == "denied":
        return SetupItem(
            item_id,
            ItemStatus.UNKNOWN,
            f"your AWS identity ({caller}) may not call {p.permission}, so this was not checked",
            f"grant {p.permission} to {caller}, or use a profile that has it (--aws-profile)",
        )
    return SetupItem(
        item_id,
        ItemStatus.UNKNOWN,
        f"could not check: {p.permission or 'AWS'} failed with {p}",
        "retry; if it persists, check the AWS service health and your network",
    )


def _skipped(item_id: str, because: str) -> SetupItem:
    return SetupItem(item_id, ItemStatus.UNKNOWN, f"not checked: {because}")


@record
class _Target:
    """What is being checked, parsed once."""

    role_arn: str
    partition: str
    account: str
    role_name: str
    region: str
    repository: str
    tag_or_digest: str
    registry_account: str
    profile: str | None
    caller: str = ""
    role: dict[str, Any] | None = None
    aws: AwsSession | None = field(default=None, repr=False)

    @property
    def repo_arn(self) -> str:
        return repository_arn(self.registry_account, self.region, self.repository, self.partition)

    def cli(self, service: str, operation: str, *args: str) -> str:
        region = ("--region", self.region) if service == "ecr" else ()
        return cli(service, operation, *args, *region, profile=self.profile)


def _target(
    role_arn: str,
    region: str,
    repository: str,
    tag_or_digest: str,
    registry_account: str | None,
    profile: str | None,
) -> _Target | SetupItem:
    validators.region(region)  # a caller's bug, not the user's AWS setup: raise
    try:
        arn = validators.role_arn(role_arn)
    except validators.InvalidValue as e:
        return SetupItem(
            "role",
            ItemStatus.PROBLEM,
            str(e),
            "print the role's ARN: aws iam get-role --role-name NAME "
            "--query Role.Arn --output text",
        )
    partition, account = arn.split(":")[1], arn.split(":")[4]
    name = arn.rsplit("/", 1)[1]
    return _Target(
        arn,
        partition,
        account,
        name,
        region,
        repository,
        tag_or_digest,
        registry_account or account,
        profile,
    )


def _check_provider(t: _Target) -> list[SetupItem]:
    assert t.aws is not None
    arn = oidc_provider_arn(t.account, t.partition)
    create = t.cli(
        "iam",
        "create-open-id-connect-provider",
        "--url",
        OIDC_ISSUER,
        "--client-id-list",
        OIDC_AUDIENCE,
    )
    try:
        provider = t.aws.call(
            "iam",
            "get_open_id_connect_provider",
            "iam:GetOpenIDConnectProvider",
            OpenIDConnectProviderArn=arn,
        )
    except AwsProblem as p:
        if p.kind == "missing":
            return [
                SetupItem(
                    "oidc-provider",
                    ItemStatus.PROBLEM,
                    f"account {t.account} has no OIDC identity provider for {OIDC_ISSUER}",
                    create,
                ),
                _skipped("oidc-audience", "the OIDC provider is missing"),
            ]
        return [
            _unknown("oidc-provider", p, t.caller),
            _skipped("oidc-audience", "the OIDC provider could not be read"),
        ]
    items = [SetupItem("oidc-provider", ItemStatus.OK, f"OIDC provider {arn} exists")]
    audiences = [str(a) for a in provider.get("ClientIDList") or []]
    if OIDC_AUDIENCE in audiences:
        items.append(
            SetupItem(
                "oidc-audience", ItemStatus.OK, f"the provider accepts audience {OIDC_AUDIENCE}"
            )
        )
    else:
        items.append(
            SetupItem(
                "oidc-audience",
                ItemStatus.PROBLEM,
                f"the provider's audiences are {audiences or 'empty'}; Baseten's tokens carry "
                f"audience {OIDC_AUDIENCE}",
                t.cli(
                    "iam",
                    "add-client-id-to-open-id-connect-provider",
                    "--open-id-connect-provider-arn",
                    arn,
                    "--client-id",
                    OIDC_AUDIENCE,
                ),
            )
        )
    return items


def _check_role(t: _Target, trust_statement: dict[str, Any]) -> SetupItem:
    assert t.aws is not None
    try:
        t.role = t.aws.call("iam", "get_role", "iam:GetRole", RoleName=t.role_name)["Role"]
    except AwsProblem as p:
        if p.kind != "missing":
            return _unknown("role", p, t.caller)
        trust = {"Version": policies.POLICY_VERSION, "Statement": [trust_statement]}
        create = t.cli(
            "iam",
            "create-role",
            "--role-name",
            t.role_name,
            "--assume-role-policy-document",
            compact_json(trust),
        )
        return SetupItem(
            "role",
            ItemStatus.PROBLEM,
            f"role {t.role_name} does not exist in account {t.account}",
            f"{create}\n{_put_policy(t)}",
        )
    actual = str(t.role.get("Arn", t.role_arn))
    if actual != t.role_arn:
        return SetupItem(
            "role",
            ItemStatus.PROBLEM,
            f"role {t.role_name} exists, but its ARN is {actual}, not {t.role_arn}",
            f"use {actual} as the role ARN in config.yaml",
        )
    return SetupItem("role", ItemStatus.OK, f"role {t.role_arn} exists")


_REPLACEABLE = {
    "legacy-env",
    "string-equals-wildcard",
    "model-container-only",
    "org-wildcard",
    "no-sub",
}


def _trust_fix(
    t: _Target,
    policy: Mapping[str, Any],
    result: iam_eval.TrustResult,
    statement: dict[str, Any],
    findings: Sequence[iam_eval.Finding],
    admits: Callable[[Mapping[str, Any]], iam_eval.TrustResult],
) -> str:
    """The exact trust policy that would work: broken Baseten statements replaced, a
    denying statement removed, the Baseten statement appended; all else kept."""
    replaced: dict[int, list[str]] = {}
    for f in findings:
        index = iam_eval.statement_of(f)
        if f.code in _REPLACEABLE and index is not None:
            replaced.setdefault(index, []).append(f.code)
    drop = set(replaced)
    stmts = iam_eval.statements(policy)
    denied_by = (
        result.statement
        if result.statement is not None
        and str(stmts[result.statement].get("Effect", "")).lower() == "deny"
        else None
    )
    if denied_by is not None:
        drop.add(denied_by)
    kept = {**policy, "Statement": [s for i, s in enumerate(stmts) if i not in drop]}
    fixed = kept if admits(kept).admitted else with_statement(kept, statement)
    lines = []
    if statement not in stmts:
        lines.append(f"add this statement to the role's trust policy: {compact_json(statement)}")
    lines += [
        f"it replaces statement {i + 1} ({', '.join(codes)}; see trust-lint)"
        for i, codes in sorted(replaced.items())
    ]
    if denied_by is not None:
        lines.append(f"remove statement {denied_by + 1} of the trust policy: it denies Baseten")
    lines.append(
        t.cli(
            "iam",
            "update-assume-role-policy",
            "--role-name",
            t.role_name,
            "--policy-document",
            compact_json(fixed),
        )
    )
    return "\n".join(lines)


def _lint_item(findings: Sequence[iam_eval.Finding]) -> SetupItem:
    problems = [f for f in findings if f.is_error]
    if problems:
        return SetupItem(
            "trust-lint",
            ItemStatus.PROBLEM,
            "; ".join(f"[{f.code}] {f.message}" for f in problems),
            "\n".join(f.fix for f in problems),
        )
    advice = [f for f in findings if not f.is_error]
    if advice:
        return SetupItem(
            "trust-lint",
            ItemStatus.OK,
            "no problems; advice: " + "; ".join(f.message for f in advice),
            "\n".join(f.fix for f in advice),
        )
    return SetupItem("trust-lint", ItemStatus.OK, "the trust policy has no known pitfalls")


def _check_trust(
    t: _Target,
    *,
    principal: dict[str, str] | None,
    action: str,
    context: dict[str, str] | None,
    statement: dict[str, Any],
    shown: str,
    missing_facts: str,
    lint: Callable[[Mapping[str, Any]], list[iam_eval.Finding]],
) -> list[SetupItem]:
    if t.role is None:
        return [
            _skipped("trust", "the role is missing"),
            _skipped("trust-lint", "the role is missing"),
        ]
    policy = policy_document(t.role.get("AssumeRolePolicyDocument") or {})
    findings = lint(policy)
    if principal is None or context is None:
        trust = SetupItem(
            "trust",
            ItemStatus.UNKNOWN,
            f"not checked: {missing_facts}",
            "get them from your Baseten workspace settings",
        )
        return [trust, _lint_item(findings)]

    def admits(doc: Mapping[str, Any]) -> iam_eval.TrustResult:
        return iam_eval.trust_admits(doc, principal=principal, action=action, context=context)

    result = admits(policy)
    if not result.certain:
        trust = SetupItem(
            "trust",
            ItemStatus.UNKNOWN,
            f"the trust policy could not be fully evaluated: {result.reason}",
            "test it: deploy once and read the build log, or simplify the condition",
        )
    elif result.admitted:
        trust = SetupItem(
            "trust", ItemStatus.OK, f"the trust policy admits Baseten ({shown}): {result.reason}"
        )
    else:
        trust = SetupItem(
            "trust",
            ItemStatus.PROBLEM,
            f"the trust policy refuses Baseten ({shown}): {result.reason}",
            _trust_fix(t, policy, result, statement, findings, admits),
        )
    return [trust, _lint_item(findings)]


def _put_policy(t: _Target) -> str:
    return t.cli(
        "iam",
        "put-role-policy",
        "--role-name",
        t.role_name,
        "--policy-name",
        ECR_POLICY_NAME,
        "--policy-document",
        compact_json(ecr_pull_policy(t.registry_account, t.region, t.repository, t.partition)),
    )


def _check_permissions(t: _Target) -> SetupItem:
    assert t.aws is not None
    if t.role is None:
        return _skipped("permissions", "the role is missing")
    put = _put_policy(t)
    try:
        report = role_permissions(t.aws, t.role, t.repo_arn)
    except AwsProblem as p:
        if p.kind == "denied":
            return SetupItem(
                "permissions",
                ItemStatus.UNKNOWN,
                f"your AWS identity ({t.caller}) may neither simulate the role's policies nor "
                f"read them ({p.permission} was refused)",
                f"grant iam:SimulatePrincipalPolicy, or {_LOCAL_READ}, to {t.caller}",
            )
        return _unknown("permissions", p, t.caller)
    how = "IAM policy simulator" if report.method == "simulator" else "local evaluation"
    suffix = f" ({report.note})" if report.note else f" ({how})"
    cross = ""
    if t.registry_account != t.account:
        cross = (
            f"; the repository is in account {t.registry_account}, so its repository "
            f"policy must also allow {t.role_arn}"
        )
    refused = [d for d in report.decisions.values() if not d.allowed]
    if not refused:
        return SetupItem(
            "permissions",
            ItemStatus.OK,
            f"the role may {', '.join(report.decisions)} on {t.repo_arn}{suffix}{cross}",
        )
    if not all(d.certain for d in refused):
        return SetupItem(
            "permissions",
            ItemStatus.UNKNOWN,
            "; ".join(d.reason for d in refused) + suffix,
            f"if Baseten is refused, add an unconditional allow: {put}",
        )
    fixes: list[str] = []
    if any(d.explicit_deny for d in refused):
        fixes.append("remove or narrow the Deny named above; an Allow cannot override it")
    if any(d.boundary for d in refused):
        fixes.append("allow the ECR actions in the role's permissions boundary as well")
    if any(not d.explicit_deny and not d.boundary for d in refused):
        fixes.append(put)
    return SetupItem(
        "permissions",
        ItemStatus.PROBLEM,
        "; ".join(d.reason for d in refused) + suffix + cross,
        "\n".join(fixes),
    )


def _check_image(t: _Target) -> list[SetupItem]:
    assert t.aws is not None
    ref = t.tag_or_digest
    image_id = {"imageDigest": ref} if ref.startswith("sha256:") else {"imageTag": ref}
    host = ecr_host(t.registry_account, t.region)
    shown = f"{host}/{t.repository}{'@' if 'imageDigest' in image_id else ':'}{ref}"
    try:
        found = t.aws.call(
            "ecr",
            "describe_images",
            "ecr:DescribeImages",
            repositoryName=t.repository,
            registryId=t.registry_account,
            imageIds=[image_id],
        )["imageDetails"]
    except AwsProblem as p:
        if p.kind == "missing" and p.code == "RepositoryNotFoundException":
            return [
                SetupItem(
                    "repository",
                    ItemStatus.PROBLEM,
                    f"no repository {t.repository!r} in account {t.registry_account}, "
                    f"region {t.region}",
                    "list the repositories to find the right name: "
                    + t.cli(
                        "ecr", "describe-repositories", "--query", "repositories[].repositoryName"
                    )
                    + "\nor create it: "
                    + t.cli("ecr", "create-repository", "--repository-name", t.repository),
                ),
                _skipped("image", "the repository is missing"),
            ]
        if p.kind == "missing":
            return [
                SetupItem(
                    "repository", ItemStatus.OK, f"repository {t.repository} exists in {t.region}"
                ),
                SetupItem(
                    "image",
                    ItemStatus.PROBLEM,
                    f"{shown} does not exist",
                    f"push it (docker push {shown}) or list the tags there: "
                    + t.cli("ecr", "list-images", "--repository-name", t.repository),
                ),
            ]
        failed = _unknown("repository", p, t.caller)
        return [failed, _skipped("image", "the repository could not be read")]
    digest = found[0].get("imageDigest", "") if found else ""
    return [
        SetupItem("repository", ItemStatus.OK, f"repository {t.repository} exists in {t.region}"),
        SetupItem("image", ItemStatus.OK, f"{shown} exists ({digest})"),
    ]


def _run(t: _Target, steps: Sequence[Callable[[_Target], list[SetupItem]]]) -> list[SetupItem]:
    opened = open_session(profile=t.profile, region=t.region, account=t.account)
    if isinstance(opened, list):
        return opened
    t.aws, t.caller = opened
    return [item for step in steps for item in step(t)]


def check_aws_oidc(
    *,
    role_arn: str,
    region: str,
    repository: str,
    tag_or_digest: str,
    org_id: str | None,
    team_id: str | None,
    profile: str | None = None,
    registry_account: str | None = None,
) -> list[SetupItem]:
    """Items `OIDC_ITEMS`, in that order (or one `aws-credentials` item)."""
    t = _target(role_arn, region, repository, tag_or_digest, registry_account, profile)
    if isinstance(t, SetupItem):
        return [t]
    provider = oidc_provider_arn(t.account, t.partition)
    statement = oidc_trust_statement(
        t.account,
        org_id or policies.placeholder("org_id"),
        team_id or policies.placeholder("team_id"),
        t.partition,
    )
    context = None
    if org_id and team_id:
        context = {
            iam_eval.AUD_KEY: OIDC_AUDIENCE,
            iam_eval.SUB_KEY: sample_subject(org_id, team_id),
        }

    def trust(t: _Target) -> list[SetupItem]:
        return _check_trust(
            t,
            principal={"Federated": provider},
            action="sts:AssumeRoleWithWebIdentity",
            context=context,
            statement=statement,
            shown=f"sub {sample_subject(org_id or '', team_id or '')}",
            missing_facts="needs your Baseten organization ID and team ID",
            lint=lambda p: iam_eval.lint_oidc_trust(p, org_id=org_id, team_id=team_id),
        )

    return _run(
        t,
        [
            _check_provider,
            lambda t: [_check_role(t, statement)],
            trust,
            lambda t: [_check_permissions(t)],
            _check_image,
        ],
    )


def check_aws_assume_role(
    *,
    role_arn: str,
    region: str,
    repository: str,
    tag_or_digest: str,
    baseten_role_arn: str | None,
    external_id: str | None,
    profile: str | None = None,
    registry_account: str | None = None,
) -> list[SetupItem]:
    """Items `ASSUME_ROLE_ITEMS`, in that order (or one `aws-credentials` item)."""
    t = _target(role_arn, region, repository, tag_or_digest, registry_account, profile)
    if isinstance(t, SetupItem):
        return [t]
    statement = assume_role_trust_statement(
        baseten_role_arn or policies.placeholder("baseten_role_arn"),
        external_id or policies.placeholder("external_id"),
    )
    context = None
    if baseten_role_arn and external_id:
        context = {iam_eval.EXTERNAL_ID_KEY: external_id, "aws:PrincipalArn": baseten_role_arn}
        account = validators.role_arn_account(baseten_role_arn)
        if account:
            context["aws:PrincipalAccount"] = account

    def trust(t: _Target) -> list[SetupItem]:
        return _check_trust(
            t,
            principal={"AWS": baseten_role_arn} if baseten_role_arn else None,
            action="sts:AssumeRole",
            context=context,
            statement=statement,
            shown=f"{baseten_role_arn} with external ID {external_id}",
            missing_facts="needs Baseten's AWS role ARN and your organization's external ID",
            lint=lambda p: iam_eval.lint_assume_role_trust(p, baseten_role_arn=baseten_role_arn),
        )

    return _run(
        t,
        [
            lambda t: [_check_role(t, statement)],
            trust,
            lambda t: [_check_permissions(t)],
            _check_image,
        ],
    )
