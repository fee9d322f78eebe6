"""One run: every due source is fetched once, its new and edited items become posts.

Sources run concurrently (the fetcher enforces the global and per-host limits); a
failing source is reported and the others go on. Nothing is written for a source until
its items are fully built, and writes follow the store's pending/written protocol, so a
run killed at any point leaves no partial post and no duplicate on the next run.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from . import clean, extract
from .config import Config, Rule, Source
from .decode import decode
from .feeds import FeedError, parse_feed
from .fetch import Fetcher, FetchError, FetchSettings, Validators
from .model import Article, FeedItem, ParsedFeed, SourceReport
from .pages import (PAGES_QUEUED_PER_WORKER, POOL_WORKERS, PageDone, PageJob, PagePool,
                    process_page, usable_cpus)
from .post import post_filename, render_post, replace_body, write_atomic
from .store import CachedResponse, Health, ItemRecord, Store, utc_now

log = logging.getLogger("newsmirror")

FUTURE_TOLERANCE = timedelta(minutes=10)
BACKOFF_BASE = timedelta(minutes=10)
BACKOFF_CAP = timedelta(hours=24)
SNAPSHOT_NAME = "items.jsonl"
# CPU seconds (user + kernel) per post file above which files are written in a thread
SLOW_FILE_WRITE = 150e-6


@dataclass(frozen=True)
class RunOptions:
    sources: tuple[str, ...] = ()  # names to run; empty: every enabled source
    dry_run: bool = False  # build everything, write nothing
    force: bool = False  # ignore backoff schedules
    restore: bool = False  # rewrite posts that were deleted by hand
    now: datetime | None = None  # the run's clock (tests pin it)


@dataclass
class RunSummary:
    reports: list[SourceReport] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)  # post files created or rewritten

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.reports)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "new_posts": sum(r.new_posts for r in self.reports),
            "updated_posts": sum(r.updated_posts for r in self.reports),
            "errors": sum(len(r.errors) for r in self.reports),
            "sources": [
                {"name": r.name, "items_seen": r.items_seen, "new_posts": r.new_posts,
                 "updated_posts": r.updated_posts, "unchanged": r.unchanged,
                 "skipped": r.skipped, "errors": r.errors, "warnings": r.warnings}
                for r in self.reports
            ],
        }


@dataclass(frozen=True)
class _Planned:
    """An item that needs a post (new, edited, resumed or restored)."""

    item: FeedItem
    key: str
    content_hash: str
    record: ItemRecord | None  # None for a new item
    first_seen: datetime


@dataclass
class _Context:
    config: Config
    options: RunOptions
    store: Store
    fetcher: Fetcher
    rules: tuple[Rule, ...]
    now: datetime
    taken_names: set[str]  # lower-cased post file names already on disk or assigned
    summary: RunSummary
    progress: Callable[[SourceReport], None] | None = None
    pages: PagePool | None = None  # extraction of article pages, inline or in workers
    page_slots: asyncio.Semaphore | None = None  # pages fetched or being processed
    # CPU seconds a post file took to write, recent average (None: nothing written yet)
    file_write_cost: float | None = None
    # per day and title slug, the last "-N" suffix a new post name took (post_filename)
    name_suffixes: dict[str, int] = field(default_factory=dict)


# --- entry point ----------------------------------------------------------------------------

def run(config: Config, options: RunOptions = RunOptions(),
        progress: Callable[[SourceReport], None] | None = None) -> RunSummary:
    with batch_gc():
        return asyncio.run(run_async(config, options, progress))


@contextmanager
def batch_gc() -> Iterator[None]:
    """Full collections during a run skip the heap that existed before it.

    A run makes millions of short-lived objects (parse trees, strings) over a heap of
    long-lived ones (modules, rules, compiled selectors, ~50k objects). Each full
    collection rescanned that heap: ~0.25 s of a 7.5 s page-mode run
    (bench/bench_e2e.py generic); frozen, ~0.08 s. (A larger young generation did not
    help: each young collection then cost as much more.)
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def run_async(config: Config, options: RunOptions = RunOptions(),
                    progress: Callable[[SourceReport], None] | None = None) -> RunSummary:
    sources = _selected_sources(config, options)
    summary = RunSummary()
    with open_store(config) as store:
        async with Fetcher(FetchSettings.from_site(config.site, _trusted_hosts(config))) as f:
            ctx = _Context(config, options, store, f, _rules(config),
                           options.now or utc_now(), _existing_names(config.posts_path),
                           summary, progress)
            # Backpressure: a page holds a slot from its fetch until it is extracted, so
            # at most this many raw pages sit in memory (or in the pool's queue) at once.
            # The fetcher's own limit still bounds the fetches; the extra slots keep every
            # worker fed while those run.
            ctx.page_slots = asyncio.Semaphore(config.site.max_connections
                                               + PAGES_QUEUED_PER_WORKER * POOL_WORKERS)
            ctx.pages = PagePool(ctx.rules)
            try:
                reports = await asyncio.gather(*(_run_source(ctx, s) for s in sources))
            finally:
                ctx.pages.shutdown()
        summary.reports = list(reports)
        if summary.written and not options.dry_run:
            write_atomic(snapshot_path(config), store.export_items())
            _update_site(config)
    return summary


