"""THE RULEBOOK: every check on an image, a `docker_auth` field, a secret name or a
secret value, as one rule with a stable code, a severity, a message, a fix and, where
the fix is certain, the `Edit` that makes it.

`setup` validates flags and answers with `check_field`, `doctor` reports `check` and
`advise` with line numbers and applies the certain edits, the flow's validators and the
TUI's current-setup screen show the same findings: one decision, read everywhere.
Pure: works on plain values and reports a `path` per finding; the config layer turns
paths into line numbers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from wizard.model import truss, validators
from wizard.model.auth import REGISTRY_SECRET_PREFIX, is_encoded_pair, registry_secret_name
from wizard.model.catalog import REGISTRIES, all_fields
from wizard.model.findings import Edit, Finding, Severity
from wizard.model.image import (
    ImageRef,
    ImageRefError,
    RegistryKind,
    detect_registry,
    parse_image,
)
from wizard.model.record import record, replace
from wizard.model.redact import marker

__all__ = [
    "READS",
    "RULES",
    "Edit",
    "Finding",
    "Rule",
    "Severity",
    "advise",
    "check",
    "check_field",
]

# The top-level config keys `check` and `advise` read; a reader may leave every other
# key's value unbuilt (doctor does). tests/model/test_rules_reads.py holds the rules to it.
READS = frozenset({"base_image", "secrets"})


@record(frozen=True)
class Rule:
    """A rule as the docs, SARIF and `doctor --fix` see it. `fix`: "safe" when its
    finding carries a certain edit (`doctor --fix` applies it), "manual" otherwise."""

    code: str
    severity: Severity
    summary: str
    help: str
    fix: str = "manual"
    live: bool = False


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO


def _rules(*rows: tuple[Any, ...]) -> dict[str, Rule]:
    return {r[0]: Rule(*r) for r in rows}


RULES: dict[str, Rule] = _rules(
    ("yaml-invalid", _E, "config.yaml is not valid YAML",
        "truss cannot load the file. Fix the YAML at the line shown."),
    ("unreadable", _E, "config.yaml cannot be read",
        "The file is unreadable, not UTF-8, or a broken symlink, so nothing in it was checked."),
    ("dir-unreadable", _W, "a directory could not be searched",
        "Configs inside it were not checked. Make it readable or leave it out."),
    ("not-a-truss-config", _W, "the file named is not a Truss config",
        "It has none of truss's top-level keys (model_name, base_image, secrets, ...)."),
    ("duplicate-key", _W, "a key appears twice",
        "truss warns and keeps the last one; the other is silently ignored. --fix does not "
        "edit such a file."),
    ("secrets-null", _E, "`secrets:` has no value",
        "truss requires a mapping. --fix writes `secrets: {}`.", "safe"),
    ("secrets-not-mapping", _E, "`secrets` is not a mapping",
        "Write one `NAME: null` line per secret."),
    ("secret-value-in-file", _E, "a secret value is in config.yaml",
        "Values belong in Baseten (Settings → Secrets); config.yaml holds null, and truss "
        "never reads the value. An error when the value looks like a credential (a known "
        "token prefix, base64 of user:token, a PEM block, an AWS key ID, a long random "
        "string), a warning otherwise. Store the value in Baseten and rotate it: it was "
        "readable by anyone with the file. --fix (and setup) set it to null.", "safe"),
    ("secret-placeholder-value", _I, "a secret is set to a placeholder string",
        "A placeholder such as \"your-token\" or \"set token in baseten workspace\" leaks "
        "nothing and truss never reads it; `null` is the documented placeholder. --fix "
        "writes null.", "safe"),
    ("base-image-not-mapping", _E, "`base_image` is not a mapping",
        "Write `base_image:` with `image: <reference>` below it."),
    ("unknown-key", _E, "a key truss does not know",
        "`truss push` rejects keys that base_image and docker_auth do not declare."),
    ("python-path-relative", _E, "python_executable_path is relative",
        "truss requires an absolute path, e.g. /usr/bin/python3."),
    ("image-missing", _E, "docker_auth without an image",
        "Set base_image.image to the image reference."),
    ("image-invalid", _E, "the image reference is invalid",
        "docker would not pull it as written."),
    ("docker-auth-not-mapping", _E, "docker_auth is not a mapping",
        "Write docker_auth as a block of `key: value` lines."),
    ("auth-method-missing", _E, "docker_auth has no auth_method",
        "Use a method the image's registry offers; access-token registries (Docker Hub, "
        "GHCR, NGC) have no docker_auth block at all, only a DOCKER_REGISTRY_<host> secret."),
    ("auth-method-invalid", _E, "auth_method is not one truss knows",
        "Use a method the image's registry offers; access-token registries (Docker Hub, "
        "GHCR, NGC) have no docker_auth block at all, only a DOCKER_REGISTRY_<host> secret."),
    ("auth-method-training-only", _E, "REGISTRY_SECRET is for training jobs",
        "A model deployment ignores it; declare the DOCKER_REGISTRY_<host> secret instead."),
    ("required-field", _E, "a field the auth method requires is missing",
        "truss refuses the config without it."),
    ("forbidden-field", _E, "a field the auth method forbids is set",
        "truss refuses the config. --fix removes the field.", "safe"),
    ("registry-missing", _W, "docker_auth has no registry",
        "Baseten matches credentials to the image by it. --fix sets it to the image's host.",
        "safe"),
    ("registry-mismatch", _E, "docker_auth.registry is not the image's registry",
        "Baseten would not use these credentials for the image. --fix sets it to the "
        "image's host.", "safe"),
    ("other-method-field", _W, "a docker_auth field of another auth method",
        "Left behind by a switch of method: this method never reads it. --fix (and setup) "
        "remove it.", "safe"),
    ("method-registry-mismatch", _E, "the auth method does not fit the registry",
        "AWS methods authenticate to ECR, GCP methods to Artifact Registry."),
    ("ecr-region-mismatch", _E, "the region is not the ECR repository's",
        "The region must be the one in the image host. --fix sets it.", "safe"),
    ("role-arn-invalid", _E, "the IAM role ARN is malformed",
        "It looks like arn:aws:iam::123456789012:role/baseten-ecr-pull."),
    ("role-other-account", _W, "the IAM role is in another account than the repository",
        "The repository's own policy must grant that role pull access, or the pull is refused."),
    ("region-invalid", _E, "the AWS region is not a region name",
        "AWS region names look like us-east-1 or eu-west-2."),
    ("service-account-invalid", _E, "the GCP service account is not an email",
        "It looks like baseten-puller@my-project.iam.gserviceaccount.com."),
    ("workload-provider-invalid", _E, "the workload identity provider path is malformed",
        "It looks like projects/<NUMBER>/locations/global/workloadIdentityPools/<pool>/"
        "providers/<provider>."),
    ("workload-provider-project-id", _E, "the provider path names the project ID",
        "Google needs the project NUMBER in the provider path; `gcloud projects describe "
        "PROJECT --format='value(projectNumber)'` prints it."),
    ("baseten-id-invalid", _E, "a Baseten organization or team ID is malformed",
        "It goes into the OIDC subject a trust policy matches: a wildcard or a `:` would "
        "trust other Baseten customers or match nothing. `truss whoami --show-oidc` prints "
        "yours."),
    ("external-id-invalid", _E, "an sts:ExternalId is malformed",
        "`truss whoami --show-aws-assume-role` prints your organization's external ID."),
    ("project-number-invalid", _E, "a GCP project number is not a number",
        "`gcloud projects describe PROJECT --format='value(projectNumber)'` prints it."),
    ("secret-name-invalid", _E, "a Baseten secret name has characters Baseten refuses",
        "Use letters, digits, '-', '_' and '.'."),
    ("secret-undeclared", _E, "a secret the auth method reads is not declared",
        "Baseten mounts only the secrets under `secrets:`. --fix declares it as null.", "safe"),
    ("registry-secret-name", _E, "the DOCKER_REGISTRY_ secret has the wrong name",
        "Baseten looks the secret up by DOCKER_REGISTRY_<registry host> (Docker Hub: "
        "DOCKER_REGISTRY_https://index.docker.io/v1/). --fix renames a misspelling of the "
        "same registry (docker.io, https://ghcr.io); a secret for another ECR account or "
        "region names a different registry and is left to you.", "safe"),
    ("truss-too-old", _E, "the auth method needs a newer truss",
        "AWS_OIDC and GCP_OIDC need truss 0.13.2+, AWS_ASSUME_ROLE 0.18.27+; an older "
        "`truss push` rejects the config."),
    ("auth-missing", _W, "a private registry with no auth configured",
        "An error for ECR (private ECR never allows anonymous pulls), a warning for other "
        "private-looking registries. With --live, an anonymous pull that works clears it."),
    ("latest-tag", _W, "the image uses the latest tag",
        "Baseten may build from a cached copy; pin a digest (`check --format json` gives it)."),
    ("oidc-available", _I, "OIDC is available for this registry",
        "A keyless method (AWS_OIDC, GCP_OIDC) needs no long-lived credential."),
    ("pull-failed", _E, "live: the image cannot be pulled",
        "The registry refused the credential, the repository or tag does not exist, or no "
        "auth is configured for a private image.", "manual", True),
    ("pull-unchecked", _W, "live: the pull could not be checked",
        "The registry was unreachable, slow, rate-limited or answered unexpectedly.",
        "manual", True),
    ("cloud-setup", _E, "live: the cloud setup would refuse Baseten",
        "The IAM role, trust policy or workload identity setup does not let Baseten pull.",
        "manual", True),
    ("cloud-unchecked", _W, "live: the cloud setup could not be checked",
        "Your cloud credentials could not read part of the setup.", "manual", True),
    ("baseten-secret-missing", _E, "live: a declared secret does not exist in Baseten",
        "An error for secrets the image pull needs, a warning for the others.", "manual", True),
)  # fmt: skip


def finding(
    code: str,
    path: tuple[str, ...],
    message: str,
    fix: str,
    *,
    severity: Severity | None = None,
    edit: Edit | None = None,
) -> Finding:
    """A finding of rule `code` (its default severity unless the case says otherwise)."""
    return Finding(code, severity or RULES[code].severity, path, message, fix, edit)


# --------------------------------------------------------------------------- fields
# The values of method fields, one rule each: what `setup` refuses as a flag or an
# answer is what `doctor` reports on the line that holds it.


def check_field(field_id: str, value: object, path: tuple[str, ...] = ()) -> Finding | None:
    """The finding for a method field's value (by its flag id, `role-arn`), or None: the
    same for a flag, an answer, or the value config.yaml holds."""
    spec = all_fields().get(field_id)
    if spec is None:
        return None
    if not isinstance(value, str):
        what = "a YAML boolean" if isinstance(value, bool) else f"a YAML {type(value).__name__}"
        return finding(
            spec.rule,
            path,
            f"{spec.key} is {value!r}, {what}, not text; truss refuses it",
            f"write {spec.key} as quoted text: {spec.help}",
        )
    if not value.strip():
        return finding(
            "required-field",
            path,
            f"{spec.key} is empty",
            f"give {spec.flag} (or set {spec.key}): {spec.help}",
        )
    secret = looks_like_credential(value, strong=True)
    if secret and spec.declares_secret:
        return finding(
            spec.rule,
            path,
            f"{spec.key} is {marker(value.strip())}, which looks like a credential itself, "
            "not the name of a Baseten secret",
            f"give the NAME of the secret ({spec.help}); store the value in Baseten and "
            "rotate it, since it has been typed where names go",
        )
    try:
        spec.validate(value)
    except validators.InvalidValue as e:
        message = str(e)
        if secret:  # never echo a credential typed into the wrong place
            message = message.replace(repr(value.strip()), marker(value.strip()))
        return finding(e.code, path, message, f"fix {spec.key}: {spec.help}")
    return None


def check_fact(fact_id: str, value: object, path: tuple[str, ...] = ()) -> Finding | None:
    """The finding for a Baseten or cloud fact (`--org-id`, `--team-id`, ...) before it
    reaches a guide, a trust policy, a subject condition or AWS; None when fine or empty."""
    from wizard.model.facts import FACTS

    spec = FACTS.get(fact_id)
    if spec is None or value is None or value == "":
        return None
    try:
        spec.validate(str(value))
    except validators.InvalidValue as e:
        return finding(e.code, path, f"--{fact_id}: {e}", spec.help)
    return None


def check_facts(answers: Mapping[str, object]) -> list[Finding]:
    """`check_fact` for every fact among `answers` (flag ids)."""
    from wizard.model.facts import FACTS

    return [p for fid in FACTS if (p := check_fact(fid, answers.get(fid))) is not None]


def normalize_field(field_id: str, value: str) -> str:
    """The field's value as written to config.yaml (stripped), once `check_field` passed."""
    return all_fields()[field_id].validate(value)


