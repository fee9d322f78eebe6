"""Full-text search on the site: Pagefind against newsmirror's own term-sharded index.

Writes a site of N posts (default 10,000) in the exact post format: 7 Chinese sources
and 3 English ones, 1 post every 37 minutes from 2022-01-01, bodies of ~1,500 Chinese
characters or ~450 English words drawn from Zipf-distributed vocabularies (5,000 Chinese
words of 2-3 characters, 5,000 English pseudo-words), so terms range from everywhere to
one post. Post 4321 alone holds the Chinese word 鹦鹉螺号 and the English word
zyxquokka, in its body only.

Then, for each design:

* ``own``: ``site.update_site`` writes ``assets/search/`` (CJK bigrams and words,
  sharded by term; one small text file per post), timed; the site is built with Jekyll;
* ``pagefind``: ``python -m pagefind --site _site`` over the same Jekyll output
  (``pip install 'pagefind[extended]'``: CJK segmentation), timed;

and reports the index size on disk (files, MB) and, for each query, what headless
Chromium downloads from the moment the query is typed until its results are shown:
requests and kB (bodies as served, uncompressed; and gzip-compressed, as GitHub Pages
sends them), counted from the browser's network events.

    python bench/bench_search.py                  # 10,000 posts
    python bench/bench_search.py --posts 2000 --keep --out /tmp/bs

Needs jekyll (Debian) and playwright with Debian's chromium; pagefind is skipped
when not installed.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from newsmirror.model import Article  # noqa: E402
from newsmirror.post import render_post  # noqa: E402
from newsmirror.site import SEARCH_DIR, update_site, write_scaffold  # noqa: E402

TZ = "Asia/Shanghai"
ZH_SOURCES = ["联合早报", "新华网", "端传媒", "明报", "星岛日报", "中央社", "南华早报"]
EN_SOURCES = ["Reuters", "AP News", "BBC News"]
NEEDLE_POST = 4321
NEEDLE_ZH, NEEDLE_EN = "鹦鹉螺号", "zyxquokka"
QUERIES = [("common zh", "经济"), ("rare zh (one body)", NEEDLE_ZH),
           ("common en", "market"), ("rare en (one body)", NEEDLE_EN)]
CHROMIUM = "/usr/bin/chromium"
SYLLABLES = ("ba be bi bo bu ca ce co da de di do fa fe fi ga ge go ha he hi ho ja ka ke "
             "ko la le li lo lu ma me mi mo mu na ne ni no pa pe pi po ra re ri ro sa se "
             "si so ta te ti to va ve vi wa we xa za ze zo an en in on ar er or st tr").split()


def _zipf_choice(rng: random.Random, words: list[str], weights: list[float], k: int) -> list[str]:
    return rng.choices(words, cum_weights=weights, k=k)


def vocabularies() -> tuple[list[str], list[str], list[float]]:
    """(Chinese words, English words, cumulative Zipf weights) from a fixed seed."""
    rng = random.Random(7)
    # the 2,500 commonest-looking CJK code points stand in for the common characters
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
    zh = ["".join(rng.choice(chars) for _ in range(rng.choice((2, 2, 2, 3)))) for _ in range(5000)]
    zh[:6] = ["经济", "政府", "发展", "国际", "市场", "合作"]
    en = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(5000)]
    en[:6] = ["the", "of", "and", "market", "government", "said"]
    total, cum = 0.0, []
    for rank in range(1, 5001):
        total += 1 / rank**1.05
        cum.append(total)
    return zh, en, cum


def post_file(i: int, rng: random.Random, vocab: tuple[list[str], list[str], list[float]]) -> tuple[str, str]:
    zh, en, cum = vocab
    when = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(minutes=37 * i)
    english = i % 10 >= 7
    source = EN_SOURCES[i % 10 - 7] if english else ZH_SOURCES[i % 10]
    paragraphs = []
    for _ in range(8):
        if english:
            words = _zipf_choice(rng, en, cum, 56)
            paragraphs.append(" ".join(words).capitalize() + ".")
        else:
            words = _zipf_choice(rng, zh, cum, 80)
            paragraphs.append("，".join("".join(words[k:k + 8]) for k in range(0, 80, 8)) + "。")
    if i == NEEDLE_POST:
        paragraphs[5] = paragraphs[5][:20] + NEEDLE_ZH + " " + NEEDLE_EN + " " + paragraphs[5][20:]
    if english:
        title = " ".join(_zipf_choice(rng, en, cum, 7)).capitalize() + f" {i}"
    else:
        title = "".join(_zipf_choice(rng, zh, cum, 6)) + f" 第{i}号"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    article = Article(title=title, url=f"https://news.example/{i % 10}/story{i}",
                      published=when, author=source, tags=(source,), categories=(source,),
                      body_html=body)
    local = when.astimezone(ZoneInfo(TZ))
    return f"{local:%Y-%m-%d}-story{i}.md", render_post(article)


def make_site(site: Path, n: int) -> None:
    write_scaffold(site, title="bench", timezone=TZ)
    posts = site / "_posts"
    rng = random.Random(42)
    vocab = vocabularies()
    for i in range(n):
        name, text = post_file(i, rng, vocab)
        (posts / name).write_text(text, encoding="utf-8")


def jekyll_build(site: Path) -> float:
    env = dict(os.environ, LC_ALL="C.UTF-8", JEKYLL_ENV="production")
    t0 = time.perf_counter()
    subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--source", str(site),
                    "--destination", str(site / "_site")], check=True, env=env)
    return time.perf_counter() - t0


def tree_size(path: Path) -> tuple[int, int, int]:
    """Files, bytes, and bytes zlib-compressed one by one (about what git stores)."""
    files = [p for p in path.rglob("*") if p.is_file()]
    packed = sum(len(zlib.compress(p.read_bytes(), 6)) for p in files)
    return len(files), sum(p.stat().st_size for p in files), packed


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def measure_queries(dest: Path, search_path: str, box: str, hit: str, result: str) -> list[dict]:
    """Per query: requests and bytes Chromium fetched from typing it until its first page
    of results (a marked match) is shown and the network is idle; results shown."""
    from playwright.sync_api import Error, TimeoutError, sync_playwright

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(dest)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for label, query in QUERIES:
                context = browser.new_context()  # a cold cache for every query
                page = context.new_page()
                fetched: list[tuple[str, bytes]] = []

                def on_response(response, fetched=fetched) -> None:
                    try:
                        fetched.append((response.url, response.body()))
                    except Error:  # redirects and aborted requests have no body
                        fetched.append((response.url, b""))

                page.goto(base + search_path, wait_until="networkidle")
                page.on("response", on_response)
                t0 = time.perf_counter()
                page.fill(box, query)
                try:
                    page.wait_for_selector(hit, timeout=30_000)
                except TimeoutError:  # not found: what it fetched to say so is counted
                    pass
                page.wait_for_load_state("networkidle")
                seconds = time.perf_counter() - t0
                raw = sum(len(b) for _, b in fetched)
                gz = sum(len(gzip.compress(b, 6)) for _, b in fetched)
                hits = page.locator(result).count()
                rows.append({"query": label, "text": query, "requests": len(fetched),
                             "kB": raw / 1000, "kB_gzip": gz / 1000, "hits_shown": hits,
                             "seconds": seconds})
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows


def print_rows(design: str, rows: list[dict]) -> None:
    for r in rows:
        print(f"  {design:9} {r['query']:20} {r['requests']:>4} requests {r['kB']:>8.1f} kB "
              f"({r['kB_gzip']:>7.1f} kB gzip)  {r['hits_shown']:>3} shown  {r['seconds']:.2f} s",
              flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "search")
    ap.add_argument("--keep", action="store_true", help="keep the generated site")
    args = ap.parse_args()
    site = args.out / f"site-{args.posts}"
    shutil.rmtree(site, ignore_errors=True)
    make_site(site, args.posts)
    t0 = time.perf_counter()
    update_site(site)
    own_s = time.perf_counter() - t0
    files, size, packed = tree_size(site / "assets" / "search")
    print(f"{args.posts} posts; own index (update_site, with archive pages): {own_s:.1f} s, "
          f"{files} files, {size / 1e6:.1f} MB ({packed / 1e6:.1f} MB compressed)", flush=True)
    build_s = jekyll_build(site)
    print(f"jekyll build: {build_s:.1f} s", flush=True)
    print_rows("own", measure_queries(site / "_site", "/search.html", "#search-q",
                                      ".search-hit mark", ".search-hit"))
    try:
        import pagefind  # noqa: F401
    except ImportError:
        print("pagefind not installed (pip install 'pagefind[extended]'): skipped")
    else:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site / "_site"),
                        "--output-subdir", "pagefind"], check=True, capture_output=True)
        pf_s = time.perf_counter() - t0
        files, size, packed = tree_size(site / "_site" / "pagefind")
        print(f"pagefind: {pf_s:.1f} s, {files} files, {size / 1e6:.1f} MB "
              f"({packed / 1e6:.1f} MB compressed)", flush=True)
        ui = site / "_site" / "pagefind-bench.html"
        ui.write_text(
            '<!doctype html><meta charset="utf-8"><link href="/pagefind/pagefind-ui.css" '
            'rel="stylesheet"><script src="/pagefind/pagefind-ui.js"></script>'
            '<div id="s"></div><script>new PagefindUI({element: "#s"});</script>',
            encoding="utf-8")
        print_rows("pagefind", measure_queries(site / "_site", "/pagefind-bench.html",
                                               ".pagefind-ui__search-input",
                                               ".pagefind-ui__result mark",
                                               ".pagefind-ui__result"))
    # what a later run that adds 10 posts rewrites (what the workflow then commits)
    rng, vocab = random.Random(43), vocabularies()
    for i in range(args.posts, args.posts + 10):
        name, text = post_file(i, rng, vocab)
        (site / "_posts" / name).write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    written = [p for p in update_site(site) if SEARCH_DIR in p.as_posix()]
    print(f"a run adding 10 posts: update_site {time.perf_counter() - t0:.1f} s, {len(written)} "
          f"index files rewritten, {sum(p.stat().st_size for p in written) / 1e6:.1f} MB",
          flush=True)
    if not args.keep:
        shutil.rmtree(site, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
