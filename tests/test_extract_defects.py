"""Known extraction defects, each as a class (issue 13, requirement 3): punctuation after an
inline element, table cells glued together, captions read twice."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from newsmirror.cli import extract_page
from newsmirror.extract._images import restore_images
from newsmirror.util.htmltext import html_to_text

URL = "https://example.com/news/2024/race-report"


def _para(i: int) -> str:
    # paragraphs that begin differently: the output is matched to the page by their start
    return (
        f"Report {i} of the season: the race was long and hard for all the drivers who came "
        f"to the track, and paragraph {i} tells how the leaders fought until the last lap. "
    ) * 2


def _page(article: str) -> bytes:
    return (
        "<html><head><title>Race report</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>Race report</h1>{article}</article>"
        "<footer><a href='/about'>About us</a></footer></body></html>"
    ).encode()


def _text(body: bytes) -> str:
    return " ".join(extract_page(body, URL, ())["text"].split())


# --- 1. punctuation right after an inline element at the end of a paragraph ------------------


@pytest.mark.parametrize("mark", [".", "!", "?", ";", ":"])
def test_mark_after_a_link_ending_a_paragraph_is_kept(mark):
    # the page: a link, then one mark, then </p>; a table and a figure further on
    body = _page(
        f"<p>{_para(1)} It happened on <a href='/x'>Thursday</a>{mark}</p>"
        f"<p>{_para(2)}</p>"
        "<table><tr><td>Kyle Busch</td><td>50</td></tr></table>"
        "<figure><img src='a.jpg'><figcaption>The start of the race</figcaption></figure>"
        f"<p>{_para(3)}</p><p>{_para(4)} It ended on <a href='/y'>Sunday</a>{mark}</p>"
    )
    text = _text(body)
    assert f"It happened on Thursday{mark}" in text
    assert f"It ended on Sunday{mark}" in text


def test_precision_filter_keeps_the_mark_after_a_link():
    # the filter itself, sure of its container (it drops the column's block beside it):
    # the paragraphs it keeps are kept whole, the mark after their link with them
    from newsmirror.extract._focus import focus_on_article

    article = "".join(
        f"<p>{_para(i)} It happened on <a href='/x{i}'>Thursday</a>.</p>" for i in range(4)
    )
    column = "<p>Most read today: the mayor's speech and the budget, in all its detail.</p>"
    page = f"<html><body><article>{article}</article><aside>{column}</aside></body></html>"
    out = LexborHTMLParser(f"<html><body>{article}{column}</body></html>")
    focus_on_article(LexborHTMLParser(page), out)
    text = " ".join(html_to_text(out.body.inner_html or "").split())
    assert "Most read today" not in text  # the filter did act
    assert text.count("It happened on Thursday.") == 4


def test_short_heading_of_the_article_is_not_dropped_as_a_loose_bit():
    body = _page(f"<h2>Q</h2><p>{_para(1)}</p><p>{_para(2)}</p><p>{_para(3)}</p>")
    assert extract_page(body, URL, ())["text"].split("\n").count("Q") == 1


# --- 2. table cells glued together ---------------------------------------------------------


def test_table_cells_written_without_whitespace_stay_apart():
    table = (
        "<table><tr><th>Driver</th><th>Points</th></tr>"
        "<tr><td>Kyle Busch</td><td>50</td><td>40</td><td>17</td><td>27</td></tr>"
        "<tr><td><span>Joey Logano</span></td><td><b>45</b></td></tr></table>"
    )
    lines = html_to_text(f"<p>Standings</p>{table}").split("\n")
    assert lines == ["Standings", "Driver Points", "Kyle Busch 50 40 17 27", "Joey Logano 45"]


def test_table_cells_apart_in_the_extracted_text():
    table = "<table><tr><td>Kyle Busch</td><td>50</td><td>40</td></tr></table>"
    text = _text(_page(f"<p>{_para(1)}</p>{table}<p>{_para(2)}</p><p>{_para(3)}</p>"))
    assert "Busch50" not in text and "5040" not in text
    assert "Kyle Busch" in text


# --- 3. image captions read twice ----------------------------------------------------------

CAPTION = "The winner celebrates in the pit lane after the race on Sunday afternoon."


def _restored(page: str, kept: str) -> tuple[str, str]:
    """restore_images on ``page`` with ``kept`` as trafilatura's output: (html, text)."""
    out = LexborHTMLParser(f"<html><body>{kept}</body></html>")
    restore_images(LexborHTMLParser(page), out, URL)
    html = out.body.inner_html or ""
    return html, " ".join(html_to_text(html).split())


