"""The registry × method catalog, as data.

Every question the wizard can ask about a method is a `FieldSpec`; its `id` is
also the `setup` flag name (`--role-arn`), so flags exist by construction.
"""

from __future__ import annotations

from collections.abc import Callable

from wizard.model import truss, validators
from wizard.model.image import ImageRef, RegistryInfo, RegistryKind
from wizard.model.record import field, record

DefaultFn = Callable[[ImageRef, RegistryInfo], "str | None"]


@record(frozen=True)
class FieldSpec:
    """One field an auth method asks for, and where it goes in config.yaml."""

    id: str
    key: str
    label: str
    help: str
    validate: Callable[[str], str]
    default: DefaultFn | None = None
    # The value names a Baseten secret that must be declared under `secrets:`.
    declares_secret: bool = False
    # Truss has this default; the field is written only when the value differs.
    truss_default: str | None = None
    # The default is a fact of the image (the ECR region): it beats a stale value in the file.
    from_image: bool = False
    # The rulebook's code for a value `validate` refuses (`wizard.model.rules.RULES`).
    rule: str = ""
    # declares_secret: what the secret this field names holds, when a method has one such
    # secret per value (IAM keys); else the method's `secret_value` says it.
    holds: str = ""

    @property
    def flag(self) -> str:
        return f"--{self.id}"


@record(frozen=True)
class MethodSpec:
    """One way to authenticate to a registry, and the fields it needs."""

    id: str
    label: str
    why: str
    auth_method: truss.AuthMethod | None  # None: an access token in DOCKER_REGISTRY_<host>
    fields: tuple[FieldSpec, ...] = ()
    # For token methods: how long the credential lives, or None for long-lived ones.
    token_lifetime: str | None = None
    # No credential in Baseten: a cloud identity (an IAM role, a service account) that
    # Baseten's own identity is trusted to use. Its cloud side can be inspected.
    keyless: bool = False
    # The wizard can create the cloud side itself (`--provision`, "Create it for me").
    provisionable: bool = False
    # The facts about the user's Baseten organization its guide and cloud check need,
    # by fact id (see `facts.FACTS`).
    facts: tuple[str, ...] = ()
    # What a live check of this method takes from the user: "token" (username and
    # token), "key-file" (a service-account JSON key), "aws" (the AWS credential chain),
    # or None (keyless: the cloud side is inspected instead).
    credential: str | None = None
    # The Baseten secret's value, for the "create the secret" step.
    secret_value: str = ""
    # No credential at all: the registry serves the image to anyone, so config.yaml has
    # neither a docker_auth block nor a registry secret.
    anonymous: bool = False

    @property
    def is_token(self) -> bool:
        return self.auth_method is None and not self.anonymous

    @property
    def stores_registry_secret(self) -> bool:
        """Its one Baseten secret can be built from the live check's credential."""
        return self.is_token


@record(frozen=True)
class RegistrySpec:
    """One registry kind and the auth methods it offers."""

    kind: RegistryKind
    label: str
    description: str
    example_image: str
    token_username: str  # shown: the literal username, or what it is ("your Docker ID")
    token_kind: str
    methods: tuple[MethodSpec, ...] = field(default=())
    # The username a token method must use, when the registry fixes it; anything else
    # is refused. None: the user's own account name.
    fixed_username: str | None = None
    # Whose cloud the keyless methods live in ("AWS", "GCP"), None for token-only registries.
    cloud: str | None = None

    @property
    def id(self) -> str:
        return self.kind.value

    def method(self, method_id: str) -> MethodSpec | None:
        return next((m for m in self.methods if m.id == method_id), None)

    @property
    def recommended(self) -> MethodSpec:
        return self.methods[0]

    @property
    def oidc(self) -> MethodSpec | None:
        """The keyless method recommended for the registry, if it has one."""
        return self.recommended if self.recommended.keyless else None

    def method_for(self, auth_method: truss.AuthMethod | None) -> MethodSpec | None:
        """The method config.yaml names by `auth_method` (None: the token method)."""
        return next((m for m in self.methods if m.auth_method is auth_method), None)


def _ecr_region(ref: ImageRef, info: RegistryInfo) -> str | None:
    return info.region


def _const(value: str) -> DefaultFn:
    return lambda ref, info: value


def _role_arn(key: str) -> FieldSpec:
    return FieldSpec(
        id="role-arn",
        key=key,
        label="IAM role ARN",
        help="The role Baseten assumes to pull from ECR, e.g. "
        "arn:aws:iam::123456789012:role/baseten-ecr-pull.",
        validate=validators.role_arn,
        rule="role-arn-invalid",
    )


