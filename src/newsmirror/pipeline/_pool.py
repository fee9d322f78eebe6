"""Where article pages are processed during a run.

Decoding, extracting and cleaning a page is pure CPU while fetching and writing are I/O.
On a single usable CPU pages are processed in the event loop's thread. On more, in one
thread beside the event loop: lexbor's parser, nh3 (between calls of its attribute
filter) and brotli release the GIL, much of a page's CPU, which then runs beside the
event loop. Pages that need the generic extractor (no site rule for their host:
trafilatura, far costlier than a rule page) also go to a small process pool, in
batches, once a run has more than POOL_THRESHOLD of them; site-rule pages never do, as a
trip to a worker costs more than they do. The measurements behind these choices are in
docs/PERFORMANCE.md ("Article pages").
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .. import extract
from ..config import Rule
from ._pages import Outcome, PageDone, PageJob, process_pages

__all__ = ["PAGES_QUEUED_PER_WORKER", "POOL_WORKERS", "PagePool", "usable_cpus"]

log = logging.getLogger("newsmirror")


POOL_THRESHOLD = 50  # generic pages in one run before the pool is started


POOL_WORKERS = 2


BATCH_PAGES = 8  # pages per trip to a worker


BATCH_WAIT = 0.002  # seconds a partial batch waits for more pages


# page slots beyond the fetcher's connections (pipeline.run_async): a batch being worked
# on and one waiting per worker, so that none idles between batches
PAGES_QUEUED_PER_WORKER = 2 * BATCH_PAGES


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, which CI runners and taskset set)."""
    return len(os.sched_getaffinity(0))


PARENT_POLL = 0.5  # seconds between a worker's checks that its parent still runs


_worker_rules: tuple[Rule, ...] = ()


def _init_worker(rules: tuple[Rule, ...], parent: int) -> None:
    _die_with_parent(parent)
    global _worker_rules  # once per worker: the rules do not travel with every page
    _worker_rules = rules


def _die_with_parent(parent: int) -> None:
    """End this worker when the run's process ends, however it ends.

    A run killed by SIGKILL (or the OOM killer) cannot stop its workers, which would live
    on as orphans with their memory and their queued batches. Two guards: on Linux the
    kernel sends this process SIGKILL when its parent goes (PR_SET_PDEATHSIG); everywhere,
    a daemon thread polls the parent's pid and exits when it changed (the orphan was
    adopted). The kernel's signal fires when the *thread* that started this process
    ends, not the process: ``concurrent.futures`` starts workers in the thread that
    calls ``submit``, PagePool's event-loop thread, which outlives the pool (``shutdown``
    joins the workers in that thread). Arming the signal races with the parent's death,
    so the parent is checked once more after it. A worker whose parent dies while it
    still starts (importing this module and the extractors, before this initializer
    runs) ends as soon as it gets here.
    """
    _set_parent_death_signal()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="newsmirror-parent-watch", daemon=True
    ).start()


