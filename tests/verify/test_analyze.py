"""Offline credential analysis: every way a registry secret goes wrong before any network call,
what the wizard says about it, and that it never says the secret itself."""

from __future__ import annotations

import base64
import json
import pickle
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from wizard.model.image import RegistryKind
from wizard.model.secret import Secret
from wizard.verify.analyze import (
    DecodedSecret,
    Finding,
    SecretFormatError,
    Severity,
    analyze_credentials,
    analyze_service_account_json,
    decode_registry_secret,
    ecr_token_expiry,
    encode_registry_secret,
    has_errors,
    json_key_value_command,
    registry_secret_name_for,
    secret_value_command,
)

E, W = Severity.ERROR, Severity.WARNING
ECR, GAR, HUB, GHCR, NGC, OTHER = (
    RegistryKind.ECR,
    RegistryKind.GAR,
    RegistryKind.DOCKERHUB,
    RegistryKind.GHCR,
    RegistryKind.NGC,
    RegistryKind.OTHER,
)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
ECR_HOST = "123456789012.dkr.ecr.us-west-2.amazonaws.com"
HOSTS = {
    ECR: ECR_HOST,
    GAR: "us-central1-docker.pkg.dev",
    HUB: "https://index.docker.io/v1/",
    GHCR: "ghcr.io",
    NGC: "nvcr.io",
    OTHER: "quay.io",
}

# Every secret below carries this; no message, fix, exception or repr may show any of it.
CANARY = "Zq7Xv9Kp3Lm2Nw8Rt5Yb4Hc6Jd"
GHP = "ghp_" + (CANARY + "0123456789")[:36]
FINE_GRAINED = "github_pat_11AAAAAAA0" + CANARY + "x" * 33
GHS = "ghs_" + (CANARY + "abcdefghij")[:36]
GHO = "gho_" + (CANARY + "abcdefghij")[:36]
LEGACY_GITHUB = "3f2a9c" + "0123456789abcdef" * 2 + "ca"
DCKR = "dckr_pat_" + CANARY + "Qw"
DOCKER_UUID = "8c1f0d2e-3b4a-4c5d-9e6f-" + "7a8b9c0d1e2f"
NVAPI = "nvapi-" + CANARY + "-" + CANARY[::-1] + "Pq"
NGC_LEGACY = base64.b64encode(CANARY.encode() * 3).decode().rstrip("=")
YA29 = "ya29.a0AfB_byC" + CANARY + "-" + CANARY[::-1]
PASSWORD = "hunter2-" + CANARY


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def gnu_base64(text: str) -> str:
    """What GNU `base64` (no `-w0`) prints: 76-column lines, a final newline."""
    return "\n".join(textwrap.wrap(b64(text), 76)) + "\n"


def ecr_token(expiration: object, key: str = "expiration") -> str:
    """An `aws ecr get-login-password` look-alike: base64 of the DATA_KEY JSON envelope."""
    envelope = {
        "payload": base64.b64encode((CANARY * 40).encode()).decode(),
        "datakey": base64.b64encode((CANARY[::-1] * 10).encode()).decode(),
        "version": "2",
        "type": "DATA_KEY",
        key: expiration,
    }
    return b64(json.dumps(envelope, separators=(",", ":")))


def at(delta: timedelta) -> int:
    return int((NOW + delta).timestamp())


ECR_FRESH = ecr_token(at(timedelta(hours=11)))
ECR_EXPIRED = ecr_token(at(-timedelta(hours=3)))
ECR_SOON = ecr_token(at(timedelta(minutes=20)))

