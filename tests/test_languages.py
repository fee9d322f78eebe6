"""A post's language: from the source, else its feed; written only when not the site's;
the layout sets lang and dir from it (real Jekyll)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest

from helpers import need_tool
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run
from newsmirror.post import read_article, render_post
from newsmirror.site import scan_posts, write_scaffold
from newsmirror.util.languages import post_language

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ITEM = ("<item><title>{title}</title><link>https://news.example/{n}</link>"
        "<pubDate>Sat, 31 Oct 2026 06:46:00 GMT</pubDate>"
        "<description><![CDATA[<p>{text}</p>]]></description></item>")


def rss(language: str | None, title: str, text: str, n: int = 1) -> str:
    lang = f"<language>{language}</language>" if language else ""
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>https://news.example/</link>{lang}{ITEM.format(title=title, n=n, text=text)}"
            "</channel></rss>")


def atom(lang: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}"><title>t</title>'
            "<id>urn:t</id><updated>2026-10-31T06:46:00Z</updated><entry><title>Bonjour</title>"
            "<id>urn:1</id><link href='https://news.example/fr/1'/>"
            "<updated>2026-10-31T06:46:00Z</updated><content type='html'>&lt;p&gt;Le texte."
            "&lt;/p&gt;</content></entry></feed>")


def json_feed(lang: str) -> str:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t",
                       "language": lang, "items": [{"id": "1", "url": "https://news.example/j",
                                                    "title": "Hola", "content_html": "<p>Texto.</p>",
                                                    "date_published": "2026-10-31T06:46:00Z"}]})


def one_post(site: Path) -> str:
    (post,) = (site / "_posts").glob("*.md")
    return post.read_text("utf-8")


def lang_line(post: str) -> str | None:
    head = post.split("\n---\n", 1)[0]
    found = [line for line in head.splitlines() if line.startswith("lang: ")]
    return found[0][6:] if found else None


@pytest.mark.parametrize("site_lang, feed, source_lang, expected", [
    (None, rss("en-us", "Markets", "Stocks rose."), None, "en-US"),
    (None, rss("zh-cn", "股市", "上涨。"), None, None),  # the site's language: no line
    (None, rss("zh", "股市", "上涨。"), None, None),
    (None, rss("en-us", "Markets", "Stocks rose."), "ar", "ar"),  # the source's wins
    (None, atom("fr"), None, "fr"),
    (None, json_feed("es"), None, "es"),
    ('"en"', rss("zh-cn", "股市", "上涨。"), None, "zh-CN"),
    ('"en"', rss(None, "Markets", "Stocks rose."), None, None),
])
def test_post_language(make_site, site_lang, feed, source_lang, expected):
    site = make_site(
        (f"[site]\nlang = {site_lang}\n\n" if site_lang else "")
        + '[[sources]]\nname = "N"\nurl = "feed.xml"\nfull_text = "never"\n'
        + (f'lang = "{source_lang}"\n' if source_lang else ""))
    (site / "feed.xml").write_text(feed, "utf-8")
    run(load_config(site), RunOptions(now=T0))
    post = one_post(site)
    assert lang_line(post) == expected
    assert read_article(post).lang == expected
    assert render_post(read_article(post)) == post


def test_language_tags_compare_as_bcp47():
    assert post_language("zh-CN", "zh_cn") is None and post_language("zh-CN", "ZH") is None
    assert post_language("zh-CN", "zh-hant-tw") == "zh-Hant-TW"
    assert post_language("en", "EN-gb") is None and post_language("en", "") is None
    # Chinese: the script decides (a zaobao preset's zh-Hans on a zh-CN site: no line)
    assert post_language("zh-CN", "zh-Hans") is None and post_language("zh-CN", "zh-SG") is None
    assert post_language("zh-CN", "zh-TW") == "zh-TW" and post_language("zh-TW", "zh-Hant") is None


@pytest.mark.jekyll
def test_layout_sets_lang_and_dir(tmp_path: Path):
    need_tool("jekyll")
    site = tmp_path / "site"
    write_scaffold(site, title="Languages", timezone="UTC")
    feeds = {"ar": rss("ar", "مرحبا", "نص المقال.", 1), "en": rss("en", "Hello", "Text.", 2),
             "zh": rss("zh-cn", "你好", "正文。", 3)}
    config = ""
    for name, text in feeds.items():
        (tmp_path / f"{name}.xml").write_text(text, "utf-8")
        config += (f'[[sources]]\nname = "{name}"\nurl = "{tmp_path / name}.xml"\n'
                   'full_text = "never"\n\n')
    (site / "newsmirror.toml").write_text(config, "utf-8")
    assert run(load_config(site), RunOptions(now=T0)).ok
    dest = tmp_path / "_site"
    build = subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--source",
                            str(site), "--destination", str(dest)], capture_output=True,
                           text=True, env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    assert build.returncode == 0, build.stderr
    pages = {info.title: (dest / unquote(info.url).lstrip("/")).read_text("utf-8")
             for info in scan_posts(site)}
    assert '<html lang="ar" dir="rtl">' in pages["مرحبا"]
    assert '<article class="post" lang="ar" dir="rtl">' in pages["مرحبا"]
    assert '<html lang="en">' in pages["Hello"] and 'dir="rtl"' not in pages["Hello"]
    assert '<html lang="zh-CN">' in pages["你好"]
