"""Where the live checks' coroutines run, and the few primitives they wait with.

The protocol code (wire, http, registry, service) is written once, as coroutines that
wait only through this module. Under asyncio (many checks at once: `check_many`, doctor
--live) these are asyncio's. One check in a process (`registry-wizard check`, the
wizards' live check) goes through `run_blocking`, which drives the same coroutines with
blocking sockets and no event loop: they never suspend, so the process does not import
asyncio (~33 ms, a fifth of a check) nor start a loop.

The deadlines hold the same way in both: under `run_blocking` every blocking call (connect,
TLS handshake, send, receive) is given the time left of the innermost `wait_for`, and name
resolution and `in_thread` helpers run in daemon threads that are given up on at it.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")


class IncompleteRead(EOFError):
    """The connection closed before the bytes asked for (asyncio's IncompleteReadError
    is an EOFError too: callers catch EOFError for both)."""


class _Expired(BaseException):
    """A deadline passed during a blocking call. Like asyncio's cancellation it is no
    Exception, so no `except Exception` on the way swallows it (nor records a step): it
    reaches the `wait_for` whose deadline it was, which raises TimeoutError there."""


# Deadlines this close end together (each is the time left of one overall deadline,
# taken a moment apart).
_SAME = 0.05


class _Blocking:
    """The deadlines of a coroutine driven by `run_blocking`, innermost last."""

    def __init__(self) -> None:
        self.deadlines: list[float] = []  # each level's own deadline

    def remaining(self) -> float | None:
        return min(self.deadlines) - time.monotonic() if self.deadlines else None

    @contextmanager
    def within(self, timeout: float) -> Iterator[None]:
        """A level of deadline. When its deadline passes (found by a blocking call, or
        once the awaited is done) it raises TimeoutError, as asyncio.wait_for does; when
        an outer level's deadline has passed too (deadlines handed down from one overall
        deadline end together), the outermost of them raises it, as asyncio's outer timer
        cancels the inner ones."""
        own = time.monotonic() + max(timeout, 0.0)
        outer = min(self.deadlines, default=float("inf"))
        self.deadlines.append(own)
        try:
            yield
        except _Expired:
            now = time.monotonic()
            if now >= own - _SAME and now < outer - _SAME:
                raise TimeoutError("the deadline passed") from None
            raise
        finally:
            self.deadlines.pop()
        now = time.monotonic()
        if now >= own:  # done, but late: asyncio would have cancelled it
            if now < outer - _SAME:
                raise TimeoutError("the deadline passed")
            raise _Expired

    def timeout(self) -> float:
        """For the next blocking call: the time left (never 0, which would make a socket
        non-blocking); none left: _Expired."""
        left = self.remaining()
        if left is None:
            return 3600.0  # not reached: every blocking call here is inside a wait_for
        if left <= 0:
            raise _Expired
        return left

    @contextmanager
    def call(self) -> Iterator[float]:
        """A blocking call given the time left; its timeout is the deadline's."""
        try:
            yield self.timeout()
        except TimeoutError as e:
            if e.errno is not None:  # the kernel's ETIMEDOUT: a failed connect, not ours
                raise
            raise _Expired from None  # socket.timeout, a TLS read timing out: the deadline


_BLOCKING: ContextVar[_Blocking | None] = ContextVar("registry_wizard_blocking", default=None)


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to the end in this thread, without an event loop. It must wait only
    through this module (anything else that would suspend it is a bug, said loudly)."""
    token = _BLOCKING.set(_Blocking())
    try:
        try:
            coro.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        except _Expired:  # not reached: every blocking call is inside a wait_for
            raise TimeoutError("the deadline passed") from None
        coro.close()
        raise RuntimeError("a coroutine run without an event loop tried to suspend")
    finally:
        _BLOCKING.reset(token)


async def wait_for(aw: Awaitable[T], timeout: float) -> T:
    """`aw`, given up on after `timeout` seconds with TimeoutError (the builtin one, in
    both modes and on every Python this supports)."""
    b = _BLOCKING.get()
    if b is None:
        import asyncio

        try:
            return await asyncio.wait_for(aw, timeout=max(timeout, 0.01))
        except asyncio.TimeoutError:  # not the builtin TimeoutError before Python 3.11
            raise TimeoutError from None
    with b.within(timeout):
        return await aw


class _NoLock:
    """A lock for code that runs one step at a time (run_blocking)."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


def lock() -> Any:
    if _BLOCKING.get() is None:
        import asyncio

        return asyncio.Lock()
    return _NoLock()


def semaphore(n: int) -> Any:
    if _BLOCKING.get() is None:
        import asyncio

        return asyncio.Semaphore(n)
    return _NoLock()


async def in_thread(fn: Callable[..., T], *args: Any, timeout: float, **kw: Any) -> T:
    """`fn(*args, timeout=timeout, **kw)` in a daemon thread, given up on after `timeout`
    (the thread never holds the process: it exits once the check has printed)."""
    b = _BLOCKING.get()
    if b is None:
        import asyncio

        loop = asyncio.get_running_loop()
        return await wait_for(
            loop.run_in_executor(None, lambda: fn(*args, timeout=timeout, **kw)), timeout
        )
    with b.within(timeout):
        return _joined(lambda: fn(*args, timeout=timeout, **kw), b.timeout())


