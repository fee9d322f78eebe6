"""JSON Feed 1.0 and 1.1."""

from __future__ import annotations

import json
from datetime import tzinfo

from ..errors import FeedError
from ..model import FeedItem, ParsedFeed
from ._context import ItemContext
from ._media import Media, text_or_html
from ._text import author_name, plain, text_to_html, uniq


def parse_json(s: str, url: str | None, tz: tzinfo, warnings: list[str]) -> ParsedFeed:
    try:
        doc = json.loads(s)
    except json.JSONDecodeError as e:
        raise FeedError(f"JSON error at line {e.lineno}: {e.msg}") from None
    except (ValueError, RecursionError) as e:
        raise FeedError(f"JSON error: {e}") from None
    if not isinstance(doc, dict):
        raise FeedError("JSON, but not a JSON Feed (top level is not an object)")
    channel = _rss_channel(doc)
    if channel is not None:
        return _parse_rss_json(channel, url, tz, warnings)
    version = doc.get("version")
    items_raw = doc.get("items")
    if not (isinstance(version, str) and "jsonfeed.org/version/" in version):
        if not isinstance(items_raw, list):
            raise FeedError("JSON, but not a JSON Feed (no jsonfeed.org version, no items)")
        warnings.append("JSON Feed without a jsonfeed.org version")
    if items_raw is None:
        items_raw = []
    if not isinstance(items_raw, list):
        raise FeedError("JSON Feed: 'items' is not a list")
    ctx = ItemContext(url, tz, warnings)
    home = _jstr(doc.get("home_page_url"))
    link = ctx.resolve(home, None) if home else None
    if link:
        ctx.base = link
    feed_authors = _json_authors(doc)
    items = []
    skipped = 0
    for it in items_raw:
        if not isinstance(it, dict):
            skipped += 1
            continue
        items.append(_json_item(it, ctx, feed_authors))
    if skipped:
        warnings.append(f"{skipped} JSON Feed item(s) that are not objects skipped")
    ctx.closing_warnings(items)
    return ParsedFeed(
        kind="json",
        title=plain(_jstr(doc.get("title"))),
        link=link,
        items=tuple(items),
        warnings=tuple(warnings),
        language=_jstr(doc.get("language")).strip() or None,
    )


def _jstr(v: object) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return ""


def _json_authors(obj: dict) -> tuple[str, ...]:
    out: list[str] = []
    authors = obj.get("authors")
    if isinstance(authors, list):
        for a in authors:
            if isinstance(a, dict):
                out.append(plain(_jstr(a.get("name"))))
            elif isinstance(a, str):
                out.append(author_name(a))
    a = obj.get("author")  # JSON Feed 1.0
    if not out and isinstance(a, dict):
        out.append(plain(_jstr(a.get("name"))))
    elif not out and isinstance(a, str):
        out.append(author_name(a))
    return uniq(out)


