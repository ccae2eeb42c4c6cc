"""Exact results of the editor on small inputs: what a user sees in the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.config.plan import SetupRequest, plan_setup

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
ROLE = "arn:aws:iam::123456789012:role/baseten-ecr"


def edit(tmp_path: Path, content: str | bytes, **req: object) -> str:
    config = tmp_path / "config.yaml"
    if isinstance(content, str):
        content = content.encode()
    config.write_bytes(content)
    values = req.pop("values", {})
    plan = plan_setup(SetupRequest(config, values=values, **req))  # type: ignore[arg-type]
    return plan.edit.new_text


def test_comments_inside_base_image_survive_a_method_switch(tmp_path: Path) -> None:
    before = """\
base_image:
  # our CUDA base
  image: ghcr.io/acme/base:1   # pinned
  docker_auth:
    # the old JSON key
    auth_method: GCP_SERVICE_ACCOUNT_JSON
    secret_name: gcp-sa  # in Baseten
    registry: ghcr.io   # wrong host
# ---- Resources ----
resources:
  cpu: "1"
"""
    after = edit(tmp_path, before, image=f"{ECR}/app:2", method="oidc", values={"role-arn": ROLE})
    assert (
        after
        == f"""\
base_image:
  # our CUDA base
  image: {ECR}/app:2   # pinned
  docker_auth:
    # the old JSON key
    auth_method: AWS_OIDC
    registry: {ECR}   # wrong host
    aws_oidc_role_arn: {ROLE}
    aws_oidc_region: us-east-1
# ---- Resources ----
resources:
  cpu: "1"
"""
    )


def test_token_method_removes_docker_auth_and_declares_the_secret(tmp_path: Path) -> None:
    before = """\
model_name: m
base_image:
  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1
  python_executable_path: /usr/bin/python3
  docker_auth:
    auth_method: AWS_IAM
    registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com
secrets:
  aws_access_key_id: null
  aws_secret_access_key: null
"""
    plan_after = edit(tmp_path, before, image="nvcr.io/nvidia/pytorch:24.01-py3")
    assert (
        plan_after
        == """\
model_name: m
base_image:
  image: nvcr.io/nvidia/pytorch:24.01-py3
  python_executable_path: /usr/bin/python3
secrets:
  aws_access_key_id: null
  aws_secret_access_key: null
  DOCKER_REGISTRY_nvcr.io: null
"""
    )


def test_unused_secrets_are_kept_and_named(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "base_image:\n  image: ghcr.io/a/b:1\n  docker_auth:\n"
        "    auth_method: GCP_SERVICE_ACCOUNT_JSON\n    secret_name: sa\n"
        "secrets:\n  sa: null\n"
    )
    plan = plan_setup(SetupRequest(config))
    assert plan.edit.unused_secrets == ["sa"]
    assert any("no longer used" in w and "sa" in w for w in plan.warnings)
    assert "  sa: null\n" in plan.edit.new_text


def test_flow_style_base_image_becomes_a_block_keeping_its_keys_and_comment(tmp_path: Path) -> None:
    before = (
        'base_image: {image: "vllm/vllm-openai:v0.5.4", python_executable_path: /usr/bin/python3}'
        "  # upstream\nsecrets: {}\n"
    )
    after = edit(tmp_path, before, image="ghcr.io/acme/vllm:1")
    assert (
        after
        == """\
base_image:  # upstream
  image: ghcr.io/acme/vllm:1
  python_executable_path: /usr/bin/python3
secrets:
  DOCKER_REGISTRY_ghcr.io: null
