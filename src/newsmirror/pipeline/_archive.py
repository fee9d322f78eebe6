"""What the mirror fetched, kept as WARC records when ``[site] warc`` is on: article
pages (``_build``) and images (``_images``) go through this one function."""

from __future__ import annotations

import asyncio

from ..config import Source
from ..fetch import Response
from ..model import SourceReport
from ._context import RunContext

__all__ = ["archive_response"]


async def archive_response(
    ctx: RunContext, source: Source, response: Response, report: SourceReport
) -> None:
    """``response`` appended to the site's WARC files when ``[site] warc`` is on; a file
    that cannot be written costs a warning, not the article. In a thread: the record is
    compressed and synced to disk. The source's configured headers are not recorded
    with the request: they may hold a cookie, and the archive is committed."""
    if ctx.warc is None:
        return
    try:
        await asyncio.to_thread(ctx.warc.record, response)
    except OSError as exc:
        report.warnings.append(
            f"{source.name}: {response.url}: not recorded in the WARC archive: "
            f"{exc.strerror or exc}"
        )