def _check_field_values(
    auth: Mapping[str, Any], method: truss.AuthMethod, ref: ImageRef | None
) -> list[Finding]:
    """Each field the method reads, checked as `setup` checks the flag (truss's own
    required-field covers a missing or empty one). A field the image decides (the ECR
    region) gets the certain edit to the image's value."""
    info = detect_registry(ref) if ref is not None else None
    out: list[Finding] = []
    seen: set[str] = set()
    for reg in REGISTRIES.values():
        spec = reg.method_for(method)
        if spec is None:
            continue
        for f in spec.fields:
            value = auth.get(f.key)
            if f.key in seen or truss.is_empty(value):
                continue
            seen.add(f.key)
            path = ("base_image", "docker_auth", f.key)
            problem = check_field(f.id, value, path)
            if problem is None:
                continue
            derived = f.default(ref, info) if ref and info and f.from_image and f.default else None
            if derived:
                problem = replace(problem, edit=Edit("set-region", path, derived))
            out.append(problem)
    return out


def _check_other_method_fields(
    auth: Mapping[str, Any], method: truss.AuthMethod, here: tuple[str, ...]
) -> list[Finding]:
    """Fields another method reads, left behind by a switch. Truss refuses the non-empty
    ones it forbids (forbidden-field); the rest mislead a reader. `setup` removes them
    all when it writes a method; so does --fix."""
    forbidden = truss.FIELD_RULES[method].forbidden
    out = []
    for key, owner in truss.METHOD_ONLY_FIELDS.items():
        if owner is method or key not in auth:
            continue
        if key in forbidden and not truss.is_empty(auth.get(key)):
            continue  # forbidden-field says it, with the same edit
        out.append(
            finding(
                "other-method-field",
                (*here, key),
                f"{key} belongs to {owner.value}; {method.value} does not read it",
                f"remove {key}",
                edit=Edit("remove-field", (*here, key)),
            )
        )
    return out


