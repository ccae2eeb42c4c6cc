"""SVG snapshots of every step at 100×32, and of the Registry and Review steps at 80×24,
driven by key presses (`pytest tests/tui --snapshot-update` to accept a change)."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.conftest import in_ci
from tests.tui.conftest import FIXTURE, SAMPLE, AppFactory
from tests.tui.driver import ECR_CONFIG, press, replace_text, settle, type_keys
from wizard.ui.tui import services
from wizard.verify.verdict import CheckResult, Progress, Step, StepStatus, Verdict

if importlib.util.find_spec("pytest_textual_snapshot") is None:  # pragma: no cover
    _reason = "pytest-textual-snapshot is not installed (pip install -e '.[test]')"
    if in_ci():
        pytest.fail(f"CI=true and {_reason}", pytrace=False)
    pytest.skip(_reason, allow_module_level=True)

WIDE, NARROW = (100, 32), (80, 24)
Drive = Callable[[Pilot[int]], Awaitable[None]]


def keys(*presses: str) -> Drive:
    """Key presses; `type:TEXT` types TEXT one key at a time, `set:TEXT` replaces the
    focused input's text."""

    async def drive(pilot: Pilot[int]) -> None:
        await settle(pilot)
        for key in presses:
            if key.startswith("type:"):
                await type_keys(pilot, key[5:])
            elif key.startswith("set:"):
                await replace_text(pilot, key[4:])
            else:
                await press(pilot, key)
        # A worker's last word reaches the screen through call_from_thread: let it land.
        for _ in range(3):
            await settle(pilot)
            await pilot.pause(0.05)

    return drive


# GHCR from the sample project: registry -> guide -> credentials -> check -> review -> done
TO_CREDENTIALS = ("enter", "enter")
TO_CHECK = (*TO_CREDENTIALS, "set:octocat", "enter", "type:ghp_0123456789abcdef", "enter")
TO_REVIEW = (*TO_CREDENTIALS, "enter", "enter")  # no credential: no live check


@pytest.fixture
def canned_check(monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], None]:
    """A live check answered without a network (its ports and timings would vary)."""

    def use(ok: bool) -> None:
        steps = [
            Step("credential", StepStatus.OK, "the credential looks well-formed"),
            Step("credential", StepStatus.OK, "scopes: read:packages"),
            Step("resolve", StepStatus.OK, "ghcr.io → https://ghcr.io"),
            Step("ping", StepStatus.OK, "401 Bearer realm=https://ghcr.io/token"),
            Step("token", StepStatus.OK, "token for repository:acme/llm-base:pull as octocat"),
        ]
        digest = "sha256:" + "3f2a" * 16
        if ok:
            steps.append(Step("manifest", StepStatus.OK, f"{digest} (OCI index)"))
            result = CheckResult(Verdict.OK, "ghcr.io/acme/llm-base:1.2", "ghcr.io", "", "", digest)
            result.facts["token_scopes"] = ["read:packages"]
        else:
            steps.append(Step("manifest", StepStatus.FAILED, "404 MANIFEST_UNKNOWN"))
            result = CheckResult(
                Verdict.NOT_FOUND,
                "ghcr.io/acme/llm-base:1.2",
                "ghcr.io",
                "the tag 1.2 does not exist in acme/llm-base",
                "push it first (docker push ghcr.io/acme/llm-base:1.2), or fix the tag",
            )
        result.steps = steps

        def canned(flow: object, progress: Progress | None = None) -> CheckResult:
            for taken in range(1, len(steps) + 1):  # the stages one by one, as a real check
                if progress is not None:
                    progress(tuple(steps[:taken]))
            return result

        monkeypatch.setattr(services, "run_check", canned)

    return use


def test_current_setup(snap_compare, make_app: AppFactory) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(FIXTURE.read_text()), terminal_size=WIDE, run_before=keys())


