"""Images kept in the site (``images = "local"``): each image of a new or edited post
downloaded with the run's fetcher, stored once by content hash, and the post pointed at
the copy.

A file is ``assets/images/<2 hex>/<sha256>.<ext>``, the extension from the bytes
(``util.imagefile``); the body's ``src``/``srcset`` become the root-relative URL
``/assets/images/...`` and the ``<img>`` keeps its original URL in
``data-original-src`` (``clean.point_images``). The post layout prefixes
``site.baseurl`` to these URLs, as a post body is raw HTML Jekyll does not rewrite.

Bounded: ``MAX_IMAGE_BYTES`` per image (by the fetcher, while reading), ``MAX_POST_BYTES``
and ``MAX_IMAGES`` per post, ``MAX_RUN_BYTES`` per run; an image over a bound, a body that
is not a raster image (SVG included: it may hold script) and a private address keep the
remote URL for good. A failed download (timeout, 5xx, 404) keeps the remote URL, and
later runs try it again (``retry_waiting``) until ``MAX_ATTEMPTS`` failures.

Order, so that a kill at any moment leaves no post pointing at a missing image: the
bytes are held in memory until the post's write step, where the image files are
written (atomically, each durable) before the post files (``_write``). A kill between
the two leaves an image whose post is still pending in the store; the next run writes
that post.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..clean import body_images, kept_images, point_images
from ..config import Config, Source
from ..errors import FetchError
from ..fetch import image_referer
from ..model import Article, SourceReport
from ..post import render_post
from ..store import ImageRecord, ItemRecord, Store
from ..util.files import write_atomic, write_many
from ..util.imagefile import IMAGES_DIR, image_path, image_type, narrower
from ._archive import archive_response
from ._context import RunContext

__all__ = [
    "IMAGES_DIR",
    "Localised",
    "keeps_images",
    "localise",
    "point_at_kept",
    "restore_missing",
    "retry_waiting",
    "write_images",
]

log = logging.getLogger("newsmirror")

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_POST_BYTES = 20 * 1024 * 1024
MAX_RUN_BYTES = 200 * 1024 * 1024
MAX_IMAGES = 40  # per post; the rest keep their remote URLs
MAX_ATTEMPTS = 3  # failed downloads of one image, over all runs


@dataclass
class Localised:
    """A post's article pointed at its kept images, and what its write step stores."""

    article: Article
    files: dict[str, bytes] = field(default_factory=dict)  # site-relative path -> bytes
    records: list[ImageRecord] = field(default_factory=list)
    waits: list[str] = field(default_factory=list)  # image URLs to try on a later run


def keeps_images(config: Config, source: Source) -> bool:
    return (source.images or config.site.images) == "local"


