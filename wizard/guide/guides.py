"""Step-by-step guides for every registry × method: markdown from `assets/guides/`, filled
with what the wizard knows, plus the generated files (policies, commands, config snippet).

A template is `assets/guides/<registry>-<method>.md`. In it, `{{name}}` is replaced by a
value (a placeholder such as `<ORG_ID>` when unknown) or a whole generated document
(`{{trust-policy.json}}`), `{{> _part}}` includes `assets/guides/_part.md`, and a heading
`## #.` is numbered in order, so shared parts can add steps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wizard.guide import cloud_steps as steps
from wizard.model import catalog, rules, truss
from wizard.model import policies as pol
from wizard.model.auth import DOCKER_HUB_SECRET, REGISTRY_SECRET_PREFIX
from wizard.model.catalog import MethodSpec, RegistrySpec
from wizard.model.facts import BasetenFacts
from wizard.model.findings import Finding, Severity
from wizard.model.image import (
    ImageRef,
    ImageRefError,
    RegistryInfo,
    RegistryKind,
    ecr_host,
    parse_image,
)
from wizard.model.policies import placeholder
from wizard.model.record import field, record
from wizard.model.redact import printable
from wizard.verify.analyze import secret_value_command

__all__ = [
    "DEFAULT_NAMES",
    "PLACEHOLDER_NAMES",
    "Guide",
    "GuideValues",
    "all_guides",
    "build_guide",
    "guide_findings",
    "guide_json",
    "guides_dir",
    "template_path",
    "values_from",
]

TRUST_POLICY = pol.TRUST_POLICY_FILE
ECR_READ_POLICY = pol.ECR_READ_POLICY_FILE
ECR_REPOSITORY_POLICY = steps.ECR_REPOSITORY_POLICY_FILE
COMMANDS = "commands.sh"
CONFIG_SNIPPET = "config-snippet.yaml"
KEY_FILE = "key.json"

# What `values_from` suggests for things the user is about to create and name.
DEFAULT_NAMES: dict[str, str] = {
    "role_name": "baseten-ecr-pull",
    "iam_user": "baseten-ecr-pull",
    "service_account_name": "baseten-puller",
    "pool": "baseten-pool",
    "provider": "baseten-oidc",
}

# GuideValues field -> the placeholder shown while it is unknown. Fields left out are
# derived from others when unknown (role_arn from account and role_name, ...).
PLACEHOLDER_NAMES: dict[str, str] = {
    "image": "IMAGE",
    "registry_host": "REGISTRY_HOST",
    "account": "AWS_ACCOUNT_ID",
    "region": "AWS_REGION",
    "repository": "REPOSITORY",
    "project_id": "PROJECT_ID",
    "project_number": "PROJECT_NUMBER",
    "location": "LOCATION",
    "gar_repository": "GAR_REPOSITORY",
    "service_account_name": "SERVICE_ACCOUNT_NAME",
    "pool": "POOL_ID",
    "provider": "PROVIDER_ID",
    "role_name": "ROLE_NAME",
    "iam_user": "IAM_USER",
    "org_id": "ORG_ID",
    "team_id": "TEAM_ID",
    "baseten_role_arn": "BASETEN_ROLE_ARN",
    "external_id": "EXTERNAL_ID",
    "secret_name": "SECRET_NAME",
    "access_key_id_secret": "ACCESS_KEY_ID_SECRET",
    "secret_access_key_secret": "SECRET_ACCESS_KEY_SECRET",
}
# The token username placeholder names what the user is for that registry.
_USERNAME_PLACEHOLDERS: dict[RegistryKind, str] = {
    RegistryKind.DOCKERHUB: "DOCKER_ID",
    RegistryKind.GHCR: "GITHUB_USERNAME",
    RegistryKind.OTHER: "USERNAME",
}
_FIXED_HOSTS: dict[RegistryKind, str] = {
    RegistryKind.DOCKERHUB: "docker.io",
    RegistryKind.GHCR: "ghcr.io",
    RegistryKind.NGC: "nvcr.io",
    RegistryKind.ECR_PUBLIC: "public.ecr.aws",
}
# Container Registry hosts live on as Artifact Registry repositories named after the host.
_GCR_REPOSITORY_LOCATIONS: dict[str, str] = {
    "gcr.io": "us",
    "us.gcr.io": "us",
    "eu.gcr.io": "europe",
    "asia.gcr.io": "asia",
}
# setup flag id -> the GuideValues field it fills, for the method fields of the catalog.
_FIELD_VALUES: dict[str, str] = {
    "role-arn": "role_arn",
    "region": "region",
    "service-account": "service_account",
    "workload-provider": "workload_provider",
    "secret-name": "secret_name",
    "access-key-id-secret": "access_key_id_secret",
    "secret-access-key-secret": "secret_access_key_secret",
}

_ROLE_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):iam::(?P<account>\d{12}):role(?P<path>/(?:.*/)?)(?P<name>[^/]+)"
)
# A user-managed service account names its project: NAME@PROJECT.iam.gserviceaccount.com.
_SA_PROJECT = re.compile(r"[^@]+@(?P<project>[a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com")
_WORKLOAD_PROVIDER = re.compile(
    r"projects/(?P<number>[^/]+)/locations/global/workloadIdentityPools/(?P<pool>[^/]+)"
    r"/providers/(?P<provider>[^/]+)"
)
_TAG = re.compile(r"\{\{\s*(?P<include>>\s*)?(?P<name>[A-Za-z0-9_.-]+)\s*\}\}")
_STEP = re.compile(r"^(#{2,3}) #\.", re.MULTILINE)
_UNKNOWNS = "\x00unknowns\x00"
_INCLUDE_DEPTH = 3


@record
class Guide:
    """A cloud-setup guide: markdown, and the documents (policies) it names."""

    title: str
    markdown: str
    documents: dict[str, str] = field(default_factory=dict)


@record
class GuideValues:
    """Everything a guide may fill in. None is unknown: the guide shows a placeholder
    (`PLACEHOLDER_NAMES`), or derives the value from others where it can."""

    image: str | None = None
    registry_host: str | None = None  # derived for ECR, GAR and fixed hosts
    # AWS
    account: str | None = None
    region: str | None = None
    partition: str | None = None  # derived from the region
    repository: str | None = None  # the image path: an ECR repository name
    role_name: str | None = None
    role_path: str | None = None  # the role's IAM path, e.g. /service-role/; derived: /
    role_account: str | None = None  # the role's account; derived: the repository's
    role_arn: str | None = None  # derived from partition, role_account, role_path, role_name
    iam_user: str | None = None
    # Google Cloud
    project_id: str | None = None
    project_number: str | None = None
    location: str | None = None
    gar_repository: str | None = None
    service_account_name: str | None = None
    service_account_project: str | None = None  # derived: project_id, the image's
    service_account: str | None = None  # the email; derived from the name and its project
    pool_project: str | None = None  # --project for the pool; derived: project_id
    pool: str | None = None
    provider: str | None = None
    # The NUMBER of the pool's project is project_number.
    workload_provider: str | None = None  # derived from project_number, pool, provider
    # Baseten
    org_id: str | None = None
    team_id: str | None = None
    baseten_role_arn: str | None = None
    external_id: str | None = None
    # Secrets
    secret_name: str | None = None
    access_key_id_secret: str | None = None
    secret_access_key_secret: str | None = None
    registry_secret: str | None = None  # derived from the registry host
    token_username: str | None = None  # fixed for ECR, GAR and NGC


# --- values from the catalog world -------------------------------------------------------


def values_from(
    ref: ImageRef, info: RegistryInfo, facts: BasetenFacts, answers: dict[str, str]
) -> GuideValues:
    """The values for a guide about `ref`: the image and its host, what Baseten said,
    the answers so far (keyed by setup flag id), and suggested names for what is new."""

    def answer(key: str) -> str | None:
        value = answers.get(key)
        return value.strip() or None if value else None

    fields = catalog.all_fields()

    def field_value(field_id: str) -> str | None:
        given = answer(field_id)
        spec = fields.get(field_id)
        if given is None and spec is not None and spec.default is not None:
            return spec.default(ref, info)
        return given

    location, gar_repository = info.location, info.gar_repository
    if info.kind is RegistryKind.GAR and ref.host in _GCR_REPOSITORY_LOCATIONS:
        location, gar_repository = _GCR_REPOSITORY_LOCATIONS[ref.host], ref.host

    values = GuideValues(
        image=ref.original or str(ref),
        registry_host=ref.registry,
        account=info.account,
        repository=ref.repository,
        project_id=info.project,
        project_number=answer("project-number"),
        location=location,
        gar_repository=gar_repository,
        org_id=answer("org-id") or facts.org_id,
        team_id=answer("team-id") or facts.team_id or _only_team(facts),
        baseten_role_arn=answer("baseten-role-arn") or facts.aws_role_arn,
        external_id=answer("external-id") or facts.external_id,
        token_username=answer("username"),
        **DEFAULT_NAMES,
    )
    for field_id, name in _FIELD_VALUES.items():
        value = field_value(field_id)
        if value is not None:
            setattr(values, name, value)
    values.partition = pol.aws_partition(values.region)
    if values.role_arn:
        _from_role_arn(values, values.role_arn)
    if values.service_account:
        values.service_account_name = values.service_account.partition("@")[0]
        sa = _SA_PROJECT.fullmatch(values.service_account)
        if sa:
            values.service_account_project = sa["project"]
    if values.workload_provider:
        _from_workload_provider(values, values.workload_provider)
    return values


def _only_team(facts: BasetenFacts) -> str | None:
    return facts.teams[0][0] if len(facts.teams) == 1 else None


def _from_role_arn(values: GuideValues, arn: str) -> None:
    """The role's name, IAM path and account. The repository's account stays the image's:
    the two differ for a role in another account."""
    m = _ROLE_ARN.fullmatch(arn)
    if m:
        values.role_name, values.role_path = m["name"], m["path"]
        values.role_account = m["account"]
        values.account = values.account or m["account"]
        values.partition = m["partition"]


def _from_workload_provider(values: GuideValues, path: str) -> None:
    """The pool lives in the project the provider path names (by NUMBER), which need not
    be the image's project: the pool's commands act there."""
    m = _WORKLOAD_PROVIDER.fullmatch(path)
    if m:
        if m["number"] != values.project_number:
            values.pool_project = m["number"]
        values.project_number = m["number"]
        values.pool, values.provider = m["pool"], m["provider"]


# --- resolving: every value as text, placeholders for the unknown -----------------------


def _resolve(reg: RegistrySpec, v: GuideValues) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, ph in PLACEHOLDER_NAMES.items():
        value = getattr(v, name)
        out[name] = value if value else placeholder(ph)

    out["partition"] = v.partition or pol.aws_partition(v.region)
    out["role_account"] = v.role_account or out["account"]
    out["role_path"] = v.role_path or "/"
    out["role_arn"] = v.role_arn or (
        f"arn:{out['partition']}:iam::{out['role_account']}:role{out['role_path']}"
        f"{out['role_name']}"
    )
    out["service_account_project"] = v.service_account_project or out["project_id"]
    out["service_account"] = v.service_account or (
        f"{out['service_account_name']}@{out['service_account_project']}.iam.gserviceaccount.com"
    )
    out["pool_project"] = v.pool_project or out["project_id"]
    out["workload_provider"] = v.workload_provider or pol.workload_provider_path(
        out["project_number"], out["pool"], out["provider"]
    )
    out["registry_host"] = v.registry_host or _registry_host(reg.kind, v, out)
    if reg.kind is RegistryKind.DOCKERHUB:
        out["registry_secret"] = v.registry_secret or DOCKER_HUB_SECRET
    else:
        out["registry_secret"] = v.registry_secret or REGISTRY_SECRET_PREFIX + out["registry_host"]
    out["token_username"] = (
        reg.fixed_username
        or v.token_username
        or placeholder(_USERNAME_PLACEHOLDERS.get(reg.kind, "USERNAME"))
    )
    return out


def _registry_host(kind: RegistryKind, v: GuideValues, out: dict[str, str]) -> str:
    if kind in _FIXED_HOSTS:
        return _FIXED_HOSTS[kind]
    if kind is RegistryKind.ECR:
        if v.account and v.region:
            return ecr_host(v.account, v.region)
        return f"{out['account']}.dkr.ecr.{out['region']}.amazonaws.com"
    if kind is RegistryKind.GAR:
        return f"{out['location']}-docker.pkg.dev"
    return out["registry_host"]


# --- the generated documents -------------------------------------------------------------


def _script(title: str, *blocks: tuple[str, list[str]]) -> str:
    """A commands.sh: a header, then each block's comment and commands."""
    lines = [
        f"# {title}",
        "# Generated by registry-wizard. Run the commands one by one, or paste them into a shell.",
    ]
    for comment, commands in blocks:
        lines.append("")
        lines.extend(f"# {c}" if c else "#" for c in comment.splitlines())
        lines.extend(commands)
    return "\n".join(lines) + "\n"


