"""HTML listing pages (sites without a feed) -> :class:`ParsedFeed` via CSS selectors."""

from __future__ import annotations

from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from ..config import Listing
from ..errors import ListingError
from ..model import FeedItem, ParsedFeed
from ..util.dates import parse_date
from ..util.htmldepth import limit_depth
from ..util.htmltext import node_text
from ..util.zones import zone

__all__ = ["parse_listing"]


def _css(node, selector: str, what: str) -> list:
    try:
        return node.css(selector)
    except Exception as exc:  # noqa: BLE001 - selectolax raises several error types
        raise ListingError(f"listing.{what}: invalid CSS selector {selector!r}: {exc}") from None


def parse_listing(html: str, url: str, listing: Listing, timezone: str = "UTC") -> ParsedFeed:
    """One item per ``listing.item`` match; raises :class:`ListingError` when none match."""
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
            f"{url}: listing.item selector {listing.item!r} matched nothing; "
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
            title = node_text(found[0]) if found else ""
        title = title or node_text(link_node) or (link_node.attributes.get("title") or "").strip()
        published = None
        if listing.date:
            found = _css(node, listing.date, "date")
            if found:
                date_node = found[0]
                raw = (
                    date_node.attributes.get("datetime")
                    or date_node.attributes.get("content")
                    or node_text(date_node)
                )
                published = parse_date(raw, tz)
                if published is None and raw:
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
            f"{url}: listing.item {listing.item!r} matched {len(nodes)} "
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
