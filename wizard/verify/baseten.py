"""Baseten's own API, spoken the way truss 0.18.36 speaks it.

- GraphQL at `<app>/graphql/` (app = `https://app.baseten.co` or the trussrc remote's
  `remote_url`): the organization id, the teams, and the AssumeRole trust inputs.
- REST at `<api>/v1/...` (api = `https://api.baseten.co`, mapped from the app URL as
  truss maps it): secrets, names only on the way out.

Both send `Authorization: Api-Key <key>`. The key is a `Secret` end to end: it, and any
secret value sent, never appears in a message, a repr, a log line or an exception; server
error text is scrubbed of both before it is shown. httpx is imported lazily.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.model.facts import BasetenFacts
from wizard.model.record import record
from wizard.model.secret import MASK, Secret

if TYPE_CHECKING:
    import httpx

API_KEY_ENV = "BASETEN_API_KEY"
# truss 0.18.36 reads the trussrc from here when set (tests, CI), else ~/.trussrc.
TRUSSRC_ENV = "USER_TRUSSRC_PATH"
TRUSSRC_SECTION = "baseten"  # the remote `truss login` writes
APP_URL_ENV = "REGISTRY_WIZARD_BASETEN_URL"
API_URL_ENV = "REGISTRY_WIZARD_BASETEN_API_URL"
DEFAULT_APP_URL = "https://app.baseten.co"
DEFAULT_API_URL = "https://api.baseten.co"
# truss's app → REST mapping; any other remote_url gets the production REST host.
_API_URLS = {
    "https://app.baseten.co": "https://api.baseten.co",
    "https://app.staging.baseten.co": "https://api.staging.baseten.co",
    "https://app.dev.baseten.co": "https://api.mc-dev.baseten.co",
    "http://localhost:8000": "http://api.localhost:8000",
}
DEFAULT_TIMEOUT = 15.0

API_KEYS_PAGE = "Settings → API keys"
INVALID_KEY = f"the API key is not valid: create one at {API_KEYS_PAGE}"
NO_KEY_HINT = (
    f"set {API_KEY_ENV}, or run `truss login` (it writes ~/.trussrc); create a key at "
    f"{API_KEYS_PAGE}"
)

# One round trip for everything a guide needs; the three queries truss sends separately
# are the fallback when the server refuses part of it.
_FACTS_QUERY = """
query RegistryWizardFacts {
    organization {
        id
        aws_customer_access_role_arn
        aws_external_id
    }
    teams {
        id
        name
        default
    }
}
"""
_ORG_QUERY = "query {\n    organization {\n        id\n    }\n}\n"
_TEAMS_QUERY = "query Teams {\n    teams {\n        id\n        name\n        default\n    }\n}\n"
_ASSUME_ROLE_QUERY = (
    "query {\n    organization {\n        aws_customer_access_role_arn\n"
    "        aws_external_id\n    }\n}\n"
)


class BasetenError(Exception):
    """A Baseten API call failed; `str()` is a sentence for the user, free of secrets.

    `kind`: "auth" (key refused), "forbidden" (key lacks a permission), "timeout",
    "unreachable", "graphql" (the server answered with an error), "error" (anything else).
    """

    def __init__(self, message: str, *, kind: str = "error", status: int | None = None) -> None:
        super().__init__(message)
        self.message, self.kind, self.status = message, kind, status

    @property
    def auth_failed(self) -> bool:
        return self.kind == "auth"

    def __repr__(self) -> str:
        return f"BasetenError({self.message!r}, kind={self.kind!r}, status={self.status!r})"


# --------------------------------------------------------------------------- the key


@record(frozen=True)
class BasetenLogin:
    """An API key and where it was found; `remote_url` is the trussrc remote's, if any."""

    key: Secret
    source: str
    remote_url: str | None = None


def trussrc_path() -> Path:
    return Path(os.environ.get(TRUSSRC_ENV) or "~/.trussrc").expanduser()