def _update_site(config: Config) -> None:
    """Archive pages and the search index follow the posts, on a newsmirror scaffold."""
    from .site import is_scaffolded, update_site
    if is_scaffolded(config.root):
        update_site(config.root, config.site.posts_dir, timezone=config.site.timezone)


def open_store(config: Config) -> Store:
    """Open the site's store, merged with the snapshot committed next to it.

    On a fresh machine (an ephemeral CI runner) the store is rebuilt from the snapshot;
    a store restored from an older cache learns the items it missed.
    """
    store = Store(config.state_path)
    snapshot = snapshot_path(config)
    if snapshot.exists():
        added = store.merge_items(snapshot.read_text(encoding="utf-8"))
        if added:
            log.info("state: %d items taken from %s", added, snapshot)
    return store


def snapshot_path(config: Config) -> Path:
    return config.state_path.parent / SNAPSHOT_NAME


def _selected_sources(config: Config, options: RunOptions) -> list[Source]:
    if options.sources:
        return [config.source(name) for name in options.sources]
    return [s for s in config.sources if s.enabled]


def _trusted_hosts(config: Config) -> frozenset[str]:
    # Private addresses are allowed only on the hosts the user configured themselves.
    return frozenset(urlsplit(s.url).hostname or "" for s in config.sources if not s.is_local)


def _rules(config: Config) -> tuple[Rule, ...]:
    # Later rules win: the user's rules override the built-in ones per domain.
    return tuple(extract.load_builtin_rules()) + config.rules


def _existing_names(posts_path: Path) -> set[str]:
    try:
        return {name.lower() for name in os.listdir(posts_path)}
    except FileNotFoundError:
        return set()


# --- one source ---------------------------------------------------------------------------

async def _run_source(ctx: _Context, source: Source) -> SourceReport:
    report = SourceReport(source.name)
    health = ctx.store.health(source.name)
    if not ctx.options.force and health.next_due and health.next_due > ctx.now:
        report.skipped = (f"backing off after {health.failures} failures until "
                          f"{health.next_due:%Y-%m-%d %H:%M} UTC (use --force)")
    else:
        retry_after = None
        try:
            await _poll_source(ctx, source, report, health)
        except FetchError as exc:
            report.errors.append(f"{source.name}: {exc}")
            retry_after = exc.retry_after
        except FeedError as exc:
            report.errors.append(f"{source.name}: {exc}")
        except Exception as exc:  # a bug or an unexpected input must not stop other sources
            log.debug("source %s failed", source.name, exc_info=True)
            report.errors.append(f"{source.name}: unexpected {type(exc).__name__}: {exc}")
        if not ctx.options.dry_run:
            _record_health(ctx, source, report, health, retry_after)
    if ctx.progress:
        ctx.progress(report)
    return report


