"""A local source (a path or ``file://`` URL) read under the same size cap as a body
fetched over HTTP: a huge file or an endless pipe must not be read whole."""

from __future__ import annotations

import asyncio
import io
import os
import stat

from ..errors import FeedError
from ..fetch import FetchSettings

__all__ = ["read_local"]

_CHUNK = 1024 * 1024


async def read_local(path: str, settings: FetchSettings) -> bytes:
    """The bytes of the file at ``path``; a :class:`FeedError` naming the cap when there
    are more than ``settings.max_body``, or when it cannot be read.

    Opened without blocking: a named pipe with no writer yet would block ``open`` (and
    the event loop) for ever. A pipe or socket is read through the event loop, so that
    one that stalls holds only its own source, which the run's deadline can cancel.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror}") from None
    file = open(fd, "rb", buffering=0)  # closed below, whatever the branch
    try:
        info = os.fstat(fd)
        if stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode):
            return await _read_pipe(path, file, settings)
        if info.st_size > settings.max_body:  # a huge (or sparse) file: not one byte read
            raise _too_large(path, settings)
        os.set_blocking(fd, True)  # a device (a terminal) would answer "no data yet"
        return _read_capped(path, file, settings)
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror}") from None
    finally:
        file.close()  # (a pipe's transport closed it already: a second close is harmless)


def _read_capped(path: str, file: io.FileIO, settings: FetchSettings) -> bytes:
    """A regular file or a device, which may hold more than its size said (a growing
    file, ``/dev/zero``): at most one chunk beyond the cap is read."""
    body = bytearray()
    while chunk := file.read(_CHUNK):
        body += chunk
        if len(body) > settings.max_body:
            raise _too_large(path, settings)
    return bytes(body)


async def _read_pipe(path: str, file: io.FileIO, settings: FetchSettings) -> bytes:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_CHUNK)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), file)
    try:
        body = bytearray()
        while chunk := await reader.read(_CHUNK):
            body += chunk
            if len(body) > settings.max_body:
                raise _too_large(path, settings)
        return bytes(body)
    finally:
        transport.close()  # closes the file: the writer gets EPIPE and stops


def _too_large(path: str, settings: FetchSettings) -> FeedError:
    return FeedError(f"{path}: {settings.too_large('file')}")
