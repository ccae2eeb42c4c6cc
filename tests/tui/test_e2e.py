"""Every registry × method, end to end by key presses, writes what the plain flow writes;
the token methods' live checks run against a real registry on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.e2e.loopback import LoopbackServer, Response
from tests.e2e.registry_server import RegistryServer, push_image
from tests.flow.test_flow import CASES, ScriptedPrompter, script_for
from tests.tui.conftest import FIXTURE, AppFactory
from tests.tui.driver import current, kind, press, replace_text, settle, type_text, wizard
from wizard.flow import Flow
from wizard.ui import plain
from wizard.ui.tui.navigation import PageKind
from wizard.ui.tui.views.check import CheckView
from wizard.ui.tui.widgets.stage_list import StageList
from wizard.verify.registry import Options

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
GHCR_PAT = "ghp_" + "t" * 36

# registry host -> (username, token) the loopback registry accepts
CREDENTIALS = {
    ECR: ("AWS", "ecr-token-for-the-tui-test"),
    "gcr.io": ("oauth2accesstoken", "ya29.tui-test-token"),
    "docker.io": ("tuiuser", "dckr_pat_tuitesttoken0123456789"),
    "ghcr.io": ("octocat", GHCR_PAT),
    "nvcr.io": ("$oauthtoken", "nvapi-tui-test-key"),
    "quay.io": ("quayuser", "quay-tui-password"),
}
# repository, tag of each token case's image (see tests/flow/test_flow.py CASES)
IMAGES = [
    ("team/app", "1.0"),
    ("my-project/app", "1"),
    ("acme/app", "1.0"),
    ("acme/llm", "1.2"),
    ("nvidia/pytorch", "24.01-py3"),
    ("acme/app", "1"),
]


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServer]:
    server = RegistryServer("htpasswd", users=dict(CREDENTIALS.values()))
    server.start()
    try:
        for repo, tag in IMAGES:
            push_image(server, repo, tag, "oci")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def github() -> Iterator[LoopbackServer]:
    """GitHub's GET /user, telling a classic PAT's scopes."""

    def handler(method: str, path: str, headers: Any, body: bytes) -> Response:
        if path == "/user" and headers.get("Authorization") == f"token {GHCR_PAT}":
            return Response(200, {"X-OAuth-Scopes": "read:packages"}, b'{"login":"octocat"}')
        return Response(401, {"Content-Type": "application/json"}, b"{}")

    server = LoopbackServer(handler, record=False)
    server.start()
    yield server
    server.stop()


async def complete(pilot: Pilot[int], name: str, *, live: bool) -> CheckView | None:
    """Answer every page for one CASES entry; return the live check's view, if any."""
    app = wizard(pilot)
    image, method, values = CASES[name]
    answers = dict(values)
    checked = None
    await settle(pilot)
    for _ in range(30):
        page = current(app).page
        k = page.kind
        if k is PageKind.CURRENT:
            app.query_one("#start-over").focus()
            await press(pilot, "enter")
        elif k is PageKind.IMAGE:
            await replace_text(pilot, image)
            await press(pilot, "enter")
        elif k is PageKind.REGISTRY:
            await press(pilot, "enter")  # the detected registry is highlighted
        elif k is PageKind.METHOD:
            choices = [c.value for c in page.questions[0].choices]
            await press(pilot, *["down"] * choices.index(method or ""), "enter")
        elif k is PageKind.FIELDS:
            for q in page.questions:
                await replace_text(pilot, answers[q.id])
                await press(pilot, "enter")
        elif k is PageKind.FACTS:
            await press(pilot, *["enter"] * len(page.questions))
        elif k is PageKind.CLOUD:
            await press(pilot, "enter")
        elif k is PageKind.CREDENTIALS:
            ref = app.flow.ref
            assert ref is not None
            host = ref.registry
            if live and page.question("token") is not None:
                username, token = CREDENTIALS[host]
                await replace_text(pilot, username)
                await press(pilot, "enter")
                await type_text(pilot, token)
                await press(pilot, "enter")
            else:
                await press(pilot, *["enter"] * len(page.questions))
        elif k is PageKind.CHECK:
            view = current(app)
            assert isinstance(view, CheckView)
            checked = view
            await press(pilot, "enter")
        elif k is PageKind.REVIEW:
            await press(pilot, "enter")
        elif k is PageKind.DONE:
            return checked
        else:
            raise AssertionError(f"unexpected page {k}")
    raise AssertionError("the wizard did not finish")


