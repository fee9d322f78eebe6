"""Presets for sites without a feed (issue 14, requirement 1): zaobao's two editions read
from saved listing and article pages that keep the real pages' structure, listing times,
a listing whose layout changed, pagination, unknown presets, and test-rule's preview."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from httpfixtures import FakeResolver, LoopbackServer
from newsmirror import presets
from newsmirror.cli import main
from newsmirror.config import Listing, load_config
from newsmirror.errors import ConfigError, ListingError
from newsmirror.feeds import parse_listing
from newsmirror.feeds._listing_dates import listing_date
from newsmirror.fetch import Fetcher
from newsmirror.pipeline import RunOptions, _run, run

PAGES = Path(__file__).parent / "pages" / "presets"
HTML = "text/html; charset=utf-8"
SGT = ZoneInfo("Asia/Singapore")
NOW = datetime(2024, 10, 31, 16, 0, tzinfo=SGT)  # the run's clock: a Thursday afternoon
SITE = '[site]\nallow_private_networks = true\ntimezone = "Asia/Singapore"\n\n'


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def posts(site: Path) -> dict[str, str]:
    folder = site / "_posts"
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()} if folder.exists() else {}


# --- the zaobao preset, both editions, a whole run ------------------------------------

@pytest.fixture
def zaobao_editions(http_server: LoopbackServer, monkeypatch):
    """www.zaobao.com.sg and www.zaobao.com answered by the test server (fake DNS, real
    HTTP): the preset's china section points at this server's port, nothing else changes.
    Listing hrefs are the sites' own ("/realtime/china/story..."), served under /doc/."""
    port = http_server.port
    sg = f"http://www.zaobao.com.sg:{port}/doc/sg/realtime/china"
    cn = f"http://www.zaobao.com:{port}/doc/cn/realtime/china"
    local = page("zaobao-sg-realtime-china.html").replace('href="/realtime/', 'href="/doc/realtime/')
    http_server.put("sg/realtime/china", local, HTML)
    local = page("zaobao-cn-realtime-china.html").replace('href="/realtime/', 'href="/doc/realtime/')
    http_server.put("cn/realtime/china", local, HTML)
    for story in ("sg-story20241031-5283271", "sg-story20241030-5280145",
                  "cn-story20241031-5283196"):
        http_server.put(f"realtime/china/{story[3:]}", page(f"zaobao-{story}.html"), HTML)

    real = presets.load_presets()
    zaobao = real["zaobao"]
    china = dataclasses.replace(zaobao.sections["china"], urls=(sg, cn))
    patched = {**real, "zaobao": dataclasses.replace(
        zaobao, sections={**zaobao.sections, "china": china})}
    monkeypatch.setattr(presets, "load_presets", lambda: patched)

    class Resolving(Fetcher):
        def __init__(self, settings=None, **_):
            super().__init__(settings, resolver=FakeResolver({
                "www.zaobao.com.sg": ["127.0.0.1"], "www.zaobao.com": ["127.0.0.1"]}))

    monkeypatch.setattr(_run, "Fetcher", Resolving)
    return sg, cn


