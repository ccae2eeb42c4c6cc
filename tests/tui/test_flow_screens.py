"""The flow's advice and checks where the user enters a value: the `latest` note for an
untagged image, a key file checked as it is typed, and what a keyless method's cloud
step and a folder without a Truss project say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.standins import COMPLETE_KEY
from tests.tui.conftest import AppFactory
from tests.tui.driver import ECR_CONFIG, current, kind, press, replace_text, settle, type_text
from wizard.ui.tui.navigation import PageKind
from wizard.ui.tui.widgets.field_input import FieldInput

pytestmark = pytest.mark.anyio


def texts(app: object) -> str:
    view = current(app)  # type: ignore[arg-type]
    return "\n".join(str(s.render()) for s in view.query(Static))


async def test_an_untagged_image_shows_the_latest_note_where_typed_and_on_review(
    make_app: AppFactory,
) -> None:
    app = make_app()  # a Truss config without a base image
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert kind(app) is PageKind.IMAGE
        await type_text(pilot, "acme/llm-base")
        note = str(app.query_one("#note-image", Static).render())
        assert "latest" in note and "pin a digest" in note
        await type_text(pilot, ":1.2")
        assert str(app.query_one("#note-image", Static).render()) == ""
        await replace_text(pilot, "acme/llm-base")
        await press(pilot, "enter")  # accepted all the same
        assert kind(app) is PageKind.REGISTRY
        assert "latest" in texts(app)
        await press(pilot, "enter", "enter")  # Docker Hub; the guide
        assert kind(app) is PageKind.CREDENTIALS
        await press(pilot, "enter", "enter")  # no credential
        assert kind(app) is PageKind.REVIEW
        assert "uses the latest tag" in texts(app)  # as terminal text: no code marks


async def test_the_registry_step_names_the_latest_note_of_config_yamls_image(
    make_app: AppFactory,
) -> None:
    app = make_app("model_name: ranker\nbase_image:\n  image: ghcr.io/acme/llm-base\n")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert kind(app) is PageKind.REGISTRY
        assert "`latest` tag" in texts(app)


GAR_SA = "model_name: ranker\nbase_image:\n  image: us-docker.pkg.dev/my-project/repo/app:1\n"


async def test_a_key_file_is_checked_as_it_is_typed(make_app: AppFactory, isolated: Path) -> None:
    app = make_app(GAR_SA)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "down", "enter")  # GAR; the service-account method
        await replace_text(pilot, "gcp-key")
        await press(pilot, "enter")  # the secret name
        while kind(app) is PageKind.CLOUD or kind(app) is PageKind.FACTS:
            await press(pilot, "enter")
        assert kind(app) is PageKind.CREDENTIALS
        (isolated / "notes.txt").write_text("hello")
        await type_text(pilot, "notes.txt")
        field = app.query_one("#field-key-file", FieldInput)
        error = str(field.query_one(".error", Static).render())
        assert "is not a service-account JSON key" in error
        assert "gcloud iam service-accounts keys create" in error  # the hint
        await press(pilot, "enter")
        assert kind(app) is PageKind.CREDENTIALS  # refused, saying why
        (isolated / "cut.json").write_text('{"type": "service_account"}')  # a cut paste
        await replace_text(pilot, "cut.json")
        cut = str(field.query_one(".error", Static).render())
        assert "incomplete service-account key: no client_email, private_key, token_uri" in cut
        (isolated / "key.json").write_text(json.dumps(COMPLETE_KEY))
        await replace_text(pilot, "key.json")
        assert str(field.query_one(".error", Static).render()) == ""


async def test_an_empty_directory_says_so_and_creates_a_config_with_a_model_name(
    make_app: AppFactory, isolated: Path
) -> None:
    app = make_app(None)  # no config.yaml here (nor above: the test's own directory)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert kind(app) is PageKind.CURRENT
        shown = texts(app)
        assert "Not a Truss project" in shown and "No config.yaml in" in shown
        assert app.query_one("#model-name").value == "project"  # type: ignore[attr-defined]
        app.query_one("#model-name").focus()
        await replace_text(pilot, "ranker")
        await press(pilot, "enter")  # create
        assert kind(app) is PageKind.IMAGE
        assert not app.check_action("back", ())  # nothing before the first question
        await type_text(pilot, "ghcr.io/acme/llm:1.2")
        await press(pilot, "enter", "enter", "enter", "enter", "enter")
        assert kind(app) is PageKind.REVIEW
        assert "+model_name: ranker" in texts(app)
        await press(pilot, "enter")
        assert kind(app) is PageKind.DONE
    text = (isolated / "config.yaml").read_text()
    assert text.startswith("model_name: ranker\n") and "ghcr.io/acme/llm:1.2" in text


async def test_a_yaml_file_without_truss_keys_offers_the_truss_config_below(
    make_app: AppFactory, isolated: Path
) -> None:
    (isolated / "models" / "ranker").mkdir(parents=True)
    below = isolated / "models" / "ranker" / "config.yaml"
    below.write_text(
        "model_name: ranker\nbase_image:\n  image: ghcr.io/acme/llm:1.2\n"
        "secrets:\n  DOCKER_REGISTRY_ghcr.io: null\n"
    )
    unrelated = "server:\n  port: 8080\nlogging:\n  level: info\n"
    app = make_app(unrelated)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert kind(app) is PageKind.CURRENT
        shown = texts(app)
        assert "has no Truss keys" in shown
        assert not app.query("#model-name") and not app.query("#create")  # never replaced
        button = app.query_one("#use-0")
        assert "models/ranker/config.yaml" in str(button.label)  # type: ignore[attr-defined]
        await press(pilot, "enter")  # the first offer has the focus
        # It has auth already: its current setup, as for any config.
        assert kind(app) is PageKind.CURRENT
        assert "Current setup" in texts(app) and "GitHub Container Registry" in texts(app)
        assert app.flow.config == Path("models/ranker/config.yaml")
    assert (isolated / "config.yaml").read_text() == unrelated


async def test_quit_on_the_not_a_project_screen(make_app: AppFactory, isolated: Path) -> None:
    app = make_app("logging:\n  level: info\n")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert "Run registry-wizard in your Truss project" in texts(app)
        await press(pilot, "enter")  # Quit, the only way on
    assert app.return_value == 2


async def test_keyless_values_are_the_guides_and_create_it_for_me_asks_for_the_ids(
    make_app: AppFactory,
) -> None:
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")  # ECR, OIDC
        assert kind(app) is PageKind.FIELDS
        role = app.query_one("#input-role-arn").value  # type: ignore[attr-defined]
        assert role == "arn:aws:iam::123456789012:role/baseten-ecr-pull"  # the guide's role
        assert "Cloud setup guide" in texts(app)
        await press(pilot, "enter", "enter", "enter")  # the role; no org ID, no team ID
        assert kind(app) is PageKind.CLOUD
        assert "baseten-ecr-pull" in current(app).markdown  # type: ignore[attr-defined]
        await pilot.click("#provision")
        await settle(pilot)
        # The IDs it needs are asked for right there (tests/tui/test_cloud_inline.py
        # drives the dialog), not reported as a failure.
        assert app.screen.query("#input-org-id") and app.screen.query("#input-team-id")
