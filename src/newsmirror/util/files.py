"""Files written whole or not at all: a killed run never leaves half a file, and (on
Linux) no temporary file either; a power loss never leaves a name on a file whose bytes
were not on disk yet (each file is synced before it gets its name)."""

from __future__ import annotations

import errno
import itertools
import os
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

__all__ = [
    "remove_stale_temp_files",
    "sync_folder",
    "write_atomic",
    "write_if_changed",
    "write_many",
]

_tmp_serial = itertools.count()

# O_TMPFILE (Linux 3.11+): a file with no name in a folder, given one by a link once it
# is complete. Linking needs /proc (the fd's /proc/self/fd entry is the only name the
# file has), which a sandbox may lack.
_O_TMPFILE = getattr(os, "O_TMPFILE", 0)
_anonymous = bool(_O_TMPFILE) and os.path.isdir("/proc/self/fd")
# the descriptor of this process's /proc/self/fd folder, once opened (see _fd_folder)
_fd_folder_fd: int | None = None
# folders whose file system refused an unnamed file (NFS, some FUSE and overlay ones...)
_named_only: set[str] = set()
# how open() and link() say "not here": an old kernel opens the folder itself (EISDIR);
# a file system without the feature answers EOPNOTSUPP; a sandbox EINVAL, EPERM, ENOENT
_UNSUPPORTED = {errno.EOPNOTSUPP, errno.ENOTSUP, errno.EISDIR, errno.EINVAL}
_LINK_UNSUPPORTED = {errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL, errno.EPERM, errno.EXDEV}


