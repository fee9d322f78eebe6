"""What a republished article must not carry: tracking pixels, share links, junk blocks,
and iframes that are not video players (those that stay are sandboxed)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from ..util.urls import absolute_url

JUNK_SELECTORS = (
    ".cx_paywall_placeholder",
    "[id^=dfp-ad]",
    "[id^=div-gpt-ad]",
    "[id^=google_ads]",
    "ins.adsbygoogle",
    ".adsbygoogle",
    "[id^=innity]",
    ".advertisement",
    ".ad-slot",
    ".ad-container",
    ".share-bar",
    ".share-buttons",
    ".social-share",
    ".sharethis",
    ".addthis_toolbox",
    ".related-articles",
    ".newsletter-signup",
    ".paywall",
)


_TRACKER_HOSTS = re.compile(
    r"(?:^|\.)(?:feeds\.feedburner\.com|feedproxy\.google\.com|pixel\.wp\.com|"
    r"stats\.wordpress\.com|www\.google-analytics\.com|google-analytics\.com|"
    r"doubleclick\.net|googleadservices\.com|pixel\.quantserve\.com|"
    r"sb\.scorecardresearch\.com|b\.scorecardresearch\.com|pixel\.facebook\.com|"
    r"www\.facebook\.com/tr|ad\.doubleclick\.net|hm\.baidu\.com|cnzz\.com|"
    r"c\.statcounter\.com|mf\.gif|counter\.yadro\.ru|feeds\.wordpress\.com)$",
    re.I,
)


_SHARE_URL = re.compile(
    r"^https?://(?:www\.)?(?:facebook\.com/sharer|facebook\.com/share\.php|"
    r"twitter\.com/(?:intent/tweet|share)|x\.com/intent/|linkedin\.com/shareArticle|"
    r"reddit\.com/submit|pinterest\.com/pin/create|service\.weibo\.com/share|"
    r"connect\.qq\.com/widget/shareqq|api\.whatsapp\.com/send|wa\.me/\?|"
    r"t\.me/share|getpocket\.com/save|plus\.google\.com/share|"
    r"feeds\.feedburner\.com/~ff/|feeds\.feedburner\.com/~r/|share\.flipboard\.com)",
    re.I,
)


VIDEO_IFRAME_HOSTS = (
    "youtube.com",
    "youtube-nocookie.com",
    "player.vimeo.com",
    "player.bilibili.com",
    "dailymotion.com",
    "geo.dailymotion.com",
    "v.qq.com",
    "player.youku.com",
    "open.iqiyi.com",
    "player.twitch.tv",
    "w.soundcloud.com",
    "embed.ted.com",
    "open.spotify.com",
    "www.ixigua.com",
)


IFRAME_SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"


def host_allowed(url: str, hosts: Sequence[str]) -> bool:
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
_TRACKER_HINTS = (
    "feedburner",
    "feedproxy",
    "pixel.",
    "wordpress.com",
    "google-analytics",
    "doubleclick",
    "googleadservices",
    "quantserve",
    "scorecardresearch",
    "facebook.com",
    "hm.baidu",
    "cnzz",
    "statcounter",
    "mf.gif",
    "yadro",
)


_TRACKER_HINT = re.compile("|".join(map(re.escape, _TRACKER_HINTS)), re.I)


def _may_be_tracker(url: str) -> bool:
    """``_TRACKER_HINT.search(url)``: for ASCII URLs (nearly all) as plain substring tests
    on the lowercased URL, much cheaper than the case-insensitive alternation
    (docs/PERFORMANCE.md, "Cleaning")."""
    if url.isascii():
        low = url.lower()
        for hint in _TRACKER_HINTS:
            if hint in low:
                return True
        return False
    return _TRACKER_HINT.search(url) is not None  # re.I also folds some non-ASCII letters


def _is_tracking_pixel(attrs: dict, base: str | None) -> bool:
    if (attrs.get("width") or "").strip() in ("0", "1", "1px") and (
        attrs.get("height") or ""
    ).strip() in ("0", "1", "1px"):
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


def drop_unwanted(media: list, base: str | None) -> list:
    """Tracking pixels, share links and iframes off the video allowlist decomposed; the
    entries of ``media`` ((node, tag, attributes), ``_cleaner.media_of``) still in the
    tree, in document order."""
    kept = []
    dropped: set[int] = set()  # the nodes inside a dropped link, gone with it
    for entry in media:
        node, tag, attrs = entry
        if dropped and node.mem_id in dropped:
            continue  # freed with the link around it: not to be touched (mem_id is safe)
        if tag == "img":
            if _is_tracking_pixel(attrs, base):
                node.decompose()
                continue
        elif tag == "a":
            href = absolute_url(attrs.get("href") or "", base) or ""
            if _SHARE_URL.match(href):
                _mark_subtree(node, dropped)
                node.decompose()
                continue
        elif tag == "iframe":
            src = absolute_url(attrs.get("src") or "", base)
            if not src or not host_allowed(src, VIDEO_IFRAME_HOSTS):
                node.decompose()
                continue
            node.attrs["sandbox"] = attrs["sandbox"] = IFRAME_SANDBOX
        kept.append(entry)
    return kept


def _mark_subtree(node, ids: set[int]) -> None:
    ids.update(n.mem_id for n in node.traverse())
