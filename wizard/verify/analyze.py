"""Offline analysis of a registry credential, before any network call.

A `DOCKER_REGISTRY_<host>` value is base64 of `user:token`, and most broken ones are
broken in a handful of ways that need no registry to spot: not base64 at all, a
trailing newline from `echo` without `-n`, GNU `base64` wrapping at 76 columns, no
`:`, an empty username because a shell expanded `$oauthtoken`, the wrong fixed
username for ECR / NGC / GAR, an ECR token past its embedded expiry, a GitHub
fine-grained PAT on GHCR, a GCP key base64-encoded where raw JSON is expected.
Each `Finding` says what happened and the exact command (or action) that
gives a correct value.

Severity: ERROR means the credential certainly will not work; WARNING means it is
likely wrong or will stop working soon. Stray whitespace around the password is an
ERROR where the registry compares an opaque token byte for byte (Docker Hub, GHCR,
NGC, a GAR access token) and a WARNING where the password is parsed (an ECR token
is base64 and a GAR key is JSON: their decoders skip a newline) or the registry is
unknown.

No finding, exception or repr ever contains the secret: at most a recognised public
prefix such as `ghp_` or `github_pat_`. Revealed values stay in local variables and
no exception is raised while one that carries a value (UnicodeDecodeError,
JSONDecodeError) is being handled, so none ends up in `__context__`.

Pure domain: stdlib only, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from wizard.model.auth import (
    DOCKER_HUB_SECRET,
    REGISTRY_SECRET_PREFIX,
    is_encoded_pair,
    registry_secret_name,
)
from wizard.model.catalog import REGISTRIES
from wizard.model.findings import Finding, Severity, has_errors
from wizard.model.image import (
    ImageRef,
    ImageRefError,
    RegistryKind,
    detect_registry,
    parse_image,
)
from wizard.model.record import field, record
from wizard.model.secret import Secret

__all__ = [
    "GAR_ACCESS_TOKEN_USER",
    "GAR_JSON_KEY_BASE64_USER",
    "GAR_JSON_KEY_USER",
    "GAR_USERNAMES",
    "DecodedSecret",
    "Finding",
    "SecretFormatError",
    "Severity",
    "analyze_credentials",
    "analyze_service_account_json",
    "decode_registry_secret",
    "ecr_token_expiry",
    "encode_command",
    "encode_registry_secret",
    "has_errors",
    "json_key_value_command",
    "registry_secret_name_for",
    "secret_value_command",
]


@record(frozen=True)
class DecodedSecret:
    """A registry secret split into its parts, with what the offline analysis found.

    `expires_at` is the expiry embedded in an ECR token (UTC), None otherwise.
    """

    username: str
    password: Secret
    findings: tuple[Finding, ...]
    expires_at: datetime | None = field(default=None)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    def __repr__(self) -> str:
        # A swapped `token:user` would put the token in `username`: mask it like any token.
        return (
            f"DecodedSecret(username={_show_username(self.username)}, password={self.password!r}, "
            f"findings={self.findings!r}, expires_at={self.expires_at!r})"
        )


class SecretFormatError(ValueError):
    """The value cannot be decoded into `user:token` at all; `findings` say why and what
    to run instead."""

    def __init__(self, findings: tuple[Finding, ...], secret_name: str = "") -> None:
        self.findings = findings
        self.secret_name = secret_name
        store = f" and store its output as the Baseten secret {secret_name}" if secret_name else ""
        super().__init__(" ".join(f"{f.message} Run instead: {f.fix}{store}." for f in findings))

    def __reduce__(self) -> tuple[type[SecretFormatError], tuple[tuple[Finding, ...], str]]:
        return (type(self), (self.findings, self.secret_name))


# --- facts about the registries and their tokens ----------------------------------------

# Below this an ECR token may run out between `truss push` and the image pull.
_ECR_EXPIRY_MARGIN = timedelta(hours=1)

# Artifact Registry / GCR accept exactly these usernames.
GAR_ACCESS_TOKEN_USER = "oauth2accesstoken"
GAR_JSON_KEY_USER = "_json_key"
GAR_JSON_KEY_BASE64_USER = "_json_key_base64"
GAR_USERNAMES = (GAR_ACCESS_TOKEN_USER, GAR_JSON_KEY_USER, GAR_JSON_KEY_BASE64_USER)

# The registries whose token username is a fixed word, taken from the catalog.
_FIXED_USERNAME = {
    kind: REGISTRIES[kind.value].token_username
    for kind in (RegistryKind.ECR, RegistryKind.NGC, RegistryKind.GAR)
}

# Public, documented token prefixes: naming one in a message reveals nothing secret.
# Longest first, so `github_pat_` wins over a shorter look-alike.
_TOKEN_PREFIXES: tuple[tuple[str, str], ...] = (
    ("github_pat_", "a GitHub fine-grained personal access token"),
    ("dckr_pat_", "a Docker Hub personal access token"),
    ("dckr_oat_", "a Docker Hub organization access token"),
    ("nvapi-", "an NGC API key"),
    ("ghp_", "a GitHub classic personal access token"),
    ("gho_", "a GitHub OAuth token"),
    ("ghs_", "a GitHub Actions / GitHub App installation token"),
    ("ghu_", "a GitHub App user token"),
    ("ghr_", "a GitHub refresh token"),
    ("ya29.", "a Google OAuth access token"),
)
# Base64 of `{"payload":"`, how every `aws ecr get-login-password` token starts.
_ECR_TOKEN_START = "eyJwYXlsb2FkIjoi"
_AWS_ACCESS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}", re.ASCII)
_LEGACY_GITHUB_TOKEN = re.compile(r"[0-9a-f]{40}", re.ASCII)
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# `<token>`, `<API key>`: a placeholder from one of our own commands, pasted as is.
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}", re.ASCII)
_BASE64URL_ONLY = re.compile(r"[A-Za-z0-9_-]+={0,2}", re.ASCII)
# Far above any real value (an ECR token is ~3 KB, a JSON key ~2.4 KB, both base64 again);
# bounds the work done on a wrong paste.
_VALUE_MAX = 64 * 1024
# Shown as is when shorter; a longer "username" may be a token and is not echoed.
_USERNAME_SHOW_MAX = 40
_USERNAME_MAX = 200

_WHITESPACE = " \t\r\n"
_ECR_EXPIRY_KEYS = ("expiration", "exp", "expiresAt", "expires_at")
# Unix seconds stop being plausible above this; a larger number is milliseconds.
_MILLISECONDS_ABOVE = 100_000_000_000


# --- commands that build correct values --------------------------------------------------

_ENCODE = "| base64 -w0"
_COMMANDS: dict[RegistryKind, str] = {
    RegistryKind.ECR: (
        "printf 'AWS:%s' \"$(aws ecr get-login-password --region {region})\" " + _ENCODE
    ),
    RegistryKind.GAR: (
        "printf 'oauth2accesstoken:%s' \"$(gcloud auth print-access-token)\" " + _ENCODE
    ),
    # Single quotes: in double quotes the shell expands `$oauthtoken` to nothing.
    RegistryKind.NGC: "printf '%s' '$oauthtoken:<API key>' " + _ENCODE,
}
_DEFAULT_COMMAND = "printf '%s' '<user>:<token>' " + _ENCODE
_JSON_KEY_COMMANDS = {
    GAR_JSON_KEY_USER: "printf '_json_key:%s' \"$(cat key.json)\" " + _ENCODE,
    GAR_JSON_KEY_BASE64_USER: (
        "printf '_json_key_base64:%s' \"$(base64 -w0 key.json)\" " + _ENCODE
    ),
}
_GITHUB_CLASSIC_PAT_ACTION = (
    "Create a classic token with only read:packages at "
    "https://github.com/settings/tokens/new?scopes=read:packages, then encode it: "
)


def secret_value_command(kind: RegistryKind, host: str) -> str:
    """The shell command whose output is a correct `DOCKER_REGISTRY_<host>` value."""
    template = _COMMANDS.get(kind, _DEFAULT_COMMAND)
    return template.format(region=_ecr_region(host) or "<region>")


def encode_command(kind: RegistryKind, host: str, image: str, username: str) -> str:
    """How to build the secret value from a token the user holds: the wizard's own
    `secret encode` for registries whose value is plain base64 of user:token (it checks
    what it encodes), the registry's own command where the token comes from a tool."""
    if kind in _COMMANDS or not image:
        return secret_value_command(kind, host)
    import shlex

    user = shlex.quote(username) if username else "<user>"
    return (
        f"printf '%s' \"$TOKEN\" | registry-wizard secret encode --image {image} --username {user}"
    )