def _region(key: str) -> FieldSpec:
    return FieldSpec(
        id="region",
        key=key,
        label="AWS region",
        help="The region of the ECR repository; taken from the image host.",
        validate=validators.region,
        default=_ecr_region,
        from_image=True,
        rule="region-invalid",
    )


def _aws_key_secret(field_id: str, key: str, default: str, what: str) -> FieldSpec:
    return FieldSpec(
        id=field_id,
        key=key,
        label=f"Baseten secret holding the {what}",
        help=f"Name of the Baseten secret whose value is the {what}.",
        validate=validators.secret_name,
        default=_const(default),
        declares_secret=True,
        truss_default=default,
        rule="secret-name-invalid",
        holds=f"the {what} of an IAM user allowed to pull, as is",
    )


_TOKEN_VALUE = "base64 of user:token"
_OIDC_FACTS = ("org-id", "team-id")


def _token(lifetime: str | None, why: str, label: str = "Access token") -> MethodSpec:
    return MethodSpec(
        "token",
        label,
        why,
        None,
        token_lifetime=lifetime,
        credential="token",
        secret_value=_TOKEN_VALUE,
    )


ECR = RegistrySpec(
    kind=RegistryKind.ECR,
    label="AWS Elastic Container Registry",
    description="<account>.dkr.ecr.<region>.amazonaws.com",
    example_image="123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0",
    token_username="AWS",
    fixed_username="AWS",
    cloud="AWS",
    token_kind="ECR authorization token (`aws ecr get-login-password`)",
    methods=(
        MethodSpec(
            "oidc",
            "OIDC (recommended)",
            "No long-lived secret: Baseten gets short-lived AWS credentials for your role.",
            truss.AuthMethod.AWS_OIDC,
            (_role_arn(truss.AWS_OIDC_ROLE_ARN), _region(truss.AWS_OIDC_REGION)),
            keyless=True,
            provisionable=True,
            facts=_OIDC_FACTS,
        ),
        MethodSpec(
            "assume-role",
            # The version is the rulebook's METHOD_SINCE (a test keeps them equal).
            "AssumeRole (truss 0.18.27+; Baseten enables it per organization)",
            "No secret in Baseten: Baseten's AWS role assumes yours, scoped by an external ID. "
            "Baseten support enables it per organization: until then `truss whoami "
            "--show-aws-assume-role` says it is not enabled.",
            truss.AuthMethod.AWS_ASSUME_ROLE,
            (_role_arn(truss.AWS_ASSUME_ROLE_ARN), _region(truss.AWS_ASSUME_ROLE_REGION)),
            keyless=True,
            provisionable=True,
            facts=("baseten-role-arn", "external-id"),
        ),
        MethodSpec(
            "iam",
            "IAM access keys",
            "Long-lived access keys stored as two Baseten secrets; rotate them yourself.",
            truss.AuthMethod.AWS_IAM,
            (
                _aws_key_secret(
                    "access-key-id-secret",
                    truss.AWS_ACCESS_KEY_ID_SECRET_NAME,
                    truss.DEFAULT_AWS_ACCESS_KEY_ID_SECRET,
                    "AWS access key ID",
                ),
                _aws_key_secret(
                    "secret-access-key-secret",
                    truss.AWS_SECRET_ACCESS_KEY_SECRET_NAME,
                    truss.DEFAULT_AWS_SECRET_ACCESS_KEY_SECRET,
                    "AWS secret access key",
                ),
            ),
            credential="aws",
            secret_value="the access key ID and the secret access key of an IAM user allowed "
            "to pull, one secret each",
        ),
        _token(
            "12 hours", "An ECR token expires after 12 hours: fine for a test, not for production."
        ),
    ),
)

ECR_PUBLIC = RegistrySpec(
    kind=RegistryKind.ECR_PUBLIC,
    label="AWS ECR Public",
    description="public.ecr.aws: public images, pulled without a login",
    example_image="public.ecr.aws/docker/library/python:3.11-slim",
    token_username="none: anonymous pulls",
    cloud=None,
    token_kind="no credential",
    methods=(
        MethodSpec(
            "anonymous",
            "Anonymous pull (public image)",
            "Every image on ECR Public is public: no docker_auth, no secret.",
            None,
            anonymous=True,
        ),
    ),
)