def _trussrc_sections(path: Path) -> Iterator[tuple[str, configparser.SectionProxy]]:
    """The trussrc's baseten remotes, `[baseten]` first. Unreadable files yield nothing."""
    # No interpolation: a literal '%' in a value must not break reading it.
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return
    names = parser.sections()
    if TRUSSRC_SECTION in names:
        names.remove(TRUSSRC_SECTION)
        names.insert(0, TRUSSRC_SECTION)
    for name in names:
        section = parser[name]
        provider = section.get("remote_provider", "baseten").strip()
        if provider == "baseten":
            yield name, section


def find_login() -> BasetenLogin | None:
    """`BASETEN_API_KEY`, else the trussrc: `[baseten]`, else the first other baseten
    remote with an inline `api_key` (OAuth remotes keep theirs in the OS keyring and are
    skipped). None when there is no key anywhere."""
    env_key = os.environ.get(API_KEY_ENV, "").strip()
    if env_key:
        return BasetenLogin(Secret(env_key), API_KEY_ENV)
    path = trussrc_path()
    for name, section in _trussrc_sections(path):
        key = (section.get("api_key") or "").strip()
        if key:
            remote_url = (section.get("remote_url") or "").strip() or None
            return BasetenLogin(Secret(key), f"{_display_path(path)} [{name}]", remote_url)
    return None


def find_api_key() -> tuple[Secret, str] | None:
    """(key, where it came from), e.g. `(Secret, "~/.trussrc [baseten]")`, or None."""
    login = find_login()
    return (login.key, login.source) if login else None


def _display_path(path: Path) -> str:
    home = Path.home()
    try:
        return f"~/{path.relative_to(home)}"
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- endpoints


@record(frozen=True)
class Endpoints:
    """Baseten's web app and API addresses."""

    app: str
    api: str

    @property
    def graphql(self) -> str:
        return f"{self.app}/graphql/"

    def rest(self, path: str) -> str:
        return f"{self.api}/{path.lstrip('/')}"


def endpoints(remote_url: str | None = None) -> Endpoints:
    """Where GraphQL and REST live.

    App (GraphQL): `REGISTRY_WIZARD_BASETEN_URL`, else `remote_url`, else app.baseten.co.
    REST: `REGISTRY_WIZARD_BASETEN_API_URL`; else, under `REGISTRY_WIZARD_BASETEN_URL`,
    that same URL (a stand-in serves both, and a test key must never reach production);
    else truss's mapping of the app URL.
    """
    override = os.environ.get(APP_URL_ENV, "").strip().rstrip("/")
    app = override or (remote_url or "").strip().rstrip("/") or DEFAULT_APP_URL
    api = os.environ.get(API_URL_ENV, "").strip().rstrip("/")
    if not api:
        api = override or _API_URLS.get(app, DEFAULT_API_URL)
    return Endpoints(app, api)


# --------------------------------------------------------------------------- transport


def _scrub(text: str, *secrets: Secret | None) -> str:
    for secret in secrets:
        if secret is not None and len(secret) >= 4:
            text = text.replace(secret.reveal(), MASK)
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


def _server_message(response: httpx.Response) -> str:
    """The human part of an error body: `message`, `detail`, `error`, or the text."""
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()
    if isinstance(data, dict):
        for field_name in ("message", "detail", "error", "errors"):
            value = data.get(field_name)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, list) and value and isinstance(value[0], dict):
                return str(value[0].get("message", ""))
    return ""


