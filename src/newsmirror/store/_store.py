"""The state store: what the mirror remembers, in SQLite (one file per site, the
default) or PostgreSQL (one database that workers on many machines share).

It remembers each source's stable id (everything else is keyed by it, so a renamed
source keeps its posts), per source every item's identity, its post file, a hash of what
the feed said, and when it was first seen (the date of dateless items), so that reruns write
nothing new, never duplicate a post, and notice edits. It also keeps HTTP validators for
conditional GET, each source's health, and the raw article pages (compressed) so that
posts can be re-extracted after a rule changes.

Writing a post is a two-step protocol that survives a kill at any point: the item row
is first committed as ``pending`` with its file name, the file is then written
atomically, and the row becomes ``written``. A rerun rewrites pending rows to the same
file name. With each post the store keeps the article it was rendered from, so a post
can be written again without its source (``rebuild``, and a post whose publication did
not land: see ``pipeline/_reconcile.py``). Workers stop after the first step: their
pending rows are the publisher's to write (``pipeline/_publish.py``).

Both databases run the same SQL (``_db.py``) and the same migrations (``_schema.py``).
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ..errors import DiskFullError, NewsmirrorError, StoreCorruptError, StoreError
from ..model import Article
from ..util.dates import canonical_iso, from_iso, iso, utc_now
from ._articles import pack_article, unpack_article
from ._db import SqliteDatabase, connect, redact_url
from ._images import (
    ImageRecord,
    image_records,
    image_urls_at,
    image_waiters,
    put_images,
    waiting_images,
)
from ._pages import compress_page, decompress_page
from ._queue import QueueMixin
from ._records import CachedResponse, Health, ItemRecord, SourceRecord
from ._schema import migrate
from ._search import SearchHit, forget_articles, mark_changed, refresh_index, search_articles
from ._snapshot import SNAPSHOT_ENCODER, parse_snapshot
from ._versions import Version, add_version, edited_items, versions_of

__all__ = ["Store", "store_failure"]


class Store(QueueMixin):
    """``target``: an SQLite file's path, or a ``postgresql://`` URL."""

    def __init__(self, target: Path | str):
        self.path = target
        try:
            self.db = connect(target)
        except sqlite3.DatabaseError as exc:
            raise _unusable(target, exc) from None
        try:
            migrate(self.db)  # (a newer schema is refused)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise _unusable(target, exc) from None
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            yield

    # --- facts about the store itself ---------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- sources ------------------------------------------------------------------------

    def sources(self) -> dict[str, SourceRecord]:
        rows = self.db.execute("SELECT id, name, url FROM sources")
        return {row[0]: SourceRecord(*row) for row in rows}

    def put_sources(self, records: Iterable[SourceRecord]) -> None:
        """Insert sources or update their name and URL; ids are never changed."""
        self.db.executemany(
            "INSERT INTO sources (id, name, url, first_seen) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, url = excluded.url",
            [(r.id, r.name, r.url, iso(utc_now())) for r in records],
        )

    # --- items ----------------------------------------------------------------------

    def items_of(self, source: str) -> dict[str, ItemRecord]:
        rows = self.db.execute(
            "SELECT source, key, link, post_path, content_hash, first_seen, published, state"
            " FROM items WHERE source = ?",
            (source,),
        )
        return {row[1]: _item(row) for row in rows}

    def post_path_taken(self, post_path: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM items WHERE lower(post_path) = lower(?)", (post_path,)
        ).fetchone()
        return row is not None

    def put_item(self, record: ItemRecord) -> None:
        self.put_items([record])

    def put_items(self, records: Iterable[ItemRecord]) -> None:
        """Insert or update items (one statement for all: a source's items in one call)."""
        now = iso(utc_now())
        self.db.executemany(
            "INSERT INTO items (source, key, link, post_path, content_hash, first_seen,"
            " published, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (source, key) DO UPDATE SET link = excluded.link,"
            " content_hash = excluded.content_hash, published = excluded.published,"
            " state = excluded.state, updated_at = excluded.updated_at",
            [(*_columns(r), r.state, now) for r in records],
        )

    # --- items left out, and articles claimed across sources -------------------------

    def filtered_keys(self, source: str) -> set[str]:
        rows = self.db.execute("SELECT key FROM filtered WHERE source = ?", (source,))
        return {row[0] for row in rows}

    def put_filtered(self, source: str, reasons: Iterable[tuple[str, str]], seen: datetime) -> None:
        """Record items (key, reason) of ``source`` as left out; the first reason stays."""
        self.db.executemany(
            "INSERT INTO filtered (source, key, reason, first_seen) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(source, key, reason, iso(seen)) for key, reason in reasons],
        )

    def canonical_owner(self, url: str) -> tuple[str, str] | None:
        """The (source id, item key) first posted under canonical ``url``."""
        row = self.db.execute(
            "SELECT source, key FROM canonical_urls WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def claim_canonical(self, claims: Iterable[tuple[str, str, str]]) -> None:
        """(url, source id, key): the first claim of a URL stays its owner."""
        self.db.executemany(
            "INSERT INTO canonical_urls (url, source, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            list(claims),
        )

    def mark_written(self, source: str, keys: list[str]) -> None:
        self.db.executemany(
            "UPDATE items SET state = 'written' WHERE source = ? AND key = ?",
            [(source, key) for key in keys],
        )

    def put_articles(self, articles: Iterable[tuple[str, str, Article]]) -> None:
        """What posts were rendered from, as (source, key, article); marked for the
        search index, which the next search brings up to date (``_search.py``)."""
        articles = list(articles)
        self.db.executemany(
            "INSERT INTO articles (source, key, article) VALUES (?, ?, ?)"
            " ON CONFLICT (source, key) DO UPDATE SET article = excluded.article",
            [(source, key, pack_article(article)) for source, key, article in articles],
        )
        mark_changed(self.db, [(source, key) for source, key, _ in articles])

    def search(
        self,
        query: str,
        *,
        sources: Sequence[str] = (),
        since: datetime | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        """Written posts matching every word of ``query`` (see ``_search.py``)."""
        if not isinstance(self.db, SqliteDatabase):
            raise StoreError(
                f"{self.db.name}: search reads the full-text index of an SQLite store; "
                "a PostgreSQL store has none: search the published site instead"
            )
        refresh_index(self.db.raw)  # the articles stored since the last search
        return search_articles(self.db.raw, query, sources=sources, since=since, limit=limit)

    def forget_items(self, keys: Iterable[tuple[str, str]]) -> None:
        """Drop the stored article, earlier versions, raw page and search text of (source,
        key) items; the items themselves stay, as tombstones (pruned posts)."""
        keys = list(keys)
        self.db.executemany("DELETE FROM articles WHERE source = ? AND key = ?", keys)
        self.db.executemany("DELETE FROM versions WHERE source = ? AND key = ?", keys)
        self.db.executemany("DELETE FROM pages WHERE source = ? AND key = ?", keys)
        forget_articles(self.db, keys)

    def article(self, source: str, key: str) -> Article | None:
        row = self.db.execute(
            "SELECT article FROM articles WHERE source = ? AND key = ?", (source, key)
        ).fetchone()
        return unpack_article(row[0]) if row else None

    # --- earlier versions of edited posts (``_versions.py``) ---------------------------

    def put_version(self, source: str, key: str, seen: datetime, article: Article) -> int:
        """Keep ``article``, first seen at ``seen``, as the item's next earlier version."""
        return add_version(self.db, source, key, seen, article)

    def versions(self, source: str, key: str) -> list[Version]:
        """The item's earlier versions, oldest first."""
        return versions_of(self.db, source, key)

    def edited_posts(self) -> list[tuple[str, str, str, datetime]]:
        """(source, key, post path, first seen) of every written post with earlier
        versions."""
        return edited_items(self.db)

    def set_pending(self, keys: Iterable[tuple[str, str]]) -> None:
        """Mark items as not written: the next poll of their source writes them."""
        self.db.executemany(
            "UPDATE items SET state = 'pending' WHERE source = ? AND key = ?", list(keys)
        )

    def forget_cached_response(self, url: str) -> None:
        self.db.execute("DELETE FROM http_cache WHERE url = ?", (url,))

    def post_count(self, source: str) -> int:
        return self.db.execute("SELECT count(*) FROM items WHERE source = ?", (source,)).fetchone()[
            0
        ]

    def written_posts(self) -> list[tuple[str, str, str]]:
        """(source, key, post path) of every item whose post was written."""
        return self.db.execute(
            "SELECT source, key, post_path FROM items WHERE state = 'written'"
        ).fetchall()

    def all_items(self) -> list[ItemRecord]:
        rows = self.db.execute(
            "SELECT source, key, link, post_path, content_hash, first_seen, published, state"
            " FROM items ORDER BY source, key"
        )
        return [_item(row) for row in rows]

    # --- HTTP validators --------------------------------------------------------------

    def cached_response(self, url: str) -> CachedResponse | None:
        row = self.db.execute(
            "SELECT etag, last_modified, body_hash FROM http_cache WHERE url = ?", (url,)
        ).fetchone()
        return CachedResponse(*row) if row else None

    def put_cached_response(self, url: str, cached: CachedResponse) -> None:
        self.db.execute(
            "INSERT INTO http_cache (url, etag, last_modified, body_hash, checked_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
            " last_modified = excluded.last_modified, body_hash = excluded.body_hash,"
            " checked_at = excluded.checked_at",
            (url, cached.etag, cached.last_modified, cached.body_hash, iso(utc_now())),
        )

    # --- source health ------------------------------------------------------------------

    def health(self, source: str) -> Health:
        row = self.db.execute(
            "SELECT source, failures, last_error, last_success, last_attempt, next_due,"
            " last_item_count FROM source_health WHERE source = ?",
            (source,),
        ).fetchone()
        if row is None:
            return Health(source)
        return Health(
            row[0], row[1], row[2], from_iso(row[3]), from_iso(row[4]), from_iso(row[5]), row[6]
        )

    def put_health(self, health: Health) -> None:
        self.db.execute(
            "INSERT INTO source_health (source, failures, last_error, last_success,"
            " last_attempt, next_due, last_item_count) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (source) DO UPDATE SET failures = excluded.failures,"
            " last_error = excluded.last_error, last_success = excluded.last_success,"
            " last_attempt = excluded.last_attempt, next_due = excluded.next_due,"
            " last_item_count = excluded.last_item_count",
            (
                health.source,
                health.failures,
                health.last_error,
                iso(health.last_success) if health.last_success else None,
                iso(health.last_attempt) if health.last_attempt else None,
                iso(health.next_due) if health.next_due else None,
                health.last_item_count,
            ),
        )

    # --- raw pages ------------------------------------------------------------------------

    def put_page(
        self, source: str, key: str, url: str, content_type: str | None, body: bytes
    ) -> None:
        self.put_compressed_page(source, key, url, content_type, compress_page(body))

    def put_compressed_page(
        self, source: str, key: str, url: str, content_type: str | None, compressed: bytes
    ) -> None:
        """``put_page`` for a body already passed through ``compress_page`` (the pipeline
        compresses in its extraction workers)."""
        self.db.execute(
            "INSERT INTO pages (source, key, url, content_type, fetched_at, body)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, key) DO UPDATE SET"
            " url = excluded.url, content_type = excluded.content_type,"
            " fetched_at = excluded.fetched_at, body = excluded.body",
            (source, key, url, content_type, iso(utc_now()), compressed),
        )

    def pages_of(self, source: str) -> Iterator[tuple[str, str, str | None, bytes]]:
        """(key, final URL, content type, raw bytes) of every stored page of a source."""
        rows = self.db.execute(
            "SELECT key, url, content_type, body FROM pages WHERE source = ?", (source,)
        )
        for key, url, content_type, body in rows:
            yield key, url, content_type, decompress_page(body)

    # --- text snapshot for git ----------------------------------------------------------

    # --- images kept in the site (_images.py) -------------------------------------------

    def images(self, urls: Iterable[str]) -> dict[str, ImageRecord]:
        return image_records(self.db, urls)

    def put_images(
        self, records: Iterable[ImageRecord], waits: Iterable[tuple[str, str, str]] = ()
    ) -> None:
        put_images(self.db, records, waits)

    def waiting_images(self, max_attempts: int) -> list[ImageRecord]:
        return waiting_images(self.db, max_attempts)

    def image_waiters(self, url: str) -> list[tuple[str, str]]:
        return image_waiters(self.db, url)

    def image_urls_at(self, paths: Iterable[str]) -> dict[str, str]:
        return image_urls_at(self.db, paths)

    def export_snapshot(self) -> str:
        """The durable part of the state as sorted JSON lines: diffs well in git.

        The sources first (id, name, URL), then the items. Written after every run that
        posted, so it costs O(all items): rows go straight to one reused encoder
        (``json.dumps`` with options builds an encoder per call), timestamps as stored
        when they are in ``iso`` form already (they always are).
        """
        encode = SNAPSHOT_ENCODER.encode
        sources = self.db.execute("SELECT id, name, url FROM sources ORDER BY id")
        rows = self.db.execute(
            "SELECT source, key, link, post_path, content_hash, first_seen, published, state"
            " FROM items ORDER BY source, key"
        )
        head = "".join(
            encode({"source": id_, "name": name, "url": url}) + "\n" for id_, name, url in sources
        )
        lines = [head]
        for source, key, link, post, content_hash, first_seen, published, state in rows:
            line = {
                "source": source,
                "key": key,
                "link": link,
                "post": post,
                "hash": content_hash,
                "first_seen": canonical_iso(first_seen),
                "published": canonical_iso(published),
            }
            if state != "written":  # not published yet: a fresh checkout writes it
                line["state"] = state
            lines.append(encode(line) + "\n")
        return "".join(lines)

    def merge_snapshot(self, text: str) -> int:
        """Add the sources and items of an ``export_snapshot`` that the store lacks.

        Used on every open: a store restored from an older cache (or lost entirely) then
        still knows every post the snapshot in git knows, so nothing is posted twice.
        Returns how many items were added; a snapshot already merged costs one hash.
        """
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        row = self.db.execute("SELECT value FROM meta WHERE key = 'snapshot'").fetchone()
        if row and row[0] == digest:
            return 0
        snapshot = parse_snapshot(text)
        with self.transaction():
            self.db.executemany(
                "INSERT INTO sources (id, name, url, first_seen) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [(r.id, r.name, r.url, iso(utc_now())) for r in snapshot.sources],
            )
            added = self._insert_new_items(snapshot.items)
            self.set_meta("snapshot", digest)
        return added

    def _insert_new_items(self, records: list[ItemRecord]) -> int:
        count = "SELECT count(*) FROM items"
        before = self.db.execute(count).fetchone()[0]
        self.db.executemany(
            "INSERT INTO items (source, key, link, post_path, content_hash,"
            " first_seen, published, state, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(*_columns(r), r.state, iso(utc_now())) for r in records],
        )
        return int(self.db.execute(count).fetchone()[0]) - int(before)


def _unusable(target: Path | str, exc: sqlite3.DatabaseError) -> NewsmirrorError:
    failure = store_failure(target, exc)
    if failure is not None:
        return failure
    return StoreError(f"{target}: cannot use the state store: {exc}")


def store_failure(path: Path | str, exc: BaseException) -> NewsmirrorError | None:
    """The error that stops a run when ``exc`` says the state file at ``path`` cannot be
    used at all, None for any other exception.

    A damaged file (SQLite's plain ``DatabaseError``) names the way out, ``reindex``; a
    full disk (``SQLITE_FULL``, an ``OperationalError`` like a busy database) says to
    free space. Either would fail every source the same way, so neither is one source's
    failure.
    """
    psycopg = sys.modules.get("psycopg")  # imported by a PostgreSQL store only
    if psycopg is not None and isinstance(exc, psycopg.OperationalError):
        return StoreError(f"{redact_url(str(path))}: the state database failed: {exc}")
    if type(exc) is sqlite3.DatabaseError:
        return StoreCorruptError(
            f"{path}: the state store is unreadable ({exc}); "
            "rebuild it from the posts and the snapshot with `newsmirror reindex --site SITE`"
        )
    if isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
    ):
        return DiskFullError(
            f"{path}: cannot write the state store: the disk is full; free some space and "
            "run again (what was written is kept, and the next run completes it)"
        )
    return None


def _item(row: tuple) -> ItemRecord:
    return ItemRecord(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        datetime.fromisoformat(row[5]),
        datetime.fromisoformat(row[6]),
        row[7],
    )


def _columns(record: ItemRecord) -> tuple[str | None, ...]:
    """An item's columns up to ``published``, in the order of the ``items`` table."""
    return (
        record.source,
        record.key,
        record.link,
        record.post_path,
        record.content_hash,
        iso(record.first_seen),
        iso(record.published),
    )