def test_zaobao_preset_mirrors_both_editions_without_a_feed(
        zaobao_editions, http_server, make_site):
    sg, cn = zaobao_editions
    site = make_site(SITE + '[[sources]]\nname = "早报 中港台"\npreset = "zaobao"\n'
                     'section = "china"\n')
    source = load_config(site).sources[0]
    assert source.url == sg and source.listing is not None
    assert source.timezone == "Asia/Singapore" and source.lang == "zh-Hans"
    assert presets.listing_urls(source) == (sg, cn)

    summary = run(load_config(site), RunOptions(now=NOW.astimezone(ZoneInfo("UTC"))))
    assert summary.ok, summary.to_dict()
    report = summary.reports[0]
    # three stories: the one both editions list is read once, from the first edition
    assert report.items_seen == 3 and report.new_posts == 3
    written = posts(site)
    assert sorted(written) == [
        "2024-10-30-香港特区政府公布新一轮人才引进计划.md",
        "2024-10-31-台湾立法院三读通过-明年度中央政府总预算案删减幅度创新高.md",
        "2024-10-31-国务院发布促消费新措施-延长以旧换新补贴.md",
    ]
    consumer = written["2024-10-31-国务院发布促消费新措施-延长以旧换新补贴.md"]
    assert "date: 2024-10-31T06:46:00.000Z" in consumer  # "14:46" on the listing, Singapore
    assert f"from: http://www.zaobao.com.sg:{http_server.port}/doc/realtime/china/" in consumer
    assert "补贴范围将扩大到手机和平板电脑" in consumer  # full text: the page's hydration JSON
    assert "gpt.js" not in consumer and "loading-skeleton" not in consumer
    # "10月30日": that day, midnight in Singapore
    hk = written["2024-10-30-香港特区政府公布新一轮人才引进计划.md"]
    assert "date: 2024-10-29T16:00:00.000Z" in hk and "放宽高端人才通行证" in hk
    # zaobao.com's own story: the headline from the link's title attribute (the visible
    # one is cut short), the text from .article-body, related links and ads dropped
    taiwan = written["2024-10-31-台湾立法院三读通过-明年度中央政府总预算案删减幅度创新高.md"]
    assert "date: 2024-10-31T05:05:00.000Z" in taiwan
    assert "在野党立委则认为" in taiwan and "相关新闻" not in taiwan and "热门" not in taiwan
    # the rerun of unchanged listings: two conditional requests, nothing written
    again = run(load_config(site), RunOptions(now=NOW.astimezone(ZoneInfo("UTC")))).reports[0]
    assert again.unchanged and again.new_posts == 0
    assert http_server.hits("/doc/realtime/china/story20241031-5283271") == 1
    assert http_server.hits("/doc/sg/realtime/china") == 2


# --- listing times ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("14:46", "2024-10-31T14:46:00+08:00"),           # today
    ("15:59:30", "2024-10-31T15:59:30+08:00"),
    ("16:30", "2024-10-30T16:30:00+08:00"),           # today's is to come: yesterday's
    ("10月31日", "2024-10-31T00:00:00+08:00"),
    ("10月30日 08:15", "2024-10-30T08:15:00+08:00"),
    ("11月2日", "2023-11-02T00:00:00+08:00"),          # this year's is to come: last year's
    ("10-31", "2024-10-31T00:00:00+08:00"),
    ("12-31", "2023-12-31T00:00:00+08:00"),
    ("10/29 09:00", "2024-10-29T09:00:00+08:00"),
    ("2小时前", "2024-10-31T14:00:00+08:00"),
    ("30分钟前", "2024-10-31T15:30:00+08:00"),
    ("3 小時前", "2024-10-31T13:00:00+08:00"),
    ("2天前", "2024-10-29T16:00:00+08:00"),
    ("刚刚", "2024-10-31T16:00:00+08:00"),
    ("5 minutes ago", "2024-10-31T15:55:00+08:00"),
    ("昨天 08:00", "2024-10-30T08:00:00+08:00"),
    ("昨天", "2024-10-30T00:00:00+08:00"),
    ("前天", "2024-10-29T00:00:00+08:00"),
    ("今天 09:12", "2024-10-31T09:12:00+08:00"),
    ("2024-10-31 14:46", "2024-10-31T14:46:00+08:00"),
    ("2024年10月31日", "2024-10-31T00:00:00+08:00"),
    ("2024年10月31日 14:46", "2024-10-31T14:46:00+08:00"),
    ("2024/10/31 14:46", "2024-10-31T14:46:00+08:00"),  # cna's form
    ("2024-10-31T14:46:00Z", "2024-10-31T22:46:00+08:00"),  # a zone of its own wins
])
def test_listing_times_are_read_in_the_source_timezone(text, expected):
    assert listing_date(text, SGT, NOW).astimezone(SGT).isoformat() == expected


@pytest.mark.parametrize("text", ["", "更多", "25:61", "2月30日", "13月1日", "前天下午"])
def test_what_is_no_listing_time(text):
    assert listing_date(text, SGT, NOW) is None


