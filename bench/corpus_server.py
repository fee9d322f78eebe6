"""Serve the synthetic corpus (bench/corpus_gen.py) over HTTP on 127.0.0.1, in its own process.

Run::

    python bench/corpus_server.py --feeds 200 --items 50 --seed 1 --port 0

It prints its base URL (``http://127.0.0.1:PORT``) as the first line on stdout, then
serves until killed (with ``--exit-on-stdin-eof``, also when its stdin closes, so that a
parent that dies takes it along; ``serve_corpus`` uses that).

URL layout (``f`` in 0..feeds-1, ``i`` in 0..items-1):

=============================== ============================================================
``/feeds/{f}.xml``              RSS 2.0 feed of site ``f`` (``application/rss+xml``)
``/articles/{f}/{i}.html``      the article page of item ``i`` of feed ``f`` (``text/html``)
``/manifest.json``              feeds, items, seed, base and, per site, the feed URL and the
                                CSS rule of its article container; ``?truth=1`` adds the
                                per-item truth (title, link, guid, date, paragraphs, image)
``/stats``                      JSON counters: requests, 200s, 304s, bytes sent
=============================== ============================================================

Every document has ``ETag: "<seed>-<version>-<path>"`` and a fixed ``Last-Modified``;
``If-None-Match`` (or, without it, a matching ``If-Modified-Since``) gets a bodyless 304
without building the document. ``--version N`` changes every ETag (a "site changed" run).
Links inside documents use the Host the request came in with, so a client may reach the
server under made-up host names (resolved to 127.0.0.1 by its own resolver) to get
several "sites" on one server.

Documents are built on demand (~0.3 ms per page) and kept in an in-memory cache of
``--cache-mb`` (default 512); benchmarks should do one warm-up pass so that they measure
the client, not the generator.

From Python: ``with serve_corpus(feeds=200, items=50) as base: ...`` starts the server
process and stops it afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_gen import Corpus  # noqa: E402

LAST_MODIFIED = "Sat, 01 Jun 2024 00:00:00 GMT"


class CorpusApp:
    def __init__(self, feeds: int, items: int, seed: int, version: int, cache_mb: int) -> None:
        self.feeds, self.items, self.seed, self.version = feeds, items, seed, version
        self._corpora: dict[str, Corpus] = {}  # one per Host: links carry the host
        self._cache: dict[str, bytes] = {}
        self._cache_left = cache_mb * 1024 * 1024
        self.stats = {"requests": 0, "200": 0, "304": 0, "bytes": 0}

    def corpus(self, request: web.Request) -> Corpus:
        base = f"http://{request.host}"
        if base not in self._corpora:
            self._corpora[base] = Corpus(self.feeds, self.items, self.seed, base)
        return self._corpora[base]

    def etag(self, path: str) -> str:
        return f'"{self.seed}-{self.version}-{path}"'

    def _not_modified(self, request: web.Request, etag: str) -> bool:
        inm = request.headers.get("If-None-Match")
        if inm is not None:
            return etag in (t.strip() for t in inm.split(","))
        return request.headers.get("If-Modified-Since") == LAST_MODIFIED

    def _document(self, request: web.Request, build, content_type: str) -> web.Response:  # type: ignore[no-untyped-def]
        self.stats["requests"] += 1
        etag = self.etag(request.path)
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if self._not_modified(request, etag):
            self.stats["304"] += 1
            return web.Response(status=304, headers=headers)
        key = request.host + request.path
        body = self._cache.get(key)
        if body is None:
            body = build(self.corpus(request))
            if len(body) <= self._cache_left:
                self._cache[key] = body
                self._cache_left -= len(body)
        self.stats["200"] += 1
        self.stats["bytes"] += len(body)
        headers["Content-Type"] = content_type
        return web.Response(body=body, headers=headers)

    def _index(self, request: web.Request, name: str, limit: int) -> int:
        try:
            value = int(request.match_info[name])
        except ValueError:
            raise web.HTTPNotFound() from None
        if not 0 <= value < limit:
            raise web.HTTPNotFound()
        return value

    async def feed(self, request: web.Request) -> web.Response:
        f = self._index(request, "f", self.feeds)
        return self._document(request, lambda c: c.feed_xml(f),
                              "application/rss+xml; charset=utf-8")

    async def page(self, request: web.Request) -> web.Response:
        f, i = self._index(request, "f", self.feeds), self._index(request, "i", self.items)
        return self._document(request, lambda c: c.page_html(f, i), "text/html; charset=utf-8")

    async def manifest(self, request: web.Request) -> web.Response:
        corpus = self.corpus(request)
        data = corpus.manifest()
        if request.query.get("truth"):
            data["truth"] = [corpus.truth(f, i).__dict__
                             for f in range(self.feeds) for i in range(self.items)]
        return web.json_response(data, dumps=lambda d: json.dumps(d, ensure_ascii=False))

    async def stats_view(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/feeds/{f}.xml", self.feed)
        app.router.add_get("/articles/{f}/{i}.html", self.page)
        app.router.add_get("/manifest.json", self.manifest)
        app.router.add_get("/stats", self.stats_view)
        return app


def exit_when_stdin_closes() -> None:
    """(a thread's target) End this server when its parent closes our stdin, or dies."""
    sys.stdin.read()
    import os
    os._exit(0)


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server started as a child process: politely, then for good."""
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def _serve(args: argparse.Namespace) -> None:
    import asyncio
    corpus_app = CorpusApp(args.feeds, args.items, args.seed, args.version, args.cache_mb)
    runner = web.AppRunner(corpus_app.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the synthetic corpus on 127.0.0.1")
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--version", type=int, default=1, help="changes every ETag")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--cache-mb", type=int, default=512)
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="stop when stdin closes (used by serve_corpus)")
    args = parser.parse_args()
    if args.exit_on_stdin_eof:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    try:
        import uvloop  # optional: the server should not be the bottleneck
        uvloop.run(_serve(args))
    except ImportError:
        import asyncio
        asyncio.run(_serve(args))


@contextlib.contextmanager
def serve_corpus(feeds: int = 200, items: int = 50, seed: int = 1, version: int = 1,
                 cache_mb: int = 512) -> Iterator[str]:
    """Start the server in a child process; yield its base URL; stop it afterwards."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--feeds", str(feeds),
           "--items", str(items), "--seed", str(seed), "--version", str(version),
           "--cache-mb", str(cache_mb), "--exit-on-stdin-eof"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        if not base.startswith("http://"):
            raise RuntimeError(f"corpus server did not start (exit code {proc.poll()})")
        yield base
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
