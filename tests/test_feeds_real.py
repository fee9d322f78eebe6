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


# -- Atom text constructs: text is text; Atom 0.3 base64 ------------------------------


def test_atom_text_title_keeps_escaped_markup_as_text():
    feed = parse_feed(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">On &lt;b&gt;</title>'
        '<entry><id>1</id><title type="text">the &lt;blink&gt; tag</title></entry>'
        "<entry><id>2</id><title>x &lt; y &amp;&amp; y &gt; z</title></entry>"
        '<entry><id>3</id><title type="html">&lt;b&gt;bold&lt;/b&gt; move</title></entry>'
        "<entry><id>4</id><title>&lt;em&gt;untyped&lt;/em&gt; html</title></entry></feed>"
    )
    assert feed.title == "On <b>"
    assert [i.title for i in feed.items] == [
        "the <blink> tag",
        "x < y && y > z",
        "bold move",
        "untyped html",
    ]


def test_atom03_base64_title_and_content_decoded():
    import base64

    def b64(s: str) -> str:
        return base64.b64encode(s.encode()).decode()

    feed = parse_feed(
        '<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title><entry>'
        f'<title type="text/plain" mode="base64">{b64("Grüße & <tags>")}</title>'
        f'<id>x</id><content type="text/html" mode="base64">{b64("<p>Hello <b>wörld</b></p>")}'
        "</content></entry></feed>"
    )
    item = feed.items[0]
    assert item.title == "Grüße & <tags>"
    assert item.content_html == "<p>Hello <b>wörld</b></p>"


# -- UTF-16/32 without a byte-order mark; a DOCTYPE before the root -------------------


def test_utf16_utf32_without_bom():
    doc = _rss("<item><title>Zürich – 東京</title><link>http://example.com/1</link></item>")
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        for d in (doc, f'<?xml version="1.0" encoding="{codec[:6].upper()}"?>\n' + doc):
            feed = parse_feed(d.encode(codec))
            assert [i.title for i in feed.items] == ["Zürich – 東京"], codec
            assert not feed.warnings, codec


def test_xhtml_doctype_before_rss_is_a_feed():
    xhtml = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    )
    for head in (
        xhtml,
        '<?xml version="1.0" encoding="UTF-8"?>\n' + xhtml,
        "<!DOCTYPE html>\n<!-- generated -->\n",
    ):
        doc = _rss("<item><title>a</title><link>http://example.com/1</link></item>", head=head)
        for d in (doc, doc.encode()):
            assert [i.title for i in parse_feed(d).items] == ["a"]


# -- undeclared non-UTF-8 bytes: Western text is windows-1252 ---------------------------


WESTERN = [
    ("Café “quoted” – naïve", "Ein schöner Tag für Müller, déjà vu"),
    ("Ærø, Ångström & Øresund", "Señor Núñez’s piñata – ¿qué?"),
    ("Crème brûlée", "Où est la gare ? À côté de l’hôtel."),
]


def test_undeclared_western_bytes_read_as_windows_1252():
    for title, text in WESTERN:
        doc = _rss(
            f"<item><title>{title}</title><link>http://example.com/1</link>"
            f"<description>{text}</description></item>"
        ).replace("&", "&amp;")
        item = parse_feed(doc.encode("cp1252")).items[0]
        assert (item.title, item.content_html) == (title, text)
    # non-Latin codepages and CJK bytes keep their detection
    ru = "Привет, как дела? Это тест русского текста, довольно длинного."
    zh = "新加坡总理今天宣布新的经济措施，以应对全球经济放缓带来的挑战。"
    for text, codec in ((ru, "cp1251"), (zh, "gbk")):
        doc = _rss(f"<item><title>{text}</title><link>http://example.com/1</link></item>")
        assert parse_feed(doc.encode(codec)).items[0].title == text


# -- dates in other languages ------------------------------------------------------------