def role_account_finding(role_arn: str, info: Any, path: tuple[str, ...] = ()) -> Finding | None:
    """A role in another account than the ECR repository: it works only with a
    repository policy that grants it pull access."""
    account = validators.role_arn_account(role_arn.strip())
    if not account or not info.account or account == info.account:
        return None
    return finding(
        "role-other-account",
        path,
        f"the role is in account {account} but the repository in {info.account}: the "
        f"repository's policy must grant the role {role_arn.strip()} pull access",
        f"add a repository policy in {info.account} allowing that role ecr:BatchGetImage, "
        "ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability "
        "(`registry-wizard guide` shows it)",
    )


def region_finding(region: str, info: Any, path: tuple[str, ...] = ()) -> Finding | None:
    """An ECR region other than the image host's: images are pulled in their own region."""
    if info.kind is not RegistryKind.ECR or not region or region == info.region:
        return None
    key = path[-1] if path else "region"
    return finding(
        "ecr-region-mismatch",
        path,
        f"{key} is {region}, but the repository is in {info.region} (from the image host)",
        f"set {key}: {info.region}",
        edit=Edit("set-region", path, info.region) if path else None,
    )


# --------------------------------------------------------------------------- secret values

_PLACEHOLDER_VALUE = re.compile(
    r"^(null|none|~|<[^>]*>|\$\{?\w+\}?)$|\s"
    r"|^(your|enter|insert|replace|todo|changeme|placeholder|xxx|set[-_ ]|put[-_ ]|add[-_ ])",
    re.IGNORECASE,
)
# Prefixes that name a credential's issuer: Hugging Face, GitHub, GitLab, OpenAI and
# friends, Slack, NVIDIA, Docker Hub, Google OAuth and API keys, npm, Stripe, AWS keys.
_CREDENTIAL = re.compile(
    r"^(hf_[A-Za-z0-9]{3,}|gh[pousr]_[A-Za-z0-9]{3,}|github_pat_\w{3,}|glpat-[\w-]{3,}"
    r"|sk-[\w-]{16,}|sk_(live|test)_\w{8,}|xox[abprs]-[\w-]{8,}|nvapi-[\w-]{8,}"
    r"|dckr_pat_[\w-]{8,}|ya29\.[\w.-]{16,}|AIza[\w-]{30,}|npm_[A-Za-z0-9]{20,}"
    r"|(AKIA|ASIA)[0-9A-Z]{16})$"
)
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----")
_JWT = re.compile(r"^eyJ[\w-]+\.[\w-]+\.[\w-]+$")