def test_image_input(snap_compare, make_app: AppFactory) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=WIDE, run_before=keys("type:ghcr.io/acme/"))


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x32", "80x24"])
def test_registry(snap_compare, make_app: AppFactory, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(SAMPLE.read_text()), terminal_size=size, run_before=keys())


def test_registry_light_theme(snap_compare, make_app: AppFactory) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SAMPLE.read_text(), theme="textual-light")
    assert snap_compare(app, terminal_size=WIDE, run_before=keys())


def test_method(snap_compare, make_app: AppFactory) -> None:  # type: ignore[no-untyped-def]
    app = make_app(ECR_CONFIG)
    assert snap_compare(app, terminal_size=WIDE, run_before=keys("enter", "down"))


def test_method_values_with_an_inline_error(snap_compare, make_app: AppFactory) -> None:  # type: ignore[no-untyped-def]
    app = make_app(ECR_CONFIG)
    drive = keys("enter", "enter", "type:arn:aws:iam::1:role/x")
    assert snap_compare(app, terminal_size=WIDE, run_before=drive)


def test_cloud_setup(snap_compare, make_app: AppFactory) -> None:  # type: ignore[no-untyped-def]
    app = make_app(ECR_CONFIG)
    role = "set:arn:aws:iam::123456789012:role/baseten-ecr"
    drive = keys("enter", "enter", role, "enter", "enter", "enter")
    assert snap_compare(app, terminal_size=WIDE, run_before=drive)


def test_credentials_with_inline_validation(snap_compare, make_app: AppFactory) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SAMPLE.read_text())
    drive = keys(*TO_CREDENTIALS, "set:octocat", "enter", "type:github_pat_11ABCDEFG0123")
    assert snap_compare(app, terminal_size=WIDE, run_before=drive)


@pytest.mark.parametrize("ok", [True, False], ids=["ok", "failed"])
def test_live_check(snap_compare, make_app: AppFactory, canned_check, ok: bool) -> None:  # type: ignore[no-untyped-def]
    canned_check(ok)
    app = make_app(SAMPLE.read_text())
    assert snap_compare(app, terminal_size=WIDE, run_before=keys(*TO_CHECK))


def test_live_check_under_way(  # type: ignore[no-untyped-def]
    snap_compare, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resolve and ping taken, the token request out: token spins, manifest waits."""
    from textual.worker import get_current_worker

    reported = threading.Event()
    steps = (
        Step("credential", StepStatus.OK, "the credential looks well-formed"),
        Step("credential", StepStatus.OK, "scopes: read:packages"),
        Step("resolve", StepStatus.OK, "ghcr.io → https://ghcr.io"),
        Step("ping", StepStatus.OK, "/v2/ → 401, bearer challenge"),
    )

    def under_way(flow: object, progress: Progress | None = None) -> CheckResult | None:
        assert progress is not None
        progress(steps)
        reported.set()
        worker = get_current_worker()
        while not worker.is_cancelled:  # until the app closes after the snapshot
            time.sleep(0.01)
        return None

    monkeypatch.setattr(services, "run_check", under_way)

    async def drive(pilot: Pilot[int]) -> None:
        await keys(*TO_CHECK[:-1])(pilot)
        await pilot.press("enter")  # not settled: the check never ends by itself
        assert await asyncio.to_thread(reported.wait, 10)
        await pilot.pause()

    app = make_app(SAMPLE.read_text())
    assert snap_compare(app, terminal_size=WIDE, run_before=drive)


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["100x32", "80x24"])
def test_review(snap_compare, make_app: AppFactory, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SAMPLE.read_text())
    assert snap_compare(app, terminal_size=size, run_before=keys(*TO_REVIEW))


def test_done(snap_compare, make_app: AppFactory) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SAMPLE.read_text())
    assert snap_compare(app, terminal_size=WIDE, run_before=keys(*TO_REVIEW, "enter"))
    assert "DOCKER_REGISTRY_ghcr.io: null" in Path("config.yaml").read_text()