class _Client:
    """One httpx client for a batch of calls, with the key applied per request."""

    def __init__(self, key: Secret, timeout: float, *also_secret: Secret) -> None:
        import httpx

        if not isinstance(key, Secret):
            raise TypeError("the Baseten API key is passed as a Secret")
        if not key:
            raise BasetenError(f"no Baseten API key: {NO_KEY_HINT}", kind="auth")

        class _ApiKeyAuth(httpx.Auth):
            # The header is set inside httpx, so no frame of ours holds the revealed key.
            def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
                request.headers["Authorization"] = f"Api-Key {key.reveal()}"
                yield request

        self._key, self._timeout, self._also = key, timeout, also_secret
        self._http = httpx.Client(
            auth=_ApiKeyAuth(),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": "registry-wizard", "Accept": "application/json"},
        )

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def scrub(self, text: str) -> str:
        return _scrub(text, self._key, *self._also)

    def request(
        self, method: str, url: str, what: str, *, graphql: bool = False, **kwargs: Any
    ) -> Any:
        """Send, map failures to BasetenError, return the JSON body. With `graphql`, a
        400 carrying a GraphQL `errors` body (a refused query) is returned, not raised."""
        import httpx

        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise BasetenError(
                f"Baseten ({_host(url)}) did not answer within {self._timeout:g} s while "
                f"trying to {what}",
                kind="timeout",
            ) from None
        except httpx.HTTPError as e:
            raise BasetenError(
                f"cannot reach Baseten at {_host(url)} to {what}: {type(e).__name__}",
                kind="unreachable",
            ) from None
        status = response.status_code
        if status == 401:
            raise BasetenError(INVALID_KEY, kind="auth", status=status)
        if status == 403:
            raise BasetenError(
                f"the API key may not {what} (403): use a personal API key, or a workspace "
                f"key with management access ({API_KEYS_PAGE})",
                kind="forbidden",
                status=status,
            )
        if graphql and status == 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and body.get("errors"):
                return body
        if not 200 <= status < 300:
            detail = self.scrub(_server_message(response))
            raise BasetenError(
                f"Baseten answered {status} when trying to {what}"
                + (f": {detail}" if detail else ""),
                status=status,
            )
        try:
            return response.json()
        except ValueError:
            raise BasetenError(
                f"Baseten's answer to {what} is not JSON ({_host(url)}: is "
                f"{APP_URL_ENV} or the trussrc remote_url right?)",
                status=status,
            ) from None

    def graphql(self, url: str, query: str, what: str) -> dict[str, Any]:
        """`{"data": ...}`; a GraphQL `errors` answer raises, with Baseten's own words."""
        body = self.request("POST", url, what, graphql=True, json={"query": query})
        if not isinstance(body, dict):
            raise BasetenError(f"Baseten's answer to {what} is not a GraphQL response")
        errors = body.get("errors")
        if errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            extensions = first.get("extensions") or {}
            message = extensions.get("description") or first.get("message") or "error"
            code = str(extensions.get("code") or "")
            if code.upper() in {"UNAUTHENTICATED", "UNAUTHORIZED"}:
                raise BasetenError(INVALID_KEY, kind="auth")
            raise BasetenError(
                f"Baseten refused to {what}: {self.scrub(str(message))}"
                + (f" ({code})" if code else ""),
                kind="graphql",
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise BasetenError(f"Baseten's answer to {what} has no data")
        return data


# --------------------------------------------------------------------------- the calls


def fetch_facts(
    key: Secret, *, remote_url: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> BasetenFacts:
    """Organization id, teams (default first; `team_id` is the default team's), and the
    AssumeRole role ARN + external ID (None unless AssumeRole is enabled for the org).

    One GraphQL round trip; if the server refuses the combined query, truss's three
    separate queries, where only the AssumeRole one may fail quietly (as in truss).
    """
    ep = endpoints(remote_url)
    with _Client(key, timeout) as client:
        try:
            data = client.graphql(ep.graphql, _FACTS_QUERY, "read your organization")
            org = data.get("organization") or {}
            teams = data.get("teams")
            if not org.get("id") or not isinstance(teams, list):
                raise BasetenError("incomplete answer", kind="graphql")
        except BasetenError as e:
            if e.kind != "graphql":
                raise
            org = dict(
                client.graphql(ep.graphql, _ORG_QUERY, "read your organization id").get(
                    "organization"
                )
                or {}
            )
            teams = client.graphql(ep.graphql, _TEAMS_QUERY, "list your teams").get("teams")
            try:
                role = client.graphql(
                    ep.graphql, _ASSUME_ROLE_QUERY, "read the AWS AssumeRole settings"
                ).get("organization")
            except BasetenError as role_error:
                if role_error.kind != "graphql":
                    raise
                role = None
            org.update(role or {"aws_customer_access_role_arn": None, "aws_external_id": None})
    return _facts(org, teams)


def _facts(org: dict[str, Any], teams: Any) -> BasetenFacts:
    org_id = org.get("id")
    if not org_id:
        raise BasetenError("Baseten did not return an organization id")
    rows = [t for t in (teams or []) if isinstance(t, dict) and t.get("id")]
    rows.sort(key=lambda t: not t.get("default"))  # stable: the default team first
    # No team marked default: a lone team is the one; among several, we do not guess.
    team_id = str(rows[0]["id"]) if rows and (rows[0].get("default") or len(rows) == 1) else None
    role_arn = org.get("aws_customer_access_role_arn") or None
    external_id = org.get("aws_external_id") or None
    if role_arn is None or external_id is None:  # truss: both or neither
        role_arn = external_id = None
    return BasetenFacts(
        org_id=str(org_id),
        team_id=team_id,
        teams=[(str(t["id"]), str(t.get("name") or t["id"])) for t in rows],
        aws_role_arn=role_arn,
        external_id=external_id,
    )


def list_secrets(
    key: Secret, *, remote_url: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> set[str]:
    """Names of the secrets the key can see (`GET /v1/secrets`); values are never read."""
    ep = endpoints(remote_url)
    with _Client(key, timeout) as client:
        body = client.request("GET", ep.rest("v1/secrets"), "list your secrets")
    items = body.get("secrets") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise BasetenError("Baseten's list of secrets is not in the expected form")
    return {str(item["name"]) for item in items if isinstance(item, dict) and item.get("name")}


def set_secret(
    key: Secret,
    name: str,
    value: Secret,
    *,
    remote_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Create or replace a secret (`POST /v1/secrets {name, value}`, the key's primary team)."""
    if not isinstance(value, Secret):
        raise TypeError("set_secret takes the value as a Secret")
    if not name.strip():
        raise BasetenError("a secret needs a name")
    if not value:
        raise BasetenError(f"the value for secret {name!r} is empty")
    ep = endpoints(remote_url)
    with _Client(key, timeout, value) as client:
        client.request(
            "POST",
            ep.rest("v1/secrets"),
            f"store secret {name!r}",
            json={"name": name, "value": value.reveal()},
        )


@record
class StoredSecret:
    """What storing the registry secret came to: the name Baseten now lists, or why not
    (`failed`: Baseten was asked and refused or does not list it)."""

    name: str | None
    problem: str = ""
    failed: bool = False


def store_registry_secret(
    name: str, username: str, token: Secret | None, key: Secret | None = None
) -> StoredSecret:
    """Store `DOCKER_REGISTRY_<host>` = base64(username:token) with the user's Baseten key
    (`key`, typed into the wizard, else BASETEN_API_KEY or ~/.trussrc), for the wizards'
    "store the secret" answer. Never stores a half-empty credential: a skipped live check
    leaves no token to store."""
    from wizard.verify.analyze import encode_registry_secret

    if key is None:
        found = find_api_key()
        key = found[0] if found else None
    if key is None or not token or not username:
        return StoredSecret(
            None,
            "the secret was not stored: it needs the username and token of the live check "
            "and a Baseten API key (BASETEN_API_KEY, or log in with truss login)",
        )
    try:
        set_secret(key, name, encode_registry_secret(username, token))
    except BasetenError as e:
        return StoredSecret(None, f"the secret was not stored: {e}", failed=True)
    try:
        listed = name in list_secrets(key)
    except BasetenError as e:
        return StoredSecret(None, f"Baseten accepted {name}; listing it failed: {e}", failed=True)
    if not listed:
        return StoredSecret(None, f"Baseten accepted {name} but does not list it", failed=True)
    return StoredSecret(name)