def _texts(value: object) -> list[str]:
    """Every string in a value, however nested (a secret written as a map or list)."""
    if isinstance(value, Mapping):
        return [s for k, v in value.items() for s in (*_texts(k), *_texts(v))]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _texts(v)]
    return [str(value)] if value is not None else []


def _marked(token: str) -> bool:
    """A token whose form names it a credential: a known issuer prefix, an AWS key ID,
    a JWT, base64 of user:token, or a URL carrying a password."""
    if _CREDENTIAL.match(token) or _JWT.match(token) or is_encoded_pair(token):
        return True
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://[^/@\s:]+:[^/@\s]+@", token, re.I))


def _random_looking(token: str) -> bool:
    return (
        len(token) >= 24
        and any(c.isdigit() for c in token)
        and any(c.isalpha() for c in token)
        and not token.lower().startswith(("http://", "https://"))
    )


def looks_like_credential(value: object, *, strong: bool = False) -> bool:
    """Would anyone holding `value` hold a working credential? Any word of it with a
    credential's form (see `_marked`), a PEM block or service-account JSON, or, unless
    the value reads as a placeholder, a long random-looking word. `strong`: the first
    two only, for values that are names or references (a long image reference or secret
    name is not a secret)."""
    texts = _texts(value)
    words = [w for s in texts for w in s.split() if w]
    words += [p for w in words for p in re.split(r"[:=,;]", w) if p and p != w]
    # A name may share a prefix with a token (hf_token): as a name only a token-long word
    # counts (the shortest, an AWS key ID, is 20 characters).
    marked = [w for w in words if len(w) >= 20] if strong else words
    if any(_marked(w) for w in marked):
        return True
    if any(_PEM.search(s) or '"private_key"' in s or "service_account" in s for s in texts):
        return True
    if strong or (isinstance(value, str) and is_placeholder(value)):
        return False
    return any(_random_looking(w) for w in words)


