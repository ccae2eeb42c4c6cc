"""The one finisher: every front end writes the plan the user reviewed, refuses a file
that changed since, hides the secret values it scrubs, and reports an Outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.flow.test_flow import ScriptedPrompter, script_for
from wizard.cli import main
from wizard.flow import Flow
from wizard.flow.finish import FinishError, finish
from wizard.ui import plain
from wizard.ui.tui import services

TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))
    monkeypatch.setenv("NO_COLOR", "1")


class ChangesTheFileAtReview(ScriptedPrompter):
    """A user who, while the diff is on screen, edits config.yaml in another window."""

    def __init__(self, script: list[tuple[str, Any]], config: Path) -> None:
        super().__init__(script)
        self.config = config

    def show(self, title: str, body: str) -> None:
        super().show(title, body)
        if title == "Review":
            self.config.write_text(self.config.read_text() + "# edited meanwhile\n")


def test_plain_refuses_a_file_changed_since_the_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    prompter = ChangesTheFileAtReview(script_for("ghcr-token"), config)
    code = plain.run(Flow(config), prompter)
    assert code == 1
    assert config.read_text() == "model_name: m\n# edited meanwhile\n"  # theirs, untouched
    assert "changed" in capsys.readouterr().err


def test_the_finisher_writes_the_reviewed_bytes_not_a_new_plan(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    flow = Flow(config, presets={"image": "ghcr.io/acme/app:1.0"})
    review = services.review(flow)
    flow.presets["image"] = "ghcr.io/acme/other:2.0"  # a later answer the user never saw
    outcome = finish(flow, plan=review.plan)
    assert outcome.written
    assert config.read_text() == review.plan.edit.new_text
    assert "acme/app:1.0" in config.read_text()


def test_without_a_review_nothing_is_written(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    with pytest.raises(FinishError, match="review"):
        finish(Flow(config, presets={"image": "ghcr.io/acme/app:1.0"}))
    assert config.read_text() == "model_name: m\n"


def test_a_new_answer_after_the_review_needs_a_new_review(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    flow = Flow(config)
    assert flow.answer("image", "ghcr.io/acme/app:1.0") is None
    flow.review_plan()
    assert flow.reviewed is not None
    assert flow.answer("image", "ghcr.io/acme/app:2.0") is None
    assert flow.reviewed is None


def test_the_diff_hides_the_secret_value_setup_scrubs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    original = f"model_name: m\nsecrets:\n  DOCKER_REGISTRY_ghcr.io: {TOKEN}\n"
    config.write_text(original)
    assert main(["setup", "--config", str(config), "--image", "ghcr.io/a/b:1", "--dry-run"]) == 0
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    assert f"<secret value, {len(TOKEN)} chars>" in out.out
    assert config.read_text() == original
    assert main(["doctor", str(config), "--fix", "--dry-run"]) in (0, 1)
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err


def test_a_misnamed_registry_secret_is_shown_as_the_current_setup(tmp_path: Path) -> None:
    """The TUI's first screen shows the setup and doctor's finding on its line, rather
    than leaving the problem for Review."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_name: m\nbase_image:\n  image: ghcr.io/acme/app:1.0\n"
        "secrets:\n  DOCKER_REGISTRY_https://ghcr.io: null\n"
    )
    current = services.current_setup(Flow(config))
    assert current is not None
    assert [(f.rule, f.line) for f in current.findings] == [("registry-secret-name", 5)]


def test_a_token_registry_with_a_docker_auth_block_gets_its_own_fix(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_name: m\nbase_image:\n  image: ghcr.io/acme/app:1.0\n"
        "  docker_auth:\n    auth_method: ACCESS_TOKEN\n"
    )
    current = services.current_setup(Flow(config))
    assert current is not None
    (finding,) = [f for f in current.findings if f.rule == "auth-method-invalid"]
    assert "remove docker_auth" in finding.fix and "DOCKER_REGISTRY_ghcr.io" in finding.fix
    assert "AWS_OIDC" not in finding.fix
