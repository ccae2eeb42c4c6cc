"""Reuse what `docker login` stored, resolved the way the docker CLI resolves it.

Mirrors docker/cli `cli/config/configfile/file.go` (GetAuthConfig,
GetCredentialsStore), `cli/config/credentials/{file,native}_store.go` and the
docker/docker-credential-helpers client protocol:

1. `$DOCKER_AUTH_CONFIG` (a config.json document in the environment), when it has an
   entry under the exact lookup key: that entry is final.
2. `credHelpers[key]` (exact key), else `credsStore`: run `docker-credential-<name> get`
   with the key on stdin. A configured helper is final: docker never falls back to the
   file's inline `auths` when a helper is configured, so neither do we.
3. `auths[key]`, else the first `auths` entry whose key `ConvertToHostname` turns into
   the lookup host (`https://ghcr.io`, `ghcr.io/v2/`): base64 `auth`, or
   `username`/`password`; an `identitytoken` wins over both.

The lookup key is `https://index.docker.io/v1/` for Docker Hub, else `host[:port]`.

An identity token (`DockerCredential.identity_token`) is an OAuth refresh token, not a
password: the v2 token endpoint wants it as `grant_type=refresh_token` (POST), not in
Basic auth. Callers that only do the Basic flow should report it as unsupported.

Secrets only ever live in `Secret`; no message, repr or log line carries one, and
exceptions raised while decoding one are not chained (`from None`).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wizard.model.image import ImageRef
from wizard.model.record import record
from wizard.model.secret import Secret

__all__ = [
    "HELPER_PREFIX",
    "TOKEN_USERNAME",
    "DockerConfigError",
    "DockerCredential",
    "convert_to_hostname",
    "default_config_path",
    "find_credential",
]

_log = logging.getLogger(__name__)

CONFIG_FILE_NAME = "config.json"
HELPER_PREFIX = "docker-credential-"
# A helper answering with this username holds an identity token (native_store.go).
TOKEN_USERNAME = "<token>"
# The standard "nothing stored" answer of every helper (credentials/error.go).
_NOT_FOUND_MESSAGE = "credentials not found in native keychain"
_ENV_CONFIG = "DOCKER_AUTH_CONFIG"
# Helper failure output is shown to the user; keep it to one short line.
_MESSAGE_MAX = 200
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*", re.ASCII)


@record(frozen=True)
class DockerCredential:
    """A credential docker would send for one registry.

    `source` says where it came from, for the user: `~/.docker/config.json auths[ghcr.io]`
    or `credential helper docker-credential-osxkeychain`. With `identity_token`, `password`
    holds an OAuth refresh token (and `username` may be empty).
    """

    username: str
    password: Secret
    source: str
    identity_token: bool = False


class DockerConfigError(Exception):
    """Docker's stored credentials cannot be read; the message names the file (and helper)
    and what to do. It never contains a secret.

    `path`: the config file (None for `$DOCKER_AUTH_CONFIG`); `registry`: the lookup key,
    or the `auths` key as written when that entry is broken; `helper`: the
    `docker-credential-*` program involved, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        registry: str | None = None,
        helper: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.registry = registry
        self.helper = helper

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_error,
            (str(self), self.path, self.registry, self.helper),
        )


def _rebuild_error(
    message: str, path: Path | None, registry: str | None, helper: str | None
) -> DockerConfigError:
    return DockerConfigError(message, path=path, registry=registry, helper=helper)


def default_config_path() -> Path:
    """`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json` (docker's config.Dir())."""
    directory = os.environ.get("DOCKER_CONFIG", "")
    base = Path(directory) if directory else Path.home() / ".docker"
    return base / CONFIG_FILE_NAME


