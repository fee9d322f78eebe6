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


def leaf_blocks(body, selector: str) -> list:
    """The elements under ``body`` matching ``selector`` that hold no other match, in
    document order. One query and a walk up from each match: asking each match for its
    own matches costs a query per element (and lexbor's ``css`` matches the element
    itself)."""
    found = body.css(selector)
    ids = {node.mem_id for node in found}
    holders: set[int] = set()
    for node in found:
        parent = node.parent
        while parent is not None and parent.mem_id != body.mem_id:
            if parent.mem_id in ids:
                holders.add(parent.mem_id)
                break
            parent = parent.parent
    return [node for node in found if node.mem_id not in holders]


def inside(node, ids: set[int]) -> bool:
    """Whether ``node`` or one of its ancestors is one of the nodes ``ids`` (mem_ids)."""
    while node is not None:
        if node.mem_id in ids:
            return True
        node = node.parent
    return False
