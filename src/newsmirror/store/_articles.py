"""Articles as the store keeps them: what a post was rendered from, compressed JSON."""

from __future__ import annotations

import json
from datetime import datetime

from ..errors import StoreError
from ..model import Article
from ._pages import compress_page, decompress_page

__all__ = ["pack_article", "unpack_article"]


def pack_article(article: Article) -> bytes:
    data: dict[str, object] = {
        "title": article.title,
        "url": article.url,
        "published": article.published.isoformat(),
        "author": article.author,
        "tags": article.tags,
        "categories": article.categories,
        "body": article.body_html,
    }
    if article.updated is not None:  # an edited article (older rows have neither key)
        data["updated"] = article.updated.isoformat()
        data["edits"] = article.edits
    if article.lang:  # not the site's language (older rows have no key)
        data["lang"] = article.lang
    return compress_page(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def unpack_article(stored: bytes) -> Article:
    try:
        data = json.loads(decompress_page(stored))
        return Article(
            title=data["title"],
            url=data["url"],
            published=datetime.fromisoformat(data["published"]),
            author=data["author"],
            tags=tuple(data["tags"]),
            categories=tuple(data["categories"]),
            body_html=data["body"],
            updated=datetime.fromisoformat(data["updated"]) if "updated" in data else None,
            edits=data.get("edits", 0),
            lang=data.get("lang"),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"a stored article cannot be read: {exc}") from None
