"""Raw article pages as the store keeps them, for reprocessing after a rule changes."""

from __future__ import annotations

import zlib

import brotli

__all__ = ["compress_page", "decompress_page"]


def compress_page(body: bytes) -> bytes:
    """A raw page as the ``pages`` table stores it: ``_BROTLI`` + brotli quality 0.

    Brotli quality 0 compresses a page in a fraction of zlib's time (level 1, let alone
    its default 6), for a slightly larger stored size
    (docs/PERFORMANCE.md, "State store"); these pages are kept for rare reprocessing, so
    CPU on every run matters more than the last kilobyte. Pages stored by earlier
    versions are plain zlib streams, which never start with a zero byte (their first
    byte names the deflate method, 8): ``decompress_page`` reads both.
    """
    return _BROTLI + brotli.compress(body, quality=0)


_BROTLI = b"\x00"  # format marker: a zlib stream's first byte is never 0


def decompress_page(stored: bytes) -> bytes:
    """The raw page of a ``pages.body`` value (brotli with the marker, or older zlib)."""
    if stored[:1] == _BROTLI:
        return brotli.decompress(memoryview(stored)[1:])
    return zlib.decompress(stored)