def json_key_value_command(username: str = GAR_JSON_KEY_USER) -> str:
    """The command that turns `key.json` into a GAR registry secret value for `username`
    (`_json_key` or `_json_key_base64`)."""
    return _JSON_KEY_COMMANDS[username]


def registry_secret_name_for(kind: RegistryKind, host: str) -> str:
    """The Baseten secret name Truss looks the value up by."""
    if kind is RegistryKind.DOCKERHUB:
        return DOCKER_HUB_SECRET
    ref = _probe_ref(host)
    if ref is None:
        return REGISTRY_SECRET_PREFIX + (_bare_host(host) or "<host>")
    return registry_secret_name(ref)


def encode_registry_secret(username: str, password: Secret) -> Secret:
    """base64 (one line, no newline) of `username:password`, as the registry secret wants it."""
    if ":" in username:
        raise ValueError("a registry username cannot contain ':' (it separates user and token)")
    raw = f"{username}:{password.reveal()}".encode()
    return Secret(base64.b64encode(raw).decode("ascii"))


# --- the registry secret value -----------------------------------------------------------


def decode_registry_secret(
    value: Secret, kind: RegistryKind, host: str, *, now: datetime | None = None
) -> DecodedSecret:
    """Split a `DOCKER_REGISTRY_<host>` value (base64 of `user:token`) and analyse it.

    Raises SecretFormatError when there is no `user:token` to get out of it.
    """
    command = secret_value_command(kind, host)
    target = registry_secret_name_for(kind, host)
    findings: list[Finding] = []

    text = value.reveal()
    if not text.strip():
        raise SecretFormatError(
            (_finding("empty_value", Severity.ERROR, f"The value of {target} is empty.", command),),
            target,
        )
    if len(text) > _VALUE_MAX:
        raise SecretFormatError(
            (
                _finding(
                    "not_base64",
                    Severity.ERROR,
                    f"The value is {len(text)} characters long, far more than any registry "
                    "credential: it is not base64 of `user:token`.",
                    command,
                ),
            ),
            target,
        )

    body = text.strip(_WHITESPACE)
    lead = text[: len(text) - len(text.lstrip(_WHITESPACE))]
    trail = text[len(text.rstrip(_WHITESPACE)) :]
    # base64 ends its output with a newline and every decoder skips line ends: spaces do harm.
    if any(ch in " \t" for ch in lead + trail):
        findings.append(
            _finding(
                "value_whitespace",
                Severity.WARNING,
                "The value has spaces around it; Docker's base64 decoder rejects spaces, so "
                "store it without them.",
                command,
            )
        )
    if "\n" in body or "\r" in body:
        findings.append(
            _finding(
                "wrapped_base64",
                Severity.WARNING,
                "The value is split over several lines: GNU `base64` wraps at 76 columns "
                "unless given `-w0`. A one-line field keeps only the first line.",
                command,
            )
        )
        body = body.replace("\r", "").replace("\n", "")

    decoded = _decode_pair_text(body, kind, command)
    if isinstance(decoded, Finding):
        raise SecretFormatError((decoded,), target)

    username, _, password = decoded.partition(":")
    secret = Secret(password)
    findings.extend(analyze_credentials(username, secret, kind, host=host, now=now))
    expires = ecr_token_expiry(secret) if kind is RegistryKind.ECR else None
    return DecodedSecret(username, secret, tuple(findings), expires)


