"""Just enough of the IAM policy language to answer two questions offline: does this
role's permission policy allow an action on a resource, and does this trust policy
admit a given principal with a given request context. Plus the lint findings for the
mistakes people actually make in Baseten trust policies.

Pure: stdlib only. Follows the documented evaluation logic (explicit Deny wins, then
any Allow, else implicit deny); what it cannot evaluate (a condition operator it does
not know, a condition key absent from the context) makes the answer `certain=False`
rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from wizard.model.facts import OIDC_AUDIENCE, OIDC_HOST
from wizard.model.findings import Finding, Severity
from wizard.model.record import record

__all__ = [
    "AUD_KEY",
    "EXTERNAL_ID_KEY",
    "SUB_KEY",
    "Decision",
    "Finding",
    "TrustResult",
    "action_matches",
    "allows",
    "as_list",
    "glob_match",
    "lint_assume_role_trust",
    "lint_oidc_trust",
    "principal_matches",
    "resource_matches",
    "statements",
    "trust_admits",
]

SUB_KEY = f"{OIDC_HOST}:sub"
AUD_KEY = f"{OIDC_HOST}:aud"
EXTERNAL_ID_KEY = "sts:ExternalId"


# -- normalisation -------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """IAM lets any list-valued element be written as a single value."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def statements(policy: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The policy's statements as a list of dicts (`Statement` may be one object)."""
    if not policy:
        return []
    return [s for s in as_list(policy.get("Statement")) if isinstance(s, dict)]


def _label(index: int, statement: Mapping[str, Any]) -> str:
    sid = statement.get("Sid")
    return f"statement {index + 1}" + (f" ({sid})" if sid else "")


