"""What every step of one run shares: settings, store, fetcher, page pool, names taken."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..archive import WarcArchive
from ..config import Config, Rule
from ..fetch import Fetcher
from ..model import SourceReport
from ..store import ItemRecord, Store
from ._options import RunOptions, RunSummary
from ._pool import PagePool
from ._turns import NamingTurns

__all__ = ["RunContext"]


@dataclass
class RunContext:
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
    # seconds a post file took to write, recent average (None: nothing written yet)
    file_write_cost: float | None = None
    naming: NamingTurns = field(default_factory=lambda: NamingTurns(0))
    # images downloaded by this run (pipeline/_images.py): by URL, so that posts sharing
    # one fetch it once; their bytes, bounded by _images.MAX_RUN_BYTES
    image_fetches: dict[str, asyncio.Task[tuple[bytes | None, str | None]]] = field(
        default_factory=dict
    )
    image_bytes: int = 0
    # [site] one_post_per_article: canonical article URL -> (source id, item key) of the
    # source that planned it first in this run (the store knows earlier runs')
    claimed: dict[str, tuple[str, str]] = field(default_factory=dict)
    # [site] warc: where fetched pages (and images) are also recorded (archive/_warc.py)
    warc: WarcArchive | None = None
    # False in a worker (pipeline/_worker.py): posts stop at the store's pending rows and
    # images go into the store, for the publisher to write into the site
    writes_files: bool = True

    def unfinished(self, record: ItemRecord) -> bool:
        """Whether a run was killed while writing the item's post. For a worker a pending
        row is a post stored for the publisher, finished as far as it goes."""
        return self.writes_files and record.state == "pending"

    def post_exists(self, record: ItemRecord) -> bool:
        """Whether the item's post file is in the site. A worker does not see the site:
        for it every post the store knows is there (the publisher writes them all)."""
        return not self.writes_files or (self.config.root / record.post_path).exists()