# A hand-written config (comments, odd indents) with no base image yet: the wizard
# opens on the image input. (The current-setup view is tested in test_app.py.)
_TEXT = FIXTURE.read_text()
E2E_CONFIG = "".join(
    line
    for line in (
        _TEXT[: _TEXT.index("  docker_auth:")] + _TEXT[_TEXT.index("# ---- Res") :]
    ).splitlines(keepends=True)
    if not line.startswith("  image:")
)


def plain_bytes(tmp_path: Path, name: str) -> bytes:
    target = tmp_path / "plain" / "config.yaml"
    target.parent.mkdir()
    target.write_text(E2E_CONFIG)
    prompter = ScriptedPrompter(script_for(name))
    assert plain.run(Flow(target), prompter) == 0
    return target.read_bytes()


pytestmark = pytest.mark.anyio

TOKEN_CASES = sorted(n for n, (_, m, _) in CASES.items() if m in (None, "token"))
KEYLESS_OR_KEYS = sorted(set(CASES) - set(TOKEN_CASES))


@pytest.mark.e2e
@pytest.mark.parametrize("name", TOKEN_CASES)
async def test_token_methods_check_live_and_write(
    name: str,
    make_app: AppFactory,
    registry: RegistryServer,
    github: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv(
        "REGISTRY_WIZARD_ENDPOINTS", json.dumps({host: registry.url for host in CREDENTIALS})
    )
    monkeypatch.setenv("REGISTRY_WIZARD_GITHUB_API", github.url)
    app = make_app(E2E_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        checked = await complete(pilot, name, live=True)
        assert checked is not None and checked.result is not None
        assert checked.result.ok, (checked.result.verdict, checked.result.detail)
        assert checked.result.digest
        assert app.finished
        await press(pilot, "q")
    assert app.return_value == 0
    assert Path("config.yaml").read_bytes() == plain_bytes(tmp_path, name)


@pytest.mark.parametrize("name", KEYLESS_OR_KEYS)
async def test_other_methods_write_what_the_plain_flow_writes(
    name: str, make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app(E2E_CONFIG)
    async with app.run_test(size=(100, 32)) as pilot:
        assert await complete(pilot, name, live=False) is None
        assert kind(app) is PageKind.DONE
        await press(pilot, "enter")  # Quit
    assert app.return_value == 0
    written = Path("config.yaml").read_bytes()
    assert written != E2E_CONFIG.encode()
    assert written == plain_bytes(tmp_path, name)


@pytest.mark.e2e
async def test_the_stages_show_as_the_check_takes_them(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real token-auth registry whose token server answers only when the test says so:
    while it waits, resolve and ping are ticked, token spins and manifest is still to
    come; then all four are ticked."""
    username, token = CREDENTIALS["docker.io"]
    server = RegistryServer(
        "token", users={username: token}, grants={username: {"acme/*": ["pull"]}}
    )
    with server:
        push_image(server, "acme/app", "1.0", "oci")
        assert server.token_server is not None
        asked, release = threading.Event(), threading.Event()
        answer = server.token_server._server.handler

        def gated(method: str, path: str, headers: Any, body: bytes) -> Any:
            asked.set()
            release.wait(10)
            return answer(method, path, headers, body)

        server.token_server._server.handler = gated
        monkeypatch.setenv("REGISTRY_WIZARD_ENDPOINTS", json.dumps({"docker.io": server.url}))
        app = make_app("model_name: ranker\nbase_image:\n  image: acme/app:1.0\n")
        realm = server.token_server.url.split("://")[1]  # as `registry-wizard --allow-realm`
        app.flow.check_options = Options(allowed_realms=frozenset({realm}))
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            while kind(app) is not PageKind.CREDENTIALS:
                await press(pilot, "enter")
            await replace_text(pilot, username)
            await press(pilot, "enter")
            await type_text(pilot, token)
            await pilot.press("enter")  # the check starts; settling would wait for it
            try:
                assert await asyncio.to_thread(asked.wait, 10)
                await pilot.pause()
                stages = app.query_one(StageList)
                shown = str(stages.render())
                assert stages.pending == ("token", "manifest")
                assert "✓ resolve" in shown and "✓ ping" in shown, shown
                assert "✓ token" not in shown and "· manifest" in shown, shown
                assert kind(app) is PageKind.CHECK
            finally:
                release.set()
            await settle(pilot)
            view = current(app)
            assert isinstance(view, CheckView) and view.result is not None and view.result.ok
            shown = str(stages.render())
            assert stages.pending == ()
            for stage in ("resolve", "ping", "token", "manifest"):
                assert f"✓ {stage}" in shown, shown
            assert "acme/app:1.0 can be pulled" in str(view.query_one("#verdict").render())
