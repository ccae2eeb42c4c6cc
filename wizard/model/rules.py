"""Static rules for `base_image` and `secrets`: what truss enforces, plus what
truss lets through but breaks a deploy. Pure: works on plain values, reports a
`path` per finding; the config layer turns paths into line numbers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePosixPath
from typing import Any

from wizard.model import truss
from wizard.model.auth import REGISTRY_SECRET_PREFIX, registry_secret_name
from wizard.model.image import (
    ImageRef,
    ImageRefError,
    RegistryKind,
    detect_registry,
    parse_image,
)


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


_PLACEHOLDER_VALUE = re.compile(
    r"^(null|none|~|<[^>]*>|\$\{?\w+\}?)$|\s"
    r"|^(your|enter|insert|replace|todo|changeme|placeholder|xxx)",
    re.IGNORECASE,
)


def _check_secret_values(secrets: Mapping[str, Any]) -> list[Finding]:
    """A real value in the file is a leak; a placeholder string ("null", "<token>",
    prose) leaks nothing, but Baseten may take it as the value, so it is a warning."""
    out = []
    for name, value in secrets.items():
        if value is None:
            continue
        text = str(value).strip()
        if not text or _PLACEHOLDER_VALUE.search(text):
            out.append(
                Finding(
                    "secret-placeholder-value",
                    Severity.WARNING,
                    ("secrets", str(name)),
                    f"secret {name!r} is set to the placeholder {text!r} instead of null",
                    f"write `{name}: null` and store the real value in Baseten "
                    "(Settings → Secrets)",
                )
            )
            continue
        out.append(
            _err(
                "secret-value-in-file",
                ("secrets", str(name)),
                f"secret {name!r} has a value in config.yaml; anyone with the file can read it",
                "set it to null, store the value in Baseten (Settings → Secrets), and rotate it",
            )
        )
    return out


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


def auth_secret_names(auth: Mapping[str, Any], method: truss.AuthMethod) -> list[tuple[str, str]]:
    """(docker_auth field, Baseten secret name) for the secrets `method` reads."""
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
    return names


def _check_declared(
    auth: Mapping[str, Any], method: truss.AuthMethod, secrets: Mapping[str, Any]
) -> list[Finding]:
    here = ("base_image", "docker_auth")
    return [
        _err(
            "secret-undeclared",
            (*here, key) if key in auth else here,
            f"secret {name!r} ({key}) is not declared under secrets:; Baseten will not mount it",
            f"add `{name}: null` under secrets:",
        )
        for key, name in auth_secret_names(auth, method)
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


# --------------------------------------------------------------------------- advice
# What truss accepts but a deploy still trips over, for `doctor`. Kept out of `check`,
# whose error list gates what `setup` writes.

# First truss release whose DockerAuthType accepts the method, read from the wheels on
# PyPI: 0.13.1 lacks AWS_OIDC and GCP_OIDC, 0.13.2 has both; 0.18.26 lacks
# AWS_ASSUME_ROLE, 0.18.27 has it (basetenlabs/truss#2610). AWS_IAM and
# GCP_SERVICE_ACCOUNT_JSON predate every truss that still installs.
METHOD_SINCE: dict[truss.AuthMethod, tuple[int, int, int]] = {
    truss.AuthMethod.AWS_OIDC: (0, 13, 2),
    truss.AuthMethod.GCP_OIDC: (0, 13, 2),
    truss.AuthMethod.AWS_ASSUME_ROLE: (0, 18, 27),
}
_OIDC_METHOD = {
    RegistryKind.ECR: truss.AuthMethod.AWS_OIDC,
    RegistryKind.GAR: truss.AuthMethod.GCP_OIDC,
}
# Hosts that serve nothing anonymously unless the owner opts in.
_PRIVATE_HOST_SUFFIXES = (".azurecr.io", ".jfrog.io")
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(\S*)")


def parse_version(text: str) -> tuple[int, int, int, int] | None:
    """(major, minor, patch, final): a pre-release (rc, a, b, dev) sorts before its release."""
    m = _VERSION.search(text)
    if not m:
        return None
    final = 0 if re.match(r"[.-]?(a|b|c|rc|alpha|beta|pre|preview|dev)", m[4], re.I) else 1
    return int(m[1]), int(m[2]), int(m[3] or 0), final


def auth_method_of(config: Mapping[str, Any]) -> truss.AuthMethod | None:
    base = config.get("base_image")
    auth = base.get("docker_auth") if isinstance(base, Mapping) else None
    if not isinstance(auth, Mapping):
        return None
    return truss.normalize_auth_method(auth.get("auth_method"))


def check_truss_support(config: Mapping[str, Any], installed: str) -> list[Finding]:
    """The auth method needs a newer truss than `installed` (the one `truss push` runs)."""
    method = auth_method_of(config)
    since = METHOD_SINCE.get(method) if method else None
    have = parse_version(installed)
    if method is None or since is None or have is None or have >= (*since, 1):
        return []
    need = ".".join(map(str, since))
    return [
        _err(
            "truss-too-old",
            ("base_image", "docker_auth", "auth_method"),
            f"{method.value} needs truss {need} or newer, but truss {installed} is installed; "
            "its `truss push` rejects the config",
            f"pip install --upgrade 'truss>={need}'",
        )
    ]


def _image_ref(config: Mapping[str, Any]) -> ImageRef | None:
    base = config.get("base_image")
    image = base.get("image") if isinstance(base, Mapping) else None
    if not isinstance(image, str) or not image:
        return None
    try:
        return parse_image(image.strip())
    except ImageRefError:
        return None


def registry_secrets_for(ref: ImageRef, secrets: Mapping[str, Any]) -> list[str]:
    """Declared DOCKER_REGISTRY_ secrets that name the image's registry (rightly or not)."""
    want = registry_secret_name(ref)
    return [
        name
        for name in secrets
        if isinstance(name, str)
        and name.startswith(REGISTRY_SECRET_PREFIX)
        and (name == want or _same_registry(name[len(REGISTRY_SECRET_PREFIX) :], ref))
    ]


