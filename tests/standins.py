"""Loopback stand-ins for the cloud APIs the wizard reads, speaking their documented JSON.

- `BasetenStandIn`: Baseten's GraphQL (`organization { id aws_customer_access_role_arn
  aws_external_id }`, `teams { id name default }`) and REST secrets (`GET`/`POST
  /v1/secrets`), checking `Authorization: Api-Key <key>`; secrets live in memory.
- `GcpStandIn`: an OAuth token endpoint for Application Default Credentials
  (`authorized_user` or `service_account` files it writes itself), the IAM workload
  identity provider and pool GETs, service-account and Artifact Registry repository
  `getIamPolicy`, and the project `getIamPolicy` of Resource Manager. Each piece of state
  is a plain attribute a test may change, or break with `fail[...]`.

Both are context managers with `.url` and `env()` (the variables that point the wizard,
and google-auth, at them). Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from http.client import HTTPMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.e2e.loopback import LoopbackServer, Reply, Response, Stall

# A Truss config pulling from Artifact Registry with a service-account key (doctor
# suggests OIDC for it, with a `registry-wizard setup` command).
GCP_KEY_CONFIG = (
    "model_name: m\nbase_image:\n  image: us-docker.pkg.dev/p/r/app:1.0\n"
    "  docker_auth:\n    auth_method: GCP_SERVICE_ACCOUNT_JSON\n"
    "    registry: us-docker.pkg.dev\n    secret_name: gcp-key\n"
)

# A service-account key with every field signing in needs. Its private key is not a key:
# for what reads a key file (the form, the loader), not for what signs with it.
COMPLETE_KEY = {
    "type": "service_account",
    "client_email": "puller@my-project.iam.gserviceaccount.com",
    "private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
    "token_uri": "https://oauth2.googleapis.com/token",
}

JSON = {"Content-Type": "application/json"}


def json_reply(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, {**JSON, **(headers or {})}, json.dumps(body).encode())


class _StandIn:
    """A LoopbackServer owned by a stand-in; `fail[key]` short-circuits one route."""

    def __init__(self) -> None:
        self.server = LoopbackServer(self._dispatch)
        self.fail: dict[str, Response | Stall | int] = {}
        self.lock = threading.Lock()

    def __enter__(self) -> Any:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Any]:
        return self.server.requests

    def _failure(self, route: str) -> Reply | None:
        planned = self.fail.get(route)
        if planned is None:
            return None
        if isinstance(planned, int):
            return json_reply(planned, {"message": f"stand-in failure {planned}"})
        return planned

    def _dispatch(self, method: str, target: str, headers: HTTPMessage, body: bytes) -> Reply:
        raise NotImplementedError


# --------------------------------------------------------------------------- Baseten


class BasetenStandIn(_StandIn):
    """Baseten's app (GraphQL at /graphql/) and REST API (/v1/...) on one loopback port."""

    def __init__(
        self,
        *,
        api_key: str = "standin-baseten-key-0123456789",
        org_id: str = "Mvg9jrRd",
        teams: list[dict[str, Any]] | None = None,
        role_arn: str | None = None,
        external_id: str | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.org_id = org_id
        self.teams: list[dict[str, Any]] = (
            teams
            if teams is not None
            else [
                {"id": "qe3Lnz1b", "name": "Research", "default": False},
                {"id": "AviIZ0y3", "name": "Default Team", "default": True},
            ]
        )
        self.role_arn = role_arn
        self.external_id = external_id
        self.secrets: dict[str, str] = dict(secrets or {})
        # GraphQL fields whose resolver fails (as the server does when a feature is off).
        self.failing_fields: set[str] = set()
        self.team_name = "Default Team"

    def env(self, *, with_key: bool = False) -> dict[str, str]:
        env = {"REGISTRY_WIZARD_BASETEN_URL": self.url, "REGISTRY_WIZARD_BASETEN_API_URL": self.url}
        if with_key:
            env["BASETEN_API_KEY"] = self.api_key
        return env

    # -- routing

    def _dispatch(self, method: str, target: str, headers: HTTPMessage, body: bytes) -> Reply:
        path = urlsplit(target).path
        route = "graphql" if path.rstrip("/") == "/graphql" else f"{method} {path}"
        failure = self._failure(route)
        if failure is not None:
            return failure
        if headers.get("Authorization") != f"Api-Key {self.api_key}":
            return json_reply(401, {"detail": "Invalid API key"})
        if route == "graphql" and method == "POST":
            return self._graphql(body)
        if route == "GET /v1/secrets":
            with self.lock:
                names = sorted(self.secrets)
            return json_reply(200, {"secrets": [self._secret_json(n) for n in names]})
        if route == "POST /v1/secrets":
            try:
                data = json.loads(body)
            except ValueError:
                return json_reply(400, {"message": "body is not JSON"})
            name, value = data.get("name"), data.get("value")
            if not isinstance(name, str) or not name or not isinstance(value, str):
                return json_reply(400, {"message": "name and value are required strings"})
            with self.lock:
                self.secrets[name] = value
            return json_reply(200, self._secret_json(name))
        return json_reply(404, {"message": f"no route {method} {path}"})

    def _secret_json(self, name: str) -> dict[str, str]:
        return {"name": name, "created_at": "2025-01-01T00:00:00Z", "team_name": self.team_name}

    # -- GraphQL: just enough of the language to resolve selections of known fields

    def _graphql(self, body: bytes) -> Reply:
        try:
            query = json.loads(body)["query"]
            selection = parse_selection(query)
        except (ValueError, KeyError, TypeError) as e:
            return json_reply(400, {"errors": [{"message": f"Syntax Error: {e}"}]})
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for name, sub in selection.items():
            if name == "organization":
                org = {
                    "id": self.org_id,
                    "aws_customer_access_role_arn": self.role_arn,
                    "aws_external_id": self.external_id,
                }
                unknown = set(sub) - set(org)
                if unknown:
                    return _cannot_query(sorted(unknown)[0], "OrganizationType")
                failing = set(sub) & self.failing_fields
                if failing:
                    errors.append(_resolver_error(sorted(failing)[0], ["organization"]))
                    data["organization"] = None
                else:
                    data["organization"] = {f: org[f] for f in sub}
            elif name == "teams":
                unknown = set(sub) - {"id", "name", "default"}
                if unknown:
                    return _cannot_query(sorted(unknown)[0], "TeamType")
                if "teams" in self.failing_fields:
                    errors.append(_resolver_error("teams", ["teams"]))
                    data["teams"] = None
                else:
                    data["teams"] = [{f: t.get(f) for f in sub} for t in self.teams]
            else:
                return _cannot_query(name, "Query")
        answer: dict[str, Any] = {"data": data}
        if errors:
            answer["errors"] = errors
        return json_reply(200, answer)


def _cannot_query(field: str, on: str) -> Response:
    return json_reply(
        400, {"errors": [{"message": f"Cannot query field '{field}' on type '{on}'."}]}
    )


def _resolver_error(field: str, path: list[str]) -> dict[str, Any]:
    return {
        "message": f"{field} is not available for this organization",
        "path": path,
        "extensions": {"code": "FORBIDDEN"},
    }


_GQL_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\{|\}|\(|\)|:|\$|!|,|\.\.\.))")


