"""Which items a source's filters leave out (``include``, ``exclude``, ``max_age``), and
which are another source's article already (``[site] one_post_per_article``).

Judged on the item as the feed gives it, before any page is fetched: a left-out item
costs no request. It is recorded as seen (store ``filtered``), so later runs neither post
nor judge it again, even after the filters change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..config import Source, parse_pattern
from ..model import FeedItem
from ..util.htmltext import html_to_text

__all__ = ["left_out"]


def _fields(item: FeedItem) -> dict[str, list[str]]:
    return {
        "title": [item.title],
        "content": [html_to_text(item.content_html)] if item.content_html else [],
        "author": list(item.authors),
        "category": list(item.categories),
    }


def _first_match(patterns: tuple[str, ...], fields: dict[str, list[str]]) -> str | None:
    for entry in patterns:
        pattern = parse_pattern(entry)
        names = (pattern.field,) if pattern.field else tuple(fields)
        if any(pattern.regex.search(text) for name in names for text in fields[name]):
            return entry
    return None


def left_out(source: Source, item: FeedItem, now: datetime) -> str | None:
    """Why ``item`` is not posted, or None. Only items that would be new are asked."""
    if source.max_age is not None and item.published is not None:
        if now - item.published > timedelta(days=source.max_age):
            return f"older than max_age ({source.max_age:g} days)"
    if not (source.include or source.exclude):
        return None
    fields = _fields(item)
    if source.exclude and (entry := _first_match(source.exclude, fields)) is not None:
        return f"exclude {entry!r}"
    if source.include and _first_match(source.include, fields) is None:
        return "no include pattern matched"
    return None