GAR = RegistrySpec(
    kind=RegistryKind.GAR,
    label="Google Artifact Registry / Container Registry",
    description="<location>-docker.pkg.dev, gcr.io",
    example_image="us-central1-docker.pkg.dev/my-project/my-repo/app:1.0",
    token_username="oauth2accesstoken",
    fixed_username="oauth2accesstoken",
    cloud="GCP",
    token_kind="OAuth access token (`gcloud auth print-access-token`)",
    methods=(
        MethodSpec(
            "oidc",
            "OIDC / workload identity (recommended)",
            "No long-lived key: Baseten's identity is federated into your service account.",
            truss.AuthMethod.GCP_OIDC,
            (
                FieldSpec(
                    id="service-account",
                    key=truss.GCP_OIDC_SERVICE_ACCOUNT,
                    label="GCP service account email",
                    help="The service account with Artifact Registry Reader, e.g. "
                    "baseten-puller@my-project.iam.gserviceaccount.com.",
                    validate=validators.service_account,
                    rule="service-account-invalid",
                ),
                FieldSpec(
                    id="workload-provider",
                    key=truss.GCP_OIDC_WORKLOAD_ID_PROVIDER,
                    label="Workload identity provider",
                    help="projects/<project NUMBER>/locations/global/workloadIdentityPools/"
                    "<pool>/providers/<provider>.",
                    validate=validators.workload_provider,
                    rule="workload-provider-invalid",
                ),
            ),
            keyless=True,
            facts=(*_OIDC_FACTS, "project-number"),
        ),
        MethodSpec(
            "service-account",
            "Service-account JSON key",
            "A long-lived JSON key stored as a Baseten secret; rotate it yourself.",
            truss.AuthMethod.GCP_SERVICE_ACCOUNT_JSON,
            (
                FieldSpec(
                    id="secret-name",
                    key=truss.SECRET_NAME,
                    label="Baseten secret holding the JSON key",
                    help="Name of the Baseten secret whose value is the raw service-account JSON.",
                    validate=validators.secret_name,
                    default=_const("gcp-service-account"),
                    declares_secret=True,
                    rule="secret-name-invalid",
                ),
            ),
            credential="key-file",
            secret_value="the service account's JSON key file, as is",
        ),
        _token("1 hour", "A GCP access token expires after 1 hour: fine for a test only."),
    ),
)

DOCKERHUB = RegistrySpec(
    kind=RegistryKind.DOCKERHUB,
    label="Docker Hub",
    description="docker.io, or no registry host in the image",
    example_image="acme/app:1.0",
    token_username="your Docker ID",
    token_kind="personal access token with Read-only scope",
    methods=(_token(None, "A personal access token (Read-only scope) for your Docker ID."),),
)

GHCR = RegistrySpec(
    kind=RegistryKind.GHCR,
    label="GitHub Container Registry",
    description="ghcr.io",
    example_image="ghcr.io/acme/app:1.0",
    token_username="your GitHub username",
    token_kind="classic personal access token with read:packages",
    methods=(
        _token(None, "A classic PAT with read:packages; fine-grained PATs cannot pull from GHCR."),
    ),
)

NGC = RegistrySpec(
    kind=RegistryKind.NGC,
    label="NVIDIA NGC",
    description="nvcr.io",
    example_image="nvcr.io/nvidia/pytorch:24.01-py3",
    token_username="$oauthtoken",
    fixed_username="$oauthtoken",
    token_kind="NGC API key",
    methods=(_token(None, "An NGC API key; the username is the literal $oauthtoken.", "API key"),),
)

OTHER = RegistrySpec(
    kind=RegistryKind.OTHER,
    label="Another v2 registry",
    description="quay.io, Azure ACR, GitLab, Harbor, a self-hosted registry, ...",
    example_image="quay.io/acme/app:1.0",
    token_username="your registry username",
    token_kind="password or access token",
    methods=(_token(None, "A username and token or password for the registry."),),
)

REGISTRIES: dict[str, RegistrySpec] = {
    r.id: r for r in (ECR, ECR_PUBLIC, GAR, DOCKERHUB, GHCR, NGC, OTHER)
}
METHOD_IDS: tuple[str, ...] = (
    "oidc",
    "assume-role",
    "iam",
    "service-account",
    "token",
    "anonymous",
)


def registry(registry_id: str) -> RegistrySpec:
    return REGISTRIES[registry_id]


def all_fields() -> dict[str, FieldSpec]:
    """Every method field by id (ids are shared across methods: --role-arn, --region)."""
    out: dict[str, FieldSpec] = {}
    for reg in REGISTRIES.values():
        for method in reg.methods:
            for f in method.fields:
                out.setdefault(f.id, f)
    return out
