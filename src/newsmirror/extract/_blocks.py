"""Text blocks of a page, keyed by the start of their text: how the generic extractor's
output is matched back to the page it came from."""

from __future__ import annotations

BLOCKS = "p, h1, h2, h3, h4, h5, h6, li, blockquote, pre, td, figcaption, dd"


def norm(text: str) -> str:
    return "".join(text.split())[:40]


def text_key(node) -> str:
    """``norm(node_text(node))``: the first 40 non-space characters of the node's text,
    read from a prefix when that holds them (nested blocks repeat long texts)."""
    text = node.text(deep=True) or ""
    head = "".join(text[:160].split())
    if len(head) >= 40 or len(text) <= 160:
        return head[:40]
    return "".join(text.split())[:40]
