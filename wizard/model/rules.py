"""Static rules for `base_image` and `secrets`: what truss enforces, plus what
truss lets through but breaks a deploy. Pure: works on plain values, reports a
`path` per finding; the config layer turns paths into line numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePosixPath
from typing import Any

from wizard.model import truss
from wizard.model.auth import REGISTRY_SECRET_PREFIX, registry_secret_name
from wizard.model.image import ImageRef, ImageRefError, RegistryKind, detect_registry, parse_image


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    path: tuple[str, ...]
    message: str
    fix: str


_AWS = {truss.AuthMethod.AWS_OIDC, truss.AuthMethod.AWS_ASSUME_ROLE, truss.AuthMethod.AWS_IAM}
_GCP = {truss.AuthMethod.GCP_OIDC, truss.AuthMethod.GCP_SERVICE_ACCOUNT_JSON}
_REGION_KEY = {
    truss.AuthMethod.AWS_OIDC: truss.AWS_OIDC_REGION,
    truss.AuthMethod.AWS_ASSUME_ROLE: truss.AWS_ASSUME_ROLE_REGION,
}


def check(config: Mapping[str, Any]) -> list[Finding]:
    """Findings for a whole config (its root mapping as plain values)."""
    base_image = config.get("base_image")
    secrets = config.get("secrets")
    out: list[Finding] = []
    secrets_map: Mapping[str, Any] = secrets if isinstance(secrets, Mapping) else {}
    if "secrets" in config and secrets is None:
        out.append(
            _err(
                "secrets-null",
                ("secrets",),
                "`secrets:` has no value; truss refuses it (secrets must be a mapping)",
                "write `secrets: {}` or declare a secret under it",
            )
        )
    elif secrets is not None and not isinstance(secrets, Mapping):
        out.append(
            _err(
                "secrets-not-mapping",
                ("secrets",),
                "`secrets` must be a mapping of secret names to null",
                "write `secrets:` with one `NAME: null` per line",
            )
        )
    out.extend(_check_secret_values(secrets_map))
    if base_image is None:
        return out
    if not isinstance(base_image, Mapping):
        out.append(
            _err(
                "base-image-not-mapping",
                ("base_image",),
                "`base_image` must be a mapping with an `image` key",
                "write `base_image:` with `image: <reference>` below it",
            )
        )
        return out
    for key in base_image:
        if key not in truss.BASE_IMAGE_FIELDS:
            out.append(
                _err(
                    "unknown-key",
                    ("base_image", str(key)),
                    f"`base_image.{key}` is not a truss field; `truss push` rejects it",
                    f"remove `{key}` (valid keys: {', '.join(truss.BASE_IMAGE_FIELDS)})",
                )
            )
    py = base_image.get("python_executable_path")
    if isinstance(py, str) and py and not PurePosixPath(py).is_absolute():
        out.append(
            _err(
                "python-path-relative",
                ("base_image", "python_executable_path"),
                f"python_executable_path {py!r} is relative; truss requires an absolute path",
                "use e.g. /usr/bin/python3",
            )
        )
    ref: ImageRef | None = None
    image = base_image.get("image")
    if not isinstance(image, str) or not image:
        if base_image.get("docker_auth") is not None:
            out.append(
                _err(
                    "image-missing",
                    ("base_image", "image"),
                    "docker_auth is set but base_image.image is empty",
                    "set base_image.image to the image reference",
                )
            )
    else:
        try:
            ref = parse_image(image)
        except ImageRefError as e:
            out.append(
                _err("image-invalid", ("base_image", "image"), str(e), "fix the image reference")
            )
    docker_auth = base_image.get("docker_auth")
    if docker_auth is not None:
        out.extend(_check_docker_auth(docker_auth, ref, secrets_map))
    elif ref is not None:
        out.extend(_check_registry_secret(ref, secrets_map))
    return out


def _err(rule: str, path: tuple[str, ...], message: str, fix: str) -> Finding:
    return Finding(rule, Severity.ERROR, path, message, fix)


def _check_secret_values(secrets: Mapping[str, Any]) -> list[Finding]:
    return [
        _err(
            "secret-value-in-file",
            ("secrets", str(name)),
            f"secret {name!r} has a value in config.yaml; anyone with the file can read it",
            "set it to null, store the value in Baseten (Settings → Secrets), and rotate it",
        )
        for name, value in secrets.items()
        if value is not None
    ]


def _check_docker_auth(
    auth: Any, ref: ImageRef | None, secrets: Mapping[str, Any]
) -> list[Finding]:
    here = ("base_image", "docker_auth")
    if not isinstance(auth, Mapping):
        return [
            _err(
                "docker-auth-not-mapping",
                here,
                "docker_auth must be a mapping",
                "write docker_auth as a block of `key: value` lines",
            )
        ]
    out: list[Finding] = []
    for key in auth:
        if key not in truss.DOCKER_AUTH_FIELDS:
            out.append(
                _err(
                    "unknown-key",
                    (*here, str(key)),
                    f"`docker_auth.{key}` is not a truss field; `truss push` rejects it",
                    f"remove `{key}`",
                )
            )
    raw_method = auth.get("auth_method")
    method = truss.normalize_auth_method(raw_method)
    if raw_method is None:
        return [
            *out,
            _err(
                "auth-method-missing",
                (*here,),
                "docker_auth has no auth_method",
                "add auth_method: AWS_OIDC, AWS_ASSUME_ROLE, AWS_IAM, GCP_OIDC or "
                "GCP_SERVICE_ACCOUNT_JSON",
            ),
        ]
    if method is None:
        return [
            *out,
            _err(
                "auth-method-invalid",
                (*here, "auth_method"),
                f"auth_method {raw_method!r} is not one truss knows",
                "use AWS_OIDC, AWS_ASSUME_ROLE, AWS_IAM, GCP_OIDC or GCP_SERVICE_ACCOUNT_JSON",
            ),
        ]
    if method is truss.AuthMethod.REGISTRY_SECRET:
        out.append(
            _err(
                "auth-method-training-only",
                (*here, "auth_method"),
                "REGISTRY_SECRET is for training jobs; a model deployment ignores it",
                "remove docker_auth and declare the DOCKER_REGISTRY_<host> secret instead "
                "(registry-wizard setup --method token)",
            )
        )
        return out
    rule = truss.FIELD_RULES[method]
    for f in rule.required:
        if truss.is_empty(auth.get(f)):
            out.append(
                _err(
                    "required-field",
                    (*here, f) if f in auth else here,
                    f"{f} is required when auth_method is {method.value}",
                    f"add {f}",
                )
            )
    for f in rule.forbidden:
        if not truss.is_empty(auth.get(f)):
            out.append(
                _err(
                    "forbidden-field",
                    (*here, f),
                    f"{f} cannot be set when auth_method is {method.value}; truss "
                    "refuses the config",
                    f"remove {f}",
                )
            )
    if ref is not None:
        out.extend(_check_against_image(auth, method, ref))
    out.extend(_check_declared(auth, method, secrets))
    return out


def _check_against_image(
    auth: Mapping[str, Any], method: truss.AuthMethod, ref: ImageRef
) -> list[Finding]:
    here = ("base_image", "docker_auth")
    info = detect_registry(ref)
    out: list[Finding] = []
    registry = auth.get("registry")
    if truss.is_empty(registry):
        out.append(
            Finding(
                "registry-missing",
                Severity.WARNING,
                here,
                "docker_auth has no registry; Baseten matches credentials to the "
                "image's registry by it",
                f"add registry: {ref.registry}",
            )
        )
    elif registry != ref.registry:
        out.append(
            _err(
                "registry-mismatch",
                (*here, "registry"),
                f"registry {registry!r} is not the image's registry {ref.registry!r}",
                f"set registry: {ref.registry}",
            )
        )
    if method in _AWS and info.kind is not RegistryKind.ECR:
        out.append(
            _err(
                "method-registry-mismatch",
                (*here, "auth_method"),
                f"{method.value} authenticates to AWS ECR, but the image is on {ref.registry}",
                "choose a method for that registry (registry-wizard setup)",
            )
        )
    if method in _GCP and info.kind is not RegistryKind.GAR:
        out.append(
            _err(
                "method-registry-mismatch",
                (*here, "auth_method"),
                f"{method.value} authenticates to Google Artifact Registry, but the "
                f"image is on {ref.registry}",
                "choose a method for that registry (registry-wizard setup)",
            )
        )
    region_key = _REGION_KEY.get(method)
    region = auth.get(region_key) if region_key else None
    if (
        info.kind is RegistryKind.ECR
        and region_key
        and isinstance(region, str)
        and region
        and region != info.region
    ):
        out.append(
            _err(
                "ecr-region-mismatch",
                (*here, region_key),
                f"{region_key} is {region}, but the repository is in {info.region}",
                f"set {region_key}: {info.region}",
            )
        )
    return out


def _check_declared(
    auth: Mapping[str, Any], method: truss.AuthMethod, secrets: Mapping[str, Any]
) -> list[Finding]:
    here = ("base_image", "docker_auth")
    names: list[tuple[str, str]] = []
    if method is truss.AuthMethod.GCP_SERVICE_ACCOUNT_JSON and auth.get(truss.SECRET_NAME):
        names.append((truss.SECRET_NAME, str(auth[truss.SECRET_NAME])))
    if method is truss.AuthMethod.AWS_IAM:
        names.append(
            (
                truss.AWS_ACCESS_KEY_ID_SECRET_NAME,
                str(
                    auth.get(truss.AWS_ACCESS_KEY_ID_SECRET_NAME)
                    or truss.DEFAULT_AWS_ACCESS_KEY_ID_SECRET
                ),
            )
        )
        names.append(
            (
                truss.AWS_SECRET_ACCESS_KEY_SECRET_NAME,
                str(
                    auth.get(truss.AWS_SECRET_ACCESS_KEY_SECRET_NAME)
                    or truss.DEFAULT_AWS_SECRET_ACCESS_KEY_SECRET
                ),
            )
        )
    return [
        _err(
            "secret-undeclared",
            (*here, key) if key in auth else here,
            f"secret {name!r} ({key}) is not declared under secrets:; Baseten will not mount it",
            f"add `{name}: null` under secrets:",
        )
        for key, name in names
        if name not in secrets
    ]


def _check_registry_secret(ref: ImageRef, secrets: Mapping[str, Any]) -> list[Finding]:
    """Token methods: the DOCKER_REGISTRY_ secret must carry Baseten's exact name."""
    want = registry_secret_name(ref)
    out: list[Finding] = []
    for name in secrets:
        if not isinstance(name, str) or not name.startswith(REGISTRY_SECRET_PREFIX) or name == want:
            continue
        if _same_registry(name[len(REGISTRY_SECRET_PREFIX) :], ref):
            out.append(
                _err(
                    "registry-secret-name",
                    ("secrets", name),
                    f"{name!r} is not the name Baseten looks up for {ref.registry}",
                    f"rename it to `{want}`",
                )
            )
    return out


def _same_registry(suffix: str, ref: ImageRef) -> bool:
    host = suffix.strip().lower()
    for prefix in ("https://", "http://"):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    host = host.split("/", 1)[0]
    if ref.is_docker_hub:
        return host in {"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"}
    if host == ref.registry:
        return True
    info = detect_registry(ref)
    if info.kind is RegistryKind.ECR:
        return ".dkr.ecr." in host  # same service, other account or region
    return False
