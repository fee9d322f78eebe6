"""What real feeds contain, read right (issue 14, requirement 6): one class of defect per
section, each parsed through the public entry ``parse_feed``."""

from __future__ import annotations

from newsmirror.feeds import parse_feed


def _rss(items: str, head: str = "", ns: str = "") -> str:
    return (
        f'{head}<rss version="2.0"{ns}><channel><title>T</title><link>http://example.com/</link>'
        f"{items}</channel></rss>"
    )


# -- a stray "&" does not cost the document's correct references ---------------------


def test_lone_ampersand_keeps_other_items_entities():
    feed = parse_feed(
        _rss(
            "<item><title>Fish & Chips</title><link>http://example.com/1?a=1&b=2</link></item>"
            "<item><title>AT&amp;T &lt;3</title><link>http://example.com/2</link>"
            "<description>&lt;p&gt;Q&amp;amp;A&lt;/p&gt;</description></item>"
            "<item><title><![CDATA[Tom & Jerry &amp; co]]></title></item>"
        )
    )
    titles = [i.title for i in feed.items]
    assert titles == ["Fish & Chips", "AT&T <3", "Tom & Jerry & co"]
    assert feed.items[0].link == "http://example.com/1?a=1&b=2"
    assert feed.items[1].content_html == "<p>Q&amp;A</p>"
    assert any('lone "&"' in w for w in feed.warnings)


def test_lone_ampersand_with_declaration_and_bytes():
    doc = '<?xml version="1.0" encoding="utf-8"?>' + _rss(
        "<item><title>Q&A</title></item><item><title>AT&amp;T</title></item>"
    )
    for d in (doc, doc.encode()):
        assert [i.title for i in parse_feed(d).items] == ["Q&A", "AT&T"]
