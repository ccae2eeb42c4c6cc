"""`registry-wizard check` end to end: real registry, moto for ECR, google-auth against a
loopback token_uri, a GitHub /user stand-in. Secrets only ever travel through stdin."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.loopback import Response, Stall
from tests.e2e.registry_server import RegistryServer, push_image

PAT = "ghp_" + "A1b2C3d4E5" * 3 + "x1y2z3"  # a classic-PAT-shaped canary
GHCR_IMAGE = "ghcr.io/acme/llm:1.2"
ECR_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
GAR_IMAGE = "us-docker.pkg.dev/my-project/repo/app:1.0"


def run_check(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    # The machine's own AWS settings must not leak into a test.
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    full_env = {**base, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "wizard", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def endpoints(mapping: dict[str, RegistryServer]) -> dict[str, str]:
    return {"REGISTRY_WIZARD_ENDPOINTS": json.dumps({k: v.url for k, v in mapping.items()})}


@pytest.fixture
def github(loopback_factory):  # type: ignore[no-untyped-def]
    """GitHub's GET /user: 401 for unknown tokens, X-OAuth-Scopes for known ones."""
    scopes = {PAT: "read:packages, repo", "ghp_" + "n" * 36: "repo, gist"}

    def handler(method: str, path: str, headers, body: bytes) -> Response:  # type: ignore[no-untyped-def]
        token = (headers.get("Authorization") or "").removeprefix("token ")
        if path != "/user" or token not in scopes:
            return Response(
                401, {"Content-Type": "application/json"}, b'{"message":"Bad credentials"}'
            )
        return Response(
            200,
            {"X-OAuth-Scopes": scopes[token], "Content-Type": "application/json"},
            b'{"login":"octocat"}',
        )

    return loopback_factory(handler, record=False)


@pytest.fixture
def ghcr(registry_factory) -> RegistryServer:  # type: ignore[no-untyped-def]
    reg = registry_factory("htpasswd", users={"octocat": PAT, "nopkg": "ghp_" + "n" * 36})
    push_image(reg, "acme/llm", "1.2", "oci")
    return reg


def ghcr_env(ghcr: RegistryServer, github) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**endpoints({"ghcr.io": ghcr}), "REGISTRY_WIZARD_GITHUB_API": github.url}


def test_ghcr_pat_can_pull_with_scopes_in_the_answer(ghcr, github) -> None:  # type: ignore[no-untyped-def]
    r = run_check(
        "--image",
        GHCR_IMAGE,
        "--username",
        "octocat",
        "--password-stdin",
        stdin=PAT + "\n",
        env=ghcr_env(ghcr, github),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(f"✓ {GHCR_IMAGE} can be pulled (sha256:")
    assert "token scopes: read:packages, repo" in r.stdout
    assert PAT not in r.stdout + r.stderr


def test_ghcr_pat_without_read_packages_is_no_access(ghcr, github) -> None:  # type: ignore[no-untyped-def]
    r = run_check(
        "--image",
        GHCR_IMAGE,
        "--username",
        "nopkg",
        "--password-stdin",
        stdin="ghp_" + "n" * 36,
        env=ghcr_env(ghcr, github),
    )
    assert r.returncode == 4
    assert "not allowed to pull" in r.stdout and "read:packages" in r.stdout
    assert "no_access" not in r.stdout  # the verdict reads as a sentence, not a code


def test_fine_grained_pat_is_refused_before_any_request(ghcr, github) -> None:  # type: ignore[no-untyped-def]
    fine = "github_pat_" + "Z" * 70
    r = run_check(
        "--image",
        GHCR_IMAGE,
        "--username",
        "octocat",
        "--password-stdin",
        stdin=fine,
        env=ghcr_env(ghcr, github),
    )
    assert r.returncode == 4
    assert "fine-grained" in r.stdout.lower()
    assert fine[12:] not in r.stdout + r.stderr
    assert not github.requests


def test_secret_stdin_json_output(ghcr, github) -> None:  # type: ignore[no-untyped-def]
    value = base64.b64encode(f"octocat:{PAT}".encode()).decode()
    r = run_check(
        "--image",
        GHCR_IMAGE,
        "--secret-stdin",
        "--format",
        "json",
        stdin=value,
        env=ghcr_env(ghcr, github),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads(r.stdout)
    assert data["verdict"] == "ok" and data["image"] == GHCR_IMAGE
    assert data["registry"] == "ghcr.io" and data["digest"].startswith("sha256:")
    assert [s["name"] for s in data["steps"]][-1] == "manifest"
    assert {"detail", "hint"} <= data.keys()
    assert PAT not in r.stdout and value not in r.stdout


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        (f"octocat:{PAT}", 4, "base64"),  # not encoded at all
        (base64.b64encode(PAT.encode()).decode(), 4, ":"),  # no user part
    ],
)
def test_a_malformed_secret_value_says_how_to_build_it(
    ghcr, github, value: str, code: int, words: str
) -> None:  # type: ignore[no-untyped-def]
    r = run_check("--image", GHCR_IMAGE, "--secret-stdin", stdin=value, env=ghcr_env(ghcr, github))
    assert r.returncode == code, r.stdout + r.stderr
    assert words in r.stdout
    assert "base64 -w0" in r.stdout
    assert PAT not in r.stdout + r.stderr


