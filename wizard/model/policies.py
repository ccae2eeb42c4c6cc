"""Generators for the cloud-side setup: IAM policy documents and the CLI commands that
apply them. Pure: strings and dicts in, strings and dicts out.

A value the wizard does not know is passed in as a placeholder (`placeholder("org_id")`
-> `<ORG_ID>`); the generators treat it like any other string, so the output says
exactly what the user must fill in, and is still valid JSON.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from wizard.model.facts import OIDC_AUDIENCE, OIDC_HOST, OIDC_ISSUER, subject

__all__ = [
    "ECR_POLICY_NAME",
    "ECR_PULL_ACTIONS",
    "ECR_READ_POLICY_FILE",
    "GAR_READER_ROLE",
    "PLACEHOLDER",
    "POLICY_VERSION",
    "TRUST_POLICY_FILE",
    "WORKLOAD_IDENTITY_USER_ROLE",
    "assume_role_commands",
    "assume_role_trust_policy",
    "aws_partition",
    "ecr_read_policy",
    "ecr_repository_arn",
    "find_placeholders",
    "gcloud_commands",
    "gcloud_key_commands",
    "iam_user_commands",
    "is_placeholder",
    "oidc_provider_arn",
    "oidc_role_commands",
    "oidc_subject_pattern",
    "oidc_trust_policy",
    "placeholder",
    "policy_json",
    "sh",
    "workload_principal_set",
    "workload_provider_path",
]

# `<ORG_ID>`: upper case, digits and '_' in angle brackets. Unmistakable in prose, valid
# inside JSON strings, and a shell refuses to run a command that still has one unquoted.
PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
_PLACEHOLDER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

POLICY_VERSION = "2012-10-17"
TRUST_POLICY_FILE = "trust-policy.json"
ECR_READ_POLICY_FILE = "ecr-read-policy.json"
ECR_POLICY_NAME = "baseten-ecr-read"
ECR_PULL_ACTIONS = (
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
)
GAR_READER_ROLE = "roles/artifactregistry.reader"
WORKLOAD_IDENTITY_USER_ROLE = "roles/iam.workloadIdentityUser"

# Region prefix -> partition, for regions outside the `aws` partition.
_PARTITIONS: tuple[tuple[str, str], ...] = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("eusc-", "aws-eusc"),
)
# How a long command is continued on the next line in the generated shell text.
_CONTINUE = " \\\n    "


# --- placeholders ------------------------------------------------------------------------


def placeholder(name: str) -> str:
    """The marker for an unknown value: `placeholder("org-id")` -> `<ORG_ID>`."""
    if not _PLACEHOLDER_NAME.fullmatch(name):
        raise ValueError(f"{name!r} cannot name a placeholder: use letters, digits, '_' or '-'")
    return f"<{name.upper().replace('-', '_')}>"


def is_placeholder(text: str) -> bool:
    """True when `text` is exactly one placeholder."""
    return PLACEHOLDER.fullmatch(text) is not None


def find_placeholders(text: str) -> list[str]:
    """The distinct placeholders in `text`, in order of first appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def sh(value: str) -> str:
    """`value` as one shell word. Placeholders stay bare where the rest needs no quotes:
    the user replaces them by hand, and until then the shell reads `<X>` as a redirection
    and refuses to run the line."""
    if value and PLACEHOLDER.search(value):
        bare = PLACEHOLDER.sub("X", value)
        if shlex.quote(bare) == bare:
            return value
    return shlex.quote(value)


def _command(head: str, *options: str) -> str:
    """One command: `head` on the first line, then one option per continued line."""
    return _CONTINUE.join((head, *options))


# --- AWS ---------------------------------------------------------------------------------


def aws_partition(region: str | None) -> str:
    """The ARN partition of a region (`aws` when the region is unknown)."""
    if region:
        for prefix, partition in _PARTITIONS:
            if region.startswith(prefix):
                return partition
    return "aws"


