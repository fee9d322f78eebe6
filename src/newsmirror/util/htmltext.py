"""Plain text from HTML, and how long text looks to a reader."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from .htmldepth import limit_depth

__all__ = [
    "CJK_WEIGHT",
    "HIDDEN",
    "html_to_text",
    "node_text",
    "visible_length",
    "visible_squeezed",
]


HIDDEN = "script, style, noscript, template"  # elements whose text no reader sees


def html_to_text(html: str, *, drop: str = HIDDEN) -> str:
    """Plain text of an HTML fragment: block elements separated by line breaks.

    ``drop`` selects the elements whose text is left out (by default those no reader
    sees; the site's excerpts also leave out captions).
    """
    if not html or not html.strip():
        return ""
    # a document parse: stray end tags cannot escape; no deeper than htmldepth allows
    body = LexborHTMLParser(limit_depth(html)).body
    if body is None:
        return ""
    for node in body.css(drop):
        node.decompose()
    for node in body.css("br"):
        node.replace_with("\n")
    for node in body.css(
        "p, div, li, h1, h2, h3, h4, h5, h6, figcaption, blockquote, tr, "
        "pre, section, article, figure, table, ul, ol, dt, dd"
    ):
        node.insert_after("\n")
    for node in body.css("td, th"):
        # cells of a row on one line, apart: tables written without whitespace between
        # cells ("<td>Kyle Busch</td><td>50</td>") read "Kyle Busch50" otherwise
        node.insert_after(" ")
    text = body.text(deep=True, separator="") or ""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def node_text(node) -> str:
    """The text of a parsed node on one line: its text nodes joined, whitespace folded."""
    return " ".join((node.text(deep=True, separator=" ") or "").split())


_CJK = re.compile(
    r"[\u3000-\u303f\uff00-\uffef\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    r"\U00020000-\U0002fa1f]"
)


_CJK_RUN = re.compile(_CJK.pattern + "+")


CJK_WEIGHT = 4  # one CJK character (or CJK punctuation) weighs four Latin characters


def visible_length(text: str) -> int:
    """Length of ``text`` without whitespace, CJK characters counted ``CJK_WEIGHT`` times."""
    return visible_squeezed("".join(text.split()))


def visible_squeezed(squeezed: str) -> int:
    # runs, not single characters: findall then builds one string per run, not one per
    # character (docs/PERFORMANCE.md, "Generic extraction")
    return len(squeezed) + (CJK_WEIGHT - 1) * sum(map(len, _CJK_RUN.findall(squeezed)))