SA_KEY = json.dumps(
    {
        "type": "service_account",
        "project_id": "my-project",
        "private_key_id": "0123456789abcdef",
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{CANARY * 6}\n-----END PRIVATE KEY-----\n",
        "client_email": "puller@my-project.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    },
    indent=2,
)
SA_KEY_B64 = b64(SA_KEY)
USER_CREDS = json.dumps(
    {"type": "authorized_user", "client_id": "x", "refresh_token": "1//" + CANARY},
    indent=2,
)

CMD_ECR = "printf 'AWS:%s' \"$(aws ecr get-login-password --region us-west-2)\" | base64 -w0"
CMD_GAR = "printf 'oauth2accesstoken:%s' \"$(gcloud auth print-access-token)\" | base64 -w0"
CMD_NGC = "printf '%s' '$oauthtoken:<API key>' | base64 -w0"
CMD_DEFAULT = "printf '%s' '<user>:<token>' | base64 -w0"
CMD_JSON_KEY = "printf '_json_key:%s' \"$(cat key.json)\" | base64 -w0"
CMD_JSON_KEY_B64 = "printf '_json_key_base64:%s' \"$(base64 -w0 key.json)\" | base64 -w0"


@dataclass(frozen=True)
class Case:
    id: str
    kind: RegistryKind
    value: str  # the DOCKER_REGISTRY_<host> value, as stored
    expected: frozenset[tuple[str, Severity]]
    fix: str = ""  # every finding of an expected code has this in its fix
    fix_code: str = ""

    @property
    def host(self) -> str:
        return HOSTS[self.kind]


def case(
    id: str,
    kind: RegistryKind,
    value: str,
    *expected: tuple[str, Severity],
    fix: str = "",
    fix_code: str = "",
) -> Case:
    return Case(
        id, kind, value, frozenset(expected), fix, fix_code or (expected[0][0] if expected else "")
    )


# Values that decode: the findings (code, severity) must be exactly these.
DECODES = [
    # --- clean values, one per registry and token flavour
    case("ecr-fresh", ECR, b64("AWS:" + ECR_FRESH)),
    case("gar-access-token", GAR, b64("oauth2accesstoken:" + YA29)),
    case("gar-json-key", GAR, b64("_json_key:" + SA_KEY)),
    case("gar-json-key-base64", GAR, b64("_json_key_base64:" + SA_KEY_B64)),
    case("hub-pat", HUB, b64("octocat:" + DCKR)),
    case("hub-legacy-uuid-token", HUB, b64("octocat:" + DOCKER_UUID)),
    case("ghcr-classic", GHCR, b64("octocat:" + GHP)),
    case("ghcr-oauth-token", GHCR, b64("octocat:" + GHO)),
    case("ghcr-legacy-hex-token", GHCR, b64("octocat:" + LEGACY_GITHUB)),
    case("ngc-nvapi-key-is-fine", NGC, b64("$oauthtoken:" + NVAPI)),
    case("ngc-legacy-key", NGC, b64("$oauthtoken:" + NGC_LEGACY)),
    case("other", OTHER, b64("robot$acme:" + PASSWORD)),
    case("base64-final-newline-is-harmless", GHCR, b64("octocat:" + GHP) + "\n"),
    # --- `echo` without `-n`: the decoded text ends with a newline
    case(
        "echo-newline-ghcr",
        GHCR,
        b64("octocat:" + GHP + "\n"),
        ("trailing_newline", E),
        fix=CMD_DEFAULT,
    ),
    case("echo-newline-hub", HUB, b64("octocat:" + DCKR + "\n"), ("trailing_newline", E)),
    case("echo-newline-ngc", NGC, b64("$oauthtoken:" + NVAPI + "\n"), ("trailing_newline", E)),
    case(
        "echo-newline-gar-token",
        GAR,
        b64("oauth2accesstoken:" + YA29 + "\n"),
        ("trailing_newline", E),
        fix=CMD_GAR,
    ),
    case(
        "echo-newline-ecr-tolerated",
        ECR,
        b64("AWS:" + ECR_FRESH + "\n"),
        ("trailing_newline", W),
        fix=CMD_ECR,
    ),
    case(
        "echo-newline-gar-json-key-tolerated",
        GAR,
        b64("_json_key:" + SA_KEY + "\n"),
        ("trailing_newline", W),
    ),
    case("echo-newline-other", OTHER, b64("robot:" + PASSWORD + "\n"), ("trailing_newline", W)),
    case("crlf", GHCR, b64("octocat:" + GHP + "\r\n"), ("trailing_newline", E)),
    # --- whitespace around the password or username
    case("password-space-ghcr", GHCR, b64("octocat: " + GHP), ("password_whitespace", E)),
    case("password-space-ecr", ECR, b64("AWS:" + ECR_FRESH + " "), ("password_whitespace", W)),
    case("username-space-ecr", ECR, b64("AWS :" + ECR_FRESH), ("username_whitespace", E)),
    case("username-space-hub", HUB, b64(" octocat:" + DCKR), ("username_whitespace", W)),
    # --- GNU base64 without -w0, and spaces around the value
    case(
        "wrapped-base64-ecr",
        ECR,
        gnu_base64("AWS:" + ECR_FRESH),
        ("wrapped_base64", W),
        fix=CMD_ECR,
    ),
    case(
        "wrapped-and-echo-newline",
        GHCR,
        gnu_base64("a-rather-long-github-username:" + GHP + "\n"),
        ("wrapped_base64", W),
        ("trailing_newline", E),
    ),
    case(
        "spaces-around-value",
        GHCR,
        "  " + b64("octocat:" + GHP) + " ",
        ("value_whitespace", W),
        fix=CMD_DEFAULT,
    ),
    # --- empty username: a shell expanded `$oauthtoken`
    case("ngc-oauthtoken-expanded", NGC, b64(":" + NVAPI), ("empty_username", E), fix=CMD_NGC),
    case("ghcr-empty-user", GHCR, b64(":" + GHP), ("empty_username", E), fix=CMD_DEFAULT),
    case(
        "ecr-empty-user-and-expired",
        ECR,
        b64(":" + ECR_EXPIRED),
        ("empty_username", E),
        ("expired", E),
        fix=CMD_ECR,
    ),
    case("empty-password", GHCR, b64("octocat:"), ("empty_password", E)),
    # --- wrong username convention for the registry
    case("ecr-lowercase-aws", ECR, b64("aws:" + ECR_FRESH), ("wrong_username", E), fix=CMD_ECR),
    case("ecr-email", ECR, b64("me@acme.com:" + ECR_FRESH), ("wrong_username", E)),
    case("ngc-dollar-lost", NGC, b64("oauthtoken:" + NVAPI), ("wrong_username", E), fix=CMD_NGC),
    case("ngc-escaped-dollar", NGC, b64("\\$oauthtoken:" + NVAPI), ("wrong_username", E)),
    case("ngc-email", NGC, b64("me@acme.com:" + NVAPI), ("wrong_username", E)),
    case("gar-user-name", GAR, b64("puller:" + YA29), ("wrong_username", E), fix=CMD_GAR),
    case(
        "gar-user-name-with-key",
        GAR,
        b64("puller:" + SA_KEY),
        ("wrong_username", E),
        fix=CMD_JSON_KEY,
    ),
    case(
        "hub-email",
        HUB,
        b64("me@acme.com:" + DCKR),
        ("email_username", W),
        fix=CMD_DEFAULT,
    ),
    case(
        "token-in-username",
        GHCR,
        b64(GHP + ":octocat"),
        ("token_in_username", E),
        fix=CMD_DEFAULT,
    ),
    case("placeholder", GHCR, b64("<user>:<token>"), ("placeholder", E), ("placeholder", E)),
    # --- ECR token expiry
    case(
        "ecr-expired",
        ECR,
        b64("AWS:" + ECR_EXPIRED),
        ("expired", E),
        fix="aws ecr get-login-password --region us-west-2",
    ),
    case(
        "ecr-expired-wrong-user",
        ECR,
        b64("aws:" + ECR_EXPIRED),
        ("wrong_username", E),
        ("expired", E),
    ),
    case("ecr-expires-soon", ECR, b64("AWS:" + ECR_SOON), ("expires_soon", W), fix=CMD_ECR),
    case(
        "ecr-not-a-token",
        ECR,
        b64("AWS:" + PASSWORD),
        ("unexpected_token_format", W),
    ),
    case(
        "ecr-access-key-id",
        ECR,
        b64("AWS:AKIAIOSFODNN7EXAMPLE"),
        ("aws_access_key", E),
        fix="get-login-password",
    ),
    case(
        "ecr-authorization-token-not-password",
        ECR,
        b64("AWS:" + b64("AWS:" + ECR_FRESH)),
        ("ecr_authorization_token", E),
        fix=CMD_ECR,
    ),
    # --- GAR: access token vs JSON key usernames
    case(
        "gar-json-key-with-token-user",
        GAR,
        b64("oauth2accesstoken:" + SA_KEY),
        ("username_mismatch", E),
        fix=CMD_JSON_KEY,
    ),
    case(
        "gar-base64-key-with-token-user",
        GAR,
        b64("oauth2accesstoken:" + SA_KEY_B64),
        ("username_mismatch", E),
        fix=CMD_JSON_KEY_B64,
    ),
    case(
        "gar-token-with-json-key-user",
        GAR,
        b64("_json_key:" + YA29),
        ("username_mismatch", E),
        fix=CMD_GAR,
    ),
    case(
        "gar-token-with-json-key-base64-user",
        GAR,
        b64("_json_key_base64:" + YA29),
        ("username_mismatch", E),
        fix=CMD_GAR,
    ),
    case(
        "gar-base64-key-where-raw-json-expected",
        GAR,
        b64("_json_key:" + SA_KEY_B64),
        ("json_key_base64_encoded", E),
        fix=CMD_JSON_KEY,
    ),
    case(
        "gar-raw-key-with-base64-user",
        GAR,
        b64("_json_key_base64:" + SA_KEY),
        ("username_mismatch", E),
        fix=CMD_JSON_KEY,
    ),
    case(
        "gar-wrapped-base64-key",
        GAR,
        b64("_json_key_base64:" + gnu_base64(SA_KEY).strip()),
        ("wrapped_base64", W),
        fix=CMD_JSON_KEY_B64,
    ),
    case(
        "gar-user-credentials-not-a-key",
        GAR,
        b64("_json_key:" + USER_CREDS),
        ("not_service_account_key", E),
    ),
    case(
        "gar-json-key-user-not-json",
        GAR,
        b64("_json_key:" + PASSWORD),
        ("not_json_key", E),
        fix=CMD_JSON_KEY,
    ),
    case(
        "gar-token-not-ya29",
        GAR,
        b64("oauth2accesstoken:" + PASSWORD),
        ("unexpected_token_format", W),
    ),
    # --- GHCR token kinds
    case(
        "ghcr-fine-grained-pat",
        GHCR,
        b64("octocat:" + FINE_GRAINED),
        ("fine_grained_pat", E),
        fix="scopes=read:packages",
    ),
    case("ghcr-actions-token", GHCR, b64("octocat:" + GHS), ("short_lived_token", W)),
    case(
        "ghcr-account-password",
        GHCR,
        b64("octocat:" + PASSWORD),
        ("unexpected_token_format", W),
    ),
    # --- Docker Hub
    case(
        "hub-account-password",
        HUB,
        b64("octocat:" + PASSWORD),
        ("account_password", W),
        fix="personal-access-tokens",
    ),
]

# Values with no `user:token` in them: SecretFormatError, with exactly one finding.
UNDECODABLE = [
    case("empty", GHCR, "", ("empty_value", E), fix=CMD_DEFAULT),
    case("blank", GHCR, " \n", ("empty_value", E)),
    case("plain-user-token", GHCR, "octocat:" + GHP, ("not_base64", E), fix=CMD_DEFAULT),
    case("bare-classic-pat", GHCR, GHP, ("not_base64", E)),
    case("bare-nvapi-key", NGC, NVAPI, ("not_base64", E), fix=CMD_NGC),
    case("raw-json-key", GAR, SA_KEY, ("not_base64", E), fix=CMD_GAR),
    case(
        "url-safe-alphabet",
        GHCR,
        base64.urlsafe_b64encode(b"octocat:" + GHP.encode() + b"\xfb\xff").decode(),
        ("not_base64", E),
    ),
    case("padding-missing", GHCR, b64("octocat:" + GHP + "x").rstrip("="), ("not_base64", E)),
    case(
        "truncated-paste",
        ECR,
        b64("AWS:" + ECR_FRESH)[:-3],
        ("not_base64", E),
        fix=CMD_ECR,
    ),
    case(
        "bare-legacy-ngc-key-decodes-to-binary",
        NGC,
        base64.b64encode(bytes(range(0, 256, 7))).decode(),
        ("not_base64", E),
    ),
    case("no-colon", GHCR, b64(GHP), ("no_colon", E), fix=CMD_DEFAULT),
    case("no-colon-ngc", NGC, b64(NVAPI), ("no_colon", E), fix=CMD_NGC),
    case("double-base64", GHCR, b64(b64("octocat:" + GHP)), ("double_base64", E)),
    case(
        "base64-json-key-in-registry-secret",
        GAR,
        SA_KEY_B64,
        ("json_not_pair", E),
        fix=CMD_JSON_KEY,
    ),
    case("far-too-long", OTHER, "QUFB" * 20_000, ("not_base64", E)),
]


def _codes(findings: tuple[Finding, ...] | list[Finding]) -> set[tuple[str, Severity]]:
    return {(f.code, f.severity) for f in findings}


def _check_fix(c: Case, findings: tuple[Finding, ...] | list[Finding]) -> None:
    if c.fix:
        matching = [f for f in findings if f.code == c.fix_code]
        assert matching, c.fix_code
        for f in matching:
            assert c.fix in f.fix, (f.code, f.fix)


@pytest.mark.parametrize("c", DECODES, ids=lambda c: c.id)
def test_decode_findings(c: Case) -> None:
    decoded = decode_registry_secret(Secret(c.value), c.kind, c.host, now=NOW)
    assert _codes(decoded.findings) == c.expected
    assert decoded.ok is not has_errors(decoded.findings)
    _check_fix(c, decoded.findings)
    for f in decoded.findings:
        assert f.message and f.fix, f


@pytest.mark.parametrize("c", UNDECODABLE, ids=lambda c: c.id)
def test_undecodable_values_raise(c: Case) -> None:
    with pytest.raises(SecretFormatError) as info:
        decode_registry_secret(Secret(c.value), c.kind, c.host, now=NOW)
    err = info.value
    assert isinstance(err, ValueError)
    assert _codes(err.findings) == c.expected
    _check_fix(c, err.findings)
    # The message says what to run instead, and where the output goes.
    assert "Run instead:" in str(err)
    assert secret_value_command(c.kind, c.host) in str(err) or c.fix in str(err)
    assert registry_secret_name_for(c.kind, c.host) in str(err)
    # Nothing that held the value (UnicodeDecodeError.object, JSONDecodeError.doc) rides along.
    assert err.__context__ is None and err.__cause__ is None


def test_decoded_parts_and_ecr_expiry_are_exposed() -> None:
    decoded = decode_registry_secret(Secret(b64("AWS:" + ECR_EXPIRED)), ECR, ECR_HOST, now=NOW)
    assert decoded.username == "AWS"
    assert decoded.password == Secret(ECR_EXPIRED)
    assert decoded.expires_at == NOW - timedelta(hours=3)
    assert not decoded.ok
    expired = next(f for f in decoded.findings if f.code == "expired")
    assert "tokens last 12 hours" in expired.message
    assert "aws ecr get-login-password --region us-west-2" in expired.message
    assert "OIDC" in expired.message
    assert "2025-06-01 09:00 UTC" in expired.message

    fresh = decode_registry_secret(Secret(b64("AWS:" + ECR_FRESH)), ECR, ECR_HOST, now=NOW)
    assert fresh.ok and fresh.findings == ()
    assert fresh.expires_at == NOW + timedelta(hours=11)
    other = decode_registry_secret(Secret(b64("octocat:" + GHP)), GHCR, "ghcr.io", now=NOW)
    assert other.expires_at is None


def test_password_keeps_a_colon_after_the_first() -> None:
    decoded = decode_registry_secret(Secret(b64("robot:pa:ss:" + CANARY)), OTHER, "quay.io")
    assert decoded.username == "robot"
    assert decoded.password.reveal() == "pa:ss:" + CANARY


# --- ECR token expiry -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (ecr_token(at(-timedelta(hours=3))), NOW - timedelta(hours=3)),
        (ecr_token(at(timedelta(hours=12))), NOW + timedelta(hours=12)),
        (ecr_token(at(timedelta(hours=1)) * 1000), NOW + timedelta(hours=1)),  # milliseconds
        (ecr_token(str(at(timedelta(hours=2)))), NOW + timedelta(hours=2)),  # numeric string
        (ecr_token(at(timedelta(hours=4)), key="exp"), NOW + timedelta(hours=4)),
        (ecr_token(at(timedelta(hours=5)), key="expiresAt"), NOW + timedelta(hours=5)),
        (ecr_token(at(timedelta(hours=6))) + "\n", NOW + timedelta(hours=6)),
        (ecr_token(None), None),
        (ecr_token(True), None),
        (ecr_token("tomorrow"), None),
        (ecr_token(-5), None),
        (ecr_token(10**30), None),  # beyond datetime
        (ecr_token(at(timedelta(hours=1)), key="created"), None),
        (b64("[1, 2, 3]"), None),
        (b64('{"expiration": '), None),
        (b64("{" * 5000), None),
        ("not base64 at all", None),
        ("", None),
        (GHP, None),
    ],
)
def test_ecr_token_expiry(token: str, expected: datetime | None) -> None:
    assert ecr_token_expiry(Secret(token)) == expected