FOREIGN_DATES = [
    ("Seg, 24 Set 2018 10:00:00 -0300", "2018-09-24T10:00:00-03:00"),  # Portuguese
    ("Di, 14 Mär 2023 09:30:00 +0100", "2023-03-14T09:30:00+01:00"),  # German
    ("Do, 12 Okt 2023 10:00:00 +0200", "2023-10-12T10:00:00+02:00"),
    ("mar., 04 févr. 2020 10:00:00 +0100", "2020-02-04T10:00:00+01:00"),  # French
    ("1er août 2021 08:00", "2021-08-01T08:00:00+00:00"),
    ("Mié, 15 Ene 2020 08:00:00 GMT", "2020-01-15T08:00:00+00:00"),  # Spanish
    ("Sáb, 05 Dic 2020 12:00:00 +0100", "2020-12-05T12:00:00+01:00"),
    ("24 de setembro de 2018", "2018-09-24T00:00:00+00:00"),
    ("gio, 12 ott 2023 10:00:00 +0200", "2023-10-12T10:00:00+02:00"),  # Italian
    ("wo, 12 mrt 2020 10:00:00 +0100", "2020-03-12T10:00:00+01:00"),  # Dutch
    ("3. Februar 2020", "2020-02-03T00:00:00+00:00"),
    ("Пн, 02 дек 2019 10:00:00 +0300", "2019-12-02T10:00:00+03:00"),  # Russian
]


def test_dates_in_other_languages():
    items = "".join(
        f"<item><title>{i}</title><link>http://example.com/{i}</link><pubDate>{d}</pubDate></item>"
        for i, (d, _) in enumerate(FOREIGN_DATES)
    )
    feed = parse_feed(_rss(items))
    got = [i.published.isoformat() if i.published else None for i in feed.items]
    assert got == [want for _, want in FOREIGN_DATES]
    assert not any("not understood" in w for w in feed.warnings)


# -- text from itunes:summary, media:description, dc:description; enclosures, images;
#    RSS written as JSON ---------------------------------------------------------------

PODCAST = _rss(
    "<item><title>Episode 1</title><link>http://example.com/ep1</link>"
    "<itunes:summary>Episode notes: guests, topics &amp; links.</itunes:summary>"
    '<enclosure url="http://cdn.example.com/ep1.mp3" type="audio/mpeg" length="1234"/>'
    '<media:thumbnail url="http://cdn.example.com/ep1.jpg"/></item>'
    "<item><title>Two</title><link>http://example.com/2</link>"
    "<dc:description>&lt;p&gt;Dublin Core text&lt;/p&gt;</dc:description>"
    '<media:content url="http://cdn.example.com/2.jpg" medium="image"/>'
    '<enclosure url="/files/2.pdf" type="application/pdf"/></item>'
    "<item><title>Three</title><link>http://example.com/3</link>"
    '<description>&lt;p&gt;Has its own &lt;img src="http://cdn.example.com/x.jpg"&gt;&lt;/p&gt;'
    '</description><media:thumbnail url="http://cdn.example.com/3.jpg"/></item>',
    ns=' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
    ' xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/"',
)


def test_podcast_summary_enclosure_and_images():
    one, two, three = parse_feed(PODCAST, url="http://example.com/feed").items
    assert one.content_html == (
        '<figure><img src="http://cdn.example.com/ep1.jpg" alt=""></figure>'
        "Episode notes: guests, topics &amp; links."
        '<p><audio controls src="http://cdn.example.com/ep1.mp3"></audio></p>'
    )
    assert one.enclosures == (("http://cdn.example.com/ep1.mp3", "audio/mpeg"),)
    assert one.image == "http://cdn.example.com/ep1.jpg"
    assert two.content_html == (
        '<figure><img src="http://cdn.example.com/2.jpg" alt=""></figure>'
        "<p>Dublin Core text</p>"
        '<p><a href="http://example.com/files/2.pdf">2.pdf</a></p>'
    )
    assert two.image == "http://cdn.example.com/2.jpg"
    # a body with an image of its own gets no lead image
    assert three.content_html.startswith("<p>Has its own")
    assert three.image == "http://cdn.example.com/3.jpg"