async def _poll_source(ctx: _Context, source: Source, report: SourceReport,
                       health: Health) -> None:
    fetched = await _fetch_source(ctx, source)
    if fetched is None:
        report.unchanged = True
        return
    feed, remember = fetched
    report.items_seen = len(feed.items)
    report.warnings.extend(f"{source.name}: {w}" for w in feed.warnings)
    if not feed.items and health.last_item_count:
        raise FeedError(f"the feed has no items any more "
                        f"(it had {health.last_item_count}); the source may have changed")
    planned = _plan(ctx, source, feed.items)
    pages: list[_RawPage] = []  # stored with the source's pending rows, in one transaction
    articles = await asyncio.gather(*(_build(ctx, source, p, report, pages) for p in planned))
    if not ctx.options.dry_run:
        await _write_posts(ctx, source, list(zip(planned, articles)), pages, report)
        remember()
    else:
        report.new_posts = sum(1 for p in planned if p.record is None)
        report.updated_posts = len(planned) - report.new_posts


async def _fetch_source(ctx: _Context, source: Source
                        ) -> tuple[ParsedFeed, Callable[[], None]] | None:
    """The parsed feed and a callback that stores its validators, or None if unchanged."""
    cached = ctx.store.cached_response(source.url)
    if source.is_local:
        try:
            body = Path(source.url).read_bytes()
        except OSError as exc:
            raise FeedError(f"cannot read {source.url}: {exc.strerror}") from None
        content_type, final_url, etag, last_modified = None, Path(source.url).as_uri(), None, None
    else:
        validators = Validators(cached.etag, cached.last_modified) if cached else None
        response = await ctx.fetcher.get(
            source.url, validators=validators, headers=dict(source.headers),
            accept="html" if source.listing else "feed")
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
            from .listing import parse_listing
            return parse_listing(text, url, source.listing, source.timezone or "UTC")
        return parse_feed(text, url=url, timezone=source.timezone or "UTC")
    except FeedError as exc:
        raise FeedError(f"{source.url}: {exc}") from None


def _record_health(ctx: _Context, source: Source, report: SourceReport, old: Health,
                   retry_after: float | None) -> None:
    if report.skipped:
        return
    if report.ok:
        count = report.items_seen if not report.unchanged else old.last_item_count
        health = Health(source.name, 0, None, ctx.now, ctx.now, None, count)
    else:
        failures = old.failures + 1
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (failures - 1))
        if retry_after:  # the server said when to come back (429/503 Retry-After)
            delay = max(delay, timedelta(seconds=retry_after))
        health = Health(source.name, failures, report.errors[-1], old.last_success, ctx.now,
                        ctx.now + delay, old.last_item_count)
    ctx.store.put_health(health)


# --- which items need a post ------------------------------------------------------------------

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


def _plan(ctx: _Context, source: Source, items: tuple[FeedItem, ...]) -> list[_Planned]:
    known = ctx.store.items_of(source.name)
    planned: list[_Planned] = []
    seen: set[str] = set()
    for item, key in zip(items, item_identities(source, items)):
        if key in seen:  # the very same item twice in one feed
            continue
        seen.add(key)
        record = known.get(key) or _by_plain_guid(known, key, item)
        content_hash = _digest(item.title, item.link, item.content_html)
        if record is None:
            planned.append(_Planned(item, key, content_hash, None, ctx.now))
        elif _needs_rewrite(ctx, record, content_hash):
            planned.append(_Planned(item, record.key, content_hash, record, record.first_seen))
    return planned


def _by_plain_guid(known: dict[str, ItemRecord], key: str, item: FeedItem) -> ItemRecord | None:
    # An item stored under its plain guid before the feed started repeating that guid.
    if "|" not in key or not key.startswith("guid:"):
        return None
    record = known.get(f"guid:{item.guid}")
    return record if record and record.link == item.link else None


def _needs_rewrite(ctx: _Context, record: ItemRecord, content_hash: str) -> bool:
    if record.state == "pending":  # a previous run was killed before the file was done
        return True
    if not (ctx.config.root / record.post_path).exists():
        return ctx.options.restore  # deleted by hand: a tombstone unless --restore
    return record.content_hash != content_hash


# --- building one article -------------------------------------------------------------------

