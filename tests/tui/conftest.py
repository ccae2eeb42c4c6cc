"""The Textual front end under `App.run_test()`: an isolated home, a fixed working
directory (the header shows the config path), no cursor blink, no animation."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.standins import BasetenStandIn
from wizard.flow import Flow
from wizard.ui.tui.app import WizardApp

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "sample-truss" / "config.yaml"
FIXTURE = Path(__file__).resolve().parents[1] / "config" / "fixtures" / "commented.yaml"
NO_IMAGE = "# A Truss model without a base image yet.\nmodel_name: ranker\n"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def quick_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot sleeps in 20 ms steps until the process looks idle, twice per key press; 1 ms
    steps keep the suite within its time budget. Tests still wait for every worker and
    every pending message (tests/tui/driver.py), so nothing relies on the heuristic."""
    import textual._wait

    monkeypatch.setattr(textual._wait, "SLEEP_GRANULARITY", 0.001)
    monkeypatch.setattr(textual._wait, "SLEEP_IDLE", 0.001 / 20)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A project directory as the working directory, and nothing of the machine's own:
    no Baseten key, no docker login, no AWS profile, no endpoint overrides."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "REGISTRY_WIZARD_", "DOCKER_", "GOOGLE_")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "home" / ".trussrc"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "home" / ".docker"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "home" / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "home" / "aws-creds"))
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    return project


AppFactory = Callable[..., WizardApp]


@pytest.fixture
def make_app(isolated: Path) -> Iterator[AppFactory]:
    """`make_app(config text or None, theme=...)`: the app on ./config.yaml."""

    def make(text: str | None = NO_IMAGE, *, theme: str | None = None) -> WizardApp:
        config = isolated / "config.yaml"
        if text is not None:
            config.write_text(text)
        return WizardApp(Flow(Path("config.yaml")), cursor_blink=False, spinners=False, theme=theme)

    yield make


@pytest.fixture
def baseten(monkeypatch: pytest.MonkeyPatch, loopback_only: list[str]) -> Iterator[BasetenStandIn]:
    """Baseten's API on loopback, with an API key for it in the environment."""
    with BasetenStandIn() as server:
        for name, value in server.env(with_key=True).items():
            monkeypatch.setenv(name, value)
        yield server
