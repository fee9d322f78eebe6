"""``prune``: posts older than a cutoff removed, with the local images no other post uses.

A pruned post stays known as a tombstone: its item keeps its row (``written``, its file
gone), which a run takes for a post deleted by hand and never writes again, and the
snapshot exported here lists it, so that a fresh checkout knows it too
(``_reconcile.py``). What the store kept to write it again (its article, raw page and
search text) is dropped: retention is the user's choice, and the state file shrinks.

Order, for a kill at any point: the store forgets first, then the files go, then the
snapshot is written. Killed before the files went, a rerun prunes them again (nothing is
left that could bring them back); killed before the snapshot, the store and the previous
snapshot both count the pruned posts as written, so a run keeps them deleted.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ..config import Config
from ..errors import UsageError
from ..store import ItemRecord
from ..util.imagefile import IMAGES_DIR
from ._identity import bind_sources
from ._lock import run_lock
from ._recover import _post_files, _write_snapshot
from ._state import open_store

__all__ = ["PruneReport", "parse_age", "prune"]

# where the images part keeps local copies; post bodies name them by this path
_IMAGE_REF = re.compile(re.escape(IMAGES_DIR) + r"/[A-Za-z0-9._/-]+")
_AGE = re.compile(r"(\d+)([dwmy])")


@dataclass
class PruneReport:
    cutoff: datetime
    posts: list[ItemRecord] = field(default_factory=list)  # removed (or to be)
    images: list[str] = field(default_factory=list)  # site-relative paths removed
    image_bytes: int = 0
    kept_images: int = 0  # images of pruned posts that a remaining post still shows


def parse_age(text: str, now: datetime) -> datetime:
    """The cutoff ``text`` before ``now``: ``N`` then ``d`` days, ``w`` weeks, ``m``
    calendar months or ``y`` calendar years (``365d``, ``12w``, ``6m``, ``1y``)."""
    match = _AGE.fullmatch(text.strip())
    if match is None or int(match[1]) < 1:
        raise UsageError(
            f"--older-than {text!r}: give a number and a unit: d (days), w (weeks), "
            "m (months) or y (years), e.g. 365d or 6m"
        )
    count, unit = int(match[1]), match[2]
    if unit in "dw":
        return now - timedelta(days=count * (7 if unit == "w" else 1))
    months = now.year * 12 + now.month - 1 - count * (12 if unit == "y" else 1)
    year, month = divmod(months, 12)
    if year < 1:
        raise UsageError(f"--older-than {text!r}: reaches before the year 1")
    # 31 March minus one month is the last day of February
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def prune(
    config: Config,
    cutoff: datetime,
    *,
    sources: tuple[str, ...] = (),
    dry_run: bool = False,
) -> PruneReport:
    """Remove the written posts dated before ``cutoff`` (of ``sources``, by name, or of
    all) and the images under ``assets/images/`` that only they show."""
    report = PruneReport(cutoff)
    with run_lock(config), open_store(config) as store:
        config, _ = bind_sources(config, store, remember=False)
        ids = {config.source(name).id for name in sources}
        written = [r for r in store.all_items() if r.state == "written"]
        old = [
            r
            for r in written
            if r.published < cutoff
            and (not ids or r.source in ids)
            and (config.root / r.post_path).exists()
        ]
        if not old:
            return report
        report.posts = sorted(old, key=lambda r: (r.published, r.post_path))
        pruned_paths = {r.post_path for r in old}
        theirs = _image_refs(config.root / p for p in pruned_paths)
        others = _image_refs(
            path
            for path in _post_files(config.posts_path)
            if path.relative_to(config.root).as_posix() not in pruned_paths
        )
        report.kept_images = len(theirs & others)
        for image in sorted(theirs - others):
            target = config.root / image
            if target.is_file():
                report.images.append(image)
                report.image_bytes += target.stat().st_size
        if dry_run:
            return report
        with store.transaction():
            store.forget_items((r.source, r.key) for r in old)
        for record in old:
            _remove(config.root / record.post_path)
        for image in report.images:
            _remove(config.root / image)
        _write_snapshot(config, store)
        from ._run import update_site_pages  # archive pages, search, history pages follow

        update_site_pages(config, store)
    return report


def _image_refs(paths: Iterable[Path]) -> set[str]:
    """The ``assets/images/...`` paths the given post files name."""
    found: set[str] = set()
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            continue
        if IMAGES_DIR + "/" in text:
            found.update(m for m in _IMAGE_REF.findall(text) if ".." not in m.split("/"))
    return found


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass  # gone already (a rerun after a kill)