def is_placeholder(value: object) -> bool:
    text = str(value).strip()
    return not text or bool(_PLACEHOLDER_VALUE.search(text))


def _check_secret_values(secrets: Mapping[str, Any]) -> list[Finding]:
    """Severity follows harm: a credential in the file is a leak (error); a value that
    could be one is a warning; a placeholder leaks nothing and truss never reads it (a
    note). Each is set to null with certainty, as `setup` does."""
    out = []
    for name, value in secrets.items():
        if isinstance(name, str) and looks_like_credential(name, strong=True):
            out.append(
                finding(
                    "secret-name-invalid",
                    ("secrets", name),
                    f"a secret is named {marker(name)}, which looks like a credential itself",
                    "name the secret (e.g. hf_access_token) and put the value in Baseten; "
                    "rotate this one, since it is in the file",
                )
            )
            continue
        if value is None:
            continue
        path = ("secrets", str(name))
        null = Edit("null-secret", path)
        if looks_like_credential(value):
            out.append(
                finding(
                    "secret-value-in-file",
                    path,
                    f"secret {name!r} holds what looks like a credential in config.yaml; "
                    "anyone with the file can read it",
                    "store the value in Baseten (Settings → Secrets), set it to null, and "
                    "rotate it",
                    edit=null,
                )
            )
        elif isinstance(value, str) and is_placeholder(value):
            out.append(
                finding(
                    "secret-placeholder-value",
                    path,
                    f"secret {name!r} is set to a placeholder instead of null",
                    f"write `{name}: null`; the value lives in Baseten (Settings → Secrets)",
                    edit=null,
                )
            )
        else:
            out.append(
                finding(
                    "secret-value-in-file",
                    path,
                    f"secret {name!r} has a value in config.yaml; if it is a real secret, "
                    "anyone with the file can read it",
                    "store the value in Baseten (Settings → Secrets) and set it to null",
                    severity=Severity.WARNING,
                    edit=null,
                )
            )
    return out


