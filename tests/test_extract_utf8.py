"""extract(..., utf8=body) parses the fetched bytes as is: same result as from the text."""

import codecs

import pytest

from newsmirror import extract
from newsmirror.config import Rule
from newsmirror.errors import RuleError
from newsmirror.pipeline import _pages as pages
from newsmirror.util.charset import decode

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
    job = pages.PageJob(body, "text/html", URL, "UTC", (), False, None, False)
    assert pages.process_page(job, RULES).page == want
    assert pages.process_page(job, ()).page == extract.extract(text, URL, ())


def test_extract_utf8_argument():
    got = extract.extract(PAGE, URL, RULES, utf8=PAGE.encode("utf-8"))
    assert got == extract.extract(PAGE, URL, RULES)
    assert "第一段" in got.content_html


def test_a_batch_of_pages_gives_each_its_own_outcome():
    """process_pages runs stage by stage; a page whose extraction fails (here: an invalid
    selector in its site's rule) or whose cleaning fails does not touch the others."""
    bad_rule = Rule(domain="broken.example", content=("article[",))
    rules = RULES + (bad_rule,)
    job = pages.PageJob(PAGE.encode("utf-8"), "text/html", URL, "UTC", (), False, None,
                        True)
    broken = pages.PageJob(PAGE.encode("utf-8"), "text/html", "https://broken.example/1",
                           "UTC", (), False, None, True)
    unclean = pages.PageJob(PAGE.encode("utf-8"), "text/html", URL, "UTC", ("p[",),
                            False, None, True)
    outcomes = pages.process_pages([job, broken, unclean, job], rules)
    alone = pages.process_page(job, rules)
    assert outcomes[0] == (alone, None) and outcomes[3] == (alone, None)
    assert outcomes[1][0] is None and "invalid CSS selector" in str(outcomes[1][1])
    done, error = outcomes[2]
    assert error is None and done.raw == alone.raw and done.page == alone.page
    with pytest.raises(RuleError, match="invalid CSS selector"):
        done.cleaned()
    with pytest.raises(RuleError, match="invalid CSS selector"):
        pages.process_page(broken, rules)
