"""Shared vocabulary of the guided cloud-side setup: what we know about the user's
Baseten organization, and the item-by-item result of checking their cloud setup."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

OIDC_ISSUER = "https://oidc.baseten.co"
OIDC_HOST = "oidc.baseten.co"
OIDC_AUDIENCE = "oidc.baseten.co"
# Image pulls happen at build time: Baseten presents type=model_build for them.
PULL_WORKLOAD_TYPE = "model_build"


@dataclass
class BasetenFacts:
    """Values a guide fills in; None means unknown (the guide shows a placeholder)."""

    org_id: str | None = None
    team_id: str | None = None
    teams: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    aws_role_arn: str | None = None  # Baseten's own role, for AWS AssumeRole trust
    external_id: str | None = None  # sts:ExternalId Baseten presents for the org


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


@dataclass(frozen=True)
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
    if any(i.status is ItemStatus.PROBLEM for i in items):
        return 4
    if any(i.status is ItemStatus.UNKNOWN for i in items):
        return 1
    return 0
