"""Simplified/Traditional conversion through a whole run: text converted, URLs kept."""

from __future__ import annotations

from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run

FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<item><title>国务院发布新规</title><link>https://news.example/国务/1</link>
<pubDate>Mon, 31 Oct 2022 06:46:00 GMT</pubDate>
<description><![CDATA[<p title="国务院">国务院发布<a href="https://news.example/发布">新规</a>。</p>
<img src="https://img.example/国务院.jpg" alt="国务院">]]></description></item>
</channel></rss>"""


def test_s2t_converts_title_and_text_only(make_site):
    site = make_site('[[sources]]\nname = "新闻"\nurl = "feed.xml"\nfull_text = "never"\n'
                     'convert = "s2t"\n')
    (site / "feed.xml").write_text(FEED, encoding="utf-8")
    assert run(load_config(site), RunOptions()).ok
    (post,) = (site / "_posts").iterdir()
    text = post.read_text(encoding="utf-8")
    assert 'title: "國務院發佈新規"' in text
    assert "國務院發佈" in text.split("<div>")[1]
    # Attributes and URLs are never converted.
    assert 'title="国务院"' in text and 'alt="国务院"' in text
    assert 'src="https://img.example/国务院.jpg"' in text
    assert "from: https://news.example/%E5%9B%BD%E5%8A%A1/1\n" in text  # 国务, unconverted
    assert post.name == "2022-10-31-國務院發佈新規.md"
