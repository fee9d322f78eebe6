"""Every configured source bound to the stable id the store knows it by.

Items, pages and health are keyed by a source's id, not its display name, so that a
renamed source keeps its posts. A source's id is, in this order: the ``id`` its config
gives; the id of the source the store knows by that name; the id of a source the store
knows by the same URL whose name is gone from the config (a rename, said in a notice);
else a new id, its name (made unique), remembered from then on.
"""

from __future__ import annotations

import dataclasses
import logging

from ..config import Config, Source
from ..store import SourceRecord, Store

__all__ = ["bind_sources"]

log = logging.getLogger("newsmirror")


def bind_sources(config: Config, store: Store, *, remember: bool = True) -> tuple[Config, bool]:
    """The config with every source's ``id`` set, and whether the store learnt
    anything: with ``remember``, it learns new sources and current names and URLs."""
    known = store.sources()
    configured_names = {s.name.casefold() for s in config.sources}
    claimed = {s.id for s in config.sources if s.id}
    by_name = {r.name.casefold(): r.id for r in known.values() if r.id not in claimed}
    ids: dict[str, str] = {}
    for source in config.sources:  # by config, then by name: both before any guess
        found = source.id or by_name.get(source.name.casefold())
        if found and found not in ids.values():
            ids[source.name] = found
    claimed |= set(ids.values())
    for source in config.sources:
        if source.name not in ids:
            ids[source.name] = _renamed(source, known, configured_names, claimed) or _new_id(
                source.name, known, claimed
            )
            claimed.add(ids[source.name])
    bound = tuple(dataclasses.replace(s, id=ids[s.name]) for s in config.sources)
    changed = [
        SourceRecord(s.id, s.name, s.url)
        for s in bound
        if known.get(s.id) != SourceRecord(s.id, s.name, s.url)
    ]
    if remember and changed:
        with store.transaction():
            store.put_sources(changed)
    return dataclasses.replace(config, sources=bound), bool(remember and changed)


def _renamed(
    source: Source, known: dict[str, SourceRecord], configured: set[str], claimed: set[str]
) -> str | None:
    """The id of a source the store knows by this URL and under a name no longer
    configured: this source, renamed."""
    candidates = [
        r
        for r in known.values()
        if r.url == source.url and r.name.casefold() not in configured and r.id not in claimed
    ]
    if len(candidates) != 1:
        return None  # none, or several: a guess could merge two sources' posts
    former = candidates[0]
    log.warning(
        "source %r has the URL of the former source %r: taken as its new name, its posts "
        "are kept (set id = %r in its [[sources]] table to say so explicitly)",
        source.name,
        former.name,
        former.id,
    )
    return former.id


def _new_id(name: str, known: dict[str, SourceRecord], claimed: set[str]) -> str:
    candidate, n = name, 1
    while candidate in known or candidate in claimed:
        n += 1
        candidate = f"{name}-{n}"
    return candidate
