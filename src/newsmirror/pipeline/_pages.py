"""Article pages: decode, extract, clean and compress each fetched page.

The CPU-heavy step of page mode. ``process_pages`` is the one function every path runs:
the event loop's thread, the page thread and the worker processes (``_pool``).
"""

from __future__ import annotations

import codecs
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .. import clean, extract
from ..config import Rule
from ..model import Extracted, MetadataField
from ..store import compress_page
from ..util.charset import decode

__all__ = ["PageDone", "PageJob", "process_page", "process_pages"]


@dataclass(frozen=True)
class PageJob:
    """One fetched article page and what cleaning it needs (picklable, for a worker)."""

    body: bytes
    content_type: str | None
    url: str  # final URL after redirects
    default_tz: str
    remove: tuple[str, ...]
    junk: bool
    convert: str | None
    keep_raw: bool  # compress the raw page for the store (not on dry runs)
    # the page metadata wanted ("title", "date", "author"): what the feed item lacks
    metadata: tuple[MetadataField, ...] = ("title", "date", "author")


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


Outcome = tuple[PageDone | None, BaseException | None]


def process_page(job: PageJob, rules: tuple[Rule, ...]) -> PageDone:
    """Decode, extract, clean and compress one page. Extraction errors propagate (the
    caller keeps the feed content); a cleaning error is carried back to be raised later."""
    ((done, error),) = process_pages([job], rules)
    if error is not None:
        raise error
    assert done is not None
    return done


def process_pages(jobs: list[PageJob], rules: tuple[Rule, ...]) -> list[Outcome]:
    """``process_page`` for several pages, one stage at a time: each stage's code (parser,
    sanitizer, compressor) then stays in the CPU's caches from one page to the next
    (docs/PERFORMANCE.md, "Article pages"). An outcome per job: (PageDone, None) or
    (None, the extraction error)."""
    with _collections_after():
        pages: list[Extracted | BaseException] = []
        for job in jobs:
            try:
                pages.append(_extract(job, rules))
            except Exception as exc:  # noqa: BLE001 - the caller reports it, keeps the feed
                pages.append(exc)
        cleaned = [
            _clean(job, page) if isinstance(page, Extracted) else (None, None)
            for job, page in zip(jobs, pages, strict=True)
        ]
        outcomes: list[Outcome] = []
        for job, page, (body_html, error) in zip(jobs, pages, cleaned, strict=True):
            if not isinstance(page, Extracted):
                outcomes.append((None, page))
                continue
            raw = compress_page(job.body) if job.keep_raw else None
            outcomes.append((PageDone(page, body_html, error, raw), None))
    return outcomes


@contextmanager
def _collections_after() -> Iterator[None]:
    """No cyclic garbage collection while pages are processed, only after them.

    Extraction holds hundreds of parse-tree node objects at a time (freed by reference
    counting when it returns). A collection in the middle moved them to the older
    generations, whose collections then scanned them again; collecting after the pages
    cut the time a run spends in collections (docs/PERFORMANCE.md, "Article pages"). The
    switch is process-wide: run in the page thread, it also defers the event loop's
    collections while the batch runs.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _extract(job: PageJob, rules: tuple[Rule, ...]) -> Extracted:
    text, codec = decode(job.body, job.content_type)
    # decode returns "utf-8" without a U+FFFD only from a strict decode of the whole body
    # (its BOM and lenient paths strip a BOM or replace bad bytes): then the body is
    # exactly the text's UTF-8, which the parser can take without encoding the text again
    utf8 = (
        job.body
        if codec == "utf-8" and not job.body.startswith(codecs.BOM_UTF8) and "\ufffd" not in text
        else None
    )
    return extract.extract(
        text, job.url, rules, default_tz=job.default_tz, utf8=utf8, metadata=job.metadata
    )


def _clean(job: PageJob, page: Extracted) -> tuple[str | None, Exception | None]:
    try:
        return clean.clean_html(
            page.content_html, page.base_url, remove=job.remove, junk=job.junk, convert=job.convert
        ), None
    except Exception as exc:  # noqa: BLE001 - raised again by PageDone.cleaned
        return None, exc