def test_listing_times_follow_the_zone_not_the_machine():
    # 00:30 on November 1st in Singapore is still October 31st in UTC: "23:50" is
    # October 31st's, read in Singapore time
    now = datetime(2024, 10, 31, 16, 30, tzinfo=ZoneInfo("UTC"))
    assert listing_date("23:50", SGT, now).isoformat() == "2024-10-31T23:50:00+08:00"
    assert listing_date("00:10", SGT, now).isoformat() == "2024-11-01T00:10:00+08:00"


# --- a listing whose layout changed ---------------------------------------------------

CHANGED = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">
<title>中港台即时新闻 | 联合早报</title></head><body><div id="root">
<main><section class="story-grid"><div class="story-tile"><a class="headline"
href="/realtime/china/story20241031-5283271">国务院发布促消费新措施</a><time>14:46</time></div>
</section></main></div></body></html>"""


def test_a_listing_whose_layout_changed_is_a_source_error(http_server, make_site, capsys):
    changed = http_server.put("changed/realtime/china", CHANGED, HTML)
    site = make_site(SITE + f'[[sources]]\nname = "早报"\npreset = "zaobao"\nsection = "china"\n'
                     f'url = "{changed}"\n\n'
                     f'[[sources]]\nname = "Feed"\nurl = "{http_server.url("/feed.xml")}"\n'
                     f'full_text = "never"\n')
    assert main(["run", "--site", str(site)]) == 1
    out = capsys.readouterr()
    assert "the layout changed?" in out.out + out.err
    assert len(posts(site)) == 1  # the other source still posted
    assert main(["sources", "--site", str(site), "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["早报"]["failures"] == 1 and rows["早报"]["posts"] == 0
    assert "the listing has no links any more: the layout changed?" in rows["早报"]["last_error"]
    assert rows["Feed"]["failures"] == 0 and rows["Feed"]["posts"] == 1


def test_zero_links_from_items_without_links_is_the_same_error():
    listing = Listing(item="div.story-tile", link="a.story-link")
    with pytest.raises(ListingError, match="the layout changed"):
        parse_listing(CHANGED, "https://www.zaobao.com.sg/realtime/china", listing)


# --- pagination ------------------------------------------------------------------------

def listing_page(n: int, next_href: str | None, prefix: str) -> str:
    items = "".join(f'<li class="story"><a href="/doc/{prefix}/a{n}-{i}.html">第{n}页第{i}条</a>'
                    f'<span class="time">{10 + i}:0{n}</span></li>' for i in (1, 2))
    nav = f'<a class="next" href="{next_href}">下一页</a>' if next_href else ""
    return f"<html><body><ul>{items}</ul>{nav}</body></html>"


def article(title: str) -> str:
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<div class='story-body'><p>{title}。" + "市民对此表示欢迎，认为出行更加方便。" * 8
            + "</p></div></article></body></html>")


def paged_site(http_server, make_site, prefix: str, pages: int, nexts: dict[int, str]) -> Path:
    for n in (1, 2, 3):
        http_server.put(f"{prefix}/list{n}.html", listing_page(n, nexts.get(n), prefix), HTML)
        for i in (1, 2):
            http_server.put(f"{prefix}/a{n}-{i}.html", article(f"第{n}页第{i}条"), HTML)
    first = http_server.url(f"/doc/{prefix}/list1.html")
    return make_site(SITE + f'[[sources]]\nname = "分页"\nurl = "{first}"\n'
                     f'listing = {{ item = "li.story", date = ".time", next = "a.next", '
                     f'pages = {pages} }}\n\n[rules."127.0.0.1"]\ncontent = [".story-body"]\n')


def test_pagination_follows_next_up_to_the_cap(http_server, make_site):
    nexts = {1: "/doc/pg/list2.html", 2: "list3.html"}
    site = paged_site(http_server, make_site, "pg", 2, nexts)
    report = run(load_config(site), RunOptions(now=NOW)).reports[0]
    assert report.ok and report.items_seen == 4 and report.new_posts == 4
    assert http_server.hits("/doc/pg/list2.html") == 1
    assert http_server.hits("/doc/pg/list3.html") == 0  # pages = 2
    assert sorted(posts(site))[0] == "2024-10-31-第1页第1条.md"


def test_pagination_stops_at_a_page_already_read_and_at_another_host(http_server, make_site):
    site = paged_site(http_server, make_site, "loop", 5, {1: "list2.html", 2: "list1.html"})
    report = run(load_config(site), RunOptions(now=NOW)).reports[0]
    assert report.ok and report.items_seen == 4
    assert http_server.hits("/doc/loop/list1.html") == 1
    away = {1: "https://elsewhere.example/list2.html"}
    site = paged_site(http_server, make_site, "away", 5, away)
    report = run(load_config(site), RunOptions(now=NOW)).reports[0]
    assert report.ok and report.items_seen == 2


def test_a_failing_later_page_keeps_the_first_pages(http_server, make_site):
    site = paged_site(http_server, make_site, "gone", 3, {1: "list2.html", 2: "missing.html"})
    report = run(load_config(site), RunOptions(now=NOW)).reports[0]
    assert report.ok and report.items_seen == 4
    assert any("missing.html" in w and "not read" in w for w in report.warnings)


# --- configuration ---------------------------------------------------------------------

def test_a_preset_fills_what_the_source_leaves_out(make_site):
    site = make_site('[[sources]]\nname = "CNA"\npreset = "cna"\n\n'
                     '[[sources]]\nname = "早报"\npreset = "zaobao"\nsection = "world"\n'
                     'timezone = "UTC"\nlisting = { pages = 3 }\n')
    cna, zaobao = load_config(site).sources
    assert cna.url == "https://www.cna.com.tw/list/aall.aspx" and cna.section == "realtime"
    assert cna.timezone == "Asia/Taipei" and cna.lang == "zh-Hant"
    assert cna.listing is not None and cna.listing.item == ".mainList li"
    assert zaobao.url == "https://www.zaobao.com.sg/realtime/world"
    assert zaobao.timezone == "UTC"  # the source's own fields win
    assert zaobao.listing is not None and zaobao.listing.pages == 3
    assert zaobao.listing.item.startswith(".card-listing")


@pytest.mark.parametrize(("fields", "message"), [
    ('preset = "straitstimes"', "unknown preset 'straitstimes'; known presets: zaobao, cna"),
    ('preset = "zaobao"\nsection = "sport"',
     "no section 'sport'; its sections: realtime, china, world, singapore, finance"),
    ('section = "china"\nurl = "https://example.com/"', "section needs a preset"),
    ('preset = "zaobao"\nlisting = { pages = 50 }', "pages must be 1 to 20"),
])
def test_unknown_presets_and_sections_name_the_known_ones(make_site, fields, message):
    site = make_site(f'[[sources]]\nname = "S"\n{fields}\n')
    with pytest.raises(ConfigError, match="source 'S': ") as error:
        load_config(site)
    assert message in str(error.value)


def test_find_preset_recognises_a_preset_site():
    assert presets.find_preset("https://www.zaobao.com.sg/realtime/world/") == ("zaobao", "world")
    assert presets.find_preset("https://www.zaobao.com/finance/realtime") == ("zaobao", "finance")
    assert presets.find_preset("zaobao.com") == ("zaobao", "realtime")
    assert presets.find_preset("https://www.cna.com.tw/news/aipl/202410310123.aspx") == (
        "cna", "realtime")
    assert presets.find_preset("https://www.guancha.cn/") == ("guancha", "headline")
    assert presets.find_preset("https://example.com/realtime/china") is None


def test_every_preset_is_valid_config(make_site):
    for name, preset in presets.load_presets().items():
        for section in preset.sections:
            site = make_site(f'[[sources]]\nname = "x"\npreset = "{name}"\n'
                             f'section = "{section}"\n', name=f"{name}-{section}")
            source = load_config(site).sources[0]
            assert source.url.startswith("https://") and source.listing is not None


@pytest.mark.parametrize(("name", "file", "url", "first"), [
    ("cna", "cna-list-aall.html", "https://www.cna.com.tw/list/aall.aspx",
     ("https://www.cna.com.tw/news/aipl/202410310157.aspx", "賴清德出訪友邦 總統府：行程規劃中",
      "2024-10-31T14:46:00+08:00")),
    ("guancha", "guancha-headline.html",
     "https://www.guancha.cn/GuanChaZheTouTiao/list_1.shtml",
     ("https://www.guancha.cn/internation/2024_10_31_753399.shtml", "美国大选进入最后冲刺",
      "2024-10-31T14:46:51+08:00")),
])
def test_the_other_presets_read_their_listing_pages(name, file, url, first):
    preset = presets.load_presets()[name]
    feed = parse_listing(page(file), url, Listing(**preset.listing), preset.timezone, now=NOW)
    item = feed.items[0]
    assert (item.link, item.title, item.published.isoformat()) == first
    assert len(feed.items) == 2 and not feed.warnings


# --- test-rule previews a listing -----------------------------------------------------

def test_test_rule_previews_a_listing_page(capsys, make_site):
    listing = str(PAGES / "zaobao-cn-realtime-china.html")
    assert main(["test-rule", listing, "--preset", "zaobao", "--section", "china"]) == 0
    out = capsys.readouterr().out
    assert "2 link(s)" in out
    assert "https://www.zaobao.com.sg/realtime/china/story20241031-5283271" in out
    assert "台湾立法院三读通过 明年度中央政府总预算案删减幅度创新高" in out  # title attribute
    assert "+08:00" in out and "next page: none" in out
    # as a configured source reads it; JSON for scripts
    site = make_site('[[sources]]\nname = "早报"\npreset = "zaobao"\nsection = "china"\n')
    args = ["test-rule", str(PAGES / "zaobao-sg-realtime-china.html"), "--site", str(site),
            "--source", "早报", "--url", "https://www.zaobao.com.sg/realtime/china", "--json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert [i["title"] for i in report["items"]] == [
        "国务院发布促消费新措施 延长以旧换新补贴", "香港特区政府公布新一轮人才引进计划"]
    assert report["items"][1]["date"].startswith("20") and report["error"] is None


def test_test_rule_on_a_listing_without_links_fails_clearly(capsys, tmp_path):
    changed = tmp_path / "changed.html"
    changed.write_text(CHANGED, encoding="utf-8")
    assert main(["test-rule", str(changed), "--preset", "zaobao"]) == 1
    err = capsys.readouterr().err
    assert "the listing has no links any more: the layout changed?" in err


def test_test_rule_refuses_an_unknown_preset(capsys, tmp_path):
    changed = tmp_path / "changed.html"
    changed.write_text(CHANGED, encoding="utf-8")
    assert main(["test-rule", str(changed), "--preset", "nope"]) == 2
    assert "known presets: zaobao" in capsys.readouterr().err


def test_a_preset_brings_its_article_rule_unless_the_site_has_one(make_site):
    from newsmirror.cli._reports import extract_page
    from newsmirror.extract import load_builtin_rules

    config = load_config(make_site('[[sources]]\nname = "CNA"\npreset = "cna"\n'))
    assert [r.domain for r in config.rules] == ["cna.com.tw"]
    rules = tuple(load_builtin_rules()) + config.rules
    result = extract_page((PAGES / "cna-news-aipl.html").read_bytes(),
                          "https://www.cna.com.tw/news/aipl/202410310157.aspx", rules)
    assert result["rule"] == "cna.com.tw"
    assert "行程仍在規劃中" in result["text"] and "確保行程順利" in result["text"]
    assert "訂閱中央社電子報" not in result["text"] and "非經授權" not in result["text"]
    own = make_site('[[sources]]\nname = "CNA"\npreset = "cna"\n\n'
                    '[rules."www.cna.com.tw"]\ncontent = ["article"]\n', name="own")
    assert [r.content for r in load_config(own).rules] == [("article",)]
    assert load_config(make_site('[[sources]]\nname = "x"\nurl = "https://a.example/"\n',
                                 name="none")).rules == ()
