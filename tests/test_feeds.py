"""parse_feed(): formats, fields, links, dates, malformed input, safety."""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    import newsmirror  # noqa: F401
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(Path(__file__).parents[1] / "src"))

from newsmirror.errors import ConfigError
from newsmirror.feeds import FeedError, detect_kind, parse_feed
from newsmirror.model import FeedItem, ParsedFeed

HERE = Path(__file__).parent
FEEDS = HERE / "feeds"
SEED = Path(__file__).parents[1].parent / "shared" / "fixtures" / "seed"
UTC = UTC
SEED_TIME = datetime(2022, 10, 31, 6, 46, tzinfo=UTC)


def text(name: str) -> str:
    return (FEEDS / name).read_text(encoding="utf-8")


def parse(name: str, **kw) -> ParsedFeed:
    return parse_feed(text(name), **kw)


# --------------------------------------------------------------------------- seed


@pytest.mark.skipif(not (SEED / "feed.xml").exists(), reason="shared seed fixture absent")
@pytest.mark.parametrize("as_bytes", [False, True])
def test_seed_item_is_byte_identical(as_bytes):
    raw_bytes = (SEED / "feed.xml").read_bytes()
    raw = raw_bytes.decode("utf-8")
    feed = parse_feed(
        raw_bytes if as_bytes else raw, url="http://localhost:1200/zaobao/realtime/china"
    )
    assert feed.kind == "rss"
    assert feed.title == "联合早报 - 中国"
    assert feed.link == "https://www.zaobao.com/realtime/china"
    assert feed.warnings == ()
    assert len(feed.items) == 1
    item = feed.items[0]
    assert item.title == "王毅与布林肯通话：停止对华打压 不要为两国关系制造新障碍"
    assert item.published == SEED_TIME
    assert item.published.utcoffset() == timedelta(0)
    assert item.link == "https://www.zaobao.com/realtime/china/story20221031-1328240"
    assert item.guid == "https://www.zaobao.com/realtime/china/story20221031-1328240"
    cdata = re.search(r"<item>.*?<description><!\[CDATA\[(.*?)\]\]></description>", raw, re.S)
    assert item.content_html == cdata.group(1)  # byte-identical: no strip, no rewriting
    assert item.content_html.endswith('<div class="cx_paywall_placeholder" id="sph_cdp_40"></div>')
    assert 'data-src="' in item.content_html and 'referrerpolicy="no-referrer"' in item.content_html


@pytest.mark.skipif(not (SEED / "feed-raw.xml").exists(), reason="shared seed fixture absent")
def test_seed_raw_feed_keeps_placeholder_src():
    raw = (SEED / "feed-raw.xml").read_text(encoding="utf-8")
    item = parse_feed(raw).items[0]
    assert 'src="data:image/gif;base64,R0lGOD' in item.content_html
    assert item.published == SEED_TIME


# --------------------------------------------------------------------------- formats


def test_rss20_fields():
    feed = parse("rss20.xml", url="https://news.example.com/feed.xml")
    assert (feed.kind, feed.title, feed.link) == (
        "rss",
        "Example & Co. 新闻",
        "https://news.example.com/",
    )
    assert feed.warnings == ()
    first, second, third = feed.items
    assert first.title == "First & foremost: \u201cquoted\u201d"
    assert first.link == "https://news.example.com/a/1.html"
    assert first.guid == "item-1"
    assert first.published == SEED_TIME
    assert first.updated is None
    assert first.authors == ("Jane Editor", "Wang Wei")  # email (Name) form, then dc:creator
    assert first.categories == ("World", "China")  # duplicates folded, order kept
    # content:encoded is the fullest body; kept exactly, trailing newline and all
    assert first.content_html == (
        '<p>Full body with <img data-src="/img/1.jpg" src="data:image/gif;base64,R0lGOD" '
        'referrerpolicy="no-referrer"> and <a href="/x">a link</a>.</p>\n'
    )
    assert second.title == "Bold title"  # &lt;b&gt; in the XML: HTML in a title, stripped
    assert second.link == "https://news.example.com/a/2.html"  # relative, via channel link
    assert second.published == datetime(2022, 10, 31, 15, tzinfo=timezone(timedelta(hours=8)))
    assert second.content_html == "<p>Escaped &amp; body</p>"
    assert third.title == "Spaces and tabs"
    assert third.link == "https://news.example.com/a/3.html"  # from a permalink guid
    assert third.published is None


def test_rss091():
    feed = parse("rss091.xml")  # has a PUBLIC DTD: must not be fetched
    assert feed.kind == "rss" and feed.title == "Old School"
    assert [i.title for i in feed.items] == ["Café opens", "Second"]
    assert feed.items[0].content_html == "A new café <i>downtown</i>."
    assert feed.items[0].published is None and feed.items[0].guid is None


