"""Page metadata from what the page shows: the date under the headline, bylines, titles.

Small pages built here for each behaviour, and a floor on the real Chinese pages of
``../shared/fixtures/pages-zh`` (skipped when that folder is absent).
"""

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsmirror.extract import extract
from newsmirror.util.charset import decode
from newsmirror.util.dates import parse_date

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "pages-zh"
BODY = "<p>" + "正文内容，这是文章的主体部分。" * 20 + "</p>"
EN_BODY = "<p>" + "The article body goes on for a while here. " * 20 + "</p>"


def meta(html: str, tz: str = "Asia/Shanghai", url: str = "https://news.example.cn/a/1.html"):
    return extract(html, url, (), default_tz=tz)


def zh_page(byline: str, *, head: str = "", before: str = "", after: str = "") -> str:
    return (
        f"<html><head><title>标题在这里_示例新闻</title>{head}</head><body>"
        f"<div class='nav'>首页 &gt; 新闻</div>{before}"
        f"<div class='article'><h1>标题在这里</h1><div class='info'>{byline}</div>"
        f"{BODY}</div>{after}</body></html>"
    )


RELATED = (
    "<div class='related'><h3>相关新闻</h3><ul>"
    "<li><a href='/1'>另一篇文章</a><time datetime='2019-09-01'>2019-09-01</time></li>"
    "<li><a href='/2'>又一篇文章</a><span>2019-08-30 08:00</span></li></ul></div>"
)


# --- dates from the visible text -------------------------------------------------------------


@pytest.mark.parametrize(
    "byline, expected",
    [
        ("2019-09-05 11:10 来源：游民星空", datetime(2019, 9, 5, 11, 10)),
        ("2019年09月05日 11:10 新京报", datetime(2019, 9, 5, 11, 10)),
        ("<span>发布时间：</span><span>2019/9/5 9:38:01</span>", datetime(2019, 9, 5, 9, 38, 1)),
        ("By Jane Doe | September 5, 2019 at 11:10 am", datetime(2019, 9, 5, 11, 10)),
    ],
)
def test_date_under_the_headline_in_the_sources_zone(byline, expected):
    got = meta(zh_page(byline)).published
    assert got == expected.replace(tzinfo=SHANGHAI)
    assert got.utcoffset() == timedelta(hours=8)


def test_zone_is_the_sources_when_the_page_gives_none():
    html = zh_page("2019-09-05 23:30 来源：新华网")
    assert meta(html, "America/New_York").published == datetime(
        2019, 9, 5, 23, 30, tzinfo=ZoneInfo("America/New_York")
    )
    # a zone the page prints wins over the source's
    assert meta(zh_page("2019-09-05 23:30 GMT+8"), "UTC").published == parse_date(
        "2019-09-05T23:30:00+08:00"
    )


def test_labelled_date_when_there_is_no_headline():
    html = (
        f"<html><body><div class='meta'>发布时间：2019年09月07日 08:05:32</div>{BODY}</body></html>"
    )
    assert meta(html).published == datetime(2019, 9, 7, 8, 5, 32, tzinfo=SHANGHAI)


def test_related_list_date_not_taken_when_the_byline_has_one():
    html = zh_page("2019-09-05 11:10 来源：新华网", before=RELATED, after=RELATED)
    assert meta(html).published == datetime(2019, 9, 5, 11, 10, tzinfo=SHANGHAI)


def test_related_list_and_article_text_dates_are_no_publication_date():
    html = zh_page("来源：新华网", after=RELATED).replace(
        BODY, "<p>2019年9月3日，记者获悉……</p>" + BODY
    )
    assert meta(html).published is None


def test_update_date_is_not_the_publication_date():
    html = zh_page("来源：EETOP 最后更新: 2019-09-07 15:14:21 ")
    assert meta(html).published is None
    html = zh_page("2019-09-07 15:10:53 来源：EETOP 最后更新: 2019-09-07 15:14:21")
    assert meta(html).published == datetime(2019, 9, 7, 15, 10, 53, tzinfo=SHANGHAI)


