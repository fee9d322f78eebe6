"""Figures (with captions) and images the generic extractor dropped, put back in place."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..util.htmltext import node_text, visible_length
from ..util.images import LAZY_ATTRS
from ..util.urls import absolute_url
from ._blocks import BLOCKS, text_key


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


# Candidates are found and judged in one pass over the page's figures and images.
def restore_images(tree, out, base: str) -> None:  # noqa: C901
    """Put back figures (with captions) and images trafilatura dropped, at their place."""
    body = tree.body
    if body is None:
        return
    order: dict[int, int] = {}
    for index, node in enumerate(body.traverse()):
        order[node.mem_id] = index
    by_text: dict[str, Any] = {}
    for node in body.css(BLOCKS):
        key = text_key(node)
        if len(key) >= 4:
            by_text.setdefault(key, node)
    blocks = []  # (output node, original index)
    kept_parents: set[int] = set()  # containers of the blocks trafilatura kept
    for node in out.body.css(BLOCKS):
        key = text_key(node)
        original = by_text.get(key) if len(key) >= 4 else None
        if original is not None:
            blocks.append((node, order.get(original.mem_id, -1)))
            if original.parent is not None:
                kept_parents.add(original.parent.mem_id)
    if not blocks:
        return
    first_idx = min(i for _, i in blocks)
    last_idx = max(i for _, i in blocks)
    present = {absolute_url(i.attributes.get("src") or "", base) for i in out.body.css("img")}
    out_text = "".join((out.body.text(deep=True) or "").split())
    candidates = []
    for node in body.css("figure, img, amp-img"):
        if node.tag in ("img", "amp-img") and _ancestor(node, "figure") is not None:
            continue
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
    for idx, node, urls in candidates:
        for img in out.body.css("img"):  # the figure replaces trafilatura's bare copy
            if absolute_url(img.attributes.get("src") or "", base) in urls:
                img.decompose()
        following = next((b for b, i in blocks if i > idx), None)
        copy = LexborHTMLParser(
            _AMP_IMG.sub(lambda m: "" if m.group(1) else "<img", node.html or ""), is_fragment=True
        ).root
        if copy is None:
            continue
        if following is not None and following.parent is not None:
            target = following
            while target.parent is not None and target.parent.tag not in ("body", "html"):
                target = target.parent
            target.insert_before(copy)
        else:
            out.body.insert_child(copy)
        present.update(urls)


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
