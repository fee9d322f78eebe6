"""What an article says, without how its HTML happens to say it: two versions with the
same fingerprint differ only cosmetically, and the second is not an edit.

The fingerprint is the visible text with whitespace folded, then the targets of its
links (tracking parameters removed) and of its images and media (query string and
fragment removed). Left out, so never an edit on their own: whitespace and line breaks,
attributes and their order, tracking parameters, ad slots and other junk blocks (those
of ``JUNK_SELECTORS``, which the cleaner keeps unless ``[site] junk`` says otherwise:
their text changes with every ad served), and image URL signatures. Image rule: an image is
its scheme, host and path; its query carries resizing (``?x-oss-process=...``,
``?w=800``), CDN signatures and expiry tokens (``?Expires=...&Signature=...``,
``?X-Amz-Signature=...``), which change between fetches of an unchanged article. Two
images that differ only there are the same image; one that moves host or path is a
different image (docs/FORMAT.md, "Edits").
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..util.htmldepth import limit_depth
from ..util.htmltext import HIDDEN, html_to_text
from ..util.urls import strip_tracking
from ._unwanted import JUNK_SELECTORS

__all__ = ["content_fingerprint", "image_identity"]


_MEDIA_SOURCES = "img[src], video[src], audio[src], source[src], iframe[src], video[poster]"
_JUNK = ", ".join(JUNK_SELECTORS)


def content_fingerprint(title: str, body_html: str) -> str:
    """A digest of the title's words, the body's visible text and its link and image
    targets (see the module's docstring)."""
    parts = [" ".join(title.split())]
    body = LexborHTMLParser(limit_depth(body_html)).body if body_html.strip() else None
    if body is not None:
        junk = body.css(f"{_JUNK}, {HIDDEN}")
        for node in junk:
            node.decompose()
        # the text as a post reader sees it (html_to_text's own parse, of the body
        # without junk when there was some: most bodies have none)
        parts.append(" ".join(html_to_text(body.html or "" if junk else body_html).split()))
        parts.extend(_targets(body))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _targets(body: LexborNode) -> list[str]:
    """The link targets, then the image and media sources, in document order."""
    links = [
        "a " + strip_tracking(href.strip())
        for node in body.css("a[href]")
        if (href := node.attributes.get("href"))
    ]
    media = []
    for node in body.css(_MEDIA_SOURCES):
        for name in ("src", "poster"):
            value = node.attributes.get(name)
            if value:
                media.append("i " + image_identity(value.strip()))
    return links + media


def image_identity(url: str) -> str:
    """An image URL without what changes between fetches of the same image: its query
    string and fragment (signatures, resizing, expiry)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme == "data":
        return url
    return urlunsplit(parts._replace(query="", fragment=""))