YOUTUBE = (
    '<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
    'xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">'
    "<title>Channel</title><entry><id>yt:video:abc</id><title>A video</title>"
    '<link rel="alternate" href="https://www.youtube.com/watch?v=abc"/>'
    '<link rel="enclosure" type="audio/mpeg" href="https://cdn.example.com/abc.mp3"/>'
    "<published>2024-01-02T03:04:05+00:00</published><media:group><media:title>A video"
    '</media:title><media:content url="https://www.youtube.com/v/abc" '
    'type="application/x-shockwave-flash" width="640" height="390"/>'
    '<media:thumbnail url="https://i.ytimg.com/vi/abc/hqdefault.jpg" width="480"/>'
    "<media:description>What this video shows.\n\nA second paragraph &amp; more."
    "</media:description></media:group></entry></feed>"
)


def test_youtube_media_group_description_and_thumbnail():
    (item,) = parse_feed(YOUTUBE).items
    assert item.link == "https://www.youtube.com/watch?v=abc"
    assert item.content_html == (
        '<figure><img src="https://i.ytimg.com/vi/abc/hqdefault.jpg" alt=""></figure>'
        "<p>What this video shows.</p><p>A second paragraph &amp; more.</p>"
        '<p><audio controls src="https://cdn.example.com/abc.mp3"></audio></p>'
    )


def test_rss_written_as_json():
    import json

    items = [
        {
            "title": "First",
            "link": "https://example.com/1",
            "guid": {"#text": "id-1", "@isPermaLink": "false"},
            "description": "<p>Hello</p>",
            "pubDate": "Mon, 03 Feb 2020 10:00:00 GMT",
            "category": ["a", "b"],
            "enclosure": {"@url": "https://example.com/1.mp3", "@type": "audio/mpeg"},
        },
        {"title": "Second", "link": "https://example.com/2", "content:encoded": "<p>Full</p>"},
    ]
    for doc in (
        {"rss": {"@version": "2.0", "channel": {"title": "J", "link": "https://example.com/",
                                                "item": items}}},
        {"channel": {"title": "J", "item": items[1]}},
    ):  # fmt: skip
        feed = parse_feed(json.dumps(doc))
        assert feed.kind == "rss" and feed.title == "J"
        assert feed.items[-1].title == "Second"
        assert feed.items[-1].content_html == "<p>Full</p>"
    first = parse_feed(json.dumps({"rss": {"channel": {"item": items}}})).items[0]
    assert (first.guid, first.categories) == ("id-1", ("a", "b"))
    assert first.published is not None and first.published.year == 2020
    assert first.content_html == (
        '<p>Hello</p><p><audio controls src="https://example.com/1.mp3"></audio></p>'
    )


def test_whole_run_post_carries_audio_and_lead_image(http_server, make_site):
    from newsmirror.config import load_config
    from newsmirror.pipeline import RunOptions, run

    one_item = PODCAST[: PODCAST.index("<item><title>Two")] + "</channel></rss>"
    feed_url = http_server.put("real/podcast.xml", one_item.encode("utf-16-le"))
    site = make_site(
        "[site]\nretries = 1\ntimeout = 2.0\n\n"
        f'[[sources]]\nname = "Pod"\nurl = "{feed_url}"\nfull_text = "never"\n'
    )
    run(load_config(site), RunOptions())
    (post,) = sorted((site / "_posts").iterdir())
    text = post.read_text(encoding="utf-8")
    assert '<audio controls="" src="http://cdn.example.com/ep1.mp3"' in text
    assert '<img src="http://cdn.example.com/ep1.jpg"' in text
    assert "Episode notes: guests, topics &amp; links." in text