def _decode_pair_text(body: str, kind: RegistryKind, command: str) -> str | Finding:
    """The `user:token` text inside `body`, or the finding that says why there is none."""
    problem = _base64_problem(body)
    raw = _b64decode(body) if problem is None else None
    if problem is not None or raw is None:
        return _finding(
            "not_base64",
            Severity.ERROR,
            f"The value is not base64: {problem or 'it does not decode'}.",
            command,
        )
    decoded = _utf8(raw)
    if decoded is None:
        return _finding(
            "not_base64",
            Severity.ERROR,
            "The value decodes to binary data, not `user:token` text: a bare token was "
            "probably stored without encoding it first.",
            command,
        )
    if _json_object(decoded.strip()) is not None:
        return _finding(
            "json_not_pair",
            Severity.ERROR,
            "The value decodes to a JSON document, not `user:token`. A GCP service-account "
            "key goes in as `_json_key:<JSON>` for Artifact Registry, or use the "
            "service-account JSON method, whose secret is the raw JSON.",
            json_key_value_command() if kind is RegistryKind.GAR else command,
        )
    if ":" in decoded:
        return decoded
    inner = _b64decode(decoded.strip())
    inner_text = _utf8(inner) if inner is not None else None
    if inner_text is not None and ":" in inner_text:
        return _finding(
            "double_base64",
            Severity.ERROR,
            "The value was base64-encoded twice: decoding it once gives more base64, not "
            "`user:token`.",
            command,
        )
    what = _token_kind(decoded.strip())
    bare = f" It decodes to {what} alone." if what else ""
    return _finding(
        "no_colon",
        Severity.ERROR,
        "The value decodes to text without `:`, so it has no username; it must be base64 of "
        f"`user:token`.{bare}",
        command,
    )


