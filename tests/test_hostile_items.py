"""Hostile feed items through real runs against a loopback server: dates no post can hold,
deeply nested HTML, article pages without an article. Each item must become a post and
its source must succeed, with a warning naming the item where something was given up."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from httpfixtures import LoopbackServer
from newsmirror.config import load_config
from newsmirror.feeds import parse_feed
from newsmirror.feeds._xml import flatten_deep_xml
from newsmirror.model import Article
from newsmirror.pipeline import RunOptions, run
from newsmirror.post import post_filename, render_post

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # the run's time: when items are first seen
FAST_SITE = "retries = 1\ntimeout = 2.0\n"


def rss(items: list[tuple[str, str, str, str]]) -> str:
    """RSS with (title, link, pubDate, description HTML) items."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{date}</pubDate><description><![CDATA[{html}]]></description></item>"
        for title, link, date, html in items
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>t</title><link>http://127.0.0.1/</link>{body}</channel></rss>")


def run_feed(make_site, server: LoopbackServer, name: str, feed: str, site_zone: str = "UTC",
             full_text: str = "never", rules: str = ""):
    url = server.put(f"{name}/feed.xml", feed)
    site = make_site(f'[site]\ntimezone = "{site_zone}"\n{FAST_SITE}\n[[sources]]\nname = "News"\n'
                     f'url = "{url}"\nfull_text = "{full_text}"\n{rules}', name=name)
    summary = run(load_config(site), RunOptions(now=T0))
    return site, summary.reports[0]


def posts_by_title(site: Path) -> dict[str, tuple[str, str]]:
    """title line -> (file name, text) of every post."""
    posts = {}
    for path in (site / "_posts").iterdir():
        text = path.read_text(encoding="utf-8")
        title = next(line for line in text.splitlines() if line.startswith("title: "))
        posts[title.removeprefix("title: ").strip('"')] = (path.name, text)
    return posts