def _ecr_policy(r: dict[str, str]) -> str:
    doc = pol.ecr_read_policy(r["account"], r["region"], r["repository"], partition=r["partition"])
    return pol.policy_json(doc)


def _cross_account(r: dict[str, str]) -> bool:
    return r["role_account"] != r["account"]


def _repository_policy_docs(r: dict[str, str]) -> dict[str, str]:
    """A role in another account than the repository: the repository must grant it pull."""
    if not _cross_account(r):
        return {}
    return {ECR_REPOSITORY_POLICY: pol.policy_json(steps.ecr_repository_policy(r["role_arn"]))}


def _docs_ecr_oidc(r: dict[str, str], title: str) -> dict[str, str]:
    # The provider is the role's account's: the trust policy names it there.
    trust = pol.oidc_trust_policy(
        r["role_account"], r["org_id"], r["team_id"], partition=r["partition"]
    )
    create_provider = pol.oidc_role_commands(r["role_name"])[0]
    return {
        TRUST_POLICY: pol.policy_json(trust),
        ECR_READ_POLICY: _ecr_policy(r),
        **_repository_policy_docs(r),
        COMMANDS: _script(
            title,
            (
                f"Once per AWS account ({r['role_account']}): register Baseten's OIDC issuer.\n"
                "No --thumbprint-list: IAM has not required one since July 2024 (it checks\n"
                "the issuer's certificate against its own trusted root CAs); an AWS CLI older\n"
                "than that refuses the command without it: upgrade the AWS CLI.",
                [create_provider],
            ),
            (
                f"The role Baseten assumes; run where {TRUST_POLICY} and {ECR_READ_POLICY} are.",
                steps.role_commands(r["role_name"], path=r["role_path"]),
            ),
        ),
    }


