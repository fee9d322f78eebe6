"""Feed discovery in a web page: the feeds it announces with ``<link rel="alternate">``,
and the addresses sites commonly serve a feed at when it announces none."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

__all__ = ["FEED_GUESSES", "FEED_TYPES", "FeedLink", "feed_links", "guessed_feeds"]

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
    "application/rdf+xml": "RSS",
}
FEED_GUESSES = ("/feed", "/rss", "/atom.xml", "/feed.xml", "/index.xml")


@dataclass(frozen=True)
class FeedLink:
    url: str  # absolute
    kind: str  # "RSS", "Atom", "JSON Feed", or "" for a guess
    title: str = ""


def feed_links(html: str, base_url: str) -> list[FeedLink]:
    """The feeds a page announces, in page order, each URL once (relative hrefs resolved
    against ``<base href>``, else ``base_url``)."""
    from selectolax.lexbor import LexborHTMLParser

    from ..util.htmldepth import limit_depth
    from ..util.urls import is_web_url

    tree = LexborHTMLParser(limit_depth(html))
    base = tree.css_first("base[href]")
    if base is not None:
        base_url = urljoin(base_url, (base.attributes.get("href") or "").strip())
    found: dict[str, FeedLink] = {}
    for node in tree.css("link[rel][href]"):
        attrs = node.attributes
        rel = (attrs.get("rel") or "").lower().split()
        kind = FEED_TYPES.get((attrs.get("type") or "").split(";")[0].strip().lower())
        if "alternate" not in rel or kind is None:
            continue
        url = urljoin(base_url, (attrs.get("href") or "").strip())
        if is_web_url(url) and url not in found:
            title = " ".join((attrs.get("title") or "").split())
            found[url] = FeedLink(url, kind, title)
    return list(found.values())


def guessed_feeds(page_url: str) -> list[FeedLink]:
    """Where a feed often is on the page's site, when the page names none."""
    return [FeedLink(urljoin(page_url, path), "") for path in FEED_GUESSES]