def test_future_and_ancient_dates_are_refused():
    future = (datetime.now(SHANGHAI) + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    ld = f'<script type="application/ld+json">{{"@type": "NewsArticle", "datePublished": "{future}"}}</script>'
    html = zh_page("2019-09-05 11:10 来源：新华网", head=ld)
    assert meta(html).published == datetime(2019, 9, 5, 11, 10, tzinfo=SHANGHAI)
    assert meta(zh_page("1985-09-05 11:10 来源：新华网")).published is None


def test_metadata_date_is_preferred_to_the_visible_one():
    head = '<meta property="article:published_time" content="2019-09-04T10:00:00+08:00">'
    html = zh_page("2019-09-05 11:10 来源：新华网", head=head)
    assert meta(html).published == parse_date("2019-09-04T10:00:00+08:00")


def test_ld_json_in_cdata_and_baidu_pubdate():
    ld = (
        '<script type="application/ld+json">//<![CDATA[\n{"@type": "NewsArticle",'
        ' "pubDate": "2019-09-05T11:10:52"}\n//]]></script>'
    )
    assert meta(zh_page("", head=ld)).published == datetime(2019, 9, 5, 11, 10, 52, tzinfo=SHANGHAI)


# --- authors from bylines --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, author",
    [
        ("<p>新京报快讯（记者 裴剑飞）今日有网友爆料……</p>", "裴剑飞"),
        ("<p>【文/观察者网专栏作者 王文】中美贸易战……</p>", "王文"),
        ("<div class='source'>作者：李明 来源：新华网</div>", "李明"),
        ("<p>……这并不值得提倡。</p><p>扬子晚报记者 张楠</p>", "张楠"),
    ],
)
def test_chinese_bylines(text, author):
    html = zh_page("2019-09-05 11:10", after="").replace(BODY, text + BODY)
    assert meta(html).author == author


def test_editor_and_photographer_are_not_the_author():
    html = zh_page("2019-09-05 11:10").replace(
        BODY, BODY + "<p>图片来源：每经记者 张蕊 摄</p><p>责任编辑：史建磊</p><p>作者：未知</p>"
    )
    assert meta(html).author is None


@pytest.mark.parametrize(
    "byline, author",
    [
        ("<p class='byline'>By Jane Doe | March 5, 2019</p>", "Jane Doe"),
        ("<p>by John Smith and Mary Major</p>", "John Smith and Mary Major"),
        ("<a rel='author' href='/people/jd'>Jane Doe</a>", "Jane Doe"),
        ("<span class='author-name'>By: Jane Doe, Staff Writer</span>", "Jane Doe"),
    ],
)
def test_english_bylines(byline, author):
    html = (
        f"<html><head><title>A headline - The Site</title></head><body><article>"
        f"<h1>A headline</h1>{byline}{EN_BODY}</article></body></html>"
    )
    assert meta(html, "UTC", "https://example.com/a").author == author


def test_comment_author_is_not_the_author():
    html = (
        "<html><body><article><h1>A headline</h1>" + EN_BODY + "</article>"
        "<div class='comments'><span class='author'>Troll Person</span> said ...</div></body></html>"
    )
    assert meta(html, "UTC").author is None


def test_meta_author_that_is_a_link_gives_way_to_the_byline():
    html = (
        "<html><head><meta property='article:author' content='https://www.facebook.com/jd'>"
        "</head><body><h1>T</h1><p class='byline'>By Jane Doe</p>" + EN_BODY + "</body></html>"
    )
    assert meta(html, "UTC").author == "Jane Doe"


# --- titles ----------------------------------------------------------------------------------


def test_title_is_the_h1_the_title_names_without_the_site():
    html = (
        "<html><head><title>男孩写纸团抛出引来警察_网易新闻</title></head><body>"
        "<h1>男孩写纸团抛出引来警察</h1>" + BODY + "</body></html>"
    )
    assert meta(html).title == "男孩写纸团抛出引来警察"


def test_meta_title_cut_by_an_unescaped_quote_gives_way_to_the_h1():
    html = (
        '<html><head><meta property="og:title" content="男孩写"救命啊"纸团抛出">'
        '</head><body><h1>男孩写"救命啊"纸团抛出</h1>' + BODY + "</body></html>"
    )
    assert meta(html).title == '男孩写"救命啊"纸团抛出'


def test_og_title_loses_the_site_name_it_repeats():
    head = (
        '<meta property="og:title" content="How to Build a Terrarium | eHow">'
        '<meta property="og:site_name" content="eHow">'
    )
    html = f"<html><head>{head}</head><body><p>x</p></body></html>"
    assert meta(html, "UTC").title == "How to Build a Terrarium"


