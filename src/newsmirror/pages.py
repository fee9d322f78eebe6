"""Article pages: decode, extract, clean and compress each fetched page.

This is the CPU-heavy step of page mode; it runs inline, or in a small pool of worker
processes on big runs of generic pages, with the same function either way.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from . import clean, extract
from .config import Rule
from .decode import decode
from .model import Extracted
from .store import compress_page

log = logging.getLogger("newsmirror")

# Decoding, extracting and cleaning an article page is pure CPU while fetching and writing
# are I/O. Only pages that need the generic extractor (no site rule for their host:
# trafilatura, ~5-7 ms a page) go to a small process pool, once a run has more than
# POOL_THRESHOLD of them, so that they use a second core. Pages with a site rule (~0.5 ms
# with cleaning and compression) always stay inline: shipping one to a worker (pickling
# ~40 KB each way, the IPC wake-ups, the spawned workers' start-up and ~65 MB RSS each)
# cost more than the extraction itself. Measured on bench_e2e rule (800 pages, 2 cores):
# pooled 500 posts/s at 2,844 CPU µs/post and 241 MB, inline 638/s, 1,483 µs/post, 66 MB.
# Single-core machines never pool. Both paths run the same function, process_page.

POOL_THRESHOLD = 50  # generic pages in one run before the pool is started
POOL_WORKERS = 2
PAGES_QUEUED_PER_WORKER = 4  # page slots beyond the fetcher's connections, see pipeline.run_async


@dataclass(frozen=True)
class PageJob:
    """One fetched article page and what cleaning it needs (picklable, for a worker)."""

    body: bytes
    content_type: str | None
    url: str  # final URL after redirects
    default_tz: str
    base_url: str | None  # for clean_html (the page's own <base> wins)
    remove: tuple[str, ...]
    junk: bool
    convert: str | None
    keep_raw: bool  # compress the raw page for the store (not on dry runs)


@dataclass(frozen=True)
class PageDone:
    page: Extracted
    body_html: str | None  # the cleaned article body; None when cleaning raised
    clean_error: Exception | None  # re-raised in the event loop, as when cleaning ran there
    raw: bytes | None  # the raw page, compressed for Store.put_compressed_page

    def cleaned(self) -> str:
        if self.clean_error is not None:
            raise self.clean_error
        return self.body_html or ""


def process_page(job: PageJob, rules: tuple[Rule, ...]) -> PageDone:
    """Decode, extract, clean and compress one page. Extraction errors propagate (the
    caller keeps the feed content); a cleaning error is carried back to be raised later."""
    text, codec = decode(job.body, job.content_type)
    # decode returns "utf-8" without a U+FFFD only from a strict decode of the whole body
    # (its BOM and lenient paths strip a BOM or replace bad bytes): then the body is
    # exactly the text's UTF-8, which the parser can take without encoding the text again
    utf8 = job.body if codec == "utf-8" and not job.body.startswith(codecs.BOM_UTF8) \
        and "\ufffd" not in text else None
    page = extract.extract(text, job.url, rules, default_tz=job.default_tz, utf8=utf8)
    body_html, error = None, None
    try:
        body_html = clean.clean_html(page.content_html, job.base_url, remove=job.remove,
                                     junk=job.junk, convert=job.convert)
    except Exception as exc:  # noqa: BLE001 - raised again by PageDone.cleaned
        error = exc
    raw = compress_page(job.body) if job.keep_raw else None
    return PageDone(page, body_html, error, raw)


_worker_rules: tuple[Rule, ...] = ()


def _init_worker(rules: tuple[Rule, ...]) -> None:
    global _worker_rules  # once per worker: the rules do not travel with every page
    _worker_rules = rules


def _process_page_in_worker(job: PageJob) -> PageDone:
    return process_page(job, _worker_rules)


class PagePool:
    """Runs page jobs for one pipeline run: inline, or in worker processes once the run
    has more than POOL_THRESHOLD generic pages (never on a single usable CPU)."""

    def __init__(self, rules: tuple[Rule, ...]):
        self.rules = rules
        self.generic_pages = 0  # pages with no site rule (trafilatura) so far
        self._pool: ProcessPoolExecutor | None = None
        self._failed = False  # one core, or a worker died: stay inline

    async def run(self, job: PageJob) -> PageDone:
        if extract.select_rule(job.url, self.rules) is not None:
            return process_page(job, self.rules)  # a site rule: cheap, inline (see above)
        self.generic_pages += 1
        pool = self._workers()
        if pool is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(
                    pool, _process_page_in_worker, job)
            except BrokenProcessPool:  # a worker died (killed, out of memory): go on inline
                log.warning("extraction workers failed; extracting in the main process")
                self._failed = True
        return process_page(job, self.rules)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def _workers(self) -> ProcessPoolExecutor | None:
        if self._pool is None and not self._failed and self.generic_pages > POOL_THRESHOLD:
            workers = min(POOL_WORKERS, len(os.sched_getaffinity(0)))
            if workers < 2:
                self._failed = True  # one core: workers would only add copying
                return None
            # spawn, not fork: the event loop, the resolver threads and the SQLite
            # connection must not be duplicated into the workers
            self._pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker, initargs=(self.rules,))
        return self._pool