def _docs_ecr_assume_role(r: dict[str, str], title: str) -> dict[str, str]:
    trust = pol.assume_role_trust_policy(r["baseten_role_arn"], r["external_id"])
    return {
        TRUST_POLICY: pol.policy_json(trust),
        ECR_READ_POLICY: _ecr_policy(r),
        **_repository_policy_docs(r),
        COMMANDS: _script(
            title,
            (
                f"The role Baseten assumes; run where {TRUST_POLICY} and {ECR_READ_POLICY} are.",
                steps.role_commands(r["role_name"], path=r["role_path"]),
            ),
        ),
    }


def _docs_ecr_iam(r: dict[str, str], title: str) -> dict[str, str]:
    return {
        ECR_READ_POLICY: _ecr_policy(r),
        COMMANDS: _script(
            title,
            (
                f"A user that can only pull; run where {ECR_READ_POLICY} is.\n"
                "The last command prints the access key ID and the secret access key, once.",
                pol.iam_user_commands(r["iam_user"]),
            ),
        ),
    }


def _docs_gar_oidc(r: dict[str, str], title: str) -> dict[str, str]:
    enable, reader, pool, impersonate = steps.gcloud_oidc_commands(
        image_project=r["project_id"],
        sa_project=r["service_account_project"],
        pool_project=r["pool_project"],
        pool_project_number=r["project_number"],
        location=r["location"],
        repository=r["gar_repository"],
        service_account=r["service_account"],
        pool=r["pool"],
        provider=r["provider"],
        org_id=r["org_id"],
        team_id=r["team_id"],
    )
    return {
        COMMANDS: _script(
            title,
            ("The APIs workload identity federation uses.", enable),
            ("A service account that can read the repository.", reader),
            ("A pool with an OIDC provider that accepts only your team's Baseten tokens.", pool),
            ("Let identities of the pool act as the service account.", impersonate),
        ),
    }


