"""What the wizard does besides the happy path: Back, quitting, the step list, the
command palette, Copy, the cloud check and provisioning, credentials, and the write."""

from __future__ import annotations

import base64
import gc
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Button, Input, Static

from tests.standins import BasetenStandIn
from tests.tui.conftest import FIXTURE, SAMPLE, AppFactory
from tests.tui.driver import (
    ECR_CONFIG,
    ROLE,
    current,
    kind,
    press,
    replace_text,
    settle,
    to_ecr_cloud_page,
    to_ghcr_check,
    to_ghcr_credentials,
    type_text,
)
from wizard.flow import Flow
from wizard.guide.provision import ProvisionPlan, ProvisionStep
from wizard.model.facts import ItemStatus, SetupItem
from wizard.ui.tui import run_tui, services
from wizard.ui.tui.app import WizardApp
from wizard.ui.tui.navigation import PageKind
from wizard.ui.tui.screens.provision_dialog import ProvisionDialog
from wizard.ui.tui.views.check import CheckView
from wizard.ui.tui.views.choice import RegistryView
from wizard.ui.tui.views.credentials import CredentialsView
from wizard.ui.tui.widgets.code_block import CodeBlock
from wizard.ui.tui.widgets.step_list import StepList
from wizard.verify.verdict import CheckResult, Progress, Step, StepStatus, Verdict

pytestmark = pytest.mark.anyio

PAT = "ghp_" + "a" * 36


def ok_result(flow: Flow, progress: Progress | None = None) -> CheckResult:
    result = CheckResult(Verdict.OK, flow.image or "", "ghcr.io", "", "", "sha256:" + "1" * 64)
    result.steps = [Step("manifest", StepStatus.OK, "found")]
    return result


def failed_result(flow: Flow, progress: Progress | None = None) -> CheckResult:
    result = CheckResult(
        Verdict.BAD_CREDENTIALS, flow.image or "", "ghcr.io", "the token was refused", "new token"
    )
    result.steps = [Step("token", StepStatus.FAILED, "401")]
    return result


async def test_quit_before_writing_changes_nothing(make_app: AppFactory) -> None:
    app = make_app(SAMPLE.read_text())
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter", "q")
    assert app.return_value == 2
    assert Path("config.yaml").read_text() == SAMPLE.read_text()
    app = make_app(SAMPLE.read_text())
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter", "o", "ctrl+c")  # "o" types; Ctrl-C quits
    assert app.return_value == 2
    assert Path("config.yaml").read_text() == SAMPLE.read_text()


