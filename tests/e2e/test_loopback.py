"""The loopback stand-ins behave as documented: replies, TLS, stalls and resets."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from http.client import HTTPMessage

import pytest

from tests.e2e.conftest import LoopbackFactory
from tests.e2e.loopback import (
    Reply,
    Reset,
    Response,
    Stall,
    always,
    free_port,
    reset_connection,
    serving,
    stall_forever,
)
from tests.e2e.registry_server import http_request


def test_handler_sees_request_and_shapes_reply(loopback_factory: LoopbackFactory) -> None:
    seen: list[tuple[str, str, str | None, bytes]] = []

    def handler(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
        seen.append((method, path, headers.get("x-probe"), body))
        return 418, {"X-Answer": "42", "Content-Type": "text/plain"}, b"teapot"

    srv = loopback_factory(handler)
    assert srv.url == f"http://127.0.0.1:{srv.port}" and srv.cert_path is None
    resp = http_request(srv.url + "/v2/x?a=1&b=2", "POST", {"X-Probe": "yes"}, b"payload")
    assert (resp.status, resp.header("X-Answer"), resp.body) == (418, "42", b"teapot")
    assert resp.header("Content-Length") == "6"
    assert seen == [("POST", "/v2/x?a=1&b=2", "yes", b"payload")]
    (recorded,) = srv.requests
    assert (recorded.method, recorded.path, recorded.body) == ("POST", "/v2/x?a=1&b=2", b"payload")
    assert recorded.header("x-probe") == "yes"


def test_head_gets_headers_without_body(loopback_factory: LoopbackFactory) -> None:
    srv = loopback_factory(always(200, {"Docker-Content-Digest": "sha256:abc"}, b"{}"))
    resp = http_request(srv.url + "/v2/a/manifests/v1", "HEAD")
    assert (resp.status, resp.header("Content-Length"), resp.body) == (200, "2", b"")
    assert resp.header("Docker-Content-Digest") == "sha256:abc"


def test_keep_alive_and_chunked_request_body(loopback_factory: LoopbackFactory) -> None:
    srv = loopback_factory(lambda m, p, h, body: Response(200, {}, body[::-1]))
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        for _ in range(2):  # same connection twice: HTTP/1.1 keep-alive
            conn.request("PUT", "/echo", body=iter([b"ab", b"cd"]), encode_chunked=True)
            resp = conn.getresponse()
            assert resp.read() == b"dcba"
    finally:
        conn.close()
    assert len(srv.requests) == 2


def test_handler_exception_becomes_500_and_is_recorded(
    loopback_factory: LoopbackFactory,
) -> None:
    def broken(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
        raise RuntimeError("boom")

    srv = loopback_factory(broken)
    assert http_request(srv.url + "/").status == 500
    assert len(srv.errors) == 1 and "RuntimeError: boom" in srv.errors[0]


def test_record_false_keeps_no_request_log(loopback_factory: LoopbackFactory) -> None:
    srv = loopback_factory(always(204), record=False)
    http_request(srv.url + "/", headers={"Authorization": "Basic c2VjcmV0"})
    assert srv.requests == []


def test_tls_trusted_untrusted_and_strict(loopback_factory: LoopbackFactory) -> None:
    srv = loopback_factory(always(200, {}, b"secure"), tls=True)
    assert srv.url.startswith("https://127.0.0.1:")
    assert srv.cert_path is not None and srv.cert_path.read_bytes().startswith(b"-----BEGIN")

    strict = ssl.create_default_context(cafile=str(srv.cert_path))
    strict.verify_flags |= ssl.VERIFY_X509_STRICT
    assert http_request(srv.url + "/", ssl_context=strict).body == b"secure"
    localhost = srv.url.replace("127.0.0.1", "localhost")
    assert http_request(localhost + "/", ssl_context=srv.client_ssl_context()).status == 200

    with pytest.raises(ssl.SSLCertVerificationError):
        http_request(srv.url + "/", ssl_context=ssl.create_default_context())
    # The failed handshake is recorded server-side; the server keeps serving.
    deadline = time.monotonic() + 2
    while not srv.tls_failures and time.monotonic() < deadline:
        time.sleep(0.01)
    assert srv.tls_failures
    assert http_request(srv.url + "/", ssl_context=strict).status == 200


def test_stall_makes_client_time_out_and_stop_is_quick() -> None:
    with serving(stall_forever) as srv:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            http_request(srv.url + "/v2/", timeout=0.2)
        assert time.monotonic() - started < 2
        stop_started = time.monotonic()
    assert time.monotonic() - stop_started < 2  # stalled handler released at stop


def test_stall_then_answer(loopback_factory: LoopbackFactory) -> None:
    srv = loopback_factory(lambda m, p, h, b: Stall(0.3, then=Response(200, {}, b"late")))
    started = time.monotonic()
    assert http_request(srv.url + "/", timeout=5).body == b"late"
    assert time.monotonic() - started >= 0.29
    with pytest.raises(TimeoutError):
        http_request(srv.url + "/", timeout=0.1)


def test_stall_after_headers_times_out_reading_body(loopback_factory: LoopbackFactory) -> None:
    srv = loopback_factory(
        lambda m, p, h, b: Stall(60, then=Response(200, {}, b"body"), after_headers=True)
    )
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=0.3)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()  # status line and headers arrive
        assert resp.status == 200 and resp.getheader("Content-Length") == "4"
        with pytest.raises(TimeoutError):
            resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("tls", [False, True])
def test_reset_aborts_the_connection(loopback_factory: LoopbackFactory, tls: bool) -> None:
    srv = loopback_factory(reset_connection, tls=tls)
    with pytest.raises(ConnectionResetError):
        http_request(srv.url + "/v2/", ssl_context=srv.client_ssl_context())
    assert [r.path for r in srv.requests] == ["/v2/"]


def test_reset_can_be_chosen_per_request(loopback_factory: LoopbackFactory) -> None:
    def handler(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
        return Reset() if path == "/flaky" else Response(200, {}, b"fine")

    srv = loopback_factory(handler)
    with pytest.raises(ConnectionResetError):
        http_request(srv.url + "/flaky")
    assert http_request(srv.url + "/ok").body == b"fine"


def test_free_port_refuses_connections() -> None:
    port = free_port()
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", port))


def test_stopped_server_frees_port() -> None:
    with serving(always(200)) as srv:
        port = srv.port
        assert http_request(srv.url + "/").status == 200
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", port))
