"""URLs as the mirror republishes them: absolute, of a safe scheme, without trackers."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

__all__ = [
    "absolute_url",
    "canonical_url",
    "host_of",
    "is_web_url",
    "scheme_of",
    "strip_tracking",
]


def host_of(url: str) -> str:
    """The host of ``url``, lower-cased, without a trailing dot; "" when it has none."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_eid",
        "mc_cid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "igshid",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "rb_clickid",
        "s_cid",
        "vero_id",
        "vero_conv",
        "wickedid",
        "twclid",
        "ttclid",
        "srsltid",
        "spm",
        "scm",
        "_ga",
        "_gl",
        "ref_src",
        "cmpid",
        "ito",
        "ocid",
    }
)


def strip_tracking(url: str) -> str:
    """Remove ``utm_*``, ``fbclid``, ``gclid``… from a URL's query; the rest is kept as is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    pairs = parts.query.split("&")
    kept = [
        p
        for p in pairs
        if not (
            p.split("=", 1)[0].lower().startswith("utm_")
            or p.split("=", 1)[0].lower() in _TRACKING_PARAMS
        )
    ]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


def canonical_url(url: str) -> str:
    """One spelling of an article's URL across the feeds that link it: tracking parameters
    removed, the scheme, a leading ``www.``, the fragment and a trailing slash dropped,
    the host in lower case (``https://www.Example.com/a/?utm_source=x#top`` ->
    ``example.com/a``)."""
    try:
        parts = urlsplit(strip_tracking(url.strip()))
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").removeprefix("www.")
    if parts.port:
        host += f":{parts.port}"
    path = parts.path.rstrip("/")
    return host + path + (f"?{parts.query}" if parts.query else "")


_STRIP_IN_URL = re.compile(r"[\t\n\r]")


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def scheme_of(url: str) -> str:
    if url[:1].isalpha() and "\t" not in url and "\n" not in url and "\r" not in url:
        # the common case: nothing to strip first (the slow path below gives the same)
        m = _SCHEME.match(url)
        return m.group(1).lower() if m else ""
    m = _SCHEME.match(
        _STRIP_IN_URL.sub("", url).lstrip(
            "\x00\x01\x02\x03\x04\x05\x06\x07"
            "\x08\x0b\x0c\x0e\x0f\x10\x11"
            "\x12\x13\x14\x15\x16\x17\x18"
            "\x19\x1a\x1b\x1c\x1d\x1e\x1f "
        )
    )
    return m.group(1).lower() if m else ""


def is_web_url(url: str | None) -> bool:
    """An http(s) URL: the only kind a post may link to as its origin or resolve
    against (``javascript:``, ``data:``, ``file:`` and paths never are)."""
    return bool(url) and scheme_of(url or "") in ("http", "https")


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
    if url.startswith(_PLAIN_PREFIXES) and "\t" not in url and "\n" not in url and "\r" not in url:
        return url  # the common cases, as the general path below answers them
    scheme = scheme_of(url)
    if scheme:
        if scheme in ("http", "https"):
            return _STRIP_IN_URL.sub("", url)
        if scheme in ("mailto", "tel"):
            return url
        if scheme == "data" and _STRIP_IN_URL.sub("", url)[5:].lstrip().lower().startswith(
            "image/"
        ):
            return url
        return None
    if url.startswith("#"):
        return url
    if base:
        try:
            joined = urljoin(base, url)
        except ValueError:
            return None
        return joined if is_web_url(joined) else None
    return url
