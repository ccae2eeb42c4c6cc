"""The promises of the config editor, as checks any test (or the corpus script) can run.

- only lines inside the top-level `base_image` and `secrets` entries change;
- the result loads with PyYAML (what truss uses) to exactly the intended values;
- planning the same setup again changes nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import yaml

from wizard.config.document import ConfigDocument, parse_text, read_config
from wizard.config.plan import SetupRequest, plan_setup

EDITED = ("base_image", "secrets")


@dataclass(frozen=True)
class Scenario:
    name: str
    image: str
    method: str | None
    values: tuple[tuple[str, str], ...]
    docker_auth: dict[str, str] | None  # expected, exactly
    secret: str | None  # expected declared secret

    def request(self, config: Path) -> SetupRequest:
        return SetupRequest(config, None, self.method, self.image, dict(self.values))


ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
ROLE = "arn:aws:iam::123456789012:role/baseten-ecr"
SA = "baseten-puller@my-project.iam.gserviceaccount.com"
WIP = "projects/123456789012/locations/global/workloadIdentityPools/baseten/providers/baseten"

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "ecr-oidc",
        f"{ECR}/team/app:1.0",
        "oidc",
        (("role-arn", ROLE),),
        {
            "auth_method": "AWS_OIDC",
            "registry": ECR,
            "aws_oidc_role_arn": ROLE,
            "aws_oidc_region": "us-east-1",
        },
        None,
    ),
    Scenario(
        "ecr-assume-role",
        f"{ECR}/team/app:1.0",
        "assume-role",
        (("role-arn", ROLE),),
        {
            "auth_method": "AWS_ASSUME_ROLE",
            "registry": ECR,
            "aws_assume_role_arn": ROLE,
            "aws_assume_role_region": "us-east-1",
        },
        None,
    ),
    Scenario(
        "ecr-iam",
        f"{ECR}/team/app:1.0",
        "iam",
        (
            ("access-key-id-secret", "aws_access_key_id"),
            ("secret-access-key-secret", "aws_secret_access_key"),
        ),
        {"auth_method": "AWS_IAM", "registry": ECR},
        "aws_access_key_id",
    ),
    Scenario(
        "ecr-iam-custom",
        f"{ECR}/team/app:1.0",
        "iam",
        (("access-key-id-secret", "ecr_key_id"), ("secret-access-key-secret", "ecr_secret")),
        {
            "auth_method": "AWS_IAM",
            "registry": ECR,
            "aws_access_key_id_secret_name": "ecr_key_id",
            "aws_secret_access_key_secret_name": "ecr_secret",
        },
        "ecr_key_id",
    ),
    Scenario("ecr-token", f"{ECR}/team/app:1.0", "token", (), None, f"DOCKER_REGISTRY_{ECR}"),
    Scenario(
        "gar-oidc",
        "us-central1-docker.pkg.dev/my-project/repo/app:1.0",
        "oidc",
        (("service-account", SA), ("workload-provider", WIP)),
        {
            "auth_method": "GCP_OIDC",
            "registry": "us-central1-docker.pkg.dev",
            "gcp_oidc_service_account": SA,
            "gcp_oidc_workload_id_provider": WIP,
        },
        None,
    ),
    Scenario(
        "gar-service-account",
        "us-central1-docker.pkg.dev/my-project/repo/app:1.0",
        "service-account",
        (("secret-name", "gcp-service-account"),),
        {
            "auth_method": "GCP_SERVICE_ACCOUNT_JSON",
            "registry": "us-central1-docker.pkg.dev",
            "secret_name": "gcp-service-account",
        },
        "gcp-service-account",
    ),
    Scenario(
        "gcr-token",
        "gcr.io/my-project/app@sha256:" + "a" * 64,
        "token",
        (),
        None,
        "DOCKER_REGISTRY_gcr.io",
    ),
    Scenario(
        "dockerhub-token",
        "acme/app:1.0",
        None,
        (),
        None,
        "DOCKER_REGISTRY_https://index.docker.io/v1/",
    ),
    Scenario("ghcr-token", "ghcr.io/acme/llm:1.2", None, (), None, "DOCKER_REGISTRY_ghcr.io"),
    Scenario(
        "ngc-token",
        "nvcr.io/nvidia/pytorch:24.01-py3",
        "token",
        (),
        None,
        "DOCKER_REGISTRY_nvcr.io",
    ),
    Scenario(
        "other-token",
        "localhost:5000/team/app:dev",
        None,
        (),
        None,
        "DOCKER_REGISTRY_localhost:5000",
    ),
)


def top_level_spans(doc: ConfigDocument) -> list[range]:
    """Line ranges (0-based) of the edited top-level entries, key line to last content."""
    spans: list[range] = []
    if doc.root is None:
        return spans
    for k, v in doc.root.items:
        if k.value in EDITED:
            last = k.end_line if v.is_empty_null else v.last_content_line(doc.text, doc.lines)
            last = max(last, k.end_line)
            # Comment lines indented under the entry belong to it.
            while last + 1 < doc.lines.count:
                line = doc.lines.line_text(doc.text, last + 1)
                if not (line.startswith((" ", "\t")) and line.lstrip().startswith("#")):
                    break
                last += 1
            spans.append(range(k.start_line, last + 1))
    return spans


def assert_faithful(before: str, after: str, path: Path) -> None:
    """Every changed line lies inside base_image/secrets, before and after."""
    old_doc = _doc(before, path)
    new_doc = _doc(after, path)
    old_spans = top_level_spans(old_doc)
    new_spans = top_level_spans(new_doc)
    if before.strip():
        assert after.endswith("\n") == before.endswith("\n"), f"{path}: final newline changed"
    if "\r\n" in before:
        assert after.count("\n") == after.count("\r\n"), f"{path}: a bare LF in a CRLF file"
    a = before.splitlines()
    b = after.splitlines()
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        for i in range(i1, i2):
            assert any(i in s for s in old_spans), f"{path}: line {i + 1} changed: {a[i]!r}"
        for j in range(j1, j2):
            # An insertion directly after an edited span (a new key at its end) is inside it.
            assert any(j in s for s in new_spans), f"{path}: line {j + 1} added: {b[j]!r}"


def _doc(text: str, path: Path) -> ConfigDocument:
    from wizard.config.document import LineIndex

    root = parse_text(path, text) if text.strip() else None
    return ConfigDocument(
        path, path, text.encode(), text, False, "\n", True, None, root, LineIndex(text)
    )


_TRUSS_DEFAULTS = {
    "aws_access_key_id_secret_name": "aws_access_key_id",
    "aws_secret_access_key_secret_name": "aws_secret_access_key",
}


def _without_truss_defaults(auth: dict[str, str] | None) -> dict[str, str] | None:
    """A key set to truss's own default means the same as the key left out."""
    if auth is None:
        return None
    return {k: v for k, v in auth.items() if _TRUSS_DEFAULTS.get(k) != v}


