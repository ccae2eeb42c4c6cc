"""Each static rule fires on the config that breaks it, and stays quiet on a good one."""

from __future__ import annotations

from typing import Any

import pytest

from wizard.model.rules import Severity, check

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
ROLE = "arn:aws:iam::123456789012:role/r"


def _oidc(**extra: Any) -> dict[str, Any]:
    return {
        "auth_method": "AWS_OIDC",
        "registry": ECR,
        "aws_oidc_role_arn": ROLE,
        "aws_oidc_region": "us-east-1",
        **extra,
    }


GOOD: list[dict[str, Any]] = [
    {"base_image": {"image": f"{ECR}/a:1", "docker_auth": _oidc()}},
    {
        "base_image": {
            "image": f"{ECR}/a:1",
            "docker_auth": {"auth_method": "aws_iam", "registry": ECR},
        },
        "secrets": {"aws_access_key_id": None, "aws_secret_access_key": None},
    },
    {
        "base_image": {
            "image": "us-docker.pkg.dev/p/r/i:1",
            "docker_auth": {
                "auth_method": "GCP_SERVICE_ACCOUNT_JSON",
                "registry": "us-docker.pkg.dev",
                "secret_name": "sa",
            },
        },
        "secrets": {"sa": None},
    },
    {
        "base_image": {"image": "acme/app:1"},
        "secrets": {"DOCKER_REGISTRY_https://index.docker.io/v1/": None},
    },
    {"model_name": "no base image at all"},
]


@pytest.mark.parametrize("config", GOOD)
def test_good_configs_have_no_errors(config: dict[str, Any]) -> None:
    assert [f for f in check(config) if f.severity is Severity.ERROR] == []


BAD: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "required-field",
        {
            "base_image": {
                "image": f"{ECR}/a:1",
                "docker_auth": {
                    "auth_method": "AWS_OIDC",
                    "registry": ECR,
                    "aws_oidc_region": "us-east-1",
                },
            }
        },
        ("base_image", "docker_auth"),
    ),
    (
        "required-field",
        {"base_image": {"image": f"{ECR}/a:1", "docker_auth": _oidc(aws_oidc_role_arn="")}},
        ("base_image", "docker_auth", "aws_oidc_role_arn"),
    ),
    (
        "forbidden-field",
        {"base_image": {"image": f"{ECR}/a:1", "docker_auth": _oidc(secret_name="x")}},
        ("base_image", "docker_auth", "secret_name"),
    ),
    (
        "forbidden-field",
        {
            "base_image": {
                "image": "us-docker.pkg.dev/p/r/i:1",
                "docker_auth": {
                    "auth_method": "GCP_SERVICE_ACCOUNT_JSON",
                    "registry": "us-docker.pkg.dev",
                    "secret_name": "sa",
                    "aws_assume_role_region": "us-east-1",
                },
            },
            "secrets": {"sa": None},
        },
        ("base_image", "docker_auth", "aws_assume_role_region"),
    ),
    (
        "unknown-key",
        {"base_image": {"image": f"{ECR}/a:1", "docker_auth": _oidc(role="x")}},
        ("base_image", "docker_auth", "role"),
    ),
    ("unknown-key", {"base_image": {"image": "a/b:1", "auth": {}}}, ("base_image", "auth")),
    (
        "auth-method-missing",
        {"base_image": {"image": "a/b:1", "docker_auth": {"registry": "x"}}},
        ("base_image", "docker_auth"),
    ),
    (
        "auth-method-invalid",
        {"base_image": {"image": "a/b:1", "docker_auth": {"auth_method": "OIDC"}}},
        ("base_image", "docker_auth", "auth_method"),
    ),
    (
        "auth-method-training-only",
        {"base_image": {"image": "a/b:1", "docker_auth": {"auth_method": "REGISTRY_SECRET"}}},
        ("base_image", "docker_auth", "auth_method"),
    ),
    (
        "registry-mismatch",
        {
            "base_image": {
                "image": f"{ECR}/a:1",
                "docker_auth": _oidc(registry="123456789012.dkr.ecr.us-west-2.amazonaws.com"),
            }
        },
        ("base_image", "docker_auth", "registry"),
    ),
    (
        "ecr-region-mismatch",
        {"base_image": {"image": f"{ECR}/a:1", "docker_auth": _oidc(aws_oidc_region="eu-west-1")}},
        ("base_image", "docker_auth", "aws_oidc_region"),
    ),
    (
        "method-registry-mismatch",
        {"base_image": {"image": "ghcr.io/a/b:1", "docker_auth": _oidc(registry="ghcr.io")}},
        ("base_image", "docker_auth", "auth_method"),
    ),
    (
        "secret-undeclared",
        {
            "base_image": {
                "image": f"{ECR}/a:1",
                "docker_auth": {"auth_method": "AWS_IAM", "registry": ECR},
            },
            "secrets": {"aws_access_key_id": None},
        },
        ("base_image", "docker_auth"),
    ),
    (
        "secret-undeclared",
        {
            "base_image": {
                "image": "us-docker.pkg.dev/p/r/i:1",
                "docker_auth": {
                    "auth_method": "GCP_SERVICE_ACCOUNT_JSON",
                    "registry": "us-docker.pkg.dev",
                    "secret_name": "sa",
                },
            }
        },
        ("base_image", "docker_auth", "secret_name"),
    ),
    (
        "registry-secret-name",
        {"base_image": {"image": "acme/app:1"}, "secrets": {"DOCKER_REGISTRY_docker.io": None}},
        ("secrets", "DOCKER_REGISTRY_docker.io"),
    ),
    (
        "registry-secret-name",
        {
            "base_image": {"image": "ghcr.io/a/b:1"},
            "secrets": {"DOCKER_REGISTRY_https://ghcr.io": None},
        },
        ("secrets", "DOCKER_REGISTRY_https://ghcr.io"),
    ),
    (
        "registry-secret-name",
        {
            "base_image": {"image": f"{ECR}/a:1"},
            "secrets": {"DOCKER_REGISTRY_123456789012.dkr.ecr.us-west-2.amazonaws.com": None},
        },
        ("secrets", "DOCKER_REGISTRY_123456789012.dkr.ecr.us-west-2.amazonaws.com"),
    ),
    (
        "secret-value-in-file",
        {"secrets": {"hf_access_token": "hf_abc"}},
        ("secrets", "hf_access_token"),
    ),
    ("secrets-null", {"secrets": None}, ("secrets",)),
    (
        "python-path-relative",
        {"base_image": {"image": "a/b:1", "python_executable_path": "bin/python"}},
        ("base_image", "python_executable_path"),
    ),
    ("image-invalid", {"base_image": {"image": "Acme/App:1"}}, ("base_image", "image")),
    ("image-missing", {"base_image": {"docker_auth": _oidc()}}, ("base_image", "image")),
]


