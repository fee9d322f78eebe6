"""One run: every due source is fetched once, its new and edited items become posts.

Sources run concurrently (the fetcher enforces the global and per-host limits); a
failing source is reported and the others go on. Nothing is written for a source until
its items are fully built, and writes follow the store's pending/written protocol, so a
run killed at any point leaves no partial post and no duplicate on the next run. With a
deadline (``[site] run_timeout``), the sources unfinished when it passes are cancelled
and reported as failed; what the others wrote is saved as after any run.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import extract
from ..archive import WARC_FOLDER, WarcArchive
from ..config import Config, Rule, Source
from ..fetch import Fetcher, FetchSettings
from ..model import SourceReport
from ..store import Store
from ..util.dates import utc_now
from ..util.files import write_atomic
from ._context import RunContext
from ._identity import bind_sources
from ._images import keeps_images, retry_waiting
from ._lock import run_lock
from ._options import RunOptions, RunSummary
from ._pool import PAGES_QUEUED_PER_WORKER, POOL_WORKERS, PagePool
from ._reconcile import reconcile
from ._recover import index_unknown_posts
from ._source import run_source
from ._state import open_store, read_snapshot, snapshot_path
from ._turns import NamingTurns

__all__ = ["batch_gc", "run", "run_async", "site_rules"]

DEFAULT_OPTIONS = RunOptions()  # frozen: one instance serves every default


def run(
    config: Config,
    options: RunOptions = DEFAULT_OPTIONS,
    progress: Callable[[SourceReport], None] | None = None,
) -> RunSummary:
    with batch_gc():
        return asyncio.run(run_async(config, options, progress))


@contextmanager
def batch_gc() -> Iterator[None]:
    """Full collections during a run skip the heap that existed before it.

    A run makes millions of short-lived objects (parse trees, strings) over a heap of
    long-lived ones (modules, rules, compiled selectors). Each full collection rescanned
    that heap; frozen, it is skipped (docs/PERFORMANCE.md, "Article pages"). (A larger
    young generation did not help: each young collection then cost as much more.)
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def run_async(
    config: Config,
    options: RunOptions = DEFAULT_OPTIONS,
    progress: Callable[[SourceReport], None] | None = None,
) -> RunSummary:
    config.require_sources()
    started = time.monotonic()  # the deadline ([site] run_timeout) counts from here
    summary = RunSummary()
    with run_lock(config), open_store(config) as store:
        config, sources_changed = bind_sources(config, store, remember=not options.dry_run)
        sources = _selected_sources(config, options)
        post_names = _existing_names(config.posts_path)
        indexed = 0
        if not options.dry_run:
            indexed = index_unknown_posts(config, store)  # a lost store: posts known again
            restored = reconcile(config, store, read_snapshot(config), post_names)
            summary.written.extend(restored.written)
            summary.restored = len(restored.written)
        async with Fetcher(FetchSettings.from_site(config.site)) as f:
            ctx = RunContext(
                config,
                options,
                store,
                f,
                site_rules(config),
                options.now or utc_now(),
                post_names,
                summary,
                progress,
                naming=NamingTurns(len(sources)),
            )
            # Backpressure: a page holds a slot from its fetch until it is extracted, so
            # at most this many raw pages sit in memory (or in the pool's queue) at once.
            # The fetcher's own limit still bounds the fetches; the extra slots keep every
            # worker fed while those run.
            ctx.page_slots = asyncio.Semaphore(
                config.site.max_connections + PAGES_QUEUED_PER_WORKER * POOL_WORKERS
            )
            ctx.pages = PagePool(ctx.rules)
            if config.site.warc and not options.dry_run:
                ctx.warc = WarcArchive(config.root / WARC_FOLDER)
            reports = [SourceReport(s.name) for s in sources]
            try:
                unfinished = await _all_or_none(
                    [run_source(ctx, s, turn, reports[turn]) for turn, s in enumerate(sources)],
                    _time_left(config, started),
                )
            finally:
                ctx.pages.shutdown()
            for turn in unfinished:
                _cancelled_by_deadline(ctx, reports[turn])
            if not options.dry_run:  # images earlier runs failed to keep (_images.py)
                keeping = {
                    s.id: (s, reports[turn])
                    for turn, s in enumerate(sources)
                    if turn not in unfinished and keeps_images(ctx.config, s)
                }
                if keeping:
                    summary.written.extend(await retry_waiting(ctx, keeping))
        summary.reports = reports
        if (summary.written or sources_changed or indexed) and not options.dry_run:
            write_atomic(snapshot_path(config), store.export_snapshot())
        if summary.written and not options.dry_run:
            update_site_pages(config, store)
    return summary


async def _all_or_none(polls: list[Coroutine[Any, Any, None]], timeout: float | None) -> list[int]:
    """Every source polled, within ``timeout`` seconds (None: no limit); the indexes of
    those still unfinished then, which are cancelled.

    When one raises (a source's own failures are in its report, so only what stops the
    run does: a full disk, a damaged store, a bug), the others are cancelled first and
    that exception is raised. ``gather`` alone would leave them running, writing into a
    run that is over.
    """
    tasks = [asyncio.ensure_future(poll) for poll in polls]
    if not tasks:
        return []
    try:
        _, pending = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_EXCEPTION)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in tasks:  # (a cancelled source may still fail finishing its posts)
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error
        return [n for n, task in enumerate(tasks) if task.cancelled()]
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _time_left(config: Config, started: float) -> float | None:
    """Seconds until the run's deadline (``[site] run_timeout``), None without one."""
    if config.site.run_timeout is None:
        return None
    return max(0.0, config.site.run_timeout - (time.monotonic() - started))


def _cancelled_by_deadline(ctx: RunContext, report: SourceReport) -> None:
    """A source the deadline stopped: it failed in this run (exit 1), but records no
    failure in its health: the limit was the run's, and backing off would only delay
    the source further."""
    report.cancelled = True
    report.errors.append(
        f"{report.name}: cancelled: the run's deadline ([site] run_timeout = "
        f"{ctx.config.site.run_timeout:g} s) was reached before this source finished"
    )
    if ctx.progress:
        ctx.progress(report)


def update_site_pages(config: Config, store: Store | None = None) -> None:
    """Archive pages and the search index follow the posts, on a newsmirror scaffold;
    with the ``store``, so do the pages of differences of edited posts."""
    from ..site import is_scaffolded, update_site, write_history_pages  # (runs that wrote)

    if is_scaffolded(config.root):
        update_site(config.root, config.site.posts_dir, timezone=config.site.timezone)
        if store is not None:
            write_history_pages(
                config.root, store, config.site.posts_dir, timezone=config.site.timezone
            )


def _selected_sources(config: Config, options: RunOptions) -> list[Source]:
    if options.sources:
        return [config.source(name) for name in options.sources]
    return [s for s in config.sources if s.enabled]


def site_rules(config: Config) -> tuple[Rule, ...]:
    # Later rules win: the user's rules override the built-in ones per domain.
    return extract.load_builtin_rules() + config.rules


def _existing_names(posts_path: Path) -> set[str]:
    try:
        return {name.lower() for name in os.listdir(posts_path)}
    except FileNotFoundError:
        return set()
