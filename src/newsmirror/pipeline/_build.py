"""One article built from a planned item: the page fetched and extracted when the feed has
only a teaser, the content cleaned, the date and the names settled."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import clean, extract, feeds
from ..config import Source
from ..errors import FetchError
from ..model import Article, FeedItem, MetadataField, SourceReport
from ..post import POST_YEARS, fits_post, plain_name
from ..util.urls import is_web_url, strip_tracking
from ..util.zones import zone
from ._archive import archive_response
from ._context import RunContext
from ._pages import PageDone, PageJob
from ._plan import Planned, has_content

__all__ = ["RawPage", "build", "expected_name"]

log = logging.getLogger("newsmirror")


FUTURE_TOLERANCE = timedelta(minutes=10)


async def build(
    ctx: RunContext,
    source: Source,
    planned: Planned,
    report: SourceReport,
    pages: list[RawPage],
    lang: str | None = None,
) -> Article | None:
    """The item's article, or None when it has nothing to post (no title, no content);
    ``lang``: its language when not the site's (``post_language``)."""
    item = planned.item
    content, done = item.content_html, None
    url = _public_url(item.link, source, report)
    linked = bool(item.link and url)  # the item has an http(s) link of its own
    base_url = item.link if linked else (url or None)
    if linked and extract.needs_full_text(
        content, source.full_text, ctx.config.site.full_text_min_chars
    ):
        done = await _full_text(ctx, source, planned, report, pages)
    page = done.page if done else None
    title = (
        item.title
        or (page.title if page and page.title else "")
        or feeds.title_from_text(item.content_html)
        or item.link
        or ""
    )
    body = done.cleaned() if done is not None else None
    if body is not None and _no_article(body):
        # a script-built page, a login or consent wall: its nothing would replace the text
        # the feed gave (the page's title and date still fill what the item lacks)
        report.warnings.append(
            f"{source.name}: {_shown(item.link or '')}: the article page has no article; "
            f"feed content kept"
        )
        body = None
    if body is not None and (item.enclosures or item.image):
        # the page's article replaces the feed's text, not its podcast audio or lead image
        with_media = feeds.with_media(body, item.enclosures, item.image)
        if with_media != body:
            body = clean.clean_html(
                with_media, base_url, remove=source.remove, junk=ctx.config.site.junk
            )
    if body is None:
        body = clean.clean_html(
            content,
            base_url,
            remove=source.remove,
            junk=ctx.config.site.junk,
            convert=source.convert,
        )
    if not item.title and not (page and page.title) and not has_content(body):
        report.warnings.append(
            f"{source.name}: {item.link or 'an item'} has no title and no content; skipped"
        )
        return None
    if source.convert:
        title = clean.convert_text(title, source.convert)
    published = item.published or (page.published if page else None)
    return Article(
        title=title,
        url=url,
        published=_publication_time(ctx, source, planned, published, report),
        author=source.display_author,
        tags=_unique((source.name, *source.tags, *item.categories)),
        categories=_unique((source.name, *source.categories)),
        body_html=body,
        lang=lang,
    )


async def _full_text(
    ctx: RunContext, source: Source, planned: Planned, report: SourceReport, pages: list[RawPage]
) -> PageDone | None:
    """The extracted and cleaned article page, or None: a failed fetch keeps the feed
    content."""
    link = planned.item.link
    assert link and ctx.page_slots is not None and ctx.pages is not None
    try:
        async with ctx.page_slots:
            # trusted: a page on the source's own host and port may be private, as its
            # feed may (a self-hosted site); another source's may not (fetch._guard)
            response = await ctx.fetcher.get(
                link, headers=dict(source.headers), accept="html", trusted=source.url
            )
            await archive_response(ctx, source, response, report)
            job = PageJob(
                response.body,
                response.headers.get("Content-Type"),
                response.url,
                source.timezone or "UTC",
                source.remove,
                ctx.config.site.junk,
                source.convert,
                keep_raw=not ctx.options.dry_run,
                # the post takes the feed's title and date when it has them
                # (and the author from the source): page metadata fills gaps
                metadata=_missing_metadata(planned.item),
            )
            done = await ctx.pages.run(job)
    except FetchError as exc:
        report.warnings.append(f"{source.name}: full text not fetched, feed content kept: {exc}")
        return None
    except Exception as exc:  # extraction bugs must not lose the item either
        log.debug("extraction failed for %s", link, exc_info=True)
        report.warnings.append(
            f"{source.name}: {link}: extraction failed "
            f"({type(exc).__name__}: {exc}); feed content kept"
        )
        return None
    if done.raw is not None:
        pages.append(
            RawPage(planned.key, response.url, response.headers.get("Content-Type"), done.raw)
        )
    return done


