"""Either side rebuilt from the other: the state store from the posts (``reindex``), the
posts from the state store (``rebuild``)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..config import Config
from ..post import read_article, render_post
from ..store import ItemRecord, Store
from ..util.dates import utc_now
from ..util.files import write_if_changed
from ._identity import bind_sources
from ._lock import run_lock
from ._state import open_store, snapshot_path

__all__ = ["RebuildReport", "ReindexReport", "index_unknown_posts", "rebuild", "reindex"]

log = logging.getLogger("newsmirror")


@dataclass
class ReindexReport:
    posts: int = 0  # newsmirror posts read from the posts folder
    from_snapshot: int = 0  # of those, matched to their identity in the snapshot
    by_link: int = 0  # of those, not in the snapshot: remembered by their link
    set_aside: Path | None = None  # where the previous state file went
    skipped: list[str] = field(default_factory=list)  # files that are not such posts


def reindex(config: Config) -> ReindexReport:
    """A new state store made from the snapshot and the posts folder.

    The previous state file, readable or not, is kept beside it. Every post the snapshot
    lists gets its identity back; a post it lacks (written after the snapshot) is
    remembered by its link under the source its category names, which the next poll
    matches (``_plan._by_link``), so no article is posted twice. HTTP validators and
    health start afresh: the next run fetches every feed in full.
    """
    report = ReindexReport()
    with run_lock(config):
        report.set_aside = _set_aside(config.state_path)
        with open_store(config) as store:
            config, _ = bind_sources(config, store)
            known = _Known.of(config, store)
            with store.transaction():
                for path in _post_files(config.posts_path):
                    _reindex_post(config, store, path, known, report)
                store.set_meta(_POSTS_INDEXED, "yes")
            _write_snapshot(config, store)
    return report


# meta key: the posts folder was compared with this store once (see index_unknown_posts)
_POSTS_INDEXED = "posts_indexed"


def index_unknown_posts(config: Config, store: Store) -> int:
    """On a store that never saw the posts folder, index the posts it has no record of;
    how many were indexed.

    A store that is new (its file lost, or a fresh machine with the snapshot only) may
    miss posts that are in the checkout: all of them when the snapshot was lost too, or
    those a run wrote before it stopped without exporting one (a full disk). Their
    sources' next poll would take those articles for new and write them a second time
    under suffixed names. Each such post is remembered by its link, as ``reindex`` does
    (the posts the store knows are not read). A store does this once: afterwards every
    post it writes is recorded before its file exists, and a post that is not in it
    was put there by hand. ``config``'s sources must be bound (``bind_sources``).
    """
    if store.meta(_POSTS_INDEXED):
        return 0
    known = _Known.of(config, store)
    paths = {path.lower() for path in known.by_path}
    report = ReindexReport()
    with store.transaction():
        for path in _post_files(config.posts_path):
            if path.relative_to(config.root).as_posix().lower() not in paths:
                _reindex_post(config, store, path, known, report)
        store.set_meta(_POSTS_INDEXED, "yes")
    for skipped in report.skipped:
        log.debug("state: %s", skipped)
    if report.by_link:
        log.warning(
            "state: %d posts in %s had no record in the state store (a lost state file?): "
            "indexed from their front matter, so that no article is written twice",
            report.by_link,
            config.site.posts_dir,
        )
    return report.by_link


@dataclass
class _Known:
    """What a store knows, for indexing posts into it."""

    ids: dict[str, str]  # source name -> id
    by_path: dict[str, ItemRecord]  # post path -> its item
    keys: dict[str, set[str]]  # per source id, the item keys taken

    @classmethod
    def of(cls, config: Config, store: Store) -> _Known:
        ids = {s.name: s.id for s in config.sources}
        ids |= {r.name: r.id for r in store.sources().values() if r.name not in ids}
        known = cls(ids, {}, {})
        for source_id in {*ids.values()}:
            items = store.items_of(source_id)
            known.keys[source_id] = set(items)
            known.by_path |= {record.post_path: record for record in items.values()}
        return known


def _reindex_post(
    config: Config, store: Store, path: Path, known: _Known, report: ReindexReport
) -> None:
    relative = path.relative_to(config.root).as_posix()
    try:
        article = read_article(path.read_text(encoding="utf-8"))
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        report.skipped.append(f"{relative}: not a newsmirror post ({exc})")
        return
    report.posts += 1
    record = known.by_path.get(relative)
    if record is not None:
        report.from_snapshot += 1
        store.put_articles([(record.source, record.key, article)])
        return
    source_id = known.ids.get(article.categories[0]) if article.categories else None
    if source_id is None:
        report.skipped.append(f"{relative}: no source named {article.categories[:1]}")
        return
    key = f"link:{article.url}" if article.url else f"post:{relative}"
    if key in known.keys[source_id]:  # two posts of one link (items that differed): by path
        key = f"post:{relative}"
    known.keys[source_id].add(key)
    store.put_items([_record(source_id, key, article.url, relative, article.published)])
    store.put_articles([(source_id, key, article)])
    report.by_link += 1


def _record(source_id: str, key: str, link: str, post_path: str, published: datetime) -> ItemRecord:
    # The feed's hash is unknown: the next poll that sees the item rewrites the post in
    # place (same name), which also stores the hash.
    return ItemRecord(source_id, key, link or None, post_path, "", published, published, "written")


def _set_aside(state_path: Path) -> Path | None:
    if not state_path.exists():
        return None
    stamp = utc_now().strftime("%Y%m%dT%H%M%S")
    aside = state_path.with_name(f"{state_path.name}.before-reindex-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{state_path}{suffix}")
        if part.exists():
            os.replace(part, f"{aside}{suffix}")
    return aside


def _post_files(posts_path: Path) -> list[Path]:
    if not posts_path.is_dir():
        return []
    return sorted(
        Path(dirpath) / name
        for dirpath, _, names in os.walk(posts_path)
        for name in names
        if name.endswith(".md") and not name.startswith(".")
    )


@dataclass
class RebuildReport:
    posts: int = 0  # posts re-rendered
    rewritten: list[Path] = field(default_factory=list)  # whose bytes changed
    missing: int = 0  # not in the posts folder (deleted by hand): left deleted
    no_article: list[str] = field(default_factory=list)  # stored before articles were kept


def rebuild(config: Config) -> RebuildReport:
    """Every post re-rendered from the article the store kept; only files whose bytes
    change are written."""
    report = RebuildReport()
    with run_lock(config), open_store(config) as store:
        for source_id, key, post_path in store.written_posts():
            path = config.root / post_path
            if not path.exists():
                report.missing += 1
                continue
            article = store.article(source_id, key)
            if article is None:
                report.no_article.append(post_path)
                continue
            report.posts += 1
            if write_if_changed(path, render_post(article).encode("utf-8")):
                report.rewritten.append(path)
    if report.rewritten:
        from ._run import update_site_pages

        update_site_pages(config)
    return report


def _write_snapshot(config: Config, store: Store) -> None:
    write_if_changed(snapshot_path(config), store.export_snapshot().encode("utf-8"))