def test_naive_now_is_utc() -> None:
    token = Secret(ECR_EXPIRED)
    naive = NOW.replace(tzinfo=None)
    assert _codes(analyze_credentials("AWS", token, ECR, now=naive)) == {("expired", E)}
    assert analyze_credentials("AWS", Secret(ECR_FRESH), ECR, now=naive) == []


def test_now_defaults_to_the_clock() -> None:
    real = Secret(ecr_token(int(datetime.now(timezone.utc).timestamp()) - 60))
    assert _codes(analyze_credentials("AWS", real, ECR)) == {("expired", E)}


# --- analyze_credentials directly (a username and token typed into the wizard) -------------


@pytest.mark.parametrize(
    ("username", "password", "kind", "expected"),
    [
        ("octocat", GHP, GHCR, set()),
        ("octocat", FINE_GRAINED, GHCR, {("fine_grained_pat", E)}),
        ("octocat", GHP + "\n", GHCR, {("trailing_newline", E)}),
        ("octocat", "  " + GHP, GHCR, {("password_whitespace", E)}),
        ("octocat", "", GHCR, {("empty_password", E)}),
        ("octocat", "\n", GHCR, {("empty_password", E)}),
        ("", NVAPI, NGC, {("empty_username", E)}),
        ("$oauthtoken", NVAPI, NGC, set()),
        ("AWS", ECR_FRESH, ECR, set()),
        ("AWS", "<token>", ECR, {("placeholder", E)}),
        ("<user>", GHP, GHCR, {("placeholder", E)}),
        ("me@acme.com", DCKR, HUB, {("email_username", W)}),
        ("octocat", PASSWORD, OTHER, set()),
        (FINE_GRAINED, "octocat", GHCR, {("token_in_username", E)}),
        ("x" * 300, GHP, GHCR, {("token_in_username", E)}),
    ],
)
def test_analyze_credentials(
    username: str, password: str, kind: RegistryKind, expected: set[tuple[str, Severity]]
) -> None:
    findings = analyze_credentials(username, Secret(password), kind, host=HOSTS[kind], now=NOW)
    assert _codes(findings) == expected


