"""Articles as the store keeps them: what a post was rendered from, compressed.

A stored article is ``compress_page`` of one of two payloads; ``unpack_article`` reads
both:

* ``_HEADED`` (written since 2026-12-07): the byte ``\\x01``, the JSON object of every
  field but the body, a NUL byte, then the body's UTF-8. The body, nearly all of the
  bytes, is not escaped into JSON and back: packing an article cost ~64 µs before,
  ~53 µs since (docs/PERFORMANCE.md, "Where a post's time goes"). JSON escapes every
  control character, so the first NUL ends the header.
* a JSON object with the body under ``"body"`` (earlier rows), which starts with ``{``.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime

import brotli

from ..errors import StoreError
from ..model import Article
from ._pages import compress_page, decompress_page

__all__ = ["pack_article", "unpack_article"]


_HEADED = b"\x01"  # payload marker: a JSON header, NUL, the body (see the docstring)


def pack_article(article: Article) -> bytes:
    data: dict[str, object] = {
        "title": article.title,
        "url": article.url,
        "published": article.published.isoformat(),
        "author": article.author,
        "tags": article.tags,
        "categories": article.categories,
    }
    if article.updated is not None:  # an edited article (older rows have neither key)
        data["updated"] = article.updated.isoformat()
        data["edits"] = article.edits
    if article.lang:  # not the site's language (older rows have no key)
        data["lang"] = article.lang
    head = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return compress_page(b"".join((_HEADED, head, b"\0", article.body_html.encode("utf-8"))))


def unpack_article(stored: bytes) -> Article:
    try:
        payload = decompress_page(stored)
        if payload[:1] == _HEADED:
            head, _, body = payload[1:].partition(b"\0")
            data = json.loads(head)
            body_html = body.decode("utf-8")
        else:  # a row written before the headed payload: the body is in the JSON
            data = json.loads(payload)
            body_html = data["body"]
        return Article(
            title=data["title"],
            url=data["url"],
            published=datetime.fromisoformat(data["published"]),
            author=data["author"],
            tags=tuple(data["tags"]),
            categories=tuple(data["categories"]),
            body_html=body_html,
            updated=datetime.fromisoformat(data["updated"]) if "updated" in data else None,
            edits=data.get("edits", 0),
            lang=data.get("lang"),
        )
    except (ValueError, KeyError, TypeError, brotli.error, zlib.error) as exc:
        raise StoreError(f"a stored article cannot be read: {exc}") from None
