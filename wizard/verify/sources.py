"""Credentials that come from a cloud account rather than from the user's hands:
ECR authorization tokens (boto3), GCP access tokens (google-auth), and the scopes
of a GitHub PAT (GitHub's REST API). Heavy imports happen here, lazily."""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wizard.model.image import RegistryInfo
from wizard.model.record import record
from wizard.model.redact import printable, sh_path
from wizard.model.secret import Secret
from wizard.verify.registry import Credential
from wizard.verify.verdict import Verdict

GITHUB_API_ENV = "REGISTRY_WIZARD_GITHUB_API"
GITHUB_API = "https://api.github.com"
PULL_SCOPES = {"read:packages", "write:packages", "delete:packages"}


class SourceError(Exception):
    """A credential could not be obtained; carries the verdict to report."""

    def __init__(self, verdict: Verdict, detail: str, hint: str = "") -> None:
        super().__init__(detail)
        self.verdict, self.detail, self.hint = verdict, detail, hint


@record(frozen=True)
class EcrToken:
    """An ECR authorization token as a registry login."""

    credential: Credential
    expires_at: datetime | None
    principal: str = ""


_AWS_CODES: dict[str, tuple[Verdict, str]] = {
    "AccessDeniedException": (
        Verdict.NO_ACCESS,
        'allow ecr:GetAuthorizationToken (Resource "*") for your identity',
    ),
    "UnrecognizedClientException": (
        Verdict.BAD_CREDENTIALS,
        "your AWS access key is not valid: aws configure",
    ),
    "InvalidClientTokenId": (
        Verdict.BAD_CREDENTIALS,
        "your AWS access key is not valid: aws configure",
    ),
    "InvalidSignatureException": (
        Verdict.BAD_CREDENTIALS,
        "your AWS secret access key is wrong: aws configure",
    ),
    "ExpiredTokenException": (Verdict.EXPIRED, "your AWS session expired: aws sso login"),
    "ExpiredToken": (Verdict.EXPIRED, "your AWS session expired: aws sso login"),
}


