"""The HTTP/1.1 client of the live checks: asyncio streams, or blocking sockets for one
check (`runtime.run_blocking`), nothing else.

A registry check is a handful of small requests (ping, token, manifest). httpx and
httpcore cost ~0.2 s of imports per process (with click, rich, pygments and trio when
they are installed), which was most of one `registry-wizard check`; this client is the
subset those requests need and imports only the standard library:

- GET and HEAD, one request at a time per connection, keep-alive per scheme+host+port
  (a token and a manifest ride the ping's connection), at most `max_connections` open;
- Content-Length, chunked and read-to-close bodies, never read past `max_body`;
  gzip/deflate undone, still capped;
- TLS only for https, with the one context `http.ssl_context` builds (so a plain-http
  loopback registry never loads a trust store);
- no redirects, cookies, proxies or environment: `http.send` follows redirects by hand
  through the guard, and the process environment decides nothing here;
- every connect, write and read bounded by `timeout`; a request interrupted by anything
  (a deadline's cancellation included) closes its connection instead of pooling it.
"""

from __future__ import annotations

import contextlib
import ssl
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from wizard.model.record import field, record
from wizard.verify import runtime

MAX_BODY = 4 * 1024 * 1024
MAX_HEAD = 64 * 1024  # status line + headers
MAX_HEADERS = 100
_NO_BODY = {204, 304}
_HEX = frozenset(b"0123456789abcdefABCDEF")  # a chunk size's digits


class HTTPError(Exception):
    """Any failure to get an answer. `before_answer`: the connection failed before the
    first byte of an answer (a kept-alive connection the server had closed: retryable)."""

    before_answer = False

    def __init__(self, message: str, *, before_answer: bool = False) -> None:
        super().__init__(message)
        self.before_answer = before_answer


class TimeoutException(HTTPError, TimeoutError):
    pass


class ConnectError(HTTPError, ConnectionError):
    pass


class ReadError(HTTPError, ConnectionError):
    pass


class RemoteProtocolError(HTTPError):
    pass


class BodyTooLarge(HTTPError):
    pass


class InvalidURL(HTTPError, ValueError):
    pass


class Headers:
    """Response headers: case-insensitive, the first of a repeated name wins `get`."""

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        self._items = items or []

    def get(self, name: str, default: str | None = None) -> str | None:
        lower = name.lower()
        for k, v in self._items:
            if k.lower() == lower:
                return v
        return default

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None


