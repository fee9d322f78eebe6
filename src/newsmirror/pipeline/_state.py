"""The site's state store, opened together with the snapshot committed beside it."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import Config
from ..errors import DiskFullError, NewsmirrorError, StoreCorruptError, StoreError
from ..store import Store, store_failure

__all__ = ["SNAPSHOT_NAME", "open_store", "read_snapshot", "run_stopper", "snapshot_path"]

log = logging.getLogger("newsmirror")


SNAPSHOT_NAME = "items.jsonl"


@contextmanager
def open_store(config: Config) -> Iterator[Store]:
    """The site's store, merged with the snapshot committed next to it, for the time of
    a command.

    On a fresh machine (an ephemeral CI runner) the store is rebuilt from the snapshot;
    a store restored from an older cache learns the items it missed. A damaged state file
    or a full disk met anywhere in the command ends it with the one error that says so
    (:func:`run_stopper`), wherever SQLite or the file system raised it.
    """
    with Store(config.state_path) as store:
        try:
            text = read_snapshot(config)
            if text is not None:
                added = store.merge_snapshot(text)
                if added:
                    log.info("state: %d items taken from %s", added, snapshot_path(config))
            yield store
        except Exception as exc:
            stopper = run_stopper(config, exc)
            if stopper is None or stopper is exc:
                raise
            raise stopper from None


_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


def run_stopper(config: Config, exc: BaseException) -> NewsmirrorError | None:
    """The error a whole command stops with when ``exc`` would fail every source alike
    (the state store unusable, no space left to write), else None."""
    if isinstance(exc, DiskFullError | StoreCorruptError):  # said so already
        return exc
    failure = store_failure(config.state_path, exc)
    if failure is not None:
        return failure
    if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
        where = exc.filename or config.root
        return DiskFullError(
            f"{where}: {exc.strerror or 'no space left on device'}; free some space and run "
            "again (what was written is kept, and the next run completes it)"
        )
    return None


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
