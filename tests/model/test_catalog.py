"""The catalog drives flags, defaults and validation: check it is complete and sane."""

from __future__ import annotations

import pytest

from wizard.model import catalog, truss, validators
from wizard.model.auth import build_target
from wizard.model.image import RegistryKind, detect_registry, parse_image
from wizard.model.secret import Secret


def test_every_registry_kind_has_an_entry_and_a_token_method() -> None:
    assert set(catalog.REGISTRIES) == {k.value for k in RegistryKind}
    for reg in catalog.REGISTRIES.values():
        if reg.kind is RegistryKind.ECR_PUBLIC:
            assert [m.id for m in reg.methods] == ["anonymous"]
        else:
            assert any(m.is_token for m in reg.methods), reg.id
        assert detect_registry(parse_image(reg.example_image)).kind is reg.kind


def test_ecr_public_pulls_anonymously() -> None:
    reg = catalog.REGISTRIES["ecr-public"]
    (method,) = reg.methods
    assert method.anonymous and not method.is_token and not method.keyless
    assert method.auth_method is None and method.fields == () and method.credential is None
    assert not method.stores_registry_secret
    assert reg.recommended is method and reg.oidc is None
    assert "anonymous" in catalog.METHOD_IDS


def test_assume_role_says_what_it_needs_before_it_is_picked() -> None:
    from wizard.model.rules import METHOD_SINCE

    method = catalog.ECR.method("assume-role")
    assert method is not None
    since = ".".join(map(str, METHOD_SINCE[truss.AuthMethod.AWS_ASSUME_ROLE]))
    assert f"truss {since}+" in method.label
    assert "Baseten enables it per organization" in method.label
    assert "truss whoami --show-aws-assume-role" in method.why
    assert "not enabled" in method.why


def test_anonymous_target_has_no_docker_auth_and_no_secret() -> None:
    reg = catalog.REGISTRIES["ecr-public"]
    ref = parse_image(reg.example_image)
    target = build_target(reg, reg.recommended, reg.example_image, ref, {})
    assert target.docker_auth is None and target.secrets == ()


def test_recommended_method_comes_first() -> None:
    assert catalog.REGISTRIES["ecr"].recommended.id == "oidc"
    assert catalog.REGISTRIES["gar"].recommended.id == "oidc"
    assert [m.id for m in catalog.REGISTRIES["ecr"].methods] == [
        "oidc",
        "assume-role",
        "iam",
        "token",
    ]


@pytest.mark.parametrize("reg", list(catalog.REGISTRIES.values()), ids=lambda r: r.id)
def test_every_method_builds_a_target_truss_accepts(reg: catalog.RegistrySpec) -> None:
    ref = parse_image(reg.example_image)
    info = detect_registry(ref)
    samples = {
        "role-arn": "arn:aws:iam::123456789012:role/r",
        "service-account": "puller@my-project.iam.gserviceaccount.com",
        "workload-provider": "projects/1/locations/global/workloadIdentityPools/"
        "pool/providers/prov",
    }
    for method in reg.methods:
        values = {
            f.id: samples.get(f.id) or (f.default(ref, info) if f.default else "")
            for f in method.fields
        }
        if method.anonymous:
            continue  # test_anonymous_target_has_no_docker_auth_and_no_secret
        target = build_target(reg, method, reg.example_image, ref, values)
        if method.auth_method is None:
            assert target.docker_auth is None and target.secrets[0].startswith("DOCKER_REGISTRY_")
            continue
        rule = truss.FIELD_RULES[method.auth_method]
        assert all(target.docker_auth.get(f) for f in rule.required)
        assert not any(f in target.docker_auth for f in rule.forbidden)
        assert set(target.remove_keys).isdisjoint(target.docker_auth)


def test_field_ids_are_unique_per_method_and_keys_are_truss_fields() -> None:
    for reg in catalog.REGISTRIES.values():
        for method in reg.methods:
            ids = [f.id for f in method.fields]
            assert len(ids) == len(set(ids))
            assert all(f.key in truss.DOCKER_AUTH_FIELDS for f in method.fields)


