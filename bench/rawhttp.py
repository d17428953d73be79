"""A small HTTP/1.1 client on asyncio streams, for the opening bench's load generator.

The opening bench sends tens of thousands of requests a minute from one process on the core it
shares with PostgreSQL and Redis. Through httpx that process used the whole core (and starved
the database and Redis the server waits on) while the server's core was half idle, so the
latencies measured were the generator's. This client does only what the bench needs, with a
fraction of the CPU: keep-alive connections from a shared pool, GET and form POST, the cookies
of one candidate (those the server sets replace them), responses with a Content-Length, chunked,
or read to the end, no redirects followed, no TLS.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode, urlsplit

# What a request through this client can fail with: the connection (refused, reset, closed
# early), the time allowed (`asyncio.timeout`), or an answer that is not HTTP.
HTTP_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


class Headers(dict[str, str]):
    """Response headers, names in lower case (``headers["location"]``)."""


class Response:
    __slots__ = ("content", "cookies", "headers", "status_code")

    def __init__(
        self, status_code: int, headers: Headers, content: bytes, cookies: dict[str, str]
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.cookies = cookies


_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Pool:
    """Keep-alive connections to one server, at most `size` at once.

    A connection idle for longer than `max_idle` seconds is closed rather than reused: the server
    closes its own after its keep-alive time (gunicorn's here: 30 s), and a request written into
    a connection the server is closing fails. Should that still happen, the request is sent once
    more on a new connection (the server had closed it without reading the request).
    """

    def __init__(self, base_url: str, size: int, max_idle: float = 10.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.host_header = parts.netloc
        self.max_idle = max_idle
        self._idle: list[tuple[float, _Connection]] = []
        self._slots = asyncio.Semaphore(size)

    async def _connection(self) -> tuple[_Connection, bool]:
        now = time.monotonic()
        while self._idle:
            since, connection = self._idle.pop()
            if now - since < self.max_idle:
                return connection, False
            connection[1].close()
        return await asyncio.open_connection(self.host, self.port), True

    async def request(self, head: bytes, body: bytes, method: str) -> Response:
        async with self._slots:
            (reader, writer), fresh = await self._connection()
            try:
                writer.write(head + body)
                await writer.drain()
                response, keep = await _read(reader, method)
            except (ConnectionError, asyncio.IncompleteReadError) as error:
                writer.close()
                if fresh or (isinstance(error, asyncio.IncompleteReadError) and error.partial):
                    raise  # not a kept connection closed before the request was read
                reader, writer = await asyncio.open_connection(self.host, self.port)
                try:
                    writer.write(head + body)
                    await writer.drain()
                    response, keep = await _read(reader, method)
                except BaseException:
                    writer.close()
                    raise
            except BaseException:
                writer.close()
                raise
            if keep:
                self._idle.append((time.monotonic(), (reader, writer)))
            else:
                writer.close()
            return response

    async def aclose(self) -> None:
        while self._idle:
            _since, (_reader, writer) = self._idle.pop()
            writer.close()


async def _read(reader: asyncio.StreamReader, method: str) -> tuple[Response, bool]:
    block = await reader.readuntil(b"\r\n\r\n")
    lines = block[:-4].decode("latin-1").split("\r\n")
    version, code, *_reason = lines[0].split(" ", 2)
    status = int(code)
    headers = Headers()
    cookies: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, cookie = pair.partition("=")
            cookies[key.strip()] = cookie.strip().strip('"')
        headers[name] = value
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        content = b""
    elif "content-length" in headers:
        content = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readline()).split(b";", 1)[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # the last (empty) line; no trailers here
                break
            parts.append((await reader.readexactly(size + 2))[:-2])
        content = b"".join(parts)
    else:
        content = await reader.read()
        keep = False
    return Response(status, headers, content, cookies), keep


class Client:
    """One candidate's browser, without a cache or redirects: cookies and requests."""

    def __init__(self, pool: Pool, cookies: Mapping[str, str], timeout: float) -> None:
        self.pool = pool
        self.cookies = dict(cookies)
        self.timeout = timeout

    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        return await self._send("GET", url, headers or {}, b"")

    async def post(
        self,
        url: str,
        data: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        body = urlencode(data or {}).encode()
        extra = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return await self._send("POST", url, extra, body)

    async def _send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        lines = [
            f"{method} {url} HTTP/1.1",
            f"Host: {self.pool.host_header}",
            "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        ]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        async with asyncio.timeout(self.timeout):
            response = await self.pool.request(head, body, method)
        self.cookies.update(response.cookies)
        return response

    async def aclose(self) -> None:  # the pool is shared: nothing of its own to close
        return None
