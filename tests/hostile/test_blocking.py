"""One check without an event loop (`runtime.run_blocking`, what `registry-wizard check`,
the wizards' live check and guide's public-image probe use) against hostile servers on
127.0.0.1: every deadline bounds the whole check, no credential goes where the guard
forbids, the HTTP client's byte-level limits are asyncio's, and Ctrl-C leaves cleanly.

Servers here are raw sockets scripted byte by byte (`Raw`), so a test decides exactly
when each byte goes out. Nothing here contacts anything but 127.0.0.x: names a test
resolves go through a fake `socket.getaddrinfo`."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.loopback import generate_self_signed_cert
from tests.hostile.test_network import TOKEN, verdict
from wizard.model.image import parse_image
from wizard.model.secret import Secret
from wizard.verify import runtime, wire
from wizard.verify.registry import Options
from wizard.verify.service import CheckItem, CredentialSource, check_one
from wizard.verify.verdict import CheckResult

TIMEOUT = 1.0  # the check's deadline in the in-process tests
SLACK = 0.75  # what a loaded 2-core machine may add to it
REPO = Path(__file__).resolve().parents[2]

Script = Callable[[socket.socket, threading.Event], None]


# --------------------------------------------------------------------------- servers


@pytest.fixture(autouse=True)
def _fresh_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names a guard checked are pinned to their addresses for a minute: not across tests."""
    monkeypatch.setattr(runtime, "_PINS", {})


class Raw:
    """A TCP server on 127.0.0.x running `script(conn, stopping)` per connection, in a
    daemon thread each; with `cert`, each connection is TLS (the handshake first)."""

    def __init__(
        self, script: Script, host: str = "127.0.0.1", port: int = 0, cert: Any = None
    ) -> None:
        self.script = script
        self.stopping = threading.Event()
        self.accepted = threading.Event()
        self.connections = 0
        self.conns: list[socket.socket] = []
        self.listener = socket.create_server((host, port))
        self.listener.settimeout(0.05)
        self.host, self.port = host, self.listener.getsockname()[1]
        self.context: ssl.SSLContext | None = None
        if cert is not None:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(*cert)
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def hostport(self) -> str:
        return f"{self.host}:{self.port}"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self.conns.append(conn)
            self.accepted.set()
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            if self.context is not None:
                conn.settimeout(10)
                conn = self.context.wrap_socket(conn, server_side=True)
                conn.settimeout(None)
                self.conns.append(conn)
            self.script(conn, self.stopping)
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


@pytest.fixture
def raw() -> Iterator[Callable[..., Raw]]:
    started: list[Raw] = []

    def make(script: Script, **kw: Any) -> Raw:
        started.append(Raw(script, **kw))
        return started[-1]

    yield make
    for server in started:
        server.close()


def read_head(conn: socket.socket) -> bytes:
    """The request's head (and its body, by Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            raise ConnectionError("the client left")
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            while len(body) < int(value):
                body += conn.recv(65536)
    return head


def plain_http(fn: Callable[[socket.socket, bytes, threading.Event], None]) -> Script:
    """An http server's script: the https probe a loopback registry gets first is
    answered as a plain-http server answers a ClientHello (400, close)."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        first = conn.recv(1, socket.MSG_PEEK)
        if first == b"\x16":
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            return
        fn(conn, read_head(conn), stopping)

    return script


