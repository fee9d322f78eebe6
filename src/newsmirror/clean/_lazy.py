"""Lazy images made real: ``data-src`` and friends to ``src`` in place, ``data-srcset`` to
``srcset``, a single-image ``<noscript>`` unwrapped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from ..util.images import LAZY_ATTRS, LAZY_SRCSET_ATTRS

_PLACEHOLDER_NAME = re.compile(
    r"(?:^|[/_.-])(?:blank|spacer|pixel|transparent|placeholder|lazy|lazyload|loading|"
    r"loader|spinner|grey|gray|empty|1x1|dot|clear|trans|default)[^/]*\."
    r"(?:gif|png|svg|jpe?g|webp)$",
    re.I,
)


def _is_placeholder(src: str | None) -> bool:
    """Missing, empty, a ``data:`` URI or a known spinner/blank image name."""
    if src is None:
        return True
    src = src.strip()
    if not src or src == "#" or src.lower().startswith(("data:", "about:")):
        return True
    path = urlsplit(src).path if "://" in src or src.startswith("/") else src.split("?")[0]
    return bool(_PLACEHOLDER_NAME.search(path))


def _real_candidate(attrs: dict, names: Sequence[str]) -> str | None:
    for name in names:
        value = attrs.get(name)
        if value and value.strip() and not value.strip().lower().startswith("data:"):
            return value.strip()
    return None


_ANY_LAZY = frozenset(LAZY_ATTRS + LAZY_SRCSET_ATTRS)


# "<noscript" in any letter case, spelled out: unlike re.I, a pattern starting with a
# literal "<" lets the regex engine skip ahead to each "<" (docs/PERFORMANCE.md,
# "Cleaning"). Tag names are ASCII case-insensitive, so this finds every <noscript> the
# parser can see.
_NOSCRIPT = re.compile(r"<[nN][oO][sS][cC][rR][iI][pP][tT]")


def fix_lazy(tree, html: str, media: list) -> bool:
    """Lazy images made real; True when a ``<noscript>`` was unwrapped or dropped (the
    tree then has other nodes than ``media``).

    ``media``: (node, tag, attributes) of the nodes to look at (``_cleaner.media_of``); an
    attribute set on a node is set in its dict too, which the later steps read."""
    for node, tag, values in media:
        if tag not in ("img", "source", "video", "iframe"):
            continue
        if _ANY_LAZY.isdisjoint(values):
            continue  # no data-src & co: nothing to do (most nodes of most feeds)
        attrs = node.attrs
        if tag in ("img", "iframe", "video"):
            real = _real_candidate(values, LAZY_ATTRS)
            if real and _is_placeholder(values.get("src")) and real != values.get("src"):
                attrs["src"] = values["src"] = real  # an existing one keeps its position
        if tag in ("img", "source"):
            real_set = _real_candidate(values, LAZY_SRCSET_ATTRS)
            current = values.get("srcset")
            if real_set and (
                current is None
                or not current.strip()
                or current.strip().lower().startswith("data:")
            ):
                attrs["srcset"] = values["srcset"] = real_set
    if _NOSCRIPT.search(html) is None:
        return False  # no <noscript> in the source: skip the query and its loop
    changed = False
    for noscript in tree.css("noscript"):
        imgs = noscript.css("img")
        if len(imgs) != 1 or _is_placeholder(imgs[0].attributes.get("src")):
            continue
        prev = noscript.prev
        while prev is not None and prev.is_text_node and not (prev.text_content or "").strip():
            prev = prev.prev
        changed = True
        if prev is not None and prev.tag == "img":
            if _is_placeholder(prev.attributes.get("src")):
                prev.decompose()  # the noscript copy is the real one
            else:
                noscript.decompose()  # already fixed from data-src: drop the duplicate
                continue
        elif noscript.parent is not None and any(
            not _is_placeholder(i.attributes.get("src"))
            for i in noscript.parent.css("img")
            if i.parent is None or i.parent.tag != "noscript"
        ):
            noscript.decompose()
            continue
        noscript.unwrap()
    return changed