async def _build(ctx: _Context, source: Source, planned: _Planned,
                 report: SourceReport, pages: list[_RawPage]) -> Article:
    item = planned.item
    content, done = item.content_html, None
    base_url = item.link or (source.url if not source.is_local else None)
    if item.link and extract.needs_full_text(content, source.full_text,
                                             ctx.config.site.full_text_min_chars):
        done = await _full_text(ctx, source, planned, report, base_url, pages)
    page = done.page if done else None
    title = item.title or (page.title if page and page.title else "") or item.link or ""
    if done is not None:
        body = done.cleaned()
    else:
        body = clean.clean_html(content, base_url, remove=source.remove,
                                junk=ctx.config.site.junk, convert=source.convert)
    if source.convert:
        title = clean.convert_text(title, source.convert)
    published = item.published or (page.published if page else None)
    return Article(
        title=title,
        url=clean.strip_tracking(item.link) if item.link else source.url,
        published=_publication_time(ctx, source, planned, published),
        author=source.display_author,
        tags=_unique((source.name, *source.tags, *item.categories)),
        categories=_unique((source.name, *source.categories)),
        body_html=body,
    )


async def _full_text(ctx: _Context, source: Source, planned: _Planned, report: SourceReport,
                     base_url: str | None, pages: list[_RawPage]) -> PageDone | None:
    """The extracted and cleaned article page, or None: a failed fetch keeps the feed
    content."""
    link = planned.item.link
    assert ctx.page_slots is not None
    try:
        async with ctx.page_slots:
            response = await ctx.fetcher.get(link, headers=dict(source.headers),
                                             accept="html")
            job = PageJob(response.body, response.headers.get("Content-Type"),
                           response.url, source.timezone or "UTC", base_url, source.remove,
                           ctx.config.site.junk, source.convert,
                           keep_raw=not ctx.options.dry_run,
                           # the post takes the feed's title and date when it has them
                           # (and the author from the source): page metadata fills gaps
                           metadata=_missing_metadata(planned.item))
            done = await ctx.pages.run(job)
    except FetchError as exc:
        report.warnings.append(f"{source.name}: full text not fetched, feed content kept: {exc}")
        return None
    except Exception as exc:  # extraction bugs must not lose the item either
        log.debug("extraction failed for %s", link, exc_info=True)
        report.warnings.append(f"{source.name}: {link}: extraction failed "
                               f"({type(exc).__name__}: {exc}); feed content kept")
        return None
    if done.raw is not None:
        pages.append(_RawPage(planned.key, response.url,
                              response.headers.get("Content-Type"), done.raw))
    return done


def _missing_metadata(item: FeedItem) -> tuple[str, ...]:
    return (("title",) if not item.title else ()) + (("date",) if not item.published else ())


# --- raw pages kept for reprocessing ----------------------------------------------------

@dataclass(frozen=True)
class _RawPage:
    """A fetched page waiting to be stored (Store.put_compressed_page) with its post."""

    key: str
    url: str
    content_type: str | None
    compressed: bytes



def _publication_time(ctx: _Context, source: Source, planned: _Planned,
                      published: datetime | None) -> datetime:
    if published is None:
        # No usable date: the first-seen time, stored and reused on every later run.
        return planned.record.published if planned.record else planned.first_seen
    if published > planned.first_seen + FUTURE_TOLERANCE:
        log.warning("%s: %s is dated %s, in the future; using the time it was first seen",
                    source.name, planned.item.link or planned.item.title,
                    published.isoformat())
        return planned.first_seen
    return published


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    result = []
    for value in values:
        value = " ".join(value.split())
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
    return tuple(result)


# --- writing --------------------------------------------------------------------------------

async def _write_posts(ctx: _Context, source: Source, built: list[tuple[_Planned, Article]],
                       pages: list[_RawPage], report: SourceReport) -> None:
    posts_dir = ctx.config.site.posts_dir
    records = []
    with ctx.store.transaction():  # step 1: every post is pending under its final name
        # The raw pages go in the same transaction: one commit per source instead of one
        # per page (an autocommitted ~10 KB insert cost ~85 µs a page).
        for page in pages:
            ctx.store.put_compressed_page(source.name, page.key, page.url, page.content_type,
                                          page.compressed)
        for planned, article in built:
            path = planned.record.post_path if planned.record else \
                f"{posts_dir}/{_new_name(ctx, planned, article)}"
            record = ItemRecord(source.name, planned.key, planned.item.link, path,
                                planned.content_hash, planned.first_seen,
                                article.published, "pending")
            records.append((record, article, planned.record is None))
        # names given above are in ctx.taken_names, so inserting after them is safe
        ctx.store.put_items(r for r, _, _ in records)
    # step 2: the files, each atomically
    files = [(ctx.config.root / r.post_path, render_post(a)) for r, a, _ in records]
    done: list[Path] = []  # the files written, also when one of them fails
    try:
        if _slow_disk(ctx):
            seconds = await asyncio.to_thread(_write_files, files, done)
        else:
            seconds = _write_files(files, done)
        cost = seconds / max(len(files), 1)
        ctx.file_write_cost = cost if ctx.file_write_cost is None else \
            (ctx.file_write_cost + cost) / 2
    finally:
        for target, (_, _, is_new) in zip(done, records):
            ctx.summary.written.append(target)
            if is_new:
                report.new_posts += 1
            else:
                report.updated_posts += 1
    with ctx.store.transaction():  # step 3: done
        ctx.store.mark_written(source.name, [r.key for r, _, _ in records])