# --- username + password -----------------------------------------------------------------


def analyze_credentials(
    username: str,
    password: Secret,
    kind: RegistryKind,
    *,
    host: str = "",
    image: str = "",
    now: datetime | None = None,
) -> list[Finding]:
    """Everything wrong with `username` / `password` for `kind` that shows without a network.

    `image`: the image they are for; a fix then names `registry-wizard secret encode` for
    it (see `encode_command`). `now` defaults to the current time; a naive `now` is
    taken as UTC.
    """
    creds = _Creds(
        user=username.strip(),
        raw_user=username,
        password=password,
        kind=kind,
        host=host,
        now=_as_utc(now) if now is not None else datetime.now(timezone.utc),
        command=encode_command(kind, host, image, _username_for_command(kind, username.strip())),
    )
    placeholders = list(_placeholder_findings(creds))
    if placeholders:
        return placeholders
    out = list(_generic_findings(creds))
    # With no token, or user and token swapped, checking the "token" is noise.
    if not any(f.code in ("token_in_username", "empty_password") for f in out):
        out.extend(_KIND_CHECKS.get(kind, _no_checks)(creds))
    return out


@record(frozen=True)
class _Creds:
    """A typed credential and what the analysis reads it against."""

    user: str  # stripped
    raw_user: str
    password: Secret
    kind: RegistryKind
    host: str
    now: datetime
    command: str

    @property
    def token(self) -> str:
        return self.password.reveal().strip()


def _placeholder_findings(c: _Creds) -> Iterator[Finding]:
    for part, value in (("username", c.user), ("password", c.token)):
        if _PLACEHOLDER.fullmatch(value):
            yield _finding(
                "placeholder",
                Severity.ERROR,
                f"The {part} is the placeholder {value!r}, copied from a command without "
                "putting in the real value.",
                c.command,
            )


def _already_encoded(token: str) -> bool:
    """base64 of `user:token` with a username-like user (an ECR token is base64 of JSON,
    which has a `:` too, and is a token in its own right)."""
    text = token.strip()
    if not is_encoded_pair(text):
        return False
    user = base64.b64decode(text).decode("utf-8", "replace").partition(":")[0]
    return bool(re.fullmatch(r"[\w.@$+-]{1,64}", user))


def _not_ascii(text: str) -> int | None:
    """The position of the first character HTTP Basic auth cannot carry as typed."""
    return next((i for i, ch in enumerate(text) if not (" " <= ch <= "~")), None)


def _generic_findings(c: _Creds) -> Iterator[Finding]:
    # A JSON key (GAR's `_json_key` user) is the one password with line breaks in it; a
    # key under the wrong user has findings of its own.
    multiline = c.password.reveal().lstrip().startswith("{") or c.user in (
        GAR_JSON_KEY_USER,
        GAR_JSON_KEY_BASE64_USER,
    )
    for what, text in (("username", c.raw_user), ("token", c.password.reveal())):
        text = text.rstrip("\r\n")
        if multiline and what == "token":
            text = text.replace("\n", " ").replace("\r", " ").replace("\t", " ")
        at = _not_ascii(text)
        if at is not None:
            yield _finding(
                f"{what}_not_ascii",
                Severity.ERROR,
                f"The {what} has a character that is not printable ASCII at position "
                f"{at + 1} (a file saved as UTF-16, a pasted non-breaking space, a NUL?): "
                "registry credentials are plain ASCII.",
                "copy the value again from where it was issued, as plain text",
            )
    # (ECR's own check names an authorization token passed as the password.)
    if c.kind is not RegistryKind.ECR and _already_encoded(c.password.reveal()):
        yield _finding(
            "token_already_encoded",
            Severity.ERROR,
            "The token is already base64 of `user:token` (a DOCKER_REGISTRY_ value): "
            "encoding it again would store a value no registry accepts.",
            "pipe the token alone; or give this value as it is to `registry-wizard check "
            "--secret-stdin` or `registry-wizard secret set DOCKER_REGISTRY_<host>`",
        )
    if ":" in c.raw_user:
        yield _finding(
            "username_has_colon",
            Severity.ERROR,
            "The username has a `:`, which separates user and token in the secret value: "
            "no registry username has one.",
            "pass the username alone with --username, and the token on stdin",
        )
    if not c.user:
        yield _empty_username(c)
    elif (what := _token_kind(c.user)) is not None or len(c.user) > _USERNAME_MAX:
        what = what or "a token (it is far longer than any username)"
        yield _finding(
            "token_in_username",
            Severity.ERROR,
            f"The username looks like {what}: user and token are probably swapped "
            "(the value must be `user:token`).",
            c.command,
        )
    elif c.raw_user != c.user:
        yield _finding(
            "username_whitespace",
            _whitespace_severity(c, username=True),
            f"The username {_show_username(c.raw_user)} has spaces or a newline around it.",
            c.command,
        )

    raw = c.password.reveal()
    if not raw.strip():
        yield _finding(
            "empty_password",
            Severity.ERROR,
            "The password is empty: the command that should have printed the token printed "
            "nothing (not logged in? a shell variable that was not set?).",
            c.command,
        )
        return
    core = raw.rstrip("\r\n")
    if core != raw:
        yield _finding(
            "trailing_newline",
            _whitespace_severity(c),
            "The password ends with a newline, so the registry sees the token plus `\\n`: "
            "it was encoded with `echo` without `-n` (or read from a file with its final "
            "newline). Build it with `printf` instead.",
            c.command,
        )
    if core != core.strip():
        yield _finding(
            "password_whitespace",
            _whitespace_severity(c),
            "The password has spaces or tabs around it (a copy-paste?); the registry sees "
            "them as part of the token.",
            c.command,
        )


