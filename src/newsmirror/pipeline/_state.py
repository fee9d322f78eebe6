"""The site's state store, opened together with the snapshot committed beside it."""

from __future__ import annotations

import logging
from pathlib import Path

from ..config import Config
from ..errors import StoreError
from ..store import Store

__all__ = ["SNAPSHOT_NAME", "open_store", "read_snapshot", "snapshot_path"]

log = logging.getLogger("newsmirror")


SNAPSHOT_NAME = "items.jsonl"


def open_store(config: Config) -> Store:
    """Open the site's store, merged with the snapshot committed next to it.

    On a fresh machine (an ephemeral CI runner) the store is rebuilt from the snapshot;
    a store restored from an older cache learns the items it missed.
    """
    store = Store(config.state_path)
    text = read_snapshot(config)
    if text is not None:
        try:
            added = store.merge_snapshot(text)
        except BaseException:
            store.close()
            raise
        if added:
            log.info("state: %d items taken from %s", added, snapshot_path(config))
    return store


def read_snapshot(config: Config) -> str | None:
    """The snapshot file's text, None when there is none."""
    try:
        return snapshot_path(config).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(
            f"{snapshot_path(config)}: cannot read the state snapshot: {exc}"
        ) from None


def snapshot_path(config: Config) -> Path:
    return config.state_path.parent / SNAPSHOT_NAME
