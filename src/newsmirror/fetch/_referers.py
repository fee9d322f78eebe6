"""The Referer an image request carries.

Hotlink-protected image hosts answer 403 (or a placeholder image) unless the request
says it comes from their own site. The table is Miniflux's media-proxy overrides
(``rewrite/referer_override.go``, /work/shared/notes/peers.md "Images and Referer"):
a host matches itself and its subdomains.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from ..util.urls import host_of

__all__ = ["IMAGE_REFERERS", "image_referer"]

IMAGE_REFERERS: Mapping[str, str] = {
    "sinaimg.cn": "https://weibo.com/",
    "f.video.weibocdn.com": "https://weibo.com/",
    "cdnfile.sspai.com": "https://sspai.com/",
    "i.pximg.net": "https://www.pixiv.net/",
    "moyu.im": "https://i.jandan.net/",
    "appinn.com": "https://www.appinn.com/",
    "bjp.org.cn": "https://www.bjp.org.cn/",
    "img.hellogithub.com": "https://hellogithub.com/",
    "cdninstagram.com": "https://www.instagram.com/",
}


def image_referer(image_url: str, configured: str | None, page_url: str | None) -> str | None:
    """The Referer for ``image_url``: the table's for its host; else the source's own
    ``Referer`` header (``configured``); else the origin of the page that shows it, what
    a browser sends by default (strict-origin-when-cross-origin); else none."""
    host = host_of(image_url)
    for suffix, referer in IMAGE_REFERERS.items():
        if host == suffix or host.endswith("." + suffix):
            return referer
    if configured:
        return configured
    if page_url:
        parts = urlsplit(page_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/"
    return None
