"""For the crash tests (tests/test_crash.py): a news corpus on 127.0.0.1, the processes
of a run as /proc shows them, and worker initializers with one guard switched off.

The corpus: four sources on one loopback server. An RSS feed whose items carry their
full text, and an Atom feed, a JSON Feed and an RSS feed of teasers, whose 80 article
pages (no site rule for 127.0.0.1: the generic extractor, so a run starts the worker
pool) are served after a small random delay, so that kills land while pages are in
flight. Feeds answer conditional GETs (ETag), as real ones do.

Everything is made by a seeded RNG from the server's base URL: two corpora with the same
seed on the same server are the same bytes, so two runs against it give the same posts
(every item has a date: none depends on the run's clock).

The full-text feed keeps its images in the site (``images = "local"``): a third of its
items show a PNG (served with a delay, as pages are), two of them the same one.

Titles that collide on purpose (post file names get a suffix): two items of the Atom
feed share a title and a day, and an item of the JSON Feed and one of the teaser RSS
share another.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import threading
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

from aiohttp import web

SAME_SOURCE_TITLE = "同一天的同名新闻：两条不同的报道"
CROSS_SOURCE_TITLE = "Two sources, one headline on the same day"

_PHRASES = [
    "新加坡国会星期二通过修正法案", "反对党议员在辩论中提出多项质询", "政府表示将在明年第一季度公布实施细则",
    "经济学家认为通胀压力将在下半年缓解", "交通部宣布地铁新线路将提前通车", "卫生部呼吁公众接种加强剂",
    "教育部推出新的奖学金计划", "市场分析师预计利率维持不变", "环境局加强对工业排放的监管",
    "央行发布最新季度报告", "港口吞吐量创下历史新高", "科技公司在本地设立区域总部",
]
_WORDS = ("parliament budget debate minister economy transport harbour policy school "
          "election market report climate energy council housing health museum court").split()


def _chinese_paragraph(rng: random.Random) -> str:
    return "，".join(rng.choice(_PHRASES) for _ in range(rng.randint(4, 7))) + "。"


def _english_paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(3, 5)):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 14))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def _article_html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)} - 新闻网</title></head><body>"
        "<header><nav><a href='/'>首页</a> <a href='/world'>国际</a> <a href='/biz'>财经</a>"
        "</nav></header><main><article>"
        f"<h1>{escape(title)}</h1><div class='story'>{body}</div></article>"
        "<aside><h2>热门</h2><ul><li><a href='/x/1'>其他新闻一</a></li>"
        "<li><a href='/x/2'>其他新闻二</a></li></ul></aside></main>"
        "<footer>版权所有 &copy; 新闻网 2025</footer></body></html>"
    )


def _png(seed: int) -> bytes:
    """A small PNG of its own colour (a few hundred bytes), no imaging library needed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + (zlib.crc32(kind + data) & 0xFFFFFFFF).to_bytes(4, "big"))
    colour = bytes([seed * 37 % 256, seed * 91 % 256, seed * 53 % 256])
    rows = b"".join(b"\x00" + colour * 48 for _ in range(32))
    header = (48).to_bytes(4, "big") + (32).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


@dataclass
class Item:
    title: str
    link: str
    published: datetime
    content: str  # HTML: the full text, or a teaser


@dataclass
class Feed:
    name: str
    path: str
    kind: str  # rss, atom, json
    items: list[Item] = field(default_factory=list)