def _empty_username(c: _Creds) -> Finding:
    if c.kind is RegistryKind.NGC:
        message = (
            "The username is empty: a shell expanded `$oauthtoken` to nothing because the "
            "value was built inside double quotes. NGC's username is the literal `$oauthtoken`; "
            "use single quotes."
        )
    else:
        message = (
            "The username is empty (the value is `:<token>`): a shell variable that was empty "
            "or unset?"
        )
    return _finding("empty_username", Severity.ERROR, message, c.command)


def _whitespace_severity(c: _Creds, *, username: bool = False) -> Severity:
    if c.kind is RegistryKind.OTHER:
        return Severity.WARNING
    if username:
        return Severity.ERROR if c.kind in _FIXED_USERNAME else Severity.WARNING
    # Parsed passwords survive a stray newline: ECR's is base64, a GAR key is JSON.
    if c.kind is RegistryKind.ECR or (
        c.kind is RegistryKind.GAR and c.user in (GAR_JSON_KEY_USER, GAR_JSON_KEY_BASE64_USER)
    ):
        return Severity.WARNING
    return Severity.ERROR


def _wrong_username(c: _Creds, expected: str, extra: str = "") -> Finding:
    return _finding(
        "wrong_username",
        Severity.ERROR,
        f"The username is {_show_username(c.user)}, but {_label(c.kind)} needs "
        f"`{expected}`.{extra}",
        c.command,
    )


def _check_ecr(c: _Creds) -> Iterator[Finding]:
    expected = _FIXED_USERNAME[RegistryKind.ECR]
    if c.user and c.user != expected:
        yield _wrong_username(c, expected, " Docker logs in to ECR as `AWS` with a token.")
    token = c.token
    if _AWS_ACCESS_KEY_ID.fullmatch(token):
        yield _finding(
            "aws_access_key",
            Severity.ERROR,
            f"The password is an AWS access key ID ({token[:4]}…), not a registry password. "
            "ECR takes a 12-hour token from `aws ecr get-login-password`; to use access keys, "
            "choose the IAM keys method (AWS_IAM) instead.",
            c.command,
        )
        return
    inner = _b64decode(token)
    if inner is not None and inner.startswith(b"AWS:"):
        yield _finding(
            "ecr_authorization_token",
            Severity.ERROR,
            "The password is the `authorizationToken` of `aws ecr get-authorization-token`, "
            "which is base64 of `AWS:<password>` (a whole registry secret value), not the "
            "password itself.",
            c.command,
        )
        return
    expiry = _ecr_expiry(token)
    if expiry is None:
        yield _finding(
            "unexpected_token_format",
            Severity.WARNING,
            "The password does not look like `aws ecr get-login-password` output (base64 "
            "JSON with an `expiration`), so its expiry cannot be checked.",
            c.command,
        )
        return
    region = _ecr_region(c.host) or "<region>"
    if expiry <= c.now:
        yield _finding(
            "expired",
            Severity.ERROR,
            f"This ECR token expired at {_when(expiry)} ({_ago(c.now - expiry)} ago). Run "
            f"`aws ecr get-login-password --region {region}` again (tokens last 12 hours) — "
            "or use OIDC (AWS_OIDC), which never needs a new secret.",
            c.command,
        )
    elif expiry - c.now < _ECR_EXPIRY_MARGIN:
        yield _finding(
            "expires_soon",
            Severity.WARNING,
            f"This ECR token expires at {_when(expiry)}, in {_ago(expiry - c.now)}: a "
            "deployment started later will fail to pull. Get a fresh one, or use OIDC "
            "(AWS_OIDC).",
            c.command,
        )


