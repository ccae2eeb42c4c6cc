"""The live checks' HTTP client (`wizard.verify.wire`) against servers that send exact,
hostile bytes: a raw asyncio server on 127.0.0.1 per test, answering each request with
what the test scripts."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from wizard.verify import runtime, wire

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter, list[bytes]], Awaitable[None]]


async def _serve(answer: Answer, seen: list[bytes]) -> tuple[asyncio.Server, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await answer(reader, writer, seen)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def _read_request(reader: asyncio.StreamReader, seen: list[bytes]) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    seen.append(head)
    return head


MODE = "asyncio"


@pytest.fixture(autouse=True, params=["asyncio", "blocking"])
def mode(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test through `run` twice: under asyncio (many checks) and driven without an
    event loop by runtime.run_blocking (one check in a process)."""
    global MODE
    MODE = request.param
    yield MODE
    MODE = "asyncio"


def run(
    answer: Answer, url_path: str = "/v2/", host: str = "127.0.0.1", **client_kw: object
) -> tuple[object, list[bytes]]:
    """One request (or a raised error) through wire.Client against `answer` (which
    listens on 127.0.0.1; `host` is the name the request uses for it)."""
    seen: list[bytes] = []

    async def request(base: str) -> object:
        async with wire.Client(**client_kw) as client:  # type: ignore[arg-type]
            try:
                return await client.request("GET", base.replace("127.0.0.1", host) + url_path)
            except wire.HTTPError as e:
                return e

    if MODE == "blocking":  # the server on a loop in another thread; the client in this one
        loop = asyncio.new_event_loop()
        started: list[tuple[asyncio.Server, str]] = []
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        started.append(asyncio.run_coroutine_threadsafe(_serve(answer, seen), loop).result(5))
        server, base = started[0]
        try:
            return runtime.run_blocking(request(base)), seen
        finally:

            async def stop() -> None:
                server.close()
                for task in asyncio.all_tasks():
                    if task is not asyncio.current_task():
                        task.cancel()

            asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            loop.close()

    async def go() -> object:
        server, base = await _serve(answer, seen)
        try:
            return await request(base)
        finally:
            server.close()

    return asyncio.run(go()), seen


def _once(raw: bytes) -> Answer:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: list[bytes]) -> None:
        await _read_request(r, seen)
        w.write(raw)
        await w.drain()

    return answer


def test_a_chunked_answer_is_joined() -> None:
    body = b'{"token": "t"}'
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"5;ext=1\r\n" + body[:5] + b"\r\n"
        + f"{len(body) - 5:x}\r\n".encode() + body[5:] + b"\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )  # fmt: skip
    response, _ = run(_once(raw))
    assert isinstance(response, wire.Response) and response.json() == {"token": "t"}


def test_a_body_over_4_mb_is_refused_before_it_is_read() -> None:
    response, _ = run(_once(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n{"))
    assert isinstance(response, wire.BodyTooLarge)


def test_an_endless_chunked_body_is_cut_at_4_mb() -> None:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: list[bytes]) -> None:
        await _read_request(r, seen)
        w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(100):  # 6.5 MB if read whole
            w.write(b"10000\r\n" + chunk + b"\r\n")
            await w.drain()

    response, _ = run(answer)
    assert isinstance(response, wire.BodyTooLarge)


def test_a_gzip_bomb_is_cut_at_4_mb_unpacked() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))
    raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
    response, _ = run(_once(raw + bomb))
    assert isinstance(response, wire.BodyTooLarge)


def test_endless_headers_are_refused() -> None:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: list[bytes]) -> None:
        await _read_request(r, seen)
        w.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(10_000):
            w.write(b"X-Filler-%d: %s\r\n" % (i, b"y" * 100))
            await w.drain()

    response, _ = run(answer)
    assert isinstance(response, wire.RemoteProtocolError)


def test_a_server_that_speaks_no_http_is_a_protocol_error() -> None:
    response, _ = run(_once(b"SSH-2.0-OpenSSH_9.6\r\n"))
    assert isinstance(response, wire.RemoteProtocolError)
    assert "not an HTTP/1.x answer" in str(response)


def test_a_body_cut_short_is_an_error_not_a_short_manifest() -> None:
    response, _ = run(_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}"))
    assert isinstance(response, wire.RemoteProtocolError)


@pytest.mark.parametrize(
    "path",
    ["/v2/ HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /", "/v2/\nHost: evil", "/v2/\x00"],
)
def test_a_url_cannot_smuggle_lines_into_the_request(path: str) -> None:
    response, seen = run(_once(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), url_path=path)
    if isinstance(response, wire.Response):
        assert len(seen) == 1
        request_line, _, rest = seen[0].partition(b"\r\n")
        assert request_line.count(b" ") == 2, request_line
        assert b"X-Injected" not in rest and b"Host: evil" not in rest


