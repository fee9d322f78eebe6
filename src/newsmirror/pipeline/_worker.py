"""A worker: one of any number of processes, on any machines, that share one PostgreSQL
store and poll the sources in it.

Each of a worker's lanes claims a due source (``Store.claim_source``: a lease, renewed
while the lane works on it), polls it as a run would (fetch, plan, extract, clean,
render) and stops at the store's first step: the posts are pending rows with the
articles they render from, images are files in the store. The publisher
(``_publish.py``) alone writes the site. Every request first holds one of its host's
slots in the store (``StoreHostGate``), so the limit per host holds for all workers
together. A worker that dies loses its claims and slots when another worker finds one
of its claims run out (``Store.claim_source``), or when their leases do.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config, Rule, Source, parse_config
from ..errors import ConfigError
from ..fetch import Fetcher, FetchSettings
from ..model import SourceReport
from ..store import Store, store_failure
from ..util.dates import utc_now
from ._context import RunContext
from ._identity import bind_sources
from ._options import RunOptions, RunSummary
from ._pool import PAGES_QUEUED_PER_WORKER, POOL_WORKERS, PagePool
from ._run import site_rules
from ._source import run_source
from ._turns import NamingTurns

__all__ = [
    "CONFIG_DIGEST_SETTING",
    "CONFIG_SETTING",
    "StoreHostGate",
    "WorkerOptions",
    "config_digest",
    "site_config",
    "work",
]

log = logging.getLogger("newsmirror")

# the settings keys under which the publisher leaves the site's newsmirror.toml, and
# its digest
CONFIG_SETTING = "config"
CONFIG_DIGEST_SETTING = "config_sha256"
# how often a lane with nothing to claim looks again, at most (seconds)
IDLE_POLL = 0.5
# a slot is held for at most one request attempt (``[site] timeout``, which bounds it)
# plus this many seconds: a worker that dies holding one blocks it no longer than that
SLOT_MARGIN = 5.0


@dataclass(frozen=True)
class WorkerOptions:
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    until_idle: bool = False  # exit when nothing is due and nobody holds a claim
    claim_timeout: float = 300.0  # seconds a claim lives without being renewed
    every: float = 900.0  # seconds from a poll that succeeded to the next
    lanes: int = 8  # sources worked on at once


def site_config(store: Store) -> Config:
    """The site's configuration, as the publisher last gave it to the store."""
    text = store.setting(CONFIG_SETTING)
    where = store.db.name
    if text is None:
        raise ConfigError(
            f"{where}: the store holds no site configuration yet; run "
            "`newsmirror publish --site DIR --state URL` once first"
        )
    return parse_config(Path(f"{where} (newsmirror.toml)"), text)


