"""RSS 0.9x/2.0 and RSS 1.0 (RDF): channels and items."""

from __future__ import annotations

from ..model import FeedItem
from ._context import ItemContext
from ._media import MEDIA_TAGS, Media, text_or_html
from ._names import (
    NS_ATOM,
    NS_CONTENT,
    NS_DC,
    NS_DCT,
    NS_ITUNES,
    NS_RSS090,
    NS_RSS10,
    RDF_ABOUT,
    local_name,
)
from ._text import author_name, el_text, plain, raw_content, short_plain, uniq

# Field codes for the children of an RSS / RDF item.
(
    _TITLE, _LINK, _GUID, _DESC, _CONTENT, _PUB, _PUB2, _UPD, _AUTHOR, _CAT, _ALINK, _DCTITLE,
    _MORE, _ENCL, _MEDIA,
) = range(15)  # fmt: skip


def _rss_item_tags() -> dict[object, int]:
    tags: dict[object, int] = {
        "title": _TITLE, "link": _LINK, "guid": _GUID, "description": _DESC,
        "pubDate": _PUB, "pubdate": _PUB, "author": _AUTHOR, "category": _CAT,
        # dc/dcterms/atom extensions, also in their undeclared-prefix spelling which
        # lxml's recovering parser produces when a feed forgets the xmlns.
        f"{{{NS_CONTENT}}}encoded": _CONTENT, "content:encoded": _CONTENT,
        f"{{{NS_DC}}}date": _PUB2, "dc:date": _PUB2,
        f"{{{NS_DCT}}}issued": _PUB2, f"{{{NS_DCT}}}created": _PUB2,
        f"{{{NS_ATOM}}}published": _PUB2, "atom:published": _PUB2,
        f"{{{NS_ATOM}}}updated": _UPD, "atom:updated": _UPD, f"{{{NS_DCT}}}modified": _UPD,
        f"{{{NS_DC}}}creator": _AUTHOR, "dc:creator": _AUTHOR,
        f"{{{NS_DC}}}subject": _CAT, "dc:subject": _CAT,
        f"{{{NS_DC}}}title": _DCTITLE, "dc:title": _DCTITLE,
        f"{{{NS_ATOM}}}link": _ALINK, "atom:link": _ALINK,
        # more places for the text (podcasts, YouTube, Dublin Core) and the media
        f"{{{NS_ITUNES}}}summary": _MORE, "itunes:summary": _MORE,
        "{http://www.itunes.com/DTDs/Podcast-1.0.dtd}summary": _MORE,  # Apple's old case
        f"{{{NS_DC}}}description": _MORE, "dc:description": _MORE,
        "enclosure": _ENCL,
        **dict.fromkeys(MEDIA_TAGS, _MEDIA),
    }  # fmt: skip
    for ns in (NS_RSS10, NS_RSS090):
        tags[f"{{{ns}}}title"] = _TITLE
        tags[f"{{{ns}}}link"] = _LINK
        tags[f"{{{ns}}}description"] = _DESC
    return tags


_RSS_ITEM_TAGS = _rss_item_tags()


def rss_channel(root, ns: str, ctx: ItemContext):
    p = f"{{{ns}}}" if ns else ""
    channel = root if local_name(root.tag) == "channel" else root.find(p + "channel")
    title = ""
    link = None
    if channel is not None:
        title, link = _channel_title_link(channel, p, ctx)
        items = channel.findall(p + "item")
        if not items:
            items = root.findall(p + "item")
    else:
        ctx.warnings.append("no <channel> element")
        items = root.findall(p + "item")
    return title, link, items


def rdf_channel(root, ctx: ItemContext):
    for ns in (NS_RSS10, NS_RSS090, ""):
        p = f"{{{ns}}}" if ns else ""
        channel = root.find(p + "channel")
        items = root.findall(p + "item")
        if channel is not None and not items:
            items = channel.findall(p + "item")
        if channel is not None or items:
            title, link = (
                _channel_title_link(channel, p, ctx) if channel is not None else ("", None)
            )
            return title, link, items
    return "", None, []


