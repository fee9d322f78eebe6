"""OPML in and out: a reader's subscription list as ``[[sources]]`` tables, and the
configured sources as OPML 2.0 (what Miniflux, FreshRSS and NetNewsWire import).

Reading uses expat directly and refuses any entity declaration before it can be used
(no billion laughs, no external entities; expat never fetches a DTD). Writing uses
ElementTree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from ..errors import InputError
from ._edit import source_with_url, unique_name
from ._model import Config, Source

__all__ = ["OpmlFeed", "OpmlImport", "opml_document", "plan_import", "read_opml"]


@dataclass(frozen=True)
class OpmlFeed:
    """One outline with an ``xmlUrl``."""

    url: str
    title: str  # its text, else its title ("" when it has neither)
    tags: tuple[str, ...]  # the folders it is in, outermost first, then its categories
    html_url: str | None = None


@dataclass
class OpmlImport:
    """What an import adds, and what it skips with the reason."""

    tables: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url or title, why)


class _Refused(Exception):
    pass


def read_opml(data: bytes, where: str) -> list[OpmlFeed]:
    """The feeds of an OPML document, in document order; ``InputError`` when it is not
    OPML that can be read safely."""
    feeds: list[OpmlFeed] = []
    folders: list[str | None] = []  # one per open outline: its folder name, or None
    root: list[str] = []
    parser = xml.parsers.expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise _Refused("it declares entities (refused: they could expand without bound)")

    def start(tag: str, attrs: dict[str, str]) -> None:
        if not root:
            root.append(tag)
            if tag != "opml":
                raise _Refused(f"its root element is <{tag}>, not <opml>")
        if tag != "outline":
            return
        text = " ".join((attrs.get("text") or attrs.get("title") or "").split())
        url = (attrs.get("xmlUrl") or attrs.get("xmlurl") or "").strip()
        if not url:
            folders.append(text or None)
            return
        folders.append(None)  # a feed's children (seldom any) are in no folder of it
        tags = [f for f in folders[:-1] if f]
        categories = attrs.get("category") or attrs.get("categories") or ""
        for category in categories.split(","):
            tags += [part.strip() for part in category.split("/") if part.strip()]
        html_url = (attrs.get("htmlUrl") or "").strip() or None
        # one tag per name whatever its case: a folder "Tech" and a category "/tech" are one
        firsts: dict[str, str] = {}
        for tag in tags:
            firsts.setdefault(tag.casefold(), tag)
        feeds.append(OpmlFeed(url, text, tuple(firsts.values()), html_url))

    def end(tag: str) -> None:
        if tag == "outline":
            folders.pop()

    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise InputError(f"{where}: not read: {exc}") from None
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(f"{where}: not a well-formed OPML file: {exc}") from None
    return feeds


def plan_import(config: Config, feeds: Sequence[OpmlFeed]) -> OpmlImport:
    """The ``[[sources]]`` tables for ``feeds``: names unique, duplicates skipped."""
    from ..util.urls import canonical_url, host_of, is_web_url

    plan = OpmlImport()
    taken = {s.name.casefold() for s in config.sources}
    seen: set[str] = set()
    for feed in feeds:
        if not is_web_url(feed.url):
            plan.skipped.append((feed.url, "not an http(s) URL"))
            continue
        existing = source_with_url(config, feed.url)
        if existing is not None:
            plan.skipped.append((feed.url, f"already a source ({existing.name!r})"))
            continue
        key = canonical_url(feed.url)
        if key in seen:
            plan.skipped.append((feed.url, "twice in the file"))
            continue
        seen.add(key)
        table: dict[str, Any] = {
            "name": unique_name(feed.title or host_of(feed.url) or feed.url, taken),
            "url": feed.url,
        }
        if feed.tags:
            table["tags"] = list(feed.tags)
        plan.tables.append(table)
    return plan


def opml_document(sources: Sequence[Source], title: str, created: datetime) -> bytes:
    """OPML 2.0 of ``sources`` (feeds at http(s) URLs): each source's first tag is its folder,
    its other tags its ``category`` ("/tag" paths), so that an import gives them back."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(created, usegmt=True)
    body = ET.SubElement(opml, "body")
    folders: dict[str, ET.Element] = {}
    for source in sources:
        parent = body
        if source.tags:
            folder = source.tags[0]
            if folder not in folders:
                folders[folder] = ET.SubElement(body, "outline", text=folder, title=folder)
            parent = folders[folder]
        outline = ET.SubElement(parent, "outline", type="rss", text=source.name, title=source.name)
        outline.set("xmlUrl", source.url)
        if source.tags[1:]:
            outline.set("category", ",".join(f"/{tag}" for tag in source.tags[1:]))
    ET.indent(opml)
    return ET.tostring(opml, encoding="utf-8", xml_declaration=True) + b"\n"
