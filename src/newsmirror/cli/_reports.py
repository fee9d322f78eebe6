"""Reports of extraction for the ``extract`` and ``test-rule`` commands: the same decode,
extract and clean as a run, with what each rule and selector matched."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from ..clean import clean_html
from ..config import Listing, Rule
from ..errors import ListingError, RuleError
from ..extract import TRAFILATURA, extract, json_article, rule_matches, select_all, select_rule
from ..util.charset import decode
from ..util.htmldepth import limit_depth
from ..util.htmltext import html_to_text, node_text
from ..util.urls import host_of
from ..util.zones import zone

__all__ = ["explain_listing", "explain_rule", "extract_page"]


def extract_page(
    body: bytes,
    url: str | None,
    rules: Sequence[Rule] = (),
    *,
    content_type: str | None = None,
    default_tz: str = "UTC",
) -> dict[str, Any]:
    """For ``newsmirror extract``: decode, extract, clean; a JSON-ready dict."""

    text, _encoding = decode(body, content_type)
    page_url = url or "http://localhost/"
    result = extract(text, page_url, rules, default_tz=default_tz)
    content = clean_html(result.content_html, result.base_url) if result.content_html else ""
    return {
        "title": result.title,
        "date": result.published.isoformat() if result.published else None,
        "author": result.author,
        "content_html": content,
        "text": html_to_text(content),
        "rule": result.rule,
    }


def _preview(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain_rule(html: str, url: str, rules: Sequence[Rule] = ()) -> dict[str, Any]:
    """For ``newsmirror test-rule``: which rule applies, what each selector matched."""
    host = host_of(url)
    considered = []
    chosen = select_rule(url, rules)
    for rule in rules:
        if rule is chosen:
            why = "applies"
        elif rule_matches(rule, host):
            why = "overridden by a more specific or later rule for " + (
                chosen.domain if chosen else "?"
            )
        else:
            why = f"domain {rule.domain} does not match host {host or '?'}"
        if rule_matches(rule, host) or rule is chosen:
            considered.append({"domain": rule.domain, "status": why})
    report: dict[str, Any] = {
        "url": url,
        "host": host,
        "rule": chosen.domain if chosen else None,
        "considered": considered,
        "selectors": [],
    }
    tree = LexborHTMLParser(limit_depth(html))  # as extract parses it
    if chosen is not None:
        tz = zone(chosen.timezone or "UTC")
        for field_name, selectors in (
            ("content", chosen.content),
            ("remove", chosen.remove),
            ("title", (chosen.title,) if chosen.title else ()),
            ("date", (chosen.date,) if chosen.date else ()),
            ("author", (chosen.author,) if chosen.author else ()),
        ):
            for selector in selectors:
                entry: dict[str, Any] = {"field": field_name, "selector": selector}
                if selector.startswith("json:"):
                    found = json_article(tree, selector[5:].strip(), tz)
                    entry["count"] = 1 if found else 0
                    entry["preview"] = _preview(html_to_text(found["content"])) if found else ""
                else:
                    try:
                        nodes = select_all(tree, selector)
                    except RuleError as exc:
                        entry.update(count=0, error=str(exc))
                        report["selectors"].append(entry)
                        continue
                    entry["count"] = len(nodes)
                    entry["preview"] = _preview(node_text(nodes[0])) if nodes else ""
                report["selectors"].append(entry)
    result = extract(html, url, rules)
    report["used"] = result.rule
    if chosen is not None and result.rule == TRAFILATURA:
        report["note"] = f"rule {chosen.domain} matched no content; the generic extractor was used"
    cleaned = clean_html(result.content_html, result.base_url) if result.content_html else ""
    report.update(
        title=result.title,
        date=result.published.isoformat() if result.published else None,
        author=result.author,
        content_html=cleaned,
        text=html_to_text(cleaned),
    )
    return report


def explain_listing(
    html: str, url: str, listing: Listing, timezone: str = "UTC", now: datetime | None = None
) -> dict[str, Any]:
    """For ``newsmirror test-rule`` on a listing page: the links a run would find, with
    their titles and dates, the next page, and the error when there are none."""
    from ..feeds import parse_listing
    from ..feeds._listing import next_page

    selectors = {
        key: value for key, value in vars(listing).items() if value is not None and key != "pages"
    }
    report: dict[str, Any] = {
        "url": url,
        "timezone": timezone,
        "selectors": selectors,
        "pages": listing.pages,
        "items": [],
        "warnings": [],
        "next": None,
        "error": None,
    }
    try:
        feed = parse_listing(html, url, listing, timezone, now=now)
    except ListingError as exc:
        report["error"] = str(exc)
        return report
    report["items"] = [
        {
            "link": item.link,
            "title": item.title,
            "date": item.published.astimezone(zone(timezone)).isoformat()
            if item.published
            else None,
        }
        for item in feed.items
    ]
    report["warnings"] = list(feed.warnings)
    report["next"] = next_page(html, url, listing)
    return report