def config_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _SiteSettings:
    """The configuration sources are polled with: the publisher's latest, read again
    when its digest changes (one short query a claim, not the whole file), with a page
    pool that extracts by its rules (a pool keeps the rules it started with)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.digest: str | None = None
        self.config: Config
        self.rules: tuple[Rule, ...] = ()
        self.sources: dict[str, Source] = {}
        self.pages: PagePool | None = None
        self._retired: list[PagePool] = []  # pools of earlier rules, shut down at the end
        self.current()

    def current(self) -> Config:
        digest = self.store.setting(CONFIG_DIGEST_SETTING)
        if digest != self.digest or self.digest is None:
            config, _ = bind_sources(site_config(self.store), self.store, remember=False)
            self.config = config
            self.sources = {s.id: s for s in config.sources if s.enabled}
            self.digest = digest
            rules = site_rules(config)
            if self.pages is None or rules != self.rules:
                if self.pages is not None:
                    self._retired.append(self.pages)  # pages in flight finish there
                self.pages = PagePool(rules)
            self.rules = rules
        return self.config

    def shutdown(self) -> None:
        for pool in [*self._retired, *([self.pages] if self.pages else [])]:
            pool.shutdown()


async def work(
    state: str, options: WorkerOptions, progress: Callable[[SourceReport], None] | None = None
) -> RunSummary:
    """Claim and poll due sources until stopped (or, ``until_idle``, until none is due
    and none is held); the report of every source polled."""
    try:
        return await _work(state, options, progress)
    except Exception as exc:
        failure = store_failure(state, exc)  # the database gone: one line, not a traceback
        if failure is None:
            raise
        raise failure from None


async def _work(
    state: str, options: WorkerOptions, progress: Callable[[SourceReport], None] | None
) -> RunSummary:
    summary = RunSummary()
    with Store(state) as store:
        settings = _SiteSettings(store)
        config = settings.config  # [site]'s fetch settings: as the worker started
        gate = StoreHostGate(store, options.name, config)
        async with Fetcher(FetchSettings.from_site(config.site), host_gate=gate) as fetcher:
            ctx = RunContext(
                config,
                RunOptions(force=True),  # the queue says when a source is due
                store,
                fetcher,
                settings.rules,
                utc_now(),
                set(),
                summary,
                progress,
                writes_files=False,
            )
            ctx.page_slots = asyncio.Semaphore(
                config.site.max_connections + PAGES_QUEUED_PER_WORKER * POOL_WORKERS
            )
            lanes = asyncio.gather(*(_lane(ctx, settings, options) for _ in range(options.lanes)))
            stopped = asyncio.Event()
            try:
                with _stopped_by_sigterm(lanes, stopped):
                    await lanes
            except asyncio.CancelledError:
                if not stopped.is_set():  # not SIGTERM's doing
                    raise
            finally:
                settings.shutdown()
    return summary


@contextmanager
def _stopped_by_sigterm(
    lanes: asyncio.Future[list[None]], stopped: asyncio.Event
) -> Iterator[None]:
    """SIGTERM (a service manager stopping the worker) ends the lanes as Ctrl-C does:
    each gives its source back to the queue, due at once, and the summary is printed."""

    def stop() -> None:
        stopped.set()
        lanes.cancel()

    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, stop)
    except (NotImplementedError, RuntimeError):  # no signals here (not the main thread)
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def _lane(ctx: RunContext, settings: _SiteSettings, options: WorkerOptions) -> None:
    while True:
        source_id = ctx.store.claim_source(options.name, options.claim_timeout)
        if source_id is None:
            due, held, wait = ctx.store.queue_state()
            if options.until_idle and not due and not held:
                return
            await asyncio.sleep(min(IDLE_POLL, wait) if wait is not None else IDLE_POLL)
            continue
        config = settings.current()
        source = settings.sources.get(source_id)
        if source is None:  # disabled or removed since the publisher queued it
            ctx.store.release_source(source_id, options.name, options.every)
            continue
        report = SourceReport(source.name)
        one = dataclasses.replace(
            ctx,
            config=config,
            rules=settings.rules,
            pages=settings.pages,
            now=utc_now(),
            naming=NamingTurns(1),
            image_fetches={},
        )
        renewing = asyncio.ensure_future(_renew(ctx.store, source_id, options))
        try:
            await run_source(one, source, 0, report)
        except BaseException:  # stopped (Ctrl-C, SIGTERM): another worker may take it now
            ctx.store.release_source(source_id, options.name, 0)
            raise
        finally:
            renewing.cancel()
        ctx.summary.reports.append(report)
        ctx.store.release_source(source_id, options.name, _due_in(report, options))


async def _renew(store: Store, source_id: str, options: WorkerOptions) -> None:
    while True:
        await asyncio.sleep(options.claim_timeout / 3)
        if not store.renew_claim(source_id, options.name, options.claim_timeout):
            log.warning("%s: the claim ran out and another worker took it", source_id)
            return


def _due_in(report: SourceReport, options: WorkerOptions) -> float:
    """Seconds until the source is polled again: ``every`` after a success, its backoff
    (which the poll recorded in its health and its report) after a failure."""
    if report.backoff_until is None:
        return options.every
    return max(0.0, (report.backoff_until - utc_now()).total_seconds())


class StoreHostGate:
    """The host slots of the workers' store (``fetch.HostGate``): a request waits for one
    of its host's ``per_host_connections`` rows, whoever holds the others."""

    def __init__(self, store: Store, holder: str, config: Config) -> None:
        self.store = store
        self.holder = holder
        self.limit = config.site.per_host_connections
        self.hold_for = float(config.site.timeout) + SLOT_MARGIN
        self._hosts: set[str] = set()  # hosts whose slot rows this worker made sure of

    @asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        if host not in self._hosts:
            self.store.add_host_slots(host, self.limit)
            self._hosts.add(host)
        wait = 0.005
        started = time.monotonic()
        while (slot := self._claim(host)) is None:
            await asyncio.sleep(wait)
            wait = min(wait * 2, 0.2)
        if time.monotonic() - started > 1:
            log.debug("%s: waited %.1f s for a slot", host, time.monotonic() - started)
        try:
            yield
        finally:
            self.store.release_host_slot(host, slot, self.holder)

    def _claim(self, host: str) -> int | None:
        return self.store.claim_host_slot(host, self.limit, self.holder, self.hold_for)
