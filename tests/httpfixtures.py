"""A real HTTP server on 127.0.0.1 for tests: misbehaving on purpose, route by route.

Usage (pytest)::

    from httpfixtures import LoopbackServer, http_server  # noqa: F401 (fixture)

    def test_something(http_server: LoopbackServer):
        url = http_server.url("/feed.xml")
        ...
        assert http_server.hits("/feed.xml") == 1

The server is aiohttp.web running on its own event loop in a daemon thread, so tests may
use any client (sync or async) against it. It only ever binds 127.0.0.1. Every request
is counted by path (``hits``), its headers are kept (``last_headers``) with its arrival
time (``request_times``), and ``max_in_flight`` records the most requests handled at once.

Routes (``{x}`` is a path parameter; ``key`` parameters keep separate counters so that
tests do not share state):

=============================== ===========================================================
``/feed.xml``                   RSS 2.0, ETag ``"v1"`` + Last-Modified; 304 when either
                                validator matches
``/expires0.xml``               the same feed with ``Expires: 0``
``/echo``                       JSON of the request headers
``/status/{code}``              always that status (text body)
``/flaky/{key}?fail=N&status=S`` S (default 500) for the first N requests, then the feed
``/ratelimit/{key}?after=S``    429 + ``Retry-After: S`` once, then the feed;
                                ``?date=S``: Retry-After as an HTTP-date S seconds ahead
``/slow-headers?delay=S``       waits S seconds before answering
``/slow-body?delay=S``          sends half the body, stalls S seconds, then the rest
``/reset/{key}?times=N``        first N requests: promises 10 000 bytes, sends 100, aborts
``/redirect/{n}``               302 chain: n -> n-1 -> ... -> 0, which is the feed
``/loop/a``, ``/loop/b``        a -> b -> a
``/redirect-to?url=U&code=C``   a single redirect to U (status C, default 302)
``/gzip.xml``, ``/deflate.xml``, ``/deflate-raw.xml``, ``/br.xml``  the feed, encoded
``/bomb.gz``                    1 GiB of zeros as gzip (~4.5 MB on the wire)
``/bomb.br``                    64 MiB of zeros as brotli (a few KB on the wire)
``/big?mib=N&length=1``         N MiB (default 50) streamed in 1 MiB chunks; chunked
                                unless length=1
``/login``                      an HTML login page served as application/rss+xml
``/html-as-feed-type``          a real RSS feed served as text/html
``/page.html``                  a UTF-8 HTML article page
``/image.png``                  PNG bytes (Content-Type image/png)
``/pdf-as-octet``               a PDF served as application/octet-stream
``/empty``                      200 with an empty body
``/charset/{name}``             Chinese pages: see ``CHARSET_PAGES``
``/doc/{path}``                 documents a test put there with ``server.put(path, ...)``,
                                with an ETag and 304 support; 404 for others;
                                ``?delay=S`` answers after S seconds; a path in
                                ``server.stalled`` answers once it is taken out
=============================== ===========================================================
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import functools
import gzip
import socket
import threading
import time
import zlib
from asyncio.selector_events import BaseSelectorEventLoop
from collections import Counter
from collections.abc import Iterator, Mapping

import brotli
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

FEED_ETAG = '"v1"'
FEED_LAST_MODIFIED = "Sat, 01 Jun 2024 08:00:00 GMT"
FEED = ("""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>联合早报 即时</title><link>https://example.com/</link>
<item><title>中国新闻</title><link>https://example.com/a/1</link><guid>1</guid>
<description>&lt;p&gt;联合早报 中国新闻&lt;/p&gt;</description></item>
</channel></rss>
""").encode()
PAGE = ("<!doctype html><html><head><meta charset=utf-8><title>文章</title></head>"
        "<body><article><div class=article-body><p>联合早报 中国新闻</p></div></article>"
        "</body></html>").encode()
LOGIN_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Sign in - Example News</title></head>"
              b"<body><form action=/login method=post><input name=user></form></body></html>")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"

SIMPLIFIED = "联合早报 中国新闻：朱镕基会见代表团，两岸关系与经济前景。"
TRADITIONAL = "聯合早報 國際新聞：兩岸關係、香港經濟與東南亞局勢。"


def _charset_page(meta: str, text: str, padding: int = 0) -> str:
    scripts = "<script>window.dataLayer = window.dataLayer || [];</script>\n" * padding
    return (f"<!doctype html><html><head><title>聯合早報</title>{scripts}{meta}</head>"
            f"<body><article><p>{text}</p></article></body></html>")


# name -> (body bytes, Content-Type header, the text a correct decoder must find)
CHARSET_PAGES: dict[str, tuple[bytes, str, str]] = {
    "gbk-labelled": (_charset_page("", SIMPLIFIED).encode("gbk"),
                     "text/html; charset=GBK", SIMPLIFIED),
    "gb2312-label-gbk-bytes": (_charset_page("", SIMPLIFIED).encode("gbk"),
                               "text/html; charset=gb2312", SIMPLIFIED),
    "gb18030-unlabelled": (_charset_page("", SIMPLIFIED * 8).encode("gb18030"),
                           "text/html", SIMPLIFIED),
    "big5-labelled": (_charset_page("", TRADITIONAL).encode("big5"),
                      "text/html; charset=big5", TRADITIONAL),
    "big5-unlabelled": (_charset_page("", TRADITIONAL * 8).encode("big5"),
                        "text/html", TRADITIONAL),
    "gbk-mislabelled-utf8": (_charset_page("", SIMPLIFIED * 8).encode("gbk"),
                             "text/html; charset=utf-8", SIMPLIFIED),
    "utf8-mislabelled-gbk": (_charset_page('<meta charset="gbk">', SIMPLIFIED).encode(),
                             "text/html; charset=gbk", SIMPLIFIED),
    "meta-after-1024": (_charset_page('<meta http-equiv="Content-Type" '
                                      'content="text/html; charset=gb2312">', SIMPLIFIED,
                                      padding=60).encode("gbk"), "text/html", SIMPLIFIED),
}


@functools.cache
def gzip_bomb() -> bytes:
    """1 GiB of zeros, gzip level 1: ~4.5 MB, built in ~1 s, once per process."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(4 * 1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(256)]
    return b"".join(parts) + compressor.flush()


