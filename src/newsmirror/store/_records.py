"""The rows of the state store as typed records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["CachedResponse", "Health", "ItemRecord", "ItemState", "SourceRecord"]

# "pending": the post's name is reserved and its file may not be written yet;
# "written": the file was written (if it is gone now, it was deleted by hand)
ItemState = Literal["pending", "written"]


@dataclass(frozen=True)
class SourceRecord:
    """A source as the store knows it: a stable id, and its name and URL when last run."""

    id: str
    name: str
    url: str


@dataclass(frozen=True)
class ItemRecord:
    source: str  # the source's id
    key: str
    link: str | None
    post_path: str
    content_hash: str
    first_seen: datetime
    published: datetime
    state: ItemState


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