def test_an_email_for_docker_hub_is_not_in_the_command_that_replaces_it() -> None:
    """The fix said "Put your Docker ID before the `:`" (of a command that no longer has
    one) and then gave `secret encode ... --username me@acme.com`: the very email it
    warned about. Every fix's command now carries a placeholder for the Docker ID."""
    image = "docker.io/acme/app:1.0"
    findings = analyze_credentials(
        "me@acme.com", Secret("hunter22"), HUB, host=HOSTS[HUB], now=NOW, image=image
    )
    assert {f.code for f in findings} == {"email_username", "account_password"}
    for f in findings:
        assert "me@acme.com" not in f.fix, f.fix
        assert f"secret encode --image {image} --username '<Docker ID>'" in f.fix, f.fix
    (email,) = [f for f in findings if f.code == "email_username"]
    assert email.fix.startswith("Use your Docker ID as the username: ")
    # a Docker ID is kept as typed
    (password,) = analyze_credentials(
        "acme", Secret("hunter22"), HUB, host=HOSTS[HUB], now=NOW, image=image
    )
    assert "--username acme" in password.fix


def test_wrong_username_names_the_expected_one() -> None:
    (ecr,) = analyze_credentials("aws", Secret(ECR_FRESH), ECR, host=ECR_HOST, now=NOW)
    assert "'aws'" in ecr.message and "`AWS`" in ecr.message
    (ngc,) = analyze_credentials("oauthtoken", Secret(NVAPI), NGC, host="nvcr.io")
    assert "`$oauthtoken`" in ngc.message and "`$`" in ngc.message
    (gar,) = analyze_credentials("_json", Secret(YA29), GAR, host=HOSTS[GAR])
    for name in ("oauth2accesstoken", "_json_key", "_json_key_base64"):
        assert name in gar.message