@functools.cache
def brotli_bomb() -> bytes:
    return brotli.compress(bytes(64 * 1024 * 1024), quality=1)


class LoopbackServer:
    """aiohttp.web on 127.0.0.1:<free port>, running in a background thread."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.last_headers: dict[str, dict[str, str]] = {}
        self.request_times: dict[str, list[float]] = {}
        self.in_flight = 0
        self.max_in_flight = 0  # highest number of requests handled at once
        self.documents: dict[str, tuple[bytes, str]] = {}  # /doc/{path}: body, type
        self.stalled: set[str] = set()  # /doc/{path}s that wait, until taken out of it
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.port: int = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        self.base = f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return self.counts[path]

    def put(self, path: str, body: bytes | str,
            content_type: str = "application/rss+xml; charset=utf-8") -> str:
        """Serve ``body`` at ``/doc/<path>`` from now on; returns its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.documents[path] = (data, content_type)
        return self.url(f"/doc/{path}")

    def close(self) -> None:
        self.stalled.clear()  # stalled requests answer, so that the server can stop
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # -- plumbing --

    async def _start(self) -> int:
        app = web.Application(middlewares=[self._count])
        _add_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    @web.middleware
    async def _count(self, request: web.Request, handler):  # type: ignore[no-untyped-def]
        self.counts[request.path] += 1
        self.last_headers[request.path] = dict(request.headers)
        self.request_times.setdefault(request.path, []).append(time.monotonic())
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1


def _feed_response(request: web.Request, extra: dict[str, str] | None = None) -> web.Response:
    headers = {"ETag": FEED_ETAG, "Last-Modified": FEED_LAST_MODIFIED, **(extra or {})}
    if (request.headers.get("If-None-Match") == FEED_ETAG
            or request.headers.get("If-Modified-Since") == FEED_LAST_MODIFIED):
        return web.Response(status=304, headers=headers)
    return web.Response(body=FEED, headers=headers,
                        content_type="application/rss+xml", charset="utf-8")


