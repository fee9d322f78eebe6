"""One run at a time per site: a lock file beside the state store.

The lock is an advisory ``flock`` on ``.newsmirror/run.lock``. The kernel releases it when
its process ends, however it ends, so a lock left by a killed run is simply taken by the
next one; the file's text (pid and start time of the holder) only serves the message.
Holding the lock, a command removes what killed runs left: the hidden temporary files of
``write_atomic`` that no live process is writing.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from ..config import Config
from ..errors import BusyError
from ..util.dates import iso, utc_now
from ..util.files import remove_stale_temp_files

__all__ = ["LOCK_NAME", "run_lock"]

LOCK_NAME = "run.lock"

log = logging.getLogger(__name__)


@contextmanager
def run_lock(config: Config) -> Iterator[None]:
    """Hold the site's run lock, or raise :class:`BusyError` naming its holder."""
    path = config.state_path.parent / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
            who = f"pid {holder[0]}, since {holder[1]}" if len(holder) >= 2 else "unknown"
            raise BusyError(
                f"{config.root}: another run ({who}) holds the lock {path}; wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {iso(utc_now())}\n".encode(), 0)
        _remove_leftovers(config)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _remove_leftovers(config: Config) -> None:
    # Only a run killed between linking a file and renaming it leaves one (or any run,
    # where the file system has no unnamed files); no other run of this site is writing.
    removed = remove_stale_temp_files(config.root, recursive=True)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted run", len(removed))
