"""Per-stage CPU cost on the synthetic corpus, in process (no HTTP, no files but a store).

    python bench/bench_stages.py [--pages 200] [--repeats 3] [--src DIR]

``--src`` measures another checkout's code, e.g. before a change:
``git worktree add /tmp/old REV && python bench/bench_stages.py --src /tmp/old/src``.

Prints µs per unit (best of ``--repeats``) for the stages the end-to-end benchmark
(bench/bench_e2e.py) spends its time in:

* generic extraction: trafilatura alone, our post-filter around it (the article-container
  focus and the figure/image restore), and the whole ``extract`` without a rule;
* site-rule extraction: ``extract`` asking for all page metadata and for none (what the
  pipeline asks when the feed item has a title and a date);
* ``clean_html`` of a rule page's article and of a feed item's content, and what this
  process spends per feed item (pickling, the pool's threads) when 2 worker processes
  clean the items instead, in batches of 50; ``pack_article`` of a feed item;
* ``compress_page`` of a raw page;
* the site's excerpt of a post (search index), read back from the post's body;
* ``Store.export_snapshot`` (``export_items`` before schema 2) per item, on a store of 20,000 items.

Numbers are CPU in a tight loop: inside a run, with fetching in between, each stage costs
30-50% more (colder caches). This is a script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def best_us(fn: Callable[[object], object], items: Sequence, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - start)
    return best / len(items) * 1e6


def _clean_batch(items: list[tuple[str, str]]) -> list[str]:
    from newsmirror.clean import clean_html
    return [clean_html(html, base) for html, base in items]


def _worker_path(src: str) -> None:
    sys.path.insert(0, src)


def pooled_us(items: list[tuple[str, str]], repeats: int, src: Path) -> float:
    """CPU of this whole process (every thread: pickling, the pool's queue threads) per
    item when 2 worker processes clean the items in batches of 50, as a source's items
    could be; the workers' own CPU is not counted. Best of ``repeats``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    batches = [items[n:n + 50] for n in range(0, len(items), 50)]
    best = float("inf")
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(2, mp_context=context, initializer=_worker_path,
                             initargs=(str(src.resolve()),)) as pool:
        list(pool.map(_clean_batch, batches[:2]))  # started, imports done
        for _ in range(repeats):
            start = time.process_time()
            for _ in pool.map(_clean_batch, batches):
                pass
            best = min(best, time.process_time() - start)
    return best / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--src", type=Path, default=HERE.parent / "src",
                        help="the newsmirror sources to measure (e.g. an older checkout's)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    import trafilatura
    from selectolax.lexbor import LexborHTMLParser

    from corpus_gen import Corpus
    from newsmirror import extract as ex
    from newsmirror.clean import clean_html
    from newsmirror.config import Rule
    from newsmirror.feeds import parse_feed
    from newsmirror.model import Article
    from newsmirror.store import ItemRecord, Store, compress_page
    from newsmirror.store._articles import pack_article

    corpus = Corpus(20, 40, seed=1, base="http://s0.corpus.test:1")
    rules = tuple(ex.load_builtin_rules()) + tuple(
        Rule(domain=f"s{f}.corpus.test", content=(corpus.rule(f),)) for f in range(20))
    try:  # the post-filter's two steps, since the stages are packages
        from newsmirror.extract._focus import focus_on_article
        from newsmirror.extract._images import restore_images
    except ImportError:  # an older checkout (--src): one extract module
        focus_on_article, restore_images = ex._focus_on_article, ex._restore_images
    pages = []
    for n in range(args.pages):
        f, i = n % 20, (n // 20) % 40
        body = corpus.page_html(f, i)
        pages.append((body, body.decode(), f"http://s{f}.corpus.test:1/articles/{f}/{i}.html"))
    r = args.repeats
    rows: list[tuple[str, float]] = []

    def traf(page):  # the call _trafilatura makes
        return trafilatura.extract(page[1], url=page[2], output_format="html",
                                   include_images=False, include_links=True,
                                   include_comments=False, fast=True)

    outputs = [(LexborHTMLParser(p[1]), traf(p) or "", p[2]) for p in pages]

    def post_filter(case):
        tree, result, url = case
        out = LexborHTMLParser(result)
        focus_on_article(tree, out)
        restore_images(tree, out, url)

    rows.append(("generic: trafilatura alone", best_us(traf, pages, r)))
    # each repeat needs fresh trees: the post-filter edits the output tree
    rows.append(("generic: our post-filter", min(
        best_us(post_filter, [(LexborHTMLParser(p[1]), o[1], p[2])
                              for p, o in zip(pages, outputs, strict=True)], 1) for _ in range(r))))
    rows.append(("generic: whole extract", best_us(
        lambda p: ex.extract(p[1], p[2], (), utf8=p[0]), pages, r)))
    rows.append(("rule: extract, all metadata", best_us(
        lambda p: ex.extract(p[1], p[2], rules, utf8=p[0]), pages, r)))
    try:
        rows.append(("rule: extract, no metadata", best_us(
            lambda p: ex.extract(p[1], p[2], rules, utf8=p[0], metadata=()), pages, r)))
    except TypeError:  # code from before extract(metadata=...): compare with --src
        rows.append(("rule: extract, no metadata", float("nan")))
    articles = [(ex.extract(p[1], p[2], rules, utf8=p[0]).content_html, p[2]) for p in pages]
    rows.append(("rule: clean_html of the article", best_us(
        lambda a: clean_html(a[0], a[1]), articles, r)))
    rows.append(("rule: compress_page", best_us(lambda p: compress_page(p[0]), pages, r)))
    try:  # the search index's excerpt of a post, read back from its body
        from newsmirror.site._posts import _excerpt
    except ImportError:  # an older checkout (--src): one site module
        from newsmirror.site import _excerpt
    bodies = [f"[t](u)\n------\n\n<div>\n{clean_html(a[0], a[1])}\n</div>\n"
              for a in articles]
    rows.append(("site: excerpt of a post", best_us(_excerpt, bodies, r)))
    feed_items = []
    for f in range(0, 20, 2):
        feed = parse_feed(corpus.feed_xml(f).decode(), url=f"http://s{f}.corpus.test:1/")
        feed_items += [(item.content_html, item.link) for item in feed.items]
    rows.append(("feed: clean_html of an item", best_us(
        lambda a: clean_html(a[0], a[1]), feed_items, r)))
    rows.append(("feed: the same in 2 workers, main", pooled_us(feed_items, r, args.src)))
    rows.append(("feed: pack_article of an item", best_us(pack_article, [
        Article(title="t", url=link, published=datetime(2024, 6, 1, tzinfo=UTC), author="a",
                tags=("s",), categories=("s",), body_html=clean_html(html, link))
        for html, link in feed_items], r)))
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "s.sqlite") as store:
        t0 = datetime(2024, 6, 1, tzinfo=UTC)
        with store.transaction():
            for n in range(20_000):
                when = t0 + timedelta(minutes=n)
                store.put_item(ItemRecord(f"src{n % 7}", f"guid:{n}", f"https://x/{n}",
                                          f"_posts/{n}.md", "h" * 64, when, when, "written"))
        # export_snapshot (sources, then items) was export_items before schema 2
        export = getattr(store, "export_snapshot", None) or store.export_items
        rows.append(("store: export the snapshot, per item",
                     best_us(lambda _: export(), [None], r) / 20_000))
    print(f"{args.pages} pages, {len(feed_items)} feed items, best of {r}")
    for label, us in rows:
        print(f"{label:<34} {us:9.1f} µs")


if __name__ == "__main__":
    main()
