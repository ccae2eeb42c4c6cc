"""Check the Google Cloud side of GCP_OIDC, live, with the user's Application Default
Credentials: would Baseten's build-time token get through the workload identity
provider, be allowed to impersonate the service account, and find that account
allowed to read the Artifact Registry repository?

Read-only: three IAM reads (provider, service-account policy, repository policy; the
project policy too when the repository's does not grant read). Every PROBLEM item says
what Google would refuse and carries the gcloud command that fixes it; what could not be
read is UNKNOWN and names the permission that was missing. google-auth and requests are
imported lazily.
"""

from __future__ import annotations

import os
import re
import shlex
import warnings
from collections.abc import Iterable, Iterator
from enum import Enum
from functools import lru_cache
from typing import Any

from wizard.model.facts import (
    OIDC_AUDIENCE,
    OIDC_ISSUER,
    PULL_WORKLOAD_TYPE,
    ItemStatus,
    SetupItem,
)
from wizard.model.record import record

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
IAM_URL_ENV = "REGISTRY_WIZARD_GCP_IAM_URL"
AR_URL_ENV = "REGISTRY_WIZARD_GCP_AR_URL"
CRM_URL_ENV = "REGISTRY_WIZARD_GCP_CRM_URL"
IAM_URL = "https://iam.googleapis.com"
AR_URL = "https://artifactregistry.googleapis.com"
CRM_URL = "https://cloudresourcemanager.googleapis.com"
DEFAULT_TIMEOUT = 15.0
LOGIN = "gcloud auth application-default login"

ITEM_ADC = "gcp-adc"
ITEM_PROVIDER_PATH = "gcp-provider-path"
ITEM_PROJECT_NUMBER = "gcp-provider-project-number"
ITEM_PROVIDER = "gcp-provider-exists"
ITEM_STATE = "gcp-provider-state"
ITEM_ISSUER = "gcp-provider-issuer"
ITEM_AUDIENCE = "gcp-provider-audience"
ITEM_MAPPING = "gcp-provider-mapping"
ITEM_CONDITION = "gcp-provider-condition"
ITEM_SA_BINDING = "gcp-sa-workload-identity-user"
ITEM_REPO_READER = "gcp-repo-reader"

IMPERSONATE_ROLE = "roles/iam.workloadIdentityUser"
# Also carries iam.serviceAccounts.getAccessToken, which is what the exchange needs.
IMPERSONATE_ROLES = (IMPERSONATE_ROLE, "roles/iam.serviceAccountTokenCreator")
READER_ROLE = "roles/artifactregistry.reader"
# Predefined roles holding artifactregistry.repositories.downloadArtifacts, narrowest first.
READ_ROLES = (
    READER_ROLE,
    "roles/artifactregistry.writer",
    "roles/artifactregistry.createOnPushWriter",
    "roles/artifactregistry.repoAdmin",
    "roles/artifactregistry.createOnPushRepoAdmin",
    "roles/artifactregistry.admin",
    "roles/viewer",
    "roles/editor",
    "roles/owner",
)

_PROVIDER_PATH = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/workloadIdentityPools/"
    r"(?P<pool>[^/]+)/providers/(?P<provider>[^/]+)$"
)
_POOL_MEMBER = re.compile(
    r"^(?P<kind>principalSet|principal)://iam\.googleapis\.com/projects/(?P<project>[^/]+)"
    r"/locations/global/workloadIdentityPools/(?P<pool>[^/]+)/(?P<rest>.+)$"
)


# --------------------------------------------------------------------------- the check


