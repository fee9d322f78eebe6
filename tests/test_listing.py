"""parse_listing: selectors over an HTML listing page."""

from datetime import UTC, datetime, timedelta

import pytest

from newsmirror.config import Listing
from newsmirror.feeds import ListingError, parse_listing

PAGE = """<!DOCTYPE html><html><head><title>即时 中国 | 联合早报</title>
<base href="https://www.zaobao.com/"></head><body>
<nav><a href="/">首页</a></nav>
<div class="article-list">
 <div class="list-block"><a class="article-type-link" href="realtime/china/story1">
   <div class="f18 m-eps">王毅与布林肯通话</div></a>
   <time datetime="2022-10-31T14:46:00+08:00">14:46</time>
   <p class="summary">王毅星期一<b>应约</b>通电话。</p></div>
 <div class="list-block"><a class="article-type-link" href="/realtime/china/story2?utm_source=x">
   第二条  新闻</a><span class="date">2022年10月31日 13:05</span></div>
 <div class="list-block"><span>no link here</span></div>
 <div class="list-block"><a href="javascript:void(0)">bad</a></div>
 <div class="list-block"><a class="article-type-link" href="realtime/china/story1">dup</a></div>
</div></body></html>"""


def test_items_links_titles_dates_summary():
    listing = Listing(item=".list-block", link="a", title=".f18", date="time, .date",
                      summary=".summary")
    feed = parse_listing(PAGE, "https://www.zaobao.com/realtime/china", listing,
                         "Asia/Singapore")
    assert feed.kind == "listing"
    assert feed.title == "即时 中国 | 联合早报"
    assert [i.link for i in feed.items] == [
        "https://www.zaobao.com/realtime/china/story1",
        "https://www.zaobao.com/realtime/china/story2?utm_source=x",
    ]
    first, second = feed.items
    assert first.title == "王毅与布林肯通话"
    assert second.title == "第二条 新闻"  # link text, whitespace folded
    assert first.published == datetime(2022, 10, 31, 6, 46, tzinfo=UTC)
    assert second.published.utcoffset() == timedelta(hours=8)
    assert second.published.astimezone(UTC) == datetime(2022, 10, 31, 5, 5,
                                                                 tzinfo=UTC)
    assert first.content_html == '<p class="summary">王毅星期一<b>应约</b>通电话。</p>'
    assert second.content_html == ""
    assert any("no link" in w for w in feed.warnings)
    assert any("not http" in w for w in feed.warnings)


def test_item_that_is_itself_the_link():
    feed = parse_listing('<ul><li><a href="/a">A</a></li><li><a href="/b">B</a></li></ul>',
                         "https://x.example/list", Listing(item="li > a", link="a.nothing"))
    assert [(i.title, i.link) for i in feed.items] == [("A", "https://x.example/a"),
                                                       ("B", "https://x.example/b")]


def test_item_selector_matching_nothing_is_a_clear_error():
    with pytest.raises(ListingError, match="matched nothing"):
        parse_listing(PAGE, "https://www.zaobao.com/", Listing(item=".no-such-class"))


def test_listing_error_is_a_feed_error():
    from newsmirror.feeds import FeedError

    assert issubclass(ListingError, FeedError)


def test_invalid_selector():
    with pytest.raises(ListingError, match="invalid CSS selector"):
        parse_listing(PAGE, "https://www.zaobao.com/", Listing(item="div[[["))


def test_items_without_links_only():
    with pytest.raises(ListingError, match="none had a link"):
        parse_listing("<div class=i>x</div>", "https://x.example/", Listing(item=".i"))
