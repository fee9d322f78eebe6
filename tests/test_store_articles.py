"""The stored article format (store/_articles.py): what is packed reads back exactly, and
rows written by earlier versions (the whole article as JSON; brotli or zlib) still read."""

import json
import zlib
from datetime import UTC, datetime, timedelta, timezone

import brotli
import pytest

from newsmirror.errors import StoreError
from newsmirror.model import Article
from newsmirror.store._articles import pack_article, unpack_article


def article(**changes) -> Article:
    fields = dict(
        title='联合早报 "标题"\n第二行',
        url="https://www.zaobao.com.sg/news/china/story20221031-1328420",
        published=datetime(2022, 10, 31, 14, 46, 5, 123000, tzinfo=timezone(timedelta(hours=8))),
        author="联合早报",
        tags=("联合早报", "中国"),
        categories=("联合早报",),
        body_html='<p>王毅与布林肯通话</p><img src="https://x/a.jpg?a=1&amp;b=2" alt="\\">',
    )
    return Article(**{**fields, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"updated": datetime(2022, 11, 1, tzinfo=UTC), "edits": 2, "lang": "zh-Hant"},
        {"body_html": ""},
        {"body_html": "<p>a\x00b\x01c\r\nd\u2028e 😀</p>", "title": "t\x00u"},
        {"author": "", "tags": (), "categories": ()},
    ],
)
def test_an_article_reads_back_exactly(changes):
    original = article(**changes)
    assert unpack_article(pack_article(original)) == original


def _old_payload(a: Article) -> bytes:
    """An article as versions before 2026-12-07 stored it: one JSON object."""
    data = {
        "title": a.title,
        "url": a.url,
        "published": a.published.isoformat(),
        "author": a.author,
        "tags": a.tags,
        "categories": a.categories,
        "body": a.body_html,
    }
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def test_rows_of_earlier_versions_read_back():
    a = article()
    payload = _old_payload(a)
    assert unpack_article(b"\x00" + brotli.compress(payload, quality=0)) == a  # brotli
    assert unpack_article(zlib.compress(payload)) == a  # the first format: zlib
    edited = _old_payload(article()).replace(b"}", b', "updated": "2022-11-01T00:00:00+00:00"'
                                             b', "edits": 1, "lang": "en"}')
    back = unpack_article(zlib.compress(edited))
    assert (back.updated, back.edits, back.lang) == (datetime(2022, 11, 1, tzinfo=UTC), 1, "en")


def test_the_body_is_not_escaped_into_the_header():
    packed = pack_article(article(body_html="<p>" + "正文" * 50 + "</p>"))
    payload = brotli.decompress(packed[1:])
    head, nul, body = payload[1:].partition(b"\0")
    assert payload[:1] == b"\x01" and nul and "body" not in json.loads(head)
    assert body.decode("utf-8") == "<p>" + "正文" * 50 + "</p>"


@pytest.mark.parametrize(
    "stored",
    [
        b"\x00" + brotli.compress(b"\x01{not json\x00<p></p>"),
        b"\x00" + brotli.compress(b'\x01{"title": "t"}\x00<p></p>'),  # fields missing
        b"\x00" + brotli.compress(b"\x01{}\x00\xff\xfe"),  # not UTF-8
        b"\x00" + brotli.compress(b"[1, 2]"),
        b"\x00not brotli",
    ],
)
def test_a_damaged_row_is_a_store_error(stored):
    with pytest.raises(StoreError, match="cannot be read"):
        unpack_article(stored)
