"""A site rule applied to a page: its title, date and author selectors, then its content
(``json:`` hooks first, then CSS selectors, with the rule's removals)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from ..config import Rule
from ..errors import RuleError
from ..util.htmltext import html_to_text, node_text
from ._hooks import json_article
from ._metadata import date_of


def select_all(tree_or_node, selector: str) -> list:
    try:
        return tree_or_node.css(selector)
    except Exception as exc:  # noqa: BLE001 - selectolax raises several error types
        raise RuleError(f"invalid CSS selector {selector!r}: {exc}") from None


def _outermost(nodes: Iterable) -> list:
    chosen: list = []
    ids: set[int] = set()
    for node in nodes:  # document order: an ancestor comes before its descendants
        parent, nested = node.parent, False
        while parent is not None:
            if parent.mem_id in ids:
                nested = True
                break
            parent = parent.parent
        if not nested and node.mem_id not in ids:
            chosen.append(node)
            ids.add(node.mem_id)
    return chosen


def rule_fields(tree, rule: Rule, tz: tzinfo) -> dict[str, Any]:
    """The rule's title, date and author selectors (before ``rule_content`` removes nodes)."""
    out: dict[str, Any] = {
        "content": "",
        "has_content": False,
        "title": None,
        "date": None,
        "author": None,
    }
    if rule.title:
        node = tree.css_first(rule.title)
        out["title"] = node_text(node) or None if node is not None else None
    if rule.date:
        node = tree.css_first(rule.date)
        out["date"] = date_of(node, tz) if node is not None else None
    if rule.author:
        node = tree.css_first(rule.author)
        out["author"] = node_text(node) or None if node is not None else None
    return out


def rule_content(tree, rule: Rule, tz: tzinfo, out: dict[str, Any]) -> None:
    """Fill ``out`` with the rule's content (json: hooks, then CSS with removals)."""
    css_selectors = [s for s in rule.content if not s.startswith("json:")]
    for hook in (s for s in rule.content if s.startswith("json:")):
        found = json_article(tree, hook[5:].strip(), tz)
        if found and found["content"].strip():
            out.update({k: v for k, v in found.items() if v or k == "content"})
            out["has_content"] = _has_content(out["content"])
            css_selectors = []
            break
    if css_selectors:
        nodes = _outermost(select_all(tree, ", ".join(css_selectors)))
        for selector in rule.remove:
            for node in nodes:
                for junk in select_all(node, selector):
                    junk.decompose()
        out["content"] = "".join(n.html or "" for n in nodes)
        # judged on the nodes themselves: re-parsing the serialized content cost a parse
        out["has_content"] = any(_node_has_content(n) for n in nodes)


_MEDIA = frozenset({"img", "video", "iframe"})


def _node_has_content(node) -> bool:
    """``_has_content(node.html)`` without serializing and re-parsing the node."""
    if node.tag in _MEDIA or node.css_first("img, video, iframe") is not None:
        return True
    text = node.text(deep=True) or ""
    if not text.strip():
        return False
    if (
        node.tag in ("script", "style", "noscript", "template")
        or node.css_first("script, style, noscript, template") is not None
    ):
        return _has_content(node.html or "")  # text may all be script: the exact check
    return True


def _has_content(html: str) -> bool:
    if not html.strip():
        return False
    tree = LexborHTMLParser(html, is_fragment=True)
    if tree.css_first("img, video, iframe"):
        return True
    return bool(html_to_text(html).strip())