def parse_selection(query: str) -> dict[str, Any]:
    """`query Name { a { b c } d }` → {"a": {"b": {}, "c": {}}, "d": {}} (args ignored)."""
    tokens: list[str] = []
    pos = 0
    query = re.sub(r"#[^\n]*", "", query).strip()
    while pos < len(query):
        m = _GQL_TOKEN.match(query, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unexpected {query[pos : pos + 10]!r}")
        tokens.append(m.group(1) or m.group(2))
        pos = m.end()
    i = 0
    if tokens and tokens[0] in ("query", "mutation"):
        i = 1
        if i < len(tokens) and tokens[i] not in ("{", "("):
            i += 1  # operation name
        if i < len(tokens) and tokens[i] == "(":
            i = _skip_parens(tokens, i)

    def selection_set(i: int) -> tuple[dict[str, Any], int]:
        if tokens[i] != "{":
            raise ValueError("expected '{'")
        i += 1
        fields: dict[str, Any] = {}
        while tokens[i] != "}":
            name = tokens[i]
            i += 1
            if i < len(tokens) and tokens[i] == ":":  # alias: keep the real field name
                name = tokens[i + 1]
                i += 2
            if i < len(tokens) and tokens[i] == "(":
                i = _skip_parens(tokens, i)
            sub: dict[str, Any] = {}
            if i < len(tokens) and tokens[i] == "{":
                sub, i = selection_set(i)
            fields[name] = sub
        return fields, i + 1

    fields, end = selection_set(i)
    if end != len(tokens):
        raise ValueError("text after the selection set")
    return fields


def _skip_parens(tokens: list[str], i: int) -> int:
    depth = 0
    while i < len(tokens):
        depth += {"(": 1, ")": -1}.get(tokens[i], 0)
        i += 1
        if depth == 0:
            return i
    raise ValueError("unbalanced '('")


# --------------------------------------------------------------------------- GCP


class GcpStandIn(_StandIn):
    """Google's token endpoint plus the IAM, Artifact Registry and Resource Manager reads.

    Defaults describe a correct GCP_OIDC setup for `org_id`/`team_id`. Routes for `fail`:
    "token", "provider", "pool", "sa", "repo", "project".
    """

    def __init__(
        self,
        *,
        adc: str = "authorized_user",
        project_id: str = "my-project",
        project_number: str = "123456789012",
        pool: str = "baseten",
        provider_id: str = "baseten-oidc",
        service_account: str = "baseten-puller@my-project.iam.gserviceaccount.com",
        location: str = "us-central1",
        repository: str = "images",
        org_id: str = "Mvg9jrRd",
        team_id: str = "AviIZ0y3",
    ) -> None:
        super().__init__()
        if adc not in ("authorized_user", "service_account"):
            raise ValueError("adc is authorized_user or service_account")
        self.adc = adc
        self.project_id, self.project_number = project_id, project_number
        self.pool, self.provider_id = pool, provider_id
        self.service_account, self.location, self.repository = (
            service_account,
            location,
            repository,
        )
        self.access_token = "ya29.standin-access-token"
        self.pool_exists = True
        self.provider: dict[str, Any] | None = {
            "name": "",  # filled in from the path on every GET
            "displayName": "Baseten",
            "state": "ACTIVE",
            "disabled": False,
            "attributeMapping": {"google.subject": "assertion.sub"},
            "attributeCondition": f"google.subject.startsWith('v=1:org={org_id}:team={team_id}:')",
            "oidc": {
                "issuerUri": "https://oidc.baseten.co",
                "allowedAudiences": ["oidc.baseten.co"],
            },
        }
        self.sa_policy: dict[str, Any] | None = {
            "version": 1,
            "etag": "BwXhqDx0Hlg=",
            "bindings": [{"role": "roles/iam.workloadIdentityUser", "members": [self.pool_member]}],
        }
        self.repo_policy: dict[str, Any] | None = {
            "etag": "BwXhqDx0Hlg=",
            "bindings": [
                {
                    "role": "roles/artifactregistry.reader",
                    "members": [f"serviceAccount:{service_account}"],
                }
            ],
        }
        self.project_policy: dict[str, Any] = {"version": 1, "etag": "BwXhqDx0Hlg=", "bindings": []}
        self.token_requests: list[dict[str, list[str]]] = []
        self._tmp: Path | None = None

    # -- names a test uses

    @property
    def provider_path(self) -> str:
        return (
            f"projects/{self.project_number}/locations/global/workloadIdentityPools/"
            f"{self.pool}/providers/{self.provider_id}"
        )

    @property
    def pool_member(self) -> str:
        return (
            f"principalSet://iam.googleapis.com/projects/{self.project_number}/locations/global/"
            f"workloadIdentityPools/{self.pool}/*"
        )

    def check_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """Arguments for `check_gcp_oidc` that describe this stand-in's setup."""
        kwargs: dict[str, Any] = {
            "service_account": self.service_account,
            "workload_provider": self.provider_path,
            "location": self.location,
            "project": self.project_id,
            "repository": self.repository,
            "org_id": None,
            "team_id": None,
        }
        kwargs.update(overrides)
        return kwargs

    # -- lifecycle and ADC

    def __enter__(self) -> GcpStandIn:
        super().__enter__()
        self._tmp = Path(tempfile.mkdtemp(prefix="gcp-standin-"))
        self.adc_path.write_text(json.dumps(self.adc_info()))
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @property
    def adc_path(self) -> Path:
        if self._tmp is None:
            raise RuntimeError("the stand-in is not started")
        return self._tmp / f"adc-{self.adc}.json"

    def adc_info(self) -> dict[str, Any]:
        token_uri = f"{self.url}/token"
        if self.adc == "authorized_user":
            # google-auth ignores an authorized_user file's token_uri (it always refreshes
            # at oauth2.googleapis.com), so this file carries a still-valid access token
            # and no refresh happens. The service_account flavour exercises the refresh.
            expiry = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=1)
            return {
                "type": "authorized_user",
                "client_id": "standin-client.apps.googleusercontent.com",
                "client_secret": "standin-client-secret",
                "refresh_token": "standin-refresh-token",
                "token_uri": token_uri,
                "token": self.access_token,
                "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "account": "dev@example.com",
            }
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": "standin-key-id",
            "private_key": pem,
            "client_email": f"checker@{self.project_id}.iam.gserviceaccount.com",
            "client_id": "100000000000000000001",
            "token_uri": token_uri,
        }

    def env(self) -> dict[str, str]:
        return {
            "GOOGLE_APPLICATION_CREDENTIALS": str(self.adc_path),
            "REGISTRY_WIZARD_GCP_IAM_URL": self.url,
            "REGISTRY_WIZARD_GCP_AR_URL": self.url,
            "REGISTRY_WIZARD_GCP_CRM_URL": self.url,
        }

    # -- routing

    _PROVIDER = re.compile(
        r"^/v1/projects/([^/]+)/locations/global/workloadIdentityPools/([^/]+)"
        r"(?:/providers/([^/]+))?$"
    )
    _SA = re.compile(r"^/v1/projects/-/serviceAccounts/([^/:]+):getIamPolicy$")
    _REPO = re.compile(
        r"^/v1/projects/([^/]+)/locations/([^/]+)/repositories/([^/:]+):getIamPolicy$"
    )
    _PROJECT = re.compile(r"^/v1/projects/([^/:]+):getIamPolicy$")

    def _dispatch(self, method: str, target: str, headers: HTTPMessage, body: bytes) -> Reply:
        path = unquote(urlsplit(target).path)
        if path == "/token" and method == "POST":
            return self._token(body)
        route, handler = self._route(method, path)
        if route is None:
            return google_error(404, f"no route {method} {path}", "NOT_FOUND")
        failure = self._failure(route)
        if failure is not None:
            return failure
        if headers.get("Authorization") != f"Bearer {self.access_token}":
            return google_error(
                401, "Request had invalid authentication credentials.", "UNAUTHENTICATED"
            )
        return handler()

    def _route(self, method: str, path: str) -> tuple[str | None, Any]:
        m = self._PROVIDER.match(path)
        if m and method == "GET":
            project, pool, provider = m.groups()
            if provider is None:
                return "pool", lambda: self._pool(project, pool)
            return "provider", lambda: self._provider(project, pool, provider)
        m = self._SA.match(path)
        if m and method == "POST":
            return "sa", lambda: self._sa(m.group(1))
        m = self._REPO.match(path)
        if m and method in ("GET", "POST"):
            return "repo", lambda: self._repo(*m.groups())
        m = self._PROJECT.match(path)
        if m and method == "POST":
            return "project", lambda: self._project(m.group(1))
        return None, None

    def _is_project(self, project: str) -> bool:
        return project in (self.project_id, self.project_number)

    def _token(self, body: bytes) -> Reply:
        form = parse_qs(body.decode())
        with self.lock:
            self.token_requests.append(form)
        failure = self._failure("token")
        if failure is not None:
            return failure
        grant = form.get("grant_type", [""])[0]
        expected = (
            "refresh_token"
            if self.adc == "authorized_user"
            else "urn:ietf:params:oauth:grant-type:jwt-bearer"
        )
        if grant != expected:
            return json_reply(400, {"error": "unsupported_grant_type"})
        return json_reply(
            200, {"access_token": self.access_token, "expires_in": 3599, "token_type": "Bearer"}
        )

    def _pool(self, project: str, pool: str) -> Reply:
        if not (self.pool_exists and self._is_project(project) and pool == self.pool):
            return google_error(404, f"Requested entity was not found: pool {pool}", "NOT_FOUND")
        return json_reply(
            200,
            {
                "name": f"projects/{self.project_number}/locations/global/"
                f"workloadIdentityPools/{self.pool}",
                "state": "ACTIVE",
            },
        )

    def _provider(self, project: str, pool: str, provider: str) -> Reply:
        if (
            self.provider is None
            or not self.pool_exists
            or not self._is_project(project)
            or (pool, provider) != (self.pool, self.provider_id)
        ):
            return google_error(404, "Requested entity was not found.", "NOT_FOUND")
        body = copy.deepcopy(self.provider)
        body["name"] = self.provider_path  # Google answers with the project NUMBER
        return json_reply(200, body)

    def _sa(self, email: str) -> Reply:
        if self.sa_policy is None or email != self.service_account:
            return google_error(404, f"Unknown service account {email}", "NOT_FOUND")
        return json_reply(200, self.sa_policy)

    def _repo(self, project: str, location: str, repository: str) -> Reply:
        if (
            self.repo_policy is None
            or not self._is_project(project)
            or (location, repository) != (self.location, self.repository)
        ):
            return google_error(404, f"Repository {repository} not found", "NOT_FOUND")
        return json_reply(200, self.repo_policy)

    def _project(self, project: str) -> Reply:
        if not self._is_project(project):
            return google_error(403, "The caller does not have permission", "PERMISSION_DENIED")
        return json_reply(200, self.project_policy)


def google_error(
    code: int,
    message: str,
    status: str,
    *,
    reason: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Response:
    """Google's JSON error envelope (`google.rpc.Status`, with an ErrorInfo if `reason`)."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if reason:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": dict(metadata or {}),
            }
        ]
    return json_reply(code, {"error": error})