def _check_ngc(c: _Creds) -> Iterator[Finding]:
    expected = _FIXED_USERNAME[RegistryKind.NGC]
    if not c.user or c.user == expected:
        return
    if c.user.lstrip("\\") == expected:
        extra = " The backslash was kept: inside single quotes `$` needs no escaping."
    elif c.user == expected.lstrip("$"):
        extra = " The `$` is part of the name."
    else:
        extra = " It is the same for everyone: not your NGC email or org name."
    yield _wrong_username(c, expected, extra)


def _check_gar(c: _Creds) -> Iterator[Finding]:
    shape = _gar_password_shape(c.token)
    if not c.user:
        return
    if c.user not in GAR_USERNAMES:
        fix = c.command if shape in ("access_token", "other") else json_key_value_command()
        yield _finding(
            "wrong_username",
            Severity.ERROR,
            f"The username is {_show_username(c.user)}, but Artifact Registry accepts only "
            "`oauth2accesstoken` (with an access token), `_json_key` (with a service-account "
            "JSON key) or `_json_key_base64` (with the key in base64).",
            fix,
        )
        return
    yield from _GAR_CHECKS[c.user](c, shape)


def _gar_access_token(c: _Creds, shape: str) -> Iterator[Finding]:
    if shape in ("json", "json_base64", "not_sa_json"):
        key_user = GAR_JSON_KEY_BASE64_USER if shape == "json_base64" else GAR_JSON_KEY_USER
        yield _finding(
            "username_mismatch",
            Severity.ERROR,
            "The password is a service-account JSON key, but the username is "
            f"`oauth2accesstoken`, which is for access tokens. A key needs `{key_user}`.",
            json_key_value_command(key_user),
        )
    elif shape == "other":
        yield _finding(
            "unexpected_token_format",
            Severity.WARNING,
            "The password does not look like a Google access token (they start with `ya29.`).",
            c.command,
        )


def _gar_json_key(c: _Creds, shape: str) -> Iterator[Finding]:
    if shape == "access_token":
        yield _finding(
            "username_mismatch",
            Severity.ERROR,
            f"The password is an access token (ya29.…), but the username is `{c.user}`, "
            "which is for JSON keys. Access tokens use `oauth2accesstoken`.",
            c.command,
        )
    elif shape == "json_base64" and c.user == GAR_JSON_KEY_USER:
        yield _finding(
            "json_key_base64_encoded",
            Severity.ERROR,
            "The service-account key was base64-encoded, but `_json_key` expects the raw "
            "JSON. Use the raw key, or the username `_json_key_base64`.",
            json_key_value_command(GAR_JSON_KEY_USER),
        )
    elif shape == "json" and c.user == GAR_JSON_KEY_BASE64_USER:
        yield _finding(
            "username_mismatch",
            Severity.ERROR,
            "The password is the raw JSON key, but `_json_key_base64` expects it "
            "base64-encoded. Use the username `_json_key` for raw JSON.",
            json_key_value_command(GAR_JSON_KEY_USER),
        )
    elif shape == "not_sa_json":
        yield _not_service_account_key(json_key_value_command(c.user))
    elif shape == "other":
        yield _finding(
            "not_json_key",
            Severity.ERROR,
            f"The username `{c.user}` expects a service-account JSON key, but the password "
            "is not one.",
            json_key_value_command(c.user),
        )
    if c.user == GAR_JSON_KEY_BASE64_USER and shape == "json_base64" and "\n" in c.token:
        yield _finding(
            "wrapped_base64",
            Severity.WARNING,
            "The base64 key is split over several lines (GNU `base64` without `-w0`).",
            json_key_value_command(GAR_JSON_KEY_BASE64_USER),
        )


_GAR_CHECKS: dict[str, Callable[[_Creds, str], Iterator[Finding]]] = {
    GAR_ACCESS_TOKEN_USER: _gar_access_token,
    GAR_JSON_KEY_USER: _gar_json_key,
    GAR_JSON_KEY_BASE64_USER: _gar_json_key,
}


