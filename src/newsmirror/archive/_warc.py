"""Fetched responses appended as WARC records to ``archive/YYYY-MM.warc.gz`` in the site.

For other stages (article pages in ``pipeline/_build.py``; images, when they are
downloaded): call ``WarcArchive.record(response)`` with the ``fetch.Response`` of a
successful GET, once per fetched resource. ``record`` is thread-safe and appends at once
(no ``close`` is needed); a run's ``RunContext.warc`` is an archive when ``[site] warc``
is on and None otherwise (a dry run records nothing).

Each response is written as two records, a ``request`` (method, path, ``Host``) and the
``response`` (status line, headers, body) with ``WARC-Target-URI`` (the final URL, after
redirects), ``WARC-Date`` and the payload and block digests warcio computes. The body
is what the fetcher kept: content-encoding (gzip, br) already decoded, so the recorded
headers drop ``Content-Encoding`` and ``Transfer-Encoding`` and carry the decoded
``Content-Length``; a replay then serves exactly the recorded bytes. The file of a record
is chosen by its date's month (UTC), and a month's first record is a ``warcinfo``.

Each record is its own gzip member (the WARC convention, so readers can seek to any
record), built in memory and appended with one ``write``. A kill or a full disk in the
middle of that write leaves a torn member at the end: the next ``record`` to that file
truncates it before appending, so the records before it stay readable and nothing
follows garbage. To find the tear without reading the whole month, the length of the
file after the last whole append is kept in ``archive/.warc-lengths.json`` (committed
with the archive); only the bytes past it are checked, member by member, and a file the
sidecar does not know, or that is shorter than it says (a power loss), is checked from
its start. Appends are not synced: an fsync per page made recording ~12 ms a page, one
page at a time, where a run extracts hundreds a second; a kill loses nothing the kernel
took, and posts, not the archive, are what a run makes durable.
"""

from __future__ import annotations

import io
import json
import os
import threading
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import __version__
from ..fetch import Response
from ..util.dates import utc_now

__all__ = ["WARC_FOLDER", "WarcArchive", "warc_name"]

WARC_FOLDER = "archive"
LENGTHS_NAME = ".warc-lengths.json"
# headers that describe the bytes on the wire, not the decoded body recorded
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
_CHUNK = 1 << 20
GZIP_LEVEL = 1


def warc_name(when: datetime) -> str:
    """The file a record of ``when`` goes to: ``YYYY-MM.warc.gz`` (UTC month)."""
    return f"{when.astimezone(UTC):%Y-%m}.warc.gz"


class WarcArchive:
    """Appends WARC records to the month files in ``folder`` (the site's ``archive/``)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()
        self._lengths: dict[str, int] | None = None  # read on the first record

    def record(
        self,
        response: Response,
        *,
        request_headers: Mapping[str, str] | None = None,
        when: datetime | None = None,
    ) -> Path:
        """Append ``response`` (and its request) to its month's file; that file's path."""
        when = when or utc_now()
        data = _records(response, request_headers or {}, when)
        with self._lock:
            path = self.folder / warc_name(when)
            lengths = self._known_lengths()
            length = _whole_length(path, lengths.get(path.name))
            if length == 0:
                data = _warcinfo(path.name, when) + data
            _append(path, length, data)
            lengths[path.name] = length + len(data)
            # rewritten in place, not renamed (3 ms a page on a churned disk): a torn
            # write leaves a prefix of the JSON object, never valid, so files are then
            # checked from their start
            (self.folder / LENGTHS_NAME).write_text(
                json.dumps(lengths, sort_keys=True, indent=0) + "\n", encoding="utf-8"
            )
        return path

    def _known_lengths(self) -> dict[str, int]:
        if self._lengths is None:
            try:
                loaded = json.loads((self.folder / LENGTHS_NAME).read_text(encoding="utf-8"))
                self._lengths = {
                    k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, int)
                }
            except (OSError, ValueError, AttributeError):
                self._lengths = {}  # none yet, or unreadable: files are checked from 0
        return self._lengths


def _records(response: Response, request_headers: Mapping[str, str], when: datetime) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders  # only sites with warc = true
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(io.BytesIO(), gzip=False, warc_version="1.1")
    date = when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    parts = urlsplit(response.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = StatusAndHeaders(
        f"GET {target} HTTP/1.1",
        [("Host", parts.netloc), *request_headers.items()],
        is_http_request=True,
    )
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _WIRE_HEADERS]
    headers.append(("Content-Length", str(len(response.body))))
    status = StatusAndHeaders(f"{response.status} {_reason(response.status)}", headers, "HTTP/1.1")
    resp = writer.create_warc_record(
        response.url,
        "response",
        payload=io.BytesIO(response.body),
        http_headers=status,
        warc_headers_dict={"WARC-Date": date},
    )
    req = writer.create_warc_record(
        response.url,
        "request",
        payload=io.BytesIO(b""),
        http_headers=request,
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Concurrent-To": resp.rec_headers.get_header("WARC-Record-ID"),
        },
    )
    return _members(writer, resp, req)


def _warcinfo(filename: str, when: datetime) -> bytes:
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(io.BytesIO(), gzip=False, warc_version="1.1")
    info = {"software": f"newsmirror/{__version__}", "format": "WARC File Format 1.1"}
    record = writer.create_warcinfo_record(filename, info)
    record.rec_headers.replace_header(
        "WARC-Date", when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )
    return _members(writer, record)


def _members(writer: Any, *records: Any) -> bytes:
    """Each record serialized, then compressed as a gzip member of its own at level 1
    (warcio's own gzip uses level 9: 3x the CPU for 10% less, docs/PERFORMANCE.md,
    "WARC")."""
    members = []
    for record in records:
        raw = io.BytesIO()
        writer.out = raw
        writer.write_record(record)
        packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        members.append(packer.compress(raw.getvalue()) + packer.flush())
    return b"".join(members)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _whole_length(path: Path, known: int | None) -> int:
    """The length of ``path`` up to the end of its last whole gzip member (0: no file).

    Bytes up to ``known`` were whole when written; the rest is read member by member.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    start = known if known is not None and known <= size else 0
    if start == size:
        return size
    with path.open("rb") as file:
        file.seek(start)
        return start + _members_length(file)


def _members_length(file: io.BufferedReader) -> int:
    """How many bytes from the file's position are whole gzip members, one after another."""
    whole = 0  # end of the last whole member
    offset = 0  # where ``data`` starts
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    while chunk := file.read(_CHUNK):
        data = chunk
        while data:
            try:
                inflater.decompress(data)
            except zlib.error:
                return whole  # not gzip from here: a torn or foreign tail
            if not inflater.eof:
                offset += len(data)
                break
            rest = inflater.unused_data
            offset += len(data) - len(rest)
            whole = offset
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            data = rest
    return whole


def _append(path: Path, length: int, data: bytes) -> None:
    """``data`` written at ``length``, a torn tail past it cut off first. Not synced: a
    kill cannot lose what the kernel took (docs/PERFORMANCE.md, "WARC")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        if os.fstat(fd).st_size != length:
            os.ftruncate(fd, length)
        view = memoryview(data)
        while view:
            written = os.pwrite(fd, view, length)
            view, length = view[written:], length + written
    finally:
        os.close(fd)