def _docs_gar_service_account(r: dict[str, str], title: str) -> dict[str, str]:
    create_sa, reader, key = steps.gcloud_key_commands(
        image_project=r["project_id"],
        sa_project=r["service_account_project"],
        location=r["location"],
        repository=r["gar_repository"],
        service_account=r["service_account"],
        key_file=KEY_FILE,
    )
    return {
        COMMANDS: _script(
            title,
            ("A service account that can read the repository.", [create_sa, reader]),
            (f"Its JSON key, written to {KEY_FILE}: treat it as a password.", [key]),
        ),
    }


def _docs_anonymous(r: dict[str, str], title: str) -> dict[str, str]:
    return {}


def _docs_token(r: dict[str, str], title: str, kind: RegistryKind) -> dict[str, str]:
    if kind in (RegistryKind.ECR, RegistryKind.GAR):
        # The registry's own CLI prints the token: nothing to paste.
        command = secret_value_command(kind, r["registry_host"]).replace("<region>", r["region"])
        block = (
            f"VALUE: the value of the Baseten secret {r['registry_secret']}.",
            [f"VALUE=$({command})"],
        )
        return {COMMANDS: _script(title, block)}
    # Single quotes keep a `$` in the username literal (NGC's is `$oauthtoken`); `read -r`
    # keeps the token as pasted, and out of the shell history.
    # Quoted even as a placeholder: whatever replaces it stays literal.
    user_word = "'" + r["token_username"].replace("'", "'\\''") + "'"
    return {
        COMMANDS: _script(
            title,
            (
                "Paste the token when asked (it is not shown), then press Enter.",
                ["printf 'Token: ' >&2; read -rs TOKEN; echo >&2"],
            ),
            (
                f"VALUE: the value of the Baseten secret {r['registry_secret']}.\n"
                "macOS: replace `base64 -w0` with `base64 | tr -d '\\n'`.",
                [f"VALUE=$(printf '%s:%s' {user_word} \"$TOKEN\" | base64 -w0)", "unset TOKEN"],
            ),
        ),
    }


