"""The state store: one SQLite file per site.

It remembers, per source, every item's identity, its post file, a hash of what the feed
said, and when it was first seen (the date of dateless items), so that reruns write
nothing new, never duplicate a post, and notice edits. It also keeps HTTP validators for
conditional GET, each source's health, and the raw article pages (compressed) so that
posts can be re-extracted after a rule changes.

Writing a post is a two-step protocol that survives a kill at any point: the item row
is first committed as ``pending`` with its file name, the file is then written
atomically, and the row becomes ``written``. A rerun rewrites pending rows to the same
file name; a ``written`` row whose file is gone was deleted by hand (a tombstone).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import brotli

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    source TEXT NOT NULL,
    key TEXT NOT NULL,              -- identity within the source (guid, link or hash)
    link TEXT,
    post_path TEXT NOT NULL,        -- relative to the site folder
    content_hash TEXT NOT NULL,     -- hash of the item as the source gave it
    first_seen TEXT NOT NULL,       -- ISO 8601 UTC
    published TEXT NOT NULL,        -- ISO 8601 UTC, as written in the post
    state TEXT NOT NULL CHECK (state IN ('pending', 'written')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE UNIQUE INDEX IF NOT EXISTS items_post_path ON items (lower(post_path));
CREATE TABLE IF NOT EXISTS http_cache (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    checked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS source_health (
    source TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,   -- consecutive
    last_error TEXT,
    last_success TEXT,
    last_attempt TEXT,
    next_due TEXT,
    last_item_count INTEGER
);
CREATE TABLE IF NOT EXISTS pages (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    url TEXT NOT NULL,              -- final URL after redirects
    content_type TEXT,
    fetched_at TEXT NOT NULL,
    body BLOB NOT NULL,             -- raw bytes, compressed (see compress_page)
    PRIMARY KEY (source, key)
);
"""


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


_ISO_UTC_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def _canonical_iso(text: str) -> str:
    """``iso(from_iso(text))``, without the round trip for text already in that form."""
    return text if _ISO_UTC_MILLIS.fullmatch(text) else iso(datetime.fromisoformat(text))


_SNAPSHOT_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class ItemRecord:
    source: str
    key: str
    link: str | None
    post_path: str
    content_hash: str
    first_seen: datetime
    published: datetime
    state: str


@dataclass(frozen=True)
class Health:
    source: str
    failures: int = 0
    last_error: str | None = None
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    next_due: datetime | None = None
    last_item_count: int | None = None


@dataclass(frozen=True)
class CachedResponse:
    etag: str | None
    last_modified: str | None
    body_hash: str | None


def compress_page(body: bytes) -> bytes:
    """A raw page as the ``pages`` table stores it: ``_BROTLI`` + brotli quality 0.

    Brotli quality 0: ~85 µs for a 40 KB page against ~195 µs for zlib level 1 (and ~850
    at zlib's default 6), for a stored size ~7% larger (10.2 -> 10.9 KB on the bench
    corpus); these pages are kept for rare reprocessing, so CPU on every run matters more
    than the last kilobyte. Pages stored by earlier versions are plain zlib streams, which
    never start with a zero byte (their first byte names the deflate method, 8):
    ``decompress_page`` reads both.
    """
    return _BROTLI + brotli.compress(body, quality=0)


_BROTLI = b"\x00"  # format marker: a zlib stream's first byte is never 0


def decompress_page(stored: bytes) -> bytes:
    """The raw page of a ``pages.body`` value (brotli with the marker, or older zlib)."""
    if stored[:1] == _BROTLI:
        return brotli.decompress(memoryview(stored)[1:])
    return zlib.decompress(stored)


class StoreError(Exception):
    """The state file cannot be opened or is not a newsmirror store."""


