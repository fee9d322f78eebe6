"""Many news sites on loopback addresses, one process: feeds and articles for H hosts,
each its own address 127.0.0.2 ... 127.0.0.(H+1), with per-host connection counts.

Run::

    python bench/hosts_server.py --hosts 20 --feeds 2000 --items 3 --page-every 4

It prints one JSON line on stdout (``{"port": P, "control": "http://127.0.0.1:P",
"hosts": ["127.0.0.2", ...]}``), then serves until killed (with ``--exit-on-stdin-eof``,
also when its stdin closes: ``serve_hosts`` uses that, so a parent that dies takes it
along). From Python: ``with serve_hosts(feeds=2000, hosts=20) as server: ...``.
``--load 16`` measures the server instead (a client of 16 loops in this process, each GET
on a new connection): requests/s, and the server's CPU seconds per request.

One listening socket per address, all on the same port: the corpus hosts, and 127.0.0.1
for control (never 0.0.0.0). Every response carries ``Connection: close`` and the server
closes the connection after it, so on a corpus host the number of open connections is
the number of requests in flight. For each host the server keeps, at every moment, the
connections open on it, by the address they came in on: a connection counts from its
accept until its whole response is in the kernel's hands (an interval inside the
client's own, from its connect until it has read the response); ``max_active`` is the
most there ever were at once. (``max_open`` counts until the socket is closed, a loop
turn later.)

Feed ``f`` (0..feeds-1) lives on host ``f % hosts`` (``--layout spread``) or on host
``f * hosts // feeds`` (``--layout blocks``: neighbouring feeds share a host, so workers
taking sources in order meet on one host). URL layout on a corpus host:

=============================== ============================================================
``/feeds/{f}.xml``              RSS 2.0, ``items`` items, newest first. An item's whole
                                text is in the feed (3 to 5 paragraphs of Chinese), except
                                every ``page_every``-th item (counting over all items of all
                                feeds; 0: none), which has a one-line teaser ending in "……"
                                so that a client fetches its page
``/articles/{f}/{i}.html``      the article page (``<article><h1>..<div class="article-body">``)
=============================== ============================================================

A feed on any other host, a feed index out of range, any other path: 404. Feeds and pages
have ``ETag: "<seed>-<version>-<path>"`` and a fixed ``Last-Modified``; a matching
``If-None-Match`` (or, without one, ``If-Modified-Since``) gets a bodyless 304.
``--delay S`` holds every corpus response S seconds (a slow site: requests overlap).

On the control address (127.0.0.1, not counted):

* ``/stats``: JSON: ``requests``, ``status`` (by code), ``bytes``, per host ``hosts``
  (``{"127.0.0.2": {"requests", "feeds", "pages", "active", "max_active", "open",
  "max_open"}}``), ``max_active`` (the largest over hosts), ``feed_requests`` (a list:
  requests per feed), ``page_requests`` (total), ``uptime``, ``cpu`` (the process's CPU seconds); ``/stats?reset=1`` returns
  them and sets every counter and maximum to 0.
* ``/truth``: JSON: the feeds' URLs (``feeds``) and every item (``items``: feed, item,
  link, guid, title, page: whether it is teaser-only). :func:`truth` computes the same
  without a server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_server import exit_when_stdin_closes, stop_server  # noqa: E402

LAST_MODIFIED = "Sat, 01 Jun 2024 00:00:00 GMT"
EPOCH = datetime(2024, 6, 1, tzinfo=UTC)
WORDS = ("新聞 國際 經濟 政府 會議 發展 合作 香港 新加坡 市場 投資 企業 科技 教育 醫療 交通 房屋 "
         "選舉 政策 改革 安全 貿易 氣候 能源 環境 文化 體育 電影 音樂 社會 人口 就業 工資 物價 "
         "銀行 股市 消費 旅遊 航空 創新 研究 大學 專家 分析 報告 數據 調查 記者 社區 計劃").split()
PUNCT = "，，，。、；"


def _digest(*key: object) -> int:
    return int.from_bytes(hashlib.blake2b(repr(key).encode(), digest_size=8).digest(), "big")


def _paragraph(n: int) -> str:
    rng = random.Random(n)
    out = []
    for k in range(rng.randint(20, 40)):
        out.append(rng.choice(WORDS))
        if k % 5 == 4:
            out.append(rng.choice(PUNCT))
    return "".join(out).rstrip("，、；。") + "。"


@dataclass(frozen=True)
class Item:
    feed: int
    item: int
    link: str
    guid: str
    title: str
    page: bool  # teaser in the feed: the text is on the article page


class Layout:
    """Which host each feed lives on, and what each item is: pure functions of the args."""

    def __init__(self, feeds: int, hosts: int, items: int, page_every: int, seed: int,
                 port: int, layout: str = "spread", first: int = 2) -> None:
        if not 1 <= hosts <= 250 or first + hosts > 255:
            raise ValueError("hosts: 1..250 addresses from 127.0.0.2")
        self.feeds, self.hosts, self.items = feeds, hosts, items
        self.page_every, self.seed, self.port, self.layout = page_every, seed, port, layout
        self.addresses = [f"127.0.0.{first + h}" for h in range(hosts)]

    def host_of(self, f: int) -> int:
        if self.layout == "blocks":
            return f * self.hosts // self.feeds
        return f % self.hosts

    def base(self, f: int) -> str:
        return f"http://{self.addresses[self.host_of(f)]}:{self.port}"

    def feed_url(self, f: int) -> str:
        return f"{self.base(f)}/feeds/{f}.xml"

    def link(self, f: int, i: int) -> str:
        return f"{self.base(f)}/articles/{f}/{i}.html"

    def is_page(self, f: int, i: int) -> bool:
        return self.page_every > 0 and (f * self.items + i) % self.page_every == 0

    def title(self, f: int, i: int) -> str:
        n = _digest(self.seed, "title", f, i)
        return f"{WORDS[n % len(WORDS)]}{WORDS[(n >> 8) % len(WORDS)]} 第{f}站 第{i}則"

    def paragraphs(self, f: int, i: int) -> list[str]:
        n = _digest(self.seed, "body", f, i)
        return [f"{_paragraph(n + k)}（{f}-{i}-{k}）" for k in range(3 + n % 3)]

    def item(self, f: int, i: int) -> Item:
        return Item(f, i, self.link(f, i), f"hs-{self.seed}-{f}-{i}", self.title(f, i),
                    self.is_page(f, i))

    def feed_xml(self, f: int) -> bytes:
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
               f"<title>站 {f}</title><link>{self.base(f)}/</link>"
               "<description>即時新聞</description><language>zh-hant</language>"]
        for i in range(self.items):
            it = self.item(f, i)
            if it.page:
                body = f"<p>{escape(self.paragraphs(f, i)[0][:30])}……</p>"
            else:
                body = "".join(f"<p>{escape(p)}</p>" for p in self.paragraphs(f, i))
            when = format_datetime(EPOCH - timedelta(minutes=17 * i + f % 60), usegmt=True)
            out.append(f"<item><title>{escape(it.title)}</title><link>{it.link}</link>"
                       f'<guid isPermaLink="false">{it.guid}</guid><pubDate>{when}</pubDate>'
                       f"<description><![CDATA[{body}]]></description></item>")
        out.append("</channel></rss>\n")
        return "".join(out).encode()

    def page_html(self, f: int, i: int) -> bytes:
        it = self.item(f, i)
        body = "".join(f"<p>{escape(p)}</p>" for p in self.paragraphs(f, i))
        return (f'<!DOCTYPE html><html lang="zh-Hant"><head><meta charset="utf-8">'
                f"<title>{escape(it.title)}</title></head><body>"
                f'<nav><a href="/">首頁</a></nav><article><h1>{escape(it.title)}</h1>'
                f'<div class="article-body">{body}</div></article>'
                f"<footer>© 站 {f}</footer></body></html>").encode()

    def all_items(self) -> list[Item]:
        return [self.item(f, i) for f in range(self.feeds) for i in range(self.items)]


def truth(feeds: int, hosts: int, items: int, page_every: int, seed: int, port: int,
          layout: str = "spread") -> list[Item]:
    """Every item the server at ``port`` with these arguments serves."""
    return Layout(feeds, hosts, items, page_every, seed, port, layout).all_items()


# -- the server --


class _HostStats:
    __slots__ = ("requests", "feeds", "pages", "active", "max_active", "open", "max_open")

    def __init__(self) -> None:
        self.requests = self.feeds = self.pages = 0
        self.active = self.max_active = self.open = self.max_open = 0

    def reset(self) -> None:
        self.requests = self.feeds = self.pages = 0
        self.max_active, self.max_open = self.active, self.open


class HostsServer:
    def __init__(self, layout: Layout, version: int, delay: float) -> None:
        self.layout, self.version, self.delay = layout, version, delay
        self.by_address = {a: h for h, a in enumerate(layout.addresses)}
        self.hosts = [_HostStats() for _ in layout.addresses]
        self.cache: dict[str, bytes] = {}
        self.started = time.monotonic()
        self._reset_counters()

    def _reset_counters(self) -> None:
        self.requests, self.bytes = 0, 0
        self.status: dict[int, int] = {}
        self.feed_requests = [0] * self.layout.feeds
        self.page_requests = 0

    def stats(self, reset: bool = False) -> dict[str, Any]:
        data = {"requests": self.requests, "bytes": self.bytes,
                "status": {str(k): v for k, v in sorted(self.status.items())},
                "hosts": {a: {k: getattr(s, k) for k in _HostStats.__slots__}
                          for a, s in zip(self.layout.addresses, self.hosts, strict=True)},
                "max_active": max(s.max_active for s in self.hosts),
                "max_open": max(s.max_open for s in self.hosts),
                "feed_requests": self.feed_requests, "page_requests": self.page_requests,
                "uptime": round(time.monotonic() - self.started, 3),
                "cpu": round(time.process_time(), 3)}
        if reset:
            self._reset_counters()
            for s in self.hosts:
                s.reset()
        return data

    def control(self, target: str) -> tuple[int, str, bytes]:
        path, _, query = target.partition("?")
        if path == "/stats":
            body = self.stats(reset="reset=1" in query)
        elif path == "/truth":
            lay = self.layout
            body = {"feeds": [lay.feed_url(f) for f in range(lay.feeds)],
                    "items": [asdict(it) for it in lay.all_items()]}
        else:
            return 404, "text/plain", b"not found\n"
        return 200, "application/json", json.dumps(body, ensure_ascii=False).encode()

    def corpus(self, h: int, target: str, headers: dict[str, str]
               ) -> tuple[int, str, bytes, dict[str, str]]:
        path = target.partition("?")[0]
        parts = path.strip("/").split("/")
        lay, stats = self.layout, self.hosts[h]
        try:
            if len(parts) == 2 and parts[0] == "feeds" and parts[1].endswith(".xml"):
                f, i = int(parts[1][:-4]), -1
            elif len(parts) == 3 and parts[0] == "articles" and parts[2].endswith(".html"):
                f, i = int(parts[1]), int(parts[2][:-5])
            else:
                raise ValueError
            if not (0 <= f < lay.feeds and lay.host_of(f) == h and -1 <= i < lay.items):
                raise ValueError
        except ValueError:
            return 404, "text/plain", b"not found\n", {}
        if i < 0:
            self.feed_requests[f] += 1
            stats.feeds += 1
        else:
            self.page_requests += 1
            stats.pages += 1
        etag = f'"{lay.seed}-{self.version}-{path}"'
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        inm = headers.get("if-none-match")
        if (etag in (t.strip() for t in inm.split(","))) if inm is not None else (
                headers.get("if-modified-since") == LAST_MODIFIED):
            return 304, "", b"", validators
        body = self.cache.get(path)
        if body is None:
            body = lay.feed_xml(f) if i < 0 else lay.page_html(f, i)
            self.cache[path] = body
        kind = "application/rss+xml; charset=utf-8" if i < 0 else "text/html; charset=utf-8"
        return 200, kind, body, validators


_REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
            405: "Method Not Allowed"}


class _Connection(asyncio.Protocol):
    """One request, one response, then close (``Connection: close``)."""

    def __init__(self, server: HostsServer, address: str) -> None:
        self.server, self.address = server, address
        self.host = server.by_address.get(address)  # None: the control address
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.active = False
        self.answered = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.host is not None:
            s = self.server.hosts[self.host]
            s.active += 1
            s.open += 1
            s.max_active = max(s.max_active, s.active)
            s.max_open = max(s.max_open, s.open)
            self.active = True

    def _end_active(self) -> None:
        if self.active:
            self.active = False
            self.server.hosts[self.host].active -= 1  # type: ignore[index]

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_active()
        if self.host is not None:
            self.server.hosts[self.host].open -= 1

    def data_received(self, data: bytes) -> None:
        if self.answered:
            return
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > 65536:
                self._respond(400, "text/plain", b"bad request\n", {})
            return
        self.answered = True
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        method, _, rest = lines[0].partition(" ")
        target = rest.rpartition(" ")[0] or rest
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        server = self.server
        if method not in ("GET", "HEAD"):
            reply: tuple[int, str, bytes, dict[str, str]] = (405, "text/plain", b"", {})
        elif self.host is None:
            reply = (*server.control(target), {})
        else:
            server.hosts[self.host].requests += 1
            reply = server.corpus(self.host, target, headers)
        if method == "HEAD":
            reply = (reply[0], reply[1], b"", reply[3])
        if self.host is not None and server.delay > 0:
            asyncio.get_running_loop().call_later(server.delay, self._respond, *reply)
        else:
            self._respond(*reply)

    def _respond(self, status: int, kind: str, body: bytes, extra: dict[str, str]) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            self._end_active()
            return
        server = self.server
        if self.host is not None:
            server.requests += 1
            server.bytes += len(body)
            server.status[status] = server.status.get(status, 0) + 1
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}", "Connection: close",
                f"Content-Length: {len(body)}"]
        if kind:
            head.append(f"Content-Type: {kind}")
        head.extend(f"{k}: {v}" for k, v in extra.items())
        transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        if transport.get_write_buffer_size() == 0:
            self._end_active()  # all in the kernel: the client may have it already
        transport.close()  # the rest (if any) is flushed first; connection_lost ends it


async def _serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    layout = Layout(args.feeds, args.hosts, args.items, args.page_every, args.seed, 0,
                    args.layout)
    server = HostsServer(layout, args.version, args.delay)
    addresses = ["127.0.0.1", *layout.addresses]
    for attempt in range(20):
        servers: list[asyncio.Server] = []
        port = args.port
        try:
            for address in addresses:
                srv = await loop.create_server(
                    lambda a=address: _Connection(server, a),  # type: ignore[misc]
                    host=address, port=port, backlog=4096, reuse_address=True)
                servers.append(srv)
                port = srv.sockets[0].getsockname()[1]
            break
        except OSError:
            for srv in servers:
                srv.close()
            if args.port or attempt == 19:
                raise
    layout.port = port
    print(json.dumps({"port": port, "control": f"http://127.0.0.1:{port}",
                      "hosts": layout.addresses}), flush=True)
    await asyncio.Event().wait()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--hosts", type=int, default=20, help="loopback addresses from 127.0.0.2")
    p.add_argument("--feeds", type=int, default=2000)
    p.add_argument("--items", type=int, default=3, help="items per feed")
    p.add_argument("--page-every", type=int, default=4,
                   help="every Nth item is a teaser with an article page (0: none)")
    p.add_argument("--layout", choices=("spread", "blocks"), default="spread")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--version", type=int, default=1, help="changes every ETag")
    p.add_argument("--delay", type=float, default=0.0, help="seconds each response waits")
    p.add_argument("--port", type=int, default=0, help="0: any port free on every address")
    p.add_argument("--exit-on-stdin-eof", action="store_true")
    p.add_argument("--load", type=int, default=0, metavar="CLIENTS",
                   help="measure instead: start a server, hammer it with CLIENTS loops of "
                        "new-connection GETs, print requests/s and its CPU per request")
    p.add_argument("--load-seconds", type=float, default=5.0)
    return p


async def _load(handle: Handle, clients: int, seconds: float) -> dict[str, float]:
    """``clients`` loops, each GETting feeds round the hosts over new connections (as a
    worker does), for ``seconds``; requests/s seen by the clients, and the server's CPU
    seconds per request over the same time."""
    counts = [0, 0]

    async def client(n: int, stop: float) -> None:
        f = n
        while time.monotonic() < stop:
            f = (f + 7) % handle.layout.feeds
            address = handle.layout.addresses[handle.layout.host_of(f)]
            reader, writer = await asyncio.open_connection(address, handle.port)
            writer.write(f"GET /feeds/{f}.xml HTTP/1.1\r\nHost: {address}\r\n\r\n".encode())
            counts[1] += len(await reader.read())
            writer.close()
            counts[0] += 1

    await asyncio.gather(*(client(n, time.monotonic() + 1) for n in range(clients)))  # warm
    before = handle.stats(reset=True)
    counts[:] = [0, 0]
    t = time.monotonic()
    await asyncio.gather(*(client(n, t + seconds) for n in range(clients)))
    wall = time.monotonic() - t
    after = handle.stats()
    cpu = after["cpu"] - before["cpu"]
    return {"requests": counts[0], "wall": wall, "client_rps": counts[0] / wall,
            "server_cpu": cpu, "server_rps_per_cpu_s": after["requests"] / cpu if cpu else 0,
            "max_active": after["max_active"]}


def main() -> None:
    args = parser().parse_args()
    if args.load:
        with serve_hosts(feeds=args.feeds, hosts=args.hosts, items=args.items,
                         page_every=args.page_every, layout=args.layout) as handle:
            result = asyncio.run(_load(handle, args.load, args.load_seconds))
        print(json.dumps({k: round(v, 4) for k, v in result.items()}))
        return
    if args.exit_on_stdin_eof:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


# -- the client side --


class Handle:
    """A running server: its port, addresses, and the same :class:`Layout`."""

    def __init__(self, info: dict[str, Any], layout: Layout,
                 proc: subprocess.Popen[str]) -> None:
        self.port: int = info["port"]
        self.control: str = info["control"]
        self.addresses: list[str] = info["hosts"]
        self.layout = layout
        self.proc = proc

    def stats(self, reset: bool = False) -> dict[str, Any]:
        url = self.control + ("/stats?reset=1" if reset else "/stats")
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())  # type: ignore[no-any-return]

    def feed_url(self, f: int) -> str:
        return self.layout.feed_url(f)

    def items(self) -> list[Item]:
        return self.layout.all_items()


@contextlib.contextmanager
def serve_hosts(feeds: int = 2000, hosts: int = 20, items: int = 3, page_every: int = 4,
                layout: str = "spread", seed: int = 1, version: int = 1,
                delay: float = 0.0) -> Iterator[Handle]:
    """Start the server in a child process; yield a :class:`Handle`; stop it afterwards."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--feeds", str(feeds),
           "--hosts", str(hosts), "--items", str(items), "--page-every", str(page_every),
           "--layout", layout, "--seed", str(seed), "--version", str(version),
           "--delay", str(delay), "--exit-on-stdin-eof"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        try:
            info = json.loads(line)
        except ValueError:
            raise RuntimeError(f"hosts server did not start (exit code {proc.poll()}): "
                               f"{line!r}") from None
        yield Handle(info, Layout(feeds, hosts, items, page_every, seed, info["port"], layout),
                     proc)
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