# --- the real Chinese pages ------------------------------------------------------------------

# GeneralNewsExtractor's dates (machine output); 18 of 20 are found and right today: the
# misses are a date without year (readhub) and one only in a script's data (qq: the
# expected value is itself wrong there).
ZH_DATES_FLOOR = 16


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/fixtures/pages-zh not present")
def test_dates_on_the_real_chinese_pages():
    pages = json.loads((SHARED / "pages.json").read_text("utf-8"))
    right = wrong = 0
    for item in pages.values():
        raw = item["date"] if item["date"].startswith("20") else "2019年" + item["date"]
        expected = parse_date(raw, SHANGHAI)
        text, _ = decode((SHARED / item["file"]).read_bytes())
        got = meta(text, url="https://news.163.com/").published
        if got is not None:
            same_day = got.astimezone(SHANGHAI).date() == expected.date()
            right, wrong = right + same_day, wrong + (not same_day)
    assert right >= ZH_DATES_FLOOR
    assert wrong == 0


def test_update_date_from_the_metadata():
    head = (
        '<meta property="article:published_time" content="2019-09-04T10:00:00+08:00">'
        '<meta property="article:modified_time" content="2019-09-05T08:00:00+08:00">'
    )
    got = meta(zh_page("", head=head))
    assert got.updated == parse_date("2019-09-05T08:00:00+08:00")
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished":'
        ' "2019-09-05T10:00:00Z", "dateModified": "2019-09-01T10:00:00Z"}</script>'
    )
    assert meta(zh_page("", head=ld)).updated is None  # edited before it was published


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<h1>only a headline</h1>",
        "<html><head><h1>in the head</h1></head></html>",
        "<template><h1>t</h1></template><p>By Jane Doe</p><p>2019-09-05 11:10</p>",
        "<h1></h1><div class='time'>2019-13-45 99:99</div><p>记者 </p><p>文/</p>",
    ],
)
def test_odd_pages_do_not_break_the_search(html):
    got = meta(html)
    assert got.published is None or got.published.tzinfo is not None


def test_date_in_an_element_named_for_it_only_when_it_is_the_only_one():
    alone = "<div class='report'><span class='time'>2019-09-08 11:42:03</span></div>"
    html = zh_page("来源：头条", after=alone)
    assert meta(html).published == datetime(2019, 9, 8, 11, 42, 3, tzinfo=SHANGHAI)
    signatures = "".join(f"<td class='list-date'>Feb {d}, 2013</td>" for d in (14, 15, 16))
    assert (
        meta(zh_page("来源：头条", after=f"<table><tr>{signatures}</tr></table>")).published is None
    )
    # pieces of a calendar widget in separate elements are no date
    widget = "<div class='cal'><span>Feb.</span><span>19</span><span>2020</span></div>"
    assert meta(zh_page("来源：头条", before=widget)).published is None


@pytest.mark.parametrize(
    "raw, name",
    [
        ("By Jane Doe (@janedoe)", "Jane Doe"),
        ("Bradley M. Kuhn (http://ebb.org/bkuhn/)", "Bradley M. Kuhn"),
        ("name, email@gmail.com", None),
        ("https://www.facebook.com/jd", None),
        ("来源：新华网", None),
        ("责任编辑：史建磊_NBJ11331", None),
        ("By Nathan Willis March 25, 2015", "Nathan Willis"),
        ("Alex Perry 1 day ago", "Alex Perry"),
        ("王文 中国人民大学重阳金融研究院执行院长", "王文"),
    ],
)
def test_author_names_come_back_clean(raw, name):
    from newsmirror.extract._byline import clean_author

    assert clean_author(raw) == name


@pytest.mark.parametrize(
    "byline, expected",
    [
        ("<span>January 18, 2017</span><span>11:00 PM PST</span>", "2017-01-18T23:00:00-08:00"),
        ("Monday, February 29, 2016 @ 11:10 PM UTC", "2016-02-29T23:10:00+00:00"),
        ("<span>2019-09-05</span>\n<span>11:10</span>", "2019-09-05T11:10:00+08:00"),
    ],
)
def test_time_beside_the_date_is_kept(byline, expected):
    assert meta(zh_page(byline)).published == parse_date(expected)