def _joined(fn: Callable[[], T], timeout: float) -> T:
    """`fn()` in a daemon thread, waited for at most `timeout` seconds."""
    out: list[Any] = []

    def work() -> None:
        try:
            out.append((True, fn()))
        except BaseException as e:  # handed to the caller's thread
            out.append((False, e))

    worker = threading.Thread(target=work, name="registry-wizard-blocking", daemon=True)
    worker.start()
    worker.join(timeout)
    if not out:
        raise _Expired  # the wait_for whose deadline it was says TimeoutError
    ok, value = out[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


async def getaddrinfo(host: str, timeout: float) -> list[Any]:
    """TCP addresses of `host`, resolved off the caller's thread within `timeout`."""
    b = _BLOCKING.get()
    if b is None:
        import asyncio

        loop = asyncio.get_running_loop()
        return await wait_for(loop.getaddrinfo(host, None, proto=socket.IPPROTO_TCP), timeout)
    with b.within(timeout):
        return _joined(
            lambda: socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP), b.timeout()
        )


# Names a guard resolved and found public, and the addresses it found (for a minute):
# the connection goes to those, not to what a second lookup answers (DNS rebinding: a
# public address for the guard, then 127.0.0.1 or 169.254.169.254 for the connection).
_PINS: dict[str, tuple[float, tuple[str, ...]]] = {}
PIN_SECONDS = 60.0


def pin(host: str, addresses: list[str]) -> None:
    """Connections to `host` go to `addresses` (checked by a guard) for a while."""
    _PINS[host.lower()] = (time.monotonic() + PIN_SECONDS, tuple(addresses))


def pinned(host: str) -> tuple[str, ...] | None:
    entry = _PINS.get(host.lower())
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]


async def open_connection(
    host: str, port: int, *, ssl_context: ssl.SSLContext | None, limit: int
) -> tuple[Any, Any]:
    """A (reader, writer) pair as asyncio's streams offer them: `readline`,
    `readexactly`, `read`; `write`, `drain`, `close`. Under `run_blocking`, a socket
    whose every call is bounded by the time left. A name a guard pinned is connected to
    at the addresses the guard checked (TLS still verifies the name)."""
    b = _BLOCKING.get()
    ips = pinned(host) if _is_name(host) else None
    if b is None:
        import asyncio

        tls = {"ssl": ssl_context, "server_hostname": host if ssl_context else None}
        if not ips:
            return await asyncio.open_connection(host, port, limit=limit, **tls)  # type: ignore[arg-type]
        error: OSError | None = None
        for ip in ips:  # in turn, as asyncio tries a name's addresses
            try:
                return await asyncio.open_connection(ip, port, limit=limit, **tls)  # type: ignore[arg-type]
            except ssl.SSLError:
                raise
            except OSError as e:
                error = e
        raise error or OSError(f"no address to connect to for {host}")
    if ips:
        addresses = [(_family(ip), (ip, port)) for ip in ips]
    elif _is_name(host):  # resolved within the deadline, like asyncio's resolver thread
        found = await getaddrinfo(host, b.timeout())
        addresses = [(family, (address[0], port, *address[2:])) for family, *_, address in found]
    else:
        addresses = [(_family(host), (host.strip("[]"), port))]
    sock = _connected(addresses, b)
    try:
        if ssl_context is not None:
            with b.call() as left:
                sock.settimeout(left)
                sock = ssl_context.wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise
    stream = _Stream(sock, b, limit)
    return stream, stream


def _connected(addresses: list[tuple[int, tuple[Any, ...]]], b: _Blocking) -> socket.socket:
    """The first of `addresses` that accepts, each tried in turn as asyncio does (a name
    such as localhost resolves to ::1 and 127.0.0.1; the server may listen on one)."""
    error: OSError | None = None
    for family, address in dict.fromkeys(addresses):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            with b.call() as left:
                sock.settimeout(left)
                sock.connect(address)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except OSError as e:  # refused, unreachable: the next address
            sock.close()
            error = e
        except BaseException:  # the deadline (_Expired), Ctrl-C
            sock.close()
            raise
    raise error or OSError(f"no address to connect to for {addresses}")


def _family(ip: str) -> int:
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def _is_name(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]").split("%")[0])
        return False
    except ValueError:
        return True


class _Stream:
    """A blocking socket as an asyncio reader and writer both."""

    def __init__(self, sock: socket.socket, b: _Blocking, limit: int) -> None:
        self._sock, self._b, self._limit = sock, b, limit
        self._buf = bytearray()
        self._eof = False

    def _fill(self) -> bool:
        """Receive more into the buffer; False at the end of the stream."""
        if self._eof:
            return False
        with self._b.call() as left:
            self._sock.settimeout(left)
            data = self._sock.recv(65536)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    async def readline(self) -> bytes:
        while True:
            end = self._buf.find(b"\n")
            if end >= 0:
                if end > self._limit:  # as asyncio: the newline may sit at the limit
                    raise ValueError("a line over the limit")
                line = bytes(self._buf[: end + 1])
                del self._buf[: end + 1]
                return line
            if len(self._buf) > self._limit:
                raise ValueError("a line over the limit")
            if not self._fill():
                line = bytes(self._buf)
                self._buf.clear()
                return line

    async def readexactly(self, n: int) -> bytes:
        if n < 0:
            raise ValueError("readexactly size can not be less than zero")  # as asyncio
        while len(self._buf) < n:
            if not self._fill():
                raise IncompleteRead(f"{len(self._buf)} of {n} bytes")
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    async def read(self, n: int) -> bytes:
        if not self._buf and not self._fill():
            return b""
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    def write(self, data: bytes) -> None:
        with self._b.call() as left:
            self._sock.settimeout(left)
            self._sock.sendall(data)

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        self._sock.close()