"""
    )


@pytest.mark.parametrize("secrets_line", ["secrets:", "secrets: null", "secrets: ~"])
def test_null_secrets_get_a_block(tmp_path: Path, secrets_line: str) -> None:
    after = edit(tmp_path, f"{secrets_line}\nresources:\n  cpu: '1'\n", image="quay.io/a/b:1")
    assert after.startswith("secrets:\n  DOCKER_REGISTRY_quay.io: null\nresources:\n")


def test_null_secrets_become_empty_mapping_when_nothing_to_declare(tmp_path: Path) -> None:
    after = edit(
        tmp_path, "secrets:\n", image=f"{ECR}/a:1", method="oidc", values={"role-arn": ROLE}
    )
    assert after.startswith("secrets: {}\n")


def test_crlf_bom_and_missing_final_newline_are_kept(tmp_path: Path) -> None:
    before = "\ufeffmodel_name: w\r\nsecrets:\r\n  hf: null".encode()
    config = tmp_path / "config.yaml"
    config.write_bytes(before)
    plan = plan_setup(SetupRequest(config, image="ghcr.io/a/b:1"))
    from wizard.config.document import encode

    assert (
        encode(plan.edit.doc, plan.edit.new_text)
        == (
            "\ufeffmodel_name: w\r\nsecrets:\r\n  hf: null\r\n  DOCKER_REGISTRY_ghcr.io: null\r\n"
            "base_image:\r\n  image: ghcr.io/a/b:1"
        ).encode()
    )


def test_quoting_follows_the_mapping(tmp_path: Path) -> None:
    before = (
        'base_image:\n  image: "ghcr.io/a/b:1"\n  docker_auth:\n    auth_method: "AWS_IAM"\n'
        '    registry: "x"\n'
    )
    after = edit(tmp_path, before, image=f"{ECR}/a:1", method="oidc", values={"role-arn": ROLE})
    assert f'  image: "{ECR}/a:1"\n' in after
    assert f'    aws_oidc_role_arn: "{ROLE}"\n' in after
    assert '    auth_method: "AWS_OIDC"\n' in after


def test_wide_indentation_is_followed(tmp_path: Path) -> None:
    before = "resources:\n    cpu: '1'\nbase_image:\n    image: ghcr.io/a/b:1\n"
    after = edit(tmp_path, before, image=f"{ECR}/a:1", method="oidc", values={"role-arn": ROLE})
    assert "\n    docker_auth:\n        auth_method: AWS_OIDC\n" in after
    assert "secrets" not in after  # OIDC declares no secret, and none existed


def test_lowercase_auth_method_is_left_alone(tmp_path: Path) -> None:
    before = (
        f"base_image:\n  image: {ECR}/a:1\n  docker_auth:\n    auth_method: aws_oidc\n"
        f"    registry: {ECR}\n    aws_oidc_role_arn: {ROLE}\n    aws_oidc_region: us-east-1\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(before)
    assert not plan_setup(SetupRequest(config)).edit.changed


def test_secret_value_in_file_is_replaced_with_null_and_reported(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("secrets:\n  DOCKER_REGISTRY_ghcr.io: dXNlcjp0b2tlbg==\n")
    plan = plan_setup(SetupRequest(config, image="ghcr.io/a/b:1"))
    assert "  DOCKER_REGISTRY_ghcr.io: null\n" in plan.edit.new_text
    assert "dXNlcjp0b2tlbg" not in plan.edit.new_text
    assert plan.edit.scrubbed_secrets == ["DOCKER_REGISTRY_ghcr.io"]


def test_docker_hub_secret_name_and_empty_file(tmp_path: Path) -> None:
    after = edit(tmp_path, "", image="acme/private:1.0")
    assert after == (
        "base_image:\n  image: acme/private:1.0\nsecrets:\n"
        "  DOCKER_REGISTRY_https://index.docker.io/v1/: null\n"
    )


def test_new_blocks_go_before_a_closing_comment_section(tmp_path: Path) -> None:
    before = "model_name: m\n\n# Deploy with:\n#   truss push\n"
    after = edit(tmp_path, before, image="ghcr.io/a/b:1")
    assert after == (
        "model_name: m\nbase_image:\n  image: ghcr.io/a/b:1\nsecrets:\n"
        "  DOCKER_REGISTRY_ghcr.io: null\n\n# Deploy with:\n#   truss push\n"
    )


def test_region_follows_a_new_image(tmp_path: Path) -> None:
    before = (
        "base_image:\n  image: 123456789012.dkr.ecr.us-west-2.amazonaws.com/a:1\n"
        "  docker_auth:\n    auth_method: AWS_OIDC\n"
        "    registry: 123456789012.dkr.ecr.us-west-2.amazonaws.com\n"
        f"    aws_oidc_role_arn: {ROLE}\n    aws_oidc_region: us-west-2\n"
    )
    after = edit(tmp_path, before, image=f"{ECR}/a:1")
    assert "    aws_oidc_region: us-east-1\n" in after
    assert f"    aws_oidc_role_arn: {ROLE}\n" in after
