"""Feed documents -> ``ParsedFeed``: sniff the document, then the format's reader.

Our own walker over an lxml tree (``docs/ARCHITECTURE.md``; the choice of parser in
docs/PERFORMANCE.md, "Feed parsing"): one pass over each item's children, dispatching on
the tag.

Guarantees:

* ``content_html`` is the longest of content:encoded / Atom content / description /
  summary, exactly as the XML carried it (CDATA and entity-escaped give the same string;
  nothing is stripped or rewritten). Only plain-text content (Atom ``type="text"``, JSON
  ``content_text``) is turned into HTML, by escaping it.
* Titles are plain text: tags stripped, HTML entities decoded, whitespace folded.
* Links are absolute when a base is known: ``xml:base``, then the channel link, then the
  feed URL.
* Dates without a zone are read in ``timezone``; no usable date gives ``published=None``.
* The XML parser never resolves entities and never touches the network (XXE and
  billion-laughs safe). Malformed documents are recovered as far as possible and the
  problems listed in ``ParsedFeed.warnings``; when nothing usable remains, ``FeedError``
  carries a one-line reason. No lxml or json exception escapes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import tzinfo

from ..errors import FeedError
from ..model import FeedKind, ParsedFeed
from ..util.charset import decode, unmarked_unicode
from ..util.sniff import is_binary, looks_like_html
from ..util.zones import zone
from ._atom import atom_entry, atom_feed
from ._context import ItemContext
from ._jsonfeed import parse_json
from ._names import (
    NS_ATOM,
    NS_ATOM03,
    NS_RSS090,
    NS_RSS10,
    NS_XHTML,
    local_name,
    namespace_of,
    qname,
)
from ._rss import rdf_channel, rss_channel, rss_item
from ._text import title_from_text
from ._xml import is_truncated, parse_xml

__all__ = ["parse_feed"]


def parse_feed(text: str | bytes, *, url: str | None = None, timezone: str = "UTC") -> ParsedFeed:
    """Parse a feed document. ``text`` is normally decoded already; bytes are decoded here.

    Raises ``FeedError`` for documents that are not a feed or hold nothing usable, and
    ``ConfigError`` for an unknown ``timezone`` name (configuration, not feed, problem).
    """
    tz = zone(timezone or "UTC")
    warnings: list[str] = []
    data, s = _prepare(text, warnings)
    if s is not None:  # JSON
        return _titled(parse_json(s, url, tz, warnings))
    root, data = parse_xml(data, url, warnings)
    return _titled(_walk(root, data, url, tz, warnings))


def _titled(feed: ParsedFeed) -> ParsedFeed:
    """Items without a title or a link get a title from their text. (One with a link is
    left untitled: the pipeline asks its page for a title first.)"""
    if all(item.title or item.link for item in feed.items):
        return feed
    items = tuple(
        item if item.title or item.link else replace(item, title=title_from_text(item.content_html))
        for item in feed.items
    )
    return replace(feed, items=items)


_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")


# A DOCTYPE (an XHTML one, as some generators write) before a feed's root element.
_DOCTYPE_THEN_FEED = re.compile(
    r"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<!doctype[^>\[]*>\s*(?:<!--.*?-->\s*)*"
    r"<(?:rss|feed|rdf:RDF|channel)[\s>]",
    re.I | re.S,
)


def _prepare(text: str | bytes, warnings: list[str]) -> tuple[str | bytes, str | None]:
    """The document for lxml (str, or UTF-8 bytes), or (b"", json_text) for JSON.

    Raises FeedError for what is plainly not a feed."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if not raw.strip():
            raise FeedError("empty document")
        head = raw[:1024]
        if not head.startswith(_BOMS) and unmarked_unicode(head) is None and is_binary(head):
            raise FeedError("binary data, not a feed")
        try:
            s, enc = decode(raw, None)
        except Exception as e:  # noqa: BLE001 - decode is meant not to raise; if it does
            raise FeedError(f"undecodable bytes: {e}") from None
        if "\ufffd" in s and "\ufffd".encode("utf-8") not in raw:
            warnings.append(f"bytes not valid {enc}: undecodable sequences replaced")
        return _prepare_str(s, warnings)  # lxml reads a str faster than UTF-8 bytes
    if not isinstance(text, str):
        raise TypeError("parse_feed() takes str or bytes")
    return _prepare_str(text, warnings)


