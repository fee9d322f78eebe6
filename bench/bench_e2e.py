"""End to end: newsmirror's ``pipeline.run`` against a naive reference, on the synthetic corpus.

    python bench/bench_e2e.py [--feeds 200 --items 50] [--page-feeds 20 --page-items 40]
                              [--rerun-sources 1000] [--repeats 5] [--out DIR]
                              [--only feed,rerun,rule,generic] [--cores 1,2]
                              [--loopback] [--no-pin] [--profile DIR]

The corpus server (bench/corpus_server.py) runs in its own process, pinned to the last
CPU. Every measured variant runs in a fresh child process, in two client configurations
(``--cores``):

* **1 core**: the child is pinned to CPU 0. This is the client's own efficiency: the
  naive reference and newsmirror each get one core, the server has the other.
* **2 cores**: the child may use every CPU (the server stays on the last one). This is
  what a user's 2-core machine gives newsmirror: its page thread, its writer thread and,
  for generic pages, its extraction workers run on the second core (shared here with
  the server). The naive reference is sequential either way. Where the kernel runs the
  client's event loop varies from run to run: each repeat's line ends with the share of
  samples (every 20 ms) that found it on the server's CPU, sharing that core while the
  other one may idle.

The goals are stated for this 2-core machine, i.e. the "2 cores" rows; every row gets a
verdict, so the "1 core" rows show what the client reaches without a second core (generic
mode, whose trafilatura alone costs ~4 ms a page, relies on it: its worker processes).

Peak RSS (``ru_maxrss``) and CPU time are the child's own, plus its worker processes'
(``RUSAGE_CHILDREN``), if any. Each repeat uses a fresh site folder (or posts folder for
the naive runs) under ``--out``. Before timing, every feed and page is fetched once so
the server's document cache is hot.

Variants (each the median of ``--repeats``, 5 by default: a page-mode run lasts under a
second, and repeats of it differ by up to 10% on this machine):

* feed mode (sources ``full_text = "never"``; the corpus feeds carry the full text):
  ``newsmirror`` first run vs ``naive`` (one requests.Session, sequential;
  ``feedparser.parse`` with defaults; a plain file write per item).  Goal: >= 4x naive.
* rerun: a site with ``--rerun-sources`` feed sources, each already fetched once (so
  validators are stored); the second ``run`` is timed, every source answers 304.
  Goal: < 3 s for 1,000 sources.
* page mode (``full_text = "always"``, so every item's article page is fetched):
  ``rule`` (a ``[rules."host"]`` table per site with the manifest's content selector)
  and ``generic`` (no rule: trafilatura), vs ``naive page`` (requests + feedparser +
  ``trafilatura.extract(output_format="html", include_images=True, include_links=True,
  include_comments=False)`` + plain write).  Goals: rule >= 12x, generic >= 1.5x.
* peak RSS of the feed and rerun variants: goal < 200 MB (the fetching issue's goal);
  page-mode RSS is printed too. With extraction workers it is the main process plus
  twice the largest worker: an upper bound, shared library pages counted three times.

Hosts: by default site ``f`` is reached as ``s{f}.corpus.test:PORT`` (the child process
maps ``*.corpus.test`` to 127.0.0.1 in ``socket.getaddrinfo``, which both aiohttp's
threaded resolver and requests use), so each feed is its own "site" and the Fetcher's
global connection limit binds, as with real sites. ``--loopback`` uses 127.0.0.1 for
everything instead (one host: the per-host limit of 2 connections binds).

File creation: on this machine's root disk (ext4 without a journal) creating a file
costs 20-40 µs normally but 200-900 µs of kernel time for minutes after many files were
deleted (a test suite run, an earlier benchmark): measured.md section 6. The probe line
at the start shows the disk's state; ``--out /dev/shm`` takes the disk out.

``--profile DIR`` additionally runs each newsmirror variant once under cProfile (first
client configuration) and writes ``DIR/<variant>.pstats`` plus a short top-20 listing.

This is a script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VHOST_SUFFIX = ".corpus.test"
GOALS = {"feed": ("ratio", 4.0), "rule": ("ratio", 12.0), "generic": ("ratio", 1.5),
         "rerun": ("seconds", 3.0)}
RSS_GOAL_MB = 200
RSS_GOAL_VARIANTS = ("feed", "rerun")
SERVER_CPU: int | None = None  # the CPU the corpus server is pinned to, if any


# --- the corpus server ------------------------------------------------------------------

class Server:
    """bench/corpus_server.py in a child process (optionally pinned to one CPU)."""

    def __init__(self, feeds: int, items: int, cpu: int | None) -> None:
        cmd = [sys.executable, str(HERE / "corpus_server.py"), "--feeds", str(feeds),
               "--items", str(items), "--seed", "1", "--exit-on-stdin-eof"]
        preexec = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, preexec_fn=preexec)
        assert self.proc.stdout is not None
        self.base = self.proc.stdout.readline().strip()
        if not self.base.startswith("http://"):
            self.close()
            raise RuntimeError(f"corpus server did not start (exit code {self.proc.poll()})")
        self.port = int(self.base.rsplit(":", 1)[1])

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def host_of(f: int, port: int, loopback: bool) -> str:
    return f"127.0.0.1:{port}" if loopback else f"s{f}{VHOST_SUFFIX}:{port}"


def patch_dns() -> None:
    """Resolve every ``*.corpus.test`` name to 127.0.0.1 (in this process only)."""
    import socket
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(host, bytes):
            host = host.decode()
        if isinstance(host, str) and host.rstrip(".").endswith(VHOST_SUFFIX):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def warm_up(urls: list[str]) -> float:
    """Fetch every URL once (32 at a time) so the server has built and cached it."""
    import asyncio

    import aiohttp
    patch_dns()

    async def go() -> None:
        connector = aiohttp.TCPConnector(limit=32, limit_per_host=8)
        async with aiohttp.ClientSession(connector=connector) as session:
            sem = asyncio.Semaphore(64)

            async def one(url: str) -> None:
                async with sem, session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"warm-up: {url}: HTTP {response.status}")
            await asyncio.gather(*(one(u) for u in urls))

    t0 = time.perf_counter()
    asyncio.run(go())
    return time.perf_counter() - t0


# --- child side: one measured variant -----------------------------------------------------

def _feed_urls(spec: dict) -> list[str]:
    return [f"http://{host_of(f, spec['port'], spec['loopback'])}/feeds/{f}.xml"
            for f in range(spec["feeds"])]


def _write_config(site: Path, spec: dict) -> None:
    lines = ["[site]", 'timezone = "UTC"', ""]
    full_text = "never" if spec["mode"] == "feed" else "always"
    for f, url in enumerate(_feed_urls(spec)):
        lines += ["[[sources]]", f'name = "site{f}"', f'url = "{url}"',
                  f'full_text = "{full_text}"', ""]
    if spec.get("rules"):
        if spec["loopback"]:  # one host: every container selector (matches concatenate)
            selectors = sorted(set(spec["rules"]))
            lines += ['[rules."127.0.0.1"]', f"content = {json.dumps(selectors)}", ""]
        else:
            for f, selector in enumerate(spec["rules"]):
                lines += [f'[rules."s{f}{VHOST_SUFFIX}"]', f"content = {json.dumps(selector)}",
                          ""]
    site.mkdir(parents=True)
    (site / "newsmirror.toml").write_text("\n".join(lines), encoding="utf-8")


def _count_posts(posts: Path) -> int:
    try:
        return sum(1 for n in os.listdir(posts) if n.endswith(".md") and not n.startswith("."))
    except FileNotFoundError:
        return 0


def child_newsmirror(spec: dict) -> dict:
    from newsmirror.config import load_config
    from newsmirror.pipeline import RunOptions, run

    site = Path(spec["dir"])
    _write_config(site, spec)
    profiler = None
    if spec.get("profile"):
        import cProfile
        profiler = cProfile.Profile()
    if spec["variant"] == "rerun":  # the first run stores validators; it is not timed
        summary = run(load_config(site), RunOptions())
        if not summary.ok:
            raise SystemExit(f"setup run failed: {summary.to_dict()['sources'][:3]}")
    if profiler:
        profiler.enable()
    cpu0, t0 = _cpu(), time.perf_counter()
    summary = run(load_config(site), RunOptions())
    seconds, cpu = time.perf_counter() - t0, _cpu(cpu0)
    if profiler:
        profiler.disable()
        profiler.dump_stats(spec["profile"])
    errors = [e for r in summary.reports for e in r.errors][:3]
    warnings = [w for r in summary.reports for w in r.warnings]
    result = {"seconds": seconds, "cpu": cpu[0], "sys": cpu[1], "errors": errors,
              "warnings": len(warnings),
              "warning_sample": warnings[:2]}
    if spec["variant"] == "rerun":
        result["posts"] = len(summary.reports)  # sources checked
        result["unchanged"] = sum(1 for r in summary.reports if r.unchanged)
        result["written"] = len(summary.written)
    else:
        result["posts"] = _count_posts(site / "_posts")
    return result


def child_naive(spec: dict) -> dict:
    import feedparser
    import requests
    page_mode = spec["mode"] == "page"
    if page_mode:
        import trafilatura
    out = Path(spec["dir"]) / "_posts"
    out.mkdir(parents=True)
    n = 0
    cpu0, t0 = _cpu(), time.perf_counter()
    with requests.Session() as session:
        for f, url in enumerate(_feed_urls(spec)):
            response = session.get(url, timeout=30)
            response.raise_for_status()
            feed = feedparser.parse(response.content)
            for entry in feed.entries:
                if page_mode:
                    page = session.get(entry.link, timeout=30)
                    page.raise_for_status()
                    body = trafilatura.extract(page.text, url=entry.link, output_format="html",
                                               include_images=True, include_links=True,
                                               include_comments=False) or ""
                else:
                    body = entry.content[0].value if "content" in entry else entry.summary
                front = (f"---\ntitle: {json.dumps(entry.title, ensure_ascii=False)}\n"
                         f"date: {entry.get('published', '')}\nsource: site{f}\n"
                         f"guid: {json.dumps(entry.get('id', entry.link))}\n---\n")
                with open(out / f"{f:04d}-{n:06d}.md", "w", encoding="utf-8") as fh:
                    fh.write(front + body + "\n")
                n += 1
    seconds, cpu = time.perf_counter() - t0, _cpu(cpu0)
    return {"seconds": seconds, "cpu": cpu[0], "sys": cpu[1], "posts": _count_posts(out),
            "errors": []}


def _cpu(since: tuple[float, float] = (0.0, 0.0)) -> tuple[float, float]:
    """(user + system, system) CPU seconds of this process and its reaped children (the
    pipeline's worker processes, shut down at the end of a run), minus ``since``."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime + kids.ru_utime + kids.ru_stime - since[0],
            usage.ru_stime + kids.ru_stime - since[1])


