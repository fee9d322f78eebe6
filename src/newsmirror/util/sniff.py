"""What a document is, from its first bytes: binary data, an HTML page, or a feed kind.

The fetcher uses it to refuse a "feed" that is a login page or a "page" that is a PDF;
the feed parser to say why a document is not a feed.
"""

from __future__ import annotations

import re

__all__ = [
    "detect_kind",
    "has_binary_signature",
    "is_binary",
    "looks_like_html",
    "looks_like_html_page",
]

_SIGNATURES = (
    b"%PDF-",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00\x00\x01\x00",
)
# the same signatures as they look once decoded (a PNG's 0x89 becomes U+0089 or U+FFFD)
_TEXT_SIGNATURES = ("\x89PNG", "\ufffdPNG", "GIF8", "\xff\xd8\xff", "%PDF")
_CONTROL_BYTES = frozenset(range(32)) - {9, 10, 13}
_CONTROL_CHARS = frozenset(map(chr, _CONTROL_BYTES)) | {"\ufffd"}

# An HTML document's start: optional XML declaration and comments, then a tag that only
# HTML documents start with.
_HTML_START = re.compile(
    r"""\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*
    <(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|meta[\s>]|title[\s>]|script[\s>])""",
    re.I | re.S | re.X,
)
_FEED_ROOT = re.compile(r"<(?:rss|feed|rdf:RDF)[\s>]", re.I)
_FIRST_TAG = re.compile(r"<(?!\?|!)([\w.:-]+)")
_ROOT_KINDS = {"rss": "rss", "RDF": "rdf", "feed": "atom", "channel": "rss", "html": "html"}


def has_binary_signature(head: bytes) -> bool:
    """Whether ``head`` starts like a common binary format (image, PDF, archive)."""
    return head.startswith(_SIGNATURES)


def is_binary(head: str | bytes) -> bool:
    """A binary signature, or a start made mostly of control characters (and, in text,
    undecodable bytes). A few stray NULs in text are left to the parser's repair."""
    if isinstance(head, bytes):
        if has_binary_signature(head):
            return True
        bad = sum(1 for byte in head if byte in _CONTROL_BYTES)
    else:
        if head.startswith(_TEXT_SIGNATURES):
            return True
        bad = sum(1 for ch in head if ch in _CONTROL_CHARS)
    return bool(head) and bad * 10 > len(head)


def looks_like_html(head: str) -> bool:
    """Whether text starts as an HTML document does."""
    return _HTML_START.match(head) is not None


def looks_like_html_page(body: bytes) -> bool:
    """An HTML page and not a feed (a feed may embed HTML, never start as a page)."""
    start = body[:4096].removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    return looks_like_html(start) and not _FEED_ROOT.search(start)


def detect_kind(text: str | bytes) -> str | None:
    """A cheap guess from the first bytes: "rss", "rdf", "atom", "json", "html" or None."""
    head = text[:2048]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    head = head.lstrip("\ufeff \t\r\n")
    if head[:1] in ("{", "["):
        return "json"
    if looks_like_html(head):
        return "html"
    m = _FIRST_TAG.search(head)
    if m is None:
        return None
    return _ROOT_KINDS.get(m.group(1).rsplit(":", 1)[-1])