_AWS = {truss.AuthMethod.AWS_OIDC, truss.AuthMethod.AWS_ASSUME_ROLE, truss.AuthMethod.AWS_IAM}
_GCP = {truss.AuthMethod.GCP_OIDC, truss.AuthMethod.GCP_SERVICE_ACCOUNT_JSON}
_REGION_KEY = {
    truss.AuthMethod.AWS_OIDC: truss.AWS_OIDC_REGION,
    truss.AuthMethod.AWS_ASSUME_ROLE: truss.AWS_ASSUME_ROLE_REGION,
}
_ROLE_KEY = {
    truss.AuthMethod.AWS_OIDC: truss.AWS_OIDC_ROLE_ARN,
    truss.AuthMethod.AWS_ASSUME_ROLE: truss.AWS_ASSUME_ROLE_ARN,
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
                Edit("empty-secrets", ("secrets",)),
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
    if image is not None and not isinstance(image, str):
        out.append(
            _err(
                "image-invalid",
                ("base_image", "image"),
                f"base_image.image is {image!r}, not an image reference",
                "write the reference as text, e.g. image: ghcr.io/acme/app:1.0",
            )
        )
    elif not isinstance(image, str) or not image:
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
            ref = parse_image(image.strip())  # as setup reads it
        except ImageRefError as e:
            out.append(
                _err("image-invalid", ("base_image", "image"), str(e), "fix the image reference")
            )
    docker_auth = base_image.get("docker_auth")
    # An edit under `secrets:` needs a mapping (or no key) to land in.
    declarable = secrets is None or isinstance(secrets, Mapping)
    if docker_auth is not None:
        out.extend(_check_docker_auth(docker_auth, ref, secrets_map, declarable))
    elif ref is not None:
        out.extend(_check_registry_secret(ref, secrets_map))
    return out


def _err(
    rule: str, path: tuple[str, ...], message: str, fix: str, edit: Edit | None = None
) -> Finding:
    return Finding(rule, Severity.ERROR, path, message, fix, edit)


def _method_fix(ref: ImageRef | None) -> str:
    """What to write instead of a missing or unknown auth_method, for this image."""
    if ref is None:
        return "use AWS_OIDC, AWS_ASSUME_ROLE, AWS_IAM, GCP_OIDC or GCP_SERVICE_ACCOUNT_JSON"
    reg = REGISTRIES[detect_registry(ref).kind.value]
    methods = [m.auth_method.value for m in reg.methods if m.auth_method is not None]
    if all(m.anonymous for m in reg.methods):
        return f"{reg.label} pulls anonymously: remove docker_auth; no secret is needed"
    if not methods:
        return (
            f"{reg.label} takes an access token: remove docker_auth and declare "
            f"`{registry_secret_name(ref)}: null` under secrets: "
            "(registry-wizard setup --method token)"
        )
    return f"for {reg.label} use {', '.join(methods)} (registry-wizard setup)"


def _check_docker_auth(
    auth: Any, ref: ImageRef | None, secrets: Mapping[str, Any], declarable: bool = True
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
                _method_fix(ref),
            ),
        ]
    if method is None:
        return [
            *out,
            _err(
                "auth-method-invalid",
                (*here, "auth_method"),
                f"auth_method {raw_method!r} is not one truss knows",
                _method_fix(ref),
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
                    Edit("remove-field", (*here, f)),
                )
            )
    out.extend(_check_field_values(auth, method, ref))
    out.extend(_check_other_method_fields(auth, method, here))
    if ref is not None:
        out.extend(_check_against_image(auth, method, ref))
    out.extend(_check_declared(auth, method, secrets, declarable))
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
                Edit("set-registry", (*here, "registry"), ref.registry),
            )
        )
    elif registry != ref.registry:
        out.append(
            _err(
                "registry-mismatch",
                (*here, "registry"),
                f"registry {registry!r} is not the image's registry {ref.registry!r}",
                f"set registry: {ref.registry}",
                Edit("set-registry", (*here, "registry"), ref.registry),
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
        region_key
        and isinstance(region, str)
        and region.strip()
        and check_field("region", region) is None
    ):
        problem = region_finding(region.strip(), info, (*here, region_key))
        if problem is not None:
            out.append(problem)
    role_key = _ROLE_KEY.get(method)
    role = auth.get(role_key) if role_key else None
    if role_key and isinstance(role, str) and info.kind is RegistryKind.ECR:
        problem = role_account_finding(role, info, (*here, role_key))
        if problem is not None:
            out.append(problem)
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
    auth: Mapping[str, Any],
    method: truss.AuthMethod,
    secrets: Mapping[str, Any],
    declarable: bool = True,
) -> list[Finding]:
    here = ("base_image", "docker_auth")
    out = []
    for key, name in auth_secret_names(auth, method):
        if name in secrets:
            continue
        if looks_like_credential(name, strong=True):  # its field's rule says so; not declared
            continue
        out.append(
            _err(
                "secret-undeclared",
                (*here, key) if key in auth else here,
                f"secret {name!r} ({key}) is not declared under secrets:; Baseten will not "
                "mount it",
                f"add `{name}: null` under secrets:",
                Edit("declare-secret", ("secrets", name)) if declarable and name else None,
            )
        )
    return out