def oidc_provider_arn(account: str, *, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:oidc-provider/{OIDC_HOST}"


def oidc_subject_pattern(
    org_id: str,
    team_id: str,
    *,
    model: str = "*",
    environment: str = "*",
    workload_type: str | None = None,
) -> str:
    """The `sub` pattern a trust policy matches: the whole team unless narrowed."""
    if model == "*" and environment == "*" and workload_type is None:
        return f"v=1:org={org_id}:team={team_id}:*"
    return subject(
        org_id, team_id, model=model, environment=environment, workload_type=workload_type or "*"
    )


def oidc_trust_policy(
    account: str,
    org_id: str,
    team_id: str,
    *,
    model: str = "*",
    environment: str = "*",
    workload_type: str | None = None,
    partition: str = "aws",
) -> dict[str, Any]:
    """Trust policy letting Baseten's OIDC tokens for one org and team assume the role."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn(account, partition=partition)},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{OIDC_HOST}:aud": OIDC_AUDIENCE},
                    "StringLike": {
                        f"{OIDC_HOST}:sub": oidc_subject_pattern(
                            org_id,
                            team_id,
                            model=model,
                            environment=environment,
                            workload_type=workload_type,
                        )
                    },
                },
            }
        ],
    }


def assume_role_trust_policy(baseten_role_arn: str, external_id: str) -> dict[str, Any]:
    """Trust policy letting Baseten's own AWS role assume the role, with the org's external ID."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": baseten_role_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


def ecr_repository_arn(
    account: str, region: str, repository: str, *, partition: str = "aws"
) -> str:
    return f"arn:{partition}:ecr:{region}:{account}:repository/{repository}"


def ecr_read_policy(
    account: str, region: str, repository: str, *, partition: str = "aws"
) -> dict[str, Any]:
    """Identity policy allowing a pull of one repository, and nothing else."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                # The token call has no resource: it is always granted on "*".
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": list(ECR_PULL_ACTIONS),
                "Resource": ecr_repository_arn(account, region, repository, partition=partition),
            },
        ],
    }


def policy_json(document: dict[str, Any]) -> str:
    """A policy document as written to a file: two-space JSON with a final newline."""
    return json.dumps(document, indent=2) + "\n"


def oidc_role_commands(
    role_name: str,
    *,
    trust_file: str = TRUST_POLICY_FILE,
    policy_file: str = ECR_READ_POLICY_FILE,
) -> list[str]:
    """Register Baseten's OIDC issuer once per account, then create the role."""
    return [
        _command(
            "aws iam create-open-id-connect-provider",
            f"--url {OIDC_ISSUER}",
            f"--client-id-list {OIDC_AUDIENCE}",
        ),
        *_role_commands(role_name, trust_file, policy_file),
    ]


def assume_role_commands(
    role_name: str,
    *,
    trust_file: str = TRUST_POLICY_FILE,
    policy_file: str = ECR_READ_POLICY_FILE,
) -> list[str]:
    return _role_commands(role_name, trust_file, policy_file)


def _role_commands(role_name: str, trust_file: str, policy_file: str) -> list[str]:
    role = sh(role_name)
    return [
        _command(
            "aws iam create-role",
            f"--role-name {role}",
            f"--assume-role-policy-document file://{trust_file}",
        ),
        _command(
            "aws iam put-role-policy",
            f"--role-name {role}",
            f"--policy-name {ECR_POLICY_NAME}",
            f"--policy-document file://{policy_file}",
        ),
        f"aws iam get-role --role-name {role} --query Role.Arn --output text",
    ]


def iam_user_commands(user_name: str, *, policy_file: str = ECR_READ_POLICY_FILE) -> list[str]:
    """An IAM user that can only pull, and its access key (printed once: store it)."""
    user = sh(user_name)
    return [
        f"aws iam create-user --user-name {user}",
        _command(
            "aws iam put-user-policy",
            f"--user-name {user}",
            f"--policy-name {ECR_POLICY_NAME}",
            f"--policy-document file://{policy_file}",
        ),
        _command(
            "aws iam create-access-key",
            f"--user-name {user}",
            "--query 'AccessKey.[AccessKeyId,SecretAccessKey]'",
            "--output text",
        ),
    ]


# --- Google Cloud ------------------------------------------------------------------------


def workload_provider_path(project_number: str, pool: str, provider: str) -> str:
    """What `gcp_oidc_workload_id_provider` holds. Google wants the project NUMBER here."""
    return (
        f"projects/{project_number}/locations/global/workloadIdentityPools/{pool}"
        f"/providers/{provider}"
    )


def workload_principal_set(project_number: str, pool: str) -> str:
    """Every identity of the pool (the provider's attribute condition already narrows it)."""
    return (
        f"principalSet://iam.googleapis.com/projects/{project_number}/locations/global"
        f"/workloadIdentityPools/{pool}/*"
    )


def _service_account_id(service_account: str) -> str:
    return service_account.partition("@")[0]


def _sa_and_reader_commands(
    project_id: str, location: str, repository: str, service_account: str
) -> list[str]:
    project = sh(project_id)
    return [
        _command(
            f"gcloud iam service-accounts create {sh(_service_account_id(service_account))}",
            f"--project={project}",
            "--display-name='Baseten image pulls'",
        ),
        _command(
            f"gcloud artifacts repositories add-iam-policy-binding {sh(repository)}",
            f"--project={project}",
            f"--location={sh(location)}",
            f"--member=serviceAccount:{sh(service_account)}",
            f"--role={GAR_READER_ROLE}",
        ),
    ]


def gcloud_commands(
    project_id: str,
    project_number: str,
    location: str,
    repository: str,
    service_account: str,
    pool: str,
    provider: str,
    org_id: str,
    team_id: str,
) -> list[str]:
    """Workload identity federation for Baseten: a reader service account, a pool whose
    OIDC provider accepts only the org and team's tokens, and the right to impersonate."""
    project = sh(project_id)
    condition = f"google.subject.startsWith('v=1:org={org_id}:team={team_id}:')"
    member = workload_principal_set(project_number, pool)
    return [
        # STS exchanges the Baseten token; IAM Credentials mints the service account's token.
        _command(
            "gcloud services enable sts.googleapis.com iamcredentials.googleapis.com",
            f"--project={project}",
        ),
        *_sa_and_reader_commands(project_id, location, repository, service_account),
        _command(
            f"gcloud iam workload-identity-pools create {sh(pool)}",
            f"--project={project}",
            "--location=global",
            "--display-name='Baseten'",
        ),
        _command(
            f"gcloud iam workload-identity-pools providers create-oidc {sh(provider)}",
            f"--project={project}",
            "--location=global",
            f"--workload-identity-pool={sh(pool)}",
            f"--issuer-uri={OIDC_ISSUER}",
            f"--allowed-audiences={OIDC_AUDIENCE}",
            "--attribute-mapping=google.subject=assertion.sub",
            f'--attribute-condition="{condition}"',
        ),
        _command(
            f"gcloud iam service-accounts add-iam-policy-binding {sh(service_account)}",
            f"--project={project}",
            f"--role={WORKLOAD_IDENTITY_USER_ROLE}",
            f"--member={sh(member)}",
        ),
    ]


def gcloud_key_commands(
    project_id: str, location: str, repository: str, service_account: str, *, key_file: str
) -> list[str]:
    """A reader service account and a JSON key for it."""
    return [
        *_sa_and_reader_commands(project_id, location, repository, service_account),
        _command(
            f"gcloud iam service-accounts keys create {sh(key_file)}",
            f"--iam-account={sh(service_account)}",
            f"--project={sh(project_id)}",
        ),
    ]