def find_credential(
    ref: ImageRef, config_path: Path | None = None, *, timeout: float = 10.0
) -> DockerCredential | None:
    """The credential `docker pull ref` would use, or None if nothing is stored for its registry.

    `config_path` is a config.json file (or a directory holding one); it must exist when
    given. Without it, a missing default file just means nothing is stored. `timeout`
    bounds each credential-helper run. Raises DockerConfigError when what is stored
    cannot be read.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    lookup = _Lookup(ref)

    in_env, from_env = _from_env(lookup)
    if in_env:
        return from_env

    explicit = config_path is not None
    path = Path(config_path) if config_path is not None else default_config_path()
    if path.is_dir():
        path = path / CONFIG_FILE_NAME
    config = _load_config(path, lookup, must_exist=explicit)
    if config is None:
        _log.debug("no docker config at %s", _display(path))
        return None

    helper, setting = _configured_helper(config, path, lookup)
    if helper:
        return _from_helper(helper, setting, path, lookup, timeout)
    return _from_auths(config, path, lookup)


def convert_to_hostname(maybe_url: str) -> str:
    """docker's ConvertToHostname: `https://ghcr.io/v2/` and `ghcr.io/v2/` -> `ghcr.io`."""
    scheme, sep, rest = maybe_url.partition("://")
    if sep and _URL_SCHEME.fullmatch(scheme):
        netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        hostport = netloc.rpartition("@")[2]
        host, port = _split_host_port(hostport)
        if host:
            if not port:
                return host
            return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return maybe_url.split("/", 1)[0]


# --- internals -------------------------------------------------------------------------


class _Lookup:
    """What is being looked up, and how to tell the user to fix it."""

    def __init__(self, ref: ImageRef) -> None:
        self.key = ref.auth_key
        self.login = "docker login" if ref.is_docker_hub else f"docker login {ref.registry}"


def _split_host_port(hostport: str) -> tuple[str, str]:
    # Go's url.Hostname()/Port(): brackets around IPv6; a port must be all digits.
    if hostport.startswith("["):
        host, close, rest = hostport[1:].partition("]")
        if not close:
            return "", ""
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, colon, port = hostport.rpartition(":")
        if not colon:
            host, port = hostport, ""
    if port and not (port.isascii() and port.isdigit()):
        return "", ""
    return host, port


def _display(path: Path) -> str:
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)


def _field(obj: dict[str, Any], name: str) -> Any:
    # Go's encoding/json matches object keys to fields case-insensitively; the last wins.
    value = None
    for key, candidate in obj.items():
        if key.lower() == name.lower():
            value = candidate
    return value


def _load_config(path: Path, lookup: _Lookup, *, must_exist: bool) -> dict[str, Any] | None:
    from wizard.config.document import ConfigError
    from wizard.config.files import read_regular

    shown = _display(path)
    if not path.exists() and not path.is_symlink():
        if must_exist:
            raise DockerConfigError(
                f"docker config {shown} does not exist; pass the path of the config.json "
                f"that `{lookup.login}` wrote (default {_display(default_config_path())})",
                path=path,
                registry=lookup.key,
            ) from None
        return None
    try:
        raw = read_regular(path)
    except ConfigError as e:
        raise DockerConfigError(
            f"cannot read docker config {shown}: {e.message}",
            path=path,
            registry=lookup.key,
        ) from None
    return _parse_config(raw, shown, path, lookup)