def _check_registry_secret(ref: ImageRef, secrets: Mapping[str, Any]) -> list[Finding]:
    """Token methods: the DOCKER_REGISTRY_ secret must carry Baseten's exact name. A
    misspelling of the image's own registry is renamed with certainty; a secret for
    another ECR account or region names a different registry and is left alone."""
    want = registry_secret_name(ref)
    out: list[Finding] = []
    renamed = False
    for name in secrets:
        if not isinstance(name, str) or not name.startswith(REGISTRY_SECRET_PREFIX) or name == want:
            continue
        suffix = name[len(REGISTRY_SECRET_PREFIX) :]
        if not _same_registry(suffix, ref):
            continue
        if want in secrets:
            out.append(
                finding(
                    "registry-secret-name",
                    ("secrets", name),
                    f"{name!r} is not the name Baseten looks up for {ref.registry}, and "
                    f"`{want}` is declared too: this one is unused",
                    "remove it if nothing else needs it",
                    severity=Severity.WARNING,
                )
            )
            continue
        # Only one secret can take the name: the first misspelling of this registry.
        rename = not renamed and _same_registry(suffix, ref, exact=True)
        renamed = renamed or rename
        out.append(
            _err(
                "registry-secret-name",
                ("secrets", name),
                f"{name!r} is not the name Baseten looks up for {ref.registry}",
                f"rename it to `{want}`",
                Edit("rename-secret", ("secrets", name), want) if rename else None,
            )
        )
    return out


