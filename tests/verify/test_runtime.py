"""verify/runtime: one check in a process runs the same coroutines without an event loop
(run_blocking). What a user sees must not depend on which runtime ran the check, and a
deadline must end the check where asyncio's would."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.e2e.loopback import LoopbackServer, Stall
from wizard.model.image import parse_image
from wizard.model.secret import Secret
from wizard.verify import runtime
from wizard.verify.registry import Options
from wizard.verify.service import CheckItem, CredentialSource, check_many, check_one
from wizard.verify.threads import run


def _shown(result: object) -> tuple[object, ...]:
    r = result  # a CheckResult
    steps = tuple((s.name, s.status.value, s.detail) for s in r.steps)  # type: ignore[attr-defined]
    return r.verdict, r.detail, r.hint, steps  # type: ignore[attr-defined]


@pytest.mark.parametrize("timeout", [1.0, 2.0])
def test_a_silent_registry_reads_the_same_in_both_runtimes(timeout: float) -> None:
    """The overall deadline ends the check as one failed step at the stage under way, in
    whole words ("no answer within 1 s"), not a second step for the inner deadline."""
    with LoopbackServer(lambda m, p, h, b: Stall(30)) as srv:
        host = srv.url.split("//")[1]
        item = CheckItem(
            parse_image(f"{host}/team/app:1"),
            CredentialSource(username="u", password=Secret("pw")),
        )
        options = Options(timeout=timeout)
        start = time.monotonic()
        alone = check_one(item, options)
        took = time.monotonic() - start
        many = run(check_many([item], options))[0]
    assert _shown(alone) == _shown(many)
    assert alone.detail == f"no answer within {timeout:g} s"
    assert [s.status.value for s in alone.steps].count("failed") == 1
    assert took < timeout + 1


def test_an_inner_deadline_is_the_inner_wait_for_s_timeout() -> None:
    async def go() -> str:
        try:
            await runtime.wait_for(_thread(0.2), 0.1)
        except TimeoutError:
            return "inner"
        return "done"

    start = time.monotonic()
    assert runtime.run_blocking(runtime.wait_for(go(), 5)) == "inner"
    assert time.monotonic() - start < 1


def test_an_outer_deadline_passes_through_the_inner_code_s_handlers() -> None:
    """Like asyncio's cancellation: an `except Exception` between the blocking call and
    the wait_for whose deadline passed does not see it (it would record a step)."""
    caught: list[BaseException] = []

    async def inner() -> None:
        try:
            await runtime.in_thread(lambda timeout: time.sleep(3), timeout=10)
        except Exception as e:  # what a handler on the way does
            caught.append(e)

    start = time.monotonic()
    with pytest.raises(TimeoutError):
        runtime.run_blocking(runtime.wait_for(inner(), 0.3))
    assert caught == [] and time.monotonic() - start < 1


def test_a_coroutine_that_would_suspend_is_refused() -> None:
    async def suspends() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="without an event loop"):
        runtime.run_blocking(suspends())


async def _thread(seconds: float) -> None:
    await runtime.in_thread(lambda timeout: time.sleep(seconds), timeout=10)
