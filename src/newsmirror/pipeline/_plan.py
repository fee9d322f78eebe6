"""Which items of a feed need a post: new ones, edited ones, and unfinished or restored
ones; each with a stable identity."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from ..config import Source
from ..model import FeedItem, SourceReport
from ..store import ItemRecord
from ..util.htmltext import html_to_text
from ..util.urls import canonical_url
from ._context import RunContext
from ._filters import left_out

__all__ = ["Planned", "has_content", "item_identities", "plan"]


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

    A guid that the feed repeats for several items is made unique with the item's link;
    a key that is still repeated (the same guid and link, or the same link) by items
    that differ is made unique with a hash of their title and content, so that no
    distinct item is lost. Items that are the same in every respect keep one key.
    """
    guid_counts = Counter(item.guid for item in items if item.guid)
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
    repeated = Counter(keys)
    return [
        f"{key}#{_digest(item.title, item.content_html)[:16]}"
        if repeated[key] > 1 and not key.startswith("hash:")
        else key
        for key, item in zip(keys, items, strict=True)
    ]


def _digest(*parts: str | None) -> str:
    return hashlib.sha256("\0".join(p or "" for p in parts).encode("utf-8")).hexdigest()


def plan(
    ctx: RunContext, source: Source, items: tuple[FeedItem, ...], report: SourceReport
) -> tuple[list[Planned], list[tuple[str, str]]]:
    """The items that need a post, and the new ones left out (key, why)."""
    known = ctx.store.items_of(source.id)
    filtered = ctx.store.filtered_keys(source.id)
    planned: list[Planned] = []
    left: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item, key in zip(items, item_identities(source, items), strict=True):
        if key in seen or key in filtered:  # the same item twice in one feed; left out before
            continue
        seen.add(key)
        if is_empty(item):
            report.warnings.append(
                f"{source.name}: an item with no title, no content and no link was skipped"
            )
            continue
        record = known.get(key) or _by_plain_guid(known, key, item) or _by_link(known, item)
        if record is not None and record.key != key:
            if record.key in seen:  # another item of this feed took that record already:
                record = None  # one post each, rather than one overwriting the other
            else:
                seen.add(record.key)
        content_hash = _digest(item.title, item.link, item.content_html)
        if record is None:
            reason = left_out(source, item, ctx.now) or _posted_elsewhere(ctx, source, item, key)
            if reason is not None:
                left.append((key, reason))
                continue
            planned.append(Planned(item, key, content_hash, None, ctx.now))
        elif _needs_rewrite(ctx, record, content_hash):
            planned.append(Planned(item, record.key, content_hash, record, record.first_seen))
    report.filtered += len(left)
    return planned, left


def _posted_elsewhere(ctx: RunContext, source: Source, item: FeedItem, key: str) -> str | None:
    """With ``[site] one_post_per_article``: the source that posted (or, in this run,
    planned) the item's article first, when that is another source."""
    if not ctx.config.site.one_post_per_article or not item.link:
        return None
    url = canonical_url(item.link)
    owner = ctx.claimed.get(url) or ctx.store.canonical_owner(url)
    if owner is None or owner[0] == source.id:
        ctx.claimed.setdefault(url, (source.id, key))
        return None
    names = {s.id: s.name for s in ctx.config.sources}
    return f"already posted from {names.get(owner[0], owner[0])!r}"


def _by_plain_guid(known: dict[str, ItemRecord], key: str, item: FeedItem) -> ItemRecord | None:
    # An item stored under its plain guid before the feed started repeating that guid.
    if "|" not in key or not key.startswith("guid:"):
        return None
    record = known.get(f"guid:{item.guid}")
    return record if record and record.link == item.link else None


def is_empty(item: FeedItem) -> bool:
    """Nothing to make a post of (an item with only a link may get its page's text)."""
    return not item.title and not item.link and not has_content(item.content_html)


def has_content(html: str) -> bool:
    """Whether an article body shows anything: text, or an image or other media."""
    return bool(html_to_text(html).strip()) or _MEDIA.search(html) is not None


_MEDIA = re.compile(r"<(?:img|video|audio|iframe|picture|svg)\b", re.IGNORECASE)


def _by_link(known: dict[str, ItemRecord], item: FeedItem) -> ItemRecord | None:
    # Stored under its link: by ``reindex``, which cannot know the guid, or before the
    # source's id_key changed to guid.
    return known.get(f"link:{item.link}") if item.link else None


def _needs_rewrite(ctx: RunContext, record: ItemRecord, content_hash: str) -> bool:
    if ctx.unfinished(record):  # a previous run was killed before the file was done
        return True
    if not ctx.post_exists(record):
        return ctx.options.restore  # deleted by hand: a tombstone unless --restore
    return record.content_hash != content_hash
