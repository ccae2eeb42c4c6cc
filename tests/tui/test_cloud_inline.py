"""Cloud setup acts where the user is: "Create it for me" asks for the Baseten IDs it
needs in place (not "go back to the facts page"), and a Copy button taking the focus
brings its whole block on screen, so what is copied is what is shown."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Button, Input, Static

from tests.tui.conftest import AppFactory
from tests.tui.driver import current, kind, press, replace_text, settle, type_text
from wizard.guide.provision import ProvisionPlan, ProvisionStep
from wizard.ui.tui.navigation import PageKind
from wizard.ui.tui.screens.provision_dialog import FactsDialog, ProvisionDialog
from wizard.ui.tui.widgets.code_block import CodeBlock

pytestmark = pytest.mark.anyio

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0"
ECR_CONFIG = f"model_name: ranker\nbase_image:\n  image: {IMAGE}\n"
ROLE = "arn:aws:iam::123456789012:role/baseten-ecr"
ORG, TEAM = "Mvg9jrRd", "Tq2w3e4r"


def _plan() -> ProvisionPlan:
    return ProvisionPlan(
        account="123456789012",
        role_name="baseten-ecr",
        region="us-east-1",
        repository="team/app",
        method="oidc",
        profile=None,
        steps=(
            ProvisionStep("Create the role baseten-ecr", "aws iam create-role ...", "create-role"),
        ),
    )


async def to_cloud_without_ids(pilot: Any) -> None:
    await settle(pilot)
    await press(pilot, "enter", "enter")  # ECR (detected), OIDC (recommended)
    await replace_text(pilot, ROLE)
    await press(pilot, "enter", "enter", "enter")  # the role; no org ID, no team ID
    assert kind(pilot.app) is PageKind.CLOUD


async def test_create_it_for_me_asks_for_the_ids_inline(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard.guide import service

    seen: list[tuple[str | None, str | None]] = []

    def provision_plan(ctx: Any, *, profile: str | None = None) -> ProvisionPlan:
        seen.append((ctx.facts.org_id, ctx.facts.team_id))  # AWS itself is never asked
        return _plan()

    monkeypatch.setattr(service, "provision_plan", provision_plan)
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_cloud_without_ids(pilot)
        await pilot.click("#provision")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FactsDialog), dialog
        assert not seen  # nothing planned without the IDs
        assert app.focused is dialog.query_one("#input-org-id", Input)

        # Checked as the facts page checks them: a wildcard is no org ID; both required.
        await type_text(pilot, "*")
        await press(pilot, "enter", "enter")  # to the team ID, then Continue
        assert app.screen is dialog
        shown = " ".join(str(s.render()) for s in dialog.query(".error").results(Static))
        assert "is not a Baseten ID" in shown and "Baseten team ID is required" in shown, shown
        assert app.focused is dialog.query_one("#input-org-id", Input)

        await replace_text(pilot, ORG)
        await press(pilot, "tab")
        await type_text(pilot, TEAM)
        await pilot.click("#confirm")
        await settle(pilot)
        assert isinstance(app.screen, ProvisionDialog)  # planning went on
        assert seen == [(ORG, TEAM)]
        assert app.flow.answers["org-id"] == ORG and app.flow.answers["team-id"] == TEAM
        await pilot.click("#confirm")
        await settle(pilot)
        assert app.provision_plan == _plan()
        view = current(app)
        assert ORG in view.markdown and TEAM in view.markdown  # type: ignore[attr-defined]
        assert "<ORG_ID>" not in view.markdown  # type: ignore[attr-defined]

        # Back still undoes page by page: to the facts page, showing the IDs given.
        await press(pilot, "escape")
        assert kind(app) is PageKind.FACTS
        assert app.query_one("#input-org-id", Input).value == ORG
        assert app.query_one("#input-team-id", Input).value == TEAM
        await press(pilot, "escape")
        assert kind(app) is PageKind.FIELDS
        assert "role-arn" not in app.flow.answers


async def test_cancelling_the_ids_plans_nothing(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard.guide import service

    def provision_plan(ctx: Any, *, profile: str | None = None) -> ProvisionPlan:
        raise AssertionError("planned without the IDs")

    monkeypatch.setattr(service, "provision_plan", provision_plan)
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_cloud_without_ids(pilot)
        await pilot.click("#provision")
        await settle(pilot)
        assert isinstance(app.screen, FactsDialog)
        await press(pilot, "escape")
        assert not app.screen.is_modal and kind(app) is PageKind.CLOUD
        assert app.provision_plan is None and not app.flow.answers.get("org-id")
        assert not app.query_one("#provision", Button).disabled


@pytest.mark.usefixtures("loopback_only")
async def test_ids_given_then_no_aws_credentials_is_still_reported(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role either
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_cloud_without_ids(pilot)
        await pilot.click("#provision")
        await settle(pilot)
        assert isinstance(app.screen, FactsDialog)
        await type_text(pilot, ORG)
        await press(pilot, "tab")
        await type_text(pilot, TEAM)
        await press(pilot, "enter")
        assert not app.screen.is_modal
        error = str(current(app).query_one(".view-error", Static).render())
        assert "Cannot plan the AWS resources" in error, error
        assert "credential" in error.lower(), error
        assert "org ID" not in error and "Baseten facts" not in error, error
        assert app.provision_plan is None


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_a_focused_copy_button_shows_its_block(
    make_app: AppFactory, size: tuple[int, int]
) -> None:
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=size) as pilot:
        await to_cloud_without_ids(pilot)
        body = current(app).query_one(".view-body")
        blocks = list(current(app).query(CodeBlock))
        assert len(blocks) > 1
        reached: set[int] = set()
        for _ in range(60):
            await press(pilot, "tab")
            focused = app.focused
            if not (isinstance(focused, Button) and focused.has_class("copy")):
                continue
            block = next(a for a in focused.ancestors if isinstance(a, CodeBlock))
            reached.add(id(block))
            view = body.content_region
            code = block.query_one(".code-scroll").region
            assert focused.region.y >= view.y and code.y < view.bottom, (block.title, code, view)
            if block.outer_size.height <= view.height:  # all of it fits: all of it shows
                assert view.contains_region(block.region), (block.title, block.region, view)
            if len(reached) == len(blocks):
                break
        assert len(reached) == len(blocks)