def _encoded(body: bytes, encoding: str) -> web.Response:
    encoders = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress,
                "deflate-raw": lambda b: zlib.compress(b)[2:-4]}
    header = "deflate" if encoding == "deflate-raw" else encoding
    return web.Response(body=encoders[encoding](body), content_type="application/rss+xml",
                        headers={"Content-Encoding": header})


async def _stream(request: web.Request, chunks: Iterator[bytes], headers: dict[str, str],
                  length: int | None = None) -> web.StreamResponse:
    response = web.StreamResponse(headers=headers)
    if length is not None:
        response.content_length = length
    await response.prepare(request)
    try:
        for chunk in chunks:
            await response.write(chunk)
        await response.write_eof()
    except ConnectionError:
        pass  # the client gave up (body cap reached): expected, not a server error
    return response


def _add_routes(app: web.Application, server: LoopbackServer) -> None:
    routes = web.RouteTableDef()

    @routes.get("/feed.xml")
    async def feed(request: web.Request) -> web.StreamResponse:
        return _feed_response(request)

    @routes.get("/expires0.xml")
    async def expires0(request: web.Request) -> web.StreamResponse:
        return _feed_response(request, {"Expires": "0"})

    @routes.get("/echo")
    async def echo(request: web.Request) -> web.StreamResponse:
        return web.json_response(dict(request.headers))

    @routes.get("/status/{code}")
    async def status(request: web.Request) -> web.StreamResponse:
        return web.Response(status=int(request.match_info["code"]), text="status page")

    @routes.get("/flaky/{key}")
    async def flaky(request: web.Request) -> web.StreamResponse:
        if server.counts[request.path] <= int(request.query.get("fail", "1")):
            return web.Response(status=int(request.query.get("status", "500")), text="oops")
        return _feed_response(request)

    @routes.get("/ratelimit/{key}")
    async def ratelimit(request: web.Request) -> web.StreamResponse:
        if server.counts[request.path] > 1:
            return _feed_response(request)
        if "date" in request.query:
            when = time.time() + float(request.query["date"])
            value = email.utils.formatdate(when, usegmt=True)
        else:
            value = request.query.get("after", "1")
        return web.Response(status=429, text="slow down", headers={"Retry-After": value})

    @routes.get("/slow-headers")
    async def slow_headers(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(float(request.query.get("delay", "5")))
        return _feed_response(request)

    @routes.get("/slow-body")
    async def slow_body(request: web.Request) -> web.StreamResponse:
        half = len(FEED) // 2
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        response.content_length = len(FEED)
        await response.prepare(request)
        await response.write(FEED[:half])
        await asyncio.sleep(float(request.query.get("delay", "5")))
        try:
            await response.write(FEED[half:])
            await response.write_eof()
        except ConnectionError:
            pass  # the client timed out and left, as the test intends
        return response

    @routes.get("/reset/{key}")
    async def reset(request: web.Request) -> web.StreamResponse:
        if server.counts[request.path] > int(request.query.get("times", "1")):
            return _feed_response(request)
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        response.content_length = 10_000
        await response.prepare(request)
        await response.write(b"<" * 100)
        await asyncio.sleep(0.01)
        assert request.transport is not None
        request.transport.abort()  # RST: the client sees a reset mid-body
        return response

    @routes.get("/redirect/{n}")
    async def redirect(request: web.Request) -> web.StreamResponse:
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/redirect/{n - 1}" if n > 1 else "/feed.xml")

    @routes.get("/loop/{name}")
    async def loop(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/loop/b" if request.match_info["name"] == "a" else "/loop/a")

    @routes.get("/redirect-to")
    async def redirect_to(request: web.Request) -> web.StreamResponse:
        code = int(request.query.get("code", "302"))
        return web.Response(status=code, headers={"Location": request.query["url"]})

    @routes.get("/{name:(gzip|deflate|deflate-raw|br)}.xml")
    async def encoded(request: web.Request) -> web.StreamResponse:
        return _encoded(FEED, request.match_info["name"])

    @routes.get("/bomb.gz")
    async def bomb_gz(request: web.Request) -> web.StreamResponse:
        bomb = gzip_bomb()
        chunks = (bomb[i:i + 65536] for i in range(0, len(bomb), 65536))
        return await _stream(request, chunks, {"Content-Type": "application/rss+xml",
                                               "Content-Encoding": "gzip"}, len(bomb))

    @routes.get("/bomb.br")
    async def bomb_br(request: web.Request) -> web.StreamResponse:
        return web.Response(body=brotli_bomb(), content_type="application/rss+xml",
                            headers={"Content-Encoding": "br"})

    @routes.get("/big")
    async def big(request: web.Request) -> web.StreamResponse:
        mib = int(request.query.get("mib", "50"))
        chunk = b"x" * (1024 * 1024)
        length = mib * len(chunk) if request.query.get("length") == "1" else None
        return await _stream(request, (chunk for _ in range(mib)),
                             {"Content-Type": "application/octet-stream"}, length)

    @routes.get("/login")
    async def login(request: web.Request) -> web.StreamResponse:
        return web.Response(body=LOGIN_PAGE, content_type="application/rss+xml")

    @routes.get("/html-as-feed-type")
    async def html_as_feed_type(request: web.Request) -> web.StreamResponse:
        return web.Response(body=FEED, content_type="text/html")

    @routes.get("/page.html")
    async def page(request: web.Request) -> web.StreamResponse:
        return web.Response(body=PAGE, content_type="text/html", charset="utf-8")

    @routes.get("/image.png")
    async def image(request: web.Request) -> web.StreamResponse:
        return web.Response(body=PNG, content_type="image/png")

    @routes.get("/pdf-as-octet")
    async def pdf(request: web.Request) -> web.StreamResponse:
        return web.Response(body=PDF, content_type="application/octet-stream")

    @routes.get("/empty")
    async def empty(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"", content_type="application/rss+xml")

    @routes.get("/doc/{path:.*}")
    async def document(request: web.Request) -> web.StreamResponse:
        found = server.documents.get(request.match_info["path"])
        if found is None:
            return web.Response(status=404, text="not found")
        body, content_type = found
        while request.match_info["path"] in server.stalled:
            await asyncio.sleep(0.05)
        if "delay" in request.query:  # ?delay=S: answer after S seconds
            await asyncio.sleep(float(request.query["delay"]))
        etag = f'"{zlib.crc32(body):08x}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag, "Content-Type": content_type})

    @routes.get("/charset/{name}")
    async def charset(request: web.Request) -> web.StreamResponse:
        body, content_type, _ = CHARSET_PAGES[request.match_info["name"]]
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.add_routes(routes)


@pytest.fixture(scope="module")
def http_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    try:
        yield server
    finally:
        server.close()


# --- private networks: fake DNS answers and a trap for non-loopback connects ----------

class FakeResolver(AbstractResolver):
    """DNS answers from a table; made-up names only, nothing is looked up for real."""

    def __init__(self, answers: Mapping[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        return [{"hostname": host, "host": a, "port": port, "proto": 0,
                 "family": socket.AF_INET6 if ":" in a else socket.AF_INET,
                 "flags": socket.AI_NUMERICHOST} for a in self.answers[host.rstrip(".")]]

    async def close(self) -> None:
        pass


@pytest.fixture
def outbound_trap(monkeypatch) -> list[str]:
    """Make every connect to a non-loopback address fail inside this test.

    So even a broken guard cannot send a packet to 10.x or 169.254.169.254 from here.
    Returns the list of addresses something tried to connect to.
    """
    attempts: list[str] = []

    def check(address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not (host.startswith("127.") or host == "::1"):
            attempts.append(host)
            raise OSError(errno.ENETUNREACH, f"test trap: no connect to {host}")

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_sock_connect = BaseSelectorEventLoop.sock_connect

    def connect(self, address):  # type: ignore[no-untyped-def]
        check(address)
        return real_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        check(address)
        return real_connect_ex(self, address)

    async def sock_connect(self, sock, address):  # type: ignore[no-untyped-def]
        check(address)
        return await real_sock_connect(self, sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(BaseSelectorEventLoop, "sock_connect", sock_connect)
    return attempts