def advise(config: Mapping[str, Any]) -> list[Finding]:
    """Findings beyond what truss enforces: a moving tag, no auth for a private-looking
    registry, a long-lived credential where OIDC is available."""
    ref = _image_ref(config)
    if ref is None:
        return []
    base = config["base_image"]
    secrets = config.get("secrets")
    secrets_map: Mapping[str, Any] = secrets if isinstance(secrets, Mapping) else {}
    auth = base.get("docker_auth")
    method = auth_method_of(config)
    token = registry_secrets_for(ref, secrets_map)
    info = detect_registry(ref)
    out: list[Finding] = []
    if ref.digest is None and ref.tag in (None, "latest"):
        out.append(
            Finding(
                "latest-tag",
                Severity.WARNING,
                ("base_image", "image"),
                f"{base['image']!r} uses the `latest` tag: Baseten may build from a cached "
                "copy rather than your newest push",
                f"pin a digest: image: {ref.name}@sha256:<digest> "
                "(`registry-wizard doctor --live` prints it)",
            )
        )
    if auth is None and not token:
        private = info.kind is RegistryKind.ECR
        likely = (
            private
            or info.kind is RegistryKind.GAR
            or ref.registry.endswith(_PRIVATE_HOST_SUFFIXES)
        )
        if likely:
            out.append(
                Finding(
                    "auth-missing",
                    Severity.ERROR if private else Severity.WARNING,
                    ("base_image", "image"),
                    f"{ref.registry} is a private registry, but config.yaml configures no "
                    "registry auth; Baseten will pull anonymously"
                    + (" (private ECR never allows that)" if private else ""),
                    "registry-wizard setup (it detects the registry and suggests a method)",
                )
            )
    oidc = _OIDC_METHOD.get(info.kind)
    long_lived = method in (truss.AuthMethod.AWS_IAM, truss.AuthMethod.GCP_SERVICE_ACCOUNT_JSON)
    if oidc is not None and (long_lived or (auth is None and token)):
        what = method.value if long_lived and method else "an access token secret"
        out.append(
            Finding(
                "oidc-available",
                Severity.INFO,
                ("base_image", "docker_auth") if long_lived else ("secrets", token[0]),
                f"{ref.registry} supports {oidc.value}; {what} is a credential to store and "
                "rotate by hand",
                "registry-wizard setup --method oidc",
            )
        )
    return out
