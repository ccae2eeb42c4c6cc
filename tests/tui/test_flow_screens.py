"""The flow's advice and checks where the user enters a value: the `latest` note for an
untagged image, a key file checked as it is typed, and what a keyless method's cloud
step and a folder without a Truss project say."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.tui.conftest import AppFactory
from tests.tui.driver import current, kind, press, replace_text, settle, type_text
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
        assert "`latest` tag" in texts(app)


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
        (isolated / "key.json").write_text('{"type": "service_account"}')
        await replace_text(pilot, "key.json")
        assert str(field.query_one(".error", Static).render()) == ""