def test_rdf():
    feed = parse("rdf.xml", timezone="Asia/Shanghai")
    assert (feed.kind, feed.title, feed.link) == ("rdf", "RDF サイト", "https://rdf.example.jp/")
    one, two = feed.items
    assert one.title == "一つ目" and one.link == "https://rdf.example.jp/e/1"
    assert one.guid == "https://rdf.example.jp/e/1"  # rdf:about
    assert one.content_html == "<p>長い本文です。</p>"  # content:encoded beats description
    assert one.published == datetime(2022, 10, 31, 6, 46, tzinfo=UTC)
    assert one.published.utcoffset() == timedelta(hours=9)
    assert one.authors == ("山田",) and one.categories == ("技術",)
    assert two.content_html == "本文だけ"
    assert two.published.utcoffset() == timedelta(hours=8)  # naive dc:date in the source zone


def test_atom10():
    feed = parse("atom10.xml", url="https://blog.example.net/feed.atom")
    assert (feed.kind, feed.title, feed.link) == (
        "atom",
        "Atom & Blog",
        "https://blog.example.net/",
    )
    one, two, three = feed.items
    assert one.title == "HTML title & more"
    assert one.link == "https://blog.example.net/posts/one.html"  # rel=alternate, xml:base
    assert one.guid == "tag:blog.example.net,2022:1"
    assert one.published == SEED_TIME
    assert one.updated == datetime(2022, 10, 31, 7, tzinfo=UTC)
    assert one.authors == ("Alice", "bob@example.net")
    assert one.categories == ("Technology", "news")  # label, else term
    assert one.content_html == (  # longer than summary; the enclosure as a player
        '<p>Hello <a href="/x">x</a></p>'
        '<p><audio controls src="https://blog.example.net/media/a.mp3"></audio></p>'
    )
    assert one.enclosures == (("https://blog.example.net/media/a.mp3", "audio/mpeg"),)
    # xhtml: the inner div's children, no namespace declarations
    assert two.content_html == '<p>Para <b>one</b> &amp; two</p><img src="i.png"/>'
    assert two.link == "https://other.example.org/sub/page.html"  # entry xml:base
    assert two.published == two.updated == datetime(2022, 10, 31, 8, tzinfo=UTC)  # fallback
    assert two.authors == ("Feed Author",)  # inherited from the feed
    assert three.content_html == "a &lt; b and c &gt; d"  # type=text escaped to HTML
    assert three.published is None


def test_atom03():
    feed = parse("atom03.xml")
    assert (feed.kind, feed.title, feed.link) == (
        "atom",
        "Atom 0.3 Feed",
        "http://old-atom.example.com/",
    )
    one, two = feed.items
    assert one.published == SEED_TIME and one.published.utcoffset() == timedelta(hours=8)  # issued
    assert one.updated == datetime(2022, 10, 31, 7, tzinfo=UTC)  # modified
    assert one.content_html == "<p>Escaped HTML body</p>"
    assert one.authors == ("Old Author",)
    assert two.content_html == "<p>Base64 body</p>"
    assert two.published == two.updated  # only <modified>


def test_jsonfeed11():
    feed = parse("jsonfeed11.json", timezone="Asia/Shanghai")
    assert (feed.kind, feed.title, feed.link) == (
        "json",
        "JSON & Feed",
        "https://json.example.com/",
    )
    assert any("not objects" in w for w in feed.warnings)
    one, two = feed.items
    assert one.guid == "1" and one.link == "https://json.example.com/posts/1"
    assert one.content_html == '<p>Hello <img data-src="/a.jpg"></p>\n'  # exact
    assert one.published == SEED_TIME
    assert one.updated == datetime(2022, 10, 31, 7, tzinfo=UTC)
    assert one.authors == ("Ann", "Ben")
    assert one.categories == ("one", "two")
    assert two.guid == "2"  # numeric id as text
    assert two.link == "https://json.example.com/posts/2"
    assert two.title == ""
    assert two.content_html == "<p>Line one<br>\nline &lt;two&gt;</p><p>Second para</p>"
    assert two.published == SEED_TIME and two.published.utcoffset() == timedelta(hours=8)
    assert two.authors == ("Feed Person",)


def test_jsonfeed10():
    feed = parse_feed((FEEDS / "jsonfeed10.json").read_bytes())
    (item,) = feed.items
    assert feed.kind == "json"
    assert item.link == "https://elsewhere.example.org/story"  # external_url when no url
    assert item.title == "Linked story"
    assert item.authors == ("Solo Writer",)  # 1.0 "author" object
    assert item.content_html == "Text only &amp; &lt;safe&gt;"


