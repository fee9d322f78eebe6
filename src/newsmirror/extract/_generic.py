"""The generic extractor for pages without a site rule: trafilatura, then our
post-filter (``_focus``) and image restoration (``_images``)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from ..util.htmldepth import limit_depth
from ._focus import focus_on_article
from ._images import restore_images

# libxml2, the parser trafilatura uses, stops at 256 levels of nesting and drops the rest
# of the page: a page nested that deep is flattened a little further for it.
LIBXML2_DEPTH = 250


def trafilatura_article(html: str, tree, url: str) -> str:
    import trafilatura

    # include_images=False on purpose: with images on, trafilatura keeps thumbnail+headline
    # blocks (related lists, "推荐" grids) as content, which lowered the extraction score
    # of the Chinese portal pages. restore_images puts the article's own images and
    # figures back from the page.
    # fast=True skips trafilatura's readability/justext comparison, a large part of its
    # time, and changed no page's extraction score
    # (docs/PERFORMANCE.md, "Generic extraction").
    result = (
        trafilatura.extract(
            limit_depth(html, LIBXML2_DEPTH),
            url=url,
            output_format="html",
            include_images=False,
            include_links=True,
            include_comments=False,
            fast=True,
        )
        or ""
    )
    if not result.strip():
        return ""
    out = LexborHTMLParser(result)
    body = out.body
    if body is None:
        return ""
    focus_on_article(tree, out)
    restore_images(tree, out, url)
    return body.inner_html or ""
