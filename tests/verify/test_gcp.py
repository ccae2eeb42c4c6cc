"""check_gcp_oidc against the loopback GCP stand-in: a correct setup is all OK, and each
way of getting it wrong gives the right PROBLEM (with its gcloud fix) or UNKNOWN item."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.loopback import Stall
from tests.standins import GcpStandIn, google_error, json_reply
from wizard.model.facts import ItemStatus, SetupItem, exit_code
from wizard.verify import gcp
from wizard.verify.gcp import (
    ITEM_ADC,
    ITEM_AUDIENCE,
    ITEM_CONDITION,
    ITEM_ISSUER,
    ITEM_MAPPING,
    ITEM_PROJECT_NUMBER,
    ITEM_PROVIDER,
    ITEM_PROVIDER_PATH,
    ITEM_REPO_READER,
    ITEM_SA_BINDING,
    ITEM_STATE,
    Tri,
    UnsupportedCondition,
    check_gcp_oidc,
    evaluate_condition,
)

ORG, TEAM = "Mvg9jrRd", "AviIZ0y3"
SA = "baseten-puller@my-project.iam.gserviceaccount.com"
ALL_IDS = [
    ITEM_PROVIDER,
    ITEM_STATE,
    ITEM_ISSUER,
    ITEM_AUDIENCE,
    ITEM_MAPPING,
    ITEM_CONDITION,
    ITEM_SA_BINDING,
    ITEM_REPO_READER,
]
GCP_ENV = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "CLOUDSDK_CONFIG",
    "REGISTRY_WIZARD_GCP_IAM_URL",
    "REGISTRY_WIZARD_GCP_AR_URL",
    "REGISTRY_WIZARD_GCP_CRM_URL",
)


pytestmark = pytest.mark.usefixtures("loopback_only")  # tests/conftest.py


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in GCP_ENV:
        monkeypatch.delenv(name, raising=False)
    gcloud = tmp_path / "gcloud"
    gcloud.mkdir()
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(gcloud))  # no ADC of the developer's
    # Never probe the GCE metadata server (google-auth reads NO_GCE_CHECK at import).
    from google.auth.compute_engine import _metadata

    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)


def _serve(monkeypatch: pytest.MonkeyPatch, adc: str) -> Iterator[GcpStandIn]:
    with GcpStandIn(adc=adc, org_id=ORG, team_id=TEAM) as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.fixture(params=["authorized_user", "service_account"])
def any_adc(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GcpStandIn]:
    yield from _serve(monkeypatch, request.param)


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[GcpStandIn]:
    yield from _serve(monkeypatch, "service_account")


def run(server: GcpStandIn, **overrides: Any) -> dict[str, SetupItem]:
    kwargs = server.check_kwargs(org_id=ORG, team_id=TEAM, timeout=5.0)
    kwargs.update(overrides)
    items = check_gcp_oidc(**kwargs)
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids)), ids
    for item in items:
        if item.status is ItemStatus.PROBLEM:
            assert item.fix.startswith("gcloud "), item
        assert "ya29." not in item.message + item.fix  # the access token never shows
    return {i.id: i for i in items}


def only_problem(items: dict[str, SetupItem], item_id: str) -> SetupItem:
    bad = {k: v for k, v in items.items() if v.status is not ItemStatus.OK}
    assert list(bad) == [item_id], bad
    return bad[item_id]


# --------------------------------------------------------------------------- the good case


def test_correct_setup_is_all_ok(any_adc: GcpStandIn) -> None:
    items = run(any_adc)
    assert list(items) == ALL_IDS
    assert all(i.status is ItemStatus.OK for i in items.values()), items
    assert exit_code(list(items.values())) == 0
    paths = [r.path for r in any_adc.requests]
    assert any(p.endswith(":getIamPolicy?options.requestedPolicyVersion=3") for p in paths)
    api = [r for r in any_adc.requests if r.path.startswith("/v1/")]
    assert all(r.header("Authorization") == f"Bearer {any_adc.access_token}" for r in api)
    if any_adc.adc == "service_account":
        assert any_adc.token_requests  # a real refresh at the stand-in's token_uri


def test_unknown_org_and_team(standin: GcpStandIn) -> None:
    items = run(standin, org_id=None, team_id=None)
    condition = only_problem(items, ITEM_CONDITION)
    assert condition.status is ItemStatus.UNKNOWN
    assert "organization and team ids" in condition.message


# --------------------------------------------------------------------------- credentials


def test_no_adc(monkeypatch: pytest.MonkeyPatch) -> None:
    items = check_gcp_oidc(
        service_account=SA,
        workload_provider="projects/1/locations/global/workloadIdentityPools/p/providers/p",
        location="us",
        project="p",
        repository="r",
        org_id=ORG,
        team_id=TEAM,
    )
    assert len(items) == 1
    (item,) = items
    assert (item.id, item.status) == (ITEM_ADC, ItemStatus.UNKNOWN)
    assert item.fix == "gcloud auth application-default login"
    assert "no Application Default Credentials" in item.message
    assert exit_code(items) == 1


def test_adc_file_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "nope.json"))
    items = check_gcp_oidc(**GcpStandIn().check_kwargs())
    assert [(i.id, i.status) for i in items] == [(ITEM_ADC, ItemStatus.UNKNOWN)]
    assert "nope.json" in items[0].message


def test_refresh_refused(standin: GcpStandIn) -> None:
    standin.fail["token"] = json_reply(
        400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    )
    items = check_gcp_oidc(**standin.check_kwargs())
    assert [(i.id, i.status) for i in items] == [(ITEM_ADC, ItemStatus.UNKNOWN)]
    assert "refused your Application Default Credentials" in items[0].message
    assert "invalid_grant" in items[0].message
    assert items[0].fix == "gcloud auth application-default login"


def test_token_rejected_by_the_api(standin: GcpStandIn) -> None:
    standin.access_token = "ya29.something-else"  # the API no longer accepts ours
    standin.fail["token"] = json_reply(200, {"access_token": "ya29.stale", "expires_in": 3599})
    items = run(standin)
    assert items[ITEM_PROVIDER].status is ItemStatus.UNKNOWN
    assert items[ITEM_PROVIDER].fix == "gcloud auth application-default login"


# --------------------------------------------------------------------------- provider


def test_provider_path_with_project_id(standin: GcpStandIn) -> None:
    path = standin.provider_path.replace(standin.project_number, standin.project_id)
    items = run(standin, workload_provider=path)
    item = only_problem(items, ITEM_PROJECT_NUMBER)
    assert item.status is ItemStatus.PROBLEM
    assert item.fix == "gcloud projects describe my-project --format='value(projectNumber)'"
    assert standin.provider_path in item.message  # learned from the provider's name
    assert exit_code(list(items.values())) == 4


def test_provider_path_with_project_id_not_found(standin: GcpStandIn) -> None:
    path = standin.provider_path.replace(standin.project_number, "other-project")
    items = run(standin, workload_provider=path)
    assert items[ITEM_PROJECT_NUMBER].status is ItemStatus.PROBLEM
    assert "other-project" in items[ITEM_PROJECT_NUMBER].fix
    assert items[ITEM_PROVIDER].status is ItemStatus.UNKNOWN


@pytest.mark.parametrize(
    "value",
    [
        "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/"
        "baseten/providers/baseten-oidc",
        "projects/123456789012/locations/us/workloadIdentityPools/baseten/providers/x",
        "baseten-oidc",
    ],
)
def test_malformed_provider_path(standin: GcpStandIn, value: str) -> None:
    items = run(standin, workload_provider=value)
    item = items[ITEM_PROVIDER_PATH]
    assert item.status is ItemStatus.PROBLEM
    assert "--format='value(name)'" in item.fix
    assert items[ITEM_REPO_READER].status is ItemStatus.OK
    if value.startswith("//"):
        assert "audience form" in item.message
        assert "providers describe baseten-oidc --workload-identity-pool=baseten" in item.fix


def test_provider_missing(standin: GcpStandIn) -> None:
    standin.provider = None
    items = run(standin)
    item = items[ITEM_PROVIDER]
    assert item.status is ItemStatus.PROBLEM
    assert item.fix == (
        "gcloud iam workload-identity-pools providers create-oidc baseten-oidc "
        "--workload-identity-pool=baseten --location=global --project=123456789012 "
        "--issuer-uri=https://oidc.baseten.co --allowed-audiences=oidc.baseten.co "
        "--attribute-mapping=google.subject=assertion.sub "
        f"--attribute-condition=\"google.subject.startsWith('v=1:org={ORG}:team={TEAM}:')\""
    )
    assert ITEM_ISSUER not in items
    assert items[ITEM_SA_BINDING].status is ItemStatus.OK


def test_pool_missing(standin: GcpStandIn) -> None:
    standin.pool_exists = False
    item = run(standin)[ITEM_PROVIDER]
    assert item.status is ItemStatus.PROBLEM
    first, second = item.fix.splitlines()
    assert first == (
        "gcloud iam workload-identity-pools create baseten --location=global --project=123456789012"
    )
    assert second.startswith("gcloud iam workload-identity-pools providers create-oidc")


def test_provider_forbidden(standin: GcpStandIn) -> None:
    standin.fail["provider"] = google_error(
        403, "Permission 'iam.workloadIdentityPoolProviders.get' denied", "PERMISSION_DENIED"
    )
    items = run(standin)
    item = items[ITEM_PROVIDER]
    assert item.status is ItemStatus.UNKNOWN
    assert "iam.workloadIdentityPoolProviders.get" in item.message
    assert item.fix == (
        "gcloud projects add-iam-policy-binding 123456789012 "
        "--member=serviceAccount:checker@my-project.iam.gserviceaccount.com "
        "--role=roles/iam.workloadIdentityPoolViewer"
    )
    assert exit_code(list(items.values())) == 1


def test_api_disabled(standin: GcpStandIn) -> None:
    standin.fail["repo"] = google_error(
        403,
        "Artifact Registry API has not been used in project 123456789012 before or it is disabled.",
        "PERMISSION_DENIED",
        reason="SERVICE_DISABLED",
        metadata={
            "service": "artifactregistry.googleapis.com",
            "consumer": "projects/123456789012",
        },
    )
    item = only_problem(run(standin), ITEM_REPO_READER)
    assert item.status is ItemStatus.UNKNOWN
    assert (
        item.fix == "gcloud services enable artifactregistry.googleapis.com --project=123456789012"
    )


@pytest.mark.parametrize(
    ("change", "fix_flag"),
    [
        ({"state": "DELETED"}, "undelete baseten-oidc"),
        ({"disabled": True}, "update-oidc baseten-oidc"),
    ],
)
def test_provider_state(standin: GcpStandIn, change: dict[str, Any], fix_flag: str) -> None:
    assert standin.provider is not None
    standin.provider.update(change)
    item = only_problem(run(standin), ITEM_STATE)
    assert item.status is ItemStatus.PROBLEM
    assert fix_flag in item.fix
    if "disabled" in change:
        assert item.fix.endswith("--no-disabled")


@pytest.mark.parametrize(
    "issuer", ["https://oidc.baseten.co/", "https://token.actions.githubusercontent.com", ""]
)
def test_wrong_issuer(standin: GcpStandIn, issuer: str) -> None:
    assert standin.provider is not None
    standin.provider["oidc"]["issuerUri"] = issuer
    item = only_problem(run(standin), ITEM_ISSUER)
    assert item.fix.endswith(
        "update-oidc baseten-oidc --workload-identity-pool=baseten "
        "--location=global --project=123456789012 "
        "--issuer-uri=https://oidc.baseten.co"
    )
    if issuer.endswith("/"):
        assert "trailing slash" in item.message


def test_not_an_oidc_provider(standin: GcpStandIn) -> None:
    assert standin.provider is not None
    del standin.provider["oidc"]
    standin.provider["aws"] = {"accountId": "999999999999"}
    items = run(standin)
    assert items[ITEM_ISSUER].status is ItemStatus.PROBLEM
    assert "AWS provider" in items[ITEM_ISSUER].message
    assert "create-oidc baseten-oidc-2" in items[ITEM_ISSUER].fix
    assert ITEM_AUDIENCE not in items


@pytest.mark.parametrize(
    ("audiences", "expected"),
    [
        ([], '--allowed-audiences="oidc.baseten.co"'),
        (
            ["https://oidc.baseten.co"],
            '--allowed-audiences="https://oidc.baseten.co,oidc.baseten.co"',
        ),
    ],
)
def test_wrong_audience(standin: GcpStandIn, audiences: list[str], expected: str) -> None:
    assert standin.provider is not None
    standin.provider["oidc"]["allowedAudiences"] = audiences
    item = only_problem(run(standin), ITEM_AUDIENCE)
    assert item.fix.endswith(expected)


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"google.subject": "assertion.org"}, '--attribute-mapping="google.subject=assertion.sub"'),
        (
            {"attribute.team": "assertion.team"},
            '--attribute-mapping="attribute.team=assertion.team,google.subject=assertion.sub"',
        ),
        (
            {"attribute.org": "assertion.sub.split(':')[1]", "attribute.x": "'a,b'"},
            "--attribute-mapping=\"^|^attribute.org=assertion.sub.split(':')[1]|"
            "attribute.x='a,b'|google.subject=assertion.sub\"",
        ),
    ],
)
def test_wrong_mapping(standin: GcpStandIn, mapping: dict[str, str], expected: str) -> None:
    assert standin.provider is not None
    standin.provider["attributeMapping"] = mapping
    item = only_problem(run(standin), ITEM_MAPPING)
    assert item.fix.endswith(expected)


CONDITION_FIX = f"--attribute-condition=\"google.subject.startsWith('v=1:org={ORG}:team={TEAM}:')\""


@pytest.mark.parametrize(
    ("condition", "status", "words"),
    [
        (None, ItemStatus.PROBLEM, "ANY Baseten organization"),
        ("google.subject.endsWith(':type=model_build')", ItemStatus.PROBLEM, "does not pin"),
        (
            f"google.subject.contains(':team={TEAM}:')",
            ItemStatus.PROBLEM,
            "ANY Baseten organization",
        ),
        ("google.subject.startsWith('v=1:org=SomeoneElse:')", ItemStatus.PROBLEM, "refuses"),
        (
            f"google.subject.startsWith('v=1:org={ORG}:team=OtherTeam:')",
            ItemStatus.PROBLEM,
            "refuses",
        ),
        (
            f"google.subject.startsWith('v=1:org={ORG}:') && "
            "google.subject.endsWith(':type=model_container')",
            ItemStatus.PROBLEM,
            "refuses",
        ),
        (f"google.subject == 'v=1:org={ORG}:team={TEAM}'", ItemStatus.PROBLEM, "refuses"),
        (
            f"google.subject.startsWith('v=1:org=Other:') || "
            f"assertion.sub.startsWith('v=1:org={ORG}:team={TEAM}:')",
            ItemStatus.OK,
            "admits",
        ),
        (
            f"(google.subject.startsWith('v=1:org={ORG}:')) && "
            "!google.subject.contains(':type=model_container')",
            ItemStatus.OK,
            "admits",
        ),
        (
            f"google.subject.startsWith('v=1:org={ORG}:team={TEAM}:model=kW9wuKFN:')",
            ItemStatus.OK,
            "particular model values",
        ),
        ("attribute.org == 'x'", ItemStatus.UNKNOWN, "cannot evaluate"),
        ("google.subject.matches('^v=1:org=.*')", ItemStatus.UNKNOWN, "matches()"),
    ],
)
def test_attribute_condition(
    standin: GcpStandIn, condition: str | None, status: ItemStatus, words: str
) -> None:
    assert standin.provider is not None
    standin.provider["attributeCondition"] = condition
    items = run(standin)
    item = items[ITEM_CONDITION]
    assert item.status is status, item
    assert words in item.message
    if status is ItemStatus.PROBLEM:
        assert item.fix.endswith(CONDITION_FIX)
    if status is ItemStatus.UNKNOWN:
        assert str(condition) in item.message
    others = [i for k, i in items.items() if k != ITEM_CONDITION]
    assert all(i.status is ItemStatus.OK for i in others)


# --------------------------------------------------------------------------- service account

SA_FIX = (
    f"gcloud iam service-accounts add-iam-policy-binding {SA} "
    "--role=roles/iam.workloadIdentityUser "
    '--member="principalSet://iam.googleapis.com/projects/123456789012/locations/global/'
    'workloadIdentityPools/baseten/*"'
)
POOL = "iam.googleapis.com/projects/{p}/locations/global/workloadIdentityPools/baseten"


def _sa_policy(role: str, *members: str, condition: dict[str, str] | None = None) -> dict[str, Any]:
    binding: dict[str, Any] = {"role": role, "members": list(members)}
    if condition:
        binding["condition"] = condition
    return {"version": 3, "bindings": [binding]}


@pytest.mark.parametrize(
    ("policy", "status", "words"),
    [
        ({"bindings": []}, ItemStatus.PROBLEM, "nothing from pool 'baseten'"),
        (
            _sa_policy(
                "roles/iam.serviceAccountUser", f"principalSet://{POOL.format(p='123456789012')}/*"
            ),
            ItemStatus.PROBLEM,
            "nothing from pool",
        ),
        (
            _sa_policy(
                "roles/iam.workloadIdentityUser", f"principalSet://{POOL.format(p='my-project')}/*"
            ),
            ItemStatus.PROBLEM,
            "project NUMBER",
        ),
        (
            _sa_policy(
                "roles/iam.workloadIdentityUser", f"principalSet://{POOL.format(p='555')}/*"
            ),
            ItemStatus.PROBLEM,
            "another project",
        ),
        (
            _sa_policy(
                "roles/iam.serviceAccountTokenCreator",
                f"principalSet://{POOL.format(p='123456789012')}/*",
            ),
            ItemStatus.OK,
            "serviceAccountTokenCreator",
        ),
        (
            _sa_policy(
                "roles/iam.workloadIdentityUser",
                f"principal://{POOL.format(p='123456789012')}/subject/v=1:org={ORG}:team={TEAM}"
                ":model=m1:deployment=d1:environment=production:type=model_build",
            ),
            ItemStatus.OK,
            "only for particular",
        ),
        (
            _sa_policy(
                "roles/iam.workloadIdentityUser",
                f"principal://{POOL.format(p='123456789012')}/subject/v=1:org={ORG}:team={TEAM}"
                ":model=m1:deployment=d1:environment=production:type=model_container",
            ),
            ItemStatus.PROBLEM,
            "nothing from pool",
        ),
        (
            _sa_policy(
                "roles/iam.workloadIdentityUser",
                f"principalSet://{POOL.format(p='123456789012')}/attribute.team/{TEAM}",
            ),
            ItemStatus.UNKNOWN,
            "attribute mapping",
        ),
        (
            _sa_policy(
                "roles/iam.workloadIdentityUser",
                f"principalSet://{POOL.format(p='123456789012')}/*",
                condition={"title": "weekdays", "expression": "request.time.getDayOfWeek() < 5"},
            ),
            ItemStatus.UNKNOWN,
            "getDayOfWeek",
        ),
    ],
)
def test_service_account_binding(
    standin: GcpStandIn, policy: dict[str, Any], status: ItemStatus, words: str
) -> None:
    standin.sa_policy = policy
    item = (
        only_problem(run(standin), ITEM_SA_BINDING)
        if status is not ItemStatus.OK
        else (run(standin)[ITEM_SA_BINDING])
    )
    assert item.status is status, item
    assert words in item.message
    if status is not ItemStatus.OK:
        assert item.fix == SA_FIX


def test_service_account_missing(standin: GcpStandIn) -> None:
    standin.sa_policy = None
    item = only_problem(run(standin), ITEM_SA_BINDING)
    assert item.status is ItemStatus.PROBLEM
    create, grant = item.fix.splitlines()
    assert create == "gcloud iam service-accounts create baseten-puller --project=my-project"
    assert grant == SA_FIX


def test_service_account_policy_forbidden(standin: GcpStandIn) -> None:
    standin.fail["sa"] = google_error(403, "denied", "PERMISSION_DENIED")
    item = only_problem(run(standin), ITEM_SA_BINDING)
    assert item.status is ItemStatus.UNKNOWN
    assert "iam.serviceAccounts.getIamPolicy" in item.message


def test_service_account_policy_time_out(standin: GcpStandIn) -> None:
    standin.fail["sa"] = Stall(10.0)
    item = only_problem(run(standin, timeout=0.5), ITEM_SA_BINDING)
    assert item.status is ItemStatus.UNKNOWN
    assert "did not answer within 0.5 s" in item.message


# --------------------------------------------------------------------------- repository

REPO_FIX = (
    "gcloud artifacts repositories add-iam-policy-binding images --location=us-central1 "
    f"--project=my-project --member=serviceAccount:{SA} --role=roles/artifactregistry.reader"
)


def _policy(*bindings: tuple[str, str]) -> dict[str, Any]:
    return {"bindings": [{"role": role, "members": [member]} for role, member in bindings]}


def test_repository_grants_nothing(standin: GcpStandIn) -> None:
    standin.repo_policy = _policy(
        ("roles/artifactregistry.reader", "serviceAccount:other@x.iam.gserviceaccount.com")
    )
    item = only_problem(run(standin), ITEM_REPO_READER)
    assert item.status is ItemStatus.PROBLEM
    assert item.fix == REPO_FIX
    assert any(r.path == "/v1/projects/my-project:getIamPolicy" for r in standin.requests)


def test_repository_broader_role(standin: GcpStandIn) -> None:
    standin.repo_policy = _policy(("roles/artifactregistry.writer", f"serviceAccount:{SA.upper()}"))
    item = run(standin)[ITEM_REPO_READER]
    assert item.status is ItemStatus.OK
    assert "roles/artifactregistry.writer" in item.message
    assert "roles/artifactregistry.reader would be enough" in item.message


def test_project_level_grant(standin: GcpStandIn) -> None:
    standin.repo_policy = {"bindings": []}
    standin.project_policy = _policy(("roles/artifactregistry.reader", f"serviceAccount:{SA}"))
    item = run(standin)[ITEM_REPO_READER]
    assert item.status is ItemStatus.OK
    assert "every repository in project my-project" in item.message


def test_project_policy_unreadable(standin: GcpStandIn) -> None:
    standin.repo_policy = {"bindings": []}
    standin.fail["project"] = google_error(403, "denied", "PERMISSION_DENIED")
    item = only_problem(run(standin), ITEM_REPO_READER)
    assert item.status is ItemStatus.UNKNOWN
    assert "resourcemanager.projects.getIamPolicy" in item.message
    assert item.fix == REPO_FIX


@pytest.mark.parametrize(
    ("bindings", "status", "words"),
    [
        (
            [("roles/artifactregistry.reader", "group:pullers@example.com")],
            ItemStatus.UNKNOWN,
            "may include",
        ),
        (
            [("projects/my-project/roles/puller", f"serviceAccount:{SA}")],
            ItemStatus.UNKNOWN,
            "custom role",
        ),
        (
            [("roles/artifactregistry.reader", f"deleted:serviceAccount:{SA}?uid=123")],
            ItemStatus.PROBLEM,
            "deleted account",
        ),
        ([("roles/artifactregistry.reader", "allUsers")], ItemStatus.OK, "allUsers"),
    ],
)
def test_repository_policy_forms(
    standin: GcpStandIn, bindings: list[tuple[str, str]], status: ItemStatus, words: str
) -> None:
    standin.repo_policy = _policy(*bindings)
    item = run(standin)[ITEM_REPO_READER]
    assert item.status is status, item
    assert words in item.message


def test_repository_missing(standin: GcpStandIn) -> None:
    item = only_problem(run(standin, repository="imagez"), ITEM_REPO_READER)
    assert item.status is ItemStatus.PROBLEM
    assert item.fix == (
        "gcloud artifacts repositories create imagez --repository-format=docker "
        "--location=us-central1 --project=my-project"
    )
    assert "gcloud artifacts repositories list --project=my-project" in item.message


# --------------------------------------------------------------------------- the evaluator


@pytest.mark.parametrize(
    ("condition", "org", "team", "value"),
    [
        (f"google.subject.startsWith('v=1:org={ORG}:team={TEAM}:')", ORG, TEAM, Tri.TRUE),
        (f"google.subject.startsWith('v=1:org={ORG}:team={TEAM}')", ORG, TEAM, Tri.TRUE),
        (f"google.subject.startsWith('v=1:org={ORG}:team={TEAM}:')", None, None, Tri.DEPENDS),
        ("google.subject.startsWith('v=2:')", None, None, Tri.FALSE),
        ("google.subject.endsWith(':type=model_build')", None, None, Tri.TRUE),
        ("google.subject.contains('type=model_container')", ORG, TEAM, Tri.FALSE),
        ('google.subject.contains(":environment=production:")', ORG, TEAM, Tri.DEPENDS),
        ("google.subject != 'x'", ORG, TEAM, Tri.TRUE),
        (
            f"google.subject.startsWith('v=1:org={ORG}:') && (google.subject.contains('x') || "
            "google.subject.endsWith('model_build'))",
            ORG,
            TEAM,
            Tri.TRUE,
        ),
    ],
)
def test_evaluate_condition(condition: str, org: str | None, team: str | None, value: Tri) -> None:
    assert evaluate_condition(condition, org, team).value is value


@pytest.mark.parametrize(
    "condition",
    [
        "google.subject.startsWith('a'",
        "google.subject in ['a']",
        "'a' == 'a'",
        "true",
        "google.subject",
    ],
)
def test_evaluate_condition_refuses_what_it_does_not_know(condition: str) -> None:
    with pytest.raises(UnsupportedCondition):
        evaluate_condition(condition, ORG, TEAM)


def test_module_imports_nothing_heavy() -> None:
    import json
    import subprocess
    import sys

    modules = "wizard.verify.gcp, wizard.verify.baseten"
    code = f"import {modules}, json, sys; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in json.loads(out.stdout)}
    assert loaded.isdisjoint({"google", "httpx", "requests"}), loaded & {
        "google",
        "httpx",
        "requests",
    }
    assert gcp.IAM_URL_ENV == "REGISTRY_WIZARD_GCP_IAM_URL"
