"""The cloud-side commands and documents a guide shows, for the cases off the happy path:
a role in another AWS account than the repository, a role with an IAM path, a service
account or a workload identity pool in another GCP project than the image.

Pure: strings in, strings and dicts out. Built on `wizard.model.policies` (its quoting,
its constants); unknown values arrive as `<PLACEHOLDER>`s and stay visible.
"""

from __future__ import annotations

from typing import Any

from wizard.model import policies as pol
from wizard.model.facts import OIDC_AUDIENCE, OIDC_ISSUER, PULL_WORKLOAD_TYPE, subject

__all__ = [
    "ECR_REPOSITORY_POLICY_FILE",
    "GOOGLE_SUBJECT_LIMIT",
    "WIF_APIS",
    "add_audience_command",
    "audience_check_command",
    "ecr_repository_policy",
    "environment_budget",
    "gcloud_key_commands",
    "gcloud_oidc_commands",
    "repository_policy_commands",
    "role_commands",
]

ECR_REPOSITORY_POLICY_FILE = "ecr-repository-policy.json"
# Google: the mapped google.subject "cannot exceed 127 bytes" (WorkloadIdentityPoolProvider
# attributeMapping, IAM REST reference).
GOOGLE_SUBJECT_LIMIT = 127
# Google's "Configure Workload Identity Federation": enable the IAM, Resource Manager,
# Service Account Credentials and Security Token Service APIs.
WIF_APIS = (
    "iam.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "iamcredentials.googleapis.com",
    "sts.googleapis.com",
)
# Baseten's model and deployment IDs, for the subject length when they are not known.
_ID_LENGTH = 8
_CONTINUE = " \\\n    "


def _command(head: str, *options: str) -> str:
    return _CONTINUE.join((head, *options))


# --- AWS ---------------------------------------------------------------------------------


def role_commands(
    role_name: str,
    *,
    path: str = "/",
    trust_file: str = pol.TRUST_POLICY_FILE,
    policy_file: str = pol.ECR_READ_POLICY_FILE,
) -> list[str]:
    """Create the role (under its IAM path, when it has one), attach the pull policy, print
    the ARN."""
    role = pol.sh(role_name)
    create = [f"--role-name {role}"]
    if path != "/":
        create.append(f"--path {pol.sh(path)}")
    create.append(f"--assume-role-policy-document file://{trust_file}")
    return [
        _command("aws iam create-role", *create),
        _command(
            "aws iam put-role-policy",
            f"--role-name {role}",
            f"--policy-name {pol.ECR_POLICY_NAME}",
            f"--policy-document file://{policy_file}",
        ),
        f"aws iam get-role --role-name {role} --query Role.Arn --output text",
    ]


def audience_check_command(provider_arn: str) -> str:
    return _command(
        "aws iam get-open-id-connect-provider",
        f"--open-id-connect-provider-arn {pol.sh(provider_arn)}",
        "--query ClientIDList",
    )


def add_audience_command(provider_arn: str) -> str:
    return _command(
        "aws iam add-client-id-to-open-id-connect-provider",
        f"--open-id-connect-provider-arn {pol.sh(provider_arn)}",
        f"--client-id {OIDC_AUDIENCE}",
    )


def ecr_repository_policy(role_arn: str) -> dict[str, Any]:
    """The repository policy that lets a role of another account pull: its own identity
    policy is not enough across accounts, the repository must grant it too."""
    return {
        "Version": pol.POLICY_VERSION,
        "Statement": [
            {
                "Sid": "BasetenPull",
                "Effect": "Allow",
                "Principal": {"AWS": role_arn},
                "Action": list(pol.ECR_PULL_ACTIONS),
            }
        ],
    }


def repository_policy_commands(
    repository: str, region: str, *, policy_file: str = ECR_REPOSITORY_POLICY_FILE
) -> list[str]:
    """Show the repository's current policy, then set ours (which replaces it)."""
    where = (f"--repository-name {pol.sh(repository)}", f"--region {pol.sh(region)}")
    return [
        _command("aws ecr get-repository-policy", *where, "--query policyText --output text"),
        _command("aws ecr set-repository-policy", *where, f"--policy-text file://{policy_file}"),
    ]


# --- Google Cloud ------------------------------------------------------------------------


def _sa_id(service_account: str) -> str:
    return service_account.partition("@")[0]


