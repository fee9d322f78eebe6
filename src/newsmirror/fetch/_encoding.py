"""Content-Encoding (gzip, deflate, br) inflated step by step, so that the body size cap
applies to the decoded bytes and a compression bomb stops at the cap."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

import brotli

__all__ = ["Decoder", "decoders_for", "feed_through", "finish_through"]

DECODE_STEP = 256 * 1024  # most bytes one inflate step may produce


class Decoder(Protocol):
    name: str

    def feed(self, data: bytes) -> Iterator[bytes]: ...  # pieces of <= DECODE_STEP
    def finish(self) -> bytes: ...  # raises ValueError when the stream is truncated


class _ZlibDecoder:
    """gzip or deflate, inflated at most ``DECODE_STEP`` bytes at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._d: zlib._Decompress | None = None

    def _start(self, first: bytes) -> zlib._Decompress:
        if self.name == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" should be zlib-wrapped, but many servers send raw deflate.
        wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self._d is None:
                self._d = self._start(data)
            elif self._d.eof:
                # Another gzip member may follow (concatenated gzip); anything else after
                # the end of the stream (padding, garbage) is ignored, as browsers do.
                if self.name != "gzip" or not data.startswith(b"\x1f\x8b"):
                    return
                self._d = self._start(data)
            out = self._d.decompress(data, DECODE_STEP)
            data = self._d.unconsumed_tail or (self._d.unused_data if self._d.eof else b"")
            yield out

    def finish(self) -> bytes:
        if self._d is None:
            return b""
        tail = self._d.flush()
        if not self._d.eof:
            raise ValueError(f"{self.name} stream ends early")
        return tail


class _BrotliDecoder:
    name = "br"

    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            yield self._d.process(data, output_buffer_limit=DECODE_STEP)
        except TypeError:  # brotli < 1.2 cannot bound its output: feed small slices
            for i in range(0, len(data), 256):
                yield self._d.process(data[i : i + 256])
            return
        while not self._d.can_accept_more_data():
            yield self._d.process(b"", output_buffer_limit=DECODE_STEP)

    def finish(self) -> bytes:
        if not self._d.is_finished():
            raise ValueError("br stream ends early")
        return b""


def decoders_for(content_encoding: str | None) -> list[Decoder]:
    """Decoders in the order to apply them (the reverse of the header's order)."""
    names = [n.strip().lower() for n in (content_encoding or "").split(",")]
    decoders: list[Decoder] = []
    for name in reversed([n for n in names if n and n != "identity"]):
        if name in ("gzip", "x-gzip"):
            decoders.append(_ZlibDecoder("gzip"))
        elif name == "deflate":
            decoders.append(_ZlibDecoder("deflate"))
        elif name == "br":
            decoders.append(_BrotliDecoder())
        else:
            raise ValueError(f"unsupported Content-Encoding {name!r}")
    return decoders


def feed_through(decoders: list[Decoder], data: bytes) -> Iterator[bytes]:
    """Lazily pass ``data`` through a chain: nothing is inflated before it is wanted."""
    if not decoders:
        yield data
        return
    for piece in decoders[0].feed(data):
        yield from feed_through(decoders[1:], piece)


def finish_through(decoders: list[Decoder]) -> Iterator[bytes]:
    for i, decoder in enumerate(decoders):
        yield from feed_through(decoders[i + 1 :], decoder.finish())
