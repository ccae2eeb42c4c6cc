"""A canary token typed into the masked input reaches the live check, and nothing else:
no screen (snapshot), no log record, no textual log, no output, no file."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import textual.constants
from textual.app import App

from tests.e2e.loopback import free_port
from tests.tui.conftest import SAMPLE, AppFactory
from tests.tui.driver import current, kind, press, settle, to_ghcr_credentials, type_keys
from wizard.ui.tui.navigation import PageKind
from wizard.ui.tui.views.check import CheckView

pytestmark = pytest.mark.anyio

CANARY = "ghp_CANARY7c1e0b9d4f2a" + "5" * 18  # the shape of a classic PAT: no early refusal


async def test_a_typed_token_appears_nowhere(
    make_app: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # the check runs, and fails fast
    monkeypatch.setenv("REGISTRY_WIZARD_ENDPOINTS", json.dumps({"ghcr.io": closed}))
    monkeypatch.setenv("REGISTRY_WIZARD_GITHUB_API", closed)
    logged: list[str] = []

    def record(
        self: App[Any], group: Any, verbosity: Any, frame: Any, *objects: Any, **kw: Any
    ) -> None:
        logged.append(" ".join(repr(o) for o in objects) + repr(kw))

    monkeypatch.setattr(App, "_log", record)  # what reaches textual's devtools console
    monkeypatch.setattr(App, "_is_devtools_connected", property(lambda self: True))
    log_file = tmp_path / "textual.log"
    monkeypatch.setattr(textual.constants, "LOG_FILE", str(log_file))  # TEXTUAL_LOG=...
    caplog.set_level(logging.DEBUG)
    screens: dict[str, str] = {}
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await to_ghcr_credentials(pilot, "octocat")
        await type_keys(pilot, CANARY)  # one key press per character
        screens["credentials"] = app.export_screenshot()
        await press(pilot, "enter")
        assert kind(app) is PageKind.CHECK
        assert app.flow.secrets["token"].reveal() == CANARY  # it did reach the check
        view = current(app)
        assert isinstance(view, CheckView) and view.result is not None and not view.result.ok
        screens["check"] = app.export_screenshot()
        await pilot.click("#continue-anyway")  # the focus is on "Back to credentials"
        await settle(pilot)
        screens["review"] = app.export_screenshot()
        await press(pilot, "enter")
        assert kind(app) is PageKind.DONE
        screens["done"] = app.export_screenshot()
        flow_repr = repr(app.flow)
    value = base64.b64encode(f"octocat:{CANARY}".encode()).decode()
    out = capsys.readouterr()
    places = {
        **{f"screen {name}": svg for name, svg in screens.items()},
        "textual log": "\n".join(logged),
        "log records": "\n".join(r.getMessage() + repr(r.args) for r in caplog.records),
        "stdout": out.out,
        "stderr": out.err,
        "repr(flow)": flow_repr,
    }
    for path in tmp_path.rglob("*"):
        if path.is_file():
            places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    assert logged, "the recorder saw nothing: the test would prove nothing"
    for where, text in places.items():
        for needle in (CANARY, CANARY[4:], value):
            assert needle not in text, f"the token leaked into {where}"
    assert "DOCKER_REGISTRY_ghcr.io: null" in Path("config.yaml").read_text()
