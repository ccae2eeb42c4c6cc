"""Loopback HTTP(S) stand-ins for end-to-end tests.

`LoopbackServer` runs a stdlib `http.server` on 127.0.0.1 (free port, one thread per
connection) and answers every request with a function the test supplies:

    def handler(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply: ...

`path` is the raw request target, query string included. A handler returns either a
`Response` (or a plain ``(status, headers, body)`` tuple), a `Stall` (sleep before
answering, for client time-out tests) or a `Reset` (abort the TCP connection with RST).

With ``tls=True`` the server presents a freshly generated self-signed certificate
(127.0.0.1 and localhost); `cert_path` points at its PEM file so a client can trust it,
or not trust it to exercise verification failures.

Every request is recorded in `requests`. The recording is in memory only and keeps the
headers as sent, so fake credentials used by a test may appear in assertion output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.client import HTTPMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK = "127.0.0.1"

# --------------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class SelfSignedCert:
    """An EC P-256 key and a self-signed certificate for it (also usable as a trust root)."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def key_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def write(self, directory: Path, stem: str = "server") -> tuple[Path, Path]:
        """Write ``<stem>.crt`` and ``<stem>.key`` (PEM) into `directory`; return both paths."""
        cert_path = directory / f"{stem}.crt"
        key_path = directory / f"{stem}.key"
        cert_path.write_bytes(self.cert_pem)
        key_path.write_bytes(self.key_pem)
        key_path.chmod(0o600)
        return cert_path, key_path


