"""Guided cloud setup as a service: resolve what the guide is about, gather Baseten
facts, and run the cloud-side check or provisioning for keyless methods."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.model.record import field, record

if TYPE_CHECKING:
    from wizard.config.document import ConfigDocument

from wizard.config.plan import (
    EXIT_USAGE,
    SetupError,
    SetupRequest,
    current_method,
    current_values,
    resolve_image,
    resolve_registry,
)
from wizard.model import rules, truss
from wizard.model.catalog import MethodSpec, RegistrySpec
from wizard.model.facts import FACTS, BasetenFacts, SetupItem
from wizard.model.image import ImageRef, RegistryInfo, detect_registry


@record
class GuideRequest:
    """What a guide or cloud check is asked about."""

    config: Path
    image: str | None = None
    registry: str | None = None
    method: str | None = None
    answers: dict[str, str] = field(default_factory=dict)  # flag id -> value
    use_baseten: bool = True
    # Try an anonymous pull first (network): a public image needs no credential.
    probe_public: bool = False
    probe_timeout: float = 10.0
    # config.yaml as the caller already read it (the flow keeps one): not read again.
    doc: ConfigDocument | None = field(default=None, repr=False, compare=False)


@record
class GuideContext:
    """A guide request resolved: the image, registry, method and Baseten facts."""

    ref: ImageRef
    info: RegistryInfo
    registry: RegistrySpec
    method: MethodSpec
    facts: BasetenFacts
    answers: dict[str, str]
    notes: list[str]


def resolve(req: GuideRequest) -> GuideContext:
    from wizard.config.document import read_config

    doc = req.doc if req.doc is not None else read_config(req.config)
    setup_req = SetupRequest(req.config, req.registry, req.method, req.image)
    _, ref = resolve_image(setup_req, doc)
    info = detect_registry(ref)
    reg = resolve_registry(setup_req, info, ref)
    if req.method:
        method = reg.method(req.method)
        if method is None:
            raise SetupError(
                f"--method {req.method} does not work with {reg.label}; choose "
                "one of: " + ", ".join(m.id for m in reg.methods)
            )
    else:
        method = current_method(doc, reg, ref) or _unfit(doc, reg, ref) or reg.recommended
    answers = {**current_values(doc, method), **req.answers}
    facts, notes = gather_facts(answers, use_baseten=req.use_baseten, method=method)
    return GuideContext(ref, info, reg, method, facts, answers, notes)


def _needs_facts(method: MethodSpec, answers: Mapping[str, str]) -> bool:
    """Would Baseten's API tell us a fact the method needs that the user did not give?"""
    return bool(BasetenFacts().with_answers(answers).missing(method.facts))


def gather_facts(
    answers: dict[str, str], *, use_baseten: bool, method: MethodSpec
) -> tuple[BasetenFacts, list[str]]:
    """Baseten facts: flags first, then Baseten's API when a key is at hand. Every fact is
    checked by the rulebook before it can reach a guide, a trust policy or AWS (a typed
    `*` would trust every Baseten customer)."""
    refused = rules.check_facts(answers)
    if refused:
        raise SetupError(refused[0].message, rule=refused[0].rule)
    notes: list[str] = []
    facts = BasetenFacts()
    if use_baseten and _needs_facts(method, answers):
        from wizard.verify.baseten import BasetenError, fetch_facts, find_login

        login = find_login()
        if login is None:
            notes.append(
                "no Baseten API key (BASETEN_API_KEY or ~/.trussrc): organization "
                "and team IDs are placeholders; `truss whoami --show-oidc` prints them"
            )
        else:
            try:
                facts = fetch_facts(login.key, remote_url=login.remote_url)
                notes.append(f"organization and team from Baseten ({login.source})")
            except BasetenError as e:
                notes.append(f"could not ask Baseten ({e}); using placeholders")
    facts = facts.with_answers(answers)
    fetched = {fid: facts.known(fid) for fid in FACTS}
    if bad := rules.check_facts(fetched):  # what Baseten's API said is checked the same way
        raise SetupError(f"Baseten answered an unusable fact: {bad[0].message}", rule=bad[0].rule)
    if (
        method.auth_method is truss.AuthMethod.AWS_ASSUME_ROLE
        and facts.org_id is None
        and not facts.aws_role_arn
    ):
        notes.append(
            "AssumeRole needs Baseten's role ARN and your external ID: "
            "`truss whoami --show-aws-assume-role` prints both"
        )
    return facts, notes


def build(req: GuideRequest) -> tuple[object, GuideContext]:
    from wizard.guide.guides import build_guide, values_from

    ctx = resolve(req)
    values = values_from(ctx.ref, ctx.info, ctx.facts, ctx.answers)
    extra: tuple[rules.Finding, ...] = ()
    if req.probe_public and worth_probing(ctx.ref):
        found = probe_public(ctx.ref, timeout=req.probe_timeout)
        extra = (found,) if found is not None else ()
        ctx.notes.append(
            "an anonymous pull works: the image is public"
            if found is not None
            else "an anonymous pull did not work: the image needs a credential"
        )
    return build_guide(ctx.registry.id, ctx.method.id, values, extra), ctx