def test_a_header_value_with_a_line_break_is_refused() -> None:
    async def go() -> None:
        async with wire.Client() as client:
            await client.request("GET", "http://127.0.0.1:9/", {"Authorization": "x\r\nY: z"})

    with pytest.raises(wire.InvalidURL):
        asyncio.run(go())


def test_keep_alive_reuses_the_connection_and_survives_a_server_that_closed_it() -> None:
    """Ping, token and manifest ride one connection; when the server closed it between
    requests (as registries do after their idle timeout), the next request opens another."""
    connections: list[int] = []

    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: list[bytes]) -> None:
        connections.append(1)
        for n in range(2):  # two answers per connection, then close (idle timeout)
            await _read_request(r, seen)
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await w.drain()
            if n == 1:
                return

    seen: list[bytes] = []

    async def go() -> list[int]:
        server, base = await _serve(answer, seen)
        try:
            async with wire.Client() as client:
                statuses = []
                for _ in range(3):
                    statuses.append((await client.request("GET", base + "/v2/")).status_code)
                    await asyncio.sleep(0.05)  # the close reaches us while idle
                return statuses
        finally:
            server.close()

    assert asyncio.run(go()) == [200, 200, 200]
    assert len(seen) == 3 and len(connections) == 2


def test_a_silent_server_is_bounded_by_the_timeout() -> None:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: list[bytes]) -> None:
        await _read_request(r, seen)
        await asyncio.sleep(30)

    start = time.monotonic()
    response, _ = run(answer, timeout=0.5)
    assert isinstance(response, wire.TimeoutException)
    assert time.monotonic() - start < 2


def test_a_cancelled_request_does_not_leave_its_connection_for_the_next() -> None:
    """A deadline that cancels mid-answer: the half-read connection is closed, so the next
    request does not read the rest of the old answer as its own."""

    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: list[bytes]) -> None:
        while True:
            head = await _read_request(r, seen)
            if b"/slow" in head:
                w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nbad")
                await w.drain()
                await asyncio.sleep(0.5)
                w.write(b"answer")
            else:
                w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood")
            await w.drain()

    seen: list[bytes] = []

    async def go() -> bytes:
        server, base = await _serve(answer, seen)
        try:
            async with wire.Client() as client:
                with pytest.raises((asyncio.TimeoutError, TimeoutError)):
                    await asyncio.wait_for(client.request("GET", base + "/slow"), 0.1)
                return (await client.request("GET", base + "/fast")).content
        finally:
            server.close()

    assert asyncio.run(go()) == b"good"


def test_a_plain_http_registry_never_loads_the_trust_store() -> None:
    """The https attempt a loopback registry gets first uses a context that trusts
    nothing; the real one (the system's trust store) is only built for a TLS server."""
    built: list[int] = []

    def real_context() -> object:
        built.append(1)
        import ssl

        return ssl.create_default_context()

    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: list[bytes]) -> None:
        first = await r.read(1)
        if first == b"\x16":  # a TLS ClientHello: answer as a plain-http server does
            w.write(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            return
        await _read_request(r, seen)
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await w.drain()

    seen: list[bytes] = []

    async def go() -> int:
        server, base = await _serve(answer, seen)
        try:
            async with wire.Client(ssl_context=real_context) as client:  # type: ignore[arg-type]
                https = base.replace("http://", "https://")
                with pytest.raises(wire.ConnectError):
                    await client.request("GET", https + "/v2/", tls_probe=True)
                return (await client.request("GET", base + "/v2/")).status_code
        finally:
            server.close()

    assert asyncio.run(go()) == 200
    assert built == []


def test_a_name_is_tried_at_each_of_its_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name with two addresses (localhost: ::1 and 127.0.0.1 on most machines), the
    first refusing: the registry listening on the other is reached, in both runtimes."""
    import socket

    real = socket.getaddrinfo

    def resolve(host: str, *args: object, **kw: object) -> list[tuple[object, ...]]:
        if host != "registry.test":
            return real(host, *args, **kw)  # type: ignore[arg-type]
        port = args[0] if args and isinstance(args[0], int) else 0  # asyncio asks with it
        stream, tcp, af = socket.SOCK_STREAM, socket.IPPROTO_TCP, socket.AF_INET
        return [(af, stream, tcp, "", (ip, port)) for ip in ("127.0.0.2", "127.0.0.1")]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    response, _ = run(_once(ok), host="registry.test")
    assert isinstance(response, wire.Response) and response.content == b"ok", response
