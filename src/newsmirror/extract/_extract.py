"""Article pages -> :class:`Extracted`: site rules first, metadata fallbacks, the generic
extractor last.

Rules (``data/rules.toml`` and the user's ``[rules."domain"]``) name CSS selectors. A rule
applies to its domain and subdomains, judged on the *final* URL after redirects. A content
entry ``json:NAME`` is a hook for pages that embed the article as JSON (``_hooks``); it
is tried before the CSS selectors of the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from ..config import Rule
from ..model import Extracted, MetadataField
from ..util.htmldepth import limit_depth
from ..util.zones import zone
from ._generic import trafilatura_article
from ._metadata import BASE_TAG, FIELDS, PageNodes, metadata_of, page_base, page_nodes
from ._rules import select_rule
from ._site_rule import rule_content, rule_fields

__all__ = ["TRAFILATURA", "extract"]

TRAFILATURA = "trafilatura"


def _page_zone(rule: Rule | None, default_tz: str | tzinfo) -> tzinfo:
    """Dates without a zone are read in the rule's zone, else the source's."""
    if rule is not None and rule.timezone:
        return zone(rule.timezone)
    return default_tz if isinstance(default_tz, tzinfo) else zone(default_tz or "UTC")


def extract(
    html: str,
    url: str,
    rules: Sequence[Rule] = (),
    *,
    default_tz: str | tzinfo = "UTC",
    utf8: bytes | None = None,
    metadata: Iterable[MetadataField] = FIELDS,
) -> Extracted:
    """The article of ``html`` fetched from ``url`` (the final URL after redirects).

    ``metadata`` names the fields ("title", "date", "author") to look for in the page's
    ld+json, meta tags, ``<time>`` and ``<title>`` when the rule's selectors do not give
    them; the pipeline asks only for what the feed item lacks (the rest stays None).

    ``utf8``, when given, must be exactly ``html.encode("utf-8")`` (the fetched body, when
    it decoded strictly as UTF-8): the parser takes it as is instead of encoding ``html``
    again, a cost on every page (docs/PERFORMANCE.md, "Decoding").
    """
    rule = select_rule(url, rules)
    tz = _page_zone(rule, default_tz)
    flat = limit_depth(html)  # parsing takes time growing with the depth squared
    if flat is not html:
        html, utf8 = flat, None
    tree = LexborHTMLParser(utf8 if utf8 is not None else html)
    content, used = "", TRAFILATURA
    found: dict[str, Any] = {}
    if rule is not None:
        found = rule_fields(tree, rule, tz)
    # page metadata only for what the rule's selectors did not find, and before the
    # rule's ``remove`` selectors change the tree
    want = [k for k in metadata if not found.get(k)]
    # no metadata wanted and no "<base" in the source: the tree walk has nothing to find
    page = page_nodes(tree) if want or BASE_TAG.search(html) else PageNodes()
    base = page_base(page, url)
    meta = metadata_of(page, tz, want)
    if rule is not None:
        rule_content(tree, rule, tz, found)
        if found["has_content"]:
            content, used = found["content"], rule.domain
    if used == TRAFILATURA:
        # the rule may have removed nodes from ``tree``: restore images from a fresh parse
        content = trafilatura_article(html, LexborHTMLParser(html) if found else tree, url)
    return Extracted(
        content_html=content,
        rule=used,
        base_url=base,
        title=found.get("title") or meta["title"],
        published=found.get("date") or meta["date"],
        author=found.get("author") or meta["author"],
        updated=meta["updated"],
    )