def test_cdata_and_escaped_give_identical_content():
    body = text("cdata_body.html")
    feed = parse("cdata_vs_escaped.xml")
    assert [i.content_html for i in feed.items] == [body, body, body]
    assert body.endswith("\n  ")  # trailing whitespace survives


def test_relative_links():
    feed = parse("relative_links.xml", url="https://rel.example/feeds/main.xml")
    assert feed.link == "https://rel.example/section/"  # relative channel link, feed URL
    links = [i.link for i in feed.items]
    assert links == [
        "https://rel.example/section/story/1.html",
        "https://rel.example/abs/2.html",
        "https://cdn.example.org/base/3.html",  # xml:base wins
        "https://elsewhere.example/4",
        "https://rel.example/5",  # guid is a permalink by default
        None,  # isPermaLink="false"
    ]


def test_relative_links_without_any_base_stay_relative():
    feed = parse_feed(
        "<rss><channel><item><title>t</title><link>a/b.html</link></item></channel></rss>"
    )
    assert feed.items[0].link == "a/b.html"


def test_relative_link_against_feed_url_when_no_channel_link():
    feed = parse_feed(
        "<rss><channel><item><link>/p/1</link></item></channel></rss>",
        url="https://x.example/f/rss",
    )
    assert feed.items[0].link == "https://x.example/p/1"


def test_naive_dates_use_source_timezone():
    feed = parse("naive_dates.xml", timezone="Asia/Shanghai")
    dates = [i.published for i in feed.items]
    assert dates[0] == dates[1] == dates[2] == SEED_TIME
    assert dates[0].utcoffset() == timedelta(hours=8)
    assert dates[2].utcoffset() == timedelta(0)
    assert dates[3] is None and dates[4] is None
    assert any("sometime last week" in w for w in feed.warnings)
    utc = parse("naive_dates.xml")
    assert utc.items[0].published == SEED_TIME + timedelta(hours=8)


def test_duplicate_guids_returned_as_is_in_feed_order():
    feed = parse("duplicate_guids.xml")
    assert [(i.title, i.guid) for i in feed.items] == [
        ("One", "same"), ("Two", "same"), ("One again", "same")
    ]  # fmt: skip


def test_titles_with_entities():
    xml = (
        "<rss><channel><item><title>AT&amp;T &#8220;quotes&#8221; &lt;b&gt;bold&lt;/b&gt; "
        "&amp;amp; &amp;lt;i&amp;gt;x&amp;lt;/i&amp;gt; a &lt; b</title></item></channel></rss>"
    )
    assert parse_feed(xml).items[0].title == "AT&T \u201cquotes\u201d bold & x a < b"


def test_title_keeps_ideographic_space_and_folds_others():
    xml = "<rss><channel><item><title> 王毅\u3000谈话\n\n 新障碍 &#160;x </title></item></channel></rss>"
    assert parse_feed(xml).items[0].title == "王毅\u3000谈话 新障碍 x"


def test_html_entities_undefined_in_xml_are_repaired_outside_cdata():
    feed = parse("html_entities.xml")
    assert feed.title == "Entities feed"
    assert feed.items[0].title == "A B \u2014 C & D"
    assert feed.items[0].content_html == "<p>keep&nbsp;this &copy; as is</p>"  # CDATA untouched
    assert len(feed.items) == 2
    assert any("&nbsp;" in w for w in feed.warnings)


def test_gbk_bytes_with_gb2312_declaration():
    raw = (FEEDS / "gbk.xml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb2312")  # 镕 is GBK-only: a strict gb2312 decoder fails
    feed = parse_feed(raw, timezone="Asia/Shanghai")
    assert feed.title == "中文频道"
    (item,) = feed.items
    assert item.title == "朱镕基会见代表团"
    assert item.content_html == "<p>两岸关系与经济前景。</p>"
    assert item.published == SEED_TIME


def test_str_with_foreign_encoding_declaration():
    s = (FEEDS / "gbk.xml").read_bytes().decode("gb18030")
    assert 'encoding="gb2312"' in s
    assert parse_feed(s).items[0].title == "朱镕基会见代表团"


def test_utf16_bytes_with_bom():
    xml = '<?xml version="1.0" encoding="utf-16"?><rss><channel><item><title>早报</title></item></channel></rss>'
    assert parse_feed(xml.encode("utf-16")).items[0].title == "早报"