# -- a title-less item is titled from its text; a script in a title goes with its text --


def test_titleless_items_get_a_title_from_their_text():
    from newsmirror.feeds import title_from_text

    long = "An unusually long first sentence that goes on and on about the budget " * 2
    feed = parse_feed(
        _rss(
            "<item><guid>a</guid><description>&lt;p&gt;First sentence "
            "here. Second one.&lt;/p&gt;</description></item>"
            "<item><guid>b</guid><description><![CDATA[<figure><img "
            f'src="a.jpg"></figure><p>{long}.</p>]]></description></item>'
            "<item><guid>c</guid><description>新加坡国会今天通过法案。反对党提出质询。"
            "</description></item>"
            "<item><title></title><guid>d</guid></item>"
            # with a link, the title stays empty here: its page is asked first, then the
            # pipeline uses title_from_text, not the URL
            "<item><link>http://example.com/5</link><description>Text.</description></item>"
        )
    )
    titles = [i.title for i in feed.items]
    assert titles[0] == "First sentence here."
    assert titles[1].startswith("An unusually long first sentence") and titles[1].endswith("…")
    assert len(titles[1]) <= 80 and "  " not in titles[1]
    assert titles[2] == "新加坡国会今天通过法案。"
    assert titles[3:] == ["", ""]
    assert title_from_text(feed.items[4].content_html) == "Text."
    assert title_from_text("<script>x()</script><p>Hello<br>world</p>") == "Hello"
    import json

    doc = {"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "content_text": "Line one\nline two"}]}  # fmt: skip
    assert parse_feed(json.dumps(doc)).items[0].title == "Line one"


def test_script_in_a_title_is_dropped_with_its_text():
    feed = parse_feed(
        _rss(
            "<item><title>Hi &lt;script&gt;alert(1)&lt;/script&gt; there</title></item>"
            "<item><title><![CDATA[News <script type='x'>track()</script>today "
            "<style>b{}</style><b>now</b>]]></title></item>"
        )
    )
    assert [i.title for i in feed.items] == ["Hi there", "News today now"]


def test_full_text_page_keeps_the_items_audio_and_a_linked_untitled_item_its_text_title(
    http_server, make_site
):
    from newsmirror.config import load_config
    from newsmirror.pipeline import RunOptions, run

    para = "The minister said the new line would open next year, ahead of schedule. " * 4
    page = http_server.put(
        "real/ep.html",
        f"<html><body><article><p>{para}</p><p>{para}</p></article></body></html>",
        "text/html; charset=utf-8",
    )
    untitled = http_server.put(
        "real/untitled.html",
        f"<html><body><article><p>{para}</p></article></body></html>",
        "text/html; charset=utf-8",
    )
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>P</title>'
        f"<item><title>Episode</title><link>{page}</link>"
        '<enclosure url="http://cdn.example.com/ep9.mp3" type="audio/mpeg" length="1"/>'
        "<description>Short.</description></item>"
        f"<item><link>{untitled}</link><description>Rail line opens early. More soon."
        "</description></item></channel></rss>"
    )
    feed_url = http_server.put("real/pagefeed.xml", feed)
    site = make_site(
        "[site]\nretries = 1\ntimeout = 2.0\n\n"
        f'[[sources]]\nname = "Pod"\nurl = "{feed_url}"\nfull_text = "always"\n'
    )
    run(load_config(site), RunOptions())
    texts = [p.read_text("utf-8") for p in sorted((site / "_posts").iterdir())]
    episode = next(t for t in texts if 'title: "Episode"' in t)
    assert "ahead of schedule" in episode  # the page's article
    assert 'src="http://cdn.example.com/ep9.mp3"' in episode  # and the feed's audio
    (other,) = [t for t in texts if t is not episode]
    assert 'title: "Rail line opens early."' in other
