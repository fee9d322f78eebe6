"""decode(): BOM, valid UTF-8, header, XML declaration, <meta>, detection."""

from __future__ import annotations

import codecs

import charset_normalizer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsmirror.util import charset as decode_module
from newsmirror.util.charset import charset_from_content_type, decode, normalize_label

SIMPLIFIED = "联合早报 中国新闻：朱镕基会见代表团，两岸关系与经济前景。"  # 镕 is GBK-only
TRADITIONAL = "聯合早報 國際新聞：兩岸關係、香港經濟與東南亞局勢。"
HKSCS_ONLY = "佢哋話㗎"  # 㗎 exists in Big5-HKSCS, not in plain Big5


def page(charset_meta: str, body_text: str, padding: int = 0) -> str:
    scripts = "<script>var x = 1;</script>\n" * padding
    return (
        f"<!doctype html><html><head><title>t</title>{scripts}{charset_meta}</head>"
        f"<body><p>{body_text}</p></body></html>"
    )


@pytest.fixture
def no_detection(monkeypatch):
    """Fail the test if the slow statistical detector runs."""

    def boom(*args, **kwargs):
        raise AssertionError("charset_normalizer ran although a charset was declared")

    monkeypatch.setattr(charset_normalizer, "from_bytes", boom)


# --- labels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, expected",
    [
        ("text/html; charset=GBK", "gbk"),
        ('text/html; charset="big5"', "big5"),
        ("text/html;charset='utf-8' ; foo=bar", "utf-8"),
        ("application/rss+xml; foo=1; Charset = GB2312", "gb2312"),
        ("text/html", None),
        ("text/html; charset=", None),
        ("", None),
        (None, None),
    ],
)
def test_charset_from_content_type(header, expected):
    assert charset_from_content_type(header) == expected