def test_caption_trafilatura_kept_as_a_paragraph_is_not_restored_twice():
    # trafilatura's fuller mode (and its image mode) keep a figure's caption as a <p>;
    # the restored <figure> brings the <figcaption>
    page = (
        f"<html><body><article><p>{_para(1)}</p><figure><img src='/a.jpg'>"
        f"<figcaption>{CAPTION}</figcaption></figure><p>{_para(2)}</p></article></body></html>"
    )
    html, text = _restored(page, f"<p>{_para(1)}</p><p>{CAPTION}</p><p>{_para(2)}</p>")
    assert text.count(CAPTION) == 1
    assert "<figcaption>" in html and html.count("<img") == 1
    assert text.index("Report 1") < text.index(CAPTION) < text.index("Report 2")


def test_article_paragraph_that_begins_like_the_caption_stays():
    # the caption repeats the first paragraph and goes on: that paragraph is no copy of it
    lede = "St. Louis Park elected a new mayor on Tuesday, the first of her kind in the state."
    page = (
        f"<html><body><article><figure><img src='/a.jpg'><figcaption>{lede} Photo: AP"
        f"</figcaption></figure><p>{lede}</p><p>{_para(1)}</p><p>{_para(2)}</p></article>"
        "</body></html>"
    )
    _html, text = _restored(page, f"<p>{lede}</p><p>{_para(1)}</p><p>{_para(2)}</p>")
    assert text.count(lede) == 2  # once in the caption, once as the article's paragraph


def test_figure_inside_a_figure_is_restored_once():
    figure = (
        "<figure class='image'><figure class='image-inner'><img src='big.jpg' width='800'>"
        f"<figcaption>{CAPTION}</figcaption></figure></figure>"
    )
    body = _page(f"<p>{_para(1)}</p>{figure}<p>{_para(2)}</p><p>{_para(3)}</p>")
    result = extract_page(body, URL, ())
    assert " ".join(result["text"].split()).count(CAPTION) == 1
    assert result["content_html"].count("<img") == 1


def test_lazy_image_and_its_noscript_copy_restored_once():
    image = (
        "<p><img src='data:image/gif;base64,R0lGOD' data-src='/photo.jpg' width='800'>"
        "<noscript><img src='/photo.jpg' width='800'></noscript></p>"
    )
    body = _page(f"<p>{_para(1)}</p>{image}<p>{_para(2)}</p><p>{_para(3)}</p>")
    assert extract_page(body, URL, ())["content_html"].count("<img") == 1


def test_hidden_lightbox_copy_of_the_caption_is_not_read():
    figure = (
        "<figure><div class='media'><img src='/photo.jpg' width='800'>"
        f"<div class='lightbox-caption visually-hidden'><div>{CAPTION}</div></div></div>"
        f"<figcaption><p>{CAPTION}</p></figcaption></figure>"
    )
    body = _page(f"<p>{_para(1)}</p>{figure}<p>{_para(2)}</p><p>{_para(3)}</p>")
    assert _text(body).count(CAPTION) == 1


def test_caption_in_a_wrapper_of_the_figcaption_is_kept():
    # AP: <div class="Figure-caption"><figcaption>...</figcaption></div> - the wrapper holds
    # the caption itself, it is no copy of it
    figure = (
        "<figure><img src='/photo.jpg' width='800'>"
        f"<div class='Figure-caption'><figcaption><p>{CAPTION}</p></figcaption></div></figure>"
    )
    body = _page(f"<p>{_para(1)}</p><p>{_para(2)}</p>{figure}<p>{_para(3)}</p>")
    assert _text(body).count(CAPTION) == 1


# --- 4. multi-post pages: the post the page is about, not another or the replies -----------
# other_posts (before trafilatura: the posts to leave out) and missed_article (after it:
# the article to read again alone) are for _generic.trafilatura_article to ask

BLOG = "https://blog.example.com"


def _post(i: int, paragraphs: int = 3, link: bool = True) -> str:
    title = f"<a href='{BLOG}/2020/01/0{i}/post-{i}/'>Post {i}</a>" if link else f"Post {i}"
    body = "".join(f"<p>Post {i}, part {j}: {_para(10 * i + j)}</p>" for j in range(paragraphs))
    return f"<article class='post hentry'><h2 class='entry-title'>{title}</h2>{body}</article>"


def _blog_page(posts: str) -> str:
    return (
        f"<html><body><header><a href='{BLOG}/'>A blog</a></header><main>{posts}</main>"
        "<footer>Powered by a blog engine</footer></body></html>"
    )


