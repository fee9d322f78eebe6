"""The generic extractor for pages without a site rule: trafilatura, then our
post-filter (``_focus``) and image restoration (``_images``)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from ..util.htmldepth import limit_depth
from ..util.htmltext import visible_squeezed
from ._focus import focus_on_article, missed_article, other_posts
from ._images import restore_images
from ._prose import PROSE_AT_LEAST, block_texts, dropped_prose, prose_blocks
from ._verdict import is_article

# libxml2, the parser trafilatura uses, stops at 256 levels of nesting and drops the rest
# of the page: a page nested that deep is flattened a little further for it.
LIBXML2_DEPTH = 250


# An extraction shorter than this (visible characters) gets one more try in trafilatura's
# fuller mode: fast mode skips the readability/justext comparison, which rescues pages
# whose main extractor found too little (bench/bench_extract_quality.py).
FULLER_BELOW = 800


def _trafilatura(html: str, url: str, *, fast: bool):
    """trafilatura's article as a parsed HTML tree; None when it found nothing."""
    import trafilatura

    # include_images=False on purpose: with images on, trafilatura keeps thumbnail+headline
    # blocks (related lists, "推荐" grids) as content, which lowered the extraction score
    # of the Chinese portal pages. restore_images puts the article's own images and
    # figures back from the page.
    result = trafilatura.extract(
        html,
        url=url,
        output_format="html",
        include_images=False,
        include_links=True,
        include_comments=False,
        fast=fast,
    )
    if not result or not result.strip():
        return None
    out = LexborHTMLParser(result)
    body = out.body
    if body is None or not (body.text(deep=True) or "").strip():
        return None
    return out


def _visible(out) -> int:
    return visible_squeezed("".join((out.body.text(deep=True) or "").split()))


def _extraction(html: str, url: str):
    """trafilatura fast, and in its fuller mode when fast found little or nothing."""
    out = _trafilatura(html, url, fast=True)
    if out is None or _visible(out) < FULLER_BELOW:
        fuller = _trafilatura(html, url, fast=False)
        if fuller is not None:
            return fuller
    return out


def trafilatura_article(html: str, tree, url: str) -> str:
    others = other_posts(tree, url)
    if others:
        # a page of several posts: trafilatura takes the first, the URL names another
        for post in others:
            post.decompose()
        html = tree.html or html
    out = _extraction(limit_depth(html, LIBXML2_DEPTH), url)
    if out is None:
        return ""
    article = missed_article(tree, out)
    if article is not None:
        # trafilatura took a reply or a comment below the page's one article: read it alone
        again = _trafilatura(f"<html><body>{article.html}</body></html>", url, fast=True)
        if again is not None:
            out = again
    before = out.body.html or ""
    prose = prose_blocks(out.body)
    focus_on_article(tree, out)
    if dropped_prose(prose, block_texts(out.body)) >= PROSE_AT_LEAST:
        # the filter was not sure: trafilatura's own result stands
        out = LexborHTMLParser(before)
    body = out.body
    if body is None or not is_article(body, tree):
        return ""
    restore_images(tree, out, url)
    return body.inner_html or ""