def expected_name(ctx: RunContext, source: Source, planned: Planned) -> str:
    """The plain post name a new item will want, from what its feed says (the article
    page may still change its title or date: see ``_turns``)."""
    item = planned.item
    title = item.title or feeds.title_from_text(item.content_html) or item.link or ""
    if source.convert and item.title:
        title = clean.convert_text(title, source.convert)
    published = _publication_time(ctx, source, planned, item.published)
    return plain_name(title, published, zone(ctx.config.site.timezone), planned.key)


def _public_url(link: str | None, source: Source, report: SourceReport) -> str:
    """The article's URL for ``from:``, the title link and the base of relative links:
    an http(s) URL, else none.

    An item without a link points at its feed, unless that is a local file: a path of
    the machine that ran the mirror means nothing to readers and leaks its layout. A
    link of any other scheme (``javascript:``, ``data:``, ``file:``) would be published
    as the post's "Original" link, so it is dropped, and the post has no link at all:
    the feed's URL would claim an origin the item never gave.
    """
    if link:
        if is_web_url(link):
            return strip_tracking(link)
        report.warnings.append(
            f"{source.name}: {_shown(link)}: not an http(s) link; the post keeps no link"
        )
        return ""
    if is_web_url(source.url):
        return strip_tracking(source.url)
    return ""


def _no_article(body: str) -> bool:
    """A cleaned page body that shows nothing. The exact check parses the body, a cost
    on every page, so it runs on short bodies only, where empty markup fits; a longer
    body is taken to hold its article (docs/PERFORMANCE.md, "Article pages")."""
    return not body.strip() or (len(body) < 256 and not has_content(body))


def _shown(link: str) -> str:
    """A hostile link as a warning may quote it: one line, not too long."""
    text = " ".join(link.split())
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _missing_metadata(item: FeedItem) -> tuple[MetadataField, ...]:
    missing: list[MetadataField] = []
    if not item.title:
        missing.append("title")
    if not item.published:
        missing.append("date")
    return tuple(missing)


@dataclass(frozen=True)
class RawPage:
    """A fetched page waiting to be stored (Store.put_compressed_page) with its post."""

    key: str
    url: str
    content_type: str | None
    compressed: bytes


def _publication_time(
    ctx: RunContext,
    source: Source,
    planned: Planned,
    published: datetime | None,
    report: SourceReport | None = None,
) -> datetime:
    """The post's date: the item's, or the time it was first seen when it has none, when
    no post can carry it (``fits_post``) or when it lies ahead of that time (Jekyll skips
    future posts). ``report`` gets a warning naming the item; None keeps quiet."""
    if published is not None:
        why = ""
        if not fits_post(published, zone(ctx.config.site.timezone)):
            why = f"which no post can hold (years {POST_YEARS[0]}-{POST_YEARS[-1]})"
        elif published > planned.first_seen + FUTURE_TOLERANCE:
            why = "in the future"
        if why and report is not None:
            item = _shown(planned.item.link or planned.item.title or "an item")
            report.warnings.append(
                f"{source.name}: {item} is dated {published.isoformat()}, {why}; "
                f"dated when first seen instead"
            )
        if not why:
            return published
    # The first-seen time, stored and reused on every later run.
    return planned.record.published if planned.record else planned.first_seen


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    result = []
    for value in values:
        value = " ".join(value.split())
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
    return tuple(result)
