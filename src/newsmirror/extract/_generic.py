"""The generic extractor for pages without a site rule: trafilatura, then our
post-filter (``_focus``) and image restoration (``_images``)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from ._focus import focus_on_article
from ._images import restore_images


def trafilatura_article(html: str, tree, url: str) -> str:
    import trafilatura

    # include_images=False on purpose: with images on, trafilatura keeps thumbnail+headline
    # blocks (related lists, "推荐" grids) as content - on the Chinese portal pages of
    # bench/bench_extract_quality.py mean F1 fell from 0.82 to 0.74. restore_images puts
    # the article's own images and figures back from the page.
    # fast=True skips trafilatura's readability/justext comparison (half its time); on
    # bench/bench_extract_quality.py no page's F1 changed (en 0.990, zh 0.939 generic).
    result = (
        trafilatura.extract(
            html,
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