def check_gcp_oidc(
    *,
    service_account: str,
    workload_provider: str,
    location: str,
    project: str,
    repository: str,
    org_id: str | None,
    team_id: str | None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[SetupItem]:
    """One item per fact Google would check when Baseten pulls the image (ids: ITEM_*)."""
    service_account = service_account.strip()
    try:
        api = _Api.connect(timeout)
    except _NoAdc as e:
        return [SetupItem(ITEM_ADC, ItemStatus.UNKNOWN, e.message, LOGIN)]

    items: list[SetupItem] = []
    path = _ProviderPath.parse(workload_provider)
    number: str | None = None
    if path is None:
        items.append(_bad_path(workload_provider))
    else:
        provider_items, number = _check_provider(api, path, org_id, team_id)
        items.extend(provider_items)
    items.append(_check_sa_binding(api, service_account, path, number, org_id, team_id))
    items.append(_check_repository(api, service_account, project, location, repository))
    return items


@record(frozen=True)
class _ProviderPath:
    """A workload identity provider's resource path, in parts."""

    project: str
    pool: str
    provider: str

    @classmethod
    def parse(cls, value: str) -> _ProviderPath | None:
        m = _PROVIDER_PATH.match(value.strip())
        if not m or m.group("location") != "global":
            return None
        return cls(m.group("project"), m.group("pool"), m.group("provider"))

    def with_project(self, project: str) -> _ProviderPath:
        return _ProviderPath(project, self.pool, self.provider)

    @property
    def pool_name(self) -> str:
        return f"projects/{self.project}/locations/global/workloadIdentityPools/{self.pool}"

    @property
    def name(self) -> str:
        return f"{self.pool_name}/providers/{self.provider}"

    def gcloud(self, verb: str, *flags: str) -> str:
        return _cmd(
            "gcloud iam workload-identity-pools providers",
            verb,
            self.provider,
            f"--workload-identity-pool={self.pool}",
            "--location=global",
            f"--project={self.project}",
            *flags,
        )


def _bad_path(value: str) -> SetupItem:
    hint = ""
    stripped = re.sub(r"^(https:)?//iam\.googleapis\.com/", "", value.strip())
    if stripped != value.strip():
        hint = " (drop the //iam.googleapis.com/ prefix: that is the audience form)"
    parsed = _PROVIDER_PATH.match(stripped)
    if parsed and parsed.group("location") == "global":
        path = _ProviderPath(
            parsed.group("project"), parsed.group("pool"), parsed.group("provider")
        )
        fix = path.gcloud("describe", "--format='value(name)'")
    else:
        fix = _cmd(
            "gcloud iam workload-identity-pools providers list",
            "--workload-identity-pool=POOL",
            "--location=global",
            "--format='value(name)'",
        )
    return SetupItem(
        ITEM_PROVIDER_PATH,
        ItemStatus.PROBLEM,
        f"{value!r} is not a workload identity provider path: it looks like "
        "projects/<PROJECT_NUMBER>/locations/global/workloadIdentityPools/<POOL>/providers/"
        f"<PROVIDER>{hint}; this prints yours",
        fix,
    )


# --------------------------------------------------------------------------- provider


def _check_provider(
    api: _Api, path: _ProviderPath, org_id: str | None, team_id: str | None
) -> tuple[list[SetupItem], str | None]:
    """The provider's items, and the project number learned (from the path or its name)."""
    items: list[SetupItem] = []
    number = path.project if path.project.isdigit() else None
    reply = api.call("GET", f"{api.iam}/v1/{path.name}")
    if reply.ok:
        provider = reply.body
        canonical = _PROVIDER_PATH.match(str(provider.get("name") or ""))
        if canonical and canonical.group("project").isdigit():
            number = canonical.group("project")
    else:
        provider = None

    if number is None or number != path.project:
        right = path.with_project(number).name if number else None
        items.append(
            SetupItem(
                ITEM_PROJECT_NUMBER,
                ItemStatus.PROBLEM,
                f"the provider path names project {path.project!r} by its ID; Google only "
                "accepts Baseten's token for the path with the project NUMBER"
                + (f": use {right}" if right else "; this prints the number"),
                _cmd("gcloud projects describe", path.project, "--format='value(projectNumber)'"),
            )
        )
    fixed = path.with_project(number) if number else path

    if provider is None:
        items.append(_provider_missing(api, fixed, reply, org_id, team_id))
        return items, number

    items.append(SetupItem(ITEM_PROVIDER, ItemStatus.OK, f"provider {fixed.name} exists"))
    items.append(_state_item(provider, fixed))
    oidc = provider.get("oidc")
    if not isinstance(oidc, dict):
        kind = "AWS" if "aws" in provider else "SAML" if "saml" in provider else "non-OIDC"
        items.append(
            SetupItem(
                ITEM_ISSUER,
                ItemStatus.PROBLEM,
                f"{fixed.provider} is an {kind} provider; Baseten needs an OIDC provider "
                f"with issuer {OIDC_ISSUER}: create one (a new provider id) in the same pool",
                _create_provider_cmd(
                    _ProviderPath(
                        fixed.project,
                        fixed.pool,
                        "baseten-oidc" if fixed.provider != "baseten-oidc" else "baseten-oidc-2",
                    ),
                    org_id,
                    team_id,
                ),
            )
        )
        return items, number
    items.append(_issuer_item(oidc, fixed))
    items.append(_audience_item(oidc, fixed))
    mapping = provider.get("attributeMapping") or {}
    items.append(_mapping_item(mapping, fixed))
    items.append(
        _condition_item(provider.get("attributeCondition"), mapping, fixed, org_id, team_id)
    )
    return items, number


def _provider_missing(
    api: _Api, path: _ProviderPath, reply: _Reply, org_id: str | None, team_id: str | None
) -> SetupItem:
    if reply.status == 404 or (reply.status == 400 and not path.project.isdigit()):
        if not path.project.isdigit():
            return SetupItem(
                ITEM_PROVIDER,
                ItemStatus.UNKNOWN,
                f"Google did not find the provider under project {path.project!r}; look again "
                "once the path names the project number",
            )
        pool = api.call("GET", f"{api.iam}/v1/{path.pool_name}")
        create = _create_provider_cmd(path, org_id, team_id)
        if pool.status == 404:
            return SetupItem(
                ITEM_PROVIDER,
                ItemStatus.PROBLEM,
                f"workload identity pool {path.pool!r} does not exist in project "
                f"{path.project}: create it, then the provider",
                _cmd(
                    "gcloud iam workload-identity-pools create",
                    path.pool,
                    "--location=global",
                    f"--project={path.project}",
                )
                + "\n"
                + create,
            )
        return SetupItem(
            ITEM_PROVIDER,
            ItemStatus.PROBLEM,
            f"provider {path.provider!r} does not exist in pool {path.pool!r} "
            f"(project {path.project})",
            create,
        )
    return api.unreadable(
        ITEM_PROVIDER,
        reply,
        f"workload identity provider {path.provider!r}",
        "iam.workloadIdentityPoolProviders.get",
        "roles/iam.workloadIdentityPoolViewer",
        path.project,
    )


def _create_provider_cmd(path: _ProviderPath, org_id: str | None, team_id: str | None) -> str:
    return path.gcloud(
        "create-oidc",
        f"--issuer-uri={OIDC_ISSUER}",
        f"--allowed-audiences={OIDC_AUDIENCE}",
        "--attribute-mapping=google.subject=assertion.sub",
        _flag("--attribute-condition", _recommended_condition(org_id, team_id)),
    )


def _recommended_condition(org_id: str | None, team_id: str | None) -> str:
    return f"google.subject.startsWith('v=1:org={org_id or 'ORG_ID'}:team={team_id or 'TEAM_ID'}:')"


def _state_item(provider: dict[str, Any], path: _ProviderPath) -> SetupItem:
    state = str(provider.get("state") or "STATE_UNSPECIFIED")
    if state == "DELETED":
        return SetupItem(
            ITEM_STATE,
            ItemStatus.PROBLEM,
            f"provider {path.provider!r} is deleted (it can be restored for 30 days)",
            path.gcloud("undelete"),
        )
    if provider.get("disabled"):
        return SetupItem(
            ITEM_STATE,
            ItemStatus.PROBLEM,
            f"provider {path.provider!r} is disabled: Google refuses every token it sees",
            path.gcloud(_update_verb(provider), "--no-disabled"),
        )
    if state != "ACTIVE":
        return SetupItem(
            ITEM_STATE, ItemStatus.UNKNOWN, f"provider {path.provider!r} is in state {state}"
        )
    return SetupItem(ITEM_STATE, ItemStatus.OK, f"provider {path.provider!r} is active")


def _update_verb(provider: dict[str, Any]) -> str:
    return (
        "update-aws"
        if "aws" in provider
        else "update-saml"
        if "saml" in provider
        else "update-oidc"
    )


def _issuer_item(oidc: dict[str, Any], path: _ProviderPath) -> SetupItem:
    issuer = str(oidc.get("issuerUri") or "")
    if issuer == OIDC_ISSUER:
        return SetupItem(ITEM_ISSUER, ItemStatus.OK, f"issuer is {OIDC_ISSUER}")
    why = (
        " (the trailing slash matters: it must match the token's iss exactly)"
        if (issuer.rstrip("/") == OIDC_ISSUER)
        else ""
    )
    return SetupItem(
        ITEM_ISSUER,
        ItemStatus.PROBLEM,
        f"issuer is {issuer or 'empty'!r}, Baseten's tokens come from {OIDC_ISSUER}{why}",
        path.gcloud("update-oidc", f"--issuer-uri={OIDC_ISSUER}"),
    )


def _audience_item(oidc: dict[str, Any], path: _ProviderPath) -> SetupItem:
    audiences = [str(a) for a in oidc.get("allowedAudiences") or []]
    if OIDC_AUDIENCE in audiences:
        return SetupItem(ITEM_AUDIENCE, ItemStatus.OK, f"allowed audiences include {OIDC_AUDIENCE}")
    if audiences:
        detail = f"allowed audiences are {', '.join(audiences)}"
    else:
        detail = "no allowed audiences are set, so Google expects the provider's own resource name"
    return SetupItem(
        ITEM_AUDIENCE,
        ItemStatus.PROBLEM,
        f"{detail}; Baseten's tokens carry aud {OIDC_AUDIENCE}",
        path.gcloud(
            "update-oidc", _flag("--allowed-audiences", ",".join([*audiences, OIDC_AUDIENCE]))
        ),
    )


def _mapping_item(mapping: dict[str, Any], path: _ProviderPath) -> SetupItem:
    current = mapping.get("google.subject")
    if current == "assertion.sub":
        return SetupItem(ITEM_MAPPING, ItemStatus.OK, "google.subject is mapped from assertion.sub")
    fixed = {**{str(k): str(v) for k, v in mapping.items()}, "google.subject": "assertion.sub"}
    return SetupItem(
        ITEM_MAPPING,
        ItemStatus.PROBLEM,
        (
            f"google.subject is mapped from {current!r}"
            if current
            else "the attribute mapping has no google.subject"
        )
        + "; map it from assertion.sub (the update replaces the whole mapping, so the "
        "command keeps your other attributes)",
        path.gcloud("update-oidc", _flag("--attribute-mapping", _gcloud_dict(fixed))),
    )


def _condition_item(
    condition: Any,
    mapping: dict[str, Any],
    path: _ProviderPath,
    org_id: str | None,
    team_id: str | None,
) -> SetupItem:
    recommended = _recommended_condition(org_id, team_id)
    fix = path.gcloud("update-oidc", _flag("--attribute-condition", recommended))
    note = "" if org_id and team_id else " (truss whoami --show-oidc prints ORG_ID and TEAM_ID)"
    text = str(condition or "").strip()
    if mapping.get("google.subject") != "assertion.sub":
        # Judge the condition as it will read once the mapping item's fix is applied.
        note += " (judged with google.subject mapped from assertion.sub)"
    if not text:
        return SetupItem(
            ITEM_CONDITION,
            ItemStatus.PROBLEM,
            "the provider has no attribute condition, so a model in ANY Baseten organization "
            f"could use it; restrict it to your organization and team{note}",
            fix,
        )
    try:
        verdict = evaluate_condition(text, org_id, team_id)
    except UnsupportedCondition as e:
        return SetupItem(
            ITEM_CONDITION,
            ItemStatus.UNKNOWN,
            f"cannot evaluate the attribute condition {text!r} ({e}); it must admit subjects "
            f"like {_sample_subject(org_id, team_id)}",
        )
    if verdict.value is not Tri.FALSE:
        # A condition that lets another organization in is as open as none at all.
        stranger = "zzNotYourOrg0" if org_id != "zzNotYourOrg0" else "zzNotYourOrg1"
        if evaluate_condition(text, stranger, team_id).value is Tri.TRUE:
            return SetupItem(
                ITEM_CONDITION,
                ItemStatus.PROBLEM,
                f"the attribute condition {text!r} does not pin your organization, so a "
                f"model in ANY Baseten organization could use the provider{note}",
                fix,
            )
    if verdict.value is Tri.TRUE:
        whose = f"team {team_id} in organization {org_id}" if org_id and team_id else "Baseten"
        return SetupItem(
            ITEM_CONDITION,
            ItemStatus.OK,
            f"the attribute condition admits {PULL_WORKLOAD_TYPE} tokens of {whose}: {text}",
        )
    if verdict.value is Tri.FALSE:
        return SetupItem(
            ITEM_CONDITION,
            ItemStatus.PROBLEM,
            f"the attribute condition {text!r} refuses Baseten's image pulls, which present "
            f"subjects like {_sample_subject(org_id, team_id)}{note}",
            fix,
        )
    if verdict.unknown_ids:
        return SetupItem(
            ITEM_CONDITION,
            ItemStatus.UNKNOWN,
            f"the attribute condition {text!r} depends on your Baseten organization and "
            "team ids, which are not known here (set BASETEN_API_KEY, or pass them)",
        )
    return SetupItem(
        ITEM_CONDITION,
        ItemStatus.OK,
        f"the attribute condition admits team {team_id} only for particular "
        f"{'/'.join(sorted(verdict.depends_on))} values: {text}; make sure it covers the "
        "model you push",
    )


# --------------------------------------------------------------------------- service account


def _check_sa_binding(
    api: _Api,
    email: str,
    path: _ProviderPath | None,
    number: str | None,
    org_id: str | None,
    team_id: str | None,
) -> SetupItem:
    pool = path.pool if path else "POOL"
    project_number = number or "PROJECT_NUMBER"
    member = (
        f"principalSet://iam.googleapis.com/projects/{project_number}/locations/global/"
        f"workloadIdentityPools/{pool}/*"
    )
    fix = _cmd(
        "gcloud iam service-accounts add-iam-policy-binding",
        email,
        f"--role={IMPERSONATE_ROLE}",
        _flag("--member", member),
    )
    reply = api.call(
        "POST",
        f"{api.iam}/v1/projects/-/serviceAccounts/{email}:getIamPolicy",
        params={"options.requestedPolicyVersion": "3"},
    )
    if reply.status == 404:
        name = email.partition("@")[0]
        sa_project = _sa_project(email)
        return SetupItem(
            ITEM_SA_BINDING,
            ItemStatus.PROBLEM,
            f"service account {email} does not exist (or was deleted); create it, "
            "then let the pool impersonate it",
            _cmd("gcloud iam service-accounts create", name, f"--project={sa_project or 'PROJECT'}")
            + "\n"
            + fix,
        )
    if not reply.ok:
        return api.unreadable(
            ITEM_SA_BINDING,
            reply,
            f"the IAM policy of {email}",
            "iam.serviceAccounts.getIamPolicy",
            "roles/iam.securityReviewer",
            _sa_project(email) or "PROJECT",
        )

    ok: list[str] = []
    narrowed: set[str] = set()
    unsure: list[str] = []
    id_mixups: list[str] = []
    elsewhere: list[str] = []  # a pool of the same name in another project
    for binding in _bindings(reply.body):
        role = binding["role"]
        if role not in IMPERSONATE_ROLES:
            continue
        conditional = binding.get("condition")
        for m in binding["members"]:
            parsed = _POOL_MEMBER.match(m)
            if not parsed or parsed.group("pool") != pool:
                continue
            if not parsed.group("project").isdigit():
                id_mixups.append(m)
                continue
            if number and parsed.group("project") != number:
                elsewhere.append(m)
                continue
            if conditional:
                unsure.append(f"{m} ({role}, only when {_condition_text(conditional)})")
                continue
            verdict = _member_admits(parsed, org_id, team_id)
            if verdict is None:
                unsure.append(f"{m} ({role}: depends on your attribute mapping)")
            elif verdict.value is Tri.TRUE:
                ok.append(f"{m} ({role})")
            elif verdict.value is Tri.DEPENDS:
                if verdict.unknown_ids:
                    unsure.append(f"{m} ({role}: depends on your Baseten org/team ids)")
                else:
                    ok.append(f"{m} ({role})")
                    narrowed |= verdict.depends_on
    if ok:
        note = (
            f"; only for particular {'/'.join(sorted(narrowed))} values"
            if narrowed and len(ok) == 1
            else ""
        )
        return SetupItem(
            ITEM_SA_BINDING,
            ItemStatus.OK,
            f"the pool may impersonate {email}: {ok[0]}{note}",
        )
    if id_mixups:
        return SetupItem(
            ITEM_SA_BINDING,
            ItemStatus.PROBLEM,
            f"{email} trusts {id_mixups[0]}, which names the project by its ID: principal "
            "identifiers need the project NUMBER, so this grant matches nobody",
            fix,
        )
    if unsure:
        return SetupItem(
            ITEM_SA_BINDING,
            ItemStatus.UNKNOWN,
            f"cannot tell whether {email} admits Baseten's tokens: {'; '.join(unsure)}",
            fix,
        )
    return SetupItem(
        ITEM_SA_BINDING,
        ItemStatus.PROBLEM,
        f"nothing from pool {pool!r} may impersonate {email}: grant {IMPERSONATE_ROLE}"
        + (
            f" (it trusts {elsewhere[0]}, a pool in another project than {number})"
            if elsewhere
            else ""
        ),
        fix,
    )


def _sa_project(email: str) -> str:
    """The project of a user-managed service account (`name@PROJECT.iam.gserviceaccount.com`)."""
    domain = email.partition("@")[2]
    suffix = ".iam.gserviceaccount.com"
    return domain[: -len(suffix)] if domain.endswith(suffix) else ""


def _member_admits(
    parsed: re.Match[str], org_id: str | None, team_id: str | None
) -> Admission | None:
    """How a pool principal matches Baseten's subject; None when it hangs on a mapping."""
    rest = parsed.group("rest")
    if parsed.group("kind") == "principalSet" and rest == "*":
        return Admission(Tri.TRUE)
    if parsed.group("kind") == "principal" and rest.startswith("subject/"):
        return _predicate("==", rest[len("subject/") :], _template(org_id, team_id))
    if rest.startswith("attribute."):
        return None
    return Admission(Tri.FALSE)


def _condition_text(condition: Any) -> str:
    if isinstance(condition, dict):
        return str(condition.get("expression") or condition.get("title") or "a condition")
    return str(condition)


# --------------------------------------------------------------------------- repository


def _check_repository(
    api: _Api, email: str, project: str, location: str, repository: str
) -> SetupItem:
    member = f"serviceAccount:{email}"
    fix = _cmd(
        "gcloud artifacts repositories add-iam-policy-binding",
        repository,
        f"--location={location}",
        f"--project={project}",
        f"--member={member}",
        f"--role={READER_ROLE}",
    )
    resource = f"projects/{project}/locations/{location}/repositories/{repository}"
    reply = api.call(
        "GET",
        f"{api.ar}/v1/{resource}:getIamPolicy",
        params={"options.requestedPolicyVersion": "3"},
    )
    if reply.status == 404:
        return SetupItem(
            ITEM_REPO_READER,
            ItemStatus.PROBLEM,
            f"repository {repository!r} does not exist in {location} (project {project}); "
            "if the image reference is mistyped, fix it instead (gcloud artifacts "
            f"repositories list --project={project} lists them), else create it",
            _cmd(
                "gcloud artifacts repositories create",
                repository,
                "--repository-format=docker",
                f"--location={location}",
                f"--project={project}",
            ),
        )
    if not reply.ok:
        return api.unreadable(
            ITEM_REPO_READER,
            reply,
            f"the IAM policy of repository {repository!r}",
            "artifactregistry.repositories.getIamPolicy",
            "roles/iam.securityReviewer",
            project,
        )
    found = _read_grants(reply.body, email)
    if found.granted:
        return SetupItem(
            ITEM_REPO_READER,
            ItemStatus.OK,
            f"{email} may read {repository}: {', '.join(found.granted)}"
            + ("" if READER_ROLE in found.roles else f" ({READER_ROLE} would be enough)"),
        )
    # Grants on the project cover every repository in it.
    project_reply = api.call(
        "POST",
        f"{api.crm}/v1/projects/{project}:getIamPolicy",
        json={"options": {"requestedPolicyVersion": 3}},
    )
    if project_reply.ok:
        on_project = _read_grants(project_reply.body, email)
        if on_project.granted:
            return SetupItem(
                ITEM_REPO_READER,
                ItemStatus.OK,
                f"{email} may read every repository in project {project}: "
                f"{', '.join(on_project.granted)}",
            )
        found = found.merge(on_project)
    notes = found.notes
    if found.unsure:
        return SetupItem(
            ITEM_REPO_READER,
            ItemStatus.UNKNOWN,
            f"cannot tell whether {email} may read {repository}: {'; '.join(found.unsure)}",
            fix,
        )
    if not project_reply.ok:
        return SetupItem(
            ITEM_REPO_READER,
            ItemStatus.UNKNOWN,
            f"repository {repository!r} grants {email} no read role, and the project's own "
            f"policy could not be read (needs resourcemanager.projects.getIamPolicy)"
            + (f"; {'; '.join(notes)}" if notes else ""),
            fix,
        )
    return SetupItem(
        ITEM_REPO_READER,
        ItemStatus.PROBLEM,
        f"{email} may not read {repository}: neither the repository nor project {project} "
        f"grants it a role with artifactregistry.repositories.downloadArtifacts"
        + (f"; {'; '.join(notes)}" if notes else ""),
        fix,
    )


@record
class _Grants:
    """What a principal was found to be granted, and what could not be told."""

    granted: list[str]
    roles: set[str]
    unsure: list[str]
    notes: list[str]

    def merge(self, other: _Grants) -> _Grants:
        return _Grants(
            self.granted + other.granted,
            self.roles | other.roles,
            self.unsure + other.unsure,
            self.notes + other.notes,
        )


def _read_grants(policy: dict[str, Any], email: str) -> _Grants:
    me = f"serviceaccount:{email.lower()}"
    out = _Grants([], set(), [], [])
    for binding in _bindings(policy):
        role = binding["role"]
        for raw in binding["members"]:
            m = raw.lower()
            reads = role in READ_ROLES
            if m.startswith(f"deleted:{me}?"):
                out.notes.append(
                    f"{role} is still granted to a deleted account of the same name ({raw}): "
                    "a recreated service account needs a new grant"
                )
                continue
            mine = m == me or (reads and m in ("allusers", "allauthenticatedusers"))
            if mine and reads:
                if binding.get("condition"):
                    out.unsure.append(
                        f"{role} is granted only when {_condition_text(binding['condition'])}"
                    )
                else:
                    out.granted.append(role if m == me else f"{role} to {raw}")
                    out.roles.add(role)
            elif mine and not role.startswith("roles/"):
                out.unsure.append(
                    f"custom role {role}: check that it includes "
                    "artifactregistry.repositories.downloadArtifacts"
                )
            elif reads and m.split(":", 1)[0] in ("group", "domain"):
                out.unsure.append(f"{role} goes to {raw}, which may include {email}")
    return out


def _bindings(policy: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for binding in policy.get("bindings") or []:
        if isinstance(binding, dict) and isinstance(binding.get("role"), str):
            members = [str(m) for m in binding.get("members") or []]
            yield {**binding, "members": members}


# --------------------------------------------------------------------------- HTTP


class _NoAdc(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@record(frozen=True)
class _Reply:
    """A Google API answer, or why there was none."""

    status: int  # 0: no HTTP answer (see error)
    body: dict[str, Any]
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def google_error(self) -> dict[str, Any]:
        error = self.body.get("error")
        return error if isinstance(error, dict) else {}

    @property
    def reason(self) -> str:
        for detail in self.google_error.get("details") or []:
            if isinstance(detail, dict) and detail.get("reason"):
                return str(detail["reason"])
        return ""

    def detail_metadata(self) -> dict[str, Any]:
        for detail in self.google_error.get("details") or []:
            if isinstance(detail, dict) and isinstance(detail.get("metadata"), dict):
                return detail["metadata"]
        return {}


class _Api:
    """ADC credentials plus a requests session; every call answers a `_Reply`."""

    def __init__(self, credentials: Any, session: Any, timeout: float) -> None:
        self._credentials, self._session, self._timeout = credentials, session, timeout
        self.iam = (os.environ.get(IAM_URL_ENV) or IAM_URL).rstrip("/")
        self.ar = (os.environ.get(AR_URL_ENV) or AR_URL).rstrip("/")
        self.crm = (os.environ.get(CRM_URL_ENV) or CRM_URL).rstrip("/")

    @classmethod
    def connect(cls, timeout: float) -> _Api:
        import google.auth
        import google.auth.exceptions
        import requests
        from google.auth.transport.requests import Request

        session = requests.Session()
        session.trust_env = False
        base = Request(session)

        def request(*args: Any, **kwargs: Any) -> Any:
            # google-auth's default is 120 s; keep its shorter ones (the 3 s GCE probe)
            kwargs["timeout"] = min(kwargs.get("timeout") or timeout, timeout)
            return base(*args, **kwargs)

        try:
            with warnings.catch_warnings():
                # "end user credentials without a quota project": noise for read-only calls
                warnings.simplefilter("ignore")
                credentials, _ = google.auth.default(scopes=[SCOPE], request=request)
        except google.auth.exceptions.DefaultCredentialsError as e:
            text = str(e.args[0]) if e.args else ""
            if "not found" in text.lower() and "default credentials" in text.lower():
                text = "no Application Default Credentials are set up on this machine"
            raise _NoAdc(f"cannot check Google Cloud: {_one_line(text)}") from None
        except (ValueError, OSError) as e:
            raise _NoAdc(
                f"cannot load Application Default Credentials: {_one_line(str(e))}"
            ) from None
        try:
            if not credentials.valid:
                credentials.refresh(request)
        except google.auth.exceptions.RefreshError as e:
            detail = str(e.args[0]) if e.args else "refused"
            raise _NoAdc(
                f"Google refused your Application Default Credentials ({_one_line(detail)}): "
                "log in again"
            ) from None
        except google.auth.exceptions.TransportError as e:
            cause = e.__cause__ or e.__context__ or e
            raise _NoAdc(
                "cannot reach Google to refresh your Application Default Credentials "
                f"({type(cause).__name__})"
            ) from None
        return cls(credentials, session, timeout)

    @property
    def who(self) -> str:
        """The ADC principal as an IAM member, for "grant yourself" hints."""
        email = getattr(self._credentials, "service_account_email", None)
        if isinstance(email, str) and "@" in email:
            return f"serviceAccount:{email}"
        account = getattr(self._credentials, "account", None)
        return f"user:{account}" if isinstance(account, str) and account else "user:YOUR_EMAIL"

    def call(self, method: str, url: str, **kwargs: Any) -> _Reply:
        import requests

        headers: dict[str, str] = {"Accept": "application/json", "User-Agent": "registry-wizard"}
        self._credentials.apply(headers)  # Bearer token, and x-goog-user-project if any
        try:
            response = self._session.request(
                method, url, headers=headers, timeout=self._timeout, allow_redirects=False, **kwargs
            )
        except requests.Timeout:
            return _Reply(0, {}, f"{_host(url)} did not answer within {self._timeout:g} s")
        except requests.RequestException as e:
            return _Reply(0, {}, f"cannot reach {_host(url)} ({type(e).__name__})")
        finally:
            headers.clear()
        try:
            body = response.json()
        except ValueError:
            body = {}
        return _Reply(response.status_code, body if isinstance(body, dict) else {})

    def unreadable(
        self,
        item: str,
        reply: _Reply,
        what: str,
        permission: str,
        role: str,
        project: str,
    ) -> SetupItem:
        """The UNKNOWN item for a read that failed for a reason other than "not found"."""
        message = _one_line(str(reply.google_error.get("message") or reply.error))
        if reply.status == 401:
            return SetupItem(
                item,
                ItemStatus.UNKNOWN,
                f"Google did not accept your Application Default Credentials reading {what}",
                LOGIN,
            )
        if reply.status == 403 and reply.reason == "SERVICE_DISABLED":
            meta = reply.detail_metadata()
            service = str(meta.get("service") or _host_service(message) or "the API")
            consumer = str(meta.get("consumer") or "").removeprefix("projects/")
            return SetupItem(
                item,
                ItemStatus.UNKNOWN,
                f"cannot read {what}: {service} is not enabled"
                + (f" in project {consumer}" if consumer else ""),
                _cmd(
                    "gcloud services enable",
                    service,
                    *([f"--project={consumer}"] if consumer else []),
                ),
            )
        if reply.status == 403:
            return SetupItem(
                item,
                ItemStatus.UNKNOWN,
                f"not allowed to read {what}: your Application Default Credentials "
                f"({self.who}) need {permission}, e.g. from {role} on project {project}; "
                "an owner of the project can grant it",
                _cmd(
                    "gcloud projects add-iam-policy-binding",
                    project,
                    f"--member={self.who}",
                    f"--role={role}",
                ),
            )
        if reply.status == 0:
            return SetupItem(item, ItemStatus.UNKNOWN, f"cannot read {what}: {reply.error}")
        return SetupItem(
            item,
            ItemStatus.UNKNOWN,
            f"Google answered {reply.status} reading {what}" + (f": {message}" if message else ""),
        )


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


def _host_service(message: str) -> str:
    m = re.search(r"\b([a-z]+\.googleapis\.com)\b", message)
    return m.group(1) if m else ""


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


# --------------------------------------------------------------------------- gcloud text


def _cmd(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _flag(name: str, value: str) -> str:
    """`--name="value"`: double quotes keep CEL's single quotes and a `*` literal."""
    if re.search(r'["$`\\!]', value):
        return f"{name}={shlex.quote(value)}"
    return f'{name}="{value}"'


def _gcloud_dict(mapping: dict[str, str]) -> str:
    """gcloud's key=value list; values with commas switch to its `^|^` delimiter syntax."""
    pairs = [f"{k}={v}" for k, v in mapping.items()]
    if any("," in p for p in pairs):
        return "^|^" + "|".join(pairs)
    return ",".join(pairs)


# --------------------------------------------------------------------------- CEL, a little


class UnsupportedCondition(ValueError):
    """The condition uses CEL beyond the forms evaluated here."""


class Tri(Enum):
    TRUE = "true"
    FALSE = "false"
    DEPENDS = "depends"


@record(frozen=True)
class Admission:
    """TRUE / FALSE for every Baseten pull subject of the team, or DEPENDS on the
    subject fields in `depends_on` (org, team: unknown ids; model, deployment,
    environment: the condition narrows to particular ones)."""

    value: Tri
    depends_on: frozenset[str] = frozenset()

    @property
    def unknown_ids(self) -> bool:
        return bool(self.depends_on & {"org", "team"})


@record(frozen=True)
class _Var:
    """A placeholder in a principal template."""

    name: str


_Part = str | _Var


def _template(org_id: str | None, team_id: str | None) -> tuple[_Part, ...]:
    """A build-time subject: known parts literal, the rest variables (never holding ':')."""
    raw: list[_Part] = [
        "v=1:org=",
        org_id if org_id else _Var("org"),
        ":team=",
        team_id if team_id else _Var("team"),
        ":model=",
        _Var("model"),
        ":deployment=",
        _Var("deployment"),
        ":environment=",
        _Var("environment"),
        f":type={PULL_WORKLOAD_TYPE}",
    ]
    merged: list[_Part] = []
    for part in raw:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return tuple(merged)


def _sample_subject(org_id: str | None, team_id: str | None) -> str:
    return (
        f"v=1:org={org_id or 'ORG_ID'}:team={team_id or 'TEAM_ID'}:model=…:deployment=…"
        f":environment=…:type={PULL_WORKLOAD_TYPE}"
    )


_HOLE = "\x00"
# A subject field's value: no ':' or '=', and never a workload type (ids are short
# alphanumerics; environment names are the user's, but not "model_build").
_VAR_RE = "(?:(?!model_build|model_container)[^:=])*"


def _full_re(parts: Iterable[_Part]) -> str:
    return "".join(_VAR_RE if isinstance(p, _Var) else re.escape(p) for p in parts)


def _prefixes_re(part: _Part) -> str:
    if isinstance(part, _Var):
        return _VAR_RE
    return "(?:" + "|".join(re.escape(part[:j]) for j in range(len(part) + 1)) + ")"


def _suffixes_re(part: _Part) -> str:
    if isinstance(part, _Var):
        return _VAR_RE
    return "(?:" + "|".join(re.escape(part[j:]) for j in range(len(part) + 1)) + ")"


def _infixes_re(part: _Part) -> str:
    if isinstance(part, _Var):
        return _VAR_RE
    subs = {part[i:j] for i in range(len(part) + 1) for j in range(i, len(part) + 1)}
    return "(?:" + "|".join(re.escape(s) for s in sorted(subs, key=len, reverse=True)) + ")"


@lru_cache(maxsize=64)
def _language(parts: tuple[_Part, ...], op: str) -> re.Pattern[str]:
    """Strings s for which `op` can hold for SOME value of the variables."""
    n = len(parts)
    if op == "==":
        alts = [_full_re(parts)]
    elif op == "startsWith":
        alts = [_full_re(parts[:i]) + _prefixes_re(parts[i]) for i in range(n)]
    elif op == "endsWith":
        alts = [_suffixes_re(parts[i]) + _full_re(parts[i + 1 :]) for i in range(n)]
    else:  # contains
        alts = [_infixes_re(p) for p in parts] + [
            _suffixes_re(parts[i]) + _full_re(parts[i + 1 : j]) + _prefixes_re(parts[j])
            for i in range(n)
            for j in range(i + 1, n)
        ]
    return re.compile("(?:" + "|".join(alts) + ")", re.DOTALL)


def _predicate(op: str, literal: str, parts: tuple[_Part, ...]) -> Admission:
    names = frozenset(p.name for p in parts if isinstance(p, _Var))
    holed = "".join(_HOLE if isinstance(p, _Var) else p for p in parts)
    if _HOLE not in literal:
        # A match that avoids every hole holds whatever the variables are.
        certain = {
            "==": holed == literal,
            "startsWith": holed.startswith(literal),
            "endsWith": holed.endswith(literal),
            "contains": literal in holed,
        }[op]
        if certain:
            return Admission(Tri.TRUE)
    if _language(parts, op).fullmatch(literal):
        # Which subject fields the literal pins down (all of them, for an equality).
        pinned = frozenset(n for n in names if re.search(rf"(?:^|:){n}=[^:]", literal))
        return Admission(Tri.DEPENDS, names if op == "==" or not pinned else pinned)
    return Admission(Tri.FALSE)


def _and(a: Admission, b: Admission) -> Admission:
    if Tri.FALSE in (a.value, b.value):
        return Admission(Tri.FALSE)
    if a.value is Tri.TRUE and b.value is Tri.TRUE:
        return Admission(Tri.TRUE)
    return Admission(Tri.DEPENDS, a.depends_on | b.depends_on)


def _or(a: Admission, b: Admission) -> Admission:
    if Tri.TRUE in (a.value, b.value):
        return Admission(Tri.TRUE)
    if a.value is Tri.FALSE and b.value is Tri.FALSE:
        return Admission(Tri.FALSE)
    return Admission(Tri.DEPENDS, a.depends_on | b.depends_on)


def _not(a: Admission) -> Admission:
    flipped = {Tri.TRUE: Tri.FALSE, Tri.FALSE: Tri.TRUE}
    return Admission(flipped.get(a.value, Tri.DEPENDS), a.depends_on)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<op>&&|\|\||==|!=|!|\(|\)|\.|,)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_SUBJECTS = {("google", "subject"), ("assertion", "sub")}
_METHODS = {"startsWith", "endsWith", "contains"}


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise UnsupportedCondition(f"unexpected text at {text[pos : pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
    return out


class _Parser:
    """or := and ('||' and)*; and := unary ('&&' unary)*; unary := '!' unary | atom;
    atom := '(' or ')' | SUBJECT '.' method '(' STRING ')' | SUBJECT ('=='|'!=') STRING
    (either side), where SUBJECT is google.subject or assertion.sub."""

    def __init__(self, text: str, parts: tuple[_Part, ...]) -> None:
        self.tokens, self.i, self.parts = _tokens(text), 0, parts

    def parse(self) -> Admission:
        result = self._or()
        if self.i != len(self.tokens):
            raise UnsupportedCondition(f"unexpected {self.tokens[self.i][1]!r}")
        return result

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def _take(self, value: str | None = None, kind: str | None = None) -> str:
        k, v = self._peek()
        if (value is not None and v != value) or (kind is not None and k != kind):
            raise UnsupportedCondition(f"expected {value or kind}, found {v or 'the end'!r}")
        self.i += 1
        return v

    def _or(self) -> Admission:
        result = self._and()
        while self._peek() == ("op", "||"):
            self.i += 1
            result = _or(result, self._and())
        return result

    def _and(self) -> Admission:
        result = self._unary()
        while self._peek() == ("op", "&&"):
            self.i += 1
            result = _and(result, self._unary())
        return result

    def _unary(self) -> Admission:
        if self._peek() == ("op", "!"):
            self.i += 1
            return _not(self._unary())
        if self._peek() == ("op", "("):
            self.i += 1
            result = self._or()
            self._take(")")
            return result
        return self._atom()

    def _subject(self) -> bool:
        """Consume `google.subject` / `assertion.sub` if next; True when it was."""
        if self._peek()[0] != "ident":
            return False
        first = self._take(kind="ident")
        self._take(".")
        second = self._take(kind="ident")
        if (first, second) not in _SUBJECTS:
            raise UnsupportedCondition(f"{first}.{second} is not the subject")
        return True

    def _atom(self) -> Admission:
        if self._peek()[0] == "str":
            literal = self._take(kind="str")
            op = self._take(kind="op")
            if op not in ("==", "!=") or not self._subject():
                raise UnsupportedCondition("a string must be compared with the subject")
            return self._compare(op, literal)
        if not self._subject():
            raise UnsupportedCondition(f"unexpected {self._peek()[1] or 'end'!r}")
        op = self._take(kind="op")
        if op == ".":
            method = self._take(kind="ident")
            if method not in _METHODS:
                raise UnsupportedCondition(f"{method}() is not evaluated here")
            self._take("(")
            literal = self._take(kind="str")
            self._take(")")
            return _predicate(method, literal, self.parts)
        if op in ("==", "!="):
            return self._compare(op, self._take(kind="str"))
        raise UnsupportedCondition(f"unexpected {op!r} after the subject")

    def _compare(self, op: str, literal: str) -> Admission:
        result = _predicate("==", literal, self.parts)
        return _not(result) if op == "!=" else result


def evaluate_condition(text: str, org_id: str | None, team_id: str | None) -> Admission:
    """Does the provider's attributeCondition admit Baseten's image-pull tokens for this
    org and team? Understands startsWith / endsWith / contains / == / != on
    google.subject (or assertion.sub), combined with &&, ||, ! and parentheses."""
    return _Parser(text, _template(org_id, team_id)).parse()