def _names(nodes) -> list[str]:
    return [" ".join(n.css_first("h2").text().split()) for n in nodes]


def test_other_posts_are_those_the_page_url_does_not_name():
    from newsmirror.extract._focus import other_posts

    tree = LexborHTMLParser(_blog_page("".join(_post(i) for i in range(1, 5))))
    # however the URL is written: scheme, www., trailing slash, fragment
    for url in (f"{BLOG}/2020/01/02/post-2/", "http://www.blog.example.com/2020/01/02/post-2#c"):
        assert _names(other_posts(tree, url)) == ["Post 1", "Post 3", "Post 4"]
    assert other_posts(tree, f"{BLOG}/") == []  # the front page names no post
    assert other_posts(tree, f"{BLOG}/2020/01/09/post-9/") == []


def test_teaser_of_the_page_own_article_is_no_named_post():
    # the article does not link to itself; the "latest posts" teaser of it does
    from newsmirror.extract._focus import other_posts

    teasers = "".join(
        f"<article class='teaser'><h3><a href='{BLOG}/2020/01/0{i}/post-{i}/'>Post {i}</a>"
        "</h3><p>A short teaser.</p></article>"
        for i in range(1, 5)
    )
    tree = LexborHTMLParser(_blog_page(_post(2, 6, link=False) + f"<aside>{teasers}</aside>"))
    assert other_posts(tree, f"{BLOG}/2020/01/02/post-2/") == []


def test_without_the_other_posts_the_named_post_is_extracted():
    from newsmirror.extract._focus import other_posts

    page = _blog_page("".join(_post(i) for i in range(1, 5)))
    url = f"{BLOG}/2020/01/02/post-2/"
    # (given the whole page, trafilatura takes its first post)
    tree = LexborHTMLParser(page)
    for post in other_posts(tree, url):
        post.decompose()
    text = extract_page((tree.html or "").encode(), url, ())["text"]
    assert "Post 2, part 0" in text and "Post 2, part 2" in text
    assert "Post 1, part" not in text and "Post 3, part" not in text


def _reader_posts_page() -> str:
    # replies marked "entry": trafilatura takes one of them for the article
    replies = "".join(
        f"<div class='entry'><div class='author'><a href='/u{i}'>reader{i}</a></div>"
        f"<div class='text'><p>Reply {i}: {_para(100 + i) * 2}</p><p>Reply {i} again: "
        f"{_para(200 + i) * 2}</p></div></div>"
        for i in range(12)
    )
    article = "".join(f"<p>Article part {j}: {_para(j)}</p>" for j in range(3))
    return (
        "<html><body><article><h1>Council budget</h1><div class='body'>"
        f"{article}</div></article><div id='leserbriefe'>{replies}</div></body></html>"
    )


def test_missed_article_when_trafilatura_took_a_reply():
    import trafilatura

    from newsmirror.extract._focus import missed_article

    page = _reader_posts_page()
    tree = LexborHTMLParser(page)
    took = trafilatura.extract(page, output_format="html", include_links=True, fast=True)
    assert "Reply" in took and "Article part" not in took  # trafilatura's mistake
    article = missed_article(tree, LexborHTMLParser(took))
    assert article is not None and "Article part 2" in article.text()
    again = trafilatura.extract(
        f"<html><body>{article.html}</body></html>", output_format="html", fast=True
    )
    assert "Article part 0" in again and "Reply" not in again


def test_no_missed_article_when_trafilatura_kept_it():
    from newsmirror.extract._focus import missed_article

    article = "".join(f"<p>Article part {j}: {_para(j)}</p>" for j in range(3))
    page = f"<html><body><article>{article}</article><div>{_para(9)}</div></body></html>"
    out = LexborHTMLParser(f"<html><body>{article}</body></html>")
    assert missed_article(LexborHTMLParser(page), out) is None


def test_multi_post_page_gives_the_post_its_url_names():
    # the whole generic path: a blog page of four posts, fetched by post 2's permalink
    page = _blog_page("".join(_post(i) for i in range(1, 5)))
    text = extract_page(page.encode(), f"{BLOG}/2020/01/02/post-2/", ())["text"]
    assert "Post 2, part 0" in text and "Post 2, part 2" in text
    assert "Post 1, part" not in text and "Post 3, part" not in text


def test_page_with_replies_gives_the_article_not_a_reply():
    text = extract_page(_reader_posts_page().encode(), "https://news.example.com/budget", ())[
        "text"
    ]
    assert "Article part 0" in text and "Article part 2" in text
    assert "Reply 3:" not in text