@pytest.mark.parametrize(
    ("fn", "good", "bad"),
    [
        (
            validators.role_arn,
            [
                "arn:aws:iam::123456789012:role/r",
                "arn:aws-us-gov:iam::123456789012:role/path/to/r",
                "arn:aws-cn:iam::123456789012:role/a.b@c",
            ],
            [
                "arn:aws:iam::12345678901:role/r",
                "arn:aws:iam::123456789012:user/r",
                "arn:aws:sts::123456789012:role/r",
                "role/r",
            ],
        ),
        (
            validators.region,
            ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1"],
            ["us-east", "US-EAST-1", "useast1"],
        ),
        (
            validators.service_account,
            [
                "puller@my-project.iam.gserviceaccount.com",
                "123456789-compute@developer.gserviceaccount.com",
            ],
            ["puller@gmail.com", "x@p.iam.gserviceaccount.com"],
        ),
        (
            validators.workload_provider,
            ["projects/123/locations/global/workloadIdentityPools/pool/providers/prov"],
            [
                "projects/my-proj/locations/global/workloadIdentityPools/pool/providers/prov",
                "projects/123/locations/us/workloadIdentityPools/pool/providers/prov",
            ],
        ),
        (validators.secret_name, ["gcp-service-account", "aws_access_key_id"], ["has space", ""]),
    ],
)
def test_validators(fn, good: list[str], bad: list[str]) -> None:  # type: ignore[no-untyped-def]
    for value in good:
        assert fn(value) == value
    for value in bad:
        with pytest.raises(validators.InvalidValue):
            fn(value)


@pytest.mark.parametrize(
    ("typed", "example"),
    [("AWS Key ID", "AWS-Key-ID"), ("  my key!  ", "my-key"), ("ключ", "registry-secret")],
)
def test_a_refused_secret_name_suggests_the_users_own_name_made_valid(
    typed: str, example: str
) -> None:
    """It suggested `gcp-service-account` whatever the method (an AWS key's name too)."""
    with pytest.raises(validators.InvalidValue) as refused:
        validators.secret_name(typed)
    assert str(refused.value).endswith(f"e.g. {example}")
    assert validators.secret_name(example) == example


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "projects/123456789012/.../workloadIdentityPools/p/providers/x",
            "part 3 is '...' where 'locations' goes",
        ),
        (
            "projects/1/locations/global/workloadIdentityPools/p/providers/prov",
            "'p' is not a pool ID (4 to 32 of a-z, 0-9 and -)",
        ),
        (
            "projects/1/locations/global/workloadIdentityPools/pool/providers/X",
            "'X' is not a provider ID",
        ),
        (
            "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/"
            "providers/prov",
            "drop '//iam.googleapis.com/': the path starts at projects/",
        ),
        (
            "projects/1/locations/global/workloadIdentityPools/pool",
            "it stops before providers (the path has 8 parts, this one 6)",
        ),
        (
            "projects/1/locations/global/workloadIdentityPools/pool/providers/prov/x",
            "it goes on after the provider ID: 'x'",
        ),
    ],
)
def test_a_refused_provider_path_says_which_part_is_wrong(typed: str, said: str) -> None:
    """It said only "is not a workload identity provider path; it looks like ..."."""
    with pytest.raises(validators.InvalidValue) as refused:
        validators.workload_provider(typed)
    assert f"is not a workload identity provider path: {said}" in str(refused.value)


def test_secret_is_masked_everywhere_but_reveal() -> None:
    s = Secret("ghp_" + "x" * 36)
    assert "xxxx" not in repr(s) and "xxxx" not in str(s) and "xxxx" not in f"{s}"
    assert "xxxx" not in f"{[s]}" and s.reveal().endswith("x" * 36)
    assert s.masked() == "ghp_…xxxx"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(s)
