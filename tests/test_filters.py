"""A source's filters (include, exclude, max_age) and one post per article across sources."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from httpfixtures import LoopbackServer
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def rss(items: list[dict]) -> str:
    body = ""
    for it in items:
        body += (
            f"<item><title>{it['title']}</title><link>{it['link']}</link>"
            f"<guid>{it['link']}</guid><pubDate>{it.get('date', 'Sat, 31 Oct 2026 06:46:00 GMT')}"
            f"</pubDate>"
            + "".join(f"<category>{c}</category>" for c in it.get("categories", ()))
            + (f"<author>{it['author']}</author>" if "author" in it else "")
            + f"<description><![CDATA[<p>{it.get('text', 'Some text.')}</p>]]></description>"
            "</item>"
        )
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>https://news.example/</link>{body}</channel></rss>")


ITEMS = [
    {"title": "Markets rally in Singapore", "link": "https://news.example/1", "text": "Stocks."},
    {"title": "Live: election night", "link": "https://news.example/2", "text": "Results."},
    {"title": "Art fair opens", "link": "https://news.example/3", "text": "Paintings.",
     "author": "desk@news.example (Reuters)"},
    {"title": "Start of the season", "link": "https://news.example/4", "text": "Football.",
     "categories": ["Sport"]},
    {"title": "新加坡股市上涨", "link": "https://news.example/5", "text": "海峡时报指数上涨。"},
    {"title": "An old story", "link": "https://news.example/6", "text": "Archive.",
     "date": "Mon, 05 Oct 2026 06:46:00 GMT"},
]


def site_for(make_site, filters: str, items: list[dict] = ITEMS) -> Path:
    site = make_site('[[sources]]\nname = "News"\nurl = "feed.xml"\nfull_text = "never"\n'
                     + filters)
    (site / "feed.xml").write_text(rss(items), encoding="utf-8")
    return site


def titles(site: Path) -> set[str]:
    found = set()
    for post in (site / "_posts").glob("*.md"):
        for line in post.read_text("utf-8").splitlines():
            if line.startswith("title: "):
                found.add(json.loads(line[7:]) if line[7:8] == '"' else line[7:])
    return found


def go(site: Path, **options):
    options.setdefault("now", T0)
    return run(load_config(site), RunOptions(**options))


def test_exclude_by_word_regex_field_and_cjk(make_site):
    site = site_for(make_site, 'exclude = ["title:/^Live:/", "author:Reuters", "category:sport",'
                               ' "股市"]\n')
    summary = go(site)
    assert titles(site) == {"Markets rally in Singapore", "An old story"}
    (report,) = summary.reports
    assert report.filtered == 4 and report.new_posts == 2


def test_include_whole_words_only(make_site):
    # "art" is a word of "Art fair" but not of "Start of the season"
    site = site_for(make_site, 'include = ["art", "content:海峡时报"]\n')
    go(site)
    assert titles(site) == {"Art fair opens", "新加坡股市上涨"}


def test_max_age_in_days(make_site):
    site = site_for(make_site, "max_age = 7\n")
    (report,) = go(site).reports
    assert "An old story" not in titles(site) and len(titles(site)) == 5
    assert report.filtered == 1


def test_left_out_items_are_remembered_when_the_filter_changes(make_site):
    site = site_for(make_site, 'exclude = ["election"]\n')
    go(site)
    assert "Live: election night" not in titles(site)
    config = site / "newsmirror.toml"
    config.write_text(config.read_text("utf-8").replace('exclude = ["election"]\n', ""), "utf-8")
    (site / "feed.xml").write_text(
        rss([*ITEMS, {"title": "Later story", "link": "https://news.example/7"}]), "utf-8")
    (report,) = go(site).reports
    # seen and left out once: not posted after the filter is gone; new items still are
    assert "Live: election night" not in titles(site) and "Later story" in titles(site)
    assert report.new_posts == 1 and report.filtered == 0


def test_left_out_items_cost_no_page_request(http_server: LoopbackServer, make_site):
    page = http_server.put("p/1.html", "<html><body><article><p>x</p></article></body></html>",
                           "text/html")
    feed = http_server.put("p/feed.xml", rss([{"title": "Sport today", "link": page}]))
    site = make_site(f'[[sources]]\nname = "P"\nurl = "{feed}"\nfull_text = "always"\n'
                     'exclude = ["sport"]\n')
    (report,) = go(site).reports
    assert report.filtered == 1 and http_server.hits("/doc/p/1.html") == 0


def test_one_post_per_article_across_sources(http_server: LoopbackServer, make_site):
    # two subscriptions carry the same articles: URLs differ by scheme, www. and tracking
    a = [{"title": f"Story {n}", "link": f"https://www.news.example/s/{n}"} for n in range(3)]
    b = [{"title": f"Story {n}", "link": f"http://news.example/s/{n}/?utm_source=rss"}
         for n in range(4)]
    feed_a = http_server.put("d/a.xml", rss(a))
    feed_b = http_server.put("d/b.xml", rss(b))
    sources = (f'[[sources]]\nname = "A"\nurl = "{feed_a}"\nfull_text = "never"\n\n'
               f'[[sources]]\nname = "B"\nurl = "{feed_b}"\nfull_text = "never"\n')
    once = make_site("[site]\none_post_per_article = true\n\n" + sources, name="once")
    summary = go(once)
    assert len(list((once / "_posts").glob("*.md"))) == 4
    assert sum(r.filtered for r in summary.reports) == 3
    go(once, force=True)  # a rerun posts nothing again
    assert len(list((once / "_posts").glob("*.md"))) == 4
    twice = make_site(sources, name="twice")
    go(twice)
    assert len(list((twice / "_posts").glob("*.md"))) == 7
