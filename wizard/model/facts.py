"""Shared vocabulary of the guided cloud-side setup: what we know about the user's
Baseten organization, and the item-by-item result of checking their cloud setup."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum

from wizard.model import validators
from wizard.model.record import field, record, replace

OIDC_ISSUER = "https://oidc.baseten.co"
OIDC_HOST = "oidc.baseten.co"
OIDC_AUDIENCE = "oidc.baseten.co"
# Image pulls happen at build time: Baseten presents type=model_build for them.
PULL_WORKLOAD_TYPE = "model_build"


@record(frozen=True)
class FactSpec:
    """A fact about the user's Baseten organization (or GCP project) that a guide, a
    cloud check or provisioning needs. `id` is also the flag (`--org-id`) and the flow's
    question id; `attr` the `BasetenFacts` field Baseten's API fills, if any."""

    id: str
    label: str
    help: str
    attr: str | None
    # Raises validators.InvalidValue: these values go into trust policies and subjects.
    validate: Callable[[str], str] = lambda v: v


FACTS: dict[str, FactSpec] = {
    f.id: f
    for f in (
        FactSpec(
            "org-id",
            "Baseten organization ID",
            "your Baseten organization ID (`truss whoami --show-oidc`)",
            "org_id",
            validators.baseten_id,
        ),
        FactSpec(
            "team-id",
            "Baseten team ID",
            "your Baseten team ID (`truss whoami --show-oidc`)",
            "team_id",
            validators.baseten_id,
        ),
        FactSpec(
            "baseten-role-arn",
            "Baseten's AWS role ARN",
            "Baseten's AWS role ARN (`truss whoami --show-aws-assume-role`)",
            "aws_role_arn",
            validators.role_arn,
        ),
        FactSpec(
            "external-id",
            "Your organization's external ID",
            "your organization's sts:ExternalId (`truss whoami --show-aws-assume-role`)",
            "external_id",
            validators.external_id,
        ),
        FactSpec(
            "project-number",
            "GCP project number",
            "the GCP project NUMBER (`gcloud projects describe PROJECT "
            "--format='value(projectNumber)'`)",
            None,
            validators.project_number,
        ),
    )
}


@record
class BasetenFacts:
    """Values a guide fills in; None means unknown (the guide shows a placeholder)."""

    org_id: str | None = None
    team_id: str | None = None
    teams: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    aws_role_arn: str | None = None  # Baseten's own role, for AWS AssumeRole trust
    external_id: str | None = None  # sts:ExternalId Baseten presents for the org

    def known(self, fact_id: str) -> str | None:
        """The fact by its id (`org-id`), when Baseten told us."""
        attr = FACTS[fact_id].attr
        return getattr(self, attr) if attr else None

    def with_answers(self, answers: Mapping[str, str]) -> BasetenFacts:
        """These facts with what the user typed or passed as flags taking precedence."""
        given = {f.attr: answers[f.id] for f in FACTS.values() if f.attr and answers.get(f.id)}
        return replace(self, **given)

    def missing(self, fact_ids: tuple[str, ...]) -> list[str]:
        """The Baseten facts among `fact_ids` that are still unknown."""
        return [f for f in fact_ids if FACTS[f].attr and not self.known(f)]


def subject(
    org_id: str,
    team_id: str,
    *,
    model: str = "*",
    deployment: str = "*",
    environment: str = "*",
    workload_type: str = PULL_WORKLOAD_TYPE,
) -> str:
    """A Baseten OIDC subject: v=1:org=..:team=..:model=..:deployment=..:environment=..:type=.."""
    return (
        f"v=1:org={org_id}:team={team_id}:model={model}:deployment={deployment}"
        f":environment={environment}:type={workload_type}"
    )


class ItemStatus(str, Enum):
    OK = "ok"
    PROBLEM = "problem"  # the cloud setup would refuse Baseten
    UNKNOWN = "unknown"  # could not be checked (no permission, API unreachable)


@record(frozen=True)
class SetupItem:
    """One line of a cloud-side check: what was checked, the result, and the exact fix."""

    id: str
    status: ItemStatus
    message: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "status": self.status.value,
            "message": self.message,
            "fix": self.fix,
        }


def exit_code(items: list[SetupItem]) -> int:
    """0 all ok, 4 Baseten would be refused, 1 something could not be checked."""
    from wizard.model.exits import EXIT_AUTH, EXIT_ERROR, EXIT_OK

    if any(i.status is ItemStatus.PROBLEM for i in items):
        return EXIT_AUTH
    if any(i.status is ItemStatus.UNKNOWN for i in items):
        return EXIT_ERROR
    return EXIT_OK
