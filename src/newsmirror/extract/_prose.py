"""Prose in an extraction: the paragraphs a precision filter must not drop on a guess.

What the post-filter (``_focus``) drops on the Chinese portals it was made for is short and
shaped like boilerplate: headline repeats, bylines, tab labels, link lists. Where it dropped
a paragraph of running text, it had chosen one part of an article split over several
containers (a wiki's sections, a shop page's tabs, a podcast's show notes), and the page
lost most of its text (bench/bench_extract_quality.py on the development set).
"""

from __future__ import annotations

from ..util.htmltext import visible_squeezed
from ._blocks import leaf_blocks

# leaf blocks of trafilatura's HTML output that hold running text
_PROSE_TAGS = "p, li, blockquote, pre, dd, td"
_LINKED_AT_MOST = 0.3  # share of a paragraph's text in links; above it, a link list
PROSE_AT_LEAST = 150  # visible characters (CJK weighing 4): a paragraph, not a label


def prose_blocks(body, *, by_line: bool = False) -> dict[str, int]:
    """Each prose paragraph under ``body``, by its squeezed text, with its own (non-link)
    visible length. ``by_line``: a paragraph's lines count apart (trafilatura's
    last-resort dump of a page is one paragraph of the page's lines)."""
    found: dict[str, int] = {}
    for node in leaf_blocks(body, _PROSE_TAGS):  # a list's items count, not the list
        raw = node.text(deep=True) or ""
        text = "".join(raw.split())
        if not text:
            continue
        linked = sum(len("".join((a.text(deep=True) or "").split())) for a in node.css("a"))
        if linked > _LINKED_AT_MOST * len(text):
            continue
        lines = [line for line in ("".join(part.split()) for part in raw.split("\n")) if line]
        if not by_line or len(lines) == 1:
            found[text] = visible_squeezed(text) - linked
        else:
            for line in lines:
                found[line] = visible_squeezed(line)
    return found


def block_texts(body) -> set[str]:
    """The squeezed texts of the blocks ``prose_blocks`` reads, prose or not: what is left
    of them after a filter ran (cheaper than measuring them again)."""
    return {
        "".join((node.text(deep=True) or "").split()) for node in leaf_blocks(body, _PROSE_TAGS)
    }


def dropped_prose(before: dict[str, int], kept: set[str]) -> int:
    """The longest paragraph of ``before`` whose text is not in ``kept``."""
    return max((n for text, n in before.items() if text not in kept), default=0)