def test_ngc_empty_username_explains_the_shell() -> None:
    (finding,) = analyze_credentials("", Secret(NVAPI), NGC, host="nvcr.io")
    assert "double quotes" in finding.message and "single quotes" in finding.message
    assert "'$oauthtoken:" in finding.fix


# --- the GCP_SERVICE_ACCOUNT_JSON secret ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "fix"),
    [
        (SA_KEY, set(), ""),
        (SA_KEY + "\n", set(), ""),
        (SA_KEY_B64, {("json_key_base64_encoded", E)}, "base64 -d"),
        (gnu_base64(SA_KEY), {("json_key_base64_encoded", E)}, "base64 -d"),
        (USER_CREDS, {("not_service_account_key", E)}, "cat key.json"),
        (YA29, {("not_json_key", E)}, "gcloud iam service-accounts keys create"),
        ("", {("empty_value", E)}, "cat key.json"),
    ],
)
def test_service_account_json_secret(
    value: str, expected: set[tuple[str, Severity]], fix: str
) -> None:
    findings = analyze_service_account_json(Secret(value))
    assert _codes(findings) == expected
    for f in findings:
        assert fix in f.fix


# --- building values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "host", "command"),
    [
        (ECR, ECR_HOST, CMD_ECR),
        (ECR, "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "--region us-gov-west-1"),
        (ECR, "", "--region <region>"),
        (ECR, "not a host", "--region <region>"),
        (GAR, "us-central1-docker.pkg.dev", CMD_GAR),
        (NGC, "nvcr.io", CMD_NGC),
        (GHCR, "ghcr.io", CMD_DEFAULT),
        (HUB, "https://index.docker.io/v1/", CMD_DEFAULT),
        (OTHER, "quay.io", CMD_DEFAULT),
    ],
)
def test_secret_value_command(kind: RegistryKind, host: str, command: str) -> None:
    assert command in secret_value_command(kind, host)
    assert secret_value_command(kind, host).endswith("| base64 -w0")