@pytest.mark.parametrize(("rule", "config", "path"), BAD, ids=[b[0] for b in BAD])
def test_each_rule_fires_with_its_path_and_a_fix(
    rule: str, config: dict[str, Any], path: tuple[str, ...]
) -> None:
    found = [f for f in check(config) if f.rule == rule]
    assert found, check(config)
    assert found[0].path == path
    assert found[0].severity is Severity.ERROR
    assert found[0].fix and found[0].message


def test_missing_registry_is_a_warning_naming_the_host() -> None:
    auth = _oidc()
    del auth["registry"]
    (finding,) = [
        f
        for f in check({"base_image": {"image": f"{ECR}/a:1", "docker_auth": auth}})
        if f.rule == "registry-missing"
    ]
    assert finding.severity is Severity.WARNING
    assert ECR in finding.fix


@pytest.mark.parametrize(
    "value",
    [
        "null",
        "your-hf-access-token",
        "ENTER HF ACCESS TOKEN HERE",
        "<token>",
        "${HF_TOKEN}",
        "set token in baseten workspace",
    ],
)
def test_placeholder_secret_values_are_notes_not_leaks(value: str) -> None:
    """truss documents null as the placeholder and never reads the value: a placeholder
    leaks nothing, so it is a note, with the certain fix of writing null."""
    (finding,) = check({"secrets": {"hf_access_token": value}})
    assert finding.rule == "secret-placeholder-value"
    assert finding.severity is Severity.INFO
    assert "hf_access_token: null" in finding.fix
    assert finding.edit is not None and finding.edit.kind == "null-secret"


@pytest.mark.parametrize(
    "value",
    [
        "hf_abcdefghijklmnopqrstuvwxyz123456",
        "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        "AKIAIOSFODNN7EXAMPLE",
        "b2N0b2NhdDpnaHBfMDEyMzQ1Njc4OWFiY2RlZg==",  # base64 of octocat:ghp_...
        "-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----\n",
        "nvapi-0123456789abcdefghijkl",
        "Zx81pQ7vN2mL0kR5tY8wB3cH6jF9dS4a",  # long and random
    ],
)
def test_values_that_look_like_credentials_are_errors(value: str) -> None:
    (finding,) = check({"secrets": {"token": value}})
    assert finding.rule == "secret-value-in-file"
    assert finding.severity is Severity.ERROR
    assert value not in finding.message


@pytest.mark.parametrize("value", ["abc", "true", "my-model"])
def test_other_values_are_warnings(value: str) -> None:
    (finding,) = check({"secrets": {"token": value}})
    assert finding.rule == "secret-value-in-file"
    assert finding.severity is Severity.WARNING