def _check_ghcr(c: _Creds) -> Iterator[Finding]:
    token = c.token
    if token.startswith("github_pat_"):
        yield _finding(
            "fine_grained_pat",
            Severity.ERROR,
            "This is a fine-grained personal access token (github_pat_…): GHCR does not "
            "accept those. It needs a classic token (ghp_…) with the read:packages scope.",
            _GITHUB_CLASSIC_PAT_ACTION + c.command,
        )
    elif token.startswith("ghs_"):
        yield _finding(
            "short_lived_token",
            Severity.WARNING,
            "This is a GitHub Actions / App installation token (ghs_…): it expires within "
            "hours, so later deployments will fail to pull. Use a classic token with "
            "read:packages.",
            _GITHUB_CLASSIC_PAT_ACTION + c.command,
        )
    elif not (token.startswith(("ghp_", "gho_", "ghu_")) or _LEGACY_GITHUB_TOKEN.fullmatch(token)):
        yield _finding(
            "unexpected_token_format",
            Severity.WARNING,
            "The password does not look like a GitHub token (classic ones start with `ghp_`): "
            "GHCR does not accept an account password.",
            _GITHUB_CLASSIC_PAT_ACTION + c.command,
        )


def _username_for_command(kind: RegistryKind, user: str) -> str:
    """The username a fix's command should carry: not the email Docker Hub refuses (the
    fix says to replace it), a placeholder for the Docker ID instead."""
    if kind is RegistryKind.DOCKERHUB and _EMAIL.fullmatch(user):
        return "<Docker ID>"
    return user


def _check_dockerhub(c: _Creds) -> Iterator[Finding]:
    if _EMAIL.fullmatch(c.user):
        yield _finding(
            "email_username",
            Severity.WARNING,
            "The username looks like an email address; Docker Hub wants your Docker ID "
            "(the name in hub.docker.com/u/<Docker ID>), not the email.",
            "Use your Docker ID as the username: " + c.command,
        )
    token = c.token
    if not (token.startswith(("dckr_pat_", "dckr_oat_")) or _UUID.fullmatch(token)):
        yield _finding(
            "account_password",
            Severity.WARNING,
            "The password does not look like a Docker Hub access token (dckr_pat_…): an "
            "account password stops working with 2FA or SSO and gives full account access.",
            "Create a Read-only personal access token at "
            "https://app.docker.com/settings/personal-access-tokens, then: " + c.command,
        )


def _no_checks(c: _Creds) -> Iterator[Finding]:
    return iter(())


_KIND_CHECKS: dict[RegistryKind, Callable[[_Creds], Iterator[Finding]]] = {
    RegistryKind.ECR: _check_ecr,
    RegistryKind.GAR: _check_gar,
    RegistryKind.GHCR: _check_ghcr,
    RegistryKind.DOCKERHUB: _check_dockerhub,
    RegistryKind.NGC: _check_ngc,
}


# --- the GCP_SERVICE_ACCOUNT_JSON secret ---------------------------------------------------


def analyze_service_account_json(value: Secret) -> list[Finding]:
    """Check the Baseten secret of the service-account JSON method: the raw key JSON."""
    text = value.reveal().strip()
    fix = "Store the key file's content as is: cat key.json"
    if not text:
        return [_finding("empty_value", Severity.ERROR, "The secret is empty.", fix)]
    if len(text) > _VALUE_MAX:
        return [_finding("not_json_key", Severity.ERROR, "The secret is far too long.", fix)]
    obj = _json_object(text)
    if obj is not None:
        return [] if _is_service_account_key(obj) else [_not_service_account_key(fix)]
    raw = _b64decode(text.replace("\n", "").replace("\r", ""))
    inner = _utf8(raw) if raw is not None else None
    if inner is not None and _json_object(inner.strip()) is not None:
        return [
            _finding(
                "json_key_base64_encoded",
                Severity.ERROR,
                "The service-account key was base64-encoded, but this secret must hold the "
                "raw JSON.",
                "Decode it and store the JSON: base64 -d key.b64 > key.json && cat key.json",
            )
        ]
    return [
        _finding(
            "not_json_key",
            Severity.ERROR,
            "The secret is not a service-account JSON key.",
            "Create a key: gcloud iam service-accounts keys create key.json "
            "--iam-account=<service account email>; then store: cat key.json",
        )
    ]


def _not_service_account_key(fix: str) -> Finding:
    return _finding(
        "not_service_account_key",
        Severity.ERROR,
        "The JSON is not a service-account key (type service_account, with a private "
        "key): user credentials from `gcloud auth application-default login` or a "
        "workload identity config cannot log in to a registry.",
        fix,
    )


# --- ECR token expiry -------------------------------------------------------------------