def _have_gnu_base64() -> bool:
    if shutil.which("sh") is None or shutil.which("base64") is None:
        return False
    version = subprocess.run(["base64", "--version"], capture_output=True, check=False)
    return b"GNU" in version.stdout


needs_gnu_base64 = pytest.mark.skipif(not _have_gnu_base64(), reason="needs sh and GNU base64")


@needs_gnu_base64
@pytest.mark.parametrize(
    ("kind", "expected_text"),
    [(NGC, "$oauthtoken:<API key>"), (GHCR, "<user>:<token>")],
)
def test_commands_produce_what_they_promise(kind: RegistryKind, expected_text: str) -> None:
    # Run for real: the single quotes must keep `$oauthtoken` from the shell, and no newline.
    out = subprocess.run(
        ["sh", "-c", secret_value_command(kind, HOSTS[kind])],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "oauthtoken": "EXPANDED"},
    ).stdout
    assert "\n" not in out
    assert base64.b64decode(out, validate=True).decode() == expected_text


@needs_gnu_base64
def test_json_key_command_round_trips(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "key.json").write_text(SA_KEY + "\n")
    for user in ("_json_key", "_json_key_base64"):
        out = subprocess.run(
            ["sh", "-c", json_key_value_command(user)],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        ).stdout
        decoded = decode_registry_secret(Secret(out), GAR, HOSTS[GAR], now=NOW)
        assert decoded.username == user
        assert decoded.findings == ()


