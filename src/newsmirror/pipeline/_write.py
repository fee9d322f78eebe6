"""Posts written for one source, by the store's pending/written protocol: names reserved
in one transaction (in the source's turn, see ``_turns.py``), files written atomically,
rows marked written."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from ..config import Source
from ..model import Article, SourceReport
from ..post import post_filename, render_post
from ..store import ItemRecord
from ..util.files import write_many
from ..util.urls import canonical_url
from ..util.zones import zone
from ._build import RawPage
from ._context import RunContext
from ._edits import settle
from ._images import Localised, write_images
from ._plan import Planned
from ._pool import usable_cpus

__all__ = ["write_posts"]


# seconds per post file above which files are written in a thread
SLOW_FILE_WRITE = 150e-6


async def write_posts(
    ctx: RunContext,
    source: Source,
    built: list[tuple[Planned, Article]],
    pages: list[RawPage],
    report: SourceReport,
    turn: int,
    images: Sequence[Localised] = (),
    left: Sequence[tuple[str, str]] = (),
) -> None:
    """``images``: per post of ``built`` (or none), its kept images (``_images``);
    ``left``: the items the source's filters left out (key, why), remembered with them."""
    if not built and not pages and not left:
        return  # nothing new: no transaction
    posts_dir = ctx.config.site.posts_dir
    records = []
    if any(p.record is None for p, _ in built):
        await ctx.naming.wait(turn)  # see _turns.py
    with ctx.store.transaction():  # step 1: every post is pending under its final name
        # The raw pages, the left-out items and the new posts' article claims go in the
        # same transaction: one commit per source instead of one per page or kind, as
        # each commit costs more than the rows (docs/PERFORMANCE.md, "State store").
        ctx.store.put_filtered(source.id, left, ctx.now)
        for page in pages:
            ctx.store.put_compressed_page(
                source.id, page.key, page.url, page.content_type, page.compressed
            )
        for planned, built_article in built:
            settled = settle(ctx, source, planned, built_article)  # an edit? (_edits.py)
            if settled.unchanged is not None:  # a cosmetic difference: the post stays
                ctx.store.put_item(settled.unchanged)
            if settled.article is None:
                continue
            article = settled.article
            if settled.replaced is not None:  # a real edit: the version it replaces is kept
                ctx.store.put_version(source.id, planned.key, *settled.replaced)
            path = (
                planned.record.post_path
                if planned.record
                else f"{posts_dir}/{_new_name(ctx, source.id, turn, planned, article)}"
            )
            record = ItemRecord(
                source.id,
                planned.key,
                planned.item.link,
                path,
                planned.content_hash,
                planned.first_seen,
                article.published,
                "pending",
            )
            records.append((record, article, planned.record is None))
        # names given above are in ctx.taken_names, so inserting after them is safe
        ctx.store.put_items(r for r, _, _ in records)
        new_links = [(r.link, r.key) for r, _, is_new in records if is_new and r.link]
        ctx.store.claim_canonical((canonical_url(link), source.id, key) for link, key in new_links)
        ctx.store.put_articles((source.id, r.key, a) for r, a, _ in records)
        ctx.store.put_images(
            [r for kept in images for r in kept.records],
            [
                (u, source.id, p.key)
                for (p, _), kept in zip(built, images, strict=False)
                for u in kept.waits
            ],
        )
        # the images of the posts written (a cosmetic change leaves its post, and images,
        # as they were)
        keys = {r.key for r, _, _ in records}
        files = {
            path: data
            for (p, _), kept in zip(built, images, strict=False)
            if p.key in keys
            for path, data in kept.files.items()
        }
        if not ctx.writes_files:  # a worker: the publisher writes them (_publish.py)
            ctx.store.put_image_files(files)
    if ctx.writes_files:
        await _uncancelled(_write_and_mark(ctx, source, records, report, files))
    else:
        _count(report, records)


async def _uncancelled(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` to its end even when the caller is cancelled (the run's deadline),
    then let the cancellation go on. The posts named in step 1 are then written and
    marked, not left for the next run to redo, and no thread writes posts on after the
    run has ended."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


async def _write_and_mark(
    ctx: RunContext,
    source: Source,
    records: list[tuple[ItemRecord, Article, bool]],
    report: SourceReport,
    images: dict[str, bytes],
) -> None:
    """Steps 2 and 3: the files, each atomically (images before the posts that show
    them), then the rows marked written."""
    write_images(ctx.config.root, images)
    files = [(ctx.config.root / r.post_path, render_post(a)) for r, a, _ in records]
    done: list[Path] = []  # the files written, also when one of them fails
    try:
        if _slow_disk(ctx):
            seconds = await asyncio.to_thread(_write_files, files, done)
        else:
            seconds = _write_files(files, done)
        cost = seconds / max(len(files), 1)
        ctx.file_write_cost = (
            cost if ctx.file_write_cost is None else (ctx.file_write_cost + cost) / 2
        )
    finally:
        ctx.summary.written.extend(done)
        _count(report, records[: len(done)])
    if records:
        with ctx.store.transaction():  # step 3
            ctx.store.mark_written(source.id, [r.key for r, _, _ in records])


def _count(report: SourceReport, records: list[tuple[ItemRecord, Article, bool]]) -> None:
    for _, _, is_new in records:
        if is_new:
            report.new_posts += 1
        else:
            report.updated_posts += 1


def _slow_disk(ctx: RunContext) -> bool:
    """Whether post files go to a thread: on more than one core, when writing them takes
    more than SLOW_FILE_WRITE each.

    Creating a file on a churned no-journal ext4 costs much kernel time with the GIL
    released, and syncing it to disk waits for the device: a second core spends the
    one, and the event loop the other, fetching and extracting other sources. On a disk
    that creates and syncs files quickly the thread only adds GIL hand-offs
    (docs/PERFORMANCE.md, "Writing posts").
    """
    return (
        ctx.file_write_cost is not None
        and ctx.file_write_cost > SLOW_FILE_WRITE
        and usable_cpus() > 1
    )


def _write_files(files: list[tuple[Path, str]], done: list[Path]) -> float:
    """Write the posts, durably: each file's bytes, then their folders' new names, are
    on disk when this returns, before step 3 records them as written (a power loss then
    never leaves the store counting a post the disk lost). The seconds it took: waiting
    for the disk blocks the event loop as much as the kernel's work does."""
    start = time.perf_counter()
    write_many(files, done)
    return time.perf_counter() - start


def _new_name(
    ctx: RunContext, source_id: str, turn: int, planned: Planned, article: Article
) -> str:
    site_tz = zone(ctx.config.site.timezone)

    def taken(name: str) -> bool:
        return (
            name.lower() in ctx.taken_names
            or not ctx.naming.may_take(turn, name)
            or ctx.store.post_path_taken(f"{ctx.config.site.posts_dir}/{name}")
        )

    name = post_filename(article.title, article.published, site_tz, planned.key, taken, source_id)
    ctx.taken_names.add(name.lower())
    return name