def answer(
    status: int, headers: dict[str, str] | None = None, body: bytes = b"", *, close: bool = True
) -> bytes:
    more = ["Connection: close"] if close else []
    lines = [f"HTTP/1.1 {status} X", *more, *(f"{k}: {v}" for k, v in (headers or {}).items())]
    if not any(k.lower() in ("content-length", "transfer-encoding") for k in headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def drip(conn: socket.socket, stopping: threading.Event, data: bytes, every: float = 0.2) -> None:
    """`data` one byte at a time, `every` seconds apart."""
    for i in range(len(data)):
        if stopping.wait(every):
            return
        conn.sendall(data[i : i + 1])


def silent(conn: socket.socket, stopping: threading.Event) -> None:
    """Accepts, reads what comes, never answers."""
    conn.settimeout(0.1)
    while not stopping.is_set():
        try:
            if not conn.recv(65536):
                return
        except TimeoutError:
            continue


def basic_login(then: Callable[[socket.socket, bytes, threading.Event], None]) -> Script:
    """/v2/ asks for Basic; everything else is `then`."""

    def fn(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        if head.startswith(b"GET /v2/ "):
            conn.sendall(answer(401, {"WWW-Authenticate": 'Basic realm="r"'}))
            return
        then(conn, head, stopping)

    return plain_http(fn)


def check(
    image: str, *, timeout: float = TIMEOUT, login: bool = True, **options: Any
) -> tuple[CheckResult, float]:
    """One in-process check through check_one (run_blocking), and how long it took."""
    source = CredentialSource(username="u", password=Secret(TOKEN)) if login else CredentialSource()
    start = time.monotonic()
    result = check_one(CheckItem(parse_image(image), source), Options(timeout=timeout, **options))
    took = time.monotonic() - start
    text = json.dumps(result.to_json())
    assert TOKEN not in text, text
    return result, took


def timed_out(result: CheckResult, took: float, timeout: float = TIMEOUT) -> None:
    """The deadline, not anything else, ended the check: on time."""
    assert result.verdict.value == "timeout", (result.verdict, result.detail, result.steps)
    assert timeout - 0.05 <= took < timeout + SLACK, took


@pytest.fixture
def tls_cert(tmp_path: Path) -> tuple[str, str]:
    cert, key = generate_self_signed_cert().write(tmp_path)
    return str(cert), str(key)


# --------------------------------------------------------------------------- 1. deadlines


def test_a_server_that_never_finishes_the_tls_probe_is_cut_at_the_deadline(
    raw: Callable[..., Raw],
) -> None:
    """A loopback registry gets an https attempt first: a server that takes the TCP
    connection and never answers the ClientHello holds the handshake, not the check."""
    srv = raw(silent)
    result, took = check(f"{srv.hostport}/team/app:1")
    timed_out(result, took)


@pytest.mark.parametrize("how", ["silent", "record header then a byte every 0.2 s"])
def test_an_https_registry_whose_handshake_never_completes_is_cut_at_the_deadline(
    raw: Callable[..., Raw],
    monkeypatch: pytest.MonkeyPatch,
    tls_cert: tuple[str, str],
    how: str,
) -> None:
    """https only (no plain fallback), with a CA bundle: the handshake, silent or fed a
    TLS record one byte at a time, is bounded by the check's deadline as a whole."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        if how == "silent":
            silent(conn, stopping)
        else:  # a handshake record announcing 16 KB, sent a byte at a time
            drip(conn, stopping, b"\x16\x03\x03\x40\x00" + b"\x02" * 400)

    srv = raw(script)
    monkeypatch.setenv(
        "REGISTRY_WIZARD_ENDPOINTS", json.dumps({"reg.test": f"https://{srv.hostport}"})
    )
    result, took = check("reg.test/team/app:1", ca_bundle=tls_cert[0])
    timed_out(result, took)
    assert srv.connections == 1


def _status_then(rest: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + rest


TRICKLES = {
    "status line": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" * 10,
    "headers": _status_then(b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"),
    "content-length body": _status_then(b"Content-Length: 300\r\n\r\n" + b"{" * 300),
    "chunk size line": _status_then(b"Transfer-Encoding: chunked\r\n\r\n" + b"0" * 300 + b"1\r\n"),
    "chunk data": _status_then(b"Transfer-Encoding: chunked\r\n\r\n12c\r\n" + b"{" * 300),
    "trailers": _status_then(b"Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + b"a" * 300),
    "body to close": _status_then(b"Connection: close\r\n\r\n" + b"{" * 300),
}


@pytest.mark.parametrize("where", list(TRICKLES))
def test_a_server_that_trickles_a_byte_every_0_2_s_is_cut_at_the_deadline(
    raw: Callable[..., Raw], where: str
) -> None:
    """Every read is given the time left, not a fresh timeout: a byte every 0.2 s (each
    read succeeds well within any per-read timeout) still ends at the deadline."""

    def manifest(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        drip(conn, stopping, TRICKLES[where])

    srv = raw(basic_login(manifest))
    result, took = check(f"{srv.hostport}/team/app:1")
    timed_out(result, took)


@pytest.mark.parametrize(
    "endless",
    [
        pytest.param(b"0\r\n" + b"X-Trailer: 1\r\n" * 200_000, id="trailers"),
        pytest.param(b"HTTP/1.1 100 Continue\r\n\r\n" * 200_000, id="100-continue"),
        pytest.param(b"1\r\n{\r\n" * 400_000, id="one-byte chunks"),
    ],
)
def test_a_server_that_floods_small_lines_is_cut_at_the_deadline(
    raw: Callable[..., Raw], endless: bytes
) -> None:
    """Lines that arrive faster than they are parsed never wait on the socket; the
    deadline still ends the check (each wait_for looks at the clock on its way out)."""

    def manifest(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        if endless.startswith(b"HTTP/"):
            start = b""
        else:
            start = _status_then(b"Transfer-Encoding: chunked\r\n\r\n")
        conn.sendall(start)
        while not stopping.is_set():
            conn.sendall(endless)

    srv = raw(basic_login(manifest))
    result, took = check(f"{srv.hostport}/team/app:1")
    if result.verdict.value != "timeout":  # one-byte chunks reach 4 MB first on a fast box
        assert result.verdict.value == "error" and "4 MB" in result.detail, result.detail
        assert took < TIMEOUT + SLACK
    else:
        timed_out(result, took)


def test_a_tls_server_that_trickles_after_the_handshake_is_cut_at_the_deadline(
    raw: Callable[..., Raw], tls_cert: tuple[str, str]
) -> None:
    """A loopback https registry (its certificate in --ca-bundle): the probe fails on
    the certificate, the real context connects, then the answer comes a byte at a time
    through TLS records."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        head = read_head(conn)
        if head.startswith(b"GET /v2/ "):
            conn.sendall(answer(401, {"WWW-Authenticate": 'Basic realm="r"'}))
            return
        drip(conn, stopping, TRICKLES["headers"])

    srv = raw(script, cert=tls_cert)
    result, took = check(f"{srv.hostport}/team/app:1", ca_bundle=tls_cert[0])
    timed_out(result, took)


def test_a_token_realm_that_trickles_is_cut_at_the_deadline(raw: Callable[..., Raw]) -> None:
    realm = raw(plain_http(lambda c, h, s: drip(c, s, TRICKLES["headers"])))
    challenge = f'Bearer realm="http://{realm.hostport}/token",service="s"'
    srv = raw(plain_http(lambda c, h, s: c.sendall(answer(401, {"WWW-Authenticate": challenge}))))
    result, took = check(f"{srv.hostport}/team/app:1", allowed_realms=frozenset({realm.hostport}))
    timed_out(result, took)
    assert realm.connections == 1


def test_a_redirect_chain_that_stalls_at_each_hop_is_cut_at_the_deadline(
    raw: Callable[..., Raw],
) -> None:
    """Five redirects of 0.3 s each: every hop well within a per-request timeout, the
    chain over the deadline."""

    def hop(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        if not stopping.wait(0.3):
            n = head.count(b"x")
            conn.sendall(answer(302, {"Location": "/v2/?" + "x" * (n + 1)}))

    srv = raw(plain_http(hop))
    result, took = check(f"{srv.hostport}/team/app:1")
    timed_out(result, took)


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_a_registry_that_will_not_read_a_huge_request_is_cut_at_the_deadline(
    raw: Callable[..., Raw], tls_cert: tuple[str, str], tls: bool
) -> None:
    """Sending is bounded too: the realm (allowed) issues a token of almost 4 MB, which
    goes back to the registry in the manifest request's Authorization header; the
    registry reads it 1 KB every 0.2 s through a 4 KB receive buffer."""
    token = "A" * (wire.MAX_BODY - 100_000)

    def issue(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        body = json.dumps({"token": token}).encode()
        conn.sendall(answer(200, {"Content-Type": "application/json"}, body))

    realm = raw(plain_http(issue))
    challenge = f'Bearer realm="http://{realm.hostport}/token",service="s"'
    received = [0]

    def registry(conn: socket.socket, stopping: threading.Event) -> None:
        if tls:
            head = read_head(conn)
        else:
            first = conn.recv(1, socket.MSG_PEEK)
            if first == b"\x16":
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                return
            head = conn.recv(4096)
        if head.startswith(b"GET /v2/ "):
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096)
            conn.sendall(answer(401, {"WWW-Authenticate": challenge}))
            return
        while not stopping.wait(0.2):
            received[0] += len(conn.recv(1024))

    srv = raw(registry, cert=tls_cert if tls else None)
    srv.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    result, took = check(
        f"{srv.hostport}/team/app:1",
        allowed_realms=frozenset({realm.hostport}),
        ca_bundle=tls_cert[0],
    )
    timed_out(result, took)
    assert TOKEN not in json.dumps(result.to_json()) and token[:64] not in json.dumps(
        result.to_json()
    )
    assert received[0] < len(token)  # it was still sending at the deadline


def fake_resolver(
    monkeypatch: pytest.MonkeyPatch, answers: dict[str, Callable[[int], list[str]]]
) -> list[str]:
    """socket.getaddrinfo for the names in `answers` (call number -> addresses; may sleep
    or raise); every other name but numeric loopback ones is refused, so nothing leaves
    the machine. Returns the names asked, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def resolve(host: Any, port: Any = None, *args: Any, **kw: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in answers:
            asked.append(name)
            ips = answers[name](asked.count(name))
            stream, tcp = socket.SOCK_STREAM, socket.IPPROTO_TCP
            return [(socket.AF_INET, stream, tcp, "", (ip, port or 0)) for ip in ips]
        if name.startswith("127.") or name in ("::1", "localhost"):
            return real(host, port, *args, **kw)
        raise socket.gaierror(socket.EAI_NONAME, f"no such test name {name!r}")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return asked


def hangs(seconds: float, then: list[str] | None = None) -> Callable[[int], list[str]]:
    def answer(n: int) -> list[str]:
        time.sleep(seconds)
        return then or ["127.0.0.1"]

    return answer


def test_a_resolver_that_hangs_is_given_up_on_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = fake_resolver(monkeypatch, {"hang.test": hangs(5)})
    result, took = check("hang.test/team/app:1")
    timed_out(result, took)
    assert asked == ["hang.test"]


def test_a_realm_whose_name_hangs_in_the_guard_is_given_up_on_and_never_gets_the_login(
    raw: Callable[..., Raw], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard resolves the realm's name to refuse an internal address. The resolution
    times out, which is_private_host takes as "not internal" (TimeoutError is an
    OSError); the deadline has passed by then, so nothing is sent anywhere after it."""
    realm = raw(silent)
    asked = fake_resolver(monkeypatch, {"realm.test": hangs(TIMEOUT + 1.5)})
    challenge = f'Bearer realm="https://realm.test:{realm.port}/token",service="s"'
    srv = raw(plain_http(lambda c, h, s: c.sendall(answer(401, {"WWW-Authenticate": challenge}))))
    result, took = check(f"{srv.hostport}/team/app:1")
    timed_out(result, took)
    assert asked == ["realm.test"]
    time.sleep(TIMEOUT + 1.6 - took)  # the abandoned resolver thread has answered by now
    assert realm.connections == 0 and asked == ["realm.test"]


def _blackhole(host: str, port: int = 0) -> tuple[socket.socket, socket.socket]:
    """A listener whose accept queue is full (and the connection filling it): a connect
    to it hangs, its SYN dropped."""
    listener = socket.socket()
    listener.bind((host, port))
    listener.listen(0)
    return listener, socket.create_connection(listener.getsockname(), timeout=1)


def test_a_name_with_many_addresses_that_each_hang_is_cut_at_the_deadline_not_per_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    holes = [_blackhole("127.0.0.2")]
    port = holes[0][0].getsockname()[1]
    for n in range(3, 10):
        with contextlib.suppress(OSError):
            holes.append(_blackhole(f"127.0.0.{n}", port))
    ips = [h.getsockname()[0] for h, _ in holes]
    assert len(ips) >= 4
    try:
        fake_resolver(monkeypatch, {"many.test": lambda n: ips})
        monkeypatch.setenv(
            "REGISTRY_WIZARD_ENDPOINTS", json.dumps({"many.test": f"http://many.test:{port}"})
        )
        result, took = check("many.test/team/app:1")
        timed_out(result, took)
    finally:
        for listener, filler in holes:
            filler.close()
            listener.close()


class _QuickToGiveUp(socket.socket):
    """A TCP socket whose kernel gives up connecting after one SYN retry (~3 s), as a
    system with a low tcp_syn_retries does (and Windows after ~21 s, macOS ~75 s)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if self.type == socket.SOCK_STREAM and self.family == socket.AF_INET:
            self.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 1)


def test_a_connect_the_kernel_times_out_before_the_deadline_is_the_next_address_not_a_crash(
    raw: Callable[..., Raw], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name with two addresses, the first blackholed: the kernel gives up on it with
    ETIMEDOUT (TimeoutError with an errno) well before the check's deadline (here after
    ~3 s of 6; by default ~127 s on Linux, ~21 s on Windows). That is a failed address,
    not the deadline: the next address is tried and the check passes, as under asyncio
    (a check once died here with a traceback)."""

    from tests.hostile.evil_registry import MANIFEST, MANIFEST_DIGEST, OCI

    def registry(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        conn.sendall(answer(200, close=False))  # /v2/; the manifest on the same connection
        read_head(conn)
        found = {"Content-Type": OCI, "Docker-Content-Digest": MANIFEST_DIGEST}
        conn.sendall(answer(200, found, MANIFEST))

    srv = raw(plain_http(registry))
    hole = _blackhole("127.0.0.2", srv.port)
    try:
        fake_resolver(monkeypatch, {"two.test": lambda n: ["127.0.0.2", "127.0.0.1"]})
        monkeypatch.setenv(
            "REGISTRY_WIZARD_ENDPOINTS", json.dumps({"two.test": f"http://two.test:{srv.port}"})
        )
        monkeypatch.setattr(socket, "socket", _QuickToGiveUp)
        try:
            result, _ = check("two.test/team/app:1", timeout=6)
        except BaseException as e:  # what the CLI prints as a traceback
            pytest.fail(f"check_one raised {e!r} instead of a verdict")
        assert result.verdict.value == "ok", (result.verdict, result.detail)
    finally:
        hole[1].close()
        hole[0].close()


# --------------------------------------------------------------------------- 2. the guard


def test_a_realm_name_unresolvable_for_the_guard_never_gets_the_login_when_it_resolves_later(
    raw: Callable[..., Raw], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The guard resolves the realm's name to refuse an internal address; a name that
    does not resolve for it is refused too (the connection's own lookup a moment later
    might answer 127.0.0.1): the login never reaches it without --allow-realm. Found
    in both runtimes. (Plain DNS rebinding, first a public address then an internal one:
    the test after this one.)"""
    cert, realm, got = _token_realm(raw, tmp_path)

    def first_fails(n: int) -> list[str]:
        if n == 1:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return ["127.0.0.1"]

    fake_resolver(monkeypatch, {"realm.test": first_fails})
    challenge = f'Bearer realm="https://realm.test:{realm.port}/token",service="s"'
    srv = raw(plain_http(lambda c, h, s: c.sendall(answer(401, {"WWW-Authenticate": challenge}))))
    result, _ = check(f"{srv.hostport}/team/app:1", timeout=3, ca_bundle=str(cert))
    assert not any(b"authorization:" in h.lower() for h in got), (result.detail, got)
    assert "internal" in result.detail or "resolve" in result.detail, result.detail
    # the fix is what to do, with the host to allow, not a reason
    assert result.hint.endswith(f"--allow-realm realm.test:{realm.port}"), result.hint


def _token_realm(raw: Callable[..., Raw], tmp_path: Path) -> tuple[Path, Raw, list[bytes]]:
    """An https token realm named realm.test that hands a token to whoever asks: its
    certificate, the server, and the heads of the requests it got."""
    cert, key = generate_self_signed_cert("realm.test", hosts=("realm.test",)).write(tmp_path)
    got: list[bytes] = []

    def token(conn: socket.socket, stopping: threading.Event) -> None:
        got.append(read_head(conn))
        conn.sendall(answer(200, {"Content-Type": "application/json"}, b'{"token": "t"}'))

    return cert, raw(token, cert=(str(cert), str(key))), got


@pytest.mark.parametrize("runtime_", ["blocking", "asyncio"])
def test_a_realm_that_rebinds_to_an_internal_address_never_gets_the_login(
    raw: Callable[..., Raw], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, runtime_: str
) -> None:
    """DNS rebinding: the realm's name answers a public address to the guard, then an
    internal one (127.0.0.1 here, 169.254.169.254 in the wild) to the connection's own
    lookup. The connection goes to the address the guard checked (runtime.pin), so the
    internal server never sees the login. 127.0.0.2 stands for the public address (the
    guard is told it is public; nothing listens there, so nothing leaves the machine)."""
    from wizard.verify import http
    from wizard.verify.service import check_many
    from wizard.verify.threads import run

    real_internal = http.is_internal
    monkeypatch.setattr(http, "is_internal", lambda a: str(a) != "127.0.0.2" and real_internal(a))
    cert, realm, got = _token_realm(raw, tmp_path)
    asked = fake_resolver(
        monkeypatch, {"realm.test": lambda n: ["127.0.0.2"] if n == 1 else ["127.0.0.1"]}
    )
    challenge = f'Bearer realm="https://realm.test:{realm.port}/token",service="s"'
    srv = raw(plain_http(lambda c, h, s: c.sendall(answer(401, {"WWW-Authenticate": challenge}))))
    image = f"{srv.hostport}/team/app:1"
    if runtime_ == "blocking":
        result, _ = check(image, timeout=3, ca_bundle=str(cert))
    else:
        item = CheckItem(parse_image(image), CredentialSource(username="u", password=Secret(TOKEN)))
        result = run(check_many([item], Options(timeout=3, ca_bundle=str(cert))))[0]
    assert asked[:1] == ["realm.test"]  # the guard looked it up, and found it public
    assert got == [] and realm.connections == 0, (result.detail, got)
    assert result.verdict.value != "ok"


# --------------------------------------------------------------------------- 3. bytes


def fetch(mode: str, url: str, **client_kw: Any) -> object:
    """One GET through wire.Client in `mode` (asyncio, or run_blocking as check_one runs
    it): the Response, or whatever it raised."""

    async def go() -> object:
        async with wire.Client(**client_kw) as client:
            try:
                return await client.request("GET", url)
            except Exception as e:  # a non-HTTPError is news too
                return e

    if mode == "blocking":
        return runtime.run_blocking(go())
    return asyncio.run(go())


def outcome(result: object) -> tuple[str, int]:
    """What a caller can tell apart: the class, and the body's length for a Response."""
    if isinstance(result, wire.Response):
        return "Response", len(result.content)
    return type(result).__name__, 0


def both(raw: Callable[..., Raw], reply: bytes, **client_kw: Any) -> dict[str, object]:
    """`reply` to one GET, under each runtime."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        read_head(conn)
        conn.sendall(reply)

    srv = raw(script)
    return {m: fetch(m, f"http://{srv.hostport}/v2/", **client_kw) for m in ("asyncio", "blocking")}


MB4 = wire.MAX_BODY


def _chunked(body: bytes, size: int = 65536) -> bytes:
    out = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(out) + b"0\r\n\r\n"


BODIES = {
    "content-length 4 MB": (_status_then(b"Content-Length: %d\r\n\r\n" % MB4) + b"x" * MB4, MB4),
    "content-length 4 MB + 1": (
        _status_then(b"Content-Length: %d\r\n\r\n" % (MB4 + 1)) + b"x" * (MB4 + 1),
        None,
    ),
    "chunked 4 MB": (
        _status_then(b"Transfer-Encoding: chunked\r\n\r\n") + _chunked(b"x" * MB4),
        MB4,
    ),
    "chunked 4 MB + 1": (
        _status_then(b"Transfer-Encoding: chunked\r\n\r\n") + _chunked(b"x" * (MB4 + 1)),
        None,
    ),
    "to close 4 MB": (_status_then(b"Connection: close\r\n\r\n") + b"x" * MB4, MB4),
    "to close 4 MB + 1": (_status_then(b"Connection: close\r\n\r\n") + b"x" * (MB4 + 1), None),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_a_body_of_exactly_4_mb_is_read_and_one_byte_more_refused_in_both_runtimes(
    raw: Callable[..., Raw], name: str
) -> None:
    reply, length = BODIES[name]
    got = {m: outcome(r) for m, r in both(raw, reply).items()}
    assert got["blocking"] == got["asyncio"], got
    assert got["blocking"] == (("Response", MB4) if length else ("BodyTooLarge", 0)), got


@pytest.mark.parametrize("extra", [0, 1], ids=["4 MB", "4 MB + 1"])
def test_a_gzip_answer_of_exactly_4_mb_unpacked_is_the_same_in_both_runtimes(
    raw: Callable[..., Raw], extra: int
) -> None:
    packed = gzip.compress(b"\0" * (MB4 + extra))
    reply = _status_then(b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
    got = {m: outcome(r) for m, r in both(raw, reply + _chunked(packed, 1000)).items()}
    assert (
        got["blocking"] == got["asyncio"] == (("BodyTooLarge", 0) if extra else ("Response", MB4))
    )


def test_a_negative_chunk_size_never_lifts_the_4_mb_cap(raw: Callable[..., Raw]) -> None:
    """A chunk size of "-FFFFFFFFFFFF" is malformed (int() would take it: the 4 MB cap
    would be 281 TB away and every chunk after it kept): wire accepts hex digits only,
    and the blocking stream refuses a negative read as asyncio's does."""
    body = b"x" * 65536
    reply = _status_then(b"Transfer-Encoding: chunked\r\n\r\n-FFFFFFFFFFFF\r\n\r\n")
    reply += _chunked(body * 160)  # 10 MB
    got = both(raw, reply)
    assert all(isinstance(r, wire.HTTPError) for r in got.values()), {
        m: outcome(r) for m, r in got.items()
    }


def test_a_manifest_over_4_mb_behind_a_negative_chunk_is_not_a_pull(
    raw: Callable[..., Raw],
) -> None:
    """A 6 MB "manifest" (valid JSON, its digest right) behind a negative chunk size is
    never taken for a pull."""
    import hashlib

    body = b'{"schemaVersion": 2}' + b" " * (6 << 20)
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    head = _status_then(
        b"Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"
        b"Docker-Content-Digest: %s\r\nTransfer-Encoding: chunked\r\n\r\n" % digest.encode()
    )
    reply = head + b"-FFFFFFFFFFFF\r\n\r\n" + _chunked(body)
    srv = raw(basic_login(lambda c, h, s: c.sendall(reply)))
    result, _ = check(f"{srv.hostport}/team/app:1", timeout=5)
    assert result.verdict.value != "ok", (result.verdict, result.detail)


@pytest.mark.parametrize("size", ["+10", "1_0", "0x10", " 10", "10 "])
def test_a_chunk_size_that_is_no_hex_number_is_the_same_in_both_runtimes(
    raw: Callable[..., Raw], size: str
) -> None:
    """Python's int() takes more than HTTP's chunk-size (1*HEXDIG): a sign, underscores,
    0x. Whatever wire makes of it, both runtimes make the same."""
    reply = _status_then(b"Transfer-Encoding: chunked\r\n\r\n%s\r\n" % size.encode())
    reply += b"x" * 16 + b"\r\n0\r\n\r\n"
    got = {m: outcome(r) for m, r in both(raw, reply).items()}
    assert got["blocking"] == got["asyncio"], got


@pytest.mark.parametrize(
    "length", [wire.MAX_HEAD - 1, wire.MAX_HEAD, wire.MAX_HEAD + 1, wire.MAX_HEAD + 2]
)
@pytest.mark.parametrize("where", ["status line", "chunk size line", "trailer line"])
def test_a_line_at_the_64_kb_limit_is_read_or_refused_alike_in_both_runtimes(
    raw: Callable[..., Raw], where: str, length: int
) -> None:
    """A line whose newline sits at the 64 KB limit is read in both runtimes (asyncio's
    readline raises only when the newline's index is over the limit); one byte more is
    refused in both. The status line, chunk-size lines and trailers are limited by
    readline alone."""
    line = lambda text: text + b" " * (length - len(text) - 2) + b"\r\n"  # noqa: E731
    if where == "status line":
        reply = line(b"HTTP/1.1 200 OK") + b"Content-Length: 2\r\n\r\n{}"
    elif where == "chunk size line":
        reply = _status_then(b"Transfer-Encoding: chunked\r\n\r\n") + line(b"2;x=")
        reply += b"{}\r\n0\r\n\r\n"
    else:
        reply = _status_then(b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n")
        reply += line(b"X-T: ") + b"\r\n"
    got = {m: outcome(r) for m, r in both(raw, reply).items()}
    assert got["blocking"] == got["asyncio"], got


@pytest.mark.parametrize("count", [99, 100, 101])
def test_the_header_count_limit_is_the_same_in_both_runtimes(
    raw: Callable[..., Raw], count: int
) -> None:
    headers = b"".join(b"X-%d: 1\r\n" % i for i in range(count - 1))
    reply = _status_then(headers + b"Content-Length: 2\r\n\r\n{}")
    got = {m: outcome(r) for m, r in both(raw, reply).items()}
    assert got["blocking"] == got["asyncio"], got
    assert got["blocking"][0] == (
        "Response" if count <= wire.MAX_HEADERS else "RemoteProtocolError"
    )


def test_header_lines_adding_up_to_64_kb_are_the_same_in_both_runtimes(
    raw: Callable[..., Raw],
) -> None:
    for total in (wire.MAX_HEAD - 40, wire.MAX_HEAD + 40):
        filler = b"X-F: " + b"a" * (total - 60) + b"\r\n"
        reply = _status_then(filler + b"Content-Length: 2\r\n\r\n{}")
        got = {m: outcome(r) for m, r in both(raw, reply).items()}
        assert got["blocking"] == got["asyncio"], (total, got)


def test_garbage_after_the_tls_handshake_is_a_read_error_in_both_runtimes(
    raw: Callable[..., Raw], tls_cert: tuple[str, str]
) -> None:
    """Plain bytes where TLS records belong (an SSLError, an OSError) become ReadError."""

    def script(conn: socket.socket, stopping: threading.Event) -> None:
        read_head(conn)
        conn.unwrap().sendall(b"HTTP/1.1 200 OK\r\n\r\n")  # type: ignore[attr-defined]

    srv = raw(script, cert=tls_cert)
    context = lambda: ssl.create_default_context(cafile=tls_cert[0])  # noqa: E731
    got = {
        m: outcome(fetch(m, f"https://{srv.hostport}/v2/", ssl_context=context, timeout=3))
        for m in ("asyncio", "blocking")
    }
    assert got["blocking"] == got["asyncio"], got


def test_a_kept_alive_connection_the_server_closed_is_retried_fresh_when_blocking(
    raw: Callable[..., Raw],
) -> None:
    """test_wire's keep-alive test, run_blocking: the close reaches a blocking socket as
    a reset on write or an empty read, both "before the answer", so retried once."""

    def two_then_close(conn: socket.socket, stopping: threading.Event) -> None:
        for _ in range(2):
            read_head(conn)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    srv = raw(two_then_close)

    async def go() -> list[int]:
        async with wire.Client(timeout=3) as client:
            statuses = []
            for _ in range(3):
                r = await runtime.wait_for(client.request("GET", f"http://{srv.hostport}/v2/"), 3)
                statuses.append(r.status_code)
                time.sleep(0.05)  # the close reaches us while idle
            return statuses

    assert runtime.run_blocking(go()) == [200, 200, 200]
    assert srv.connections == 2


def test_a_request_cut_by_a_deadline_leaves_no_half_read_connection_when_blocking(
    raw: Callable[..., Raw],
) -> None:
    """test_wire's cancelled-request test, run_blocking: the deadline passes mid-body;
    the next request must not read the rest of the old answer as its own."""

    def serve(conn: socket.socket, stopping: threading.Event) -> None:
        while True:
            head = read_head(conn)
            if b"/slow" in head:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nbad")
                stopping.wait(0.5)
                conn.sendall(b"answer")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood")

    srv = raw(serve)

    async def go() -> bytes:
        async with wire.Client(timeout=5) as client:
            try:
                await runtime.wait_for(client.request("GET", f"http://{srv.hostport}/slow"), 0.2)
            except TimeoutError:
                pass
            else:
                raise AssertionError("the deadline did not cut the slow answer")
            fast = await runtime.wait_for(client.request("GET", f"http://{srv.hostport}/"), 3)
            return fast.content

    assert runtime.run_blocking(go()) == b"good"


# --------------------------------------------------------------------------- the process

# `registry-wizard check` with socket.getaddrinfo hanging for hang.test (and refusing
# every name but numeric loopback ones): a resolver thread that never returns.
HANGING_RESOLVER = """
import socket, sys, time
real = socket.getaddrinfo
def resolve(host, *args, **kw):
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name == "hang.test":
        print("resolving", file=sys.stderr, flush=True)
        time.sleep(60)
    if name.startswith("127."):
        return real(host, *args, **kw)
    raise socket.gaierror(socket.EAI_NONAME, "test: no such name")
socket.getaddrinfo = resolve
from wizard.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def _env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BASETEN_"))}
    return {**env, "NO_COLOR": "1", "PYTHONPATH": str(REPO), **more}


def cli(
    *args: str, stdin: str = TOKEN, env: dict[str, str] | None = None, code: str | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    """`registry-wizard check --format json ARGS` (or `python -c code check ...`) to its
    exit, and how long that took, interpreter start included."""
    start = time.monotonic()
    r = subprocess.run(
        [
            sys.executable,
            *(("-c", code) if code else ("-m", "wizard")),
            "check",
            "--format",
            "json",
            *args,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        env=env or _env(),
        timeout=20,
        cwd=REPO,
    )
    return r, time.monotonic() - start


def helper_that_sleeps(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """A docker config whose credsStore is a helper that sleeps 60 s (its pid in a file),
    and PATH to find it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "helper.pid"
    helper = bin_dir / "docker-credential-evil"
    helper.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
    helper.chmod(0o755)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credsStore": "evil"}))
    return config, _env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}"), pid_file


def _kill_from(pid_file: Path) -> None:
    """The helper this test started, by its pid."""
    if pid_file.exists():
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_a_docker_credential_helper_that_hangs_is_given_up_on_and_the_process_exits(
    tmp_path: Path,
) -> None:
    config, env, pid_file = helper_that_sleeps(tmp_path)
    try:
        r, took = cli("--image", "127.0.0.1:9/team/app:1", "--docker-config", str(config),
                      "--timeout", "1", env=env, stdin="")  # fmt: skip
        result = verdict(r)
        assert result["verdict"] == "timeout", result
        assert took < 1 + 2.5, took  # interpreter start and exit included
        assert pid_file.exists()  # the helper did run (and still sleeps)
    finally:
        _kill_from(pid_file)


def test_a_gcp_token_uri_that_trickles_is_given_up_on_and_the_process_exits(
    raw: Callable[..., Raw], tmp_path: Path
) -> None:
    """requests' read timeout is per read: a token endpoint sending a byte every 0.2 s
    never trips it. The check's deadline still ends the exchange (the daemon thread left
    behind does not hold the process)."""
    from tests.e2e.test_check_cli import _service_account_key

    def token(conn: socket.socket, stopping: threading.Event) -> None:
        read_head(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
        )
        drip(conn, stopping, b" " * 400)

    idp = raw(token)
    key = tmp_path / "key.json"
    key.write_text(json.dumps(_service_account_key(f"http://{idp.hostport}/token")))
    # Were the exchange to succeed, the registry's API is a closed loopback port.
    env = _env(REGISTRY_WIZARD_ENDPOINTS=json.dumps({"us-docker.pkg.dev": "http://127.0.0.1:9"}))
    r, took = cli("--image", "us-docker.pkg.dev/p/r/a:1", "--key-file", str(key),
                  "--allow-realm", idp.hostport, "--timeout", "1.5", env=env, stdin="")  # fmt: skip
    result = verdict(r)
    assert result["verdict"] == "timeout", result
    assert idp.connections == 1
    assert took < 1.5 + 3, took  # google-auth's imports included


def test_a_resolver_thread_that_never_returns_does_not_hold_the_process() -> None:
    r, took = cli("--image", "hang.test/team/app:1", "--username", "u", "--password-stdin",
                  "--timeout", "1", code=HANGING_RESOLVER)  # fmt: skip
    assert "resolving" in r.stderr
    assert verdict(r)["verdict"] == "timeout"
    assert took < 1 + 2, took


def test_guides_public_image_probe_is_cut_at_its_deadline(
    raw: Callable[..., Raw], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`guide --check-public` probes with check_one too (anonymous): a registry that
    answers /v2/ open, then trickles the manifest."""
    from wizard.guide.service import probe_public

    def fn(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        if head.startswith(b"GET /v2/ "):
            conn.sendall(answer(200))
        else:
            drip(conn, stopping, TRICKLES["content-length body"])

    srv = raw(plain_http(fn))
    monkeypatch.setenv(
        "REGISTRY_WIZARD_ENDPOINTS", json.dumps({"registry.example.com": f"http://{srv.hostport}"})
    )
    start = time.monotonic()
    found = probe_public(parse_image("registry.example.com/team/app:1"), timeout=TIMEOUT)
    took = time.monotonic() - start
    assert found is None
    assert TIMEOUT - 0.05 <= took < TIMEOUT + SLACK, took


def _aws_env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in _env().items() if not k.startswith("AWS_")}
    return {
        **env,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE00",
        "AWS_SECRET_ACCESS_KEY": "x" * 40,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        # Were the token to come, the registry's API is a closed loopback port.
        "REGISTRY_WIZARD_ENDPOINTS": json.dumps({ECR: "http://127.0.0.1:9"}),
    }


ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def test_an_aws_endpoint_that_trickles_is_given_up_on_and_the_process_exits(
    raw: Callable[..., Raw],
) -> None:
    """botocore's timeouts are per read and it retries: the check's deadline wins."""
    aws = raw(
        lambda c, s: (read_head(c), c.sendall(b"HTTP/1.1 200 OK\r\n"), drip(c, s, b"X" * 100))
    )
    r, took = cli(
        "--image",
        f"{ECR}/app:1",
        "--timeout",
        "1.5",
        env=_aws_env(f"http://{aws.hostport}"),
        stdin="",
    )
    assert verdict(r)["verdict"] == "timeout"
    assert aws.connections >= 1
    assert took < 1.5 + 3, took  # boto3's imports included


@pytest.mark.parametrize(
    "body",
    [b'"a string"', b"\xff\xfe not utf-8", b'{"access_token": "t", "expires_in": "soon"}'],
    ids=["not an object", "not utf-8", "bad expires_in"],
)
def test_a_token_uri_answering_nonsense_is_a_verdict_not_a_traceback(
    raw: Callable[..., Raw], tmp_path: Path, body: bytes
) -> None:
    """A token_uri (allowed with --allow-realm) answering 200 with a body google-auth does
    not expect (it raises TypeError, UnicodeDecodeError, ValueError) is an error
    verdict, not a traceback (found in both runtimes)."""
    from tests.e2e.test_check_cli import _service_account_key

    idp = raw(
        plain_http(
            lambda c, h, s: c.sendall(answer(200, {"Content-Type": "application/json"}, body))
        )
    )
    key = tmp_path / "key.json"
    key.write_text(json.dumps(_service_account_key(f"http://{idp.hostport}/token")))
    env = _env(REGISTRY_WIZARD_ENDPOINTS=json.dumps({"us-docker.pkg.dev": "http://127.0.0.1:9"}))
    r, _ = cli("--image", "us-docker.pkg.dev/p/r/a:1", "--key-file", str(key),
               "--allow-realm", idp.hostport, "--timeout", "3", env=env, stdin="")  # fmt: skip
    assert verdict(r)["verdict"] == "error", r.stderr[-400:]


@pytest.mark.parametrize(
    "body", [b"{}", b'{"authorizationData": []}'], ids=["no data", "empty list"]
)
def test_an_aws_endpoint_answering_without_a_token_is_a_verdict_not_a_traceback(
    raw: Callable[..., Raw], body: bytes
) -> None:
    """An AWS endpoint answering without a token (ecr_token indexes the answer) is an
    error verdict, not a KeyError traceback (found in both runtimes)."""
    reply = answer(200, {"Content-Type": "application/x-amz-json-1.1"}, body)
    aws = raw(lambda c, s: (read_head(c), c.sendall(reply)))
    r, _ = cli(
        "--image",
        f"{ECR}/app:1",
        "--timeout",
        "3",
        env=_aws_env(f"http://{aws.hostport}"),
        stdin="",
    )
    assert verdict(r)["verdict"] == "error", r.stderr[-400:]


# --------------------------------------------------------------------------- 4. Ctrl-C


def _interrupt(
    args: list[str], reached: Callable[[subprocess.Popen[str]], bool], **popen: Any
) -> tuple[int, str, str, float]:
    """Start a check (a 30 s deadline), wait until `reached`, send SIGINT; the exit
    status, stdout, stderr and how long the process took to leave after the signal."""
    code = popen.pop("code", None)
    p = subprocess.Popen(
        [
            sys.executable,
            *(("-c", code) if code else ("-m", "wizard")),
            "check",
            "--timeout",
            "30",
            *args,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        **{"env": _env(), **popen},
    )
    try:
        assert p.stdin is not None
        p.stdin.write(TOKEN)
        p.stdin.close()
        p.stdin = None  # communicate() below must not flush it
        deadline = time.monotonic() + 8
        while not reached(p):
            assert p.poll() is None and time.monotonic() < deadline, "the stage was never reached"
            time.sleep(0.02)
        time.sleep(0.2)  # well inside the stage's blocking call
        p.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = p.communicate(timeout=10)
        return p.returncode, out, err, time.monotonic() - sent
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def _left_cleanly(status: int, out: str, err: str, took: float) -> None:
    assert "Traceback" not in err, err
    assert TOKEN not in out + err
    assert status == 2 and "No changes were made" in err, (status, out, err)
    assert took < 1.5, took


@pytest.mark.parametrize("stage", ["tls handshake", "reading the answer"])
def test_ctrl_c_in_a_blocking_socket_call_leaves_cleanly(
    raw: Callable[..., Raw], stage: str
) -> None:
    def stall(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{")
        stopping.wait(30)

    srv = raw(silent if stage == "tls handshake" else plain_http(stall))
    want = 1 if stage == "tls handshake" else 2  # the https probe, then plain http
    args = ["--image", f"{srv.hostport}/team/app:1", "--username", "u", "--password-stdin"]
    _left_cleanly(*_interrupt(args, lambda p: srv.connections >= want))


def test_ctrl_c_while_a_resolver_thread_hangs_leaves_cleanly() -> None:
    args = ["--image", "hang.test/team/app:1", "--username", "u", "--password-stdin"]
    seen: list[str] = []

    def resolving(p: subprocess.Popen[str]) -> bool:
        assert p.stderr is not None
        seen.append(p.stderr.readline())
        return "resolving" in seen[-1]

    status, out, err, took = _interrupt(args, resolving, code=HANGING_RESOLVER)
    _left_cleanly(status, out, "".join(seen) + err, took)


def test_ctrl_c_while_a_docker_credential_helper_hangs_leaves_cleanly(tmp_path: Path) -> None:
    config, env, pid_file = helper_that_sleeps(tmp_path)
    args = ["--image", "127.0.0.1:9/team/app:1", "--docker-config", str(config)]
    try:
        _left_cleanly(*_interrupt(args, lambda p: pid_file.exists(), env=env))
    finally:
        _kill_from(pid_file)