@pytest.mark.parametrize(
    ("username", "password", "kind"),
    [
        ("$oauthtoken", NVAPI, NGC),
        ("AWS", ECR_FRESH, ECR),
        ("oauth2accesstoken", YA29, GAR),
        ("_json_key", SA_KEY, GAR),
        ("octocat", GHP, GHCR),
        ("octocat", DCKR, HUB),
    ],
)
def test_encode_then_decode_is_clean(username: str, password: str, kind: RegistryKind) -> None:
    value = encode_registry_secret(username, Secret(password))
    assert isinstance(value, Secret)
    assert "\n" not in value.reveal()
    decoded = decode_registry_secret(value, kind, HOSTS[kind], now=NOW)
    assert (decoded.username, decoded.password.reveal()) == (username, password)
    assert decoded.findings == ()


def test_encode_rejects_a_colon_in_the_username() -> None:
    with pytest.raises(ValueError, match="cannot contain ':'") as info:
        encode_registry_secret("a:b", Secret(GHP))
    assert CANARY not in str(info.value)


def test_registry_secret_name_for() -> None:
    assert registry_secret_name_for(HUB, "") == "DOCKER_REGISTRY_https://index.docker.io/v1/"
    assert registry_secret_name_for(GHCR, "ghcr.io") == "DOCKER_REGISTRY_ghcr.io"
    assert registry_secret_name_for(ECR, ECR_HOST) == f"DOCKER_REGISTRY_{ECR_HOST}"
    assert registry_secret_name_for(OTHER, "registry.local:5000") == (
        "DOCKER_REGISTRY_registry.local:5000"
    )


# --- nothing leaks ----------------------------------------------------------------------


# Documented token prefixes: naming one is allowed, anything after it is not.
PUBLIC_PREFIXES = ("github_pat_", "dckr_pat_", "nvapi-", "ghp_", "ghs_", "gho_", "ya29.", "AKIA")