class Store:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, isolation_level=None)  # explicit transactions
            # WAL + NORMAL: commits do not fsync, yet a killed process never corrupts the
            # database or loses a committed transaction (only power loss could).
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=5000")
            self.db.executescript(_SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot use the state store: {exc}") from None

    def _check_version(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: written by a newer newsmirror "
                             f"(schema {row[0]}); upgrade newsmirror")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- items ----------------------------------------------------------------------

    def items_of(self, source: str) -> dict[str, ItemRecord]:
        rows = self.db.execute(
            "SELECT source, key, link, post_path, content_hash, first_seen, published, state"
            " FROM items WHERE source = ?", (source,))
        return {row[1]: _item(row) for row in rows}

    def post_path_taken(self, post_path: str) -> bool:
        row = self.db.execute("SELECT 1 FROM items WHERE lower(post_path) = lower(?)",
                              (post_path,)).fetchone()
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
            [(r.source, r.key, r.link, r.post_path, r.content_hash, iso(r.first_seen),
              iso(r.published), r.state, now) for r in records])

    def mark_written(self, source: str, keys: list[str]) -> None:
        self.db.executemany("UPDATE items SET state = 'written' WHERE source = ? AND key = ?",
                            [(source, key) for key in keys])

    def post_count(self, source: str) -> int:
        return self.db.execute("SELECT count(*) FROM items WHERE source = ?",
                               (source,)).fetchone()[0]

    def all_items(self) -> list[ItemRecord]:
        rows = self.db.execute(
            "SELECT source, key, link, post_path, content_hash, first_seen, published, state"
            " FROM items ORDER BY source, key")
        return [_item(row) for row in rows]

    # --- HTTP validators --------------------------------------------------------------

    def cached_response(self, url: str) -> CachedResponse | None:
        row = self.db.execute("SELECT etag, last_modified, body_hash FROM http_cache"
                              " WHERE url = ?", (url,)).fetchone()
        return CachedResponse(*row) if row else None

    def put_cached_response(self, url: str, cached: CachedResponse) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO http_cache VALUES (?, ?, ?, ?, ?)",
            (url, cached.etag, cached.last_modified, cached.body_hash, iso(utc_now())))

    # --- source health ------------------------------------------------------------------

    def health(self, source: str) -> Health:
        row = self.db.execute(
            "SELECT source, failures, last_error, last_success, last_attempt, next_due,"
            " last_item_count FROM source_health WHERE source = ?", (source,)).fetchone()
        if row is None:
            return Health(source)
        return Health(row[0], row[1], row[2], from_iso(row[3]), from_iso(row[4]),
                      from_iso(row[5]), row[6])

    def put_health(self, health: Health) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO source_health VALUES (?, ?, ?, ?, ?, ?, ?)",
            (health.source, health.failures, health.last_error,
             iso(health.last_success) if health.last_success else None,
             iso(health.last_attempt) if health.last_attempt else None,
             iso(health.next_due) if health.next_due else None, health.last_item_count))

    # --- raw pages ------------------------------------------------------------------------

    def put_page(self, source: str, key: str, url: str, content_type: str | None,
                 body: bytes) -> None:
        self.put_compressed_page(source, key, url, content_type, compress_page(body))

    def put_compressed_page(self, source: str, key: str, url: str, content_type: str | None,
                            compressed: bytes) -> None:
        """``put_page`` for a body already passed through ``compress_page`` (the pipeline
        compresses in its extraction workers)."""
        self.db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?)",
                        (source, key, url, content_type, iso(utc_now()), compressed))

    def pages_of(self, source: str) -> Iterator[tuple[str, str, str | None, bytes]]:
        """(key, final URL, content type, raw bytes) of every stored page of a source."""
        rows = self.db.execute("SELECT key, url, content_type, body FROM pages"
                               " WHERE source = ?", (source,))
        for key, url, content_type, body in rows:
            yield key, url, content_type, decompress_page(body)

    # --- text snapshot for git ----------------------------------------------------------

    def export_items(self) -> str:
        """The durable part of the state as sorted JSON lines: diffs well in git.

        Written after every run that posted, so it costs O(all items): rows go straight
        to one reused encoder (``json.dumps`` with options builds an encoder per call),
        timestamps as stored when they are in ``iso`` form already (they always are).
        """
        encode = _SNAPSHOT_ENCODER.encode
        rows = self.db.execute(
            "SELECT source, key, link, post_path, content_hash, first_seen, published"
            " FROM items ORDER BY source, key")
        return "".join(encode({
            "source": source, "key": key, "link": link, "post": post, "hash": content_hash,
            "first_seen": _canonical_iso(first_seen), "published": _canonical_iso(published),
        }) + "\n" for source, key, link, post, content_hash, first_seen, published in rows)

    def merge_items(self, text: str) -> int:
        """Add the items of an ``export_items`` snapshot that the store does not know.

        Used on every open: a store restored from an older cache (or lost entirely) then
        still knows every post the snapshot in git knows, so nothing is posted twice.
        Returns how many items were added; a snapshot already merged costs one hash.
        """
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        row = self.db.execute("SELECT value FROM meta WHERE key = 'snapshot'").fetchone()
        if row and row[0] == digest:
            return 0
        records = [_record_from_json(number, line)
                   for number, line in enumerate(text.splitlines(), 1) if line.strip()]
        with self.transaction():
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO items (source, key, link, post_path, content_hash,"
                " first_seen, published, state, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'written', ?)",
                [(r.source, r.key, r.link, r.post_path, r.content_hash, iso(r.first_seen),
                  iso(r.published), iso(utc_now())) for r in records])
            added = self.db.total_changes - before
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('snapshot', ?)", (digest,))
        return added


def _record_from_json(number: int, line: str) -> ItemRecord:
    try:
        data = json.loads(line)
        return ItemRecord(data["source"], data["key"], data.get("link"), data["post"],
                          data["hash"], datetime.fromisoformat(data["first_seen"]),
                          datetime.fromisoformat(data["published"]), "written")
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"state snapshot line {number}: {exc}") from None


def _item(row: tuple) -> ItemRecord:
    return ItemRecord(row[0], row[1], row[2], row[3], row[4],
                      datetime.fromisoformat(row[5]), datetime.fromisoformat(row[6]), row[7])