_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"})


def _same_registry(suffix: str, ref: ImageRef, *, exact: bool = False) -> bool:
    """Does a DOCKER_REGISTRY_ suffix spell the image's registry (a scheme, a path,
    Docker Hub's aliases)? Without `exact`, any ECR host counts for an ECR image (the
    same service, another account or region)."""
    host = suffix.strip().lower()
    for prefix in ("https://", "http://"):
        host = host.removeprefix(prefix)
    host = host.split("/", 1)[0]
    if ref.is_docker_hub:
        return host in _HUB_HOSTS
    if host == ref.registry.lower():
        return True
    if exact:
        return False
    return detect_registry(ref).kind is RegistryKind.ECR and ".dkr.ecr." in host


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


def image_ref(config: Mapping[str, Any]) -> ImageRef | None:
    """base_image.image as an ImageRef (stripped, as setup reads it); None if absent or bad."""
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
    ref = image_ref(config)
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
                f"pin a digest: image: {ref.name}@sha256:<digest> (`registry-wizard check "
                f'--image {ref.original or ref} --format json` gives it, as "digest")',
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
    keyless = REGISTRIES[info.kind.value].oidc
    oidc = keyless.auth_method if keyless is not None else None
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
    out.extend(image_findings(ref, has_credential=auth is not None or bool(token)))  # below
    return out


# --------------------------------------------------------------------------- the image's reach
# Owned by the guides. What the image reference alone says about Baseten pulling it: a
# registry Baseten's builders cannot reach, an image anyone may pull. `advise` (doctor),
# `guide` and `setup` read `image_findings`, so all three say it with the same code.

RULES.update(
    _rules(
        ("registry-unreachable", _W, "the registry is on a loopback or private address",
            "Baseten builds images in its own cloud: it cannot reach localhost, 127.x, 10.x, "
            "172.16-31.x, 192.168.x, link-local or shared addresses, nor names that resolve "
            "only on your network (.local, .internal, .home.arpa). Push the image to a "
            "registry reachable from the internet."),
        ("image-public", _I, "the image is public: Baseten needs no credential for it",
            "Amazon ECR Public serves every image anonymously, and Docker Hub's official "
            "images are public: config.yaml needs only base_image.image. (A Docker Hub token "
            "only raises Docker Hub's pull rate limit.)"),
    )
)  # fmt: skip


def image_findings(
    ref: ImageRef, *, has_credential: bool, path: tuple[str, ...] = ("base_image", "image")
) -> list[Finding]:
    """`registry-unreachable` for a registry on a loopback or private address, and, when a
    credential is configured or about to be, `image-public` for an image anyone may pull."""
    from wizard.model.image import is_always_public, unreachable_reason

    out: list[Finding] = []
    reason = unreachable_reason(ref)
    if reason is not None:
        out.append(
            finding(
                "registry-unreachable",
                path,
                f"{ref.registry} is {reason}: Baseten's image builders run in Baseten's "
                "cloud and cannot reach it, so `truss push` would fail to pull the image",
                "push the image to a registry reachable from the internet (ECR, Artifact "
                "Registry, GHCR, Docker Hub, ...) and point base_image.image at it",
            )
        )
    if has_credential and is_always_public(ref):
        if ref.is_docker_hub:
            message = f"{ref.name} is a Docker Hub official image: anyone may pull it"
            fix = "no credential is needed; a Docker Hub token only raises the pull rate limit"
        else:
            message = f"{ref.registry} is Amazon ECR Public: every image on it pulls anonymously"
            fix = "config.yaml needs only base_image.image: no docker_auth and no registry secret"
        out.append(finding("image-public", path, message, fix))
    return out
