"""Plan the config.yaml edit for an `AuthTarget`: the new text and what to tell the user."""

from __future__ import annotations

from wizard.config.document import ConfigDocument
from wizard.config.splice import DELETE, MapPatch, apply_patch
from wizard.model import truss
from wizard.model.auth import REGISTRY_SECRET_PREFIX, AuthTarget
from wizard.model.record import field, record


@record
class ConfigEdit:
    """An edit of config.yaml: the new text and what it leaves for the user to know."""

    doc: ConfigDocument
    new_text: str
    # Declared secrets the new setup no longer uses: kept, but worth a look.
    unused_secrets: list[str] = field(default_factory=list)
    # Secrets whose real value was in config.yaml and is now null.
    scrubbed_secrets: list[str] = field(default_factory=list)
    # The edited text, parsed once (by the planner's re-check), for the diff to reuse.
    after: ConfigDocument | None = None

    @property
    def changed(self) -> bool:
        return self.new_text != self.doc.text


def _same_method(have: object, want: object) -> bool:
    return isinstance(have, str) and isinstance(want, str) and have.upper() == want.upper()


def target_patch(target: AuthTarget) -> MapPatch:
    docker_auth: object
    if target.docker_auth is None:
        docker_auth = DELETE
    else:
        docker_auth = MapPatch(
            set={**target.docker_auth, **dict.fromkeys(target.remove_keys, DELETE)},
            soft=target.docker_auth_soft,
            same={"auth_method": _same_method},
        )
    top: dict[str, object] = {
        "base_image": MapPatch(
            set={"image": target.image, "docker_auth": docker_auth},
            first=frozenset({"image"}),
        )
    }
    # Always patched: an existing `secrets:` with no value becomes `{}` (truss refuses null);
    # with nothing to declare and no secrets key, the patch adds nothing.
    top["secrets"] = MapPatch(set=dict.fromkeys(target.secrets))
    return MapPatch(set=top)


def _referenced_secrets(docker_auth: object, secrets: dict[str, object]) -> set[str]:
    """Secret names the current setup uses."""
    names = {s for s in secrets if s.startswith(REGISTRY_SECRET_PREFIX)}
    if isinstance(docker_auth, dict):
        method = truss.normalize_auth_method(docker_auth.get("auth_method"))
        if method is truss.AuthMethod.GCP_SERVICE_ACCOUNT_JSON:
            names.add(str(docker_auth.get(truss.SECRET_NAME)))
        elif method is truss.AuthMethod.AWS_IAM:
            names.add(
                str(
                    docker_auth.get(
                        truss.AWS_ACCESS_KEY_ID_SECRET_NAME, truss.DEFAULT_AWS_ACCESS_KEY_ID_SECRET
                    )
                )
            )
            names.add(
                str(
                    docker_auth.get(
                        truss.AWS_SECRET_ACCESS_KEY_SECRET_NAME,
                        truss.DEFAULT_AWS_SECRET_ACCESS_KEY_SECRET,
                    )
                )
            )
    return names


def plan_edit(doc: ConfigDocument, target: AuthTarget) -> ConfigEdit:
    new_text = apply_patch(doc, target_patch(target))
    base = doc.section("base_image")
    secrets = doc.section("secrets")
    secrets = secrets if isinstance(secrets, dict) else {}
    docker_auth = base.get("docker_auth") if isinstance(base, dict) else None
    old = _referenced_secrets(docker_auth, secrets)
    return ConfigEdit(
        doc=doc,
        new_text=new_text,
        unused_secrets=sorted(s for s in old if s in secrets and s not in target.secrets),
        scrubbed_secrets=[s for s in target.secrets if secrets.get(s) is not None],
    )