def test_detect_kind():
    assert detect_kind(text("rss20.xml")) == "rss"
    assert detect_kind(text("rdf.xml")) == "rdf"
    assert detect_kind(text("atom10.xml")) == "atom"
    assert detect_kind(text("jsonfeed11.json")) == "json"
    assert detect_kind(text("html_page.xml")) == "html"
    assert detect_kind(b"<foo/>") is None


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("name", ["empty.xml", "whitespace.xml"])
def test_empty(name):
    with pytest.raises(FeedError, match="^empty document$"):
        parse_feed(text(name))
    with pytest.raises(FeedError, match="^empty document$"):
        parse_feed((FEEDS / name).read_bytes())


def test_html_page():
    with pytest.raises(FeedError, match="^an HTML page, not a feed$"):
        parse_feed(text("html_page.xml"))
    with pytest.raises(FeedError, match="HTML page"):
        parse_feed(
            '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head/></html>'
        )
    with pytest.raises(FeedError, match="HTML page"):
        parse_feed("\ufeff  <!-- x -->\n<HTML><body>hi</body></HTML>")


def test_binary_png():
    with pytest.raises(FeedError, match="^binary data, not a feed$"):
        parse_feed((FEEDS / "image.png").read_bytes())
    with pytest.raises(FeedError, match="binary data"):  # decoded by someone as latin-1
        parse_feed((FEEDS / "image.png").read_bytes().decode("latin-1"))
    with pytest.raises(FeedError, match="binary data"):
        parse_feed(b"\x1f\x8b\x08\x00\x00\x00")  # gzip not undone
    with pytest.raises(FeedError, match="binary data"):
        parse_feed("<rss>\x00\x00\x00")


def test_truncated_keeps_complete_items():
    feed = parse("truncated.xml")
    assert [i.title for i in feed.items] == ["First & foremost: \u201cquoted\u201d", "Bold title"]
    assert feed.items[0].content_html.endswith("</p>\n")
    assert any("truncated" in w for w in feed.warnings)


def test_truncated_before_any_item_is_an_error():
    with pytest.raises(FeedError, match="truncated"):
        parse("truncated_early.xml")


def test_billion_laughs_and_xxe_are_inert():
    start = time.perf_counter()
    feed = parse("billion_laughs.xml")
    assert time.perf_counter() - start < 1.0
    (item,) = feed.items
    assert "lol" not in item.title and "root:" not in item.content_html
    assert len(item.content_html) < 100
    assert any("entity" in w.lower() for w in feed.warnings)


def test_xxe_file_not_read():
    xml = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<rss><channel><item><title>a&x;b</title><description>c&x;d</description></item></channel></rss>"
    )
    item = parse_feed(xml).items[0]
    assert item.title == "ab"
    assert "root:" not in item.content_html


@pytest.mark.parametrize(
    "doc, message",
    [
        ('{"foo": 1}', "not a JSON Feed"),
        ("[1, 2]", "not a JSON Feed"),
        ('{"version": "https://jsonfeed.org/version/1.1", "items": [', "^JSON error at line 1: "),
        ("<foo><bar/></foo>", r"^not a feed: root element <foo>$"),
        ('<svg xmlns="http://www.w3.org/2000/svg"/>', r"^not a feed: root element <svg>$"),
        ("<<<>>>", r"^XML error at line 1: "),
        ("<?xml version='1.0'?>\n\n", r"^XML error at line \d+: "),
        ("hello world", "^not a feed"),
    ],
)
def test_clear_errors(doc, message):
    with pytest.raises(FeedError, match=message):
        parse_feed(doc)


def test_error_messages_are_one_line():
    for doc in ["", "<<<>>>", '{"a":', "<x/>", "\x00", text("html_page.xml")]:
        with pytest.raises(FeedError) as e:
            parse_feed(doc)
        assert "\n" not in str(e.value) and str(e.value)


def test_feed_without_items_warns():
    feed = parse_feed("<rss><channel><title>x</title></channel></rss>")
    assert feed.items == () and feed.title == "x" and "no items" in feed.warnings


def test_control_characters_do_not_eat_content():
    xml = "<rss><channel><item><title>a\x01b</title><description><![CDATA[<p>x\x02y</p>]]></description></item></channel></rss>"
    feed = parse_feed(xml)
    assert feed.items[0].title == "ab" and feed.items[0].content_html == "<p>xy</p>"
    assert any("control characters" in w for w in feed.warnings)


def test_junk_before_xml_declaration_is_skipped():
    xml = 'Warning: x\n<?xml version="1.0"?><rss><channel><item><title>t</title></item></channel></rss>'
    feed = parse_feed(xml)
    assert feed.items[0].title == "t" and feed.warnings


