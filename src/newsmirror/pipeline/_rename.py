"""A source renamed: the config file edited, and the store told, so that the source keeps
its id and with it every post it has."""

from __future__ import annotations

from ..config import Config, renamed_source_text
from ..errors import ConfigError
from ..store import SourceRecord, Store
from ..util.files import write_atomic
from ._identity import bind_sources
from ._lock import run_lock
from ._state import open_store, snapshot_path

__all__ = ["rename_source"]


def rename_source(config: Config, old: str, new: str) -> tuple[str, bool]:
    """Rename source ``old`` to ``new``; its id, and whether the config file was edited
    (not when the user has already renamed it there by hand)."""
    new = new.strip()
    if not new:
        raise ConfigError(f"{config.path}: the new name must not be empty")
    names = {s.name for s in config.sources}
    if old not in names and new not in names:
        raise ConfigError(f"{config.path}: no source named {old!r} or {new!r}")
    with run_lock(config), open_store(config) as store:
        if old in names:
            text: str | None = renamed_source_text(config, old, new)  # validated
            bound, _ = bind_sources(config, store)
            source_id, url = bound.source(old).id, bound.source(old).url
        else:
            text, url = None, config.source(new).url
            source_id = _former_id(config, store, old, new)
        with store.transaction():
            store.put_sources([SourceRecord(source_id, new, url)])
        write_atomic(snapshot_path(config), store.export_snapshot())
        if text is not None:
            # after the store: killed in between, the next run knows the source by its URL
            write_atomic(config.path, text)
    return source_id, text is not None


def _former_id(config: Config, store: Store, old: str, new: str) -> str:
    former = [r.id for r in store.sources().values() if r.name == old]
    if not former:
        raise ConfigError(
            f"{config.path}: the state knows no source named {old!r} "
            f"(if a run has already taken {new!r} as its new name, nothing is left to do)"
        )
    bound, _ = bind_sources(config, store, remember=False)
    current = bound.source(new).id
    if current != former[0] and store.post_count(current):
        raise ConfigError(
            f"{config.path}: {new!r} already has posts of its own; to merge, "
            f"set id = {former[0]!r} in its [[sources]] table"
        )
    return former[0]