def front_date(instant: datetime) -> str:
    return "date: " + instant.astimezone(UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


# (site zone, a date no post can hold, the nearest date one can); a post's date needs a
# year of four digits, 1000-9999, both in UTC (front matter) and in the site's zone
# (file name), and must not lie ahead of the time the item is first seen
EDGES = [
    ("UTC", "0001-01-01T00:00:00+14:00", "1000-01-01T00:00:00Z"),  # UTC overflows
    ("UTC", "0001-01-01T00:00:00Z", "1000-01-01T00:00:00Z"),  # year 1: "1-01-01-..."
    ("UTC", "0999-12-31T23:59:59Z", "1000-01-01T00:00:00Z"),
    ("Etc/GMT+12", "1000-01-01T11:59:59Z", "1000-01-01T12:00:00Z"),  # UTC-12: 0999 local
    ("UTC", "9999-12-31T23:59:59-12:00", "2026-11-01T12:10:00Z"),  # year 10000 in UTC
    ("UTC", "Fri, 31 Dec 9999 23:59:59 -1200", "2026-11-01T12:10:00Z"),
    ("Pacific/Kiritimati", "9999-12-31T12:00:00Z", "2026-11-01T12:10:00Z"),  # 10000 local
    ("UTC", "9999999999999", "2026-11-01T12:10:00Z"),  # a timestamp in 2286
    ("UTC", "2026-11-01T12:10:01Z", "2026-11-01T12:10:00Z"),  # just past the tolerance
]


@pytest.mark.parametrize(("site_zone", "bad", "good"), EDGES)
def test_a_date_no_post_can_hold_is_the_first_seen_time(http_server, make_site,
                                                        site_zone, bad, good):
    bad_link, good_link = http_server.url("/a/bad"), http_server.url("/a/good")
    site, report = run_feed(make_site, http_server, f"dates-{EDGES.index((site_zone, bad, good))}",
                            rss([("Bad date", bad_link, bad, "<p>kept text</p>"),
                                 ("Good date", good_link, good, "<p>kept too</p>")]),
                            site_zone)
    assert report.ok and report.new_posts == 2, (report.errors, report.warnings)
    posts = posts_by_title(site)
    name, text = posts["Bad date"]
    assert name.startswith(T0.astimezone(ZoneInfo(site_zone)).strftime("%Y-%m-%d-"))
    assert front_date(T0) + "\n" in text and "kept text" in text
    (warning,) = [w for w in report.warnings if bad_link in w]
    assert "first seen" in warning and "\n" not in warning
    # the nearest date a post can hold is kept, its year written with four digits
    name, text = posts["Good date"]
    kept = datetime.fromisoformat(good)
    assert name.startswith(kept.astimezone(ZoneInfo(site_zone)).strftime("%Y-%m-%d-"))
    assert front_date(kept) + "\n" in text
    assert not [w for w in report.warnings if good_link in w]


def test_years_are_written_with_four_digits():
    """A post of year 1 (the library accepts any date) is named and dated as Jekyll
    reads it: ``0001-01-01-...``, not ``1-01-01-...``, which Jekyll skips."""
    year_one = datetime(1, 1, 1, 6, 30, tzinfo=UTC)
    article = Article(title="Year one", url="https://example.com/1", published=year_one,
                      author="News", tags=("News",), categories=("News",), body_html="<p>x</p>")
    assert post_filename("Year one", year_one, UTC, "k", lambda name: False).startswith(
        "0001-01-01-Year-one")
    assert "\ndate: 0001-01-01T06:30:00.000Z\n" in render_post(article)


def test_parse_feed_shows_a_date_that_utc_cannot_hold(tmp_path, capsys):
    """``parse-feed`` printed every date in UTC: year 1 at +14:00 (year 0 in UTC) was an
    OverflowError, exit 70; it is shown as the feed gave it."""
    from newsmirror.cli import main

    path = tmp_path / "feed.xml"
    path.write_text(rss([("Year one", "https://example.com/1", "0001-01-01T00:00:00+14:00",
                          "<p>x</p>")]), encoding="utf-8")
    assert main(["parse-feed", "--json", str(path)]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert item["published"] == "0001-01-01T00:00:00+14:00"


NO_ARTICLE_PAGES = {  # article pages in which extraction finds nothing
    "app-shell": "<!doctype html><html><head><title>App</title></head><body>"
                 "<div id=root></div><script>render()</script></body></html>",
    "empty-body": "<!doctype html><html><head><title>Story</title></head><body></body></html>",
    "form-only": "<!doctype html><html><head><title>Sign in</title></head><body>"
                 "<form><input name=user><input name=password></form></body></html>",
    # the site rule finds its container, and cleaning leaves it empty (an ad frame)
    "rule-ad-only": "<!doctype html><html><head><title>Story</title></head><body>"
                    "<div class=story-body><iframe src='https://ads.example.com/x'></iframe>"
                    "</div></body></html>",
}


def test_an_article_page_without_an_article_keeps_the_feed_text(http_server, make_site):
    items = []
    for name, html in NO_ARTICLE_PAGES.items():
        link = http_server.put(f"noarticle/{name}.html", html, "text/html; charset=utf-8")
        items.append((f"Story {name}", link, "Mon, 31 Oct 2022 06:46:00 GMT",
                      f"<p>The feed's own teaser of {name} …</p>"))
    site, report = run_feed(make_site, http_server, "noarticle", rss(items), full_text="always",
                            rules='[rules."127.0.0.1"]\ncontent = [".story-body"]\n')
    assert report.ok and report.new_posts == len(items), (report.errors, report.warnings)
    posts = posts_by_title(site)
    for title, link, _, teaser in items:
        body = posts[title][1].split("\n<div>\n")[1]
        assert body == f"{teaser}\n</div>\n"
        (warning,) = [w for w in report.warnings if link in w]
        assert "no article" in warning and "feed content kept" in warning


def nesting_depth(html: str) -> int:
    """How deep the elements of ``html`` nest, as a parser builds them."""
    from selectolax.lexbor import LexborHTMLParser

    deepest, todo = 0, [(LexborHTMLParser(html).body, 0)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        child = node.child if node is not None else None
        while child is not None:
            if child.tag not in ("-text", "_comment"):
                todo.append((child, depth + 1))
            child = child.next
    return deepest


def deep(levels: int, tag: str = "div") -> str:
    return f"<{tag}>" * levels + "<p>Text at the bottom.</p>" + f"</{tag}>" * levels + "<p>After.</p>"


def test_deeply_nested_items_become_posts_of_bounded_depth(http_server, make_site):
    """20,000 nested elements: in the feed's text, in an article page, and in an item
    whose page is fetched because its text (unclosed elements) is short. The text stays,
    the nesting is capped; without the cap the parsers' cost grows with the square of
    the depth (docs/PERFORMANCE.md, "Cleaning")."""
    from newsmirror.util.htmldepth import MAX_DEPTH

    page = http_server.put("deep/page.html", "<html><body><article>" + deep(20_000, "section")
                           + "</article></body></html>", "text/html; charset=utf-8")
    items = [("Deep feed text", http_server.url("/a/deep"), "Mon, 31 Oct 2022 06:46:00 GMT",
              deep(20_000) + "<p>" + "Enough text to need no page. " * 20 + "</p>"),
             ("Deep page", page, "Mon, 31 Oct 2022 06:46:00 GMT", "<p>Teaser …</p>"),
             ("Unclosed", http_server.url("/a/unclosed"), "Mon, 31 Oct 2022 06:46:00 GMT",
              "<ul><li>" * 20_000 + "Text at the bottom.")]
    site, report = run_feed(make_site, http_server, "deep", rss(items), full_text="auto")
    assert report.ok and report.new_posts == 3, (report.errors, report.warnings)
    bodies = {title: text.split("\n<div>\n")[1] for title, (_, text) in posts_by_title(site).items()}
    for body in bodies.values():
        assert "Text at the bottom." in body and nesting_depth(body) <= MAX_DEPTH + 2
    # the feed's elements are kept down to the cap, the deeper ones flattened into it
    assert "After." in bodies["Deep feed text"]
    assert nesting_depth(bodies["Deep feed text"]) > MAX_DEPTH - 10


# Markup that nests 3,000 levels, each written a way the flattening must see through
# (the text stays; each line's cost grows with the depth squared without the cap)
DEEP_SHAPES = {
    "closed divs": "<div>" * 3000 + "Text at the bottom." + "</div>" * 3000,
    "unclosed lists": "<ul><li>" * 3000 + "Text at the bottom.",
    "inline, then blocks": "<span>" * 3000 + "<div>Text at the bottom.</div>" * 50,
    "attributes quoting '>'": '<div title="a>b" class=x>' * 3000 + "Text at the bottom.",
    "after a comment closed by --!>": "<!-- a --!>" + "<div>" * 3000 + "Text at the bottom.",
    "out of svg through <style>": "<svg><style>" + "<div>" * 3000 + "Text at the bottom.",
    "tables in cells": "<table><tr><td>" * 3000 + "Text at the bottom.",
    "upper case, then siblings": "<DIV>" * 3000 + "<p>Text at the bottom.<p>Next.<p>Last.",
}


@pytest.mark.parametrize("shape", DEEP_SHAPES)
def test_cleaning_caps_the_depth_of_every_shape_of_nesting(shape):
    from newsmirror.clean import clean_html
    from newsmirror.util.htmldepth import MAX_DEPTH

    cleaned = clean_html(DEEP_SHAPES[shape], "https://example.com/")
    assert "Text at the bottom." in cleaned
    # the parser may add elements the markup leaves out (tbody, tr): a small multiple
    assert nesting_depth(cleaned) <= 2 * MAX_DEPTH


# --- a feed nested deeper than the XML parser goes ------------------------------------------

def deep_atom(levels: int, entries: int = 4, deep_entry: int = 1) -> str:
    deep = "<div>" * levels + "deep text" + "</div>" * levels
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>t</title>" + "".join(
                f'<entry><id>e{i}</id><title>Entry {i}</title>'
                f'<link href="https://news.example/{i}"/><updated>2022-10-31T00:00:00Z</updated>'
                '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                f'{deep if i == deep_entry else f"<p>Entry {i} text, &amp; <![CDATA[<kept>]]></p>"}'
                "</div></content></entry>" for i in range(entries)) + "</feed>")


@pytest.mark.parametrize("levels", [3_000, 100_000])
def test_one_entry_nested_too_deep_costs_no_other_entry(levels):
    """libxml2 stops at 2,048 levels even with huge_tree: every entry after a deep one
    was lost (two of four here). The document is flattened and parsed again."""
    parsed = parse_feed(deep_atom(levels).encode("utf-8"), url="https://news.example/feed")
    assert [i.title for i in parsed.items] == [f"Entry {i}" for i in range(4)]
    assert "deep text" in parsed.items[1].content_html
    assert "Entry 3 text, &amp; &lt;kept&gt;" in parsed.items[3].content_html
    assert any("nested deeper than 1024 levels flattened" in w for w in parsed.warnings)


def test_flattening_keeps_shallow_markup_and_text():
    doc = (b'<?xml version="1.0"?><!-- c --><a x="1>2"><b/>' + b"<c>" * 5 + b"t"
           + b"</c>" * 5 + b"<![CDATA[<c><c><c>]]></a>")
    flat, dropped = flatten_deep_xml(doc, limit=3)
    assert dropped == 3
    assert flat == (b'<?xml version="1.0"?><!-- c --><a x="1>2"><b/><c><c>t</c></c>'
                    b"<![CDATA[<c><c><c>]]></a>")