def _config_snippet(reg: RegistrySpec, method: MethodSpec, r: dict[str, str]) -> str:
    lines = ["base_image:", f"  image: {_yaml(r['image'])}"]
    secrets: list[str] = []
    if method.anonymous:
        pass  # the image alone: no docker_auth, no secret
    elif method.auth_method is None:
        secrets.append(r["registry_secret"])
    else:
        lines += [
            "  docker_auth:",
            f"    auth_method: {method.auth_method.value}",
            f"    registry: {_yaml(r['registry_host'])}",
        ]
        for f in method.fields:
            value = r[_FIELD_VALUES[f.id]]
            if value == f.truss_default:
                # As `setup` does: truss's default is left out, so say what it is.
                lines.append(f"    # {f.key}: {value} (truss's default)")
            else:
                lines.append(f"    {f.key}: {_yaml(value)}")
            if f.declares_secret and value not in secrets:
                secrets.append(value)
    if secrets:
        lines.append("secrets:")
        lines += [f"  {_yaml(name)}: null" for name in secrets]
    return "\n".join(lines) + "\n"


_YAML_PLAIN = re.compile(r"[A-Za-z0-9<$][A-Za-z0-9_.:/@<>$=+-]*")


def _yaml(value: str) -> str:
    """A YAML scalar: plain when that reads back as the same string, else double-quoted."""
    plain = (
        _YAML_PLAIN.fullmatch(value)
        and not value.endswith(":")
        and value not in ("null", "true", "false", "yes", "no", "on", "off", "~")
    )
    if plain and not value.replace(".", "", 1).isdigit():
        return value
    return json.dumps(value)


_QUOTING_NOTE = (
    "- The username in single quotes and the token in a variable read with `read -r`: inside\n"
    "  double quotes the shell expands `$...`, so NGC's `$oauthtoken` or a Harbor `robot$...`\n"
    "  name would silently lose its `$` part."
)
_QUOTING_NOTES: dict[RegistryKind, str] = {
    kind: (
        f"- The token goes straight from `{cli}` into the value: no copying and pasting,\n"
        "  so no stray space and no cut-off character."
    )
    for kind, cli in (
        (RegistryKind.ECR, "aws ecr get-login-password"),
        (RegistryKind.GAR, "gcloud auth print-access-token"),
    )
}

_DocBuilder = Callable[[dict[str, str], str], dict[str, str]]
_DOCUMENTS: dict[tuple[str, str], _DocBuilder] = {
    ("ecr", "oidc"): _docs_ecr_oidc,
    ("ecr", "assume-role"): _docs_ecr_assume_role,
    ("ecr", "iam"): _docs_ecr_iam,
    ("gar", "oidc"): _docs_gar_oidc,
    ("gar", "service-account"): _docs_gar_service_account,
    ("ecr-public", "anonymous"): _docs_anonymous,
}


# --- prose bits that depend on the values ------------------------------------------------