def _prepare_str(s: str, warnings: list[str]) -> tuple[str | bytes, str | None]:
    i = 0
    n = len(s)
    while i < n and s[i] in "\ufeff \t\r\n":
        i += 1
    if i == n:
        raise FeedError("empty document")
    head = s[i : i + 1024]
    if is_binary(head):
        raise FeedError("binary data, not a feed")
    if head[0] in "{[":
        return b"", s[i:] if i else s
    if looks_like_html(head) and not _DOCTYPE_THEN_FEED.match(head):
        raise FeedError("an HTML page, not a feed")
    if head[0] != "<":
        j = s.find("<", i, i + 4096)
        if j < 0:
            raise FeedError("not a feed: no markup at the start")
        warnings.append(f"{j - i} characters of junk before the XML skipped")
        i = j
    # lxml parses a str directly (faster than encoding 40 MB to UTF-8 first), but refuses
    # one with an encoding declaration: drop the declaration, keep the line numbering.
    if s.startswith("<?xml", i):
        j = s.find("?>", i, i + 1024)
        if j > 0:
            i = j + 2
    return s[i:] if i else s, None


def _walk(root, data: str | bytes, url: str | None, tz: tzinfo, warnings: list[str]) -> ParsedFeed:
    tag = root.tag
    if not isinstance(tag, str):
        raise FeedError("XML error: no root element")
    local = local_name(tag)
    ns = namespace_of(tag)
    ctx = ItemContext(url, tz, warnings)
    if local == "html" or ns == NS_XHTML:
        raise FeedError("an HTML page, not a feed")
    kind: FeedKind
    if local in ("rss", "channel") and ns in ("", NS_RSS10, NS_RSS090) or local == "rss":
        kind = "rss"
        title, link, item_els = rss_channel(root, ns, ctx)
        items = [rss_item(el, ctx, ns) for el in item_els]
    elif local == "RDF":
        kind = "rdf"
        title, link, item_els = rdf_channel(root, ctx)
        items = [rss_item(el, ctx, namespace_of(el.tag)) for el in item_els]
    elif local == "feed" and ns in (NS_ATOM, NS_ATOM03, ""):
        kind = "atom"
        title, link, item_els, feed_authors = atom_feed(root, ns, ctx)
        items = [atom_entry(el, ns, ctx, feed_authors) for el in item_els]
    else:
        name = qname(root)
        raise FeedError(f"not a feed: root element <{name}>")

    truncated = is_truncated(data, root)
    if truncated:
        dropped = 0
        if item_els:
            qn = qname(item_els[-1])
            if isinstance(data, bytes):
                closed = len(re.findall(rb"</" + re.escape(qn.encode()) + rb"\s*>", data))
            else:
                closed = len(re.findall(r"</" + re.escape(qn) + r"\s*>", data))
            if closed < len(item_els):
                items.pop()
                dropped = 1
        if not items:
            raise FeedError("truncated document: no complete item")
        warnings.append(
            f"document is truncated (no closing </{qname(root)}>): kept {len(items)} "
            f"complete item(s)" + (", dropped the cut-off one" if dropped else "")
        )
    ctx.closing_warnings(items)
    return ParsedFeed(
        kind=kind,
        title=title,
        link=link,
        items=tuple(items),
        warnings=tuple(warnings),
        language=_language(root),
    )


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_DC_LANGUAGE = "{http://purl.org/dc/elements/1.1/}language"


def _language(root) -> str | None:
    """RSS ``<language>`` (or ``dc:language``) of the channel, else ``xml:lang`` of the root
    or the channel (Atom, RSS 1.0)."""
    channel = root
    for child in root:
        if isinstance(child.tag, str) and local_name(child.tag) == "channel":
            channel = child
            break
    for el in channel:
        tag = el.tag
        if isinstance(tag, str) and (local_name(tag) == "language" or tag == _DC_LANGUAGE):
            text = (el.text or "").strip()
            if text:
                return text
    for el in (root, channel):
        value = (el.get(_XML_LANG) or "").strip()
        if value:
            return value
    return None
