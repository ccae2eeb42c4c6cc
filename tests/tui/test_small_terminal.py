"""The wizard in a small terminal (60x20, 80x24): every button on screen, every list
entry reachable, code and diff lines whole, prose cut between words, honest copy
notices, short labels, and a focus order that reaches docker login's credential."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import Button, Input, Markdown, Static

from tests.tui.conftest import SAMPLE, AppFactory
from tests.tui.driver import ECR_CONFIG, kind, press, replace_text, settle, to_ecr_cloud_page
from wizard.ui.tui.app import WizardApp
from wizard.ui.tui.navigation import PageKind
from wizard.ui.tui.widgets.choice_list import ChoiceList
from wizard.ui.tui.widgets.code_block import CodeBlock, copy_notice
from wizard.ui.tui.widgets.diff_view import DiffView
from wizard.ui.tui.widgets.field_input import FieldInput

pytestmark = pytest.mark.anyio

GAR_SA = "model_name: ranker\nbase_image:\n  image: us-docker.pkg.dev/my-project/repo/app:1\n"
SMALL, NARROW = (60, 20), (80, 24)


def lines_of(widget: Widget) -> list[str]:
    """What the widget shows, line by line (scrolled out of view or not)."""
    return [strip.text for strip in widget.render_lines(widget.region.reset_offset)]


def on_screen(app: WizardApp, widget: Widget) -> bool:
    region = widget.region
    return bool(region.area) and app.screen.region.contains_region(region)


async def test_every_button_of_a_bar_is_on_screen_at_60x20(make_app: AppFactory) -> None:
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=SMALL) as pilot:
        await to_ecr_cloud_page(pilot)
        buttons = list(app.query_one("#content .actions").query(Button))
        labels = [str(b.label) for b in buttons]
        assert labels == ["Continue", "Check my AWS setup", "Create it for me", "Back"]
        for button in buttons:
            assert on_screen(app, button), f"{button.label} is off-screen: {button.region}"
            assert button.region.width >= len(str(button.label))


async def test_the_registry_list_fits_at_60x20(make_app: AppFactory) -> None:
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        choices = app.query_one(ChoiceList)
        assert choices.option_count == 7
        assert choices.max_scroll_y == 0, "some registries are scrolled out of sight"
        assert on_screen(app, choices)
        shown = "\n".join(lines_of(choices))
        for label in ("AWS Elastic Container Registry", "Docker Hub", "Another v2 registry"):
            assert label in shown
        # Moving through the list keeps the highlighted entry's description in view.
        for _ in range(7):
            await press(pilot, "down")
            index = choices.highlighted
            assert index is not None
            description = choices._choices[index].description
            shown = " ".join(" ".join(lines_of(choices)).split())
            assert description[:12] in shown


async def test_diff_lines_keep_their_marker_at_60_columns(make_app: AppFactory) -> None:
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=SMALL) as pilot:
        await to_ecr_cloud_page(pilot)
        await press(pilot, "enter")  # the guide; OIDC asks no credential
        assert kind(app) is PageKind.REVIEW
        diff = app.query_one(DiffView)
        shown = lines_of(diff.query_one(Static))
        expected = diff.diff.rstrip("\n").splitlines()
        assert [line.rstrip() for line in shown] == [f" {line}".rstrip() for line in expected]
        assert diff.max_scroll_x > 0  # wider lines scroll sideways
        assert any(".amazonaws.com" in line and line.lstrip().startswith("+") for line in shown)


async def test_code_blocks_never_wrap_at_80x24(make_app: AppFactory) -> None:
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert kind(app) is PageKind.CLOUD
        blocks = list(app.query(CodeBlock))
        assert blocks
        for block in blocks:
            code = block.query_one(".code", Static)
            shown = [line.strip() for line in lines_of(code)]
            assert len(shown) == block.code.count("\n") + 1, block.title
            for line in block.code.splitlines():
                assert line.strip() in shown  # each line whole


@pytest.mark.parametrize(
    ("config", "size", "broken"),
    [
        (SAMPLE.read_text(), NARROW, "ackages"),  # ...scopes=read:p / ackages
        (ECR_CONFIG, SMALL, "naws.com"),  # 123456789012.dkr.ecr.us-east-1.amazo / naws.com
    ],
    ids=["ghcr-80x24", "ecr-60x20"],
)
async def test_guide_prose_wraps_between_words(
    make_app: AppFactory, config: str, size: tuple[int, int], broken: str
) -> None:
    app = make_app(config)
    async with app.run_test(size=size) as pilot:
        if config == ECR_CONFIG:
            await to_ecr_cloud_page(pilot)
        else:
            await settle(pilot)
            await press(pilot, "enter")
        assert kind(app) is PageKind.CLOUD
        for markdown in app.query(Markdown):
            for block in markdown.query("*"):  # list items' paragraphs too
                for line in lines_of(block):
                    assert not line.strip().startswith(broken), line


def test_the_copy_notice_claims_only_what_was_sent() -> None:
    title, message = copy_notice("shell", 3, environ={})
    assert title != "Copied" and "copied to the clipboard" not in message.split(".")[0]
    assert "3 lines sent to your terminal's clipboard (OSC 52)" in message
    assert "Shift" in message  # how to copy by hand
    title, message = copy_notice("JSON", 1, environ={"TMUX": "/tmp/tmux-0/default,1,0"})
    assert "1 line sent" in message
    assert "set -g set-clipboard on" in message


async def test_optional_is_said_once_and_show_hide_only_where_a_field_is_masked(
    make_app: AppFactory,
) -> None:
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")
        assert kind(app) is PageKind.CREDENTIALS
        for field in app.query(FieldInput):
            prompt = str(field.query_one(".prompt", Static).render())
            assert prompt.count("optional") == 1, prompt
            assert "empty to skip" not in prompt and "hidden" not in prompt
        assert "ctrl+r" in app.active_bindings  # the token is masked: Show/hide
    app = make_app(GAR_SA)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "down", "enter")  # GAR; the service-account method
        await replace_text(pilot, "gcp-key")
        await press(pilot, "enter")
        while kind(app) in (PageKind.CLOUD, PageKind.FACTS):
            await press(pilot, "enter")
        assert kind(app) is PageKind.CREDENTIALS
        prompt = str(app.query_one("#field-key-file .prompt", Static).render())
        assert prompt == "Path to the JSON key, for a live check (optional)"
        assert "ctrl+r" not in app.active_bindings  # nothing masked here


@pytest.mark.parametrize("size", [SMALL, (100, 32)], ids=["60x20", "100x32"])
async def test_use_it_comes_right_after_the_token_and_every_stop_shows(
    make_app: AppFactory, isolated: Path, size: tuple[int, int]
) -> None:
    docker = isolated.parent / "home" / ".docker"
    docker.mkdir(parents=True)
    auth = base64.b64encode(b"octocat:ghp_" + b"a" * 36).decode()
    (docker / "config.json").write_text(json.dumps({"auths": {"ghcr.io": {"auth": auth}}}))
    app = make_app(SAMPLE.read_text())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "enter")
        assert app.query_one("#docker-login").has_class("-shown")
        app.query_one("#input-token", Input).focus()
        await settle(pilot)
        stops: list[Widget] = []
        for _ in range(20):
            await press(pilot, "tab")
            await pilot.pause(0.05)  # scrolling the focused widget into view
            focused = app.focused
            assert focused is not None
            if focused.id == "input-token":
                break
            stops.append(focused)
            # Each stop is seen while it has the focus (a later one may scroll it away).
            if focused.has_class("view-body"):  # a scrolling body is a stop only if it scrolls
                assert focused.max_scroll_y > 0, "an empty focus stop"
            else:
                assert on_screen(app, focused), focused
        ids = [w.id for w in stops]
        assert "use-docker-login" in ids[:2], ids  # Show/hide, then Use it


async def test_method_descriptions_and_notes_carry_no_code_marks(make_app: AppFactory) -> None:
    """A backtick copied from the form into a shell starts a command substitution."""
    from wizard.ui.tui.widgets.notes import Note, render_notes

    text = render_notes([Note("warning", "the `latest` tag", "run `truss whoami`")]).plain
    assert "`" not in text and "truss whoami" in text and "latest" in text
    app = make_app(ECR_CONFIG)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await press(pilot, "enter")  # the registry: the method list
        assert kind(app) is PageKind.METHOD
        shown = "\n".join(
            line for w in app.screen.query(".choice-list, OptionList") for line in lines_of(w)
        )
        assert "truss whoami" in shown or "AssumeRole" in shown, shown
        assert "`" not in shown, shown