def _hints(r: dict[str, str]) -> dict[str, str]:
    """How to find each placeholder's value."""
    whoami_oidc = "`truss whoami --show-oidc` prints it"
    whoami_role = "`truss whoami --show-aws-assume-role` prints it"
    return {
        "ORG_ID": whoami_oidc,
        "TEAM_ID": whoami_oidc,
        "BASETEN_ROLE_ARN": whoami_role + " (Baseten's own AWS role)",
        "EXTERNAL_ID": whoami_role + " (your organization's external ID)",
        "IMAGE": "the full image reference, as in `base_image.image`",
        "REGISTRY_HOST": "the host at the start of the image reference (with its port, if any)",
        "AWS_ACCOUNT_ID": "the 12 digits at the start of the ECR host, or "
        "`aws sts get-caller-identity --query Account --output text`",
        "AWS_REGION": "the region in the ECR host, e.g. us-east-1",
        "REPOSITORY": "the image path after the host, without tag or digest, e.g. team/app",
        "PROJECT_ID": "the first path component after the host, or "
        "`gcloud config get-value project`",
        "PROJECT_NUMBER": f"`gcloud projects describe {r['project_id']} "
        "--format='value(projectNumber)'` (the number, not the project ID)",
        "LOCATION": "the part of the host before -docker.pkg.dev, e.g. us-central1",
        "GAR_REPOSITORY": "the second path component after the host",
        "SERVICE_ACCOUNT_NAME": "a name for the new service account, e.g. "
        + DEFAULT_NAMES["service_account_name"],
        "POOL_ID": "a name for the new workload identity pool, e.g. " + DEFAULT_NAMES["pool"],
        "PROVIDER_ID": "a name for the new OIDC provider, e.g. " + DEFAULT_NAMES["provider"],
        "ROLE_NAME": "a name for the new IAM role, e.g. " + DEFAULT_NAMES["role_name"],
        "IAM_USER": "a name for the new IAM user, e.g. " + DEFAULT_NAMES["iam_user"],
        "SECRET_NAME": "a name for the Baseten secret, e.g. gcp-service-account",
        "ACCESS_KEY_ID_SECRET": "a name for the Baseten secret, e.g. "
        "aws_access_key_id (truss's default)",
        "SECRET_ACCESS_KEY_SECRET": "a name for the Baseten secret, e.g. "
        "aws_secret_access_key (truss's default)",
        "DOCKER_ID": "your Docker ID, the name you sign in with (not your email address)",
        "GITHUB_USERNAME": "your GitHub username, the account that owns the token",
        "USERNAME": "your username on the registry (or the robot / token name it gave you)",
    }


def _unknowns(found: list[str], hints: dict[str, str]) -> str:
    if not found:
        return ""
    lines = [
        "**Fill these in first.** The wizard does not know them, so the commands and files "
        "below show them as markers; replace each one everywhere:",
        "",
    ]
    for ph in found:
        hint = hints.get(ph[1:-1])
        lines.append(f"- `{ph}`: {hint}" if hint else f"- `{ph}`")
    return "\n".join(lines)


def _setup_command(reg: RegistrySpec, method: MethodSpec, r: dict[str, str]) -> str:
    options = [f"--registry {reg.id}", f"--method {method.id}", f"--image {pol.sh(r['image'])}"]
    options += [f"{f.flag} {pol.sh(r[_FIELD_VALUES[f.id]])}" for f in method.fields]
    return " \\\n    ".join(["registry-wizard setup", *options])


def _check_commands(reg: RegistrySpec, method: MethodSpec, r: dict[str, str]) -> list[str]:
    """Comment lines and commands proving the credential can pull, as far as we can."""
    check = "registry-wizard check --config config.yaml"
    if method.anonymous:
        return ["# Prove the image pulls without any credential, live", check]
    if method.is_token:
        return [
            "# Prove the secret value can pull the image, live: in the shell where you built",
            "# VALUE above (nothing runs while VALUE is unset)",
            'test -n "${VALUE:?build the secret value first}" &&',
            f"    printf '%s' \"$VALUE\" | {check} --secret-stdin",
        ]
    if method.credential == "aws":
        profile = pol.sh(r["iam_user"])
        return [
            "# Prove the new access key can pull the image, live: store it in a profile",
            f"# (region {r['region']}), then check with that profile",
            f"aws configure --profile {profile}",
            f"{check} --aws-profile {profile}",
        ]
    if method.credential == "key-file":
        return [
            "# Prove the key can pull the image, live; then delete it: Baseten has it",
            f"{check} --key-file {KEY_FILE}",
            f"rm {KEY_FILE}",
        ]
    if reg.cloud == "GCP":
        sa = pol.sh(r["service_account"])
        return [
            "# Prove the service account can pull the image, live (impersonating it needs",
            "# roles/iam.serviceAccountTokenCreator on it for your own account)",
            f"gcloud auth print-access-token --impersonate-service-account={sa} \\\n"
            f"    | {check} --username oauth2accesstoken --password-stdin",
        ]
    return [
        "# Check the image pulls, live, with your own AWS credentials (this does not",
        "# assume the role: it proves the image and tag exist and are reachable)",
        check,
    ]


