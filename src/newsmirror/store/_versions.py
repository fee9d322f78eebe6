"""Earlier versions of edited articles: what a post said before an edit replaced it,
compressed like the current article (``_articles.py``), with when it was first seen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..model import Article
from ..util.dates import iso
from ._articles import pack_article, unpack_article
from ._db import Database

__all__ = ["Version", "add_version", "edited_items", "versions_of"]


@dataclass(frozen=True)
class Version:
    """One earlier version of an article: 1 is the article as first posted."""

    number: int
    seen: datetime  # when this version was first seen (UTC)
    article: Article


def add_version(db: Database, source: str, key: str, seen: datetime, article: Article) -> int:
    """Keep ``article`` as the next earlier version of the item; its number."""
    row = db.execute(
        "SELECT coalesce(max(number), 0) FROM versions WHERE source = ? AND key = ?",
        (source, key),
    ).fetchone()
    number = int(row[0]) + 1
    db.execute(
        "INSERT INTO versions (source, key, number, seen, article) VALUES (?, ?, ?, ?, ?)",
        (source, key, number, iso(seen), pack_article(article)),
    )
    return number


def versions_of(db: Database, source: str, key: str) -> list[Version]:
    """The item's earlier versions, oldest first (the current one is in ``articles``)."""
    rows = db.execute(
        "SELECT number, seen, article FROM versions WHERE source = ? AND key = ? ORDER BY number",
        (source, key),
    )
    return [Version(n, datetime.fromisoformat(seen), unpack_article(a)) for n, seen, a in rows]


def edited_items(db: Database) -> list[tuple[str, str, str, datetime]]:
    """(source, key, post path, first seen) of every written post with earlier versions."""
    rows = db.execute(
        "SELECT i.source, i.key, i.post_path, i.first_seen FROM items i"
        " WHERE i.state = 'written' AND EXISTS (SELECT 1 FROM versions v"
        " WHERE v.source = i.source AND v.key = i.key) ORDER BY i.post_path"
    )
    return [(s, k, p, datetime.fromisoformat(f)) for s, k, p, f in rows]
