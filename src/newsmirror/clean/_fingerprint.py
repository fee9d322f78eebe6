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
from ..util.htmltext import HIDDEN
from ..util.urls import strip_tracking
from ._unwanted import JUNK_SELECTORS

__all__ = ["content_fingerprint", "image_identity"]


_TARGETS = "a[href], img[src], video[src], audio[src], source[src], iframe[src], video[poster]"
_JUNK = ", ".join(JUNK_SELECTORS)


def content_fingerprint(title: str, body_html: str) -> str:
    """A digest of the title's words, the body's visible text and its link and image
    targets (see the module's docstring), from one parse of the body.

    The text is every text node's, joined by spaces and folded: an edit that only moves
    a word across an inline tag's edge counts as one, which is rare and harmless, while
    a block-aware text (``html_to_text``) would cost three times as much
    (docs/PERFORMANCE.md, "Every version kept").
    """
    parts = [" ".join(title.split())]
    body = LexborHTMLParser(limit_depth(body_html)).body if body_html.strip() else None
    if body is not None:
        for node in body.css(f"{_JUNK}, {HIDDEN}"):
            node.decompose()
        parts.append(" ".join((body.text(deep=True, separator=" ") or "").split()))
        parts.extend(_targets(body))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _targets(body: LexborNode) -> list[str]:
    """The link targets (tracking parameters removed) and the image and media sources
    (``image_identity``), in document order."""
    found = []
    for node in body.css(_TARGETS):
        attrs = node.attributes
        if node.tag == "a":
            found.append("a " + strip_tracking((attrs.get("href") or "").strip()))
            continue
        for name in ("src", "poster"):
            value = attrs.get(name)
            if value:
                found.append("i " + image_identity(value.strip()))
    return found


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