def worth_probing(ref: ImageRef) -> bool:
    """Whether only a live pull can tell if `ref` is public. Private ECR never serves
    anonymously, ECR Public and Docker Hub's official images always do (the rulebook
    says so offline), and Baseten cannot reach a loopback or private registry anyway."""
    from wizard.model.image import RegistryKind, is_always_public, unreachable_reason

    return not (
        detect_registry(ref).kind is RegistryKind.ECR
        or is_always_public(ref)
        or unreachable_reason(ref) is not None
    )


def probe_public(ref: ImageRef, *, timeout: float = 10.0) -> rules.Finding | None:
    """The rulebook's `image-public` finding when a live anonymous pull (ping, anonymous
    token, manifest HEAD: `wizard.verify`'s check with no credential) works."""
    from wizard.verify.registry import Options
    from wizard.verify.service import CheckItem, check_one

    result = check_one(CheckItem(ref), Options(timeout=timeout))
    if not result.ok:
        return None
    return rules.finding(
        "image-public",
        ("base_image", "image"),
        f"{ref.name} pulled anonymously in a live check: it is public",
        "no credential is needed: config.yaml needs only base_image.image (a token may "
        "still raise the registry's pull rate limit)",
    )


def _unfit(doc: ConfigDocument, reg: RegistrySpec, ref: ImageRef) -> None:
    """config.yaml names an auth_method the image's registry does not offer: the rulebook's
    method-registry-mismatch, said here rather than guessed around."""
    data = doc.root.to_python() if doc.root is not None else {}
    found = [f for f in rules.check(data) if f.rule == "method-registry-mismatch"]
    if found:
        where = doc.line_of(*found[0].path)
        raise SetupError(
            f"{doc.path}:{where}: {found[0].message}; {found[0].fix}", rule=found[0].rule
        )


def cloud_check(ctx: GuideContext, *, profile: str | None = None) -> list[SetupItem]:
    """Inspect the user's AWS/GCP setup, item by item, as Baseten would meet it."""
    a, ref, info = ctx.answers, ctx.ref, ctx.info
    if not ctx.method.keyless:
        raise SetupError(
            f"{ctx.method.label} has no cloud-side setup to inspect; "
            "`registry-wizard check --image ... --password-stdin` checks a credential",
            EXIT_USAGE,
        )
    missing = [f.flag for f in ctx.method.fields if not a.get(f.id)]
    if missing:
        raise SetupError(
            "to check the cloud setup, pass "
            + ", ".join(missing)
            + " (or run it on a config that has them)",
            EXIT_USAGE,
        )
    am = ctx.method.auth_method
    if am is truss.AuthMethod.GCP_OIDC:
        from wizard.verify.gcp import check_gcp_oidc

        return check_gcp_oidc(
            service_account=a["service-account"],
            workload_provider=a["workload-provider"],
            location=info.location or "",
            project=info.project or "",
            repository=info.gar_repository or "",
            org_id=ctx.facts.org_id,
            team_id=ctx.facts.team_id,
        )
    from wizard.verify import aws

    common = {
        "role_arn": a["role-arn"],
        "region": a.get("region") or info.region or "",
        "repository": ref.repository,
        "tag_or_digest": ref.reference,
        "profile": profile,
        "registry_account": info.account,
    }
    if am is truss.AuthMethod.AWS_OIDC:
        return aws.check_aws_oidc(org_id=ctx.facts.org_id, team_id=ctx.facts.team_id, **common)
    return aws.check_aws_assume_role(
        baseten_role_arn=ctx.facts.aws_role_arn, external_id=ctx.facts.external_id, **common
    )


def provision_plan(ctx: GuideContext, *, profile: str | None = None) -> object:
    from wizard.guide.provision import plan_provision
    from wizard.model import validators

    if not ctx.method.provisionable:
        raise SetupError(
            "--provision creates AWS resources for ECR with --method oidc or "
            "assume-role; for other setups, follow `registry-wizard guide`",
            EXIT_USAGE,
        )
    arn = ctx.answers["role-arn"]
    account = validators.role_arn_account(arn) or ""
    role_name = arn.split(":role/", 1)[1]
    if "/" in role_name:
        raise SetupError(
            f"{arn} has a path ({role_name.rsplit('/', 1)[0]}/): create it by hand "
            "with the commands from `registry-wizard guide`, which keep the path"
        )
    return plan_provision(
        account=account,
        role_name=role_name,
        region=ctx.answers.get("region") or ctx.info.region or "",
        repository=ctx.ref.repository,
        org_id=ctx.facts.org_id,
        team_id=ctx.facts.team_id,
        method=ctx.method.id,
        baseten_role_arn=ctx.facts.aws_role_arn,
        external_id=ctx.facts.external_id,
        profile=profile,
        registry_account=ctx.info.account,
    )
