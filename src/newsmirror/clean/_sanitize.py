"""The allowlist sanitizer (nh3, html5ever): every byte of a post body passes through it.

Its attribute filter makes ``href``/``src``/``srcset``/``poster`` absolute against the
document's base, drops unsafe schemes and removes tracking parameters from links.
"""

from __future__ import annotations

import re
import threading

import nh3

from ..util.urls import absolute_url, strip_tracking
from ._lazy import LAZY_ATTRS, LAZY_SRCSET_ATTRS
from ._unwanted import VIDEO_IFRAME_HOSTS, host_allowed

_SRCSET_CANDIDATE = re.compile(r"\s*([^\s,][^\s]*?)(?:\s+([^,]*?))?\s*(?:,|$)")


def srcset_candidates(value: str) -> list[tuple[str, str]]:
    """The (URL, descriptor) pairs of a ``srcset`` value, descriptor "" when absent."""
    out = []
    pos = 0
    value = value.strip()
    while pos < len(value):
        m = _SRCSET_CANDIDATE.match(value, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        url, descriptor = m.group(1), (m.group(2) or "").strip()
        if url.endswith(",") and not descriptor:
            url = url.rstrip(",")
        out.append((url, descriptor))
    return out


def _fix_srcset(value: str, base: str | None) -> str | None:
    out = []
    for url, descriptor in srcset_candidates(value):
        fixed = absolute_url(url, base)
        if fixed is None or fixed.lower().startswith(("data:", "mailto:", "tel:", "#")):
            continue
        out.append(f"{fixed} {descriptor}".strip())
    return ", ".join(out) if out else None


_URL_ATTRS = frozenset({"href", "src", "poster", "cite", "longdesc", "action"} | set(LAZY_ATTRS))


_SRCSET_ATTRS = frozenset({"srcset"} | set(LAZY_SRCSET_ATTRS))


def _filter_attribute(tag: str, attr: str, value: str, base: str | None) -> str | None:
    """The sanitizer's attribute filter: absolute, safe, untracked URLs."""
    if attr in _URL_ATTRS:
        fixed = absolute_url(value, base)
        if fixed is None:
            return None
        if fixed.lower().startswith("data:"):
            # data: only for images (and never a link target or a frame)
            return fixed if tag in ("img", "source") and attr != "href" else None
        if tag == "iframe" and attr == "src" and not host_allowed(fixed, VIDEO_IFRAME_HOSTS):
            return None
        if attr == "href" and "?" in fixed:  # no "?", no query: nothing to strip
            return strip_tracking(fixed)
        return fixed
    if attr in _SRCSET_ATTRS:
        return _fix_srcset(value, base)
    return value


_TAGS = frozenset(
    """
a abbr acronym address article aside audio b bdi bdo big blockquote br caption center cite
code col colgroup dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6
header hgroup hr i iframe img ins kbd li main mark ol p picture pre q rp rt ruby s samp
section small source span strike strong sub summary sup table tbody td tfoot th thead time tr
track tt u ul var video wbr
""".split()
)


_CONTENT_TAGS = frozenset(
    """
script style noscript template object embed applet form button input select textarea svg
math frameset frame noembed noframes xmp plaintext head title meta link base param
""".split()
) - {"input", "meta", "link", "base", "param", "frame"}  # voids have no content


_GLOBAL_ATTRS = {
    "class",
    "id",
    "title",
    "lang",
    "dir",
    "width",
    "height",
    "hidden",
    *LAZY_ATTRS,
    *LAZY_SRCSET_ATTRS,
}


_ATTRS = {
    "*": _GLOBAL_ATTRS,
    "a": {"href", "name", "hreflang"},
    "img": {"src", "srcset", "sizes", "alt", "loading", "decoding", "referrerpolicy"},
    "iframe": {"src", "allowfullscreen", "sandbox", "referrerpolicy", "frameborder", "loading"},
    "video": {
        "src",
        "poster",
        "controls",
        "preload",
        "muted",
        "loop",
        "playsinline",
        "referrerpolicy",
    },
    "audio": {"src", "controls", "preload", "muted", "loop", "referrerpolicy"},
    "source": {"src", "srcset", "sizes", "type", "media"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "td": {"colspan", "rowspan", "headers", "align", "valign"},
    "th": {"colspan", "rowspan", "headers", "scope", "align", "valign"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "details": {"open"},
    "abbr": {"title"},
}


_URL_SCHEMES = {"http", "https", "mailto", "tel", "data"}


# One nh3 Cleaner for every call: ``nh3.clean(...)`` rebuilds the allowlists on each call,
# a large share of a sanitize (docs/PERFORMANCE.md, "Cleaning"). Its attribute filter
# needs the document's base URL, which is per call: it is handed over in a thread-local
# around ``Cleaner.clean``.
_current = threading.local()


def _filter_with_current_base(tag: str, attr: str, value: str) -> str | None:
    # nh3 calls this for every kept attribute; most are not URLs: answer those in one frame
    if attr not in _URL_ATTRS and attr not in _SRCSET_ATTRS:
        return value
    return _filter_attribute(tag, attr, value, _current.base)


_SANITIZER = nh3.Cleaner(
    tags=set(_TAGS),
    clean_content_tags=set(_CONTENT_TAGS),
    attributes=_ATTRS,
    attribute_filter=_filter_with_current_base,
    strip_comments=True,
    link_rel=None,
    url_schemes=_URL_SCHEMES,
)


def sanitize(html: str, base: str | None) -> str:
    _current.base = base
    try:
        return _SANITIZER.clean(html)
    finally:
        _current.base = None
