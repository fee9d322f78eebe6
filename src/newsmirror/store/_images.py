"""Images kept in the site: which URL was saved as which file, and which downloads
failed, how often, and which posts wait for them (``images``, ``image_waits``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..util.dates import iso, utc_now
from ._db import Database

__all__ = [
    "ImageRecord",
    "image_records",
    "image_urls_at",
    "image_waiters",
    "put_images",
    "waiting_images",
]


@dataclass(frozen=True)
class ImageRecord:
    url: str
    path: str | None  # the kept file, relative to the site; None: not kept (yet)
    attempts: int = 0  # failed downloads
    error: str | None = None  # the last failure; REFUSED-prefixed ones are final

    REFUSED = "refused: "  # not an image, too large: a later run would get the same

    @property
    def final(self) -> bool:
        return self.error is not None and self.error.startswith(self.REFUSED)


def image_records(db: Database, urls: Iterable[str]) -> dict[str, ImageRecord]:
    found = {}
    for url in urls:
        row = db.execute(
            "SELECT url, path, attempts, error FROM images WHERE url = ?", (url,)
        ).fetchone()
        if row:
            found[url] = ImageRecord(*row)
    return found


def image_urls_at(db: Database, paths: Iterable[str]) -> dict[str, str]:
    """The URL each kept file (by its site-relative path) was downloaded from."""
    found = {}
    for path in paths:
        row = db.execute("SELECT url FROM images WHERE path = ?", (path,)).fetchone()
        if row:
            found[path] = row[0]
    return found


def put_images(
    db: Database,
    records: Iterable[ImageRecord],
    waits: Iterable[tuple[str, str, str]] = (),
) -> None:
    """Records of downloads (kept or failed); ``waits``: (url, source, key) of posts
    left with the remote URL of an image that may still be kept on a later run. A kept
    image no longer has posts waiting for it."""
    now = iso(utc_now())
    records = list(records)
    db.executemany(
        "INSERT INTO images (url, path, attempts, error, checked_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (url) DO UPDATE SET path = excluded.path, attempts = excluded.attempts,"
        " error = excluded.error, checked_at = excluded.checked_at",
        [(r.url, r.path, r.attempts, r.error, now) for r in records],
    )
    db.executemany(
        "INSERT INTO image_waits (url, source, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", waits
    )
    db.executemany(
        "DELETE FROM image_waits WHERE url = ?",
        [(r.url,) for r in records if r.path is not None or r.final],
    )


def waiting_images(db: Database, max_attempts: int) -> list[ImageRecord]:
    """Images posts wait for that may be tried again (fewer than ``max_attempts``)."""
    rows = db.execute(
        "SELECT url, path, attempts, error FROM images WHERE path IS NULL AND attempts < ?"
        " AND url IN (SELECT url FROM image_waits) ORDER BY url",
        (max_attempts,),
    )
    return [ImageRecord(*row) for row in rows]


def image_waiters(db: Database, url: str) -> list[tuple[str, str]]:
    """The (source, key) of the posts waiting for ``url``."""
    rows = db.execute("SELECT source, key FROM image_waits WHERE url = ?", (url,))
    return [(row[0], row[1]) for row in rows]
