"""Is the body what was asked for? A "feed" that is an HTML login page or a "page" that
is a PDF is refused with words saying so."""

from __future__ import annotations

import re

from ..util.charset import decode
from ..util.sniff import has_binary_signature, looks_like_html_page
from ._response import Accept, Response

__all__ = ["content_type_problem"]

_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.I | re.S)


_BINARY_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "model/",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/msword",
    "application/vnd.",
)


def _looks_binary(content_type: str, body: bytes) -> bool:
    return content_type.startswith(_BINARY_TYPES) or has_binary_signature(body)


def _page_title(body: bytes, content_type: str | None) -> str:
    match = _TITLE.search(decode(body[:16384], content_type)[0])
    title = " ".join(match.group(1).split()) if match else ""
    return f" titled {title[:80]!r}" if title else ""


def content_type_problem(accept: Accept, response: Response) -> str | None:
    ctype, body = response.content_type, response.body
    shown = ctype or "no Content-Type"
    if accept == "feed":
        if _looks_binary(ctype, body):
            return f"expected a feed, got {shown}"
        if looks_like_html_page(body):
            title = _page_title(body, response.headers.get("Content-Type"))
            return (
                f"expected a feed, got an HTML page{title} ({shown}); the feed may "
                f"have moved, or the site wants a login or blocks robots"
            )
    elif accept == "html" and _looks_binary(ctype, body):
        return f"expected an HTML page, got {shown}"
    return None