def ecr_token_expiry(password: Secret) -> datetime | None:
    """The expiry (UTC) embedded in an `aws ecr get-login-password` token, or None.

    The token is base64 of a JSON object `{"payload", "datakey", "version", "type":
    "DATA_KEY", "expiration"}` with `expiration` in Unix seconds. The format is not
    documented by AWS, so this reads it defensively: `exp`, `expiresAt` and
    `expires_at` are accepted too, as are milliseconds and numeric strings, and
    anything else gives None.
    """
    return _ecr_expiry(password.reveal().strip())


def _ecr_expiry(token: str) -> datetime | None:
    if not token or len(token) > _VALUE_MAX:
        return None
    raw = _b64decode(token)
    text = _utf8(raw) if raw is not None else None
    obj = _json_object(text) if text is not None else None
    if obj is None:
        return None
    for key in _ECR_EXPIRY_KEYS:
        when = _timestamp(obj.get(key))
        if when is not None:
            return when
    return None


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"[0-9]{1,15}(?:\.[0-9]+)?", value, re.ASCII):
            return None
        value = float(value)
    if not isinstance(value, (int, float)) or value <= 0:
        return None
    try:
        if value > _MILLISECONDS_ABOVE:
            value = value / 1000
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


# --- helpers --------------------------------------------------------------------------


def _finding(code: str, severity: Severity, message: str, fix: str) -> Finding:
    return Finding(code, severity, (), message, fix)


def _label(kind: RegistryKind) -> str:
    return REGISTRIES[kind.value].label


def _token_kind(text: str) -> str | None:
    """What public token family `text` belongs to, by its documented prefix."""
    for prefix, what in _TOKEN_PREFIXES:
        if text.startswith(prefix):
            return f"{what} ({prefix}…)"
    if text.startswith(_ECR_TOKEN_START):
        return "an ECR authorization token"
    if _AWS_ACCESS_KEY_ID.fullmatch(text):
        return f"an AWS access key ID ({text[:4]}…)"
    return None


def _show_username(username: str) -> str:
    """The username for a message: never a token that was put in the wrong place."""
    what = _token_kind(username.strip())
    if what is not None:
        return f"<{what}>"
    if len(username) > _USERNAME_SHOW_MAX:
        return f"<{len(username)} characters>"
    return repr(username)


def _base64_problem(body: str) -> str | None:
    """Why `body` (line breaks removed) is not standard padded base64, or None if it is."""
    if _BASE64.fullmatch(body):
        if len(body) % 4:
            return "its length is not a multiple of 4: `=` padding is missing, or it was cut short"
        return None
    what = _token_kind(body)
    if what is not None:
        return f"it is {what} as is, not base64 of `user:token`"
    if body.startswith("{"):
        return "it is raw JSON, not base64 of `user:token`"
    if ":" in body:
        return "it looks like the plain `user:token` text, not its base64"
    if _BASE64URL_ONLY.fullmatch(body):
        return "it uses the URL-safe alphabet (`-`, `_`); Docker needs standard base64 (`+`, `/`)"
    return "it contains characters base64 never uses (spaces, quotes, punctuation)"


def _b64decode(text: str) -> bytes | None:
    if not text or len(text) % 4 or not _BASE64.fullmatch(text):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _utf8(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Control characters other than line ends and tabs mean binary, not `user:token` text.
    if any(ch < " " and ch not in "\t\r\n" for ch in text):
        return None
    return text


def _json_object(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _is_service_account_key(obj: dict[str, Any]) -> bool:
    return obj.get("type") == "service_account" and bool(obj.get("private_key"))


def _gar_password_shape(token: str) -> str:
    """`access_token`, `json`, `json_base64`, `not_sa_json` (JSON, not a key) or `other`."""
    if token.startswith("ya29."):
        return "access_token"
    obj = _json_object(token)
    if obj is None:
        raw = _b64decode(token.replace("\n", "").replace("\r", ""))
        inner = _utf8(raw) if raw is not None else None
        obj = _json_object(inner.strip()) if inner is not None else None
        if obj is None:
            return "other"
        return "json_base64" if _is_service_account_key(obj) else "not_sa_json"
    return "json" if _is_service_account_key(obj) else "not_sa_json"


def _bare_host(host: str) -> str:
    """`https://index.docker.io/v1/` -> `index.docker.io`: a host as written in a secret name."""
    text = host.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    return text.split("/", 1)[0]


def _probe_ref(host: str) -> ImageRef | None:
    bare = _bare_host(host)
    if not bare:
        return None
    try:
        return parse_image(f"{bare}/probe")
    except ImageRefError:
        return None


def _ecr_region(host: str) -> str | None:
    ref = _probe_ref(host)
    if ref is None:
        return None
    info = detect_registry(ref)
    return info.region if info.kind is RegistryKind.ECR else None


def _as_utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def _when(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} days"