def test_run_tui_exit_codes_and_message(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def headless(*keys: str) -> Any:
        async def pilot_keys(pilot: Any) -> None:
            await settle(pilot)
            for key in keys:
                await press(pilot, key)

        def run(self: WizardApp) -> Any:
            self.cursor_blink = False
            return App.run(self, headless=True, auto_pilot=pilot_keys)

        return run

    (isolated / "config.yaml").write_text(SAMPLE.read_text())
    monkeypatch.setattr(WizardApp, "run", headless("q"))
    assert run_tui(Flow(Path("config.yaml"))) == 2
    assert capsys.readouterr().err.strip() == "No changes were made."
    monkeypatch.setattr(
        WizardApp, "run", headless("enter", "enter", "enter", "enter", "enter", "q")
    )
    assert run_tui(Flow(Path("config.yaml"))) == 0
    printed = capsys.readouterr()
    assert "No changes" not in printed.err
    assert "DOCKER_REGISTRY_ghcr.io: null" in Path("config.yaml").read_text()
    # Back on the normal screen, the plain front end's summary, on stderr: what was
    # written, the secret to create and how to build it, the next steps with their
    # commands on lines of their own; no `truss push` while a secret is still to create.
    err = printed.err
    assert printed.out == "", printed.out
    assert "config.yaml updated: GitHub Container Registry, Access token." in err, err
    assert "Baseten secret to create: DOCKER_REGISTRY_ghcr.io (base64 of user:token)" in err
    assert "Next:\n  1. Store the Baseten secret DOCKER_REGISTRY_ghcr.io" in err, err
    lines = [line.strip() for line in err.splitlines()]
    assert "registry-wizard secret set --image ghcr.io/acme/llm-base:1.2 --username <user>" in lines
    assert "truss push" not in err and "`" not in err


def test_the_cyclic_collector_is_off_while_starting_and_on_from_the_first_frame(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting, the collector would walk every object textual and the wizard make (tens of
    ms of the first screen); once the first frame is shown it runs again, or a long session
    would never free a cycle. A crash on the way up leaves it on as well."""
    seen: dict[str, bool] = {}
    mount = WizardApp.on_mount

    async def on_mount(self: WizardApp) -> None:
        seen["starting"] = gc.isenabled()
        await mount(self)

    def run(self: WizardApp) -> Any:
        async def pilot_keys(pilot: Any) -> None:
            await settle(pilot)
            for _ in range(100):  # Textual's Ready follows the first frame's write
                if gc.isenabled():
                    break
                await pilot.pause(0.02)
            seen["first screen shown"] = gc.isenabled()
            await press(pilot, "q")

        self.cursor_blink = False
        return App.run(self, headless=True, auto_pilot=pilot_keys)

    (isolated / "config.yaml").write_text(SAMPLE.read_text())
    monkeypatch.setattr(WizardApp, "on_mount", on_mount)
    monkeypatch.setattr(WizardApp, "run", run)
    try:
        assert run_tui(Flow(Path("config.yaml"))) == 2
    finally:
        gc.unfreeze()  # the test process's objects back to the collector
    assert seen == {"starting": False, "first screen shown": True}
    assert gc.isenabled()

    def crash(self: WizardApp) -> Any:
        raise RuntimeError("the terminal went away")

    monkeypatch.setattr(WizardApp, "run", crash)
    with pytest.raises(RuntimeError):
        run_tui(Flow(Path("config.yaml")))
    assert gc.isenabled()


def test_the_command_line_opens_the_wizard_with_its_transport_flags(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`registry-wizard` with no command: a terminal is needed; the transport flags
    (a self-hosted registry's private token realm, say) reach the TUI's live check."""
    import sys

    from wizard import cli
    from wizard.verify.registry import Options

    (isolated / "config.yaml").write_text(SAMPLE.read_text())
    assert cli.main([]) == 2
    assert "needs a terminal" in capsys.readouterr().err

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("TERM", "xterm-256color")
    opened: list[Options | None] = []

    def run(self: WizardApp) -> Any:
        opened.append(self.flow.check_options)

        async def quit_at_once(pilot: Any) -> None:
            await settle(pilot)
            await press(pilot, "q")

        return App.run(self, headless=True, auto_pilot=quit_at_once)

    monkeypatch.setattr(WizardApp, "run", run)
    argv = ["--allow-realm", "10.0.0.5:5001", "--insecure-registry", "10.0.0.5:5000"]
    assert cli.main([*argv, "--timeout", "3"]) == 2
    assert opened == [
        Options(
            timeout=3,
            insecure=frozenset({"10.0.0.5:5000"}),
            allowed_realms=frozenset({"10.0.0.5:5001"}),
        )
    ]
    with pytest.raises(SystemExit) as refused:
        cli.main(["--timeout", "0"])
    assert refused.value.code == 2
    assert "--timeout: must be a positive number" in capsys.readouterr().err
    assert len(opened) == 1
    assert Path("config.yaml").read_text() == SAMPLE.read_text()


def test_setup_with_missing_answers_opens_the_wizard_with_the_flags_as_answers(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`setup --image ... --method oidc` on a terminal: the full-screen wizard opens on
    the first question the flags leave open; with TERM=dumb, the plain flow instead."""
    import sys

    from wizard import cli
    from wizard.ui import plain

    (isolated / "config.yaml").write_text("model_name: ranker\n")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("TERM", "xterm-256color")
    first: list[tuple[PageKind | None, dict[str, str]]] = []

    def run(self: WizardApp) -> Any:
        async def look_then_quit(pilot: Any) -> None:
            await settle(pilot)
            first.append((kind(self), dict(self.flow.presets)))
            await press(pilot, "ctrl+c")  # q would be typed into the focused input

        return App.run(self, headless=True, auto_pilot=look_then_quit)

    monkeypatch.setattr(WizardApp, "run", run)
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0"
    argv = ["setup", "--image", image, "--registry", "ecr", "--method", "oidc", "--provision"]
    assert cli.main(argv) == 2  # no --role-arn: asked first
    assert first == [(PageKind.FIELDS, {"image": image, "registry": "ecr", "method": "oidc"})]
    assert "No changes were made." in capsys.readouterr().err
    assert Path("config.yaml").read_text() == "model_name: ranker\n"

    asked: list[str] = []

    class Refuse(plain.QuestionaryPrompter):
        def _ask(self, q: Any) -> Any:
            asked.append(q.id)
            raise KeyboardInterrupt

        choice = text = confirm = secret = _ask

    monkeypatch.setattr(plain, "QuestionaryPrompter", Refuse)
    monkeypatch.setattr(plain, "LinePrompter", Refuse)  # TERM=dumb: line prompts
    monkeypatch.setenv("TERM", "dumb")
    assert cli.main(argv) == 2
    assert asked == ["role-arn"] and len(first) == 1  # one question at a time


async def test_escape_and_the_step_list_go_back(make_app: AppFactory) -> None:
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert kind(app) is PageKind.CLOUD
        await press(pilot, "escape")
        assert kind(app) is PageKind.REGISTRY
        assert "registry" not in app.flow.answers
        await press(pilot, "enter", "enter")
        assert kind(app) is PageKind.CREDENTIALS
        assert app.flow.answers.get("registry") == "ghcr" and "guide" in app.flow.shown
        await pilot.click("#steps", offset=(4, 1))  # "✓ Registry", with the mouse
        await settle(pilot)
        assert kind(app) is PageKind.REGISTRY
        assert "registry" not in app.flow.answers and not app.flow.shown
        await press(pilot, "enter", "enter")  # and by keyboard: Shift+Tab to the list
        for _ in range(12):
            if app.focused is app.query_one("#steps"):
                break
            await pilot.press("shift+tab")
        await press(pilot, "up", "enter")
        assert kind(app) is PageKind.REGISTRY


async def test_the_registry_must_match_the_image_and_the_image_can_change(
    make_app: AppFactory,
) -> None:
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "up", "enter")  # Docker Hub for a ghcr.io image
        assert kind(app) is PageKind.REGISTRY
        assert "GitHub Container Registry" in str(current(app).query_one(".view-error").render())
        await pilot.click("#change-image")
        await settle(pilot)
        assert kind(app) is PageKind.IMAGE
        assert app.query_one("#input-image", Input).value == "ghcr.io/acme/llm-base:1.2"
        await replace_text(pilot, "nvcr.io/nvidia/pytorch:24.01-py3")
        await press(pilot, "enter")
        assert kind(app) is PageKind.REGISTRY
        view = current(app)
        assert isinstance(view, RegistryView) and view.question.default == "ngc"


async def test_cloud_setup_copy_check_and_the_command_palette(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [
        SetupItem("oidc-provider", ItemStatus.OK, "oidc.baseten.co is registered"),
        SetupItem("trust-policy", ItemStatus.PROBLEM, "the role does not trust Baseten", "fix it"),
        SetupItem("ecr-policy", ItemStatus.UNKNOWN, "cannot read the repository policy"),
    ]
    seen: list[Flow] = []

    def cloud_items(flow: Flow) -> list[SetupItem]:
        seen.append(flow)
        return items

    monkeypatch.setattr(services, "cloud_items", cloud_items)
    app = make_app(ECR_CONFIG)
    notes: list[str] = []
    async with app.run_test(size=(100, 32)) as pilot:
        notify = app.notify

        def recording_notify(message: str, **kw: Any) -> None:
            notes.append(message)
            notify(message, **kw)

        monkeypatch.setattr(app, "notify", recording_notify)
        await to_ecr_cloud_page(pilot)
        # Copy, by keyboard: OSC 52 through App.copy_to_clipboard, and a notification
        block = app.query(CodeBlock).first()
        copy = block.query_one(".copy", Button)
        copy.focus()
        await settle(pilot)
        assert app.focused is copy
        await press(pilot, "enter")
        assert app.clipboard == block.code
        assert notes and "copied to the clipboard" in notes[-1]
        # Check my AWS setup, with the mouse: item by item
        await pilot.click("#cloud-check")
        await settle(pilot)
        text = str(app.query_one("#cloud-results").render())
        for line in ("✓ oidc-provider:", "✗ trust-policy:", "fix: fix it", "? ecr-policy:"):
            assert line in text
        assert seen and seen[0].value("role-arn") == ROLE
        # the command palette
        names = [c.title for c in app.get_system_commands(app.screen)]
        for expected in (
            "Go to step: Registry",
            "Go to step: Method",
            "Back",
            "Copy trust-policy.json",
            "Check my AWS setup",
            "Create it for me",
            "Toggle light/dark theme",
            "Quit",
            "Continue",
        ):
            assert expected in names, names
        assert len(names) == len(set(names)), names  # every action once: two shell blocks
        assert "Copy shell · 1. Find your Baseten organization and team IDs" in names
        dark = app.current_theme.dark
        await press(pilot, "ctrl+p")
        await type_text(pilot, "light/dark")
        await press(pilot, "enter")
        assert app.current_theme.dark is not dark
        await press(pilot, "ctrl+t")
        assert app.current_theme.dark is dark
        await press(pilot, "ctrl+p")
        await type_text(pilot, "go to step: registry")
        await press(pilot, "enter")
        assert kind(app) is PageKind.REGISTRY
        # every button of a step is in the palette: "Change image" was not
        await press(pilot, "ctrl+p")
        await type_text(pilot, "change image")
        await press(pilot, "enter")
        assert kind(app) is PageKind.IMAGE


def _plan() -> ProvisionPlan:
    return ProvisionPlan(
        account="123456789012",
        role_name="baseten-ecr",
        region="us-east-1",
        repository="team/app",
        method="oidc",
        profile=None,
        steps=(
            ProvisionStep(
                "Register Baseten's OIDC issuer",
                "aws iam create-open-id-connect-provider --url https://oidc.baseten.co",
                "create-oidc-provider",
            ),
            ProvisionStep("Create the role baseten-ecr", "aws iam create-role ...", "create-role"),
        ),
    )


async def test_create_it_for_me_confirms_then_creates_on_write(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard.guide import provision

    applied: list[ProvisionPlan] = []
    monkeypatch.setattr(services, "plan_provision", lambda flow: _plan())

    def apply_provision(plan: ProvisionPlan) -> list[str]:
        applied.append(plan)
        return ["role baseten-ecr"]

    monkeypatch.setattr(provision, "apply_provision", apply_provision)
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_ecr_cloud_page(pilot)
        await pilot.click("#provision")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ProvisionDialog)
        listed = str(dialog.query_one(".plan").render())
        assert "1. Register Baseten's OIDC issuer" in listed and "aws iam create-role" in listed
        await press(pilot, "escape")  # cancel: nothing planned
        assert app.provision_plan is None and not app.screen.is_modal
        await pilot.click("#provision")
        await settle(pilot)
        await pilot.click("#confirm")
        await settle(pilot)
        assert app.provision_plan is not None
        assert "2 AWS resource(s)" in str(app.query_one("#provision-note").render())
        assert not applied  # nothing happens before Write
        await press(pilot, "enter")  # Continue
        assert kind(app) is PageKind.REVIEW
        assert str(app.query_one("#continue", Button).label) == "Create and write"
        await press(pilot, "enter")
        assert kind(app) is PageKind.DONE
        assert app.outcome is not None and app.outcome.created == ["role baseten-ecr"]
    assert applied == [_plan()]
    assert "AWS_OIDC" in Path("config.yaml").read_text()


async def test_credentials_masked_analysed_and_reused_from_docker_login(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    docker = isolated.parent / "home" / ".docker"
    docker.mkdir(parents=True)
    auth = base64.b64encode(f"octocat:{PAT}".encode()).decode()
    (docker / "config.json").write_text(json.dumps({"auths": {"ghcr.io": {"auth": auth}}}))
    checked: list[tuple[str | None, str]] = []

    def fake_check(flow: Flow, progress: Progress | None = None) -> CheckResult:
        checked.append((flow.value("username"), flow.secrets["token"].reveal()))
        return ok_result(flow)

    monkeypatch.setattr(services, "run_check", fake_check)
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")
        view = current(app)
        assert isinstance(view, CredentialsView)
        assert "docker login has a credential for ghcr.io" in str(
            view.query_one("#docker-login-text").render()
        )
        token = app.query_one("#input-token", Input)
        assert token.password
        await press(pilot, "tab")  # to the token field
        await type_text(pilot, "github_pat_11ABC")
        findings = str(view.query_one("#findings").render())
        assert "fine-grained personal access token" in findings
        await press(pilot, "ctrl+r")
        assert not token.password
        await press(pilot, "ctrl+r")
        assert token.password
        await pilot.click("#use-docker-login")
        await settle(pilot)
        assert app.query_one("#input-username", Input).value == "octocat"
        assert token.value == PAT and token.password
        assert "fine-grained" not in str(view.query_one("#findings").render())
        await press(pilot, "enter")  # Continue has the focus
        assert kind(app) is PageKind.CHECK
    assert checked == [("octocat", PAT)]


async def test_a_failed_check_goes_back_to_credentials_or_on(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "run_check", failed_result)
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await to_ghcr_check(pilot, "octocat", PAT)
        view = current(app)
        assert isinstance(view, CheckView) and not view.result.ok
        shown = str(view.query_one("#verdict").render())
        assert "The credential was refused" in shown and "bad_credentials" not in shown
        assert app.focused is view.query_one("#back")  # mend the credential, first
        await press(pilot, "enter")  # "Back to credentials"
        assert kind(app) is PageKind.CREDENTIALS and "token" not in app.flow.secrets
        # Nothing typed is lost: the username and the (masked) token are still there.
        assert app.query_one("#input-username", Input).value == "octocat"
        token = app.query_one("#input-token", Input)
        assert token.value == PAT and token.password
        await press(pilot, "enter", "enter")
        assert kind(app) is PageKind.CHECK
        await pilot.click("#continue-anyway")  # the check fails again: on anyway
        await settle(pilot)
        assert kind(app) is PageKind.REVIEW


async def test_back_cancels_a_running_check(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_check(flow: Flow, progress: Progress | None = None) -> CheckResult:
        started.set()
        release.wait(10)
        return ok_result(flow)

    monkeypatch.setattr(services, "run_check", slow_check)
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await to_ghcr_credentials(pilot, "octocat")
        await type_text(pilot, PAT)
        await pilot.press("enter")  # not press(): the check must not be waited for
        assert started.wait(5)
        await pilot.pause()
        view = current(app)
        assert isinstance(view, CheckView)
        workers = [w for w in app.workers if w.group == "live-check"]
        await pilot.press("escape")  # the UI answers while the check runs
        assert kind(app) is PageKind.CREDENTIALS
        assert all(w.is_cancelled for w in workers)
        release.set()
        await settle(pilot)
        assert kind(app) is PageKind.CREDENTIALS
        assert app.flow.check_result is None and view.result is None


async def test_the_secret_is_stored_in_baseten_when_asked(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, baseten: BasetenStandIn
) -> None:
    monkeypatch.setattr(services, "run_check", ok_result)
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await to_ghcr_check(pilot, "octocat", PAT)
        await press(pilot, "enter")
        assert kind(app) is PageKind.REVIEW
        await pilot.click("#store-secret")
        await pilot.click("#continue")
        await settle(pilot)
        assert kind(app) is PageKind.DONE
        assert app.outcome is not None
        assert app.outcome.stored == ["DOCKER_REGISTRY_ghcr.io"]
    stored = baseten.secrets["DOCKER_REGISTRY_ghcr.io"]
    assert base64.b64decode(stored).decode() == f"octocat:{PAT}"


async def test_a_file_changed_meanwhile_is_not_overwritten(make_app: AppFactory) -> None:
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter", "enter", "enter")
        assert kind(app) is PageKind.REVIEW
        Path("config.yaml").write_text(SAMPLE.read_text() + "# edited elsewhere\n")
        await press(pilot, "enter")
        assert kind(app) is PageKind.REVIEW
        assert "changed on disk" in str(current(app).query_one(".view-error").render())
        await press(pilot, "q")
    assert app.return_value == 2
    assert Path("config.yaml").read_text().endswith("# edited elsewhere\n")


async def test_a_read_only_config_is_named_and_writable_again_after_chmod(
    make_app: AppFactory,
) -> None:
    """Corpus examples copied with cp keep mode 0444. Write names the file, and a
    `chmod u+w` in another window lets the next Write through, answers kept (the mode
    was judged as read at start: restart and answer everything again)."""
    config = Path("config.yaml")
    config.write_text(SAMPLE.read_text())
    config.chmod(0o444)
    app = make_app(None)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        # said on the first screen, not first at Write
        said = [n.message for n in app._notifications]
        assert any("config.yaml: is read-only" in m for m in said), said
        await press(pilot, "enter", "enter", "enter", "enter")
        assert kind(app) is PageKind.REVIEW
        await press(pilot, "enter")
        assert kind(app) is PageKind.REVIEW
        error = str(current(app).query_one(".view-error").render())
        assert "config.yaml: is read-only; make it writable (chmod u+w)" in error, error
        assert config.read_text() == SAMPLE.read_text()
        config.chmod(0o644)
        await press(pilot, "enter")
        assert kind(app) is PageKind.DONE
    assert "DOCKER_REGISTRY_ghcr.io" in config.read_text()


async def test_current_setup_fix_keeps_the_values(make_app: AppFactory) -> None:
    app = make_app(FIXTURE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert kind(app) is PageKind.CURRENT
        text = str(current(app).query_one(".findings").render())
        assert "config.yaml:14" in text and "not the image's registry" in text
        await press(pilot, "enter")  # Fix
        assert kind(app) is PageKind.REGISTRY
        await press(pilot, "escape")  # back to the current setup
        assert kind(app) is PageKind.CURRENT


async def test_baseten_facts_fill_the_oidc_ids(
    make_app: AppFactory, baseten: BasetenStandIn
) -> None:
    """With a Baseten API key the org and team IDs come from Baseten's API (a loopback
    stand-in): prefilled for the user, and in the trust policy the guide shows."""
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")  # registry, OIDC: the facts are fetched
        await replace_text(pilot, ROLE)
        await press(pilot, "enter")
        assert app.query_one("#input-org-id", Input).value == baseten.org_id
        assert app.query_one("#input-team-id", Input).value == "AviIZ0y3"  # the default
        await press(pilot, "enter", "enter")
        assert kind(app) is PageKind.CLOUD
        trust = next(b for b in app.query(CodeBlock) if b.title == "trust-policy.json")
        assert f"v=1:org={baseten.org_id}:team=AviIZ0y3:" in trust.code


async def test_the_stage_list_shows_every_stage_in_order_from_the_start() -> None:
    """Every stage from the first moment, one row each, in verdict.STAGES' order; a
    failed step is a check's last: nothing stays "under way", and the stages after it
    read "not reached"."""
    from textual.app import ComposeResult

    from wizard.ui.tui.widgets.stage_list import StageList
    from wizard.verify.verdict import STAGES

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield StageList(spin=False)

    def rows(stages: StageList) -> list[str]:
        return str(stages.render()).splitlines()

    async with One().run_test() as pilot:
        stages = pilot.app.query_one(StageList)
        assert stages.pending == STAGES
        assert [r.split()[1] for r in rows(stages)] == list(STAGES)
        stages.show([Step("credential", StepStatus.OK, "well-formed")])
        assert stages.pending == ("resolve", "ping", "token", "manifest")
        # Two steps of one stage make one row: the failed one wins.
        stages.show(
            [
                Step("credential", StepStatus.OK, "well-formed"),
                Step("credential", StepStatus.FAILED, "scopes: none"),
                Step("credential", StepStatus.OK, "later"),
            ]
        )
        shown = rows(stages)
        assert len(shown) == len(STAGES) and shown[0].startswith("✗ credential")
        assert stages.pending == ()
        assert all(r.endswith("not reached") for r in shown[1:]), shown
        assert "…" not in str(stages.render())
        stages.finish([Step("resolve", StepStatus.OK), Step("ping", StepStatus.FAILED, "refused")])
        shown = rows(stages)
        assert [r.split()[1] for r in shown] == list(STAGES)
        assert "not needed" in shown[0] and shown[1].startswith("✓ resolve")
        assert shown[2].startswith("✗ ping") and "refused" in shown[2]
        assert stages.not_reached == ("token", "manifest")
        stages.finish([])  # the check could not run
        assert stages.not_reached == STAGES


async def test_flags_as_answers_on_the_credentials_and_review_steps(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, baseten: BasetenStandIn
) -> None:
    """`setup --username octocat --store-secret` with the rest missing: the Credentials
    step asks only for the token (and checks it against the flag's username); Review says
    the secret will be stored; a skipped check stores nothing (never base64(":"))."""
    checked: list[tuple[str | None, str]] = []

    def fake_check(flow: Flow, progress: Progress | None = None) -> CheckResult:
        checked.append((flow.value("username"), flow.secrets["token"].reveal()))
        return ok_result(flow)

    monkeypatch.setattr(services, "run_check", fake_check)
    for skip in (True, False):  # skipped first: then nothing is stored yet
        app = make_app(SAMPLE.read_text())
        app.flow.presets.update({"username": "octocat", "store-secret": "yes"})
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await press(pilot, "enter", "enter")
            assert kind(app) is PageKind.CREDENTIALS
            assert not app.query("#input-username")
            if skip:
                await pilot.click("#skip")
                await settle(pilot)
            else:
                await type_text(pilot, "github_pat_11ABC")  # analysed with octocat
                assert "fine-grained" in str(current(app).query_one("#findings").render())
                await press(pilot, "ctrl+u")
                await type_text(pilot, PAT)
                await press(pilot, "enter", "enter")  # the check, then Continue
            assert kind(app) is PageKind.REVIEW
            if not skip:
                assert "stores the secret in Baseten" in str(app.query_one(".findings").render())
            await press(pilot, "enter")
            assert kind(app) is PageKind.DONE and app.outcome is not None
            if skip:
                assert app.outcome.stored == [] and "not stored" in app.outcome.store_note
                assert baseten.secrets == {}
            else:
                assert app.outcome.stored == ["DOCKER_REGISTRY_ghcr.io"]
    stored = baseten.secrets["DOCKER_REGISTRY_ghcr.io"]
    assert checked == [("octocat", PAT)]
    assert base64.b64decode(stored).decode() == f"octocat:{PAT}"


def test_current_setup_shows_the_file_not_the_flags(isolated: Path) -> None:
    (isolated / "config.yaml").write_text(FIXTURE.read_text())
    flow = Flow(Path("config.yaml"), presets={"image": "ghcr.io/acme/other:2"})
    shown = services.current_setup(flow)
    assert shown is not None and shown.image != "ghcr.io/acme/other:2"
    assert shown.image and shown.image in FIXTURE.read_text()


async def test_back_keeps_every_answer_and_each_methods_values(make_app: AppFactory) -> None:
    """ECR: OIDC's role ARN, org and team IDs survive Esc; AssumeRole keeps its own ARN;
    the method list opens on the method chosen, not on the first."""
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")  # registry, OIDC
        await replace_text(pilot, ROLE)
        await press(pilot, "enter")
        await replace_text(pilot, "abcd1234")
        await press(pilot, "enter")
        await replace_text(pilot, "wxyz5678")
        await press(pilot, "enter")
        assert kind(app) is PageKind.CLOUD
        await press(pilot, "escape")
        assert kind(app) is PageKind.FACTS
        assert app.query_one("#input-org-id", Input).value == "abcd1234"
        assert app.query_one("#input-team-id", Input).value == "wxyz5678"
        await press(pilot, "escape")
        assert app.query_one("#input-role-arn", Input).value == ROLE
        await press(pilot, "escape")
        assert kind(app) is PageKind.METHOD
        assert app.query_one("#choices").highlighted == 0  # OIDC, the one chosen
        await press(pilot, "down", "enter")  # AssumeRole
        assert kind(app) is PageKind.FIELDS
        other = "arn:aws:iam::123456789012:role/assume-me"
        await replace_text(pilot, other)
        await press(pilot, "enter", "escape", "escape")
        assert kind(app) is PageKind.METHOD
        assert app.query_one("#choices").highlighted == 1  # AssumeRole, the one chosen
        await press(pilot, "up", "enter")  # OIDC again: its own ARN
        assert app.query_one("#input-role-arn", Input).value == ROLE
        await press(pilot, "enter", "enter", "enter", "enter")
        assert kind(app) is PageKind.REVIEW
        notes = str(current(app).query_one(".findings").render())
        assert "assume-me" in notes and "is not used" in notes  # Review says what is dropped


async def test_done_tells_the_truth_after_a_failed_check(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The typed username in the commands, the failed live check named, and no "Run next:
    truss push" while the secret is still to create."""
    monkeypatch.setattr(services, "run_check", failed_result)
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await to_ghcr_check(pilot, "fakeuser", PAT)
        await pilot.click("#continue-anyway")
        await settle(pilot)
        assert kind(app) is PageKind.REVIEW
        # the step list says the live check failed, not ✓ as if it had passed
        marks = {o.id: str(o.prompt) for o in app.query_one(StepList).options}
        assert marks["check"].startswith("✗") and marks["credentials"].startswith("✓")
        await pilot.click("#continue")
        await settle(pilot)
        assert kind(app) is PageKind.DONE
        view = current(app)
        text = "\n".join(str(s.render()) for s in view.query(Static))
        assert "--username fakeuser" in text and "<user>" not in text
        assert "The credential was refused" in str(view.query_one("#done-check").render())
        assert "DOCKER_REGISTRY_ghcr.io" in str(view.query_one("#open").render())
        assert not view.query(CodeBlock)  # no "Run next: truss push"


async def test_storing_the_secret_asks_for_the_baseten_key_when_none_is_at_hand(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, loopback_only: list[str]
) -> None:
    """No BASETEN_API_KEY, no ~/.trussrc: ticking "Store the secret" asks for the key
    (masked) instead of failing on Done."""
    monkeypatch.setattr(services, "run_check", ok_result)
    with BasetenStandIn() as baseten:
        for name, value in baseten.env(with_key=False).items():
            monkeypatch.setenv(name, value)
        app = make_app(SAMPLE.read_text())
        async with app.run_test(size=(100, 32)) as pilot:
            await to_ghcr_check(pilot, "fakeuser", PAT)
            await press(pilot, "enter")
            assert kind(app) is PageKind.REVIEW
            key = app.query_one("#baseten-key", Input)
            assert not key.display and key.password
            await pilot.click("#store-secret")
            await settle(pilot)
            assert key.display and app.focused is key
            await press(pilot, "enter")  # no key typed: asked for, nothing written
            assert kind(app) is PageKind.REVIEW and "API key" in str(
                current(app).query_one(".view-error").render()
            )
            await type_text(pilot, baseten.api_key)
            await press(pilot, "enter")
            assert kind(app) is PageKind.DONE and app.outcome is not None
            assert app.outcome.stored == ["DOCKER_REGISTRY_ghcr.io"], app.outcome.store_note
        stored = baseten.secrets["DOCKER_REGISTRY_ghcr.io"]
    assert base64.b64decode(stored).decode() == f"fakeuser:{PAT}"


HEALTHY = (
    "model_name: ranker\n"
    "base_image:\n"
    "  image: ghcr.io/acme/llm:1.2\n"
    "secrets:\n"
    "  DOCKER_REGISTRY_ghcr.io: null\n"
)


def test_a_healthy_setup_offers_keep_first(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "No problems found": Enter keeps the file as it is and quits, with exit 0."""

    async def enter(pilot: Any) -> None:
        await settle(pilot)
        view = current(pilot.app)
        assert view.page.kind is PageKind.CURRENT
        assert pilot.app.focused is view.query_one("#keep")
        await press(pilot, "enter")

    def run(self: WizardApp) -> Any:
        self.cursor_blink = False
        return App.run(self, headless=True, auto_pilot=enter)

    (isolated / "config.yaml").write_text(HEALTHY)
    monkeypatch.setattr(WizardApp, "run", run)
    assert run_tui(Flow(Path("config.yaml"))) == 0
    assert capsys.readouterr().err.strip() == "No changes were made."
    assert (isolated / "config.yaml").read_text() == HEALTHY


async def test_review_with_nothing_to_change_says_so_once(make_app: AppFactory) -> None:
    """The same answers again: Review has no diff, and "already has this setup" is said
    once (it was the subtitle and the body both); the subtitle says nothing changes."""
    app = make_app(HEALTHY)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        current(app).query_one("#fix", Button).press()  # "Change it"
        await settle(pilot)
        for _ in range(6):  # each step's default: the setup config.yaml has
            if kind(app) is PageKind.REVIEW:
                break
            await press(pilot, "enter")
        assert kind(app) is PageKind.REVIEW
        view = current(app)
        shown = "\n".join(str(s.render()) for s in view.query(Static))
        assert shown.count("already has this setup") == 1, shown
        subtitle = str(view.query_one(".view-subtitle", Static).render())
        assert subtitle == "What will change in config.yaml: nothing."
        assert str(view.query_one("#continue", Button).label) == "Finish"


async def test_current_setup_masks_a_real_secret_value(make_app: AppFactory) -> None:
    token = "ghp_" + "s" * 36
    app = make_app(HEALTHY.replace("null", token))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert kind(app) is PageKind.CURRENT
        text = "\n".join(str(s.render()) for s in current(app).query(".listing"))
        assert "DOCKER_REGISTRY_ghcr.io: <secret value, 40 chars>" in text
        assert token not in text and ": null" not in text


async def test_the_guide_scrolls_from_the_first_moment_and_shows_its_focus(
    make_app: AppFactory,
) -> None:
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_ecr_cloud_page(pilot)
        body = current(app).query_one(".view-body")
        assert app.focused is current(app).query_one("#continue") and body.scroll_y == 0
        await press(pilot, "pagedown")
        assert body.scroll_y > 0
        paged = body.scroll_y
        await press(pilot, "down")
        assert body.scroll_y == paged + 1
        await press(pilot, "pageup", "up")
        assert body.scroll_y == 0
        assert app.focused is current(app).query_one("#continue")  # the focus stayed
        unfocused = body.styles.border.top[1]
        body.focus()
        await settle(pilot)
        assert body.styles.border.top[1] != unfocused  # the focused pane says so


async def test_a_stage_arriving_after_the_end_does_not_undo_the_final_list(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Progress is posted to the view's queue, the end called on the app's loop: on a busy
    machine a stage can land after the end; the list keeps the finished stages (StageList
    takes no progress once finished)."""
    import threading

    from wizard.ui.tui.widgets.stage_list import StageList

    def late(flow: Flow, progress: Progress | None = None) -> CheckResult:
        assert progress is not None
        early = (Step("credential", StepStatus.OK, "an early stage, posted late"),)
        threading.Timer(0.2, lambda: progress(early)).start()  # lands after the end
        return ok_result(flow, progress)

    monkeypatch.setattr(services, "run_check", late)
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(100, 32)) as pilot:
        await to_ghcr_check(pilot, "octocat", PAT)
        await pilot.pause(0.5)
        await settle(pilot)
        shown = str(current(app).query_one(StageList).render())
        assert "found" in shown and "posted late" not in shown, shown


def unreachable_result(flow: Flow, progress: Progress | None = None) -> CheckResult:
    """What a check without a network shows: every stage, a long detail and its hint."""
    result = CheckResult(
        Verdict.UNREACHABLE,
        flow.image or "",
        "ghcr.io",
        "cannot reach the registry: cannot connect to ghcr.io:443: [Errno 101] Network is "
        "unreachable",
        "check the network, a proxy (HTTPS_PROXY) or a firewall between you and ghcr.io",
    )
    result.steps = [
        Step("credential", StepStatus.OK, "the credential looks well-formed"),
        Step("credential", StepStatus.OK, "scopes: read:packages"),
        Step("resolve", StepStatus.OK, "ghcr.io → https://ghcr.io"),
        Step("ping", StepStatus.FAILED, "cannot connect to ghcr.io:443"),
    ]
    result.warnings = ["the token is a classic PAT: it works until you revoke it"]
    return result


@pytest.mark.parametrize("result", [ok_result, unreachable_result], ids=["ok", "unreachable"])
async def test_the_verdict_is_in_view_on_a_short_terminal(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, result: Any
) -> None:
    """At 60x20 the stage list filled the page and the verdict and its fix were below
    the fold: the check's end scrolls them into view."""
    monkeypatch.setattr(services, "run_check", result)
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=(60, 20)) as pilot:
        await to_ghcr_check(pilot, "octocat", PAT)
        await settle(pilot)
        view = current(app)
        assert isinstance(view, CheckView) and view.result is not None
        verdict = view.query_one("#verdict")
        body = verdict.parent
        assert body is not None
        # Scrolled as far as it goes towards the verdict at the top: the verdict, then its
        # notes (the fix) below it, as much as fits.
        wanted = min(verdict.virtual_region.y, body.max_scroll_y)
        assert body.scroll_offset.y == wanted, (body.scroll_offset.y, wanted)