def _sa_and_reader(
    *, image_project: str, sa_project: str, location: str, repository: str, service_account: str
) -> list[str]:
    return [
        _command(
            f"gcloud iam service-accounts create {pol.sh(_sa_id(service_account))}",
            f"--project={pol.sh(sa_project)}",
            "--display-name='Baseten image pulls'",
        ),
        # The repository lives in the image's project, whoever owns the service account.
        _command(
            f"gcloud artifacts repositories add-iam-policy-binding {pol.sh(repository)}",
            f"--project={pol.sh(image_project)}",
            f"--location={pol.sh(location)}",
            f"--member=serviceAccount:{pol.sh(service_account)}",
            f"--role={pol.GAR_READER_ROLE}",
        ),
    ]


def gcloud_oidc_commands(
    *,
    image_project: str,
    sa_project: str,
    pool_project: str,
    pool_project_number: str,
    location: str,
    repository: str,
    service_account: str,
    pool: str,
    provider: str,
    org_id: str,
    team_id: str,
) -> list[list[str]]:
    """Workload identity federation in blocks: the APIs, the reader service account, the
    pool and its provider, the impersonation binding. Each command names the project it
    acts in: the service account's, the image's (the repository) or the pool's."""
    enable = [
        _command(
            f"gcloud services enable {' '.join(WIF_APIS)}", f"--project={pol.sh(pool_project)}"
        )
    ]
    if sa_project != pool_project:
        # The service account's token is minted in its own project.
        enable.append(
            _command(
                "gcloud services enable iamcredentials.googleapis.com",
                f"--project={pol.sh(sa_project)}",
            )
        )
    condition = f"google.subject.startsWith('v=1:org={org_id}:team={team_id}:')"
    member = pol.workload_principal_set(pool_project_number, pool)
    pool_flag = f"--project={pol.sh(pool_project)}"
    return [
        enable,
        _sa_and_reader(
            image_project=image_project,
            sa_project=sa_project,
            location=location,
            repository=repository,
            service_account=service_account,
        ),
        [
            _command(
                f"gcloud iam workload-identity-pools create {pol.sh(pool)}",
                pool_flag,
                "--location=global",
                "--display-name='Baseten'",
            ),
            _command(
                f"gcloud iam workload-identity-pools providers create-oidc {pol.sh(provider)}",
                pool_flag,
                "--location=global",
                f"--workload-identity-pool={pol.sh(pool)}",
                f"--issuer-uri={OIDC_ISSUER}",
                f"--allowed-audiences={OIDC_AUDIENCE}",
                "--attribute-mapping=google.subject=assertion.sub",
                f'--attribute-condition="{condition}"',
            ),
        ],
        [
            _command(
                f"gcloud iam service-accounts add-iam-policy-binding {pol.sh(service_account)}",
                f"--project={pol.sh(sa_project)}",
                f"--role={pol.WORKLOAD_IDENTITY_USER_ROLE}",
                f"--member={pol.sh(member)}",
            )
        ],
    ]


def gcloud_key_commands(
    *,
    image_project: str,
    sa_project: str,
    location: str,
    repository: str,
    service_account: str,
    key_file: str,
) -> list[str]:
    """A reader service account (in its own project) and a JSON key for it."""
    return [
        *_sa_and_reader(
            image_project=image_project,
            sa_project=sa_project,
            location=location,
            repository=repository,
            service_account=service_account,
        ),
        _command(
            f"gcloud iam service-accounts keys create {pol.sh(key_file)}",
            f"--iam-account={pol.sh(service_account)}",
            f"--project={pol.sh(sa_project)}",
        ),
    ]


def environment_budget(org_id: str | None, team_id: str | None) -> tuple[int, int]:
    """(bytes of a pull subject without its environment name, bytes left for the name)
    under Google's limit; unknown IDs count as Baseten's usual 8 characters."""

    def known(value: str | None) -> str:
        return value if value and not pol.PLACEHOLDER.search(value) else "x" * _ID_LENGTH

    fixed = subject(
        known(org_id),
        known(team_id),
        model="x" * _ID_LENGTH,
        deployment="x" * _ID_LENGTH,
        environment="",
        workload_type=PULL_WORKLOAD_TYPE,
    )
    size = len(fixed.encode("utf-8"))
    return size, GOOGLE_SUBJECT_LIMIT - size