class Corpus:
    """The feeds and pages; ``documents`` maps a path to (body, content type)."""

    def __init__(self, base: str, seed: int = 11, pages: int = 80):
        self.base = base
        self.rng = rng = random.Random(seed)
        self.documents: dict[str, tuple[bytes, str]] = {}
        day = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
        full = Feed("早报全文", "/feeds/full.xml", "rss")
        for n in range(24):
            title = f"全文新闻第{n}号：{rng.choice(_PHRASES)}"
            paragraphs = [_chinese_paragraph(rng) for _ in range(3)]
            content = "".join(f"<p>{p}</p>" for p in paragraphs)
            if n % 3 == 0:  # items 0 and 3 show the same image
                image = f"{base}/images/{max(n, 3)}.png"
                self.documents[image.removeprefix(base)] = (_png(max(n, 3)), "image/png")
                content += (f'<figure><img src="{image}" alt="图{n}">'
                            f"<figcaption>图{n}</figcaption></figure>")
            full.items.append(Item(title, f"{base}/full/{n}.html", day + timedelta(hours=n),
                                   content))
        teasers = [Feed("Atom Teasers", "/feeds/teasers.atom", "atom"),
                   Feed("JSON 摘要", "/feeds/teasers.json", "json"),
                   Feed("RSS Teasers", "/feeds/teasers.xml", "rss")]
        shares = [pages * 2 // 5, pages * 2 // 5]
        shares.append(pages - sum(shares))
        for feed, count in zip(teasers, shares, strict=True):
            for n in range(count):
                english = n % 3 == 0
                title = (f"{feed.name} story {n}: {rng.choice(_WORDS)} {rng.choice(_WORDS)}"
                         if english else f"{feed.name} 第{n}篇：{rng.choice(_PHRASES)}")
                when = day + timedelta(days=1 + n // 8, minutes=37 * n)
                paragraphs = [(_english_paragraph if english else _chinese_paragraph)(rng)
                              for _ in range(rng.randint(4, 7))]
                link = f"{base}/{feed.kind}/story-{n}.html"
                self._put(link, _article_html(title, paragraphs), "text/html; charset=utf-8")
                feed.items.append(Item(title, link, when, f"<p>{escape(paragraphs[0][:30])}…</p>"))
        # titles that collide: same source and day, then across two sources
        atom, jsonfeed, rss = teasers
        noon = day + timedelta(days=5, hours=3)
        for item, minutes in ((atom.items[3], 0), (atom.items[4], 30)):
            item.title, item.published = SAME_SOURCE_TITLE, noon + timedelta(minutes=minutes)
        for item, minutes in ((jsonfeed.items[5], 0), (rss.items[6], 45)):
            item.title, item.published = CROSS_SOURCE_TITLE, noon + timedelta(minutes=minutes)
        self.feeds = [full, *teasers]
        for feed in self.feeds:
            render = {"rss": _rss, "atom": _atom, "json": _json_feed}[feed.kind]
            kind = {"rss": "application/rss+xml", "atom": "application/atom+xml",
                    "json": "application/feed+json"}[feed.kind]
            self._put(base + feed.path, render(feed, base), f"{kind}; charset=utf-8")

    def _put(self, url: str, text: str, content_type: str) -> None:
        self.documents[url.removeprefix(self.base)] = (text.encode("utf-8"), content_type)

    @property
    def article_urls(self) -> list[str]:
        return [item.link for feed in self.feeds for item in feed.items]

    @property
    def page_count(self) -> int:
        return sum(1 for _, kind in self.documents.values() if kind.startswith("text/html"))

    def config(self, **site: object) -> str:
        """newsmirror.toml for a site mirroring the corpus."""
        settings = {"timezone": "Asia/Shanghai", "retries": 1, "timeout": 20.0,
                    "per_host_connections": 8, "max_connections": 16, **site}
        lines = ["[site]", *(f"{k} = {json.dumps(v)}" for k, v in settings.items()), ""]
        for feed in self.feeds:
            lines += ["[[sources]]", f"name = {json.dumps(feed.name, ensure_ascii=False)}",
                      f'url = "{self.base}{feed.path}"']
            lines += ['images = "local"', ""] if feed.kind == "rss" and feed is self.feeds[0] else [""]
        return "\n".join(lines)


def _rss(feed: Feed, base: str) -> str:
    items = "".join(
        f"<item><title>{escape(i.title)}</title><link>{i.link}</link><guid>{i.link}</guid>"
        f"<pubDate>{i.published:%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
        f"<description><![CDATA[{i.content}]]></description></item>"
        for i in feed.items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(feed.name)}</title><link>{base}/</link>{items}</channel></rss>")


def _atom(feed: Feed, base: str) -> str:
    entries = "".join(
        f"<entry><title>{escape(i.title)}</title><link href='{i.link}'/><id>{i.link}</id>"
        f"<updated>{i.published:%Y-%m-%dT%H:%M:%SZ}</updated>"
        f"<summary type='html'>{escape(i.content)}</summary></entry>"
        for i in feed.items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(feed.name)}</title><id>{base}/atom</id>"
            f"<updated>2025-03-10T00:00:00Z</updated>{entries}</feed>")


def _json_feed(feed: Feed, base: str) -> str:
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": feed.name,
        "home_page_url": f"{base}/",
        "items": [{"id": i.link, "url": i.link, "title": i.title,
                   "date_published": f"{i.published:%Y-%m-%dT%H:%M:%SZ}",
                   "content_html": i.content} for i in feed.items],
    }, ensure_ascii=False)


class CorpusServer:
    """aiohttp on 127.0.0.1 in a daemon thread, serving a corpus set with ``serve``.

    Pages wait a random 0..``max_delay`` seconds before they are answered; feeds answer
    at once, with an ETag (304 when it matches).
    """

    def __init__(self, max_delay: float = 0.02):
        self.max_delay = max_delay
        self.corpus: Corpus | None = None
        self.requests = 0
        self._rng = random.Random(5)  # delays only: no effect on any byte served
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._runner: web.AppRunner | None = None
        port = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        self.base = f"http://127.0.0.1:{port}"

    def serve(self, corpus: Corpus) -> Corpus:
        self.corpus = corpus
        return corpus

    def close(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_get("/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        found = self.corpus.documents.get(request.path) if self.corpus else None
        if found is None:
            return web.Response(status=404, text="not found")
        body, content_type = found
        if content_type.startswith(("text/html", "image/")):
            await asyncio.sleep(self._rng.uniform(0, self.max_delay))
            return web.Response(body=body, headers={"Content-Type": content_type})
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"Content-Type": content_type, "ETag": etag})


# -- processes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    pid: int
    start: int  # clock ticks after boot: with the pid, one process (pids are reused)
    cmdline: str


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state is [0]); None when the
    process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _proc(pid: int, fields: list[str]) -> Proc:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        cmdline = "?"
    return Proc(pid, int(fields[19]), cmdline)


def session(sid: int) -> list[Proc]:
    """The live processes of session ``sid`` (a process started with
    ``start_new_session=True`` leads one; its children, workers included, inherit it).
    Zombies are dead: only their exit status waits for a reaper."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat(name)
            # state [0], ppid [1], pgrp [2], session [3]
            if fields and fields[0] not in "ZX" and int(fields[3]) == sid:
                found.append(_proc(int(name), fields))
    return found


def alive(proc: Proc) -> bool:
    fields = _stat(proc.pid)
    return fields is not None and fields[0] not in "ZX" and int(fields[19]) == proc.start


# -- workers with one of their two guards off (test_crash: each guard alone suffices) -----


def init_worker_signal_only(rules: tuple, parent: int) -> None:
    from newsmirror.pipeline import _pool

    _pool._watch_parent = lambda parent: None
    _pool._init_worker(rules, parent)


def init_worker_poll_only(rules: tuple, parent: int) -> None:
    from newsmirror.pipeline import _pool

    _pool._set_parent_death_signal = lambda: False
    _pool._init_worker(rules, parent)