# -- matching ------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    wild = {"*": ".*", "?": "."}
    parts = (wild.get(c) or re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: `*` any run of characters (`:` and `/` included), `?` one."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """Actions are case-insensitive: `ECR:batchget*` matches `ecr:BatchGetImage`."""
    return pattern == "*" or glob_match(pattern, action, ignore_case=True)


def resource_matches(pattern: str, resource: str) -> bool:
    """ARNs are case-sensitive; `*` matches across segments, as IAM does."""
    return pattern == "*" or glob_match(pattern, resource)


def _applies(
    statement: Mapping[str, Any], key: str, value: str, match: Callable[[str, str], bool]
) -> bool:
    """Action/NotAction or Resource/NotResource; absent both means the element is not
    restricted (trust policies have no Resource)."""
    if key in statement:
        return any(match(str(p), value) for p in as_list(statement[key]))
    not_key = f"Not{key}"
    if not_key in statement:
        return not any(match(str(p), value) for p in as_list(statement[not_key]))
    return key == "Resource"


# -- conditions ----------------------------------------------------------------------------

_Compare = Callable[[str, str], bool]


def _str_eq(pattern: str, value: str) -> bool:
    return pattern == value


def _str_eq_ic(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


def _str_like(pattern: str, value: str) -> bool:
    return glob_match(pattern, value)


def _bool_eq(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


# base operator -> (comparison, negated). Negated operators hold when nothing matches.
_OPERATORS: dict[str, tuple[_Compare, bool]] = {
    "stringequals": (_str_eq, False),
    "stringnotequals": (_str_eq, True),
    "stringequalsignorecase": (_str_eq_ic, False),
    "stringnotequalsignorecase": (_str_eq_ic, True),
    "stringlike": (_str_like, False),
    "stringnotlike": (_str_like, True),
    "arnequals": (_str_like, False),
    "arnlike": (_str_like, False),
    "arnnotequals": (_str_like, True),
    "arnnotlike": (_str_like, True),
    "bool": (_bool_eq, False),
}


@record(frozen=True)
class _CondOutcome:
    """Whether a condition holds, and whether that is certain."""

    holds: bool
    certain: bool
    reason: str


def _parse_operator(name: str) -> tuple[str, str, bool]:
    """`ForAnyValue:StringLikeIfExists` -> ("foranyvalue", "stringlike", True)."""
    qualifier, _, base = name.rpartition(":")
    base_l = base.lower()
    if_exists = base_l.endswith("ifexists")
    if if_exists:
        base_l = base_l[: -len("ifexists")]
    return qualifier.lower(), base_l, if_exists


def _condition_holds(
    operator: str, key: str, wanted: list[str], context: Mapping[str, str]
) -> _CondOutcome:
    qualifier, base, if_exists = _parse_operator(operator)
    lowered = {k.lower(): v for k, v in context.items()}
    present = key.lower() in lowered
    shown = f"{operator} {key} {wanted if len(wanted) != 1 else wanted[0]!r}"

    if base == "null":
        # Null: "true" means the key must be absent.
        want_absent = any(w.lower() == "true" for w in wanted)
        ok = want_absent != present
        return _CondOutcome(ok, True, f"{shown}: key is {'present' if present else 'absent'}")
    if base not in _OPERATORS or qualifier not in ("", "foranyvalue", "forallvalues"):
        return _CondOutcome(False, False, f"cannot evaluate condition operator {operator}")
    compare, negated = _OPERATORS[base]

    if not present:
        if if_exists:
            return _CondOutcome(True, True, f"{shown}: key absent (IfExists)")
        if qualifier == "forallvalues":
            return _CondOutcome(True, True, f"{shown}: key absent (ForAllValues holds)")
        if qualifier == "foranyvalue":
            return _CondOutcome(False, True, f"{shown}: key absent")
        # A negated operator on a missing key holds; a positive one does not.
        return _CondOutcome(negated, True, f"{shown}: key {key} is not in the request")

    value = lowered[key.lower()]
    # Context values are single strings here, so the set operators reduce to one value.
    matched = any(compare(w, value) for w in wanted)
    ok = not matched if negated else matched
    return _CondOutcome(ok, True, f"{shown}: request has {value!r}")


def _conditions(statement: Mapping[str, Any], context: Mapping[str, str]) -> _CondOutcome:
    """All operators and all keys must hold (AND); values within a key are OR."""
    block = statement.get("Condition") or {}
    if not isinstance(block, Mapping):
        return _CondOutcome(False, False, "the Condition element is not an object")
    uncertain: list[str] = []
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            return _CondOutcome(False, False, f"condition {operator} is not an object")
        for key, wanted in keys.items():
            outcome = _condition_holds(
                str(operator), str(key), [str(w) for w in as_list(wanted)], context
            )
            if not outcome.certain:
                uncertain.append(outcome.reason)
            elif not outcome.holds:
                return outcome
    if uncertain:
        return _CondOutcome(False, False, "; ".join(uncertain))
    return _CondOutcome(True, True, "conditions hold")


# -- permission policies -------------------------------------------------------------------


@record(frozen=True)
class Decision:
    """Whether the policies allow one action on one resource, and which statement decided.

    `certain` is False when a statement with a condition we could not evaluate might
    change the answer; `explicit_deny` when a Deny decided (an Allow cannot fix that);
    `boundary` when a permissions boundary, not the role's policies, refuses."""

    allowed: bool
    reason: str
    certain: bool = True
    explicit_deny: bool = False
    boundary: bool = False


def allows(
    policies: Sequence[Mapping[str, Any]],
    action: str,
    resource: str,
    *,
    names: Sequence[str] | None = None,
    context: Mapping[str, str] | None = None,
) -> Decision:
    """Evaluate identity policies (all of one principal's) for `action` on `resource`.

    `names` label the policies in the reason (default `policy 1`, `policy 2`, ...).
    Conditions are evaluated against `context`; one that cannot be decided leaves the
    decision uncertain instead of silently counting the statement in or out."""
    ctx = context or {}
    labels = list(names) if names is not None else [f"policy {i + 1}" for i in range(len(policies))]
    allowed_by: str | None = None
    unsure: list[str] = []
    for policy, label in zip(policies, labels, strict=False):
        for i, st in enumerate(statements(policy)):
            if not (
                _applies(st, "Action", action, action_matches)
                and _applies(st, "Resource", resource, resource_matches)
            ):
                continue
            where = f"{label} {_label(i, st)}"
            cond = _conditions(st, ctx)
            deny = str(st.get("Effect", "")).lower() == "deny"
            if not cond.certain:
                unsure.append(f"{where} ({'Deny' if deny else 'Allow'} only if: {cond.reason})")
                continue
            if not cond.holds:
                continue
            if deny:
                return Decision(
                    False,
                    f"{action} on {resource} is explicitly denied by {where}",
                    explicit_deny=True,
                )
            allowed_by = allowed_by or where
    if allowed_by is not None:
        if unsure and any("Deny" in u for u in unsure):
            return Decision(
                True,
                f"allowed by {allowed_by}, unless a conditional Deny applies: " + "; ".join(unsure),
                certain=False,
            )
        return Decision(True, f"{action} on {resource} is allowed by {allowed_by}")
    if unsure:
        return Decision(
            False,
            f"{action} on {resource} depends on conditions: " + "; ".join(unsure),
            certain=False,
        )
    return Decision(False, f"no statement allows {action} on {resource}")


# -- trust policies ------------------------------------------------------------------------

_ACCOUNT = re.compile(r"\d{12}")
_IAM_ARN = re.compile(r"arn:(?P<partition>[\w-]+):(?:iam|sts)::(?P<account>\d{12}):(?P<rest>.+)")


def principal_matches(statement_principal: Any, principal: Mapping[str, str]) -> bool:
    """Whether a statement's `Principal` names the requesting principal.

    `principal` is one entry like {"Federated": arn} or {"AWS": role arn}. For AWS
    principals the account (ID or `:root`) and `*` also match, as IAM does."""
    if statement_principal == "*":
        return True
    if not isinstance(statement_principal, Mapping):
        return False
    for kind, who in principal.items():
        for candidate in (str(c) for c in as_list(statement_principal.get(kind))):
            if candidate == "*" or candidate == who:
                return True
            if kind == "AWS":
                m = _IAM_ARN.fullmatch(who)
                if m and (
                    candidate == m["account"]
                    or candidate == f"arn:{m['partition']}:iam::{m['account']}:root"
                ):
                    return True
    return False


def _principal_applies(statement: Mapping[str, Any], principal: Mapping[str, str]) -> bool:
    if "Principal" in statement:
        return principal_matches(statement["Principal"], principal)
    if "NotPrincipal" in statement:
        return not principal_matches(statement["NotPrincipal"], principal)
    return False


@record(frozen=True)
class TrustResult:
    """Whether a trust policy admits the request; `statement` is the index that decided.

    On refusal `reason` explains the nearest miss (the statement whose principal and
    action matched but whose condition did not), which is what a user needs to fix."""

    admitted: bool
    reason: str
    statement: int | None = None
    certain: bool = True


def trust_admits(
    policy: Mapping[str, Any],
    *,
    principal: Mapping[str, str],
    action: str,
    context: Mapping[str, str],
) -> TrustResult:
    """Evaluate a role trust policy for one AssumeRole* request."""
    allowed_at: int | None = None
    near_misses: list[str] = []
    unsure: list[tuple[int, str]] = []
    for i, st in enumerate(statements(policy)):
        if not (
            _principal_applies(st, principal) and _applies(st, "Action", action, action_matches)
        ):
            continue
        deny = str(st.get("Effect", "")).lower() == "deny"
        cond = _conditions(st, context)
        if not cond.certain:
            unsure.append((i, f"{_label(i, st)}: {cond.reason}"))
            continue
        if not cond.holds:
            if not deny:
                near_misses.append(f"{_label(i, st)}: {cond.reason}")
            continue
        if deny:
            return TrustResult(False, f"{_label(i, st)} explicitly denies {action}", i)
        if allowed_at is None:
            allowed_at = i
    who = ", ".join(f"{k} {v}" for k, v in principal.items())
    if allowed_at is not None:
        st = statements(policy)[allowed_at]
        if any(str(statements(policy)[j].get("Effect", "")).lower() == "deny" for j, _ in unsure):
            return TrustResult(
                True,
                f"admitted by {_label(allowed_at, st)}, unless a "
                "conditional Deny applies: " + "; ".join(r for _, r in unsure),
                allowed_at,
                certain=False,
            )
        return TrustResult(True, f"{_label(allowed_at, st)} admits {who}", allowed_at)
    if unsure:
        return TrustResult(False, "; ".join(r for _, r in unsure), unsure[0][0], certain=False)
    if near_misses:
        return TrustResult(False, "; ".join(near_misses))
    return TrustResult(False, f"no statement allows {action} for {who}")


# -- lint ----------------------------------------------------------------------------------


def _lint(
    code: str, message: str, fix: str, *, severity: str = "problem", statement: int | None = None
) -> Finding:
    """A trust-policy smell as a Finding: "problem" (refuses Baseten or admits too much)
    is an error, "advice" (works, but worth changing) a warning; its path names the
    statement (`("Statement", "2")`)."""
    level = Severity.ERROR if severity == "problem" else Severity.WARNING
    path = ("Statement", str(statement)) if statement is not None else ()
    return Finding(code, level, path, message, fix)


def statement_of(finding: Finding) -> int | None:
    """The index of the statement a lint finding is about, if any."""
    if len(finding.path) == 2 and finding.path[0] == "Statement":
        return int(finding.path[1])
    return None


def _condition_values(statement: Mapping[str, Any], key: str) -> list[tuple[str, str]]:
    """(operator, value) pairs for `key` in a statement's Condition block."""
    out: list[tuple[str, str]] = []
    block = statement.get("Condition") or {}
    if not isinstance(block, Mapping):
        return out
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            continue
        for k, values in keys.items():
            if str(k).lower() == key.lower():
                out.extend((str(operator), str(v)) for v in as_list(values))
    return out


def _is_baseten_oidc(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    feds = as_list(principal.get("Federated")) if isinstance(principal, Mapping) else []
    return any(str(f).endswith(f"oidc-provider/{OIDC_HOST}") for f in feds) or bool(
        _condition_values(statement, SUB_KEY)
    )


def _sub_fields(pattern: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in pattern.split(":"):
        name, eq, value = part.partition("=")
        if eq:
            fields.setdefault(name, value)
    return fields


def _is_wild(text: str) -> bool:
    return "*" in text or "?" in text


def _lint_sub(
    where: str,
    i: int,
    operator: str,
    value: str,
    good: str,
    org_id: str | None,
    team_id: str | None,
) -> list[Finding]:
    _, base, _ = _parse_operator(operator)
    like = "like" in base
    fields = _sub_fields(value)
    out: list[Finding] = []
    if "env" in fields:
        out.append(
            _lint(
                "legacy-env",
                f"{where} matches the legacy subject format ({value!r} uses env=); "
                "Baseten now presents v=1:org=..:team=..:model=..:deployment=..:environment=.."
                ":type=..",
                f'use "StringLike": {{"{SUB_KEY}": "{good}"}}',
                statement=i,
            )
        )
    if base in ("stringequals", "stringequalsignorecase") and _is_wild(value):
        out.append(
            _lint(
                "string-equals-wildcard",
                f"{where} uses {operator} with a wildcard in {value!r}; "
                "StringEquals compares literally, so '*' only matches a '*'",
                f'move it under "StringLike": {{"{SUB_KEY}": "{value}"}}',
                statement=i,
            )
        )
    org = fields.get("org")
    if like and (
        org == "*"
        or (org is None and _is_wild(value))
        or (org is not None and org != "*" and _is_wild(org))
    ):
        out.append(
            _lint(
                "org-wildcard",
                f"{where} admits any Baseten organization ({value!r}): another "
                "Baseten customer could assume this role and pull your images",
                f'restrict it to your organization: "{good}"',
                statement=i,
            )
        )
    elif org_id and org is not None and not _is_wild(org) and org != org_id:
        out.append(
            _lint(
                "other-org",
                f"{where} admits organization {org!r}, not yours ({org_id!r})",
                f'use "{good}"',
                statement=i,
            )
        )
    elif (
        team_id
        and org == org_id
        and fields.get("team") is not None
        and not glob_match(fields["team"], team_id)
    ):
        out.append(
            _lint(
                "other-team",
                f"{where} admits team {fields['team']!r}, not {team_id!r}",
                f'use "{good}"',
                statement=i,
            )
        )
    return out


def _admits_build_type(value: str) -> bool:
    wtype = _sub_fields(value).get("type")
    return wtype is None or glob_match(wtype, "model_build")


def lint_oidc_trust(
    policy: Mapping[str, Any], *, org_id: str | None = None, team_id: str | None = None
) -> list[Finding]:
    """Findings for the Allow statements aimed at Baseten's OIDC provider."""
    good = f"v=1:org={org_id or '<org_id>'}:team={team_id or '<team_id>'}:*"
    out: list[Finding] = []
    for i, st in enumerate(statements(policy)):
        if str(st.get("Effect", "")).lower() != "allow" or not _is_baseten_oidc(st):
            continue
        where = _label(i, st)
        subs = _condition_values(st, SUB_KEY)
        if not subs:
            out.append(
                _lint(
                    "no-sub",
                    f"{where} has no {SUB_KEY} condition: every Baseten organization "
                    "could assume this role",
                    f'add "StringLike": {{"{SUB_KEY}": "{good}"}} to its Condition',
                    statement=i,
                )
            )
        for operator, value in subs:
            out.extend(_lint_sub(where, i, operator, value, good, org_id, team_id))
        types = [_sub_fields(v).get("type") for _, v in subs]
        if subs and not any(_admits_build_type(v) for _, v in subs):
            out.append(
                _lint(
                    "model-container-only",
                    f"{where} only admits type="
                    f"{'/'.join(sorted({t for t in types if t}))}; image pulls run at build time "
                    "as type=model_build",
                    f'end the pattern with ":*" (any type) instead: "{good}"',
                    statement=i,
                )
            )
        if not _condition_values(st, AUD_KEY):
            out.append(
                _lint(
                    "missing-aud",
                    f"{where} does not check the audience ({AUD_KEY})",
                    f'add "StringEquals": {{"{AUD_KEY}": "{OIDC_AUDIENCE}"}} to its Condition',
                    severity="advice",
                    statement=i,
                )
            )
    return out


def lint_assume_role_trust(
    policy: Mapping[str, Any], *, baseten_role_arn: str | None = None
) -> list[Finding]:
    """Findings for statements that let an AWS principal (Baseten's role) assume the role."""
    out: list[Finding] = []
    for i, st in enumerate(statements(policy)):
        if str(st.get("Effect", "")).lower() != "allow":
            continue
        if not _applies(st, "Action", "sts:AssumeRole", action_matches):
            continue
        principal = st.get("Principal")
        aws = (
            [str(p) for p in as_list(principal.get("AWS"))]
            if isinstance(principal, Mapping)
            else (["*"] if principal == "*" else [])
        )
        if not aws:
            continue
        where = _label(i, st)
        if "*" in aws:
            out.append(
                _lint(
                    "principal-wildcard",
                    f"{where} lets any AWS principal assume this role",
                    f'name Baseten\'s role: "Principal": {{"AWS": '
                    f'"{baseten_role_arn or "<baseten role arn>"}"}}',
                    statement=i,
                )
            )
        names_baseten = baseten_role_arn is not None and principal_matches(
            principal, {"AWS": baseten_role_arn}
        )
        if names_baseten and not _condition_values(st, EXTERNAL_ID_KEY):
            out.append(
                _lint(
                    "no-external-id",
                    f"{where} admits Baseten's role without an "
                    f"{EXTERNAL_ID_KEY} condition: any Baseten customer could have Baseten "
                    "assume your role (confused deputy)",
                    f'add "StringEquals": {{"{EXTERNAL_ID_KEY}": "<your org\'s external id>"}}',
                    statement=i,
                )
            )
    return out