def test_undeclared_namespace_prefixes_still_read():
    xml = (
        "<rss><channel><item><title>t</title><dc:creator>me</dc:creator>"
        "<dc:date>2022-10-31T06:46:00Z</dc:date>"
        "<content:encoded><![CDATA[<p>long body</p>]]></content:encoded>"
        "<description>short</description></item></channel></rss>"
    )
    item = parse_feed(xml).items[0]
    assert item.authors == ("me",) and item.published == SEED_TIME
    assert item.content_html == "<p>long body</p>"


def test_unescaped_html_in_description_is_serialized():
    xml = "<rss><channel><item><description>x &lt; y <p>para &amp; <b>b</b></p> tail</description></item></channel></rss>"
    assert parse_feed(xml).items[0].content_html == "x &lt; y <p>para &amp; <b>b</b></p> tail"


def test_unknown_timezone_is_a_configuration_error():
    with pytest.raises(ConfigError, match="time zone"):
        parse_feed(text("rss20.xml"), timezone="Mars/Olympus")


def test_returns_model_types():
    feed = parse("rss20.xml")
    assert isinstance(feed, ParsedFeed) and all(isinstance(i, FeedItem) for i in feed.items)
    assert isinstance(feed.items, tuple) and isinstance(feed.warnings, tuple)


# --------------------------------------------------------------------------- robustness

_VALID = text("rss20.xml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(_VALID)), st.binary(max_size=8), st.booleans())
def test_mangled_feeds_never_raise_anything_but_feederror(cut, junk, as_bytes):
    raw = _VALID.encode("utf-8")
    doc = raw[:cut] + junk + raw[cut + len(junk) :]
    try:
        feed = parse_feed(doc if as_bytes else doc.decode("utf-8", "replace"))
    except FeedError as e:
        assert "\n" not in str(e)
    else:
        assert isinstance(feed, ParsedFeed)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_input_never_raises_anything_but_feederror(doc):
    try:
        parse_feed(doc)
    except FeedError:
        pass


def test_stray_nul_is_repaired_not_called_binary():
    xml = (
        "<rss><channel><item><title>a</title><description><![CDATA[<p>x\x00y</p>]]></description>"
        "</item><item><title>b</title></item></channel></rss>"
    )
    for doc in (xml, xml.encode()):
        feed = parse_feed(doc)
        assert [(i.title, i.content_html) for i in feed.items] == [("a", "<p>xy</p>"), ("b", "")]
        assert any("control characters" in w for w in feed.warnings)


def test_lone_surrogate_in_str_is_replaced():
    feed = parse_feed("<rss><channel><item><title>a\ud800b</title></item></channel></rss>")
    assert feed.items[0].title == "a?b" and feed.warnings


def test_prefixed_atom_and_prefixed_xhtml():
    xml = (
        '<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>T</a:title><a:entry>'
        '<a:title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">X <b>Y</b></div></a:title>'
        '<a:link href="http://e.example/1"/><a:content type="xhtml">'
        '<x:div xmlns:x="http://www.w3.org/1999/xhtml"><x:p>P <x:b>b</x:b></x:p></x:div>'
        "</a:content></a:entry></a:feed>"
    )
    feed = parse_feed(xml)
    assert feed.kind == "atom" and feed.title == "T"
    (item,) = feed.items
    assert item.title == "X Y" and item.link == "http://e.example/1"
    assert item.content_html == "<p>P <b>b</b></p>"


def test_unescaped_markup_does_not_inherit_feed_namespaces():
    xml = (
        '<rss xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item><description><p>a</p>'
        '<svg xmlns="http://www.w3.org/2000/svg"><circle/></svg></description></item></channel></rss>'
    )
    assert parse_feed(xml).items[0].content_html == (
        '<p>a</p><svg xmlns="http://www.w3.org/2000/svg"><circle/></svg>'
    )


def test_rss_with_a_default_namespace():
    xml = (
        '<rss xmlns="http://backend.userland.com/rss2" version="2.0"><channel><title>T</title>'
        "<link>http://x.example/</link><item><title>I</title><link>/a</link><description>d"
        "</description></item></channel></rss>"
    )
    feed = parse_feed(xml)
    assert feed.title == "T"
    assert [(i.title, i.link, i.content_html) for i in feed.items] == [
        ("I", "http://x.example/a", "d")
    ]


def test_astral_characters_survive():
    xml = '<?xml version="1.0" encoding="utf-8"?><rss><channel><item><title>😀 hi</title><description>😀</description></item></channel></rss>'
    item = parse_feed(xml).items[0]
    assert (item.title, item.content_html) == ("😀 hi", "😀")
