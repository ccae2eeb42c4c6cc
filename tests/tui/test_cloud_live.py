"""The Cloud setup step against a real AWS API (moto's server on 127.0.0.1): "Check my
AWS setup" reads the account item by item, "Create it for me" lists what it will create,
creates it when config.yaml is written, and the check then finds everything in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.guide.conftest import (  # noqa: F401 (aws and moto_server are fixtures)
    ACCOUNT,
    ORG,
    REGION,
    TEAM,
    aws,
    client,
    moto_server,
    push_image,
)
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
