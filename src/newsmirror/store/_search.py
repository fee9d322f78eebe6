"""Full-text search over the stored articles: an SQLite FTS5 index in the state store.

Tokenizer: FTS5 ``trigram`` (SQLite >= 3.34, checked by the first search). Every run
of three characters is a token, so any substring of three or more characters is found,
in Chinese as in English, with no word segmentation and no dictionary; matching ignores
case. A query word of one or two characters (common in Chinese: 中国, 美) cannot be
looked up in a trigram index, so it is matched with ``LIKE`` over the indexed text
instead: a scan of the index's own copy of the text, 0.2-0.8 s at 10,000 posts
(docs/PERFORMANCE.md, "CLI search"). The alternative measured, every CJK character its
own token (``unicode61`` after spacing the characters), finds short words through the
index, but was slower to fill, only a third smaller, four times slower for longer words,
and finds Latin words only whole; trigram keeps one rule for every script.

The index holds each article's title and plain text (``search_text``, contentful, so that
snippets can be cut from it), one row per stored article (``search_docs`` maps its rowid
to the article's source and key). It is brought up to date when a search needs it, not
on every write: storing an article (``Store.put_articles``: a run's new and edited posts,
``reindex``, a post written again) only marks it, and the next search indexes what was
marked, so an edited article is found by its new text, never its old, and a store made
before the index is filled on its first search. Indexing costs milliseconds an article,
several times what the rest of writing a post costs (docs/PERFORMANCE.md, "CLI search").
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..errors import StoreError
from ..model import Article
from ..util.dates import iso
from ..util.htmltext import html_to_text
from ._articles import unpack_article
from ._db import Database

__all__ = ["SearchHit", "forget_articles", "mark_changed", "refresh_index", "search_articles"]

# meta keys: the index was filled once (a store older than it is filled on first search);
# articles were stored since the last search
SEARCH_INDEXED = "search_indexed"
SEARCH_DIRTY = "search_dirty"

# The shortest query word the trigram index can look up itself.
TRIGRAM = 3
# Characters of text shown around the first match.
SNIPPET_BEFORE, SNIPPET_AFTER = 30, 90
MARK_OPEN, MARK_CLOSE = "**", "**"
# bm25 weights of the columns: a word in the title counts as much as ten in the text.
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0


@dataclass(frozen=True)
class SearchHit:
    source: str  # the source's id
    key: str
    title: str
    post_path: str
    published: datetime
    snippet: str  # text around the first match, every match marked **like this**


def mark_changed(db: Database, keys: Iterable[tuple[str, str]]) -> None:
    """Articles (source, key) were stored or replaced: the next search indexes them.

    Called wherever articles are stored (``Store.put_articles``), in the writer's
    transaction. Marking costs a few µs an article; indexing one costs milliseconds
    (docs/PERFORMANCE.md, "CLI search"), more than the rest of writing its post, so it
    waits for a search instead of slowing every run.
    """
    db.executemany("UPDATE search_docs SET stale = 1 WHERE source = ? AND key = ?", keys)
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, 'yes') ON CONFLICT (key) DO NOTHING",
        (SEARCH_DIRTY,),
    )


def refresh_index(db: sqlite3.Connection) -> int:
    """Index the stored articles that are new or changed since the last search (every
    article of a store made before the index); how many. One transaction: a run that
    stores articles meanwhile waits, and marks its own for the next search."""
    _create_index(db)
    dirty = db.execute("SELECT 1 FROM meta WHERE key = ?", (SEARCH_DIRTY,)).fetchone()
    indexed = db.execute("SELECT 1 FROM meta WHERE key = ?", (SEARCH_INDEXED,)).fetchone()
    if indexed and not dirty:
        return 0
    db.execute("BEGIN IMMEDIATE")
    try:
        todo = db.execute(
            "SELECT a.source, a.key, d.id FROM articles a"
            " LEFT JOIN search_docs d ON d.source = a.source AND d.key = a.key"
            " WHERE d.id IS NULL OR d.stale = 1"
        ).fetchall()
        for source, key, doc in todo:
            (stored,) = db.execute(
                "SELECT article FROM articles WHERE source = ? AND key = ?", (source, key)
            ).fetchone()
            _index(db, source, key, unpack_article(stored), doc)
        db.execute("DELETE FROM meta WHERE key = ?", (SEARCH_DIRTY,))
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, 'yes')", (SEARCH_INDEXED,))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return len(todo)


def _create_index(db: sqlite3.Connection) -> None:
    """The FTS5 table, made by the first search rather than with the other tables: an
    SQLite without the trigram tokenizer then fails ``search`` alone, not every command."""
    try:
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_text"
            " USING fts5(title, body, tokenize = 'trigram')"
        )
    except sqlite3.OperationalError as exc:
        raise StoreError(
            f"search needs SQLite 3.34 or later with FTS5 (this Python has SQLite "
            f"{sqlite3.sqlite_version}): {exc}"
        ) from None


def _index(
    db: sqlite3.Connection, source: str, key: str, article: Article, doc: int | None
) -> None:
    if doc is None:
        inserted = db.execute("INSERT INTO search_docs (source, key) VALUES (?, ?)", (source, key))
        doc = inserted.lastrowid or 0  # an INSERT into a rowid table always sets it
    else:
        db.execute("DELETE FROM search_text WHERE rowid = ?", (doc,))
        db.execute("UPDATE search_docs SET stale = 0 WHERE id = ?", (doc,))
    db.execute(
        "INSERT INTO search_text (rowid, title, body) VALUES (?, ?, ?)",
        (doc, article.title, html_to_text(article.body_html)),
    )


def forget_articles(db: Database, keys: Iterable[tuple[str, str]]) -> None:
    """Take (source, key) articles out of the index (their posts were pruned)."""
    for source, key in keys:
        row = db.execute(  # a row here means a search made the FTS5 table
            "SELECT id FROM search_docs WHERE source = ? AND key = ?", (source, key)
        ).fetchone()
        if row is not None:
            db.execute("DELETE FROM search_text WHERE rowid = ?", (row[0],))
            db.execute("DELETE FROM search_docs WHERE id = ?", (row[0],))


def search_articles(
    db: sqlite3.Connection,
    query: str,
    *,
    sources: Sequence[str] = (),
    since: datetime | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """The written posts whose title or text holds every word of ``query``, best first.

    Words of three characters or more go through the trigram index and rank by bm25
    (title weighted); a query made only of shorter words ranks by how often they occur
    (title weighted the same way), newer first on ties.
    """
    words = query_words(query)
    if not words:
        return []
    long_words = [w for w in words if len(w) >= TRIGRAM]
    where = ["i.state = 'written'"]
    params: list[object] = []
    if long_words:
        where.append("search_text MATCH ?")
        params.append(" ".join('"' + w.replace('"', '""') + '"' for w in long_words))
    for word in words:
        if len(word) < TRIGRAM:
            # on an expression, not a column: FTS5 would take ``body LIKE`` over and, for
            # fewer than 3 characters, match nothing (SQLite 3.40), where this scans
            where.append("(t.title || char(10) || t.body) LIKE ? ESCAPE '\\'")
            params.append("%" + re.sub(r"([\\%_])", r"\\\1", word) + "%")
    if sources:
        where.append(f"i.source IN ({', '.join('?' * len(sources))})")
        params += sources
    if since is not None:
        where.append("i.published >= ?")
        params.append(iso(since))
    rank = f"bm25(search_text, {TITLE_WEIGHT}, {BODY_WEIGHT})" if long_words else "0"
    sql = (
        f"SELECT i.source, i.key, t.title, i.post_path, i.published, t.body, {rank}"
        " FROM search_text t JOIN search_docs d ON d.id = t.rowid"
        " JOIN items i ON i.source = d.source AND i.key = d.key"
        f" WHERE {' AND '.join(where)}"
    )
    rows: list[tuple] = []
    if long_words:  # the index ranks (bm25: lower is better); only the best rows are read
        sql += " ORDER BY 7, i.published DESC LIMIT ?"
        rows = db.execute(sql, (*params, limit)).fetchall()
    else:  # a scan found them all: rank here
        found = db.execute(sql, params).fetchall()
        found.sort(key=lambda r: (_occurrences(words, r[2], r[5]), r[4]), reverse=True)
        rows = found[:limit]
    return [
        SearchHit(source, key, title, path, datetime.fromisoformat(published), snippet(body, words))
        for source, key, title, path, published, body, _ in rows
    ]


def query_words(query: str) -> list[str]:
    """The words of a query: split on white space, quotes dropped, each word once."""
    words = [w.strip('"') for w in query.split()]
    return list(dict.fromkeys(w for w in words if w))


def _occurrences(words: Sequence[str], title: str, body: str) -> float:
    title, body = title.casefold(), body.casefold()
    return sum(
        TITLE_WEIGHT * title.count(w.casefold()) + BODY_WEIGHT * body.count(w.casefold())
        for w in words
    )


def snippet(text: str, words: Sequence[str]) -> str:
    """The text around the first match of any word, every match in it marked."""
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    flat = " ".join(text.split())
    first = pattern.search(flat)
    if first is None:  # matched in the title only: the start of the text
        size = SNIPPET_BEFORE + SNIPPET_AFTER
        return flat[:size] + ("…" if len(flat) > size else "")
    start = max(0, first.start() - SNIPPET_BEFORE)
    end = min(len(flat), first.end() + SNIPPET_AFTER)
    marked = pattern.sub(lambda m: MARK_OPEN + m.group(0) + MARK_CLOSE, flat[start:end])
    return ("…" if start else "") + marked + ("…" if end < len(flat) else "")