@record(frozen=True)
class Request:
    """An HTTP request as sent."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@record
class Response:
    """An HTTP response, its body read in full."""

    status_code: int
    headers: Headers
    request: Request
    content: bytes = b""

    def json(self) -> object:
        import json

        return json.loads(self.content)


def _target(url: str) -> tuple[str, str, int, str, str]:
    """scheme, host, port, Host header, request target; refuses what is no http(s) URL or
    would smuggle bytes into the request line (spaces, CR, LF)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidURL(f"not an http(s) URL: {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidURL(f"bad port in {url!r}") from None
    host = parts.hostname
    netloc_host = f"[{host}]" if ":" in host else host
    default = 443 if parts.scheme == "https" else 80
    host_header = netloc_host if port == default else f"{netloc_host}:{port}"
    safe = "/%:@!$&'()*+,;=-._~"
    path = quote(parts.path or "/", safe=safe)
    if parts.query:
        path += "?" + quote(parts.query, safe=safe + "?")
    return parts.scheme, host, port, host_header, path


def _check_header(name: str, value: str) -> None:
    if any(c in name + value for c in "\r\n\0") or not name or ":" in name:
        raise InvalidURL(f"refused a header with a line break or NUL: {name!r}")


@record
class _Conn:
    """An open connection."""

    reader: Any  # asyncio's StreamReader, or runtime's blocking stream
    writer: Any

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a broken transport is closed already
            self.writer.close()


class Client:
    """One per batch of checks; `async with Client(...) as client`."""

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        ssl_context: Callable[[], ssl.SSLContext] | None = None,
        headers: dict[str, str] | None = None,
        max_connections: int = 16,
        max_body: int = MAX_BODY,
    ) -> None:
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._headers = {"User-Agent": "registry-wizard", **(headers or {})}
        self._slots = runtime.semaphore(max_connections)
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}
        self.max_body = max_body

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()

    async def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        *,
        tls_probe: bool = False,
    ) -> Response:
        """`tls_probe`: the server may speak plain http (loopback, --insecure-registry), so
        find out with a context that loads no trust store; the real one is built only
        when the server answers in TLS."""
        scheme, host, port, host_header, target = _target(url)
        all_headers = {**self._headers, **(headers or {})}
        for name, value in all_headers.items():
            _check_header(name, value)
        request = Request(method, url, all_headers)
        head = [f"{method} {target} HTTP/1.1", f"Host: {host_header}"]
        head += [f"{k}: {v}" for k, v in all_headers.items()]
        head += ["Accept-Encoding: gzip, deflate", "", ""]
        data = "\r\n".join(head).encode("latin-1", "replace")
        key = (scheme, host, port)
        async with self._slots:
            pooled = self._idle.get(key)
            if pooled:
                conn = pooled.pop()
                try:
                    return await self._exchange(conn, key, request, data)
                except (ReadError, RemoteProtocolError) as e:
                    if not e.before_answer:
                        raise
                    # A kept-alive connection the server had closed: once more, fresh.
            conn = await self._connect(scheme, host, port, tls_probe=tls_probe)
            return await self._exchange(conn, key, request, data)

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context() if self._ssl_context else ssl.create_default_context()

    async def _connect(self, scheme: str, host: str, port: int, *, tls_probe: bool) -> _Conn:
        if scheme == "https" and tls_probe:
            try:
                return await self._open(host, port, _probe_context())
            except ConnectError as e:
                if not isinstance(e.__cause__, ssl.SSLCertVerificationError):
                    raise  # no TLS there (or no server): the caller falls back or reports
                # It speaks TLS: connect again, verifying against the real trust store.
        return await self._open(host, port, self._context() if scheme == "https" else None)

    async def _open(self, host: str, port: int, context: ssl.SSLContext | None) -> _Conn:
        try:
            reader, writer = await runtime.wait_for(
                runtime.open_connection(host, port, ssl_context=context, limit=MAX_HEAD),
                self.timeout,
            )
        except TimeoutError:
            raise TimeoutException(f"connecting to {host}:{port} timed out") from None
        except ssl.SSLError as e:
            raise ConnectError(f"TLS with {host}:{port} failed: {e}") from e
        except OSError as e:
            raise ConnectError(f"cannot connect to {host}:{port}: {e.strerror or e}") from e
        return _Conn(reader, writer)

    async def _exchange(
        self, conn: _Conn, key: tuple[str, str, int], request: Request, data: bytes
    ) -> Response:
        reusable = False
        try:
            response, reusable = await self._roundtrip(conn, request, data)
            return response
        finally:
            if reusable:
                self._idle.setdefault(key, []).append(conn)
            else:
                conn.close()

    async def _roundtrip(self, conn: _Conn, request: Request, data: bytes) -> tuple[Response, bool]:
        try:
            conn.writer.write(data)
            await runtime.wait_for(conn.writer.drain(), self.timeout)
            status_line = await self._line(conn, first=True)
        except HTTPError:
            raise
        except TimeoutError:
            raise TimeoutException("the server did not answer in time") from None
        except (ConnectionError, OSError) as e:
            raise ReadError(f"the connection broke: {e}", before_answer=True) from e
        version, status = _status(status_line)
        headers = await self._headers_block(conn)
        while 100 <= status < 200:  # interim answers (100 Continue): the real one follows
            version, status = _status(await self._line(conn))
            headers = await self._headers_block(conn)
        chunked = "chunked" in (headers.get("transfer-encoding") or "").lower()
        length_text = headers.get("content-length")
        body = b""
        until_close = False
        if request.method == "HEAD" or status in _NO_BODY:
            pass
        elif chunked:
            body = await self._chunked(conn)
        elif length_text is not None:
            try:
                length = int(length_text)
                if length < 0:
                    raise ValueError
            except ValueError:
                raise RemoteProtocolError(f"bad Content-Length {length_text!r}") from None
            if length > self.max_body:
                raise BodyTooLarge(f"the answer from {_host(request)} is over 4 MB")
            body = await self._exactly(conn, length)
        else:
            until_close = True
            body = await self._to_close(conn)
        body = self._decoded(request, headers, body)
        connection = (headers.get("connection") or "").lower()
        reusable = (
            not until_close
            and "close" not in connection
            and (version == "HTTP/1.1" or "keep-alive" in connection)
        )
        return Response(status, headers, request, body), reusable

    async def _line(self, conn: _Conn, *, first: bool = False) -> bytes:
        try:
            line = await runtime.wait_for(conn.reader.readline(), self.timeout)
        except TimeoutError:
            raise TimeoutException("the server did not answer in time") from None
        except ValueError:  # asyncio's readline turns a limit overrun into one too
            raise RemoteProtocolError("a header line is too long") from None
        except (ConnectionError, OSError) as e:
            raise ReadError(f"the connection broke: {e}", before_answer=first) from e
        if not line:
            raise RemoteProtocolError(
                "the server closed the connection without an answer", before_answer=first
            )
        if not line.endswith(b"\n"):
            raise RemoteProtocolError("the answer ended in the middle of a line")
        return line

    async def _headers_block(self, conn: _Conn) -> Headers:
        items: list[tuple[str, str]] = []
        size = 0
        while True:
            line = await self._line(conn)
            size += len(line)
            if size > MAX_HEAD or len(items) > MAX_HEADERS:
                raise RemoteProtocolError("the answer's headers are too large")
            text = line.decode("latin-1").rstrip("\r\n")
            if not text:
                return Headers(items)
            name, sep, value = text.partition(":")
            if not sep or not name or name != name.strip():
                raise RemoteProtocolError(f"a malformed header line: {text[:60]!r}")
            items.append((name, value.strip()))

    async def _read(self, awaitable: object) -> bytes:
        try:
            return await runtime.wait_for(awaitable, self.timeout)  # type: ignore[arg-type]
        except HTTPError:
            raise
        except TimeoutError:
            raise TimeoutException("the server stopped sending the answer") from None
        except EOFError:  # asyncio's IncompleteReadError and runtime's IncompleteRead
            raise RemoteProtocolError("the answer ended before its length") from None
        except (ConnectionError, OSError) as e:
            raise ReadError(f"the connection broke: {e}") from e

    async def _exactly(self, conn: _Conn, n: int) -> bytes:
        return await self._read(conn.reader.readexactly(n)) if n else b""

    async def _to_close(self, conn: _Conn) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = await self._read(conn.reader.read(65536))
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > self.max_body:
                raise BodyTooLarge("the answer is over 4 MB")
            chunks.append(chunk)

    async def _chunked(self, conn: _Conn) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = (await self._line(conn)).split(b";")[0].strip()
            # hex digits only: int() also takes "-10", "+a", "0x1_0" (a negative size
            # would lift the cap below)
            if not (0 < len(line) <= 16 and all(c in _HEX for c in line)):
                raise RemoteProtocolError("a malformed chunk size")
            size = int(line, 16)
            if size == 0:
                while (await self._line(conn)).strip():  # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > self.max_body:
                raise BodyTooLarge("the answer is over 4 MB")
            chunks.append(await self._exactly(conn, size))
            await self._exactly(conn, 2)  # CRLF after each chunk

    def _decoded(self, request: Request, headers: Headers, raw: bytes) -> bytes:
        encoding = (headers.get("content-encoding") or "").lower().strip()
        if encoding not in ("gzip", "deflate") or not raw:
            return raw
        try:
            d = zlib.decompressobj(zlib.MAX_WBITS | 32)
            out = d.decompress(raw, self.max_body + 1)
        except zlib.error:
            try:  # raw deflate, as some servers send it
                out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, self.max_body + 1)
            except zlib.error:
                raise RemoteProtocolError("a compressed answer that does not unpack") from None
        if len(out) > self.max_body:
            raise BodyTooLarge(f"the answer from {_host(request)} is over 4 MB unpacked")
        return out


def _probe_context() -> ssl.SSLContext:
    """Verifies certificates but trusts none: a TLS server fails it on its certificate,
    a plain-http one on the handshake; neither costs loading the system's trust store."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _host(request: Request) -> str:
    return urlsplit(request.url).hostname or ""


def _status(line: bytes) -> tuple[str, int]:
    parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise RemoteProtocolError(f"not an HTTP/1.x answer: {line[:40]!r}")
    return parts[0], int(parts[1])
