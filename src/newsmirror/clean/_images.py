"""The images of a cleaned body: their URLs, and the body pointed at local copies.

Works on the sanitizer's output (``_sanitize``), whose attributes are always
double-quoted with ``"`` escaped, by rewriting only the ``src`` and ``srcset`` values
of ``<img>`` and ``<source>`` tags: every other byte of the body stays as it was, so a
post whose images are all remote is byte-identical to one written without this step.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from ..util.imagefile import IMAGES_DIR
from ..util.urls import is_web_url
from ._sanitize import srcset_candidates

__all__ = ["ORIGINAL_ATTR", "body_images", "kept_images", "point_images"]

ORIGINAL_ATTR = "data-original-src"  # on a localised <img>: the URL it was copied from

_TAG = re.compile(r'<(img|source)\b((?:\s+[^\s=>/"]+(?:="[^"]*")?)*)\s*(/?)>', re.I)
_ATTR = re.compile(r'(\s+)([^\s=>/"]+)(?:="([^"]*)")?')


def _urls_of(tag: str, name: str, value: str) -> list[str]:
    """The image URLs an attribute holds: an img's src; srcset (a <source>'s src is a
    video's or audio's)."""
    if name == "src" and tag == "img":
        return [value]
    if name == "srcset":
        return [url for url, _ in srcset_candidates(value)]
    return []


def body_images(body: str) -> list[str]:
    """The http(s) image URLs of ``body`` (img src and srcset, picture sources), each
    once, in document order."""
    return [url for url in _image_urls(body) if is_web_url(url)]


def kept_images(body: str) -> list[str]:
    """The URLs of ``body``'s images kept in the site (``/assets/images/...``)."""
    return [url for url in _image_urls(body) if url.startswith(f"/{IMAGES_DIR}/")]


def _image_urls(body: str) -> list[str]:
    found: dict[str, None] = {}
    for tag in _TAG.finditer(body):
        name = tag.group(1).lower()
        for attr in _ATTR.finditer(tag.group(2)):
            for url in _urls_of(name, attr.group(2).lower(), html.unescape(attr.group(3) or "")):
                found.setdefault(url)
    return list(found)


def point_images(body: str, local: Mapping[str, str]) -> str:
    """``body`` with each image URL in ``local`` replaced by its local URL; an
    ``<img>`` whose src changed keeps the original in ``data-original-src`` (unless it
    has one: pointed back at its original, or at a copy again)."""
    if not local:
        return body

    def one_tag(tag: re.Match[str]) -> str:
        name = tag.group(1).lower()
        original: str | None = None

        def one_attr(attr: re.Match[str]) -> str:
            nonlocal original
            key, raw = attr.group(2).lower(), attr.group(3)
            if raw is None or key not in ("src", "srcset") or key == ORIGINAL_ATTR:
                return attr.group(0)
            value = html.unescape(raw)
            if key == "src" and name == "img":
                if value not in local:
                    return attr.group(0)
                original, value = value, local[value]
            elif key == "srcset":
                value = ", ".join(
                    f"{local.get(url, url)} {descriptor}".strip()
                    for url, descriptor in srcset_candidates(value)
                )
            else:
                return attr.group(0)
            return f'{attr.group(1)}{attr.group(2)}="{html.escape(value)}"'

        attrs = _ATTR.sub(one_attr, tag.group(2))
        if original is not None and f" {ORIGINAL_ATTR}=" not in attrs:
            attrs += f' {ORIGINAL_ATTR}="{html.escape(original)}"'
        return f"<{tag.group(1)}{attrs}{tag.group(3)}>"

    return _TAG.sub(one_tag, body)
