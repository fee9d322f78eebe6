"""Which items of a feed need a post: new ones, edited ones, and unfinished or restored
ones; each with a stable identity."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from ..config import Source
from ..model import FeedItem
from ..store import ItemRecord
from ._context import RunContext

__all__ = ["Planned", "item_identities", "plan"]


@dataclass(frozen=True)
class Planned:
    """An item that needs a post (new, edited, resumed or restored)."""

    item: FeedItem
    key: str
    content_hash: str
    record: ItemRecord | None  # None for a new item
    first_seen: datetime


def item_identities(source: Source, items: tuple[FeedItem, ...]) -> list[str]:
    """A stable key per item: guid, else link, else a hash of title and content.

    A guid that the feed repeats for several items is made unique with the item's link
    (or content), so that a feed reusing one guid still yields distinct posts.
    """
    guid_counts: dict[str, int] = {}
    for item in items:
        if item.guid:
            guid_counts[item.guid] = guid_counts.get(item.guid, 0) + 1
    keys = []
    for item in items:
        if source.id_key == "guid" and item.guid:
            key = f"guid:{item.guid}"
            if guid_counts[item.guid] > 1:
                key += "|" + (item.link or _digest(item.title, item.content_html))
        elif item.link:
            key = f"link:{item.link}"
        else:
            key = f"hash:{_digest(item.title, item.content_html)}"
        keys.append(key)
    return keys


def _digest(*parts: str | None) -> str:
    return hashlib.sha256("\0".join(p or "" for p in parts).encode("utf-8")).hexdigest()


def plan(ctx: RunContext, source: Source, items: tuple[FeedItem, ...]) -> list[Planned]:
    known = ctx.store.items_of(source.name)
    planned: list[Planned] = []
    seen: set[str] = set()
    for item, key in zip(items, item_identities(source, items), strict=True):
        if key in seen:  # the very same item twice in one feed
            continue
        seen.add(key)
        record = known.get(key) or _by_plain_guid(known, key, item)
        content_hash = _digest(item.title, item.link, item.content_html)
        if record is None:
            planned.append(Planned(item, key, content_hash, None, ctx.now))
        elif _needs_rewrite(ctx, record, content_hash):
            planned.append(Planned(item, record.key, content_hash, record, record.first_seen))
    return planned


def _by_plain_guid(known: dict[str, ItemRecord], key: str, item: FeedItem) -> ItemRecord | None:
    # An item stored under its plain guid before the feed started repeating that guid.
    if "|" not in key or not key.startswith("guid:"):
        return None
    record = known.get(f"guid:{item.guid}")
    return record if record and record.link == item.link else None


def _needs_rewrite(ctx: RunContext, record: ItemRecord, content_hash: str) -> bool:
    if record.state == "pending":  # a previous run was killed before the file was done
        return True
    if not (ctx.config.root / record.post_path).exists():
        return ctx.options.restore  # deleted by hand: a tombstone unless --restore
    return record.content_hash != content_hash
