"""The whole post file, byte for byte as ``FORMAT.md`` specifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..model import Article
from ..util.urls import is_web_url
from ._body import body_line, protect_liquid
from ._names import day_of
from ._text import encode_url, fold_whitespace, markdown_link_text
from ._yaml import yaml_flow_list, yaml_quote, yaml_scalar

__all__ = ["epoch_millis", "format_date", "render_post", "replace_body"]


def format_date(instant: datetime) -> str:
    utc = instant.astimezone(UTC)
    return f"{day_of(utc)}T{utc:%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_millis(instant: datetime) -> int:
    # Integer arithmetic: float timestamps can be off by one millisecond.
    return (instant - _EPOCH) // timedelta(milliseconds=1)


def render_post(article: Article) -> str:
    """The whole post file, byte for byte as FORMAT.md specifies."""
    title = fold_whitespace(article.title)
    # An article with no public URL (an item of a local feed without a link) has no
    # from: line, and its title line is the title alone. Nothing but http(s) is ever
    # written as a link: kramdown and the layout would publish a javascript: URL as is.
    url = encode_url(article.url) if is_web_url(article.url) else ""
    lines = [
        "---",
        "layout: post",
        f"title: {yaml_quote(title)}",
        f"date: {format_date(article.published)}",
        *_edit_lines(article),
        f"author: {yaml_scalar(fold_whitespace(article.author))}",
        *([f"from: {yaml_scalar(url)}"] if url else []),
        f"tags: {yaml_flow_list(article.tags)}",
        "comments: True",
        f"categories: {yaml_flow_list(article.categories)}",
        *([f"lang: {yaml_scalar(article.lang)}"] if article.lang else []),
        "---",
        f"<!--{epoch_millis(article.published)}-->",
        f"[{markdown_link_text(title)}]({url})" if url else markdown_link_text(title),
        "------",
        "",
        "<div>",
        protect_liquid(body_line(article.body_html)),
        "</div>",
        "",
    ]
    return "\n".join(lines)


def _edit_lines(article: Article) -> list[str]:
    """``updated:`` and ``edits:``, only on a post whose article was edited after it was
    first posted (FORMAT.md, "Edits"): every other post keeps its bytes."""
    if article.updated is None or article.edits < 1:
        return []
    return [f"updated: {format_date(article.updated)}", f"edits: {article.edits}"]


def replace_body(post_text: str, body_html: str) -> str:
    """The same post with a new article body; front matter and link line untouched."""
    head, sep, _ = post_text.partition("\n<div>\n")
    if not sep:
        raise ValueError("not a newsmirror post: no <div> body block")
    return f"{head}\n<div>\n{protect_liquid(body_line(body_html))}\n</div>\n"