async def localise(
    ctx: RunContext, source: Source, article: Article, report: SourceReport
) -> Localised:
    """``article`` with its images kept in the site, as far as the bounds allow."""
    urls = body_images(article.body_html)
    if len(urls) > MAX_IMAGES:
        report.warnings.append(
            f"{source.name}: {article.url or article.title}: {len(urls)} images; "
            f"the first {MAX_IMAGES} kept, the rest linked"
        )
        urls = urls[:MAX_IMAGES]
    known = ctx.store.images(urls)
    result = Localised(article)
    # kept before, by this post or another (a worker does not see the site: the store's
    # records say what the publisher was given)
    local = _kept(known, ctx.config.root if ctx.writes_files else None)
    to_fetch = []
    for url in urls:
        record = known.get(url)
        if url not in local and (
            record is None or (not record.final and record.attempts < MAX_ATTEMPTS)
        ):
            to_fetch.append(url)
    tasks = [_shared_fetch(ctx, source, url, article.url, report) for url in to_fetch]
    # shielded: a download another post (of another source) shares is not cancelled
    # with this one's source (the run's deadline)
    fetched = await asyncio.gather(*(asyncio.shield(task) for task in tasks))
    post_bytes = 0
    for url, (data, error) in zip(to_fetch, fetched, strict=True):
        if data is not None and post_bytes + len(data) > MAX_POST_BYTES:
            data, error = None, f"{ImageRecord.REFUSED}over the post's {MAX_POST_BYTES >> 20} MiB"
        if error == _OVER_RUN:  # not an attempt of this image's: the next run tries it
            previous = known.get(url)
            result.records.append(
                ImageRecord(url, None, previous.attempts if previous else 0, error)
            )
            result.waits.append(url)
            report.warnings.append(
                f"{source.name}: image not kept in this run, linked until the next: {url}: {error}"
            )
            continue
        if data is None:
            assert error is not None
            previous = known.get(url)
            attempts = (previous.attempts if previous else 0) + 1
            record = ImageRecord(url, None, attempts, error)
            result.records.append(record)
            if not record.final and attempts < MAX_ATTEMPTS:
                result.waits.append(url)
            report.warnings.append(f"{source.name}: image not kept, linked instead: {error}")
            continue
        post_bytes += len(data)
        path = image_path(data)
        assert path is not None  # data passed image_type in _fetch
        result.files[path] = data
        result.records.append(ImageRecord(url, path))
        local[url] = "/" + path
    result.article = replace(article, body_html=point_images(article.body_html, local))
    return result


_OVER_RUN = f"over the run's {MAX_RUN_BYTES >> 20} MiB of images"


def _shared_fetch(
    ctx: RunContext, source: Source, url: str, page_url: str, report: SourceReport
) -> asyncio.Task[tuple[bytes | None, str | None]]:
    """The download of ``url`` in this run, started by the first post that shows it
    (made before any await, so that the posts of one source share it)."""
    task = ctx.image_fetches.get(url)
    if task is None:
        task = asyncio.ensure_future(_fetch_in_budget(ctx, source, url, page_url, report))
        ctx.image_fetches[url] = task
    return task


async def _fetch_in_budget(
    ctx: RunContext, source: Source, url: str, page_url: str, report: SourceReport
) -> tuple[bytes | None, str | None]:
    if ctx.image_bytes >= MAX_RUN_BYTES:
        return None, _OVER_RUN
    data, error = await _fetch(ctx, source, url, page_url, report)
    if data is not None:
        if ctx.image_bytes + len(data) > MAX_RUN_BYTES:
            return None, _OVER_RUN
        ctx.image_bytes += len(data)
    return data, error


def restore_missing(
    store: Store, root: Path, source_id: str, key: str, article: Article
) -> Article:
    """``article`` pointed back at the original URLs of the kept images the site lacks (a
    post written again from the store into a checkout its images never reached); they
    are recorded as not kept, with the post waiting for them (``retry_waiting``)."""
    missing = [url[1:] for url in kept_images(article.body_html) if not (root / url[1:]).exists()]
    if not missing:
        return article
    urls = store.image_urls_at(missing)
    with store.transaction():
        store.put_images(
            [ImageRecord(url, None) for url in urls.values()],
            [(url, source_id, key) for url in urls.values()],
        )
    back = {"/" + path: url for path, url in urls.items()}
    return replace(article, body_html=point_images(article.body_html, back))


def point_at_kept(store: Store, root: Path, body: str) -> str:
    """``body`` pointed at the images the site keeps already, fetching nothing (a body
    extracted again from a stored page: ``reprocess``)."""
    known = store.images(body_images(body))
    return point_images(body, _kept(known, root))


def _kept(known: dict[str, ImageRecord], root: Path | None) -> dict[str, str]:
    """The local URLs of the ``known`` images whose file the site at ``root`` has (every
    one with a file, without a ``root``)."""
    return {
        url: "/" + record.path
        for url, record in known.items()
        if record.path and (root is None or (root / record.path).exists())
    }


