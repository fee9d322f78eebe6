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
