"""JSON Feed 1.0 and 1.1."""

from __future__ import annotations

import json
from datetime import tzinfo

from ..errors import FeedError
from ..model import FeedItem, ParsedFeed
from ._context import ItemContext
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
