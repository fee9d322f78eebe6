"""Atom 0.3 and 1.0: feeds, entries, text constructs, links and persons."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from lxml import etree

from ..model import FeedItem
from ._context import ItemContext
from ._media import MEDIA_TAGS, Media
from ._names import NS_DC, local_name
from ._text import (
    LOOKS_HTML,
    author_name,
    el_text,
    inner_xml,
    plain,
    plain_literal,
    raw_content,
    short_plain,
    text_to_html,
    uniq,
)


def _atom_links(el, a: str):
    """The preferred alternate link element of an Atom feed/entry, or None."""
    return _pick_atom_link(el.iterchildren(a + "link"))


_NOT_ALTERNATE = frozenset(("self", "edit", "enclosure", "replies", "hub", "license", "edit-media"))


def _pick_atom_link(links):
    """rel=alternate (an HTML one first), else the first link that is not self/edit/...."""
    best = None
    first = None
    for ln in links:
        href = ln.get("href")
        if not href or href.isspace():
            continue
        rel = ln.get("rel")
        rel = "alternate" if rel is None else rel.strip()
        if rel == "alternate":
            typ = ln.get("type")
            if typ is None or "html" in typ.lower():
                return ln
            if best is None:
                best = ln
        elif first is None and rel not in _NOT_ALTERNATE:
            first = ln
    return best if best is not None else first


def _atom_text(el) -> str:
    """An Atom text construct (title) as plain text.

    ``type="text"`` (Atom 1.0) or ``"text/plain"`` (0.3) is text: "the &lt;blink&gt; tag"
    keeps its "<blink>". Without a type, text that plainly is HTML is read as HTML."""
    typ = (el.get("type") or "").strip().lower()
    mode = el.get("mode")
    if mode is not None and mode.strip().lower() == "base64":  # Atom 0.3
        text = _base64_text(el.text)
        return plain(text) if "html" in typ else plain_literal(text)
    if typ in ("xhtml", "application/xhtml+xml"):
        return plain(etree.tostring(el, method="text", encoding=str, with_tail=False))
    text = el_text(el)
    if typ in ("text", "text/plain") or not typ and not LOOKS_HTML.search(text):
        return plain_literal(text)
    return plain(text)


def _base64_text(s: str | None) -> str | None:
    try:
        return base64.b64decode(s or "").decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def _atom_content(el) -> str:
    """An Atom content/summary as HTML."""
    if el.get("src"):
        return ""
    typ = (el.get("type") or "").strip().lower()
    mode = (el.get("mode") or "").strip().lower()  # Atom 0.3
    if mode == "base64":
        text = _base64_text(el.text)
        if text is None:
            return ""
        return text if "html" in typ else text_to_html(text)
    if typ in ("xhtml", "application/xhtml+xml") or (mode == "xml" and len(el)):
        div = None
        for c in el:
            if isinstance(c.tag, str) and local_name(c.tag) == "div":
                div = c
                break
        only_div = div is not None and len(el) == 1 and not (el.text or "").strip()
        return inner_xml(div if only_div else el)
    if typ in ("html", "text/html") or mode == "escaped":
        return raw_content(el)
    if len(el):  # markup inside without a type: take it as it is
        return inner_xml(el)
    text = el.text or ""
    if not typ and LOOKS_HTML.search(text):  # untyped, but plainly HTML
        return text
    return text_to_html(text)


def _atom_person(el, a: str) -> str:
    name = el.findtext(a + "name")
    if name and not name.isspace():
        return short_plain(name)
    email = el.findtext(a + "email")
    if email and not email.isspace():
        return short_plain(email)
    return author_name(el_text(el)) if not len(el) else ""


def atom_feed(root, ns: str, ctx: ItemContext):
    a = f"{{{ns}}}" if ns else ""
    t = root.find(a + "title")
    title = _atom_text(t) if t is not None else ""
    ln = _atom_links(root, a)
    link = ctx.resolve(ln.get("href"), ln) if ln is not None else None
    if link:
        ctx.base = link
    authors = tuple(uniq([_atom_person(p, a) for p in root.iterchildren(a + "author")]))
    return title, link, root.findall(a + "entry"), authors


@lru_cache(maxsize=8)
def _atom_tags(a: str) -> dict[str, str]:
    """Tag -> field name for the children of an Atom entry in namespace ``a`` ("{ns}")."""
    tags = {a + n: n for n in (
        "title", "id", "content", "summary", "published", "issued", "created", "updated",
        "modified", "author", "category", "link",
    )}  # fmt: skip
    for n, field in (("date", "dc_date"), ("creator", "creator"), ("subject", "subject")):
        tags[f"{{{NS_DC}}}{n}"] = field
        tags[f"dc:{n}"] = field
    tags.update(dict.fromkeys(MEDIA_TAGS, "media"))
    return tags


# One pass over the entry's children, a branch per field: the parser's hot loop.
def atom_entry(entry, ns: str, ctx: ItemContext, feed_authors: tuple[str, ...]) -> FeedItem:  # noqa: C901
    a = f"{{{ns}}}" if ns else ""
    tags = _atom_tags(a)
    title = ""
    guid = content = summary_el = None
    dates: dict[str, str] = {}
    authors: list[str] = []
    cats: list[str] = []
    links = []
    media = None
    for child in entry:
        field = tags.get(child.tag)
        if field is None:
            continue
        if field == "link":
            links.append(child)
        elif field == "title":
            title = _atom_text(child)
        elif field == "id":
            guid = guid or (el_text(child).strip() or None)
        elif field == "content":
            if content is None:
                content = _atom_content(child)
        elif field == "summary":
            if summary_el is None:
                summary_el = child
        elif field == "author":
            authors.append(_atom_person(child, a))
        elif field == "category":
            cats.append(short_plain(child.get("label") or child.get("term") or el_text(child)))
        elif field == "creator":
            authors.append(author_name(el_text(child)))
        elif field == "subject":
            cats.append(short_plain(el_text(child)))
        elif field == "media":
            media = media or Media()
            media.read(child)
        elif field not in dates:  # the date fields
            dates[field] = el_text(child)
    ln = _pick_atom_link(links)
    link = ctx.resolve(ln.get("href"), ln) if ln is not None else None
    for ln in links:
        if (ln.get("rel") or "").strip() == "enclosure":
            media = media or Media()
            media.enclosure(ln.get("href"), ln.get("type"))
    if link is None and guid and guid.startswith(("http://", "https://")):
        link = guid
    body = content or ""
    if summary_el is not None:
        # Escaping at most quintuples plain text: skip converting a summary that cannot win.
        raw = len(summary_el.text or "") if not len(summary_el) else len(body) + 1
        if raw * 5 + 64 > len(body):
            summary = _atom_content(summary_el)
            if len(summary) > len(body):
                body = summary
    enclosures: tuple[tuple[str, str], ...] = ()
    image = None
    if media is not None:
        body, enclosures, image = media.finish(lambda u: ctx.resolve(u, entry), body)
    pub_d = upd_d = None
    if dates:
        g = dates.get
        if "published" in dates or "issued" in dates or "dc_date" in dates or "created" in dates:
            pub_d = ctx.date(g("published"), g("issued"), g("dc_date"), g("created"))
        if "updated" in dates or "modified" in dates:
            upd_d = ctx.date(g("updated"), g("modified"))
    authors = [x for x in authors if x]
    return FeedItem(
        title=title,
        link=link,
        guid=guid,
        published=pub_d if pub_d is not None else upd_d,
        updated=upd_d,
        authors=uniq(authors) or feed_authors,
        categories=uniq(cats),
        content_html=body,
        enclosures=enclosures,
        image=image,
    )