def ecr_token(info: RegistryInfo, *, profile: str | None = None, timeout: float = 10.0) -> EcrToken:
    """`GetAuthorizationToken` in the image's region, via the standard credential chain
    (profiles, SSO, env, `AWS_ENDPOINT_URL`)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        ProfileNotFound,
    )

    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    try:
        session = boto3.Session(profile_name=profile, region_name=info.region)
        client = session.client("ecr", region_name=info.region, config=config)
        kwargs: dict[str, Any] = {"registryIds": [info.account]} if info.account else {}
        data = client.get_authorization_token(**kwargs)["authorizationData"][0]
    except ProfileNotFound as e:
        raise SourceError(
            Verdict.ERROR,
            f"AWS profile {e.kwargs.get('profile')!r} not found",
            "create it with aws configure --profile NAME, or pass --aws-profile "
            "with an existing one",
        ) from None
    except NoCredentialsError:
        raise SourceError(
            Verdict.ERROR,
            "no AWS credentials found",
            "configure them: aws configure, aws sso login, or AWS_PROFILE",
        ) from None
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        verdict, hint = _AWS_CODES.get(code, (Verdict.ERROR, ""))
        message = e.response.get("Error", {}).get("Message", "")
        raise SourceError(
            verdict, f"ecr:GetAuthorizationToken failed: {code} {message}".strip(), hint
        ) from None
    except BotoCoreError as e:
        raise SourceError(Verdict.UNREACHABLE, f"cannot reach AWS: {e}") from None
    raw = base64.b64decode(data["authorizationToken"]).decode()
    user, _, password = raw.partition(":")
    expires = data.get("expiresAt")
    if isinstance(expires, datetime) and expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    return EcrToken(
        Credential(user, Secret(password), "AWS credential chain (GetAuthorizationToken)"),
        expires if isinstance(expires, datetime) else None,
    )


KEY_FILE_LIMIT = 64 * 1024  # a key is about 2 KB


def key_path(path: Path) -> Path:
    """Where a key file given as `path` is: `~` is the user's home wherever the path comes
    from (a flag, a typed answer, the wizard's form), so every reader reads one file."""
    try:
        return path.expanduser()
    except RuntimeError:  # ~name of no user here
        raise SourceError(
            Verdict.ERROR,
            f"cannot read the key file: {printable(str(path))}: no such user's home",
            "give the key's full path, or ~/ for your own home",
        ) from None


def load_service_account_key(path: Path) -> dict[str, Any]:
    """Read a GCP key file (at `key_path(path)`); a base64-encoded key is recognised and
    explained."""
    from wizard.config.document import ConfigError
    from wizard.config.files import read_regular

    path = key_path(path)
    try:
        raw = read_regular(path, limit=KEY_FILE_LIMIT)
    except ConfigError as e:
        raise SourceError(
            Verdict.ERROR,
            f"cannot read the key file: {e}",
            "give the path of the JSON key you downloaded (GCP console → IAM → Service "
            "accounts → Keys, or gcloud iam service-accounts keys create key.json "
            "--iam-account <service account email>)",
        ) from None
    try:
        data = json.loads(raw)
    except ValueError:
        try:
            data = json.loads(base64.b64decode(raw, validate=False))
        except ValueError:
            raise SourceError(
                Verdict.ERROR,
                f"{path} is not a service-account JSON key",
                "download a key: gcloud iam service-accounts keys create "
                "key.json --iam-account <service account email>",
            ) from None
        raise SourceError(
            Verdict.ERROR,
            f"{path} holds a base64-encoded JSON key; the raw JSON is expected",
            f"decode it first: base64 -d {sh_path(str(path))} > key.json",
        ) from None
    if not isinstance(data, dict) or data.get("type") != "service_account":
        raise SourceError(
            Verdict.ERROR,
            f'{path} is not a service-account key ("type": "service_account" missing)',
        )
    # What signing in with a key needs (google-auth refuses a key without them): a cut
    # paste or a hand-made file is said as such, not as a wrong token_uri later.
    missing = [k for k in _KEY_FIELDS if not isinstance(data.get(k), str) or not data[k]]
    if missing:
        raise SourceError(
            Verdict.ERROR,
            f"{path} is an incomplete service-account key: no {', '.join(missing)}",
            "download the key again: gcloud iam service-accounts keys create key.json "
            "--iam-account <service account email>",
        )
    return data


_KEY_FIELDS = ("client_email", "private_key", "token_uri")


_JWT_LIKE = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")


def _server_words(text: str) -> str:
    """What a token endpoint said, fit to print: no signed assertion or token echoed back,
    no HTML page, one line of at most 200 characters."""
    from wizard.model.redact import marker

    text = _JWT_LIKE.sub(lambda m: marker(m.group()), text)
    if "<html" in text.lower() or "<!doctype" in text.lower():
        return "an HTML page, not Google's token endpoint"
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"


def gcp_access_token(key: dict[str, Any], *, timeout: float = 10.0) -> Credential:
    """Exchange the key's signed assertion at its own `token_uri` (google-auth)."""
    import google.auth.exceptions
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

    try:
        creds = service_account.Credentials.from_service_account_info(
            key, scopes=["https://www.googleapis.com/auth/cloud-platform"]
        )
    except (ValueError, KeyError) as e:
        raise SourceError(Verdict.ERROR, f"the service-account key is incomplete: {e}") from None
    import requests

    session = requests.Session()
    session.trust_env = False

    class _Bounded(Request):  # type: ignore[misc]
        """google-auth asks with its own 120 s default: the check's deadline wins."""

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            kwargs["timeout"] = timeout
            return super().__call__(*args, **kwargs)

    try:
        creds.refresh(_Bounded(session=session))
    except google.auth.exceptions.RefreshError as e:
        detail = _server_words(str(e.args[0]) if e.args else "refused")
        raise SourceError(
            Verdict.BAD_CREDENTIALS,
            f"Google refused the key: {detail}",
            "the key may be deleted or disabled; create a new one",
        ) from None
    except google.auth.exceptions.TransportError as e:
        if "timed out" in str(e).lower() or "timeout" in type(e.__cause__).__name__.lower():
            raise SourceError(
                Verdict.TIMEOUT,
                f"{key.get('token_uri')} did not answer within {timeout:g} s",
                "the key's token_uri is slow or unreachable; retry or raise --timeout",
            ) from None
        raise SourceError(
            Verdict.UNREACHABLE,
            f"cannot reach {key.get('token_uri')} to exchange the key for a token",
            "check the network, and that the key's token_uri is Google's",
        ) from None
    return Credential(
        "oauth2accesstoken",
        Secret(str(creds.token)),
        f"service-account key {key.get('client_email', '')}",
    )


async def github_scopes(token: Secret, *, timeout: float = 10.0) -> list[str]:
    """The scopes of a classic PAT, from `X-OAuth-Scopes` on `GET /user`."""
    from wizard.verify.wire import Client, HTTPError

    api = os.environ.get(GITHUB_API_ENV, GITHUB_API).rstrip("/")
    async with Client(timeout=timeout) as client:
        try:
            response = await client.request(
                "GET",
                f"{api}/user",
                {
                    "Authorization": f"token {token.reveal()}",
                    "Accept": "application/vnd.github+json",
                },
            )
        except (HTTPError, OSError) as e:
            raise SourceError(
                Verdict.UNREACHABLE,
                f"cannot reach the GitHub API to read the token's scopes ({e})",
                "check your network (the scopes decide whether the token can pull from GHCR)",
            ) from None
    if response.status_code == 401:
        raise SourceError(
            Verdict.BAD_CREDENTIALS,
            "GitHub does not accept this token (revoked, expired or mistyped)",
            "create a classic PAT with read:packages: GitHub → Settings → "
            "Developer settings → Tokens (classic)",
        )
    if response.status_code != 200:
        raise SourceError(Verdict.ERROR, f"GitHub answered {response.status_code} to /user")
    header = response.headers.get("x-oauth-scopes", "")
    return [s.strip() for s in header.split(",") if s.strip()]
