"""Figures (with captions) and images the generic extractor dropped, put back in place."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..util.htmltext import node_text, visible_length
from ..util.images import LAZY_ATTRS
from ..util.urls import absolute_url
from ._blocks import BLOCKS, inside, text_key


def _image_url(node, base: str) -> str | None:
    attrs = node.attributes
    for name in (*LAZY_ATTRS, "src"):
        value = attrs.get(name)
        if value and not value.strip().lower().startswith("data:"):
            return absolute_url(value, base)
    return None


_DECORATION = re.compile(
    r"(?:icon|logo|avatar|emoji|/face|qrcode|qr_code|repost|share|"
    r"sprite|button|default_user|badge|arrow)",
    re.I,
)


def _small(node) -> bool:
    for attr in ("width", "height"):
        value = (node.attributes.get(attr) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < 60:
            return True
    return False


def restore_images(tree, out, base: str) -> None:
    """Put back figures (with captions) and images trafilatura dropped, at their place."""
    body = tree.body
    if body is None:
        return
    order: dict[int, int] = {}
    for index, node in enumerate(body.traverse()):
        order[node.mem_id] = index
    blocks, kept_parents = _kept_blocks(body, out, order)
    if not blocks:
        return
    restored: set[str] = set()
    for idx, node, urls in _candidates(body, out, base, order, blocks, kept_parents):
        # one image, once: a figure inside a figure, or the <noscript> copy of a lazy
        # image, is the same picture (and caption) again
        if restored.issuperset(urls):
            continue
        for img in out.body.css("img"):  # the figure replaces trafilatura's bare copy
            if absolute_url(img.attributes.get("src") or "", base) in urls:
                img.decompose()
        _insert(out, node, idx, blocks)
        blocks = _without_copies_of(node, blocks, body, order)
        restored.update(urls)


# Output block, its original on the page, the original's place in the page.
_Block = tuple[Any, Any, int]


def _kept_blocks(body, out, order: dict[int, int]) -> tuple[list[_Block], set[int]]:
    """The output's text blocks found on the page, and the containers of their originals."""
    by_text: dict[str, Any] = {}
    for node in body.css(BLOCKS):
        key = text_key(node)
        if len(key) >= 4:
            by_text.setdefault(key, node)
    blocks: list[_Block] = []
    kept_parents: set[int] = set()  # containers of the blocks trafilatura kept
    for node in out.body.css(BLOCKS):
        key = text_key(node)
        original = by_text.get(key) if len(key) >= 4 else None
        if original is not None:
            blocks.append((node, original, order.get(original.mem_id, -1)))
            if original.parent is not None:
                kept_parents.add(original.parent.mem_id)
    return blocks, kept_parents


# Candidates are found and judged in one pass over the page's figures and images.
def _candidates(  # noqa: C901
    body, out, base: str, order: dict[int, int], blocks: list[_Block], kept_parents: set[int]
) -> list[tuple[int, Any, list[str]]]:
    """(place on the page, node to copy, image URLs) of the figures and images to restore."""
    first_idx = min(i for _, _, i in blocks)
    last_idx = max(i for _, _, i in blocks)
    present = {absolute_url(i.attributes.get("src") or "", base) for i in out.body.css("img")}
    out_text = "".join((out.body.text(deep=True) or "").split())
    candidates = []
    for node in body.css("figure, img, amp-img"):
        if _ancestor(node, "figure") is not None:
            continue  # an image or a figure in a figure comes with the outer one
        idx = order.get(node.mem_id, -1)
        if not first_idx - 40 <= idx <= last_idx:
            continue
        if node.tag in ("img", "amp-img") and (
            _ancestor_any(node, ("nav", "header", "footer", "aside")) is not None
            or _link_away(node)
        ):
            continue
        imgs = [node] if node.tag in ("img", "amp-img") else node.css("img, amp-img")
        urls = [
            u
            for u in (_image_url(i, base) for i in imgs if not _small(i))
            if u and not _DECORATION.search(urlsplit(u).path)
        ]
        if not urls:
            continue
        has_caption = node.tag == "figure" and node.css_first("figcaption") is not None
        if node.tag in ("img", "amp-img"):
            wrapper = _caption_wrapper(node, out_text, kept_parents)
            if wrapper is not None:
                node, has_caption = wrapper, True
        if all(u in present for u in urls) and not has_caption:
            continue
        candidates.append((idx, node, urls))
    return candidates