async def _fetch(
    ctx: RunContext, source: Source, url: str, page_url: str, report: SourceReport
) -> tuple[bytes | None, str | None]:
    """The image's bytes to keep, or None and why not (``ImageRecord.REFUSED``-prefixed
    when a later attempt would get the same)."""
    configured = next((v for k, v in source.headers if k.lower() == "referer"), None)
    referer = image_referer(url, configured, page_url or None)
    try:
        # trusted: an image on the source's own host may be private, as its pages may
        response = await ctx.fetcher.get(
            url,
            headers={"Referer": referer} if referer else {},
            accept="any",
            trusted=source.url,
            max_body=MAX_IMAGE_BYTES,
        )
    except FetchError as exc:
        final = exc.kind in ("too_large", "private_network", "bad_url")
        return None, f"{ImageRecord.REFUSED if final else ''}{exc}"
    # recorded as served, before it is judged: the archive keeps what the mirror saw
    await archive_response(ctx, source, response, report)
    extension = image_type(response.body)
    if extension is None:
        shown = response.content_type or "no Content-Type"
        return None, f"{ImageRecord.REFUSED}{url}: not a raster image ({shown})"
    width = ctx.config.site.image_max_width
    if width is None:
        return response.body, None
    try:
        return await asyncio.to_thread(narrower, response.body, extension, width), None
    except RuntimeError as exc:  # Pillow missing: kept as it came
        warning = f"{source.name}: image_max_width: {exc}; images kept full size"
        if warning not in report.warnings:
            report.warnings.append(warning)
        return response.body, None


def write_images(root: Path, files: dict[str, bytes]) -> None:
    """The image files, each atomically and durably, before any post points at them;
    one already there (same content, by its name) is left alone. Synced together, as a
    source's posts are: one device flush per image made a run of many images slow."""
    missing = [(root / path, data) for path, data in files.items() if not (root / path).exists()]
    write_many(missing, [])


async def retry_waiting(
    ctx: RunContext, sources: dict[str, tuple[Source, SourceReport]]
) -> list[Path]:
    """Images earlier runs failed to keep, tried again for the posts of ``sources`` (by
    id, those of this run that keep images) that wait for them; each such post is
    written again pointing at its image once kept. The posts written."""
    written: list[Path] = []
    items: dict[str, dict[str, ItemRecord]] = {}
    for record in ctx.store.waiting_images(MAX_ATTEMPTS):
        if record.url in ctx.image_fetches:
            continue  # tried by this run already, for a post of its own
        waiters = [w for w in ctx.store.image_waiters(record.url) if w[0] in sources]
        if not waiters:
            continue
        source, first_report = sources[waiters[0][0]]
        data, error = await _fetch_in_budget(ctx, source, record.url, "", first_report)
        if error == _OVER_RUN:
            continue  # the next run, with a budget of its own
        if data is None:
            assert error is not None
            with ctx.store.transaction():
                ctx.store.put_images([ImageRecord(record.url, None, record.attempts + 1, error)])
            continue
        path = image_path(data)
        assert path is not None  # data passed image_type in _fetch
        updates = []
        for source_id, key in waiters:
            item = items.setdefault(source_id, ctx.store.items_of(source_id)).get(key)
            article = ctx.store.article(source_id, key)
            if article is None or item is None or item.state != "written":
                continue  # a pending post is built again from its feed
            body = point_images(article.body_html, {record.url: "/" + path})
            updates.append((source_id, key, item.post_path, replace(article, body_html=body)))
        # the image, then the store, then the posts: a kill in between leaves a post
        # pointing at its remote image, which a later run still points here
        write_images(ctx.config.root, {path: data})
        with ctx.store.transaction():
            ctx.store.put_articles((s, k, a) for s, k, _, a in updates)
            ctx.store.put_images([ImageRecord(record.url, path)])
        for source_id, _, post_path, article in updates:
            target = ctx.config.root / post_path
            if target.exists():  # a post deleted by hand stays deleted
                write_atomic(target, render_post(article))
                written.append(target)
                sources[source_id][1].updated_posts += 1
    return written