def child_main(spec: dict) -> None:
    import resource
    patch_dns()
    if spec.get("cpu") is not None:
        os.sched_setaffinity(0, {spec["cpu"]})
    result = (child_naive if spec["variant"].startswith("naive") else child_newsmirror)(spec)
    # peak RSS: this process plus, if it had worker processes, twice the largest of them
    # (the pipeline's pool has at most 2 workers): an upper bound of the total
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["rss_main_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["rss_worker_mb"] = kids / 1024
    result["rss_mb"] = result["rss_main_mb"] + 2 * result["rss_worker_mb"]
    print("RESULT " + json.dumps(result), flush=True)


# --- parent side ----------------------------------------------------------------------------

def run_child(spec: dict) -> dict:
    """Run one variant in a child process; also sample, every 20 ms, which CPU the
    child's main thread (the event loop) was last on."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(spec)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples: list[int] = []
    sampler = threading.Thread(target=_sample_cpu, args=(proc, samples), daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    sampler.join()
    lines = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"child {spec['variant']} failed ({proc.returncode}):\n"
                           f"{stdout[-2000:]}\n{stderr[-4000:]}")
    result = json.loads(lines[-1][len("RESULT "):])
    result["cpu_samples"] = samples
    return result


def _sample_cpu(proc: subprocess.Popen, samples: list[int]) -> None:
    # /proc/PID/stat field 39 is "processor": the CPU the task last ran on. The child
    # starts by importing for ~0.3 s; those samples count too (they are few).
    path = f"/proc/{proc.pid}/stat"
    while proc.poll() is None:
        try:
            with open(path) as fh:
                samples.append(int(fh.read().rsplit(")", 1)[1].split()[36]))
        except (OSError, IndexError, ValueError):
            pass
        time.sleep(0.02)


def _on_server_cpu(result: dict) -> str:
    samples = result.get("cpu_samples") or []
    if SERVER_CPU is None or not samples:
        return ""
    return f", on the server's CPU {100 * samples.count(SERVER_CPU) / len(samples):.0f}%"


def measure(label: str, spec: dict, repeats: int, root: Path, expect: int) -> dict:
    runs = []
    for k in range(repeats):
        where = "1cpu" if spec.get("cpu") is not None else "all-cpus"
        result = run_child({**spec, "dir": str(root / f"{spec['variant']}-{where}-{k}")})
        if result["errors"] or result["posts"] != expect:
            print(f"  !! {label}: {result['posts']} of {expect}; errors {result['errors']}; "
                  f"warnings {result.get('warning_sample')}", flush=True)
        runs.append(result)
        print(f"  {label:<22} repeat {k + 1}: {result['posts']:6d} in {result['seconds']:7.3f} s"
              f"  ({result['posts'] / result['seconds']:8.1f}/s, CPU {result['cpu']:.2f} s, "
              f"sys {result['sys']:.2f} s, RSS {result['rss_mb']:.0f} MB = main "
              f"{result['rss_main_mb']:.0f} + 2 x worker {result['rss_worker_mb']:.0f}"
              f"{_on_server_cpu(result)})", flush=True)
    seconds = statistics.median(r["seconds"] for r in runs)
    rates = sorted(r["posts"] / r["seconds"] for r in runs)
    return {"label": label, "posts": runs[0]["posts"], "seconds": seconds,
            "rate": statistics.median(rates), "worst": rates[0], "best": rates[-1],
            "cpu_us": statistics.median(r["cpu"] / max(r["posts"], 1) for r in runs) * 1e6,
            "user_us": statistics.median((r["cpu"] - r["sys"]) / max(r["posts"], 1)
                                         for r in runs) * 1e6,
            "rss_mb": max(r["rss_mb"] for r in runs)}


def profile(spec: dict, root: Path, out: Path) -> None:
    import pstats
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{spec['variant']}.pstats"
    result = run_child({**spec, "dir": str(root / f"{spec['variant']}-profile"),
                        "profile": str(path)})
    print(f"\n--- cProfile {spec['variant']}: {result['posts']} in {result['seconds']:.2f} s "
          f"(under the profiler) -> {path}")
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(20)


def create_probe(root: Path, count: int = 1000) -> float:
    """Files/s for plain creates of small files under ``root`` (this disk's state now)."""
    probe = root / "create-probe"
    probe.mkdir()
    t0 = time.perf_counter()
    for n in range(count):
        with open(probe / f"{n}.md", "w") as fh:
            fh.write("x" * 4096)
    rate = count / (time.perf_counter() - t0)
    shutil.rmtree(probe)
    return rate


def fetch_manifest(base: str) -> dict:
    import urllib.request
    with urllib.request.urlopen(base + "/manifest.json") as response:
        return json.load(response)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=200, help="feed mode: feeds")
    parser.add_argument("--items", type=int, default=50, help="feed mode: items per feed")
    parser.add_argument("--page-feeds", type=int, default=20)
    parser.add_argument("--page-items", type=int, default=40)
    parser.add_argument("--rerun-sources", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None,
                        help="where the site folders go (default: a temp dir; try /dev/shm)")
    parser.add_argument("--keep", action="store_true", help="keep the site folders")
    parser.add_argument("--only", default="feed,rerun,rule,generic")
    parser.add_argument("--cores", default="1,2",
                        help="client configurations to measure: 1 = every client pinned to "
                             "the first CPU, 2 = clients may use every CPU (the server "
                             "stays on the last one either way)")
    parser.add_argument("--loopback", action="store_true",
                        help="every site on 127.0.0.1 (per-host limit binds)")
    parser.add_argument("--no-pin", action="store_true",
                        help="pin nothing (server included); one configuration")
    parser.add_argument("--profile", type=Path, default=None,
                        help="also run each newsmirror variant under cProfile, stats here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(json.loads(args.child))
        return

    only = set(args.only.split(","))
    cpus = sorted(os.sched_getaffinity(0))
    pin = not args.no_pin and len(cpus) >= 2
    server_cpu = cpus[-1] if pin else None
    global SERVER_CPU
    SERVER_CPU = server_cpu
    # (label, client CPU or None): "1 core" is the client's own efficiency; "2 cores" is
    # what a user's machine gives it (newsmirror's writer thread and extraction workers
    # then have a second core, shared here with the corpus server)
    configs = [("", None)]
    if pin:
        wanted = {c.strip() for c in args.cores.split(",")}
        configs = [(f" ({n} core{'s' if n != '1' else ''})", cpus[0] if n == "1" else None)
                   for n in ("1", "2") if n in wanted]
    root = Path(tempfile.mkdtemp(prefix="bench_e2e-", dir=args.out))
    print("command: " + shlex.join([sys.executable, *sys.argv]))
    print(f"site folders under {root}; server CPU {server_cpu}; client configurations: "
          f"{', '.join((label.strip() or 'unpinned') for label, _ in configs)}; "
          f"hosts: {'127.0.0.1' if args.loopback else 's<f>' + VHOST_SUFFIX}; "
          f"repeats {args.repeats}", flush=True)
    print(f"file creation on that disk right now: {create_probe(root):,.0f} files/s "
          f"(plain open/write/close of 4 KB; ext4 after deletions: ~2.7k/s, tmpfs ~80k/s)",
          flush=True)
    rows: list[tuple[str, dict, dict | None]] = []  # (key, result, naive result)
    try:
        if "feed" in only:
            with Server(args.feeds, args.items, server_cpu) as server:
                base = {"loopback": args.loopback, "mode": "feed", "feeds": args.feeds,
                        "port": server.port}
                print(f"\nfeed mode: {args.feeds} feeds x {args.items} items "
                      f"({server.base}); warm-up {warm_up(_feed_urls(base)):.1f} s", flush=True)
                expect = args.feeds * args.items
                for label, cpu in configs:
                    spec = {**base, "cpu": cpu}
                    naive = measure("naive feed" + label, {**spec, "variant": "naive-feed"},
                                    args.repeats, root, expect)
                    nm = measure("newsmirror feed" + label, {**spec, "variant": "feed"},
                                 args.repeats, root, expect)
                    rows += [("naive-feed", naive, None), ("feed", nm, naive)]
                if args.profile:
                    profile({**base, "cpu": configs[0][1], "variant": "feed"}, root,
                            args.profile)
        if "rerun" in only:
            with Server(args.rerun_sources, 1, server_cpu) as server:
                base = {"loopback": args.loopback, "mode": "feed",
                        "feeds": args.rerun_sources, "port": server.port, "variant": "rerun"}
                print(f"\nrerun: {args.rerun_sources} sources, all 304 ({server.base}); "
                      f"warm-up {warm_up(_feed_urls(base)):.1f} s", flush=True)
                for label, cpu in configs:
                    rerun = measure("newsmirror rerun 304" + label, {**base, "cpu": cpu},
                                    args.repeats, root, args.rerun_sources)
                    rows.append(("rerun", rerun, None))
                if args.profile:
                    profile({**base, "cpu": configs[0][1]}, root, args.profile)
        if only & {"rule", "generic"}:
            with Server(args.page_feeds, args.page_items, server_cpu) as server:
                base = {"loopback": args.loopback, "mode": "page", "feeds": args.page_feeds,
                        "port": server.port}
                manifest = fetch_manifest(server.base)
                pages = [f"http://{host_of(f, server.port, args.loopback)}/articles/{f}/{i}.html"
                         for f in range(args.page_feeds) for i in range(args.page_items)]
                took = warm_up(_feed_urls(base) + pages)
                print(f"\npage mode: {args.page_feeds} feeds x {args.page_items} items "
                      f"({server.base}); warm-up {took:.1f} s", flush=True)
                expect = args.page_feeds * args.page_items
                rules = [site["rule"] for site in manifest["sites"]]
                for label, cpu in configs:
                    spec = {**base, "cpu": cpu}
                    naive = measure("naive page" + label, {**spec, "variant": "naive-page"},
                                    args.repeats, root, expect)
                    rows.append(("naive-page", naive, None))
                    for key in ("rule", "generic"):
                        if key not in only:
                            continue
                        vspec = {**spec, "variant": key,
                                 "rules": rules if key == "rule" else None}
                        result = measure(f"newsmirror {key}{label}", vspec, args.repeats,
                                         root, expect)
                        rows.append((key, result, naive))
                if args.profile:
                    for key in ("rule", "generic"):
                        if key in only:
                            profile({**base, "cpu": configs[0][1], "variant": key,
                                     "rules": rules if key == "rule" else None},
                                    root, args.profile)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print_table(rows)


def print_table(rows: list[tuple[str, dict, dict | None]]) -> None:
    # CPU µs/post includes kernel time, which on a churned no-journal ext4 swings with the
    # disk's state (file creation: 0.2-0.9 ms); user µs/post is the stable figure
    print("\nvariant                            posts   seconds    posts/s (worst–best)  "
          "vs naive  CPU µs/post  user µs  peak RSS  goal")
    for key, r, naive in rows:
        ratio = r["rate"] / naive["rate"] if naive else None
        goal = ""
        kind, target = GOALS.get(key, (None, None))
        if kind == "ratio" and ratio is not None:
            goal = f">= {target:g}x: {'met' if ratio >= target else 'MISSED'}"
        elif kind == "seconds":
            goal = f"< {target:g} s: {'met' if r['seconds'] < target else 'MISSED'}"
        if key in RSS_GOAL_VARIANTS:
            goal += f"; RSS < {RSS_GOAL_MB} MB: " + \
                ("met" if r["rss_mb"] < RSS_GOAL_MB else "MISSED")
        print(f"{r['label']:<32} {r['posts']:7d} {r['seconds']:9.3f} {r['rate']:10.1f} "
              f"{'(' + format(r['worst'], '.0f') + '–' + format(r['best'], '.0f') + ')':>14}"
              f"{(f'{ratio:7.2f}x' if ratio else '     — '):>9} {r['cpu_us']:10.0f} "
              f"{r['user_us']:8.0f} "
              f"{r['rss_mb']:7.0f} MB  {goal}")


if __name__ == "__main__":
    main()
