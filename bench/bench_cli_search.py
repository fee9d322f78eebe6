"""`newsmirror search` at 10,000 posts: index size, indexing cost per article, query time.

    python bench/bench_cli_search.py [--posts 10000] [--repeats 5]

Builds a state store from the synthetic Chinese corpus (bench/corpus_gen.py, 3-15 KB
article bodies), one source per 100 posts in one transaction each as a run writes them,
and prints: what ``put_articles`` costs an article (it marks it for the index); the
first search, which indexes every article (html_to_text and the FTS5 insert); the first
search after a run of 100 more posts; the store's size before and after the index; and
the time of ``Store.search`` (limit 20, best of ``--repeats``) for queries of each kind: a trigram-indexed word that is common or rare,
one- and two-character words (matched by LIKE over the indexed text, a scan), an English
word, and a two-word query mixing both. Rare words are planted in 10 posts.
``--tokenizers`` instead compares the kept trigram index with one token per CJK
character. This is a script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus_gen import Corpus  # noqa: E402
from newsmirror.model import Article  # noqa: E402
from newsmirror.store import ItemRecord, Store  # noqa: E402
from newsmirror.store import _search as search_module  # noqa: E402
from newsmirror.util.htmltext import html_to_text  # noqa: E402

PER_SOURCE = 100
RARE = "<p>港口的熊貓與量子計算機 lighthouse keeper 一起出現。</p>"
QUERIES = [
    ("4-char word, common (trigram index)", "人工智能"),
    ("5-char word, in 10 posts (trigram index)", "量子計算機"),
    ("English word, in 10 posts (trigram index)", "lighthouse"),
    ("2-char word, common (LIKE scan)", "中國"),
    ("2-char word, in 10 posts (LIKE scan)", "熊貓"),
    ("1-char word, common (LIKE scan)", "港"),
    ("2-char + 4-char words (index, then LIKE on its hits)", "熊貓 量子計算機"),
]


def articles(count: int) -> list[tuple[str, str, Article, ItemRecord]]:
    corpus = Corpus(max(1, count // PER_SOURCE), PER_SOURCE, seed=1)
    rows = []
    for n in range(count):
        f, i = divmod(n, PER_SOURCE)
        truth = corpus.truth(f, i)
        body = corpus._body(f, i)[0] + (RARE if n % (count // 10) == 0 else "")
        when = datetime.fromisoformat(truth.published).astimezone(UTC)
        article = Article(truth.title, truth.link, when, "s", ("s",), ("s",), body)
        key = f"guid:{truth.guid}"
        record = ItemRecord(f"s{f}", key, truth.link, f"_posts/{n:05d}.md", "h", when, when,
                            "written")
        rows.append((f"s{f}", key, article, record))
    return rows


def build(path: Path, rows: list) -> float:
    """Seconds spent in put_articles (which marks each article for the index)."""
    spent = 0.0
    with Store(path) as store:
        for start in range(0, len(rows), PER_SOURCE):
            batch = rows[start:start + PER_SOURCE]
            with store.transaction():
                store.put_items(r[3] for r in batch)
                began = time.perf_counter()
                store.put_articles((s, k, a) for s, k, a, _ in batch)
                spent += time.perf_counter() - began
    return spent


def compact(path: Path) -> int:
    with Store(path) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.db.execute("VACUUM")
    return path.stat().st_size


CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")


def compare_tokenizers(rows: list) -> None:
    """The kept trigram index against one token per CJK character (unicode61 after
    spacing CJK characters), on disk, 100 articles a transaction."""
    texts = [html_to_text(a.body_html) for _, _, a, _ in rows]
    kinds = [("trigram", "trigram", lambda t: t, '"人工智能"', None),
             ("one token per CJK character", "unicode61", lambda t: CJK.sub(r" \1 ", t),
              '"人 工 智 能"', '"中 國"')]
    for label, tokenizer, prepare, phrase, short in kinds:
        with tempfile.TemporaryDirectory(dir=HERE.parent) as tmp:
            path = Path(tmp, "fts.sqlite")
            db = sqlite3.connect(path, isolation_level=None)
            db.execute(f"CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='{tokenizer}')")
            began = time.perf_counter()
            for start in range(0, len(texts), PER_SOURCE):
                db.execute("BEGIN")
                db.executemany("INSERT INTO t (title, body) VALUES ('t', ?)",
                               [(prepare(x),) for x in texts[start:start + PER_SOURCE]])
                db.execute("COMMIT")
            insert = (time.perf_counter() - began) / len(texts) * 1e3
            db.execute("VACUUM")
            size = path.stat().st_size / len(texts) / 1e3
            began = time.perf_counter()
            db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 20",
                       (phrase,)).fetchall()
            line = (f"  {label}: insert {insert:.2f} ms an article, {size:.1f} kB a post, "
                    f"a common 4-character word {(time.perf_counter() - began) * 1e3:.1f} ms")
            if short:
                began = time.perf_counter()
                db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 20",
                           (short,)).fetchall()
                line += f", a common 2-character word {(time.perf_counter() - began) * 1e3:.1f} ms"
            print(line)
            db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tokenizers", action="store_true",
                        help="only compare the tokenizers (use --posts 2000)")
    args = parser.parse_args()
    rows = articles(args.posts)
    if args.tokenizers:
        compare_tokenizers(rows)
        return
    text_mb = sum(len(a.body_html.encode()) for _, _, a, _ in rows) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "state.sqlite")
        spent = build(path, rows[:-PER_SOURCE])
        print(f"{args.posts} posts, {text_mb:.1f} MB of article HTML")
        print(f"put_articles (articles stored, marked for the index): "
              f"{spent / (args.posts - PER_SOURCE) * 1e6:.0f} µs per article")
        size_without = compact(path)
        with Store(path) as store:
            began = time.perf_counter()
            filled = search_module.refresh_index(store.db)
            seconds = time.perf_counter() - began
        print(f"first search: {filled} articles indexed in {seconds:.1f} s, "
              f"{seconds / filled * 1e3:.2f} ms per article")
        build(path, rows[-PER_SOURCE:])  # a run writes 100 more posts
        with Store(path) as store:
            began = time.perf_counter()
            store.search("人工智能")
            print(f"first search after a run that wrote {PER_SOURCE} posts: "
                  f"{time.perf_counter() - began:.2f} s")
        size_with = compact(path)
        print(f"store before the index: {size_without / 1e6:.1f} MB; with it: "
              f"{size_with / 1e6:.1f} MB (index {(size_with - size_without) / 1e6:.1f} MB, "
              f"{(size_with - size_without) / args.posts / 1e3:.1f} kB per post)")
        with Store(path) as store:
            for label, query in QUERIES:
                best, hits = float("inf"), []
                for _ in range(args.repeats):
                    began = time.perf_counter()
                    hits = store.search(query, limit=20)
                    best = min(best, time.perf_counter() - began)
                total = len(search_module.search_articles(store.db, query, limit=10**6))
                print(f"  {label:55} {query!r:12} {best * 1e3:7.1f} ms  "
                      f"({total} posts match, {len(hits)} shown)")


if __name__ == "__main__":
    main()
