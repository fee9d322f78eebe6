"""One cleaning pipeline for feed content and fetched pages.

``clean_html`` runs, in this order:

1. lazy images (``_lazy``);
2. ``remove`` selectors, and the junk list when ``junk=True``;
3. tracking pixels, share links and iframes outside the video allowlist dropped;
   ``sandbox`` set on the iframes that stay (``_unwanted``);
4. ``referrerpolicy="no-referrer"`` appended to img/iframe/video/audio lacking it;
5. optional OpenCC conversion of text nodes (``_convert``);
6. the allowlist sanitizer (``sanitize``), which also makes URLs absolute against the
   document's ``<base href>`` or ``base_url``.

Elements nested deeper than ``util.htmldepth.MAX_DEPTH`` are first flattened into their
ancestor at that depth, their text kept (each parser's time grows with the depth squared).
Steps 1-5 work on one selectolax/lexbor fragment tree; step 6 is nh3 (html5ever), which
re-parses that serialization and writes the output: balanced HTML with every end tag
written, attribute order, quoting and whitespace otherwise as they were. Two parses a
document. Attributes added in 1-5 are allowlisted, so the sanitizer cannot strip them;
everything the output contains has passed through nh3.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from ..errors import RuleError
from ..util.htmldepth import limit_depth
from ..util.urls import absolute_url, is_web_url
from ._convert import convert_tree
from ._lazy import fix_lazy
from ._sanitize import sanitize
from ._unwanted import JUNK_SELECTORS, drop_unwanted


def document_base(media: list, base_url: str | None) -> str | None:
    """The document's base: its first ``<base href>`` made absolute, else ``base_url``
    (http(s) only); ``media``: the entries of ``media_of``."""
    base_attrs = next((attrs for _, tag, attrs in media if tag == "base"), None)
    if base_attrs is not None:
        href = (base_attrs.get("href") or "").strip()
        candidate = absolute_url(href, base_url) if href else None
        if is_web_url(candidate):
            return candidate
    if is_web_url(base_url):
        return base_url
    return None


REFERRER_TAGS = ("img", "iframe", "video", "audio")


_MEDIA_QUERY = "base[href], img, source, video, iframe, audio, a[href]"


def media_of(tree) -> list[tuple[Any, str, dict[str, str | None]]]:
    """(node, tag, attributes) of every node the steps look at, in document order.

    One walk finds them (each query walks the fragment), and each node's tag and
    attributes are read once: ``.tag`` and ``.attributes`` are C calls, the latter
    building a dict, which the steps read in turn and keep up to date with what they
    set (docs/PERFORMANCE.md, "Where a post's time goes")."""
    return [(node, node.tag, node.attributes) for node in tree.css(_MEDIA_QUERY)]


def clean_html(
    html: str,
    base_url: str | None,
    *,
    remove: Sequence[str] = (),
    junk: bool = False,
    convert: str | None = None,
) -> str:
    """Safe, balanced HTML for the post body; see the module docstring for the steps."""
    if not html or not html.strip():
        return ""
    html = limit_depth(html)
    tree = LexborHTMLParser(html, is_fragment=True)
    # walked again only after a step changed which nodes the tree holds
    media = media_of(tree)
    base = document_base(media, base_url)
    changed = fix_lazy(tree, html, media)
    selectors = list(remove) + (list(JUNK_SELECTORS) if junk else [])
    for selector in selectors:
        try:
            matches = tree.css(selector)
        except Exception as exc:  # noqa: BLE001 - selectolax raises various errors
            raise RuleError(f"invalid CSS selector {selector!r}: {exc}") from None
        for node in matches:
            node.decompose()
            changed = True
    if changed:
        media = media_of(tree)
    for node, tag, attrs in drop_unwanted(media, base):
        if tag in REFERRER_TAGS and "referrerpolicy" not in attrs:
            node.attrs["referrerpolicy"] = "no-referrer"  # appended: last attribute
    if convert:
        convert_tree(tree, convert)
    return sanitize(tree.html or "", base)