def _next_commands(reg: RegistrySpec, method: MethodSpec, r: dict[str, str]) -> str:
    if method.anonymous:
        write = [
            "# config.yaml needs only base_image.image; doctor names any docker_auth or",
            "# registry secret left over from before, which this image does not need",
            "registry-wizard doctor config.yaml",
        ]
    else:
        write = [
            "# Write base_image and secrets into config.yaml (shows the diff, asks first)",
            _setup_command(reg, method, r),
        ]
    blocks = [
        *write,
        "",
        *_check_commands(reg, method, r),
        "",
        "# Deploy",
        "truss push",
    ]
    return "\n".join(blocks)


# --- templates ---------------------------------------------------------------------------


def guides_dir() -> Path:
    """The guide templates, among the bundled assets."""
    from wizard import assets_dir

    guides = assets_dir() / "guides"
    if not guides.is_dir():
        raise FileNotFoundError("the guide templates are missing from this installation")
    return guides


def template_path(registry_id: str, method_id: str) -> Path:
    return guides_dir() / f"{registry_id}-{method_id}.md"


def _render(text: str, context: dict[str, str], depth: int = 0) -> str:
    def fill(m: re.Match[str]) -> str:
        name = m["name"]
        if m["include"]:
            if depth >= _INCLUDE_DEPTH:
                raise ValueError(f"guide template includes nest too deep at {name!r}")
            part = (guides_dir() / f"{name}.md").read_text(encoding="utf-8")
            return _render(part.rstrip("\n"), context, depth + 1)
        if name not in context:
            raise KeyError(f"guide template names {{{{{name}}}}}, which has no value")
        return context[name].rstrip("\n")

    return _TAG.sub(fill, text)


def _number_steps(markdown: str) -> str:
    counter = iter(range(1, 1000))
    return _STEP.sub(lambda m: f"{m[1]} {next(counter)}.", markdown)


def _method_label(method: MethodSpec) -> str:
    return method.label.split(" (")[0]


def _image_ref(image: str | None) -> ImageRef | None:
    if not image or pol.PLACEHOLDER.search(image):
        return None
    try:
        return parse_image(image.strip())
    except ImageRefError:
        return None


def guide_findings(reg: RegistrySpec, method: MethodSpec, values: GuideValues) -> list[Finding]:
    """What the rulebook says about this image and role, with the codes `setup` and
    `doctor` use: a registry Baseten cannot reach, a public image, a role in another
    account than the repository."""
    from wizard.model.image import detect_registry

    ref = _image_ref(values.image)
    out: list[Finding] = []
    if ref is not None:
        # The guide is about setting a credential up: say when none is needed.
        out += rules.image_findings(ref, has_credential=True)
    if values.role_arn and any(f.id == "role-arn" for f in method.fields):
        info = detect_registry(ref) if ref is not None else None
        if info is None or info.kind is not reg.kind:
            info = RegistryInfo(reg.kind, account=values.account)
        problem = rules.role_account_finding(values.role_arn, info)
        if problem is not None:
            out.append(problem)
    return out


_SEVERITY_WORDS = {Severity.ERROR: "Error", Severity.WARNING: "Warning", Severity.INFO: "Note"}


def _findings_markdown(findings: list[Finding]) -> str:
    blocks = [
        f"> **{_SEVERITY_WORDS[f.severity]}:** {f.message}.\n> Fix: {f.fix}." for f in findings
    ]
    return "\n\n".join(blocks)


def _part(name: str, context: dict[str, str]) -> str:
    """A shared part (`assets/guides/_name.md`) filled in, for a step only some cases get."""
    text = (guides_dir() / f"_{name}.md").read_text(encoding="utf-8")
    return _render(text.rstrip("\n"), context)


def _gcp_projects(r: dict[str, str], *, pool: bool) -> str:
    """Where the GCP commands act: "project `p`", or each project and what lives there."""
    where: dict[str, list[str]] = {}
    places = [
        (r["project_id"], "the repository"),
        (r["service_account_project"], "the service account"),
    ]
    if pool:
        places.append((r["pool_project"], "the workload identity pool"))
    for project, what in places:
        where.setdefault(project, []).append(what)
    if len(where) == 1:
        return f"project `{r['project_id']}`"
    named = [f"`{p}` ({' and '.join(w)})" for p, w in where.items()]
    return "projects " + ", ".join(named[:-1]) + " and " + named[-1]


