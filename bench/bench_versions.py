"""What keeping every version costs: the edit check of an item that came back changed.

    python bench/bench_versions.py [--pages 200] [--repeats 3]

Prints µs per item (CPU, best of ``--repeats``) on the synthetic corpus's cleaned
articles (rule pages) and feed items:

* ``content_fingerprint`` of one article (``clean/_fingerprint.py``);
* the whole check of one changed item (``pipeline/_edits.settle``'s work): the stored
  article read back from a real store (SQLite + brotli) and both fingerprints;
* for scale, ``clean_html`` of the same article, which every changed item pays anyway;
* ``word_diff`` of an article and an edited copy (``history`` and the history pages,
  not the run);
* the bytes a stored version takes (the ``versions`` table's compressed article).

Only items whose feed entry changed (their content hash differs) are checked; an
unchanged item costs nothing new. This is a script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from bench_stages import best_us  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from corpus_gen import Corpus
    from newsmirror import extract as ex
    from newsmirror.clean import clean_html, content_fingerprint
    from newsmirror.config import Rule
    from newsmirror.feeds import parse_feed
    from newsmirror.model import Article
    from newsmirror.store import Store
    from newsmirror.util.htmltext import html_to_text
    from newsmirror.util.worddiff import word_diff

    corpus = Corpus(20, 40, seed=1, base="http://s0.corpus.test:1")
    rules = tuple(Rule(domain=f"s{f}.corpus.test", content=(corpus.rule(f),)) for f in range(20))
    raw = []
    for n in range(args.pages):
        f, i = n % 20, (n // 20) % 40
        url = f"http://s{f}.corpus.test:1/articles/{f}/{i}.html"
        raw.append((ex.extract(corpus.page_html(f, i).decode(), url, rules).content_html, url))
    for f in range(0, 20, 2):
        feed = parse_feed(corpus.feed_xml(f).decode(), url=f"http://s{f}.corpus.test:1/")
        raw += [(item.content_html, item.link or "") for item in feed.items]
    bodies = [clean_html(html, url) for html, url in raw]
    r = args.repeats
    t0 = datetime(2024, 6, 1, tzinfo=UTC)
    articles = [Article(f"title {n}", f"https://x.example/{n}", t0, "a", ("s",), ("s",), body)
                for n, body in enumerate(bodies)]
    rows = [("clean_html of the item (for scale)",
             best_us(lambda a: clean_html(a[0], a[1]), raw, r)),
            ("content_fingerprint", best_us(
                lambda a: content_fingerprint(a.title, a.body_html), articles, r))]
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "s.sqlite") as store:
        with store.transaction():
            store.put_articles(("s", f"k{n}", a) for n, a in enumerate(articles))

        def check(n: int) -> bool:  # what settle() adds for a changed item
            previous = store.article("s", f"k{n}")
            assert previous is not None
            new = articles[n]
            return content_fingerprint(new.title, new.body_html) == content_fingerprint(
                previous.title, previous.body_html)

        rows.append(("edit check of a changed item", best_us(check, range(len(articles)), r)))
    texts = [html_to_text(b) for b in bodies]
    pairs = [(t, t.replace("的", "之", 3).replace(" the ", " a ", 3)) for t in texts]
    rows.append(("word_diff of an edited article", best_us(lambda p: word_diff(*p), pairs, r)))
    print(f"{len(articles)} articles ({args.pages} rule pages, the rest feed items), "
          f"mean body {sum(map(len, bodies)) // len(bodies)} characters, best of {r}")
    for label, us in rows:
        print(f"{label:<36} {us:9.1f} µs")
    from newsmirror.store._articles import pack_article
    stored = sum(len(pack_article(a)) for a in articles) / len(articles)
    html = sum(len(a.body_html.encode()) for a in articles) / len(articles)
    print(f"a stored version: {stored:,.0f} bytes (its body HTML: {html:,.0f} bytes)")


if __name__ == "__main__":
    main()
