"""What truss 0.18.36 (`truss/base/truss_config.py`) accepts for `base_image`.

Tables, not code paths: the rules are read by the rule checker, the planner and
(later) the doctor, so they are stated once, exactly as truss enforces them.
"""

from __future__ import annotations

from enum import Enum

from wizard.model.record import record

TRUSS_VERSION = "0.18.36"

# Where Truss projects are, read by doctor's discovery and the wizard's project search.
CONFIG_NAME = "config.yaml"
# TrussConfig's fields in truss 0.18.36, plus `hf_cache`, the older name of model_cache:
# a YAML file with none of them is no Truss config.
TRUSS_KEYS = frozenset(
    {
        "apply_library_patches", "base_image", "bdn", "bis_llm", "build", "build_commands",
        "bundled_packages_dir", "cache_internal", "data_dir", "description", "docker_server",
        "environment_variables", "examples_filename", "external_data", "external_package_dirs",
        "hf_cache", "input_type", "live_reload", "model_cache", "model_class_filename",
        "model_class_name", "model_framework", "model_metadata", "model_module_dir",
        "model_name", "model_type", "python_version", "requirements", "requirements_file",
        "resources", "runtime", "secrets", "spec_version", "system_packages",
        "training_checkpoints", "trt_llm", "use_local_src", "weights",
    }
)  # fmt: skip
# Never searched for projects: version control, dependency trees and caches. Virtualenvs
# are recognised by VENV_MARKERS (conda: conda-meta/) whatever their name.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".eggs",
    }
)  # fmt: skip
VENV_MARKERS = ("pyvenv.cfg", "conda-meta")


def is_venv(path: str) -> bool:
    import os

    return any(os.path.exists(os.path.join(path, m)) for m in VENV_MARKERS)


class AuthMethod(str, Enum):
    AWS_OIDC = "AWS_OIDC"
    AWS_ASSUME_ROLE = "AWS_ASSUME_ROLE"
    AWS_IAM = "AWS_IAM"
    GCP_OIDC = "GCP_OIDC"
    GCP_SERVICE_ACCOUNT_JSON = "GCP_SERVICE_ACCOUNT_JSON"
    # Truss accepts it, but only training jobs use it: never written by the wizard.
    REGISTRY_SECRET = "REGISTRY_SECRET"


SECRET_NAME = "secret_name"
AWS_ACCESS_KEY_ID_SECRET_NAME = "aws_access_key_id_secret_name"
AWS_SECRET_ACCESS_KEY_SECRET_NAME = "aws_secret_access_key_secret_name"
AWS_OIDC_ROLE_ARN = "aws_oidc_role_arn"
AWS_OIDC_REGION = "aws_oidc_region"
GCP_OIDC_SERVICE_ACCOUNT = "gcp_oidc_service_account"
GCP_OIDC_WORKLOAD_ID_PROVIDER = "gcp_oidc_workload_id_provider"
AWS_ASSUME_ROLE_ARN = "aws_assume_role_arn"
AWS_ASSUME_ROLE_REGION = "aws_assume_role_region"

DEFAULT_AWS_ACCESS_KEY_ID_SECRET = "aws_access_key_id"
DEFAULT_AWS_SECRET_ACCESS_KEY_SECRET = "aws_secret_access_key"

# Every field DockerAuthSettings declares; anything else is rejected by `truss push`
# (ConfigModel.validate_forbid_extra).
DOCKER_AUTH_FIELDS: tuple[str, ...] = (
    "auth_method",
    "registry",
    SECRET_NAME,
    AWS_ACCESS_KEY_ID_SECRET_NAME,
    AWS_SECRET_ACCESS_KEY_SECRET_NAME,
    AWS_OIDC_ROLE_ARN,
    AWS_OIDC_REGION,
    GCP_OIDC_SERVICE_ACCOUNT,
    GCP_OIDC_WORKLOAD_ID_PROVIDER,
    AWS_ASSUME_ROLE_ARN,
    AWS_ASSUME_ROLE_REGION,
)
BASE_IMAGE_FIELDS: tuple[str, ...] = ("image", "python_executable_path", "docker_auth")

# The AuthFieldsMixin fields truss checks with _require_fields/_forbid_fields.
_MIXIN = (
    AWS_OIDC_ROLE_ARN,
    AWS_OIDC_REGION,
    GCP_OIDC_SERVICE_ACCOUNT,
    GCP_OIDC_WORKLOAD_ID_PROVIDER,
    AWS_ASSUME_ROLE_ARN,
    AWS_ASSUME_ROLE_REGION,
)


@record(frozen=True)
class FieldRule:
    """The docker_auth fields an auth method requires and forbids."""

    required: tuple[str, ...]
    forbidden: tuple[str, ...]


def _rule(required: tuple[str, ...], also_forbidden: tuple[str, ...] = ()) -> FieldRule:
    return FieldRule(required, also_forbidden + tuple(f for f in _MIXIN if f not in required))


# Exactly DockerAuthSettings.validate_auth_fields; AWS_IAM and REGISTRY_SECRET are unchecked.
FIELD_RULES: dict[AuthMethod, FieldRule] = {
    AuthMethod.GCP_SERVICE_ACCOUNT_JSON: _rule((SECRET_NAME,)),
    AuthMethod.AWS_OIDC: _rule((AWS_OIDC_ROLE_ARN, AWS_OIDC_REGION), (SECRET_NAME,)),
    AuthMethod.GCP_OIDC: _rule(
        (GCP_OIDC_SERVICE_ACCOUNT, GCP_OIDC_WORKLOAD_ID_PROVIDER), (SECRET_NAME,)
    ),
    AuthMethod.AWS_ASSUME_ROLE: _rule(
        (AWS_ASSUME_ROLE_ARN, AWS_ASSUME_ROLE_REGION), (SECRET_NAME,)
    ),
    AuthMethod.AWS_IAM: FieldRule((), ()),
    AuthMethod.REGISTRY_SECRET: FieldRule((), ()),
}

# Fields that only mean something for one method: left behind after a switch they
# mislead readers even where truss tolerates them, so a switch removes them.
METHOD_ONLY_FIELDS: dict[str, AuthMethod] = {
    AWS_ACCESS_KEY_ID_SECRET_NAME: AuthMethod.AWS_IAM,
    AWS_SECRET_ACCESS_KEY_SECRET_NAME: AuthMethod.AWS_IAM,
    SECRET_NAME: AuthMethod.GCP_SERVICE_ACCOUNT_JSON,
    AWS_OIDC_ROLE_ARN: AuthMethod.AWS_OIDC,
    AWS_OIDC_REGION: AuthMethod.AWS_OIDC,
    GCP_OIDC_SERVICE_ACCOUNT: AuthMethod.GCP_OIDC,
    GCP_OIDC_WORKLOAD_ID_PROVIDER: AuthMethod.GCP_OIDC,
    AWS_ASSUME_ROLE_ARN: AuthMethod.AWS_ASSUME_ROLE,
    AWS_ASSUME_ROLE_REGION: AuthMethod.AWS_ASSUME_ROLE,
}


def normalize_auth_method(value: object) -> AuthMethod | None:
    """Truss upper-cases `auth_method` before validating it."""
    if not isinstance(value, str):
        return None
    try:
        return AuthMethod(value.upper())
    except ValueError:
        return None


def is_empty(value: object) -> bool:
    """Truss treats None and "" alike for required/forbidden checks."""
    return value is None or value == ""
