"""One cleaning pipeline for feed content and fetched pages.

``clean_html`` runs, in this order:

1. lazy images (``data-src`` and friends -> ``src`` in place, ``data-srcset`` ->
   ``srcset``, single-image ``<noscript>`` unwrapped);
2. ``remove`` selectors, and the junk list when ``junk=True``;
3. tracking pixels, share links and iframes outside the video allowlist dropped;
   ``sandbox`` set on the iframes that stay;
4. ``referrerpolicy="no-referrer"`` appended to img/iframe/video/audio lacking it;
5. optional OpenCC conversion of text nodes;
6. the allowlist sanitizer (nh3), whose attribute filter makes ``href``/``src``/
   ``srcset``/``poster`` absolute (``<base href>`` or ``base_url``), drops unsafe
   schemes and removes tracking parameters from links.

Steps 1-5 work on one selectolax/lexbor fragment tree; step 6 is nh3 (html5ever), which
re-parses that serialization and writes the output: balanced HTML with every end tag
written, attribute order, quoting and whitespace otherwise as they were. Two parses a
document. Attributes added in 1-5 are allowlisted, so the sanitizer cannot strip them;
everything the output contains has passed through nh3.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import nh3
from selectolax.lexbor import LexborHTMLParser

__all__ = ["clean_html", "convert_text", "strip_tracking", "absolute_url", "LAZY_ATTRS",
           "JUNK_SELECTORS", "html_to_text"]

# --- lazy images -----------------------------------------------------------------------

LAZY_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-orig", "data-url",
              "data-actualsrc", "data-orig-file", "data-large-file")
LAZY_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "data-original-srcset")

_PLACEHOLDER_NAME = re.compile(
    r"(?:^|[/_.-])(?:blank|spacer|pixel|transparent|placeholder|lazy|lazyload|loading|"
    r"loader|spinner|grey|gray|empty|1x1|dot|clear|trans|default)[^/]*\."
    r"(?:gif|png|svg|jpe?g|webp)$", re.I)


def _is_placeholder(src: str | None) -> bool:
    """Missing, empty, a ``data:`` URI or a known spinner/blank image name."""
    if src is None:
        return True
    src = src.strip()
    if not src or src == "#" or src.lower().startswith(("data:", "about:")):
        return True
    path = urlsplit(src).path if "://" in src or src.startswith("/") else src.split("?")[0]
    return bool(_PLACEHOLDER_NAME.search(path))


def _real_candidate(node, names: Sequence[str]) -> str | None:
    attrs = node.attributes
    for name in names:
        value = attrs.get(name)
        if value and value.strip() and not value.strip().lower().startswith("data:"):
            return value.strip()
    return None


_ANY_LAZY = LAZY_ATTRS + LAZY_SRCSET_ATTRS
# "<noscript" in any letter case, spelled out: unlike re.I, a pattern starting with a
# literal "<" lets the regex engine skip ahead to each "<" (~1 µs instead of ~10 µs on a
# 4 KB fragment of Chinese text). Tag names are ASCII case-insensitive, so this finds
# every <noscript> the parser can see.
_NOSCRIPT = re.compile(r"<[nN][oO][sS][cC][rR][iI][pP][tT]")


def _fix_lazy(tree, html: str, media: list) -> bool:
    """Lazy images made real; True when a ``<noscript>`` was unwrapped or dropped (the
    tree then has other nodes than ``media``)."""
    for node in media:
        tag = node.tag
        if tag not in ("img", "source", "video", "iframe"):
            continue
        values = node.attributes  # one dict per node: each .attrs lookup is a C call
        if not any(name in values for name in _ANY_LAZY):
            continue  # no data-src & co: nothing to do (most nodes of most feeds)
        attrs = node.attrs
        if tag in ("img", "iframe", "video"):
            real = _real_candidate(node, LAZY_ATTRS)
            if real and _is_placeholder(values.get("src")) and real != values.get("src"):
                attrs["src"] = real  # an existing attribute keeps its position
        if tag in ("img", "source"):
            real_set = _real_candidate(node, LAZY_SRCSET_ATTRS)
            current = values.get("srcset")
            if real_set and (current is None or not current.strip()
                             or current.strip().lower().startswith("data:")):
                attrs["srcset"] = real_set
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
                for i in noscript.parent.css("img") if i.parent is None
                or i.parent.tag != "noscript"):
            noscript.decompose()
            continue
        noscript.unwrap()
    return changed


# --- junk, trackers, iframes ----------------------------------------------------------

JUNK_SELECTORS = (
    ".cx_paywall_placeholder", "[id^=dfp-ad]", "[id^=div-gpt-ad]", "[id^=google_ads]",
    "ins.adsbygoogle", ".adsbygoogle", "[id^=innity]", ".advertisement", ".ad-slot",
    ".ad-container", ".share-bar", ".share-buttons", ".social-share", ".sharethis",
    ".addthis_toolbox", ".related-articles", ".newsletter-signup", ".paywall",
)

_TRACKER_HOSTS = re.compile(
    r"(?:^|\.)(?:feeds\.feedburner\.com|feedproxy\.google\.com|pixel\.wp\.com|"
    r"stats\.wordpress\.com|www\.google-analytics\.com|google-analytics\.com|"
    r"doubleclick\.net|googleadservices\.com|pixel\.quantserve\.com|"
    r"sb\.scorecardresearch\.com|b\.scorecardresearch\.com|pixel\.facebook\.com|"
    r"www\.facebook\.com/tr|ad\.doubleclick\.net|hm\.baidu\.com|cnzz\.com|"
    r"c\.statcounter\.com|mf\.gif|counter\.yadro\.ru|feeds\.wordpress\.com)$", re.I)

_SHARE_URL = re.compile(
    r"^https?://(?:www\.)?(?:facebook\.com/sharer|facebook\.com/share\.php|"
    r"twitter\.com/(?:intent/tweet|share)|x\.com/intent/|linkedin\.com/shareArticle|"
    r"reddit\.com/submit|pinterest\.com/pin/create|service\.weibo\.com/share|"
    r"connect\.qq\.com/widget/shareqq|api\.whatsapp\.com/send|wa\.me/\?|"
    r"t\.me/share|getpocket\.com/save|plus\.google\.com/share|"
    r"feeds\.feedburner\.com/~ff/|feeds\.feedburner\.com/~r/|share\.flipboard\.com)", re.I)

VIDEO_IFRAME_HOSTS = (
    "youtube.com", "youtube-nocookie.com", "player.vimeo.com", "player.bilibili.com",
    "dailymotion.com", "geo.dailymotion.com", "v.qq.com", "player.youku.com",
    "open.iqiyi.com", "player.twitch.tv", "w.soundcloud.com", "embed.ted.com",
    "open.spotify.com", "www.ixigua.com",
)
IFRAME_SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"


def _host_allowed(url: str, hosts: Sequence[str]) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in hosts)


# Every name _TRACKER_HOSTS can match, as a plain substring: a URL holding none of them
# cannot be a tracker, so most images skip urlsplit and the anchored host regex.
_TRACKER_HINTS = ("feedburner", "feedproxy", "pixel.", "wordpress.com", "google-analytics",
                  "doubleclick", "googleadservices", "quantserve", "scorecardresearch",
                  "facebook.com", "hm.baidu", "cnzz", "statcounter", "mf.gif", "yadro")
_TRACKER_HINT = re.compile("|".join(map(re.escape, _TRACKER_HINTS)), re.I)


def _may_be_tracker(url: str) -> bool:
    """``_TRACKER_HINT.search(url)``: for ASCII URLs (nearly all) as plain substring tests
    on the lowercased URL (~1 µs; the case-insensitive alternation costs ~5 µs a URL)."""
    if url.isascii():
        low = url.lower()
        for hint in _TRACKER_HINTS:
            if hint in low:
                return True
        return False
    return _TRACKER_HINT.search(url) is not None  # re.I also folds some non-ASCII letters


def _is_tracking_pixel(node, base: str | None) -> bool:
    attrs = node.attributes
    if (attrs.get("width") or "").strip() in ("0", "1", "1px") and \
            (attrs.get("height") or "").strip() in ("0", "1", "1px"):
        return True
    src = absolute_url(attrs.get("src") or "", base)
    if not src or not _may_be_tracker(src):
        return False
    try:
        parts = urlsplit(src)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return bool(_TRACKER_HOSTS.search(host) or _TRACKER_HOSTS.search(host + parts.path))


def _drop_unwanted(media: list, base: str | None) -> list:
    """Tracking pixels, share links and iframes off the video allowlist decomposed; the
    nodes of ``media`` still in the tree, in document order."""
    kept = []
    dropped: set[int] = set()  # the nodes inside a dropped link, gone with it
    for node in media:
        if dropped and node.mem_id in dropped:
            continue  # freed with the link around it: not to be touched (mem_id is safe)
        tag = node.tag
        if tag == "img":
            if _is_tracking_pixel(node, base):
                node.decompose()
                continue
        elif tag == "a":
            href = absolute_url(node.attributes.get("href") or "", base) or ""
            if _SHARE_URL.match(href):
                _mark_subtree(node, dropped)
                node.decompose()
                continue
        elif tag == "iframe":
            src = absolute_url(node.attributes.get("src") or "", base)
            if not src or not _host_allowed(src, VIDEO_IFRAME_HOSTS):
                node.decompose()
                continue
            node.attrs["sandbox"] = IFRAME_SANDBOX
        kept.append(node)
    return kept


def _mark_subtree(node, ids: set[int]) -> None:
    ids.update(n.mem_id for n in node.traverse())


# --- URLs -------------------------------------------------------------------------------

_TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_eid", "mc_cid", "yclid",
    "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking", "igshid", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "vero_id", "vero_conv",
    "wickedid", "twclid", "ttclid", "srsltid", "spm", "scm", "_ga", "_gl", "ref_src",
    "cmpid", "ito", "ocid",
})


def strip_tracking(url: str) -> str:
    """Remove ``utm_*``, ``fbclid``, ``gclid``… from a URL's query; the rest is kept as is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    pairs = parts.query.split("&")
    kept = [p for p in pairs
            if not (p.split("=", 1)[0].lower().startswith("utm_")
                    or p.split("=", 1)[0].lower() in _TRACKING_PARAMS)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


_STRIP_IN_URL = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _scheme_of(url: str) -> str:
    if url[:1].isalpha() and "\t" not in url and "\n" not in url and "\r" not in url:
        # the common case: nothing to strip first (the slow path below gives the same)
        m = _SCHEME.match(url)
        return m.group(1).lower() if m else ""
    m = _SCHEME.match(_STRIP_IN_URL.sub("", url).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07"
                                                           "\x08\x0b\x0c\x0e\x0f\x10\x11"
                                                           "\x12\x13\x14\x15\x16\x17\x18"
                                                           "\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
    return m.group(1).lower() if m else ""


# lowercase http(s) and data:image/ URLs, which absolute_url returns unchanged when they
# hold no tab or line break: answered without the scheme regex
_PLAIN_PREFIXES = ("https://", "http://", "data:image/")


def absolute_url(url: str, base: str | None) -> str | None:
    """``url`` made absolute against ``base``; None for unsafe or unusable URLs.

    Allowed results: http(s), mailto, tel, ``#fragment`` (kept relative), ``data:image/``
    (the caller decides where data: is acceptable), and relative URLs when there is no base.
    """
    url = url.strip()
    if not url:
        return None
    if url.startswith(_PLAIN_PREFIXES) and "\t" not in url and "\n" not in url \
            and "\r" not in url:
        return url  # the common cases, as the general path below answers them
    scheme = _scheme_of(url)
    if scheme:
        if scheme in ("http", "https"):
            return _STRIP_IN_URL.sub("", url)
        if scheme in ("mailto", "tel"):
            return url
        if scheme == "data" and _STRIP_IN_URL.sub("", url)[5:].lstrip().lower().startswith(
                "image/"):
            return url
        return None
    if url.startswith("#"):
        return url
    if base:
        try:
            joined = urljoin(base, url)
        except ValueError:
            return None
        return joined if _scheme_of(joined) in ("http", "https") else None
    return url


def _document_base(media: list, base_url: str | None) -> str | None:
    base_node = next((n for n in media if n.tag == "base"), None)
    if base_node is not None:
        href = (base_node.attributes.get("href") or "").strip()
        candidate = absolute_url(href, base_url) if href else None
        if candidate and _scheme_of(candidate) in ("http", "https"):
            return candidate
    if base_url and _scheme_of(base_url) in ("http", "https"):
        return base_url
    return None


_SRCSET_CANDIDATE = re.compile(r"\s*([^\s,][^\s]*?)(?:\s+([^,]*?))?\s*(?:,|$)")


def _fix_srcset(value: str, base: str | None) -> str | None:
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
        if tag == "iframe" and attr == "src" and not _host_allowed(fixed,
                                                                    VIDEO_IFRAME_HOSTS):
            return None
        if attr == "href":
            return strip_tracking(fixed)
        return fixed
    if attr in _SRCSET_ATTRS:
        return _fix_srcset(value, base)
    return value


# --- sanitizer allowlist -----------------------------------------------------------------

_TAGS = frozenset("""
a abbr acronym address article aside audio b bdi bdo big blockquote br caption center cite
code col colgroup dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6
header hgroup hr i iframe img ins kbd li main mark ol p picture pre q rp rt ruby s samp
section small source span strike strong sub summary sup table tbody td tfoot th thead time tr
track tt u ul var video wbr
""".split())
_CONTENT_TAGS = frozenset("""
script style noscript template object embed applet form button input select textarea svg
math frameset frame noembed noframes xmp plaintext head title meta link base param
""".split()) - {"input", "meta", "link", "base", "param", "frame"}  # voids have no content
_GLOBAL_ATTRS = {"class", "id", "title", "lang", "dir", "width", "height", "hidden",
                 *LAZY_ATTRS, *LAZY_SRCSET_ATTRS}
_ATTRS = {
    "*": _GLOBAL_ATTRS,
    "a": {"href", "name", "hreflang"},
    "img": {"src", "srcset", "sizes", "alt", "loading", "decoding", "referrerpolicy"},
    "iframe": {"src", "allowfullscreen", "sandbox", "referrerpolicy", "frameborder", "loading"},
    "video": {"src", "poster", "controls", "preload", "muted", "loop", "playsinline",
              "referrerpolicy"},
    "audio": {"src", "controls", "preload", "muted", "loop", "referrerpolicy"},
    "source": {"src", "srcset", "sizes", "type", "media"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "td": {"colspan", "rowspan", "headers", "align", "valign"},
    "th": {"colspan", "rowspan", "headers", "scope", "align", "valign"},
    "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "reversed", "type"}, "li": {"value"},
    "time": {"datetime"}, "blockquote": {"cite"}, "q": {"cite"},
    "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
    "details": {"open"}, "abbr": {"title"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "data"}
REFERRER_TAGS = ("img", "iframe", "video", "audio")
_MEDIA_QUERY = "base[href], img, source, video, iframe, audio, a[href]"

# One nh3 Cleaner for every call: ``nh3.clean(...)`` rebuilds the allowlists on each call
# (~30 µs of a ~110 µs sanitize). Its attribute filter needs the document's base URL,
# which is per call: it is handed over in a thread-local around ``Cleaner.clean``.
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


def _sanitize(html: str, base: str | None) -> str:
    _current.base = base
    try:
        return _SANITIZER.clean(html)
    finally:
        _current.base = None


# --- OpenCC -------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _converter(name: str):
    import opencc  # lazy: only sources with ``convert`` pay for it

    name = name.strip()
    stem = name[:-5] if name.endswith(".json") else name
    try:
        return opencc.OpenCC(stem + ".json")
    except Exception as exc:  # noqa: BLE001 - the library raises plain Exceptions
        raise ValueError(f"unknown OpenCC conversion {name!r} (try s2t, t2s, s2tw, "
                         f"tw2s, s2hk, hk2s, t2tw, s2twp, tw2sp)") from exc


def convert_text(text: str, convert: str | None) -> str:
    """Text converted with the OpenCC configuration ``convert`` (``"s2t"`` or ``"s2t.json"``)."""
    if not convert or not text:
        return text
    return _converter(convert).convert(text)


def _convert_tree(tree, convert: str) -> None:
    converter = _converter(convert)
    node = tree.root
    todo = []
    while node is not None:
        if node.is_text_node:
            todo.append(node)
        else:
            todo.extend(n for n in node.traverse(include_text=True) if n.is_text_node)
        node = node.next
    for text_node in todo:
        parent = text_node.parent
        if parent is not None and parent.tag in ("script", "style"):
            continue
        text = text_node.text_content
        if not text or text.isascii():
            continue
        new = converter.convert(text)
        if new != text:
            text_node.replace_with(new)


# --- the pipeline -------------------------------------------------------------------------

def clean_html(html: str, base_url: str | None, *, remove: Sequence[str] = (),
               junk: bool = False, convert: str | None = None) -> str:
    """Safe, balanced HTML for the post body; see the module docstring for the steps."""
    if not html or not html.strip():
        return ""
    tree = LexborHTMLParser(html, is_fragment=True)
    # One walk finds every node the steps below look at (each query walks the fragment);
    # it is walked again only after a step changed which nodes the tree holds.
    media = tree.css(_MEDIA_QUERY)
    base = _document_base(media, base_url)
    changed = _fix_lazy(tree, html, media)
    selectors = list(remove) + (list(JUNK_SELECTORS) if junk else [])
    for selector in selectors:
        try:
            matches = tree.css(selector)
        except Exception as exc:  # noqa: BLE001 - selectolax raises various errors
            raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from None
        for node in matches:
            node.decompose()
            changed = True
    if changed:
        media = tree.css(_MEDIA_QUERY)
    for node in _drop_unwanted(media, base):
        if node.tag in REFERRER_TAGS and "referrerpolicy" not in node.attributes:
            node.attrs["referrerpolicy"] = "no-referrer"  # appended: last attribute
    if convert:
        _convert_tree(tree, convert)
    return _sanitize(tree.html or "", base)


_BLOCK_BREAK = re.compile(r"\s+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: block elements separated by line breaks."""
    if not html or not html.strip():
        return ""
    body = LexborHTMLParser(html).body  # a document parse: stray end tags cannot escape
    if body is None:
        return ""
    for node in body.css("script, style, noscript, template"):
        node.decompose()
    for node in body.css("br"):
        node.replace_with("\n")
    for node in body.css("p, div, li, h1, h2, h3, h4, h5, h6, figcaption, blockquote, tr, "
                         "pre, section, article, figure, table, ul, ol, dt, dd"):
        node.insert_after("\n")
    text = body.text(deep=True, separator="") or ""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