def _slow_disk(ctx: _Context) -> bool:
    """Whether post files go to a thread: on more than one core, when writing them costs
    more than SLOW_FILE_WRITE each.

    Creating a file on a churned no-journal ext4 costs 0.2-0.9 ms of kernel time with the
    GIL released, which a second core then spends while the event loop fetches and
    extracts other sources (bench_e2e rule, both cores, churned disk: 439-479 posts/s
    without the thread, 653-665 with it). On a disk creating files in ~30 µs the thread
    only adds GIL hand-offs (bench_e2e feed on tmpfs, both cores: 3.94x the naive
    reference with it, 4.01x without).
    """
    return ctx.file_write_cost is not None and ctx.file_write_cost > SLOW_FILE_WRITE \
        and usable_cpus() > 1


def _write_files(files: list[tuple[Path, str]], done: list[Path]) -> float:
    """Write the posts; the CPU seconds (user and kernel) this thread spent on it."""
    start = time.thread_time()
    for target, text in files:
        write_atomic(target, text)
        done.append(target)
    return time.thread_time() - start


def _new_name(ctx: _Context, planned: _Planned, article: Article) -> str:
    site_tz = ZoneInfo(ctx.config.site.timezone)

    def taken(name: str) -> bool:
        return name.lower() in ctx.taken_names or ctx.store.post_path_taken(
            f"{ctx.config.site.posts_dir}/{name}")

    name = post_filename(article.title, article.published, site_tz, planned.key, taken,
                         ctx.name_suffixes)
    ctx.taken_names.add(name.lower())
    return name



# --- reprocess ------------------------------------------------------------------------------

@dataclass
class ReprocessReport:
    pages: int = 0
    rewritten: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def reprocess(config: Config, source_names: tuple[str, ...] = ()) -> ReprocessReport:
    """Re-extract every stored raw page (after a rule changed) and rewrite changed posts.

    Only the article body of a post is replaced; its front matter, name and link stay.
    """
    report = ReprocessReport()
    sources = [config.source(n) for n in source_names] if source_names else config.sources
    rules = _rules(config)
    with open_store(config) as store:
        for source in sources:
            records = store.items_of(source.name)
            for key, url, content_type, body in store.pages_of(source.name):
                record = records.get(key)
                path = config.root / record.post_path if record else None
                if path is None or not path.exists():
                    continue  # never posted, or deleted by hand: leave it
                report.pages += 1
                try:
                    _reprocess_one(config, source, rules, path, url, content_type, body,
                                   report)
                except Exception as exc:  # one bad page must not stop the others
                    report.errors.append(f"{source.name}: {url}: {type(exc).__name__}: {exc}")
    return report


def _reprocess_one(config: Config, source: Source, rules: tuple[Rule, ...], path: Path,
                   url: str, content_type: str | None, body: bytes,
                   report: ReprocessReport) -> None:
    # The same decode -> extract -> clean as a run, with the page's final URL as base.
    done = process_page(PageJob(body, content_type, url, source.timezone or "UTC", url,
                                source.remove, config.site.junk, source.convert,
                                keep_raw=False, metadata=()), rules)
    if not done.page.content_html:
        report.errors.append(f"{source.name}: {url}: no article found; post kept")
        return
    cleaned = done.cleaned()
    old = path.read_text(encoding="utf-8")
    new = replace_body(old, cleaned)
    if new != old:
        write_atomic(path, new)
        report.rewritten.append(path)