def _forbidden(*secrets: str) -> set[str]:
    """Every 10-character slice of the secret material (bar slices of its public prefix alone),
    and every 8-character slice of the canary."""
    out = {CANARY[i : i + 8] for i in range(len(CANARY) - 7)}
    for s in secrets:
        s = s.strip()
        public = next((len(p) for p in PUBLIC_PREFIXES if s.startswith(p)), 0)
        out.update(s[i : i + 10] for i in range(max(len(s) - 9, 0)) if i + 10 > public)
    return out


def _leaks(texts: list[str], secrets: tuple[str, ...]) -> set[str]:
    blob = "\n".join(texts)
    return {piece for piece in _forbidden(*secrets) if piece in blob}


def _texts(findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    out: list[str] = []
    for f in findings:
        out += [f.message, f.fix, repr(f), json.dumps(f.to_json())]
    return out


def _password_of(c: Case) -> str:
    try:
        decoded = base64.b64decode("".join(c.value.split()), validate=True).decode()
    except ValueError:
        return c.value
    return decoded.partition(":")[2] or decoded


@pytest.mark.parametrize("c", DECODES + UNDECODABLE, ids=lambda c: c.id)
def test_no_finding_or_error_contains_the_secret(c: Case) -> None:
    secrets = (c.value, _password_of(c))
    if c.id == "token-in-username":
        secrets += (GHP,)
    try:
        decoded = decode_registry_secret(Secret(c.value), c.kind, c.host, now=NOW)
    except SecretFormatError as err:
        texts = [*_texts(err.findings), str(err), repr(err), *map(str, err.args)]
    else:
        texts = [*_texts(decoded.findings), repr(decoded), str(decoded)]
    assert not _leaks(texts, secrets)


@pytest.mark.parametrize(
    ("username", "password", "kind", "username_is_secret"),
    [
        (FINE_GRAINED, "octocat", GHCR, True),  # swapped
        (GHP, "", GHCR, True),
        ("x" * 41 + CANARY, ECR_FRESH, ECR, True),  # too long for a username: never echoed
        ("AWS", "AKIA" + CANARY[:16].upper(), ECR, False),
        ("aws", ECR_EXPIRED, ECR, False),
        ("puller", YA29, GAR, False),
        ("oauth2accesstoken", SA_KEY, GAR, False),
        ("octocat", FINE_GRAINED + "\n", GHCR, False),
        ("octocat", " " + GHS, GHCR, False),
        ("me@acme.com", PASSWORD, HUB, False),
        ("nvidia", NVAPI + "\n", NGC, False),
    ],
)
def test_direct_credentials_never_leak(
    username: str, password: str, kind: RegistryKind, username_is_secret: bool
) -> None:
    findings = analyze_credentials(username, Secret(password), kind, host=HOSTS[kind], now=NOW)
    assert findings
    secrets = (password, username) if username_is_secret else (password,)
    assert not _leaks(_texts(findings), secrets)


def test_decoded_repr_masks_a_token_in_the_username() -> None:
    decoded = decode_registry_secret(Secret(b64(GHP + ":octocat")), GHCR, "ghcr.io")
    assert CANARY[:8] not in repr(decoded)
    assert "ghp_" in repr(decoded)  # the recognisable prefix only


def test_format_error_pickles_without_the_value() -> None:
    with pytest.raises(SecretFormatError) as info:
        decode_registry_secret(Secret("octocat:" + GHP), GHCR, "ghcr.io")
    again = pickle.loads(pickle.dumps(info.value))
    assert isinstance(again, SecretFormatError)
    assert again.findings == info.value.findings
    assert str(again) == str(info.value)
    assert CANARY[:8] not in pickle.dumps(info.value).decode("latin-1")


def test_severity_and_finding_shape() -> None:
    assert Severity.ERROR == "error" and Severity.WARNING == "warning"
    f = Finding("x", Severity.WARNING, (), "m", "fix")
    assert f.to_json()["rule"] == "x" and f.to_json()["message"] == "m"
    assert not f.is_error
    assert isinstance(DecodedSecret("u", Secret("p"), (f,)).ok, bool)


def test_module_is_pure_and_fast_to_import() -> None:
    probe = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "import wizard.verify.analyze\n"
        "print(time.perf_counter() - t)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    loaded = set(out[-1].split())
    heavy = {"boto3", "botocore", "google", "httpx", "rich", "yaml", "ruamel", "textual"}
    assert loaded.isdisjoint(heavy), loaded & heavy
    assert "questionary" not in loaded
    assert float(out[0]) < 0.5