def write_atomic(path: Path, data: str | bytes, *, sync: bool = True) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never seen, or left, half written,
    not even after a power loss.

    On Linux the data goes to an unnamed file in the target's folder (``O_TMPFILE``),
    which is then linked into place: a new file appears whole in one step, and a process
    killed before the link leaves nothing behind (the kernel frees an unnamed file with
    its last descriptor). A file that already exists is replaced by linking the unnamed
    file to a hidden temporary name and renaming that over it; only those microseconds
    between link and rename can leave a temporary name behind, which
    :func:`remove_stale_temp_files` removes on a later run. Where the file system or the
    kernel has no unnamed files, the data goes to that temporary name from the start.

    The temporary name, ``.tmp-<pid>-<serial><suffix>``, starts with a dot, so Jekyll
    ignores it. It is opened with O_EXCL (a stale one from a killed process that had the
    same pid is skipped) rather than made by ``tempfile.mkstemp``, whose random names and
    checks cost a visible share of writing a post (docs/PERFORMANCE.md, "Writing posts").
    Missing folders are created.

    Durable: the bytes are on disk (``fsync``) before the file gets its name, so that
    after a power loss a name never points at an empty or partial file (ext4 orders a
    rename after the data only for a file renamed over another, not for a link). With
    ``sync`` the folder is synced too, so the name is on disk when this returns; a
    caller writing many files into one folder passes False and calls
    :func:`sync_folder` once, before it records them as written.
    """
    _write(path, _raw(data), replacing=False, sync=sync)


def _raw(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


# files write_many opens before it syncs them (a descriptor each)
_MANY_AT_ONCE = 64
# threads that sync them: the kernel serves concurrent fsyncs with shared device flushes
_SYNC_THREADS = 8
# seconds within which a disk that needs no flush (tmpfs) syncs a file
_QUICK_SYNC = 50e-6
_sync_pool: ThreadPoolExecutor | None = None


def write_many(files: Sequence[tuple[Path, str | bytes]], done: list[Path]) -> None:
    """``write_atomic`` for each (path, data), as durably, at a fraction of the cost;
    ``done`` gets each path once it has its name, in order (also when a later one fails).

    Syncing each file before the next is one device flush per file (milliseconds on a
    busy disk). Here the unnamed files are written first, synced together from a few
    threads, whose concurrent fsyncs the kernel serves with shared flushes, then linked
    into place, and their folders synced at the end (docs/PERFORMANCE.md, "Writing
    posts"). Where unnamed files are not supported, each file is written as
    ``write_atomic`` writes it.
    """
    for start in range(0, len(files), _MANY_AT_ONCE):
        _write_some(files[start : start + _MANY_AT_ONCE], done)
    for folder in {path.parent for path, _ in files}:
        sync_folder(folder)


def _write_some(files: Sequence[tuple[Path, str | bytes]], done: list[Path]) -> None:
    opened: list[int | None] = []  # per file, its unnamed file (None: written by name)
    try:
        for path, data in files:
            opened.append(_unnamed_copy(path, _raw(data)))
        _sync_all([(p, fd) for (p, _), fd in zip(files, opened, strict=True) if fd is not None])
        for n, ((path, data), fd) in enumerate(zip(files, opened, strict=True)):
            if fd is None or not _linked(fd, path):
                _write(path, _raw(data), replacing=False, sync=False)
            if fd is not None:
                os.close(fd)
                opened[n] = None
            done.append(path)
    finally:
        for fd in opened:
            if fd is not None:
                os.close(fd)  # an unnamed file closed unlinked: the kernel frees it


def _unnamed_copy(path: Path, raw: bytes) -> int | None:
    """An unnamed file in ``path``'s folder holding ``raw``; None where unsupported."""
    directory = os.fspath(path.parent)
    if not _anonymous or directory in _named_only:
        return None
    try:
        fd = _open_unnamed(directory)
        if fd is not None:
            try:
                _write_all(fd, raw)
            except BaseException:
                os.close(fd)
                raise
        return fd
    except OSError as exc:
        _raise_naming(exc, path)


def _sync_all(files: list[tuple[Path, int]]) -> None:
    global _sync_pool
    if not files:
        return
    start = time.perf_counter()
    _fsync(*files[0])
    if time.perf_counter() - start < _QUICK_SYNC:  # (tmpfs): threads would only cost
        for path, fd in files[1:]:
            _fsync(path, fd)
        return
    files = files[1:]
    if _sync_pool is None:
        _sync_pool = ThreadPoolExecutor(_SYNC_THREADS, thread_name_prefix="fsync")
    futures = [_sync_pool.submit(_fsync, path, fd) for path, fd in files]
    for future in futures:
        future.exception()  # every one finished before their descriptors are closed
    for future in futures:
        future.result()  # the first failure, if any


def _fsync(path: Path, fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        _raise_naming(exc, path)


def _linked(fd: int, path: Path) -> bool:
    """The synced unnamed file ``fd`` linked into place as ``path``; False where the
    file system refuses (it is then written by name)."""
    directory = os.fspath(path.parent)
    try:
        if _link_into_place(fd, path, directory, replacing=False):
            return True
    except OSError as exc:
        _raise_naming(exc, path)
    _named_only.add(directory)
    return False


def _write(
    path: Path, raw: bytes, *, replacing: bool, sync: bool = True, fsync: bool = True
) -> None:
    """``write_atomic``; ``replacing``: ``path`` is known to exist, so the unnamed file
    goes straight to a temporary name (no link to ``path`` is tried first); without
    ``fsync`` the bytes are not synced before the name (see ``write_if_changed``)."""
    directory = os.fspath(path.parent)
    try:
        if not _write_unnamed(path, directory, raw, replacing, fsync):
            _write_named(path, directory, raw, fsync)
        if sync:
            sync_folder(directory)
    except OSError as exc:
        _raise_naming(exc, path)


def _raise_naming(exc: OSError, path: Path) -> NoReturn:
    """Raise ``exc`` (being handled), naming ``path`` when it named no file or one of
    ours.

    A full disk fails os.write, which names no file, or a link from "/proc/self/fd" or
    to a temporary name: the error names the file being written instead (the command
    line prints ``filename: strerror``). A folder that cannot be made keeps its own name.
    """
    if exc.errno is None or not (exc.filename is None or _is_ours(exc.filename)):
        raise exc
    # a new error of the same class (the errno picks it): filename2 cannot be unset
    raise OSError(exc.errno, exc.strerror, os.fspath(path)) from exc


def _write_unnamed(
    path: Path, directory: str, raw: bytes, replacing: bool, fsync: bool = True
) -> bool:
    """Through an unnamed file linked into place; False where that is not supported."""
    if not _anonymous or directory in _named_only:
        return False
    fd = _open_unnamed(directory)
    if fd is None:
        return False
    try:
        _write_all(fd, raw)
        if fsync:
            os.fsync(fd)
        if _link_into_place(fd, path, directory, replacing):
            return True
    finally:
        os.close(fd)
    _named_only.add(directory)  # linking refused: named files from now on
    return False


def _make_folder(directory: str) -> None:
    """A missing folder made, its name as durable as a file's (its parent synced)."""
    os.makedirs(directory, exist_ok=True)
    sync_folder(os.path.dirname(os.path.abspath(directory)))


def sync_folder(directory: Path | str) -> None:
    """Make the names created in (or removed from) ``directory`` durable: ``fsync`` of
    the folder. A file system that cannot sync a folder (EINVAL) has nothing to do."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(fd)


def _is_ours(name: object) -> bool:
    """A name write_atomic gave to a file that is not the target: a descriptor's number
    in /proc/self/fd, or a temporary name."""
    base = os.path.basename(os.fsdecode(name)) if isinstance(name, str | bytes) else ""
    return base.isdigit() or _TEMP_NAME.fullmatch(base) is not None


def _open_unnamed(directory: str) -> int | None:
    """An unnamed file in ``directory``, or None where that is not supported."""
    flags = _O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC
    for attempt in range(2):
        try:
            return os.open(directory, flags, 0o644)
        except FileNotFoundError:
            if attempt:
                raise
            _make_folder(directory)  # the first file of a new folder
        except OSError as exc:
            if exc.errno in _UNSUPPORTED:
                _named_only.add(directory)
                return None
            raise
    raise AssertionError("unreachable")


def _link_into_place(fd: int, path: Path, directory: str, replacing: bool) -> bool:
    """Give the complete unnamed file ``fd`` the name ``path``; False when linking an
    unnamed file is refused here (the caller then writes a named temporary file)."""
    # linkat(folder of /proc/self/fd, "<fd>", ..., AT_SYMLINK_FOLLOW): os.link without
    # src_dir_fd calls link(), which links the /proc symlink itself (EXDEV)
    name = str(fd)
    try:
        folder = _fd_folder()
        while True:
            # a new file: one step, no temporary name ever; else a hidden name, renamed
            # over the old file (rename is the one atomic replacement, and needs a name)
            tmp = _temp_name(directory, path.suffix) if replacing else os.fspath(path)
            try:
                os.link(name, tmp, src_dir_fd=folder)
            except FileExistsError:
                replacing = True
                continue
            break
    except OSError as exc:
        if exc.errno in _LINK_UNSUPPORTED or exc.errno == errno.ENOENT and _no_proc():
            return False
        raise
    if not replacing:
        return True
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return True


def _fd_folder() -> int:
    """A descriptor of ``/proc/self/fd``, opened once per process."""
    global _fd_folder_fd
    if _fd_folder_fd is None:
        _fd_folder_fd = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    return _fd_folder_fd


def _forgotten_in_child() -> None:
    # /proc/self was resolved when the folder was opened: in a forked child the inherited
    # descriptor is the parent's fd folder, whose numbers name the parent's files; and
    # the sync threads are not copied into a child, only their executor
    global _fd_folder_fd, _sync_pool
    _sync_pool = None
    if _fd_folder_fd is not None:
        try:
            os.close(_fd_folder_fd)
        except OSError:
            pass
        _fd_folder_fd = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forgotten_in_child)


def _no_proc() -> bool:
    return not os.path.isdir("/proc/self/fd")


def _write_named(path: Path, directory: str, raw: bytes, fsync: bool = True) -> None:
    """Through a named temporary file, renamed over ``path``."""
    while True:
        tmp = _temp_name(directory, path.suffix)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            continue
        except FileNotFoundError:
            _make_folder(directory)  # the first file of a new folder
            continue
        break
    try:
        try:
            _write_all(fd, raw)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _temp_name(directory: str, suffix: str) -> str:
    return os.path.join(directory, f".tmp-{os.getpid()}-{next(_tmp_serial)}{suffix}")


def _write_all(fd: int, raw: bytes) -> None:
    view = memoryview(raw)
    while view:
        view = view[os.write(fd, view) :]


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def write_if_changed(path: Path, data: bytes, *, sync: bool = True, fsync: bool = True) -> bool:
    """``write_atomic`` unless the file already holds ``data``; True when written.

    Generated site files are rewritten on every run: unchanged ones must not churn the
    git history or the files' times. ``sync`` as for :func:`write_atomic`. Without
    ``fsync`` the file is still replaced atomically (a killed process leaves the old
    file or the new one), but its bytes are not synced before it gets its name: after a
    power loss it may be empty. For derived files whose writer syncs once at the end
    (``os.sync``) before it records them as written.
    """
    try:
        if path.read_bytes() == data:
            return False
        replacing = True
    except OSError:
        replacing = False
    _write(path, data, replacing=replacing, sync=sync, fsync=fsync)
    return True


# the temporary names of write_atomic (and of every earlier version of it)
_TEMP_NAME = re.compile(r"\.tmp-(\d+)-\d+(?:\.[^./]*)?")

# folders a site holds that newsmirror never writes in: not walked
_NOT_OURS = frozenset({".git", "_site", ".jekyll-cache", ".sass-cache", "node_modules", "vendor"})

# seconds a temporary file may predate the start of the process with its pid (/proc's
# start times are in clock ticks from a boot time given in whole seconds)
_START_SLACK = 2.0


def remove_stale_temp_files(directory: Path, *, recursive: bool = False) -> list[Path]:
    """Remove the temporary files of ``write_atomic`` that no live process is writing:
    those left by a process killed while it wrote; the paths removed.

    A temporary file is stale when no process has the pid in its name, or when that
    process started after the file was last written (the pid was reused: a container's
    processes often get the same pids run after run). ``recursive`` also walks the
    subfolders, except those newsmirror never writes in (``.git``, ``_site``, ...).
    A folder that does not exist has nothing to remove.
    """
    removed: list[Path] = []
    pending = [os.fspath(directory)]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            name = entry.name
            if not name.startswith(".tmp-"):  # (the test for the thousands of posts)
                if recursive and name not in _NOT_OURS and entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                continue
            match = _TEMP_NAME.fullmatch(name)
            if match is None or not entry.is_file(follow_symlinks=False):
                continue
            try:
                written = entry.stat(follow_symlinks=False).st_mtime
                if _writer_alive(int(match.group(1)), written):
                    continue
                os.unlink(entry.path)
            except FileNotFoundError:  # its writer renamed it just now
                continue
            removed.append(Path(entry.path))
    return removed


def _writer_alive(pid: int, written: float) -> bool:
    """Whether process ``pid`` may still be writing a file last written at ``written``."""
    if pid <= 0:  # not a process (kill(0) would mean this process group)
        return False
    if pid != os.getpid():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process: alive
            pass
        except OverflowError:  # not a pid at all
            return False
    started = _process_start(pid)
    return started is None or written >= started - _START_SLACK


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), or None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
        with open("/proc/stat", "rb") as fh:
            boot = next(line for line in fh if line.startswith(b"btime "))
    except (OSError, StopIteration):
        return None
    try:
        # the fields after the command name (in parentheses, which may hold anything);
        # starttime is field 22 of the whole line, in clock ticks after boot
        ticks = int(stat[stat.rindex(b")") + 2 :].split()[19])
        return int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    except (ValueError, IndexError):
        return None
