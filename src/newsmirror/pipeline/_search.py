"""``search``: the site's posts found by words of their title or text (the store's index)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..config import Config
from ..store import SearchHit
from ._identity import bind_sources
from ._state import open_store

__all__ = ["Found", "search_posts"]


@dataclass(frozen=True)
class Found:
    """A post that matched: its hit and its source's display name."""

    hit: SearchHit
    source_name: str


def search_posts(
    config: Config,
    query: str,
    *,
    sources: tuple[str, ...] = (),
    since: datetime | None = None,
    limit: int = 20,
) -> list[Found]:
    """The best ``limit`` posts holding every word of ``query``; ``sources`` by name."""
    with open_store(config) as store:
        config, _ = bind_sources(config, store, remember=False)
        ids = [config.source(name).id for name in sources]
        names = {record.id: record.name for record in store.sources().values()}
        names |= {source.id: source.name for source in config.sources}
        hits = store.search(query, sources=ids, since=since, limit=limit)
    # a post deleted by hand stays a tombstone in the store: not a result
    return [
        Found(hit, names.get(hit.source, hit.source))
        for hit in hits
        if (config.root / hit.post_path).exists()
    ]
