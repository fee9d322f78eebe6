"""The publisher: the one writer of a site whose sources workers poll (``_worker.py``).

It gives the store the site's configuration (the workers read their sources and
settings from there, and the queue follows the enabled sources) and the items of the
site's snapshot (a site that ran with its own SQLite store moves to a shared one without
posting anything twice), then writes what the
workers stored and the site does not have yet: image files first, then every pending
post from the article it renders from, each file atomically, then the rows marked
written, the snapshot and the site's generated pages, as a run does after its writes.
A publisher killed at any point leaves pending rows that the next one writes again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..model import SourceReport
from ..post import render_post
from ..store import Store
from ..util.files import write_atomic, write_many
from ._identity import bind_sources
from ._images import write_images
from ._lock import run_lock
from ._options import RunSummary
from ._run import update_site_pages
from ._state import read_snapshot, snapshot_path
from ._worker import CONFIG_DIGEST_SETTING, CONFIG_SETTING, config_digest

__all__ = ["PublishReport", "publish"]

BATCH = 1000  # posts rendered, written and marked at a time


@dataclass
class PublishReport:
    queued: int = 0  # sources new to the queue
    unqueued: int = 0  # sources taken out of it (removed or disabled)
    images: int = 0  # image files written
    summary: RunSummary = field(default_factory=RunSummary)  # posts, per source

    def to_dict(self) -> dict[str, object]:
        data = self.summary.to_dict()
        return {
            "sources_queued": self.queued,
            "sources_unqueued": self.unqueued,
            "images_written": self.images,
            "new_posts": data["new_posts"],
            "updated_posts": data["updated_posts"],
            "sources": [
                {key: s[key] for key in ("name", "new_posts", "updated_posts")}
                for s in data["sources"]
            ],
        }


def publish(config: Config, state: str) -> PublishReport:
    report = PublishReport()
    with run_lock(config), Store(state) as store:
        text = config.path.read_text(encoding="utf-8")
        snapshot = read_snapshot(config)
        if snapshot is not None:  # a site that ran on its own store before: no post twice
            store.merge_snapshot(snapshot)
        config, _ = bind_sources(config, store, remember=True)
        with store.transaction():  # workers read the digest, then the text it names
            store.put_setting(CONFIG_SETTING, text)
            store.put_setting(CONFIG_DIGEST_SETTING, config_digest(text))
        report.queued, report.unqueued = store.queue_sources(
            s.id for s in config.sources if s.enabled
        )
        report.images = _write_image_files(config, store)
        names = {s.id: s.name for s in config.sources}
        reports: dict[str, SourceReport] = {}
        written = _write_posts(config, store, names, reports)
        report.summary = RunSummary(reports=list(reports.values()), written=written)
        if written:
            write_atomic(snapshot_path(config), store.export_snapshot())
            update_site_pages(config, store)
    return report


def _write_image_files(config: Config, store: Store) -> int:
    files = dict(store.unwritten_image_files())
    write_images(config.root, files)  # before any post points at them
    with store.transaction():
        store.mark_image_files_written(files)
    return len(files)


def _write_posts(
    config: Config, store: Store, names: dict[str, str], reports: dict[str, SourceReport]
) -> list[Path]:
    """Every pending post with its article, written (a batch at a time, durably) and
    then marked written."""
    pending = store.pending_posts()
    written: list[Path] = []
    for start in range(0, len(pending), BATCH):
        batch = []
        for source, key, post_path in pending[start : start + BATCH]:
            article = store.article(source, key)
            if article is None:  # a local run's row, killed before its article: its run's
                continue
            batch.append((source, key, config.root / post_path, render_post(article)))
        for source, _, target, _ in batch:
            counts = reports.setdefault(source, SourceReport(names.get(source, source)))
            if target.exists():
                counts.updated_posts += 1
            else:
                counts.new_posts += 1
        done: list[Path] = []
        write_many([(target, text) for _, _, target, text in batch], done)
        written += done
        keys: dict[str, list[str]] = {}
        for source, key, _, _ in batch:
            keys.setdefault(source, []).append(key)
        with store.transaction():
            for source, source_keys in keys.items():
                store.mark_written(source, source_keys)
    return written