def _set_parent_death_signal() -> bool:
    """PR_SET_PDEATHSIG(SIGKILL) for this process; False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1  # <linux/prctl.h>
        return bool(libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (OSError, AttributeError):  # no libc to load, or no prctl in it
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)  # no cleanup: the run that wanted the results is gone


def _process_batch_in_worker(jobs: list[PageJob]) -> list[Outcome]:
    outcomes = process_pages(jobs, _worker_rules)
    for n, (done, error) in enumerate(outcomes):
        if error is not None:
            try:
                pickle.dumps(error)
            except Exception:  # noqa: BLE001 - must travel back: keep its name and message
                outcomes[n] = (done, RuntimeError(f"{type(error).__name__}: {error}"))
    return outcomes


class PagePool:
    """Runs page jobs for one pipeline run: in the event loop's thread on one usable CPU;
    with more, in a thread beside it, and generic pages in worker processes once the run
    has more than POOL_THRESHOLD of them.

    Pages are processed in batches of up to BATCH_PAGES (or what arrived within
    BATCH_WAIT), stage by stage (process_pages). To the workers, a batch is one trip:
    each trip costs the main process pickling, a queue-feeder thread, a result thread
    and an event-loop wake-up, so batches made generic runs faster than one page a trip.
    (The main process extracting pages too while both workers were busy was slower: the
    three processes contend for two cores; docs/PERFORMANCE.md, "Article pages".)
    """

    def __init__(self, rules: tuple[Rule, ...]):
        self.rules = rules
        self.generic_pages = 0  # pages with no site rule (trafilatura) so far
        self._pool: ProcessPoolExecutor | None = None
        self._failed = False  # one core, or a worker died: stay in this process
        self._thread: ThreadPoolExecutor | None = None  # on > 1 CPU: pages not pooled
        self._threaded = usable_cpus() > 1
        # the batch for this process (its page thread or the event loop's thread)
        self._inline: list[tuple[PageJob, asyncio.Future[PageDone]]] = []
        self._pooled: list[tuple[PageJob, asyncio.Future[PageDone]]] = []
        self._flush_timer: asyncio.TimerHandle | None = None
        self._closed = False

    async def run(self, job: PageJob) -> PageDone:
        if self._closed:
            # The run is ending (a source raised and run_async shut the pool down while
            # other sources still build): abandon the page like a cancelled task. An
            # ordinary exception would count as an extraction failure, and the post
            # would be written with the feed's teaser.
            raise asyncio.CancelledError
        batch = self._inline
        if extract.select_rule(job.url, self.rules) is None:
            self.generic_pages += 1
            if self._workers() is not None:
                batch = self._pooled
        # a site rule's page stays in this process: cheap (see above)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[PageDone] = loop.create_future()
        batch.append((job, future))
        if len(batch) >= BATCH_PAGES:
            self._flush()
        elif self._flush_timer is None:
            self._flush_timer = loop.call_later(BATCH_WAIT, self._flush)
        return await future

    def shutdown(self) -> None:
        """No more pages: those waiting for a batch and those in one are cancelled."""
        self._closed = True
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        for _, future in (*self._inline, *self._pooled):
            future.cancel()
        self._inline, self._pooled = [], []
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        if self._thread is not None:
            self._thread.shutdown(cancel_futures=True)

    def _flush(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        pooled, self._pooled = self._pooled, []
        inline, self._inline = self._inline, []
        if pooled:
            self._send(pooled)
        if inline:
            self._run_here(inline)

    def _run_here(self, batch: list[tuple[PageJob, asyncio.Future[PageDone]]]) -> None:
        """A batch in this process: to the page thread on more than one CPU, else now."""
        if self._closed:  # a batch back from a worker that failed as the run ended
            self._cancel(batch)
            return
        if self._threaded:
            self._send_to_thread(batch)
            return
        try:
            outcomes = process_pages([job for job, _ in batch], self.rules)
        except Exception as exc:  # noqa: BLE001 - a bug: raised to each page, none waits forever
            outcomes = [(None, exc)] * len(batch)
        self._settle(batch, outcomes)

    def _send(self, batch: list[tuple[PageJob, asyncio.Future[PageDone]]]) -> None:
        assert self._pool is not None
        if self._closed:
            self._cancel(batch)
            return
        try:
            sent = self._pool.submit(_process_batch_in_worker, [job for job, _ in batch])
        except (BrokenProcessPool, RuntimeError):  # a worker died earlier, or shut down
            self._workers_failed()
            self._run_here(batch)
            return
        asyncio.wrap_future(sent).add_done_callback(
            lambda returned: self._returned(batch, returned)
        )

    def _send_to_thread(self, batch: list[tuple[PageJob, asyncio.Future[PageDone]]]) -> None:
        # The parser, the sanitizer and the compressor release the GIL (much of a site-rule
        # page's CPU; docs/PERFORMANCE.md, "Article pages"): in a thread that part runs on
        # the other core while the event loop fetches, parses feeds and writes posts.
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="newsmirror-pages")
        sent = self._thread.submit(process_pages, [job for job, _ in batch], self.rules)
        asyncio.wrap_future(sent).add_done_callback(
            lambda returned: self._returned(batch, returned, workers=False)
        )

    def _returned(
        self,
        batch: list[tuple[PageJob, asyncio.Future[PageDone]]],
        returned: asyncio.Future[list[Outcome]],
        *,
        workers: bool = True,
    ) -> None:
        if returned.cancelled():
            self._cancel(batch)
            return
        try:
            outcomes = returned.result()
        except Exception as exc:  # noqa: BLE001 - see below
            if workers:  # a worker died (killed, out of memory): go on in this process
                self._workers_failed()
                self._run_here(batch)
                return
            outcomes = [(None, exc)] * len(batch)  # the thread: a bug, raised to each page
        self._settle(batch, outcomes)

    def _workers_failed(self) -> None:
        if not self._failed:
            log.warning("extraction workers failed; extracting in the main process")
        self._failed = True

    @staticmethod
    def _cancel(batch: list[tuple[PageJob, asyncio.Future[PageDone]]]) -> None:
        for _, future in batch:
            future.cancel()

    @staticmethod
    def _settle(
        batch: list[tuple[PageJob, asyncio.Future[PageDone]]], outcomes: list[Outcome]
    ) -> None:
        for (_, future), (done, error) in zip(batch, outcomes, strict=True):
            if future.done():  # its task was cancelled
                continue
            if error is not None:
                future.set_exception(error)
            elif done is not None:  # an outcome holds one or the other
                future.set_result(done)

    def _workers(self) -> ProcessPoolExecutor | None:
        if self._pool is None and not self._failed and self.generic_pages > POOL_THRESHOLD:
            workers = min(POOL_WORKERS, usable_cpus())
            if workers < 2:
                self._failed = True  # one core: workers would only add copying
                return None
            # spawn, not fork: the event loop, the resolver threads and the SQLite
            # connection must not be duplicated into the workers
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.rules, os.getpid()),
            )
        return None if self._failed else self._pool