def assert_values(after: str, sc: Scenario, path: Path) -> None:
    data = yaml.safe_load(after) or {}
    base = data.get("base_image")
    assert isinstance(base, dict), f"{path}: no base_image mapping"
    assert base.get("image") == sc.image, f"{path}: image is {base.get('image')!r}"
    auth = _without_truss_defaults(base.get("docker_auth"))
    assert auth == _without_truss_defaults(sc.docker_auth), f"{path}: docker_auth {auth}"
    if sc.secret:
        secrets = data.get("secrets") or {}
        assert sc.secret in secrets and secrets[sc.secret] is None, f"{path}: secrets {secrets}"


def run_scenario(config: Path, sc: Scenario) -> str:
    """Apply `sc` to the file at `config` (in place) and check every promise."""
    before = read_config(config).text
    plan = plan_setup(sc.request(config))
    after = plan.edit.new_text
    assert_faithful(before, after, config)
    assert_values(after, sc, config)
    config.write_bytes(_encode(plan.edit.doc, after))
    again = plan_setup(sc.request(config))
    assert not again.edit.changed, f"{config}: second run of {sc.name} changed:\n" + "".join(
        difflib.unified_diff(after.splitlines(True), again.edit.new_text.splitlines(True))
    )
    return after


def _encode(doc: ConfigDocument, text: str) -> bytes:
    from wizard.config.document import encode

    return encode(doc, text)
