"""Many checks under asyncio (`run(check_many(...))`): blocking work (a key's token
exchange, AWS, docker's credential helpers, DNS; `runtime.in_thread`) runs off the event
loop in threads that never hold the process: a check that times out returns its verdict,
and the process exits once it has printed, however long a thread still waits."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor, thread
from typing import Any, TypeVar

T = TypeVar("T")


class _DaemonPool(ThreadPoolExecutor):
    """A ThreadPoolExecutor whose workers are daemon threads nobody joins at exit
    (asyncio's default executor is joined by asyncio.run and again at interpreter exit)."""

    def _adjust_thread_count(self) -> None:
        if self._idle_semaphore.acquire(timeout=0):
            return

        def weakref_cb(_: object, q: Any = self._work_queue) -> None:
            q.put(None)

        if len(self._threads) < self._max_workers:
            t = threading.Thread(
                name=f"registry-wizard-{len(self._threads)}",
                target=thread._worker,  # type: ignore[attr-defined]
                args=(weakref.ref(self, weakref_cb), self._work_queue, None, ()),
                daemon=True,
            )
            t.start()
            self._threads.add(t)  # type: ignore[attr-defined]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=True)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` whose blocking helpers (DNS included) run in daemon threads."""

    async def main() -> T:
        asyncio.get_running_loop().set_default_executor(_DaemonPool(max_workers=8))
        return await coro

    return asyncio.run(main())
