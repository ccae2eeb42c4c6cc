"""What a chosen registry × method means for config.yaml (the `AuthTarget`), and the
DOCKER_REGISTRY_ secret: its name and its value's format."""

from __future__ import annotations

import base64
import binascii

from wizard.model import truss
from wizard.model.catalog import MethodSpec, RegistrySpec
from wizard.model.image import ImageRef
from wizard.model.record import record

REGISTRY_SECRET_PREFIX = "DOCKER_REGISTRY_"
DOCKER_HUB_SECRET = REGISTRY_SECRET_PREFIX + "https://index.docker.io/v1/"


def registry_secret_name(ref: ImageRef) -> str:
    """Baseten looks the pull secret up by this exact name."""
    if ref.is_docker_hub:
        return DOCKER_HUB_SECRET
    return REGISTRY_SECRET_PREFIX + ref.registry


def is_encoded_pair(text: str) -> bool:
    """base64 of `user:token`: the DOCKER_REGISTRY_ value format."""
    if len(text) < 8 or len(text) % 4:
        return False
    try:
        raw = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    user, sep, token = raw.partition(":")
    return bool(sep and user and token and raw.isprintable())


@record(frozen=True)
class AuthTarget:
    """The end state of `base_image` and `secrets` for one registry × method.

    `docker_auth` is None for token methods: they have no docker_auth block.
    `docker_auth_soft` holds fields whose value equals truss's default: they are
    written only where the file already has the key (with another value).
    """

    image: str
    docker_auth: dict[str, str] | None
    docker_auth_soft: dict[str, str]
    remove_keys: tuple[str, ...]
    secrets: tuple[str, ...]


def build_target(
    reg: RegistrySpec, method: MethodSpec, image: str, ref: ImageRef, values: dict[str, str]
) -> AuthTarget:
    """`values` holds every field of `method`, already validated, by field id."""
    if method.auth_method is None:  # a token, or nothing at all (anonymous pulls)
        return AuthTarget(
            image=image,
            docker_auth=None,
            docker_auth_soft={},
            remove_keys=(),
            secrets=() if method.anonymous else (registry_secret_name(ref),),
        )
    auth: dict[str, str] = {"auth_method": method.auth_method.value, "registry": ref.registry}
    soft: dict[str, str] = {}
    secrets: list[str] = []
    for f in method.fields:
        value = values[f.id]
        if f.truss_default is not None and value == f.truss_default:
            soft[f.key] = value
        else:
            auth[f.key] = value
        if f.declares_secret and value not in secrets:
            secrets.append(value)
    rule = truss.FIELD_RULES[method.auth_method]
    remove = set(rule.forbidden)
    remove.update(k for k, m in truss.METHOD_ONLY_FIELDS.items() if m is not method.auth_method)
    return AuthTarget(
        image=image,
        docker_auth=auth,
        docker_auth_soft=soft,
        remove_keys=tuple(k for k in truss.DOCKER_AUTH_FIELDS if k in remove),
        secrets=tuple(secrets),
    )
