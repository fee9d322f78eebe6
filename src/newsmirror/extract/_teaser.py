"""When a feed item is only a teaser, so that the article page must be fetched."""

from __future__ import annotations

import re

from ..config import FullText
from ..util.htmltext import html_to_text, visible_length

_TEASER_END = re.compile(
    r"(?:\.\.\.|…|\[…\]|\[\.\.\.\]|阅读全文|閱讀全文|阅读更多|閱讀更多|查看全文|全文>*|"
    r"read more|continue reading|read the full (?:story|article)|more»?|»)\W*$",
    re.I,
)


def needs_full_text(content_html: str, mode: FullText, min_chars: int) -> bool:
    """Whether to fetch the article page: ``"always"``, ``"never"`` or ``"auto"``.

    ``auto`` fetches when the feed content is missing, shorter than ``min_chars`` (CJK
    characters weigh 4, so with the default 200 a 50-character Chinese paragraph is
    enough), or ends like a teaser ("…", "阅读全文", "Read more", "[…]").
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    text = html_to_text(content_html or "")
    if not text.strip():
        return True
    if visible_length(text) < min_chars:
        return True
    return bool(_TEASER_END.search(text.strip()))
