"""Page metadata: base URL, title, publication date and author, from ld+json, Open Graph
and other meta tags, ``<time>`` and ``<title>``; when those name no date or author, from
what the page shows (``_dates``: the date under the headline; ``_byline``: the byline)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from ..model import MetadataField
from ..util.dates import parse_date
from ..util.htmltext import node_text
from ..util.urls import absolute_url
from ._byline import byline_author, clean_author
from ._dates import VisibleText, elsewhere, plausible, visible_date, visible_text

# What the page's base URL and metadata come from, found in one walk of the tree: a
# selector list matches in document order, and each separate query walked the whole page,
# four of them on every page (docs/PERFORMANCE.md, "Site-rule extraction").
PAGE_NODES = 'base[href], meta, script[type="application/ld+json"], title, time[datetime], h1'


# "<base" in any letter case, spelled out so that the regex engine skips from "<" to "<"
BASE_TAG = re.compile(r"<[bB][aA][sS][eE][\s/>]")


@dataclass
class PageNodes:
    base: Any = None  # the first <base href>
    title: Any = None  # the first <title>
    times: list = field(default_factory=list)  # the <time datetime> elements
    metas: list = field(default_factory=list)
    ld_json: list = field(default_factory=list)  # <script type="application/ld+json">
    h1: list = field(default_factory=list)
    tree: Any = None  # for what the page shows, read only when the metadata lacks it
    _visible: VisibleText | None = None

    def visible(self) -> VisibleText:
        """The page's visible text, walked once for both the date and the byline."""
        if self._visible is None:
            body = self.tree.body if self.tree is not None else None
            self._visible = visible_text(body) if body is not None else VisibleText()
        return self._visible


def page_nodes(tree) -> PageNodes:
    found = PageNodes(tree=tree)
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
            found.times.append(node)
        elif tag == "h1":
            found.h1.append(node)
    return found


def _ld_json_objects(scripts: Iterable) -> list[dict]:
    found: list[dict] = []
    for script in scripts:
        raw = script.text(deep=True) or ""
        raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
        # XHTML habit (and how some serializers write scripts): the JSON inside CDATA
        raw = raw.removeprefix("//").strip().removeprefix("<![CDATA[")
        raw = raw.strip().removesuffix("]]>").strip().removesuffix("//")
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


_PUBLISHED_KEYS = ("datePublished", "dateCreated", "pubDate")  # pubDate: Baidu's ld+json
_UPDATED_METAS = ("article:modified_time", "og:updated_time", "dateModified", "last-modified")
_PUBLISHED_METAS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "PubDate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "article_date_original",
    "sailthru.date",
    "dc.date",
    "DC.date.issued",
)


def metadata_of(
    page: PageNodes, tz: tzinfo, want: Iterable[MetadataField] = FIELDS
) -> dict[str, Any]:
    """Title, published date and author from ld+json, Open Graph, <time>, meta tags, and
    from what the page shows when those have no date or author; with the date, the
    metadata's date of the last edit ("updated", None when not later than the date).

    Only the fields in ``want`` are looked for (the others are None): a site rule that
    found the title, date and author spares the ld+json parse and the meta scan.
    """
    want = set(want)
    found: dict[str, Any] = {"title": None, "date": None, "author": None, "updated": None}
    if not want:
        return found
    now = datetime.now(UTC)
    objects = _ld_json_objects(page.ld_json)
    objects.sort(key=lambda o: not any(t in _ld_type(o).split() for t in _ARTICLE_TYPES))
    headline = author = date = updated = None
    for obj in objects:
        headline = headline or _ld_headline(obj, page)
        for key in _PUBLISHED_KEYS if date is None and "date" in want else ():
            date = date or plausible(parse_date(obj.get(key), tz), now)
        if updated is None and "date" in want:
            updated = plausible(parse_date(obj.get("dateModified"), tz), now)
        if author is None and "author" in want:
            author = clean_author(author_name(obj.get("author")))
    # the meta scan only when something is still missing (the title always reads the
    # site name, to take it off)
    lacking = (
        "title" in want
        or ("date" in want and date is None)
        or ("author" in want and author is None)
    )
    tags = _meta_tags(page.metas) if lacking else {}
    if "title" in want:
        found["title"] = _title(page, tags, headline)
    if "date" in want:
        found["date"] = date or _page_date(page, tags, tz, now)
        updated = updated or plausible(parse_date(_meta(tags, *_UPDATED_METAS), tz), now)
        # an edit before the publication is no edit: one of the two is wrong, say nothing
        found["updated"] = (
            updated if found["date"] and updated and updated > found["date"] else None
        )
    if "author" in want:
        found["author"] = author or _page_author(page, tags)
    return found