@pytest.mark.parametrize(
    "label, codec",
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("big5", "big5hkscs"),
        ("Big5-HKSCS", "big5hkscs"),
        ("cp950", "big5hkscs"),
        ("utf8", "utf-8"),
        ("shift_jis", "shift_jis"),
        ("iso-8859-1", "cp1252"),
        ("x-unknown-charset", None),
        ("base64", None),
        ("rot13", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_label(label, codec):
    assert normalize_label(label) == codec


# --- declared charsets ----------------------------------------------------------------


@pytest.mark.parametrize(
    "label, encoder",
    [
        ("gb2312", "gbk"),
        ("gbk", "gbk"),
        ("gb18030", "gb18030"),
        ("GB2312", "gb18030"),
    ],
)
def test_gb_family_labels_decode_with_gb18030(no_detection, label, encoder):
    body = page("", SIMPLIFIED).encode(encoder)
    text, codec = decode(body, f"text/html; charset={label}")
    assert SIMPLIFIED in text
    assert codec == "gb18030"


def test_big5_label_decodes_hkscs_characters(no_detection):
    body = page("", TRADITIONAL + HKSCS_ONLY).encode("big5hkscs")
    text, codec = decode(body, "text/html; charset=big5")
    assert TRADITIONAL + HKSCS_ONLY in text
    assert codec == "big5hkscs"


def test_meta_charset_after_first_1024_bytes(no_detection):
    html = page('<meta charset="gb2312">', SIMPLIFIED, padding=200)
    body = html.encode("gbk")
    assert body.index(b"<meta") > 4096
    assert decode(body, "text/html") == (html, "gb18030")


def test_meta_http_equiv_content_type(no_detection):
    meta = '<meta content="text/html; charset=big5" http-equiv="Content-Type">'
    html = page(meta, TRADITIONAL, padding=60)
    assert decode(html.encode("big5"), None) == (html, "big5hkscs")


def test_meta_in_body_is_not_a_declaration():
    # Only <head> declares; a <meta> quoted in the article text must not win. Detection
    # then has to find the real (GBK) encoding of this Chinese text.
    html = (
        "<html><head><title>x</title></head><body><p>"
        + SIMPLIFIED * 20
        + '</p><meta charset="koi8-r"></body></html>'
    )
    text, codec = decode(html.encode("gb18030"))
    assert SIMPLIFIED in text
    assert codec == "gb18030"


def test_xml_declaration(no_detection):
    xml = (
        f'<?xml version="1.0" encoding="GB2312"?>\n<rss version="2.0"><channel>'
        f"<title>{SIMPLIFIED}</title></channel></rss>"
    )
    assert decode(xml.encode("gbk"), "application/rss+xml") == (xml, "gb18030")


def test_header_beats_xml_declaration_and_meta(no_detection):
    xml = f'<?xml version="1.0" encoding="big5"?><rss><title>{SIMPLIFIED}</title></rss>'
    assert decode(xml.encode("gbk"), "text/xml; charset=gbk") == (xml, "gb18030")


def test_unknown_label_is_ignored_for_the_next_declaration(no_detection):
    html = page('<meta charset="gbk">', SIMPLIFIED)
    assert decode(html.encode("gbk"), "text/html; charset=x-made-up") == (html, "gb18030")


def test_utf16_meta_label_is_ignored(no_detection):
    html = page('<meta charset="utf-16">', "")
    body = html.encode("ascii") + SIMPLIFIED.encode("gbk")
    assert decode(body, "text/html; charset=gbk")[1] == "gb18030"


# --- valid UTF-8 and BOM win -----------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["text/html; charset=gbk", "text/html; charset=big5", "text/html; charset=iso-8859-1", None],
)
def test_valid_utf8_wins_over_a_wrong_label(no_detection, header):
    html = page('<meta charset="gb2312">', SIMPLIFIED)
    assert decode(html.encode("utf-8"), header) == (html, "utf-8")


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le"])
def test_bom(no_detection, codec):
    bom = {
        "utf-8": codecs.BOM_UTF8,
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
    }[codec]
    body = bom + TRADITIONAL.encode(codec)
    assert decode(body, "text/html; charset=gbk") == (TRADITIONAL, codec)


# --- mislabelled and undeclared --------------------------------------------------------


def test_gbk_mislabelled_as_utf8_is_detected():
    html = page('<meta charset="utf-8">', SIMPLIFIED * 10)
    text, codec = decode(html.encode("gbk"), "text/html; charset=utf-8")
    assert SIMPLIFIED in text
    assert codec == "gb18030"


def test_big5_with_no_declaration_is_detected():
    html = page("", TRADITIONAL * 10)
    text, codec = decode(html.encode("big5"), "text/html")
    assert TRADITIONAL in text
    assert codec == "big5hkscs"


def test_gb18030_with_no_declaration_is_detected():
    text, codec = decode(page("", SIMPLIFIED * 10).encode("gb18030"))
    assert SIMPLIFIED in text
    assert codec == "gb18030"


def test_declared_codec_with_one_broken_sequence_is_kept(no_detection):
    # A truncated trailing character is damage, not a wrong label: keep GBK, replace it.
    body = page("", SIMPLIFIED * 20).encode("gbk") + "报".encode("gbk")[:1]
    text, codec = decode(body, "text/html; charset=gbk")
    assert codec == "gb18030"
    assert SIMPLIFIED in text
    assert text.count("\ufffd") == 1


def test_latin1_label_means_cp1252(no_detection):
    body = "“Quoted” – café".encode("cp1252")
    assert decode(body, "text/html; charset=iso-8859-1") == ("“Quoted” – café", "cp1252")


def test_detection_only_runs_when_nothing_is_declared(monkeypatch):
    calls = []
    real = charset_normalizer.from_bytes
    monkeypatch.setattr(
        charset_normalizer, "from_bytes", lambda b, **kw: calls.append(1) or real(b, **kw)
    )
    decode(page("", SIMPLIFIED).encode("gbk"), "text/html; charset=gbk")
    assert calls == []
    decode(page("", SIMPLIFIED * 5).encode("gbk"), "text/html")
    assert calls == [1]


def test_empty_body():
    assert decode(b"") == ("", "utf-8")


@settings(max_examples=200, deadline=None)
@given(
    body=st.binary(max_size=600),
    label=st.sampled_from(
        [
            None,
            "text/html",
            "text/html; charset=gbk",
            "text/html; charset=big5",
            "text/xml; charset=nonsense",
            "text/plain; charset=utf-16",
        ]
    ),
)
def test_decode_never_raises(body, label):
    text, codec = decode(body, label)
    assert isinstance(text, str)
    assert codecs.lookup(codec)


def test_module_exports():
    assert set(decode_module.__all__) == {"charset_from_content_type", "decode", "normalize_label"}


# --- undeclared CJK pages that detection takes for a single-byte codepage ------------------

# Short Chinese text in an ASCII-heavy page, no charset anywhere: charset_normalizer reads
# these as cp1252, cp1250, hp-roman8... (each case checked against its guess below).
CJK_UNDECLARED = [
    (
        "gbk",
        "<html><body>"
        + "<script>var a=1;function f(x){return x+1}</script>" * 10
        + "<p>中国</p></body></html>",
    ),
    (
        "gbk",
        "<html><body>"
        + "<script>var a=1;function f(x){return x+1}</script>" * 10
        + "<p>今天</p></body></html>",
    ),
    (
        "big5",
        "<html><body>"
        + "<script>var a=1;function f(x){return x+1}</script>" * 10
        + "<p>中國</p></body></html>",
    ),
    (
        "big5",
        "<html><body><div class=x>臺灣總統府發表聲明 - 臺灣總統府發表聲明</div></body></html>",
    ),
    (
        "big5",
        '<html lang="zh"><head><title>新聞</title></head><body>'
        + "<script>var a=1;function f(x){return x+1}</script>" * 10
        + "<p>新聞</p></body></html>",
    ),
]


@pytest.mark.parametrize("encoding, html", CJK_UNDECLARED)
def test_undeclared_cjk_is_tried_as_gb18030_and_big5_first(encoding, html):
    body = html.encode(encoding)
    guess = charset_normalizer.from_bytes(body).best()
    assert guess is not None and decode_module._single_byte(normalize_label(guess.encoding))
    text, codec = decode(body)
    assert text == html
    assert codec == {"gbk": "gb18030", "big5": "big5hkscs"}[encoding]


def test_short_gbk_text_is_not_read_as_big5():
    # "新闻" in GBK is valid Big5 too ("陔恓"), but of Big5's rare characters
    text, codec = decode("<p>新闻</p>".encode("gbk"))
    assert (text, codec) == ("<p>新闻</p>", "gb18030")


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("Übergrößenträger, naïve café crème brûlée", "cp1252"),
        ("Ça coûte très cher à Noël, déjà à moitié prix. " * 5, "cp1252"),
        ("Привет, мир! Это проверка кодировки страницы. " * 5, "cp1251"),
    ],
)
def test_western_single_byte_pages_are_not_taken_for_cjk(text, encoding):
    _, codec = decode(f"<html><body><p>{text}</p></body></html>".encode(encoding))
    assert codec not in ("gb18030", "big5hkscs")
