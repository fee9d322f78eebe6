"""Page metadata: base URL, title, publication date and author, from ld+json, Open Graph
and other meta tags, ``<time>`` and ``<title>``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from ..model import MetadataField
from ..util.dates import parse_date
from ..util.htmltext import node_text
from ..util.urls import absolute_url

# What the page's base URL and metadata come from, found in one walk of the tree: a
# selector list matches in document order, and each separate query walked the whole page,
# four of them on every page (docs/PERFORMANCE.md, "Site-rule extraction").
PAGE_NODES = 'base[href], meta, script[type="application/ld+json"], title, time[datetime]'


# "<base" in any letter case, spelled out so that the regex engine skips from "<" to "<"
BASE_TAG = re.compile(r"<[bB][aA][sS][eE][\s/>]")


@dataclass
class PageNodes:
    base: Any = None  # the first <base href>
    title: Any = None  # the first <title>
    time: Any = None  # the first <time datetime>
    metas: list = field(default_factory=list)
    ld_json: list = field(default_factory=list)  # <script type="application/ld+json">


def page_nodes(tree) -> PageNodes:
    found = PageNodes()
    for node in tree.css(PAGE_NODES):
        tag = node.tag
        if tag == "meta":
            found.metas.append(node)
        elif tag == "script":
            found.ld_json.append(node)
        elif tag == "base":
            found.base = found.base or node
        elif tag == "title":
            found.title = found.title or node
        elif tag == "time":
            found.time = found.time or node
    return found


def _ld_json_objects(scripts: Iterable) -> list[dict]:
    found: list[dict] = []
    for script in scripts:
        raw = script.text(deep=True) or ""
        raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:  # common breakage: raw line breaks or trailing commas
                data = json.loads(
                    re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ")), strict=False
                )
            except ValueError:
                continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [])
    return found


_ARTICLE_TYPES = (
    "article",
    "newsarticle",
    "reportage",
    "blogposting",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "webpage",
    "reportagenewsarticle",
    "liveblogposting",
)


def _ld_type(obj: dict) -> str:
    t = obj.get("@type", "")
    if isinstance(t, list):
        t = " ".join(str(x) for x in t)
    return str(t).lower()


def author_name(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return author_name(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (author_name(v) for v in value) if n]
        return ", ".join(names) or None
    return None


def _meta_tags(metas: Iterable) -> dict[str, str]:
    """``property``/``name``/``itemprop`` value -> ``content`` of the first ``<meta>`` naming it.

    One pass over the page's meta tags instead of one selector query per wanted name
    (values match case-sensitively, as the ``meta[name="..."]`` selectors did).
    """
    tags: dict[str, str] = {}
    for node in metas:
        attrs = node.attributes
        for attr in ("property", "name", "itemprop"):
            key = attrs.get(attr)
            if key is not None and key not in tags:
                tags[key] = attrs.get("content") or ""
    return tags


def _meta(tags: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name in tags:
            value = tags[name].strip()
            if value:
                return value
    return None


FIELDS: tuple[MetadataField, ...] = ("title", "date", "author")


def metadata_of(
    page: PageNodes, tz: tzinfo, want: Iterable[MetadataField] = FIELDS
) -> dict[str, Any]:
    """Title, published date and author from ld+json, Open Graph, <time>, meta tags.

    Only the fields in ``want`` are looked for (the others are None): a site rule that
    found the title, date and author spares the ld+json parse and the meta scan.
    """
    want = set(want)
    title = date = author = None
    if not want:
        return {"title": title, "date": date, "author": author}
    objects = _ld_json_objects(page.ld_json)
    objects.sort(key=lambda o: not any(t in _ld_type(o).split() for t in _ARTICLE_TYPES))
    for obj in objects:
        if "title" in want:
            title = title or (
                obj.get("headline") or None if isinstance(obj.get("headline"), str) else None
            )
        if date is None and "date" in want:
            date = parse_date(obj.get("datePublished") or obj.get("dateCreated"), tz)
        if "author" in want:
            author = author or author_name(obj.get("author"))
    tags = (
        _meta_tags(page.metas)
        if (
            title is None
            and "title" in want
            or date is None
            and "date" in want
            or author is None
            and "author" in want
        )
        else {}
    )
    if "title" in want:
        title = title or _meta(tags, "og:title", "twitter:title")
    if date is None and "date" in want:
        date = parse_date(
            _meta(
                tags,
                "article:published_time",
                "og:article:published_time",
                "datePublished",
                "pubdate",
                "publishdate",
                "PubDate",
                "publish-date",
                "article_date_original",
                "sailthru.date",
                "dc.date",
                "DC.date.issued",
            ),
            tz,
        )
        if date is None:
            if page.time is not None:
                date = parse_date(page.time.attributes.get("datetime"), tz)
    if "author" in want:
        author = author or _meta(tags, "author", "article:author", "byl", "dc.creator")
    if title is None and "title" in want:
        if page.title is not None:
            title = " ".join((page.title.text() or "").split()) or None
    return {"title": title, "date": date, "author": author}


def date_of(node, tz: tzinfo) -> datetime | None:
    for attr in ("datetime", "content", "data-time", "data-timestamp", "title"):
        value = node.attributes.get(attr)
        if value:
            parsed = parse_date(value, tz)
            if parsed:
                return parsed
    return parse_date(node_text(node), tz)


def page_base(page: PageNodes, url: str) -> str:
    node = page.base
    if node is not None:
        href = absolute_url(node.attributes.get("href") or "", url)
        if href and href.startswith(("http://", "https://")):
            return href
    return url