def test_docker_config_credentials_are_reused(ghcr, github, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    auth = base64.b64encode(f"octocat:{PAT}".encode()).decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {"ghcr.io": {"auth": auth}}}))
    r = run_check(
        "--image",
        GHCR_IMAGE,
        "--docker-config",
        str(tmp_path / "config.json"),
        env=ghcr_env(ghcr, github),
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_image_and_method_come_from_the_config(ghcr, github, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config.yaml").write_text(
        f"base_image:\n  image: {GHCR_IMAGE}\nsecrets:\n  DOCKER_REGISTRY_ghcr.io: null\n"
    )
    value = base64.b64encode(f"octocat:{PAT}".encode()).decode()
    r = subprocess.run(
        [sys.executable, "-m", "wizard", "check", "--secret-stdin"],
        input=value,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1", **ghcr_env(ghcr, github)},
        timeout=60,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_password_is_never_taken_from_argv() -> None:
    r = run_check("--image", GHCR_IMAGE, "--username", "octocat")
    assert r.returncode == 2
    assert "--password-stdin" in r.stderr


def test_timeout_is_honoured(loopback_factory) -> None:  # type: ignore[no-untyped-def]
    srv = loopback_factory(lambda *a: Stall(30))
    r = run_check("--image", f"{srv.host}/team/app:1", "--timeout", "1", timeout=15)
    assert r.returncode == 1
    assert "timeout" in r.stdout


# -- ECR through moto's server mode ------------------------------------------------------


@pytest.fixture
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def aws_env(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def test_ecr_token_from_the_aws_chain_pulls(registry_factory, moto_server: str) -> None:  # type: ignore[no-untyped-def]
    import boto3

    env = aws_env(moto_server)
    client = boto3.client(
        "ecr",
        region_name="us-east-1",
        endpoint_url=moto_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    raw = client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    user, _, password = base64.b64decode(raw).decode().partition(":")
    reg = registry_factory("htpasswd", users={user: password})
    push_image(reg, "team/app", "1.0", "docker")
    r = run_check("--image", f"{ECR_HOST}/team/app:1.0", env={**env, **endpoints({ECR_HOST: reg})})
    assert r.returncode == 0, r.stdout + r.stderr
    missing = run_check(
        "--image", f"{ECR_HOST}/team/app:2.0", env={**env, **endpoints({ECR_HOST: reg})}
    )
    assert missing.returncode == 1 and "The image was not found" in missing.stdout


def test_ecr_without_aws_credentials_says_how_to_configure(tmp_path: Path) -> None:
    env = {
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    r = run_check("--image", f"{ECR_HOST}/team/app:1.0", env=env)
    assert r.returncode == 1
    assert "aws configure" in r.stdout


# -- GAR through google-auth and a loopback token_uri ------------------------------------


def _service_account_key(token_uri: str) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "my-project",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "puller@my-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }


def test_gar_service_account_key_is_exchanged_and_pulls(
    registry_factory, loopback_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    seen: list[dict[str, object]] = []

    def token_uri(method: str, path: str, headers, body: bytes) -> Response:  # type: ignore[no-untyped-def]
        from urllib.parse import parse_qs

        form = parse_qs(body.decode())
        payload = form["assertion"][0].split(".")[1]
        seen.append(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
        return Response(
            200,
            {"Content-Type": "application/json"},
            b'{"access_token":"ya29.loopback-token","expires_in":3600,"token_type":"Bearer"}',
        )

    idp = loopback_factory(token_uri)
    key = tmp_path / "key.json"
    key.write_text(json.dumps(_service_account_key(f"{idp.url}/token")))
    reg = registry_factory("htpasswd", users={"oauth2accesstoken": "ya29.loopback-token"})
    push_image(reg, "my-project/repo/app", "1.0", "index")
    env = endpoints({"us-docker.pkg.dev": reg})
    # The key's signed assertion goes only to Google's token endpoint, or a trusted host.
    refused = run_check("--image", GAR_IMAGE, "--key-file", str(key), env=env)
    assert refused.returncode == 1 and "--allow-realm" in refused.stdout and not seen
    r = run_check("--image", GAR_IMAGE, "--key-file", str(key), "--allow-realm", idp.host, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert seen and seen[0]["iss"] == "puller@my-project.iam.gserviceaccount.com"


def test_a_base64_key_file_is_explained(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_bytes(base64.b64encode(json.dumps(_service_account_key("http://x/t")).encode()))
    r = run_check("--image", GAR_IMAGE, "--key-file", str(key))
    assert r.returncode == 1
    assert "base64 -d" in r.stdout


def _ecr_like_password(expiration: int) -> str:
    inner = {
        "payload": "opaque",
        "datakey": "opaque",
        "version": "2",
        "type": "DATA_KEY",
        "expiration": expiration,
    }
    return base64.b64encode(json.dumps(inner).encode()).decode()


def test_an_expired_ecr_token_is_caught_before_any_request() -> None:
    value = base64.b64encode(f"AWS:{_ecr_like_password(1_600_000_000)}".encode()).decode()
    r = run_check(
        "--image",
        f"{ECR_HOST}/team/app:1.0",
        "--secret-stdin",
        "--format",
        "json",
        stdin=value,
        env={"REGISTRY_WIZARD_ENDPOINTS": json.dumps({ECR_HOST: "http://127.0.0.1:9"})},
    )
    assert r.returncode == 4, r.stdout + r.stderr
    data = json.loads(r.stdout)
    assert data["verdict"] == "expired"
    assert "get-login-password" in data["hint"] + data["detail"]
    assert [s["name"] for s in data["steps"]] == ["credential"]


def test_a_rate_limited_token_service(token_registry) -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import urlsplit

    push_image(token_registry, "team/app", "1.0", "oci")
    token_registry.token_server.force_response(429, headers={"Retry-After": "7"})
    realm = urlsplit(token_registry.token_server.url).netloc
    r = run_check(
        "--image",
        token_registry.ref("team/app", "1.0"),
        "--allow-realm",
        realm,
        "--username",
        "alice",
        "--password-stdin",
        stdin="alice-password",
    )
    assert r.returncode == 1
    assert "rate limiting" in r.stdout and "retry after 7" in r.stdout
    assert "✗ token" in r.stdout  # the stage it failed at, in the same stage list


def test_a_typed_credential_is_fixed_with_the_wizards_own_encode_command() -> None:
    """check, the TUI and the plain wizard read one analysis: its fix for a typed
    credential names `registry-wizard secret encode` for the image, never a one-liner."""
    r = run_check(
        "--image", GHCR_IMAGE, "--username", "octocat", "--password-stdin", stdin="<token>"
    )
    assert r.returncode == 4, r.stdout + r.stderr  # settled offline: no request made
    assert f"registry-wizard secret encode --image {GHCR_IMAGE} --username octocat" in r.stdout
    assert "base64 -w0" not in r.stdout


@pytest.mark.parametrize("auth", ["htpasswd", "token"])
def test_no_credential_says_how_to_give_one(registry_factory, auth: str) -> None:  # type: ignore[no-untyped-def]
    """A check of a private image with no credential at all: the fix says how to pass the
    one Baseten will use (it said "check the username and token", where none was typed)."""
    from urllib.parse import urlsplit

    grants = {"grants": {"alice": {"*": ["pull"]}}} if auth == "token" else {}
    reg = registry_factory(auth, users={"alice": "alice-password"}, **grants)
    push_image(reg, "team/app", "1.0", "oci")
    realm = ["--allow-realm", urlsplit(reg.token_server.url).netloc] if reg.token_server else []
    r = run_check("--image", reg.ref("team/app", "1.0"), *realm)
    assert r.returncode != 0
    assert "no credential was given" in r.stdout, r.stdout
    assert "fix: give the check the credential Baseten will use: --username USER" in r.stdout


def test_a_service_account_config_checked_without_its_key_says_how_to_give_it(
    registry_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The key lives in a Baseten secret: `check --config` checked anonymously and said only
    "credential none given" (a newcomer's pass). It now says which flag gives the key."""
    reg = registry_factory("htpasswd", users={"_json_key": "x"})
    push_image(reg, "my-project/repo/app", "1.0", "index")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"model_name: m\nbase_image:\n  image: {GAR_IMAGE}\n  docker_auth:\n"
        "    auth_method: GCP_SERVICE_ACCOUNT_JSON\n    registry: us-docker.pkg.dev\n"
        "    secret_name: gcp-key\nsecrets:\n  gcp-key: null\n"
    )
    env = endpoints({"us-docker.pkg.dev": reg})
    r = run_check("--config", str(config), env=env)
    assert r.returncode != 0, r.stdout
    assert "service-account key stored in Baseten" in r.stdout, r.stdout
    assert "--key-file KEY.json" in r.stdout, r.stdout
    # given a key, the note is not said
    key = tmp_path / "key.json"
    key.write_text(json.dumps(_service_account_key("http://127.0.0.1:9/token")))
    given = run_check("--config", str(config), "--key-file", str(key), env=env)
    assert "stored in Baseten" not in given.stdout, given.stdout
