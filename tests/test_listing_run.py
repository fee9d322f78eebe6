"""A site with no feed: a listing page plus selectors, through a whole run."""

from __future__ import annotations

from datetime import UTC, datetime

from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run

LISTING = """<!doctype html><html><head><meta charset="utf-8"><title>即时新闻</title></head>
<body><nav><a href="/">首页</a></nav><ul class="news">
<li class="story"><a href="/doc/listing/a1.html"><h3>地铁三号线通车</h3></a>
  <time datetime="2022-11-02T09:30:00+08:00">11月2日</time></li>
<li class="story"><a href="/doc/listing/a2.html"><h3>图书馆延长开放时间</h3></a>
  <time datetime="2022-11-01T08:00:00+08:00">11月1日</time></li>
</ul><footer>版权所有</footer></body></html>"""


def article(title: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><header>新闻网</header><article class='story-body'><h1>{title}</h1>"
            f"<p>{title}。" + "市民对此表示欢迎，认为出行更加方便。" * 8 + "</p></article>"
            "<aside>热门排行</aside></body></html>")


def test_listing_source_becomes_posts_with_full_text(http_server, make_site):
    url = http_server.put("listing/index.html", LISTING, "text/html; charset=utf-8")
    for n, title in (("a1", "地铁三号线通车"), ("a2", "图书馆延长开放时间")):
        http_server.put(f"listing/{n}.html", article(title), "text/html; charset=utf-8")
    site = make_site(f'[[sources]]\nname = "新闻网"\nurl = "{url}"\n'
                     'listing = { item = "li.story", title = "h3", date = "time" }\n\n'
                     '[rules."127.0.0.1"]\ncontent = [".story-body p"]\n')
    now = datetime(2026, 11, 1, tzinfo=UTC)
    summary = run(load_config(site), RunOptions(now=now))
    assert summary.ok, summary.to_dict()
    assert summary.reports[0].new_posts == 2
    posts = {p.name: p.read_text(encoding="utf-8") for p in (site / "_posts").iterdir()}
    assert sorted(posts) == ["2022-11-01-图书馆延长开放时间.md", "2022-11-02-地铁三号线通车.md"]
    subway = posts["2022-11-02-地铁三号线通车.md"]
    assert "date: 2022-11-02T01:30:00.000Z" in subway
    assert "市民对此表示欢迎" in subway and "热门排行" not in subway
    assert f"from: {http_server.base}/doc/listing/a1.html" in subway
    # A rerun of an unchanged listing costs one conditional request and writes nothing.
    again = run(load_config(site), RunOptions(now=now)).reports[0]
    assert again.unchanged and http_server.hits("/doc/listing/a1.html") == 1


def test_listing_whose_selector_matches_nothing_is_a_clear_error(http_server, make_site):
    url = http_server.put("listing/empty.html", LISTING, "text/html; charset=utf-8")
    site = make_site(f'[[sources]]\nname = "改版的网站"\nurl = "{url}"\n'
                     'listing = { item = "div.card" }\n')
    report = run(load_config(site), RunOptions()).reports[0]
    (error,) = report.errors
    assert error.startswith("改版的网站: ") and "div.card" in error
