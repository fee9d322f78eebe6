"""One source in one run: fetch (or read) it, parse it, plan, build and write its posts."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Source
from ..errors import DiskFullError, FeedError, FetchError, NewsmirrorError, StoreCorruptError
from ..feeds import parse_feed, parse_listing
from ..feeds._listing import next_page
from ..fetch import Response, Validators
from ..model import FeedItem, ParsedFeed, SourceReport
from ..presets import listing_urls
from ..store import CachedResponse, Health
from ..util.charset import decode
from ..util.languages import post_language
from ._build import RawPage, build, expected_name
from ._context import RunContext
from ._health import record_health
from ._images import keeps_images, localise
from ._local import read_local
from ._plan import plan
from ._state import run_stopper
from ._write import write_posts

__all__ = ["run_source"]

log = logging.getLogger("newsmirror")


async def run_source(ctx: RunContext, source: Source, turn: int, report: SourceReport) -> None:
    """Poll one source into ``report`` (the caller's: a source cancelled by the run's
    deadline keeps what it did); ``turn`` is its place in the order sources name posts in.
    """
    try:
        await _run_source(ctx, source, turn, report)
    finally:
        ctx.naming.declare(turn, ())  # a source that failed or was unchanged wants none


async def _run_source(ctx: RunContext, source: Source, turn: int, report: SourceReport) -> None:
    health = ctx.store.health(source.id)
    if not ctx.options.force and health.next_due and health.next_due > ctx.now:
        report.skipped = (
            f"backing off after {health.failures} failures until "
            f"{health.next_due:%Y-%m-%d %H:%M} UTC (use --force)"
        )
        # still failing: the run says so and exits 1 (issue 11, "honest exit codes")
        report.backoff_until, report.last_error = health.next_due, health.last_error
    else:
        retry_after = None
        try:
            await _poll_source(ctx, source, report, health, turn)
        except FetchError as exc:
            report.errors.append(f"{source.name}: {exc}")
            retry_after = exc.retry_after
        except (DiskFullError, StoreCorruptError):  # every source would fail alike
            raise
        except NewsmirrorError as exc:  # a feed, listing or rule problem
            report.errors.append(f"{source.name}: {exc}")
        except Exception as exc:  # a bug or an unexpected input must not stop other sources
            if run_stopper(ctx.config, exc) is not None:  # but a full disk stops them all
                raise
            log.debug("source %s failed", source.name, exc_info=True)
            report.errors.append(f"{source.name}: unexpected {type(exc).__name__}: {exc}")
        if not ctx.options.dry_run:
            record_health(ctx, source, report, health, retry_after)
    if ctx.progress:
        ctx.progress(report)


async def _poll_source(
    ctx: RunContext, source: Source, report: SourceReport, health: Health, turn: int
) -> None:
    fetched = await _fetch_source(ctx, source)
    if fetched is None:
        report.unchanged = True
        return
    feed, remember = fetched
    report.items_seen = len(feed.items)
    report.warnings.extend(f"{source.name}: {w}" for w in feed.warnings)
    if not feed.items and health.last_item_count:
        raise FeedError(
            f"the feed has no items any more "
            f"(it had {health.last_item_count}); the source may have changed"
        )
    planned, left = plan(ctx, source, feed.items, report)
    ctx.naming.declare(turn, [expected_name(ctx, source, p) for p in planned if p.record is None])
    pages: list[RawPage] = []  # stored with the source's pending rows, in one transaction
    lang = post_language(ctx.config.site.lang, source.lang or feed.language)
    articles = await asyncio.gather(*(build(ctx, source, p, report, pages, lang) for p in planned))
    built = [(p, a) for p, a in zip(planned, articles, strict=True) if a is not None]
    if not ctx.options.dry_run:
        kept = []  # images kept in the site, written with their posts
        if keeps_images(ctx.config, source):
            kept = await asyncio.gather(*(localise(ctx, source, a, report) for _, a in built))
            built = [(p, k.article) for (p, _), k in zip(built, kept, strict=True)]
        await write_posts(ctx, source, built, pages, report, turn, kept, left)
        remember()
    else:
        report.new_posts = sum(1 for p, _ in built if p.record is None)
        report.updated_posts = len(built) - report.new_posts


async def _fetch_source(
    ctx: RunContext, source: Source
) -> tuple[ParsedFeed, Callable[[], None]] | None:
    """The parsed feed and a callback that stores its validators, or None if unchanged."""
    if source.listing and not source.is_local:
        return await _fetch_listing(ctx, source)
    cached = ctx.store.cached_response(source.url)
    if source.is_local:
        body = await read_local(source.url, ctx.fetcher.settings)
        content_type, final_url, etag, last_modified = None, Path(source.url).as_uri(), None, None
    else:
        validators = Validators(cached.etag, cached.last_modified) if cached else None
        response = await ctx.fetcher.get(
            source.url,
            validators=validators,
            headers=dict(source.headers),
            accept="html" if source.listing else "feed",
            trusted=source.url,  # its own host and port may be private (fetch._guard)
        )
        if response.not_modified:
            return None
        body, final_url = response.body, response.url
        content_type = response.headers.get("Content-Type")
        kept = response.validators or Validators()
        etag, last_modified = kept.etag, kept.last_modified
    body_hash = hashlib.sha256(body).hexdigest()
    if cached and cached.body_hash == body_hash and not ctx.options.force:
        return None
    feed = _parse(source, body, content_type, final_url)

    def remember() -> None:
        ctx.store.put_cached_response(source.url, CachedResponse(etag, last_modified, body_hash))

    return feed, remember


def _parse(source: Source, body: bytes, content_type: str | None, url: str) -> ParsedFeed:
    text, _ = decode(body, content_type)
    try:
        if source.listing:
            return parse_listing(text, url, source.listing, source.timezone or "UTC")
        return parse_feed(text, url=url, timezone=source.timezone or "UTC")
    except FeedError as exc:
        raise FeedError(f"{source.url}: {exc}") from None


async def _fetch_listing(
    ctx: RunContext, source: Source
) -> tuple[ParsedFeed, Callable[[], None]] | None:
    """A listing source's pages as one feed: each edition's listing (a preset's section
    may have two), its first page asked conditionally, then ``listing.next`` followed up
    to ``listing.pages`` pages on the same host, stopping at a page already read. None
    when every edition's first page is unchanged.
    """
    assert source.listing is not None
    items: list[FeedItem] = []
    warnings: list[str] = []
    keys: set[str] = set()
    stores: list[tuple[str, CachedResponse]] = []  # each changed edition's first page
    titles: list[str] = []
    for first in listing_urls(source):
        cached = ctx.store.cached_response(first)
        response = await ctx.fetcher.get(
            first,
            validators=Validators(cached.etag, cached.last_modified) if cached else None,
            headers=dict(source.headers),
            accept="html",
            trusted=first,  # the source's own URL or its preset's: its host may be private
        )
        if response.not_modified:
            continue
        body_hash = hashlib.sha256(response.body).hexdigest()
        if cached and cached.body_hash == body_hash and not ctx.options.force:
            continue
        kept = response.validators or Validators()
        stores.append((first, CachedResponse(kept.etag, kept.last_modified, body_hash)))
        feed = await _read_pages(ctx, source, response, warnings)
        titles.append(feed.title)
        host = urlsplit(response.url).hostname
        for item in feed.items:
            link = item.link or ""
            parts = urlsplit(link)
            # the same story on another edition of the site has the same path there
            key = f"{parts.path}?{parts.query}" if parts.hostname == host else link
            if key not in keys:
                keys.add(key)
                items.append(item)
    if not stores:
        return None

    def remember() -> None:
        for url, response in stores:
            ctx.store.put_cached_response(url, response)

    feed = ParsedFeed(
        kind="listing",
        title=titles[0],
        link=source.url,
        items=tuple(items),
        warnings=tuple(warnings),
    )
    return feed, remember


async def _read_pages(
    ctx: RunContext, source: Source, response: Response, warnings: list[str]
) -> ParsedFeed:
    """The first page (``response``, whose zero links are the source's error) and the
    pages after it (whose failures end the reading with a warning)."""
    assert source.listing is not None
    listing = source.listing
    timezone = source.timezone or "UTC"
    text, _ = decode(response.body, response.headers.get("Content-Type"))
    first = parse_listing(text, response.url, listing, timezone, now=ctx.now)
    warnings.extend(first.warnings)
    items = list(first.items)
    seen = {response.url}
    url = next_page(text, response.url, listing)
    for _ in range(listing.pages - 1):
        if url is None or url in seen:
            break
        seen.add(url)
        try:
            page = await ctx.fetcher.get(
                url, headers=dict(source.headers), accept="html", trusted=source.url
            )
            text, _ = decode(page.body, page.headers.get("Content-Type"))
            more = parse_listing(text, page.url, listing, timezone, now=ctx.now)
        except (FetchError, FeedError) as exc:
            warnings.append(f"listing page {url}: {exc}; pages after it not read")
            break
        seen.add(page.url)
        warnings.extend(more.warnings)
        items.extend(more.items)
        url = next_page(text, page.url, listing)
    return ParsedFeed(
        kind="listing", title=first.title, link=response.url, items=tuple(items), warnings=()
    )
