"""Benchmark newsmirror.fetch against the corpus server (a separate process on 127.0.0.1).

    python bench/bench_fetch.py [--feeds 1000] [--pages 2000] [--repeats 3] [--sites 50]

Prints, each as the median of ``--repeats`` runs with a fresh Fetcher per run:

1. re-checking ``--feeds`` feeds that all answer 304 (stored ETags): total seconds
   (goal: < 3 s for 1,000 feeds) and URLs/s;
2. raw page throughput: ``--pages`` article pages (~40 KB each, fully read) in req/s,
   MB/s and client CPU µs per request;
3. peak RSS of this (client) process.

Each is run at the default FetchSettings limits two ways: every URL on one host
(127.0.0.1, so the per-host limit of 2 connections is what binds) and spread over
``--sites`` made-up host names that a resolver maps to 127.0.0.1 (so the global limit of
32 binds, as with many real sites). A warm-up pass fills the server's cache first, so the
figures measure the client. This is a script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import socket
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_server import serve_corpus  # noqa: E402
from newsmirror.fetch import Fetcher, FetchSettings, Validators  # noqa: E402

VHOST_SUFFIX = ".corpus.test"


class LoopbackResolver(AbstractResolver):
    """Every ``*.corpus.test`` name is 127.0.0.1: many "sites", one local server."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if not host.rstrip(".").endswith(VHOST_SUFFIX):
            raise OSError(f"{host}: not a benchmark host")
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        pass


@dataclass
class Run:
    seconds: float
    requests: int
    bytes: int
    cpu: float  # client CPU seconds (user + system) of this process
    statuses: dict[int, int]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def spread(urls: list[str], sites: int) -> list[str]:
    """Rewrite URLs onto ``sites`` host names (s0.corpus.test ...), round-robin."""
    out = []
    for n, url in enumerate(urls):
        parts = urlsplit(url)
        out.append(parts._replace(netloc=f"s{n % sites}{VHOST_SUFFIX}:{parts.port}").geturl())
    return out


async def fetch_all(urls: list[str], settings: FetchSettings,
                    validators: dict[str, Validators] | None = None,
                    keep: dict[str, Validators] | None = None) -> Run:
    """Fetch every URL at once (the Fetcher's limits do the queueing)."""
    statuses: dict[int, int] = {}
    total = 0
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    async with Fetcher(settings, resolver=LoopbackResolver()) as fetcher:
        async def one(url: str) -> None:
            nonlocal total
            # each URL fetched as its own source's (the corpus is on loopback)
            response = await fetcher.get(url, validators=(validators or {}).get(url), trusted=url)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            total += len(response.body)
            if keep is not None and response.validators:
                keep[url] = response.validators
        await asyncio.gather(*(one(u) for u in urls))
    return Run(time.perf_counter() - t0, len(urls), total, cpu_seconds() - cpu0, statuses)


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def report(label: str, runs: list[Run]) -> None:
    run = median_run(runs)
    rates = sorted(r.requests / r.seconds for r in runs)
    print(f"  {label:<34} {run.seconds:7.3f} s  {run.requests / run.seconds:8.0f} req/s "
          f"({rates[0]:.0f}–{rates[-1]:.0f})  {run.bytes / run.seconds / 1e6:7.1f} MB/s  "
          f"{run.cpu / run.requests * 1e6:6.0f} µs CPU/req  statuses {run.statuses}")


def bench(args: argparse.Namespace) -> None:
    items = max(10, -(-args.pages // args.feeds))
    with serve_corpus(feeds=args.feeds, items=items, seed=1, cache_mb=args.cache_mb) as base:
        settings = FetchSettings()
        feeds = [f"{base}/feeds/{f}.xml" for f in range(args.feeds)]
        pages = [f"{base}/articles/{n % args.feeds}/{n // args.feeds}.html"
                 for n in range(args.pages)]
        print(f"corpus server {base}: {args.feeds} feeds x {items} items; "
              f"{args.pages} pages; defaults: {settings.max_connections} connections, "
              f"{settings.per_host_connections} per host")
        for label, hosts in (("one host", None), (f"{args.sites} hosts", args.sites)):
            feed_urls = spread(feeds, hosts) if hosts else feeds
            page_urls = spread(pages, hosts) if hosts else pages
            stored: dict[str, Validators] = {}
            first = asyncio.run(fetch_all(feed_urls, settings, keep=stored))  # warms the cache
            print(f"{label}:")
            report(f"{args.feeds} feeds, first (server builds)", [first])
            runs = [asyncio.run(fetch_all(feed_urls, settings, stored))
                    for _ in range(args.repeats)]
            report(f"{args.feeds} feeds, all 304", runs)
            asyncio.run(fetch_all(page_urls, settings))  # warm-up
            runs = [asyncio.run(fetch_all(page_urls, settings)) for _ in range(args.repeats)]
            report(f"{args.pages} pages (200)", runs)
        wide = replace(settings, max_connections=64, per_host_connections=64)
        runs = [asyncio.run(fetch_all(pages, wide)) for _ in range(args.repeats)]
        report(f"{args.pages} pages, 64 conns one host", runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the client process: {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache-mb", type=int, default=1024)
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
