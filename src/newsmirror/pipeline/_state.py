"""The site's state store, opened together with the snapshot committed beside it."""

from __future__ import annotations

import logging
from pathlib import Path

from ..config import Config
from ..store import Store

__all__ = ["SNAPSHOT_NAME", "open_store", "snapshot_path"]

log = logging.getLogger("newsmirror")


SNAPSHOT_NAME = "items.jsonl"


def open_store(config: Config) -> Store:
    """Open the site's store, merged with the snapshot committed next to it.

    On a fresh machine (an ephemeral CI runner) the store is rebuilt from the snapshot;
    a store restored from an older cache learns the items it missed.
    """
    store = Store(config.state_path)
    snapshot = snapshot_path(config)
    if snapshot.exists():
        added = store.merge_items(snapshot.read_text(encoding="utf-8"))
        if added:
            log.info("state: %d items taken from %s", added, snapshot)
    return store


def snapshot_path(config: Config) -> Path:
    return config.state_path.parent / SNAPSHOT_NAME