def _parse_config(raw: bytes, shown: str, path: Path | None, lookup: _Lookup) -> dict[str, Any]:
    def bad(problem: str) -> DockerConfigError:
        return DockerConfigError(
            f"docker config {shown} {problem}, so the credentials for {lookup.key} cannot be "
            f"read; fix or remove the file, then run `{lookup.login}` again",
            path=path,
            registry=lookup.key,
        )

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad("is not UTF-8 text") from None
    if text.startswith("\ufeff"):
        raise bad("starts with a byte-order mark, which docker cannot read")
    text = text.lstrip()
    if not text:
        return {}  # docker treats an empty file as an empty config
    try:
        # Like Go's json.Decoder: one value, trailing bytes ignored.
        data, _ = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as e:
        # e.msg/lineno/colno describe the position only, never the content.
        raise bad(f"is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    if not isinstance(data, dict):
        raise bad("is not a JSON object")
    for name, kind in (("auths", dict), ("credHelpers", dict), ("credsStore", str)):
        value = _field(data, name)
        if value is not None and not isinstance(value, kind):
            expected = "an object" if kind is dict else "a string"
            raise bad(f'has a "{name}" that is not {expected}')
    return data


def _configured_helper(config: dict[str, Any], path: Path, lookup: _Lookup) -> tuple[str, str]:
    """(helper name, where it is configured); ("", "") means the file's own auths."""
    helpers = _field(config, "credHelpers") or {}
    if lookup.key in helpers:
        # An empty credHelpers entry is docker's way to opt one registry out of credsStore.
        name = helpers[lookup.key]
        setting = f"credHelpers[{lookup.key}]"
    else:
        name = _field(config, "credsStore") or ""
        setting = "credsStore"
    if not isinstance(name, str):
        raise _config_error(path, lookup, f'has a non-string helper name in "{setting}"')
    if any(sep in name for sep in ("/", "\\", os.sep)) or name in (".", ".."):
        raise _config_error(
            path, lookup, f'names the credential helper {name!r} in "{setting}", which is a path'
        )
    return name, setting


def _config_error(path: Path, lookup: _Lookup, problem: str) -> DockerConfigError:
    return DockerConfigError(
        f"docker config {_display(path)} {problem}; fix the file, then run `{lookup.login}` again",
        path=path,
        registry=lookup.key,
    )


def _from_env(lookup: _Lookup) -> tuple[bool, DockerCredential | None]:
    """(whether `$DOCKER_AUTH_CONFIG` has an entry for the key, its credential).

    Docker ignores the variable entirely when it does not parse, and then so do we.
    """
    value = os.environ.get(_ENV_CONFIG, "")
    if not value:
        return False, None
    shown = f"${_ENV_CONFIG}"
    try:
        data = _parse_config(value.encode("utf-8", "surrogatepass"), shown, None, lookup)
    except (DockerConfigError, UnicodeEncodeError):
        _log.debug("ignoring %s: it does not parse", shown)
        return False, None
    auths = _field(data, "auths") or {}
    if lookup.key not in auths:
        return False, None
    try:
        return True, _entry_credential(auths[lookup.key], lookup.key, shown, None, lookup)
    except DockerConfigError:
        # docker decodes every `auth` while loading, so one bad entry voids the variable.
        _log.debug("ignoring %s: its entry for %s does not parse", shown, lookup.key)
        return False, None


def _from_auths(config: dict[str, Any], path: Path, lookup: _Lookup) -> DockerCredential | None:
    auths: dict[str, Any] = _field(config, "auths") or {}
    key: str | None = lookup.key
    if key not in auths:
        # Keys written as URLs (`https://ghcr.io`, `ghcr.io/v2/`). Docker iterates a Go map
        # (random order); file order makes the pick deterministic. Our ImageRef host is
        # lowercase, so compare without case. Docker Hub's key never matches a hostname.
        key = next((k for k in auths if convert_to_hostname(k).lower() == lookup.key.lower()), None)
    if key is None:
        _log.debug("no entry for %s in %s", lookup.key, _display(path))
        return None
    return _entry_credential(auths[key], key, _display(path), path, lookup)


def _entry_credential(
    entry: Any, key: str, shown: str, path: Path | None, lookup: _Lookup
) -> DockerCredential | None:
    source = f"{shown} auths[{key}]"

    def bad(problem: str) -> DockerConfigError:
        return DockerConfigError(
            f"{shown} auths[{key}] {problem}; run `{lookup.login}` again to store it afresh",
            path=path,
            registry=key,
        )

    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise bad("is not a JSON object")
    fields: dict[str, str] = {}
    for name in ("auth", "username", "password", "identitytoken"):
        value = _field(entry, name)
        if value is not None and not isinstance(value, str):
            raise bad(f'has a "{name}" that is not a string')
        fields[name] = value or ""

    username, password = fields["username"], fields["password"]
    if fields["auth"]:
        username, password = _decode_auth(fields["auth"], bad)
    if fields["identitytoken"]:
        _log.debug("using the identity token in %s", source)
        return DockerCredential(username, Secret(fields["identitytoken"]), source, True)
    if not username and not password:
        return None  # e.g. Docker Desktop's `{}` placeholders
    _log.debug("using %s", source)
    return DockerCredential(username, Secret(password), source)


def _decode_auth(auth: str, bad: Callable[[str], DockerConfigError]) -> tuple[str, str]:
    """docker's decodeAuth: strict padded base64 of `user:password`, user not empty."""
    try:
        decoded = base64.b64decode(auth.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise bad('has an "auth" that is not valid base64') from None
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise bad('has an "auth" that does not decode to UTF-8 text') from None
    username, colon, password = text.partition(":")
    if not colon or not username:
        raise bad('has an "auth" that is not base64 of "user:password"')
    return username, password.strip("\x00")


def _from_helper(
    name: str, setting: str, path: Path, lookup: _Lookup, timeout: float
) -> DockerCredential | None:
    program = HELPER_PREFIX + name
    shown = _display(path)
    source = f"credential helper {program}"

    def error(problem: str, todo: str) -> DockerConfigError:
        return DockerConfigError(
            f"{program} (from {setting} in {shown}) {problem}; {todo}",
            path=path,
            registry=lookup.key,
            helper=program,
        )

    executable = shutil.which(program)
    if executable is None:
        raise error(
            "is not installed or not on PATH",
            f"install it, or remove {setting} from {shown} and run `{lookup.login}` again",
        )
    _log.debug("asking %s for %s", program, lookup.key)
    try:
        # No shell; the key goes on stdin, as docker sends it (no newline). stderr is
        # captured so a helper cannot scribble over a full-screen UI.
        done = subprocess.run(
            [executable, "get"],
            input=lookup.key.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise error(
            f"did not answer within {timeout:g} s",
            "it may be waiting for a locked keychain or a login prompt; unlock it or check "
            "the helper, then try again",
        ) from None
    except OSError as e:
        raise error(
            f"could not be run ({e.strerror or type(e).__name__})",
            "check that it is executable, or reinstall it",
        ) from None

    out = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        if out == _NOT_FOUND_MESSAGE:
            _log.debug("%s has nothing stored for %s", program, lookup.key)
            return None
        said = _helper_message(out) or _helper_message(done.stderr.decode("utf-8", "replace"))
        raise error(
            f"failed (exit status {done.returncode}{': ' + said if said else ''})",
            f"check the helper, or run `{lookup.login}` again",
        )
    return _parse_helper_answer(done.stdout, source, error, lookup)


def _helper_message(output: str) -> str:
    """One line of a helper's failure output, for the user. A JSON answer could carry the
    secret itself, so anything that looks like JSON is left out."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    if "{" in output:
        return ""
    line = lines[-1]
    return line if len(line) <= _MESSAGE_MAX else line[: _MESSAGE_MAX - 1] + "…"


def _parse_helper_answer(
    stdout: bytes,
    source: str,
    error: Callable[[str, str], DockerConfigError],
    lookup: _Lookup,
) -> DockerCredential | None:
    def bad() -> DockerConfigError:
        # The output may hold the secret: never quote it.
        return error(
            'answered with something other than {"ServerURL","Username","Secret"} JSON',
            "check the helper, or run `" + lookup.login + "` again",
        )

    try:
        data, _ = json.JSONDecoder().raw_decode(stdout.decode("utf-8").lstrip())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad() from None
    if not isinstance(data, dict):
        raise bad()
    username, secret = _field(data, "Username"), _field(data, "Secret")
    if not isinstance(username or "", str) or not isinstance(secret or "", str):
        raise bad()
    username, secret = username or "", secret or ""
    if username == TOKEN_USERNAME:
        _log.debug("using the identity token from %s", source)
        return DockerCredential("", Secret(secret), source, identity_token=True)
    if not username and not secret:
        return None
    _log.debug("using %s", source)
    return DockerCredential(username, Secret(secret), source)
