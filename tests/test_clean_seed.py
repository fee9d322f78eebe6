"""Golden test: the seed's feed item cleans to exactly the body of expected.md."""

import re
from pathlib import Path

import pytest

from newsmirror.clean import clean_html

SEED = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "seed"
URL = "https://www.zaobao.com/realtime/china/story20221031-1328240"


def _description(name: str) -> str:
    text = (SEED / name).read_text(encoding="utf-8")
    return re.search(r"<description><!\[CDATA\[(<div.*?)\]\]></description>", text, re.S).group(1)


def _expected_body() -> str:
    text = (SEED / "expected.md").read_text(encoding="utf-8")
    return text.split("<div>\n", 1)[1].rsplit("\n</div>", 1)[0]


pytestmark = pytest.mark.skipif(not SEED.is_dir(), reason="shared seed fixture not available")


@pytest.mark.parametrize("feed", ["feed.xml", "feed-raw.xml"])
def test_seed_cleans_to_expected_body(feed):
    assert clean_html(_description(feed), URL) == _expected_body()


def test_seed_is_stable_when_cleaned_twice():
    once = clean_html(_description("feed-raw.xml"), URL)
    assert clean_html(once, URL) == once