def build_guide(
    registry_id: str,
    method_id: str,
    values: GuideValues,
    extra_findings: tuple[Finding, ...] = (),
) -> Guide:
    """The guide for one registry × method, filled with `values`. It opens with the
    rulebook's findings on the image and role (`guide_findings`), then `extra_findings`
    (a live check's, say)."""
    reg = catalog.REGISTRIES.get(registry_id)
    if reg is None:
        known = ", ".join(catalog.REGISTRIES)
        raise ValueError(f"unknown registry {registry_id!r}; one of {known}")
    method = reg.method(method_id)
    if method is None:
        known = ", ".join(m.id for m in reg.methods)
        raise ValueError(f"{reg.label} has no method {method_id!r}; one of {known}")

    r = _resolve(reg, values)
    title = f"{reg.label}: {_method_label(method)}"
    if method.is_token:
        documents = _docs_token(r, title, reg.kind)
    else:
        documents = _DOCUMENTS[(reg.id, method.id)](r, title)
    documents[CONFIG_SNIPPET] = _config_snippet(reg, method, r)

    context: dict[str, str] = {
        **r,
        **documents,
        "title": title,
        "registry_label": reg.label,
        "method_label": _method_label(method),
        "recommended": _method_label(reg.recommended),
        "token_lifetime": method.token_lifetime or "",
        "token_kind": reg.token_kind,
        "quoting_note": _QUOTING_NOTES.get(reg.kind, _QUOTING_NOTE),
        "image_sh": pol.sh(r["image"]),
        "build_subject": pol.oidc_subject_pattern(
            r["org_id"], r["team_id"], workload_type="model_build"
        ),
        "oidc_subject": pol.oidc_subject_pattern(r["org_id"], r["team_id"]),
        "role_name_sh": pol.sh(r["role_name"]),
        "next_commands": _next_commands(reg, method, r),
        "unknowns": _UNKNOWNS,
        "findings": _findings_markdown([*guide_findings(reg, method, values), *extra_findings]),
        "assume_role_since": ".".join(
            map(str, rules.METHOD_SINCE[truss.AuthMethod.AWS_ASSUME_ROLE])
        ),
        "gcp_projects": _gcp_projects(r, pool=False),
        "gcp_oidc_projects": _gcp_projects(r, pool=True),
    }
    provider_arn = pol.oidc_provider_arn(r["role_account"], partition=r["partition"])
    context["oidc_provider_arn"] = provider_arn
    context["audience_check"] = steps.audience_check_command(provider_arn)
    context["add_audience"] = steps.add_audience_command(provider_arn)
    fixed, budget = steps.environment_budget(values.org_id, values.team_id)
    context["subject_fixed_bytes"], context["environment_budget"] = str(fixed), str(budget)
    context["subject_limit"] = str(steps.GOOGLE_SUBJECT_LIMIT)
    context["repository_policy_commands"] = "\n".join(
        steps.repository_policy_commands(r["repository"], r["region"])
    )
    context["repository_access"] = (
        _part("repository-access", context) if (ECR_REPOSITORY_POLICY in documents) else ""
    )
    context["pool_project_step"] = _part(
        "pool-project-given" if values.pool_project else "pool-project-number", context
    )
    text = template_path(reg.id, method.id).read_text(encoding="utf-8")
    markdown = _number_steps(_render(text, context))
    found = pol.find_placeholders(markdown + "".join(documents.values()))
    markdown = markdown.replace(_UNKNOWNS, _unknowns(found, _hints(r)))
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip("\n") + "\n"
    # The values come from config.yaml and flags: a YAML escape ("\e") is no text for a
    # terminal, whichever front end shows the guide.
    documents = {name: printable(doc) for name, doc in documents.items()}
    return Guide(title=printable(title), markdown=printable(markdown), documents=documents)


# --- output ------------------------------------------------------------------------------


def guide_json(guide: Guide) -> dict[str, Any]:
    return {"title": guide.title, "markdown": guide.markdown, "documents": dict(guide.documents)}


def all_guides() -> list[tuple[str, str]]:
    """Every (registry id, method id) pair a guide exists for."""
    return [(reg.id, m.id) for reg in catalog.REGISTRIES.values() for m in reg.methods]
