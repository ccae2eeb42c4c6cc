"""The Cloud setup step against real cloud APIs on 127.0.0.1. AWS is moto's server:
"Check my AWS setup" reads the account item by item, "Create it for me" lists what it
will create, creates it when config.yaml is written, and the check then finds everything
in place. GCP is google-auth against a loopback stand-in for Google's token endpoint and
IAM APIs (no local Google IAM exists): "Check my GCP setup" item by item."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws_standin import (  # noqa: F401 (aws and moto_server are fixtures)
    ACCOUNT,
    ORG,
    REGION,
    TEAM,
    aws,
    client,
    moto_server,
    push_image,
)
from tests.standins import GcpStandIn
from tests.tui.conftest import AppFactory
from tests.tui.driver import kind, press, replace_text, settle
from wizard.ui.tui import services
from wizard.ui.tui.navigation import PageKind
from wizard.ui.tui.screens.provision_dialog import ProvisionDialog

pytestmark = pytest.mark.anyio

IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/acme/app:1.0"
ROLE_NAME = "baseten-tui-pull"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"


@pytest.mark.usefixtures("aws")
async def test_check_my_aws_setup_then_create_it_for_me(make_app: AppFactory) -> None:
    push_image()  # the repository exists; the OIDC provider and the role do not
    app = make_app(f"model_name: ranker\nbase_image:\n  image: {IMAGE}\n")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")  # ECR (detected), OIDC (recommended)
        for value in (ROLE, ORG, TEAM):
            await replace_text(pilot, value)
            await press(pilot, "enter")
        assert kind(app) is PageKind.CLOUD

        await pilot.click("#cloud-check")
        await settle(pilot)
        before = str(app.query_one("#cloud-results").render())
        assert "✗" in before and ROLE_NAME in before, before

        await pilot.click("#provision")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ProvisionDialog)
        listed = str(dialog.query_one(".plan").render())
        assert "oidc.baseten.co" in listed and ROLE_NAME in listed, listed
        await pilot.click("#confirm")
        await settle(pilot)
        assert not client("iam").list_roles()["Roles"]  # nothing before Write

        await press(pilot, "enter")  # Continue
        while kind(app) is not PageKind.REVIEW:
            await press(pilot, "enter")
        await press(pilot, "enter")  # Create and write
        assert kind(app) is PageKind.DONE
        assert app.outcome is not None and app.outcome.created

        role = client("iam").get_role(RoleName=ROLE_NAME)["Role"]
        trust = json.dumps(role["AssumeRolePolicyDocument"])
        assert f"org={ORG}" in trust and f"team={TEAM}" in trust
        providers = client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
        assert [p["Arn"] for p in providers] == [
            f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.baseten.co"
        ]
        after = services.cloud_items(app.flow)
        assert after and all(i.status.value == "ok" for i in after), after
    written = Path("config.yaml").read_text()
    assert "aws_oidc_role_arn: " + ROLE in written


@pytest.fixture
def gcp(
    monkeypatch: pytest.MonkeyPatch, isolated: Path, loopback_only: list[str]
) -> Iterator[GcpStandIn]:
    """Google's token endpoint, IAM, Artifact Registry and Resource Manager on loopback,
    describing a correct workload-identity setup; no gcloud config or metadata server."""
    from google.auth.compute_engine import _metadata

    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(isolated.parent / "gcloud"))
    with GcpStandIn(adc="service_account", org_id=ORG, team_id=TEAM) as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.mark.parametrize("team", [TEAM, "someone-elses-team"])
async def test_check_my_gcp_setup(make_app: AppFactory, gcp: GcpStandIn, team: str) -> None:
    image = f"{gcp.location}-docker.pkg.dev/{gcp.project_id}/{gcp.repository}/app:1"
    app = make_app(f"model_name: ranker\nbase_image:\n  image: {image}\n")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")  # Artifact Registry (detected), OIDC
        while kind(app) is not PageKind.CLOUD:
            page = app.view.page if app.view else None
            assert page is not None and page.kind in (PageKind.FIELDS, PageKind.FACTS)
            answers = {
                "service-account": gcp.service_account,
                "workload-provider": gcp.provider_path,
                "org-id": ORG,
                "team-id": team,
                "project-number": gcp.project_number,
            }
            for q in page.questions:
                await replace_text(pilot, answers[q.id])
                await press(pilot, "enter")
        await pilot.click("#cloud-check")
        await settle(pilot)
        shown = str(app.query_one("#cloud-results").render())
    assert gcp.token_requests  # google-auth refreshed at the key's token_uri
    assert gcp.access_token not in shown
    marks = [line[0] for line in shown.splitlines() if line[:1] in "✓✗?"]
    if team == TEAM:
        assert marks == ["✓"] * 8, shown
    else:  # the typed team ID is the one the condition is judged against
        assert marks.count("✗") == 1 and "✗ gcp-provider-condition" in shown, shown
        assert "fix: gcloud " in shown and "team=someone-elses-team:" in shown