def _channel_title_link(channel, p: str, ctx: ItemContext):
    t = channel.find(p + "title")
    title = plain(el_text(t)) if t is not None else ""
    link = None
    el = channel.find(p + "link")
    if el is not None and el_text(el).strip():
        link = ctx.resolve(el_text(el), el)
    else:
        for al in channel.iterchildren(f"{{{NS_ATOM}}}link"):
            if al.get("rel", "alternate") == "alternate" and al.get("href"):
                link = ctx.resolve(al.get("href"), al)
                break
    if link:
        ctx.base = link
    return title, link


# One pass over the item's children, a branch per field: the parser's hot loop.
def rss_item(item, ctx: ItemContext, ns: str) -> FeedItem:  # noqa: C901
    tags = _RSS_ITEM_TAGS
    title = link = guid = desc = content = pub = pub2 = upd = dctitle = None
    link_el = guid_el = alink = None
    authors: list[str] = []
    cats: list[str] = []
    more: list[str] = []
    media = None
    for child in item:
        code = tags.get(child.tag)
        if code is None:
            if ns and isinstance(child.tag, str) and child.tag.startswith("{" + ns + "}"):
                code = tags.get(child.tag[len(ns) + 2 :])
            if code is None:
                continue
        if code == _DESC:
            if desc is None:
                desc = raw_content(child)
        elif code == _CONTENT:
            if content is None:
                content = raw_content(child)
        elif code == _TITLE:
            if title is None:
                title = el_text(child)
        elif code == _LINK:
            if link is None:
                link = el_text(child).strip() or None
                link_el = child
        elif code == _GUID:
            if guid is None:
                guid = el_text(child).strip() or None
                guid_el = child
        elif code == _PUB:
            if pub is None:
                pub = el_text(child)
        elif code == _PUB2:
            if pub2 is None:
                pub2 = el_text(child)
        elif code == _UPD:
            if upd is None:
                upd = el_text(child)
        elif code == _AUTHOR:
            if len(child) and child.find(f"{{{NS_ATOM}}}name") is not None:
                authors.append(author_name(el_text(child.find(f"{{{NS_ATOM}}}name"))))
            else:
                authors.append(author_name(el_text(child)))
        elif code == _CAT:
            cats.append(short_plain(el_text(child)))
        elif code == _ALINK:
            if alink is None and child.get("rel", "alternate") == "alternate" and child.get("href"):
                alink = child
        elif code == _DCTITLE:
            if dctitle is None:
                dctitle = el_text(child)
        elif code == _MORE:
            text = raw_content(child)
            if text:
                more.append(text if local_name(child.tag) == "description" else text_or_html(text))
        elif code == _ENCL:
            media = media or Media()
            media.enclosure(child.get("url"), child.get("type"))
        elif code == _MEDIA:
            media = media or Media()
            media.read(child)

    if link is not None:
        link = ctx.resolve(link, link_el)
    elif alink is not None:
        link = ctx.resolve(alink.get("href"), alink)
    elif (
        guid
        and guid_el is not None
        and guid_el.get("isPermaLink", "true").strip().lower() != "false"
    ):
        if guid.startswith(("http://", "https://")):
            link = guid
    if guid is None:
        about = item.get(RDF_ABOUT)
        if about:
            guid = about.strip() or None

    # The fullest body; content:encoded wins ties, then description.
    body = content or ""
    if desc and len(desc) > len(body):
        body = desc
    for text in more:
        if len(text) > len(body):
            body = text
    enclosures: tuple[tuple[str, str], ...] = ()
    image = None
    if media is not None:
        body, enclosures, image = media.finish(lambda u: ctx.resolve(u, item), body)

    published = ctx.date(pub, pub2) if (pub or pub2) else None
    updated = ctx.date(upd) if upd else None
    if published is None:
        published = updated
    return FeedItem(
        title=plain(title if title is not None else dctitle),
        link=link,
        guid=guid,
        published=published,
        updated=updated,
        authors=uniq(authors),
        categories=uniq(cats),
        content_html=body,
        enclosures=enclosures,
        image=image,
    )