def _json_item(it: dict, ctx: ItemContext, feed_authors: tuple[str, ...]) -> FeedItem:
    guid = _jstr(it.get("id")).strip() or None
    link = _jstr(it.get("url")).strip() or _jstr(it.get("external_url")).strip() or None
    link = ctx.resolve(link, None) if link else None
    bodies = [_jstr(it.get("content_html"))]
    ct = _jstr(it.get("content_text"))
    if ct:
        bodies.append(text_to_html(ct))
    sm = _jstr(it.get("summary"))
    if sm:
        bodies.append(text_to_html(sm))
    body = max(bodies, key=len)  # first of equal lengths: content_html wins ties
    pub = _jstr(it.get("date_published"))
    mod = _jstr(it.get("date_modified"))
    published = ctx.date(pub) if pub else None
    updated = ctx.date(mod) if mod else None
    tags = it.get("tags")
    cats = [plain(t) for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    return FeedItem(
        title=plain(_jstr(it.get("title"))),
        link=link,
        guid=guid,
        published=published if published is not None else updated,
        updated=updated,
        authors=_json_authors(it) or feed_authors,
        categories=uniq(cats),
        content_html=body,
    )


# -- RSS written as JSON: {"rss": {"channel": {"item": [...]}}} or {"channel": ...}, as
# some sites serve it (an XML-to-JSON conversion of their RSS) ----------------------------


def _rss_channel(doc: dict) -> dict | None:
    rss = doc.get("rss")
    channel = rss.get("channel") if isinstance(rss, dict) else doc.get("channel")
    if isinstance(channel, list) and channel:
        channel = channel[0]
    if isinstance(channel, dict) and ("item" in channel or "items" in channel):
        return channel
    return None


def _jtext(v: object) -> str:
    """The text of an XML-to-JSON value: a string, a number, or an object holding it as
    "#text", "_text", "$t", "__cdata", "_cdata" or "_" (the converters' spellings)."""
    if isinstance(v, list):
        v = v[0] if v else ""
    if isinstance(v, dict):
        for key in ("#text", "_text", "$t", "__cdata", "_cdata", "#cdata-section", "_", "text"):
            if key in v:
                return _jtext(v[key])
        return ""
    return _jstr(v)


def _jattr(v: object, name: str) -> str:
    """An attribute of an XML-to-JSON element: "url", "@url", "_url", "-url" or "$url"."""
    if isinstance(v, dict):
        for key in (name, "@" + name, "_" + name, "-" + name, "$" + name):
            if key in v:
                return _jstr(v[key])
        attrs = v.get("@attributes") or v.get("$") or v.get("_attributes")
        if isinstance(attrs, dict):
            return _jstr(attrs.get(name))
    return ""


def _jlist(v: object) -> list:
    return v if isinstance(v, list) else [] if v is None else [v]


def _parse_rss_json(channel: dict, url: str | None, tz: tzinfo, warnings: list[str]):
    ctx = ItemContext(url, tz, warnings)
    home = _jtext(channel.get("link")).strip()
    link = ctx.resolve(home, None) if home else None
    if link:
        ctx.base = link
    items = [
        _rss_json_item(it, ctx)
        for it in _jlist(channel.get("item", channel.get("items")))
        if isinstance(it, dict)
    ]
    ctx.closing_warnings(items)
    return ParsedFeed(
        kind="rss",
        title=plain(_jtext(channel.get("title"))),
        link=link,
        items=tuple(items),
        warnings=tuple(warnings),
        language=_jtext(channel.get("language")).strip() or None,
    )


def _rss_json_item(it: dict, ctx: ItemContext) -> FeedItem:
    g = it.get
    guid = _jtext(g("guid")).strip() or None
    link = _jtext(g("link")).strip() or None
    if link is None and guid and guid.startswith(("http://", "https://")):
        link = guid
    bodies = [
        _jtext(g("content:encoded") or g("encoded") or g("content")),
        _jtext(g("description")),
        _jtext(g("dc:description")),
    ]
    summary = _jtext(g("itunes:summary"))
    if summary:
        bodies.append(text_or_html(summary))
    body = max(bodies, key=len)
    media = Media()
    for enc in _jlist(g("enclosure")):
        media.enclosure(_jattr(enc, "url"), _jattr(enc, "type"))
    for key in ("media:content", "media:thumbnail"):
        for m in _jlist(g(key)):
            if key.endswith("thumbnail"):
                media.thumbnails.append(_jattr(m, "url"))
            else:
                media.enclosure(_jattr(m, "url"), _jattr(m, "type") or _jattr(m, "medium"))
    media.thumbnails = [u for u in media.thumbnails if u]
    body, enclosures, image = media.finish(lambda u: ctx.resolve(u, None), body)
    pub = _jtext(g("pubDate") or g("dc:date") or g("published"))
    published = ctx.date(pub) if pub else None
    authors = [author_name(_jtext(a)) for a in _jlist(g("author") or g("dc:creator"))]
    cats = [plain(_jtext(c)) for c in _jlist(g("category"))]
    return FeedItem(
        title=plain(_jtext(g("title"))),
        link=ctx.resolve(link, None) if link else None,
        guid=guid,
        published=published,
        authors=uniq(authors),
        categories=uniq(cats),
        content_html=body,
        enclosures=enclosures,
        image=image,
    )
