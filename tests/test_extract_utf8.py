"""extract(..., utf8=body) parses the fetched bytes as is: same result as from the text."""

import codecs

import pytest

from newsmirror import extract, pages
from newsmirror.config import Rule
from newsmirror.decode import decode

PAGE = ("<html><head><title>標題 – title</title><meta property='og:title' content='新聞'>"
        "</head><body><nav>菜單</nav><article><p>第一段：經濟、市場。</p>"
        "<img src='data:image/gif;base64,R0lGOD' data-src='/a.jpg'><p>second ¶ é</p>"
        "</article></body></html>")
RULES = (Rule(domain="example.com", content=("article",)),)
URL = "https://example.com/a/1.html"


@pytest.mark.parametrize("body", [
    PAGE.encode("utf-8"),
    codecs.BOM_UTF8 + PAGE.encode("utf-8"),
    PAGE.encode("gb18030"),
    PAGE.encode("utf-8")[:-30] + b"\xff\xfe bad \xc3" + PAGE.encode("utf-8")[-30:],
    PAGE.replace("é", "\ufffd").encode("utf-8"),
])
def test_process_page_same_as_from_text(body):
    text, _ = decode(body, "text/html")
    want = extract.extract(text, URL, RULES)
    job = pages.PageJob(body, "text/html", URL, "UTC", URL, (), False, None, False)
    assert pages.process_page(job, RULES).page == want
    assert pages.process_page(job, ()).page == extract.extract(text, URL, ())


def test_extract_utf8_argument():
    got = extract.extract(PAGE, URL, RULES, utf8=PAGE.encode("utf-8"))
    assert got == extract.extract(PAGE, URL, RULES)
    assert "第一段" in got.content_html
