"""Files written whole or not at all: a killed run never leaves half a file."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

__all__ = ["write_atomic", "write_if_changed"]

_tmp_serial = itertools.count()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write via a hidden temporary file in the same folder, then rename over ``path``.

    The temporary name, ``.tmp-<pid>-<serial><suffix>``, starts with a dot, so Jekyll
    ignores it if a crash leaves it behind. It is opened with O_EXCL (a stale one from a
    killed process that had the same pid is skipped) rather than made by
    ``tempfile.mkstemp``, whose random names and checks cost a visible share of writing a
    post (docs/PERFORMANCE.md, "Writing posts"). Missing folders are created.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    directory = os.fspath(path.parent)
    while True:
        tmp = os.path.join(directory, f".tmp-{os.getpid()}-{next(_tmp_serial)}{path.suffix}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            continue
        except FileNotFoundError:
            os.makedirs(directory, exist_ok=True)  # the first file of a new folder
            continue
        break
    try:
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_if_changed(path: Path, data: bytes) -> bool:
    """``write_atomic`` unless the file already holds ``data``; True when written.

    Generated site files are rewritten on every run: unchanged ones must not churn the
    git history or the files' times.
    """
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data)
    return True