def _ld_headline(obj: dict, page: PageNodes) -> str | None:
    """``headline``, or ``name`` when only that one is the page's <h1> (Wikipedia's
    ``headline`` is a description; other sites put their own name in ``name``)."""
    headline, name = obj.get("headline"), obj.get("name")
    if not isinstance(headline, str) or not headline.strip():
        return None
    if isinstance(name, str) and _key(name) != _key(headline):
        shown = {_key(node.text() or "") for node in page.h1}
        if _key(name) in shown and _key(headline) not in shown:
            return name.strip()
    return headline.strip()


def _page_date(page: PageNodes, tags: dict[str, str], tz: tzinfo, now: datetime) -> datetime | None:
    """The meta tags' date, else the first <time datetime> outside lists of other
    articles, else the date the page shows under its headline."""
    date = plausible(parse_date(_meta(tags, *_PUBLISHED_METAS), tz), now)
    for node in page.times if date is None else ():
        date = plausible(parse_date(node.attributes.get("datetime"), tz), now)
        if date is not None and not elsewhere(node):
            return date
        date = None
    if date is None and page.tree is not None:
        date = visible_date(page.visible(), _headline(page), tz, now)
    return date


def _page_author(page: PageNodes, tags: dict[str, str]) -> str | None:
    for name in ("author", "article:author", "byl", "dc.creator", "DC.creator", "parsely-author"):
        author = clean_author(_meta(tags, name))
        if author:
            return author
    if page.tree is None:
        return None
    return byline_author(page.tree, page.visible(), _headline(page))


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _key(text: str) -> str:
    """What two titles are compared by: letters and digits only, case folded."""
    return re.sub(r"[\W_]+", "", text).casefold()


def _headline(page: PageNodes) -> int | None:
    """Index of the article's <h1>: the one the <title> names, else the first."""
    if not page.h1:
        return None
    title = _key(page.title.text() if page.title is not None else "")
    for i, node in enumerate(page.h1):
        key = _key(node.text() or "")
        if key and key in title:
            return i
    return 0


# " - Site", " | Site", "_网易新闻", "|游民星空": where a <title> adds the site's name
_TITLE_SEPARATOR = re.compile(r"\s+[-|–—:·»]\s+|\s*[|_｜]\s*")


def _title(page: PageNodes, tags: dict[str, str], headline: str | None) -> str | None:
    """ld+json headline or Open Graph title, else the <title> without the site's name.

    An h1 that starts with the meta title and goes on wins: the attribute was cut short
    by an unescaped quote (``content="...奖金711万元！"中国诺贝尔奖"..."``).
    """
    h1s = [_squash(node.text()) for node in page.h1]
    meta = headline or _meta(tags, "og:title", "twitter:title", "parsely-title")
    site = _meta(tags, "og:site_name", "application-name") or ""
    if meta:
        meta = _squash(meta)
        longer = [h for h in h1s if len(h) > len(meta) and h.startswith(meta)]
        return longer[0] if longer else _without_site(meta, site, h1s)
    title = _squash(page.title.text()) if page.title is not None else ""
    return _without_site(title, site, h1s, guess=True) or (h1s[0] if h1s else None) or None


def _without_site(title: str, site: str, h1s: list[str], guess: bool = False) -> str:
    """``title`` less a site name at its end: one an h1 or og:site_name tells apart, or
    (``guess``) a tail much shorter than the rest."""
    keys = {_key(h) for h in h1s if h}
    if not title or _key(title) in keys:
        return title
    cuts = list(_TITLE_SEPARATOR.finditer(title))
    for cut in reversed(cuts):
        if _key(title[: cut.start()]) in keys:
            return title[: cut.start()]
    if not cuts:
        return title
    last = cuts[-1]
    head, tail = title[: last.start()], title[last.end() :]
    if site and _key(site) and (_key(site) in _key(tail) or _key(tail) in _key(site)):
        return head
    if guess and head and len(_key(tail)) * 2 <= len(_key(head)):
        return head
    return title


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
