"""Whether a known article that came back different was edited: a real edit keeps the
version it replaces and dates the post ``updated:``; a cosmetic difference (see
``clean/_fingerprint.py``) leaves the post as it is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ..clean import content_fingerprint
from ..config import Source
from ..model import Article
from ..store import ItemRecord
from ._context import RunContext
from ._plan import Planned

__all__ = ["Settled", "settle"]


@dataclass(frozen=True)
class Settled:
    """What to do with a built article: write ``article``, and keep ``replaced`` (when
    it was first seen, what it was) as an earlier version when this is a real edit.
    With no ``article`` the difference was cosmetic: the post stays as it is, and only
    its item's row (``unchanged``) takes the new content hash, so that the next run
    does not build it again."""

    article: Article | None
    replaced: tuple[datetime, Article] | None = None
    unchanged: ItemRecord | None = None


def settle(ctx: RunContext, source: Source, planned: Planned, article: Article) -> Settled:
    """Compare a rewritten item's new article with the one its post was rendered from."""
    record = planned.record
    previous = ctx.store.article(source.id, planned.key) if record else None
    if record is None or previous is None:  # a new post, or one whose article is unknown
        return Settled(article)
    kept = replace(article, updated=previous.updated, edits=previous.edits)
    if ctx.unfinished(record) or not ctx.post_exists(record):
        # finishing a killed run's write (the version, if any, is stored already), or
        # restoring a deleted post: not an edit
        return Settled(kept)
    if content_fingerprint(article.title, article.body_html) == content_fingerprint(
        previous.title, previous.body_html
    ):
        # the same words and targets: rewrite only when what the front matter shows
        # changed (a date, tags), and then it is still not an edit
        if _same_metadata(kept, previous):
            return Settled(None, unchanged=replace(record, content_hash=planned.content_hash))
        return Settled(kept)
    return Settled(
        replace(article, updated=ctx.now, edits=previous.edits + 1),
        replaced=(previous.updated or record.first_seen, previous),
    )


def _same_metadata(a: Article, b: Article) -> bool:
    return (a.url, a.published, a.author, a.tags, a.categories) == (
        b.url,
        b.published,
        b.author,
        b.tags,
        b.categories,
    )
