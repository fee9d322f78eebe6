"""HTML listing pages (sites without a feed) -> :class:`ParsedFeed` via CSS selectors."""

from __future__ import annotations

from datetime import datetime, tzinfo
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..config import Listing
from ..errors import ListingError
from ..model import FeedItem, ParsedFeed
from ..util.dates import parse_date
from ..util.htmldepth import limit_depth
from ..util.htmltext import node_text
from ..util.zones import zone
from ._listing_dates import listing_date

__all__ = ["NO_LINKS", "next_page", "parse_listing"]

# what a listing page that used to work and now yields no links says (a source error)
NO_LINKS = "the listing has no links any more: the layout changed?"


def _css(node, selector: str, what: str) -> list:
    try:
        return node.css(selector)
    except Exception as exc:  # noqa: BLE001 - selectolax raises several error types
        raise ListingError(f"listing.{what}: invalid CSS selector {selector!r}: {exc}") from None


def _title(node) -> str:
    """A headline's text, or its ``title`` attribute when that is longer (the full
    headline behind a shortened one, or behind a link that holds only an image)."""
    text = node_text(node)
    attribute = (node.attributes.get("title") or "").strip()
    return attribute if len(attribute) > len(text) else text


def _raw_date(node, listing: Listing) -> tuple[str, bool]:
    """The item's date as written, and whether it is a machine-readable attribute."""
    found = _css(node, listing.date, "date") if listing.date else []
    if not found:
        return "", False
    machine = found[0].attributes.get("datetime") or found[0].attributes.get("content")
    return (machine, True) if machine else (node_text(found[0]), False)


def _date(node, listing: Listing, tz: tzinfo, now: datetime | None) -> datetime | None:
    raw, machine = _raw_date(node, listing)
    if machine:
        return parse_date(raw, tz)
    return listing_date(raw, tz, now) if raw else None


def parse_listing(
    html: str,
    url: str,
    listing: Listing,
    timezone: str = "UTC",
    now: datetime | None = None,
) -> ParsedFeed:
    """One item per ``listing.item`` match; raises :class:`ListingError` when the page
    yields no link. Times without a date or zone ("14:46", "昨天 08:00", "2小时前") are read
    in ``timezone`` as of ``now`` (default: the current time).
    """
    tree = LexborHTMLParser(limit_depth(html))
    base_node = tree.css_first("base[href]")
    base = url
    base_href = base_node.attributes.get("href") if base_node is not None else None
    if base_href:
        candidate = urljoin(url, base_href.strip())
        if candidate.startswith(("http://", "https://")):
            base = candidate
    tz = zone(timezone or "UTC")
    nodes = _css(tree, listing.item, "item")
    if not nodes:
        raise ListingError(
            f"{url}: {NO_LINKS} listing.item selector {listing.item!r} matched nothing; "
            f"check it with a browser's inspector (the page may have changed "
            f"or be rendered by JavaScript)"
        )
    items: list[FeedItem] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for index, node in enumerate(nodes, 1):
        links = _css(node, listing.link, "link") if listing.link else []
        if not links and node.tag == "a":
            links = [node]
        link_node = next((a for a in links if (a.attributes.get("href") or "").strip()), None)
        if link_node is None:
            warnings.append(f"item {index}: no link matching {listing.link!r}; skipped")
            continue
        href = (link_node.attributes.get("href") or "").strip()
        link = urljoin(base, href)
        if not link.startswith(("http://", "https://")):
            warnings.append(f"item {index}: link {href!r} is not http(s); skipped")
            continue
        if link in seen:
            continue
        seen.add(link)
        title = ""
        if listing.title:
            found = _css(node, listing.title, "title")
            title = _title(found[0]) if found else ""
        title = title or _title(link_node)
        published = _date(node, listing, tz, now) if listing.date else None
        if published is None and listing.date:
            raw, _ = _raw_date(node, listing)
            if raw:
                warnings.append(f"item {index}: date {raw!r} not understood")
        summary = ""
        if listing.summary:
            found = _css(node, listing.summary, "summary")
            summary = "".join(n.html or "" for n in found)
        items.append(
            FeedItem(title=title, link=link, guid=link, published=published, content_html=summary)
        )
    if not items:
        raise ListingError(
            f"{url}: {NO_LINKS} listing.item {listing.item!r} matched {len(nodes)} "
            f"elements but none had a link matching {listing.link!r}"
        )
    title_node = tree.css_first("title")
    return ParsedFeed(
        kind="listing",
        title=node_text(title_node) if title_node else url,
        link=url,
        items=tuple(items),
        warnings=tuple(warnings),
    )


def next_page(html: str, url: str, listing: Listing) -> str | None:
    """The absolute URL of the next listing page (``listing.next``'s first link with an
    href), on the same host as ``url``; None when there is none or it leaves the site."""
    if not listing.next:
        return None
    tree = LexborHTMLParser(limit_depth(html))
    for node in _css(tree, listing.next, "next"):
        href = (node.attributes.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        link = urljoin(url, href)
        if urlsplit(link).scheme not in ("http", "https"):
            return None
        same = urlsplit(link).hostname == urlsplit(url).hostname
        return link.split("#")[0] if same else None
    return None
