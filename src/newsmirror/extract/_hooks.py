"""The ``json:NAME`` content hook: pages that embed the article as JSON in a script that
sets ``window.NAME`` (zaobao.com.sg: ``__staticRouterHydrationData``)."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import tzinfo
from typing import Any

from ..util.dates import parse_date
from ._metadata import author_name

_JS_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})|\\'")


def _js_string(literal: str) -> str:
    literal = _JS_ESCAPE.sub(lambda m: f"\\u00{m.group(1)}" if m.group(1) else "'", literal)
    if literal.startswith("'"):
        literal = '"' + literal[1:-1].replace('"', '\\"') + '"'
    return json.loads(literal, strict=False)


def _embedded_json(tree, name: str) -> Any | None:
    pattern = re.compile(
        r"(?:window\.)?"
        + re.escape(name)
        + r"""\s*=\s*(?:JSON\.parse\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)|(?=[{\[]))""",
        re.S,
    )
    for script in tree.css("script"):
        code = script.text(deep=True) or ""
        if name not in code:
            continue
        m = pattern.search(code)
        if not m:
            continue
        try:
            if m.group(1):
                return json.loads(_js_string(m.group(1)), strict=False)
            return json.JSONDecoder(strict=False).raw_decode(code, m.end())[0]
        except ValueError:
            continue
    return None


def _find_article(data: Any) -> dict | None:
    """The first dict (breadth first) holding an HTML body (``body_cn``, ``body``…)."""
    queue = [data]
    while queue:
        item = queue.pop(0)
        if isinstance(item, dict):
            for key in ("body_cn", "body_html", "bodyHtml", "content_html", "body"):
                if isinstance(item.get(key), str) and "<" in item[key]:
                    return item
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)
    return None


def json_article(tree, name: str, tz: tzinfo) -> dict[str, Any] | None:
    data = _embedded_json(tree, name)
    article = _find_article(data) if data is not None else None
    if article is None:
        return None
    body = next(
        article[k]
        for k in ("body_cn", "body_html", "bodyHtml", "content_html", "body")
        if isinstance(article.get(k), str) and "<" in article[k]
    )
    figures = []
    images = article.get("images") or article.get("image") or []
    if isinstance(images, dict):
        images = [images]
    for image in images if isinstance(images, list) else []:
        if isinstance(image, str):
            image = {"url": image}
        if not isinstance(image, dict):
            continue
        src = image.get("url") or image.get("src") or image.get("image_url")
        if not isinstance(src, str) or not src or src in body:
            continue
        caption = image.get("caption") or image.get("alt") or ""
        esc = html_lib.escape
        figures.append(
            f'<figure><img src="{esc(src)}" alt="{esc(caption)}">'
            + (f"<figcaption>{esc(caption)}</figcaption>" if caption else "")
            + "</figure>"
        )
    date = None
    for key in (
        "create_time",
        "publication_date",
        "published_at",
        "publish_time",
        "datePublished",
        "created_at",
        "publishedDate",
    ):
        if article.get(key):
            date = parse_date(str(article[key]), tz)
            if date:
                break
    title = article.get("title") or article.get("headline")
    author = author_name(article.get("author") or article.get("authors") or article.get("byline"))
    return {
        "content": "".join(figures) + body,
        "title": title if isinstance(title, str) else None,
        "date": date,
        "author": author,
    }
