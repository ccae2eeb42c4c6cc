"""Field validators: each returns the normalised value or raises `InvalidValue`
with a message that says what a valid value looks like."""

from __future__ import annotations

import re

_ROLE_ARN = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::(?P<account>\d{12}):role/"
    r"(?P<path>(?:[\w+=,.@-]+/)*)(?P<name>[\w+=,.@-]{1,64})$",
    re.ASCII,  # IAM names and account IDs are ASCII: `\d` must not take `١٢٣`
)
# AWS region names: us-east-1, eu-central-2, ap-southeast-5, us-gov-west-1, cn-north-1, ...
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$", re.ASCII)
# user-managed (`name@project.iam...`), default compute (`123-compute@developer...`)
# and App Engine (`project@appspot...`) service accounts.
_SA_EMAIL = re.compile(r"^[a-z0-9][a-z0-9-]{4,62}@[a-z0-9][a-z0-9.-]*\.gserviceaccount\.com$")
_POOL_ID = r"[a-z0-9-]{4,32}"  # a workload identity pool's or provider's ID
_WORKLOAD_PROVIDER = re.compile(
    r"^projects/(?P<number>[^/]+)/locations/global/workloadIdentityPools/"
    rf"(?P<pool>{_POOL_ID})/providers/(?P<provider>{_POOL_ID})$",
    re.ASCII,
)
# Baseten secret names: letters, digits, '-', '_', '.', and for registry secrets '/' and ':'.
_SECRET_CHARS = r"A-Za-z0-9_.\-"
_SECRET_NAME = re.compile(rf"^[{_SECRET_CHARS}]{{1,100}}$", re.ASCII)


class InvalidValue(ValueError):
    """A value the user gave is not acceptable; the message says what is. `code` is the
    rulebook's rule for it (`wizard.model.rules.RULES`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def role_arn(value: str) -> str:
    v = value.strip()
    if not _ROLE_ARN.match(v):
        raise InvalidValue(
            f"{v!r} is not an IAM role ARN; it looks like "
            "arn:aws:iam::123456789012:role/baseten-ecr-pull "
            "(partition aws, aws-cn or aws-us-gov; 12-digit account; role name after role/)",
            "role-arn-invalid",
        )
    return v


def role_arn_account(value: str) -> str | None:
    m = _ROLE_ARN.match(value)
    return m.group("account") if m else None


def region(value: str) -> str:
    v = value.strip()
    if not _REGION.match(v):
        raise InvalidValue(
            f"{v!r} is not an AWS region name such as us-east-1 or eu-west-2", "region-invalid"
        )
    return v


def service_account(value: str) -> str:
    v = value.strip()
    if not _SA_EMAIL.match(v):
        raise InvalidValue(
            f"{v!r} is not a GCP service account email; it looks like "
            "baseten-puller@my-project.iam.gserviceaccount.com",
            "service-account-invalid",
        )
    return v


_PROVIDER_PARTS = (
    "projects",
    "<PROJECT_NUMBER>",
    "locations",
    "global",
    "workloadIdentityPools",
    "<POOL_ID>",
    "providers",
    "<PROVIDER_ID>",
)


def _provider_path_problem(v: str) -> str:
    """Which part of a provider path is wrong, by the path's eight parts."""
    start = v.find("projects/")
    if start > 0:  # the audience form GCP shows: //iam.googleapis.com/projects/...
        return f"drop {v[:start]!r}: the path starts at projects/"
    parts = v.split("/")
    for i, want in enumerate(_PROVIDER_PARTS):
        if i >= len(parts):
            return f"it stops before {want} (the path has 8 parts, this one {len(parts)})"
        got = parts[i]
        if not want.startswith("<") and got != want:
            return f"part {i + 1} is {got!r} where {want!r} goes"
        if want in ("<POOL_ID>", "<PROVIDER_ID>") and not re.fullmatch(_POOL_ID, got, re.ASCII):
            return f"{got!r} is not a {want[1:-4].lower()} ID (4 to 32 of a-z, 0-9 and -)"
    return f"it goes on after the provider ID: {'/'.join(parts[len(_PROVIDER_PARTS) :])!r}"


def workload_provider(value: str) -> str:
    v = value.strip()
    m = _WORKLOAD_PROVIDER.match(v)
    if not m:
        raise InvalidValue(
            f"{v!r} is not a workload identity provider path: {_provider_path_problem(v)}; "
            "it looks like projects/123456789012/locations/global/workloadIdentityPools/"
            "baseten/providers/baseten",
            "workload-provider-invalid",
        )
    if not (m.group("number").isascii() and m.group("number").isdigit()):
        raise InvalidValue(
            f"the provider path names project {m.group('number')!r}, but it needs the project "
            "NUMBER, not its ID: `gcloud projects describe "
            f"{m.group('number')} --format='value(projectNumber)'` prints it",
            "workload-provider-project-id",
        )
    return v


def secret_name(value: str) -> str:
    v = value.strip()
    if not _SECRET_NAME.match(v):
        # the example is the user's own name made valid (a GCP name for an AWS key confused)
        example = re.sub(rf"[^{_SECRET_CHARS}]+", "-", v).strip("-")[:100] or "registry-secret"
        raise InvalidValue(
            f"{v!r} is not a usable Baseten secret name: use letters, digits, '-', '_' "
            f"and '.', e.g. {example}",
            "secret-name-invalid",
        )
    return v


# Baseten's organization and team IDs go into an OIDC subject (`v=1:org=<id>:team=<id>:...`)
# that a trust policy matches with StringLike: `*`, `?`, `:` or `=` would widen or break it.
_BASETEN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$", re.ASCII)
# sts:ExternalId: 2-1224 characters of [\w+=,.@:/-] (AWS's pattern), no wildcard.
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_+=,.@:/-]{2,1224}$", re.ASCII)
_PROJECT_NUMBER = re.compile(r"^[0-9]{1,20}$", re.ASCII)


def baseten_id(value: str) -> str:
    v = value.strip()
    if not _BASETEN_ID.match(v):
        raise InvalidValue(
            f"{v!r} is not a Baseten ID: `truss whoami --show-oidc` prints yours, letters and "
            "digits such as Mvg9jrRd (a wildcard would trust every Baseten customer)",
            "baseten-id-invalid",
        )
    return v


def external_id(value: str) -> str:
    v = value.strip()
    if not _EXTERNAL_ID.match(v) or "*" in v or "?" in v:
        raise InvalidValue(
            f"{v!r} is not an sts:ExternalId (2 to 1224 of letters, digits and +=,.@:/-, no "
            "wildcard): `truss whoami --show-aws-assume-role` prints yours",
            "external-id-invalid",
        )
    return v


def project_number(value: str) -> str:
    v = value.strip()
    if not _PROJECT_NUMBER.match(v):
        raise InvalidValue(
            f"{v!r} is not a GCP project NUMBER (digits): `gcloud projects describe PROJECT "
            "--format='value(projectNumber)'` prints it",
            "project-number-invalid",
        )
    return v
