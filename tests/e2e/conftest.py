"""Fixtures for end-to-end tests against a real registry and loopback stand-ins.

Every test collected under tests/e2e gets the ``e2e`` marker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.loopback import Handler, LoopbackServer
from tests.e2e.registry_server import ALICE, BOB, AuthMode, RegistryServer, live_servers

E2E_DIR = Path(__file__).parent

RegistryFactory = Callable[..., RegistryServer]
LoopbackFactory = Callable[..., LoopbackServer]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def registry_factory() -> Iterator[RegistryFactory]:
    """``registry_factory(auth, **RegistryServer options)`` -> a started registry.

    Everything it started is stopped (process killed, temp dirs removed) at teardown.
    """
    started: list[RegistryServer] = []

    def make(auth: AuthMode = "none", **options: Any) -> RegistryServer:
        server = RegistryServer(auth, **options)
        started.append(server)
        return server.start()

    yield make
    for server in reversed(started):
        server.stop()


@pytest.fixture
def open_registry(registry_factory: RegistryFactory) -> RegistryServer:
    """A registry without auth."""
    return registry_factory("none")


@pytest.fixture
def htpasswd_registry(registry_factory: RegistryFactory) -> RegistryServer:
    """Basic auth; users `ALICE` and `BOB` (htpasswd has no per-repo grants)."""
    return registry_factory("htpasswd", users=dict([ALICE, BOB]))


@pytest.fixture
def token_registry(registry_factory: RegistryFactory) -> RegistryServer:
    """Token auth, realm ``.../token?tenant=e2e``; `ALICE` may pull everything, `BOB`
    authenticates but has no grant."""
    return registry_factory(
        "token",
        users=dict([ALICE, BOB]),
        grants={ALICE[0]: {"*": ["pull"]}},
        realm_query="tenant=e2e",
    )


@pytest.fixture
def loopback_factory() -> Iterator[LoopbackFactory]:
    """``loopback_factory(handler, tls=False)`` -> a started `LoopbackServer`."""
    started: list[LoopbackServer] = []

    def make(handler: Handler, **options: Any) -> LoopbackServer:
        server = LoopbackServer(handler, **options)
        started.append(server)
        return server.start()

    yield make
    for server in reversed(started):
        server.stop()


def _registry_children() -> list[int]:
    """PIDs of docker-registry processes whose parent is this pytest process."""
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
        ppid = stat.rsplit(")", 1)[1].split()[1]
        if ppid == me and b"registry" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="session", autouse=True)
def _no_leaked_registries() -> Iterator[None]:
    """Fail the session if a test left a registry process running."""
    yield
    leaked = [server.url for server in live_servers()]
    for server in live_servers():
        server.stop()
    pids = _registry_children() if Path("/proc").is_dir() else []
    assert not leaked and not pids, f"leaked registries: {leaked} pids: {pids}"
