"""A moto server on 127.0.0.1 standing in for IAM, STS and ECR.

One server per test module (starting it costs about a second); every test gets a
freshly reset account and an environment in which boto3 can only reach that server:
fake keys, no config or credentials files, no instance metadata, and every endpoint
override but ours removed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
ORG = "org1abcd"
TEAM = "team5678"
REPOSITORY = "acme/app"
TAG = "1.0"
ROLE_NAME = "baseten-pull"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.baseten.co"
REPO_ARN = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{REPOSITORY}"
BASETEN_ROLE_ARN = "arn:aws:iam::999999999999:role/baseten-image-puller"
EXTERNAL_ID = "ext-0f1e2d3c"


@dataclass(frozen=True)
class MotoServer:
    endpoint: str

    def post(self, path: str, body: bytes = b"") -> Any:
        request = urllib.request.Request(
            self.endpoint + path,
            data=body,
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def reset(self) -> None:
        self.post("/moto-api/reset")

    def enforce_auth(self, on: bool) -> None:
        """moto checks IAM policies of the calling user only when told to."""
        self.post("/moto-api/reset-auth", b"0" if on else b"inf")


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoServer]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == "127.0.0.1"
    try:
        yield MotoServer(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """A clean moto account, and boto3 pointed only at it."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    moto_server.enforce_auth(False)
    moto_server.reset()
    try:
        yield moto_server
    finally:
        moto_server.enforce_auth(False)


def client(service: str) -> Any:
    import boto3

    return boto3.client(service, region_name=REGION)


def oidc_trust(
    sub: str | list[str] = f"v=1:org={ORG}:team={TEAM}:*",
    *,
    sub_operator: str = "StringLike",
    aud: bool = True,
) -> dict[str, Any]:
    condition: dict[str, Any] = {sub_operator: {"oidc.baseten.co:sub": sub}}
    if aud:
        condition.setdefault("StringEquals", {})["oidc.baseten.co:aud"] = "oidc.baseten.co"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }
        ],
    }


def assume_trust(
    principal: str = BASETEN_ROLE_ARN, external_id: str | None = EXTERNAL_ID
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


ECR_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": [
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchCheckLayerAvailability",
            ],
            "Resource": REPO_ARN,
        },
    ],
}


def make_provider(audiences: tuple[str, ...] = ("oidc.baseten.co",)) -> None:
    client("iam").create_open_id_connect_provider(
        Url="https://oidc.baseten.co", ClientIDList=list(audiences), ThumbprintList=["0" * 40]
    )


def make_role(
    trust: dict[str, Any], policy: dict[str, Any] | None = ECR_POLICY, name: str = ROLE_NAME
) -> None:
    iam = client("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    if policy is not None:
        iam.put_role_policy(RoleName=name, PolicyName="ecr-pull", PolicyDocument=json.dumps(policy))


def attach_managed(document: dict[str, Any], name: str = "managed", role: str = ROLE_NAME) -> str:
    iam = client("iam")
    arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    return str(arn)


def push_image(repository: str = REPOSITORY, tag: str = TAG) -> str:
    ecr = client("ecr")
    with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
        ecr.create_repository(repositoryName=repository)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 2,
            "digest": "sha256:" + "c" * 64,
        },
        "layers": [],
    }
    image = ecr.put_image(
        repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag
    )["image"]
    return str(image["imageId"]["imageDigest"])


def good_oidc_setup() -> str:
    make_provider()
    make_role(oidc_trust())
    return push_image()