def generate_self_signed_cert(
    common_name: str = LOOPBACK,
    *,
    hosts: tuple[str, ...] = (LOOPBACK, "localhost"),
    days: int = 2,
) -> SelfSignedCert:
    """Generate a self-signed EC P-256 certificate valid for `hosts` (IPs or DNS names).

    It carries the extensions OpenSSL's strict mode (Python 3.13's default) and Go's
    x509 verifier want from a certificate that is its own trust root: CA basic
    constraints, key usage, SKI/AKI and serverAuth.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    sans: list[x509.GeneralName] = []
    for host in hosts:  # an empty tuple gives a certificate without SAN (a signing cert)
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    now = dt.datetime.now(dt.timezone.utc)
    public_key = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return SelfSignedCert(private_key=key, certificate=cert)


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Stall:
    """Do nothing for `seconds` (cut short when the server stops), then send `then`.

    With ``after_headers=True`` the status line and headers of `then` (which must be
    given) go out first and the stall happens before the body: a server that "hangs
    mid-response". With ``then=None`` the connection is closed after the stall without
    a response.
    """

    seconds: float
    then: Response | None = None
    after_headers: bool = False


@dataclass(frozen=True)
class Reset:
    """Abort the connection with a TCP RST instead of answering."""


Reply = Response | Stall | Reset | tuple[int, Mapping[str, str], bytes]
Handler = Callable[[str, str, HTTPMessage, bytes], Reply]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return header_of(self.headers, name)


def header_of(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    """The first value of a header, by case-insensitive name."""
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)


def always(status: int, headers: Mapping[str, str] | None = None, body: bytes = b"") -> Handler:
    """A handler that gives every request the same answer."""
    response = Response(status, dict(headers or {}), body)

    def handler(method: str, path: str, headers_: HTTPMessage, body_: bytes) -> Reply:
        return response

    return handler


def stall_forever(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    """A handler that never answers (until the server stops)."""
    return Stall(seconds=3600.0)


def reset_connection(method: str, path: str, headers: HTTPMessage, body: bytes) -> Reply:
    """A handler that resets every connection."""
    return Reset()


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (nothing listens on it now).

    Also handy for "connection refused" tests.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- server


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A client that connects and then sends nothing must not pin a thread forever.
    timeout = 30
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean; requests are recorded instead

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        owner = self.server.owner
        owner._record(
            RecordedRequest(
                method=self.command,
                path=self.path,
                headers=tuple(self.headers.items()),
                body=body,
            )
        )
        try:
            reply = owner.handler(self.command, self.path, cast(HTTPMessage, self.headers), body)
        except Exception:
            owner._record_error(traceback.format_exc())
            reply = Response(500, {"Content-Type": "text/plain"}, b"handler raised; see .errors")
        if isinstance(reply, tuple):
            reply = Response(reply[0], dict(reply[1]), reply[2])
        if isinstance(reply, Reset):
            self.server.mark_for_reset(self.connection)
            self.close_connection = True
            return
        if isinstance(reply, Stall):
            if reply.after_headers:
                if reply.then is None:
                    raise ValueError("Stall(after_headers=True) needs a `then` response")
                self._send_head(reply.then)
                self.wfile.flush()
                owner._closing.wait(reply.seconds)
                self._send_body(reply.then)
                return
            owner._closing.wait(reply.seconds)
            if reply.then is None:
                self.close_connection = True
                return
            reply = reply.then
        self._send_head(reply)
        self._send_body(reply)

    def _send_head(self, response: Response) -> None:
        self.send_response(response.status)
        names = {name.lower() for name in response.headers}
        for name, value in response.headers.items():
            self.send_header(name, value)
        if "content-length" not in names and "transfer-encoding" not in names:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()

    def _send_body(self, response: Response) -> None:
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops connection bursts (a client opening many
    # connections at once); dropped SYNs are retried after 1 s and look like a slow server.
    request_queue_size = 128

    def __init__(self, owner: LoopbackServer, ssl_context: ssl.SSLContext | None) -> None:
        self.owner = owner
        self.ssl_context = ssl_context
        self._to_reset: set[int] = set()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__((LOOPBACK, 0), _RequestHandler)

    def mark_for_reset(self, conn: socket.socket) -> None:
        with self._lock:
            self._to_reset.add(id(conn))

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake happens here, in the connection's own thread, so that a client
        # that stalls during the handshake cannot block the accept loop.
        conn: socket.socket = request
        if self.ssl_context is not None:
            try:
                conn.settimeout(_RequestHandler.timeout)
                conn = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.owner._record_tls_failure(f"{type(exc).__name__}: {exc}")
                request.close()
                return
        with self._lock:
            self._open.add(conn)
        try:
            self.RequestHandlerClass(conn, client_address, self)  # type: ignore[arg-type]
        finally:
            with self._lock:
                self._open.discard(conn)
                reset = id(conn) in self._to_reset
                self._to_reset.discard(id(conn))
            self._close(conn, reset=reset)

    def _close(self, conn: socket.socket, *, reset: bool) -> None:
        with contextlib.suppress(OSError):
            if reset:
                # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.shutdown(socket.SHUT_WR)
        conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.owner._record_error(traceback.format_exc())

    def abort_open_connections(self) -> None:
        with self._lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class LoopbackServer:
    """A threaded HTTP(S) server on 127.0.0.1 driven by a handler function.

    Use as a context manager (or call `start()` / `stop()`):

        with LoopbackServer(always(200, {"X": "1"}, b"ok"), tls=True) as srv:
            ... srv.url, srv.cert_path, srv.requests ...
    """

    def __init__(
        self,
        handler: Handler,
        *,
        tls: bool = False,
        cert: SelfSignedCert | None = None,
        record: bool = True,
    ) -> None:
        """`cert`: reuse this certificate for TLS instead of generating one.
        `record=False`: keep no request log (for servers that see real passwords)."""
        self.handler = handler
        self.tls = tls or cert is not None
        self.record = record
        self._given_cert = cert
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self.tls_failures: list[str] = []
        self.cert: SelfSignedCert | None = None
        self.cert_path: Path | None = None
        self._tmpdir: Path | None = None
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self._lock = threading.Lock()

    # -- lifecycle

    def start(self) -> LoopbackServer:
        if self._server is not None:
            raise RuntimeError("server already started")
        context: ssl.SSLContext | None = None
        if self.tls:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="loopback-tls-"))
            self.cert = self._given_cert or generate_self_signed_cert()
            self.cert_path, key_path = self.cert.write(self._tmpdir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.cert_path, key_path)
        self._closing.clear()
        self._server = _HTTPServer(self, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"loopback-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            self._closing.set()
            server.shutdown()
            server.abort_open_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
            self.cert_path = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, the form an image reference uses."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def client_ssl_context(self) -> ssl.SSLContext | None:
        """An SSL context that trusts this server's certificate (None without TLS)."""
        if self.cert_path is None:
            return None
        return ssl.create_default_context(cafile=str(self.cert_path))

    # -- recording

    def _record(self, request: RecordedRequest) -> None:
        if not self.record:
            return
        with self._lock:
            self.requests.append(request)

    def _record_error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def _record_tls_failure(self, text: str) -> None:
        with self._lock:
            self.tls_failures.append(text)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.errors.clear()
            self.tls_failures.clear()


@contextlib.contextmanager
def serving(
    handler: Handler, *, tls: bool = False, cert: SelfSignedCert | None = None
) -> Iterator[LoopbackServer]:
    """``with serving(handler) as srv:`` — a LoopbackServer for the block."""
    server = LoopbackServer(handler, tls=tls, cert=cert)
    with server:
        yield server