def _insert(out, node, idx: int, blocks: list[_Block]) -> None:
    """A copy of ``node`` into the output, before the first kept block that follows it."""
    copy = LexborHTMLParser(
        _AMP_IMG.sub(lambda m: "" if m.group(1) else "<img", node.html or ""), is_fragment=True
    ).root
    if copy is None:
        return
    _caption_once(copy)
    following = next((b for b, _, i in blocks if i > idx), None)
    if following is not None and following.parent is not None:
        target = following
        while target.parent is not None and target.parent.tag not in ("body", "html"):
            target = target.parent
        target.insert_before(copy)
    else:
        out.body.insert_child(copy)


def _without_copies_of(node, blocks: list[_Block], body, order: dict[int, int]) -> list[_Block]:
    """Drop the output blocks that copy a text of ``node`` (now restored whole): the caption
    trafilatura kept as a paragraph would otherwise be read twice."""
    # the page's nodes are numbered in document order: ``node``'s descendants follow it
    start = order.get(node.mem_id, -1)
    end = start + sum(1 for _ in node.traverse())
    copies = {b[0].mem_id for b in blocks if start < b[2] < end and _only_in(b[0], node, body)}
    if not copies:
        return blocks
    # blocks nest (<li><p>): decide on every block before freeing any, and free only the
    # outermost copy - lexbor frees its descendants with it
    kept: list[_Block] = []
    gone: list[_Block] = []
    for block in blocks:
        (gone if inside(block[0], copies) else kept).append(block)
    for out_node, _, _ in gone:
        if not inside(out_node.parent, copies):
            out_node.decompose()
    return kept


def _only_in(block, node, body) -> bool:
    """Whether the whole text of output ``block`` is a block of ``node`` and of no block
    outside it: blocks are matched by their first 40 characters, and a caption may begin
    like the article's first paragraph."""
    text = _squeezed(block)
    if not text:
        return False
    inside = sum(_squeezed(n) == text for n in node.css(BLOCKS))
    return inside > 0 and sum(_squeezed(n) == text for n in body.css(BLOCKS)) == inside


def _squeezed(node) -> str:
    return "".join((node.text(deep=True) or "").split())


def _caption_once(copy) -> None:
    """A figure's caption once: lightbox markup repeats it in a hidden block beside the
    ``<figcaption>``."""
    captions = {_squeezed(c) for c in copy.css("figcaption")} - {""}
    if not captions:
        return
    repeats = [
        node
        for node in copy.css("div, p, span")
        if _squeezed(node) in captions
        and _ancestor(node, "figcaption") is None
        and node.css_first("figcaption, img, picture, video") is None  # not its wrapper
    ]
    ids = {node.mem_id for node in repeats}
    for node in repeats:
        if not inside(node.parent, ids):  # the outermost only: it frees the rest
            node.decompose()


_AMP_IMG = re.compile(r"<(/)?amp-img\b(?(1)\s*>)", re.I)  # AMP pages: <amp-img> -> <img>


_IMAGE_HREF = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#&])|showimage", re.I)


def _link_away(img) -> bool:
    """Whether ``img`` sits in a link to another page (a thumbnail), not to a bigger image."""
    a = _ancestor(img, "a")
    return a is not None and not _IMAGE_HREF.search(a.attributes.get("href") or "")


def _caption_wrapper(img, out_text: str, kept_parents: set[int]):
    """The block holding ``img`` and a short caption trafilatura did not keep, or None.

    Chinese portals write captions as text beside the image in the same ``<p>`` or
    ``<div class="img_wrapper">`` (no ``<figure>``); restoring only the ``<img>`` would drop
    them. The block must hold this one image, at most 200 (CJK-weighted) characters, no
    linked text, and sit beside paragraphs trafilatura kept (not in a comment or a card).
    """
    parent = img.parent
    while parent is not None and parent.tag in ("a", "span", "picture", "center"):
        parent = parent.parent
    if (
        parent is None
        or parent.tag not in ("p", "div")
        or parent.parent is None
        or parent.parent.mem_id not in kept_parents
    ):
        return None
    if len(parent.css("img")) != 1 or any(node_text(a) for a in parent.css("a")):
        return None  # a caption is plain text: linked text is a name, a headline, a tag
    text = "".join(node_text(parent).split())
    if len(text) < 2 or visible_length(text) > 200 or text in out_text:
        return None  # no caption, not a caption, or trafilatura kept it already
    return parent


def _ancestor(node, tag: str):
    parent = node.parent
    while parent is not None:
        if parent.tag == tag:
            return parent
        parent = parent.parent
    return None


def _ancestor_any(node, tags: tuple[str, ...]):
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return parent
        parent = parent.parent
    return None
