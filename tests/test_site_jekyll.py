"""The scaffold with hostile posts, built by real Jekyll (jekyll-check), and every link.

Posts come from a real run of the pipeline over a feed of hostile items (titles with
quotes, Liquid, YAML injection, emoji; sources such as ``Reuters: Asia #1``, ``yes``
and a category ``a, b]``), plus the seed post. Then:

1. ``shared/tools/jekyll-check`` must pass (strict build, no warning, every post
   published with its title, no live Liquid);
2. a build with a ``baseurl`` must contain every URL newsmirror computed for the search
   index, and every internal link and asset of every page must resolve: category and
   tag links that the layouts compute with Liquid's ``slugify`` must land on the pages
   newsmirror wrote.
"""

from __future__ import annotations

import html.parser
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from helpers import JEKYLL_CHECK, SEED, need_tool
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run
from newsmirror.site import scan_posts, update_site, write_scaffold
from newsmirror.site._search import SEARCH_FIELDS

SEED_NAME = "2022-10-31-王毅与布林肯通话-停止对华打压-不要为两国关系制造新障碍.md"
HOSTILE_TITLES = [
    'He said "hi" -- *ok* [x](y) `c` \\', "{{ site.title }} {% include x %}", "x\"\nlayout: evil",
    "C:\\path\\", "速报😀", "王毅：停止【快讯】「引号」", "a/b ? c # d", "yes", "2022", "...",
    "- item", "tab\there", "nel\x85ls\u2028", "!!!", "Same", "same", "Ünïcödé façade",
]
HOSTILE_BODIES = [
    "<p>{{ site.title }} and {% endraw %} and {% raw %} and {%</p>",
    "<pre>line 1\n\n    indented {{ x }}\n</pre>", "<p>a<p>b", "<ul><li>a<li>b</ul>",
    '<figure><img data-src="https://static.example/a.jpg" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
    "<figcaption>图说</figcaption></figure><p>正文</p>",
    "</div><p>*emph*</p>", '<div markdown="1">*x*</div>', "<table><tr><td>1<td>2</table>",
]


def rss(items: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>t</title><link>https://news.example/</link>" + "".join(items)
            + "</channel></rss>")


def item(n: int) -> str:
    title = HOSTILE_TITLES[n % len(HOSTILE_TITLES)].replace("&", "&amp;").replace("<", "&lt;")
    body = HOSTILE_BODIES[n % len(HOSTILE_BODIES)]
    day = 25 + n % 10
    month, day = (10, day) if day <= 31 else (11, day - 31)
    return (f"<item><title>{title}</title><link>https://news.example/a/{n}?utm_source=x</link>"
            f"<guid>id-{n}</guid><pubDate>{['Mon', 'Tue'][n % 2]}, {day:02d} "
            f"{['Oct', 'Nov'][month - 10]} 2022 {n % 24:02d}:{n % 60:02d}:00 GMT</pubDate>"
            f"<category>Tag {n % 3}</category><category>经济</category>"
            f"<description><![CDATA[{body}]]></description></item>")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    need_tool("jekyll")
    site = tmp_path_factory.mktemp("jekyll") / "site"
    write_scaffold(site, title="Hostile {{ site.title }} \"mirror\"", timezone="Asia/Shanghai")
    (site / "newsmirror.toml").write_text(
        '[site]\ntimezone = "Asia/Shanghai"\n\n'
        '[[sources]]\nname = "yes"\nurl = "hostile-feed.xml"\nfull_text = "never"\n'
        'categories = ["a, b]"]\n\n'
        '[[sources]]\nname = "Reuters: Asia #1"\nurl = "hostile-feed.xml"\nfull_text = "never"\n\n'
        '[[sources]]\nname = "BBC 中文"\nurl = "hostile-feed.xml"\nfull_text = "never"\n',
        encoding="utf-8")
    (site / "hostile-feed.xml").write_text(rss([item(n) for n in range(34)]), encoding="utf-8")
    with (site / "_config.yml").open("a", encoding="utf-8") as fh:
        fh.write("  - hostile-feed.xml\n")  # the exclude list ends the file
    summary = run(load_config(site), RunOptions(now=datetime(2026, 11, 1, tzinfo=UTC)))
    assert summary.ok
    shutil.copy(SEED / "expected.md", site / "_posts" / SEED_NAME)
    update_site(site)
    assert len(list((site / "_posts").glob("*.md"))) == 34 * 3 + 1
    return site


def env() -> dict[str, str]:
    e = dict(os.environ)
    if "UTF-8" not in (e.get("LC_ALL") or e.get("LANG") or "").upper():
        e["LC_ALL"] = "C.UTF-8"
    return e


@pytest.mark.jekyll
def test_jekyll_check_passes(hostile_site: Path):
    result = subprocess.run([str(JEKYLL_CHECK), str(hostile_site)], capture_output=True,
                            text=True, env=env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "103 published, 103 pages verified" in result.stdout


class Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and ((name == "href" and tag in ("a", "link"))
                          or (name == "src" and tag in ("script", "img"))):
                self.links.append(value)


@pytest.mark.jekyll
def test_every_link_resolves_with_a_baseurl(hostile_site: Path, tmp_path: Path):
    dest = tmp_path / "_site"
    result = subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--baseurl", "/mirror",
                             "--source", str(hostile_site), "--destination", str(dest)],
                            capture_output=True, text=True, env=env())
    assert result.returncode == 0, result.stderr

    def target(url_path: str) -> Path:
        rel = unquote(url_path)
        assert rel.startswith("/mirror/"), url_path
        path = dest / rel[len("/mirror/"):]
        return path / "index.html" if url_path.endswith("/") else path

    # 1. every URL in the search index is a page Jekyll wrote
    search = dest / "assets" / "search"
    manifest = json.loads((search / "index.json").read_text(encoding="utf-8"))
    urls = [json.loads(doc.read_text(encoding="utf-8"))[3] for doc in (search / "d").rglob("*.json")]
    assert len(urls) == manifest["total"] == 103
    missing = [u for u in urls if not target("/mirror" + u).is_file()]
    assert not missing, missing[:5]

    # 2. every internal link of every page resolves
    pages = list(dest.rglob("*.html"))
    assert len(pages) > 103
    broken = []
    for page in pages:
        page_url = "/mirror/" + page.relative_to(dest).as_posix()
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(urljoin(page_url, link))
            if parts.scheme in ("http", "https", "data", "mailto") and parts.netloc:
                continue
            if parts.scheme in ("data", "mailto", "javascript"):
                continue
            if not target(parts.path).exists():
                broken.append(f"{page.relative_to(dest)}: {link}")
    assert not broken, "\n".join(broken[:20])


# --- Liquid-like article text renders as written (issue 11, found 7) ----------------------

CODE_SAMPLE = ("{{ site.title }}\n{% include x %}\n{% raw %}{{ kept }}{% endraw %}\n"
               "{%- endraw -%} {%endraw%} {% endraw %} {{% {%\n")
LIQUID_INTRO = "Vue: {{ message }}, Jekyll: {% raw %} and {% endraw %}, {% if x %}y{% endif %}"


class ArticleText(html.parser.HTMLParser):
    """The text of the article <div> inside a post page's <div class="post-body">, and
    of each of its <p> and <pre> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # <div>s open inside post-body (1: the article's own)
        self.in_body = False
        self.text: list[str] = []
        self.blocks: dict[str, list[str]] = {"p": [], "pre": []}
        self.block: str | None = None
        self.excerpts: list[str] = []  # the home page's <p class="post-excerpt">
        self.in_excerpt = False

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "div" and "post-body" in cls.split():
            self.in_body = True
        elif tag == "div" and self.in_body:
            self.depth += 1
        elif tag in self.blocks and self.depth:
            self.block = tag
            self.blocks[tag].append("")
        if tag == "p" and "post-excerpt" in cls.split():
            self.in_excerpt = True
            self.excerpts.append("")

    def handle_endtag(self, tag):
        if tag == "div" and self.in_body:
            if self.depth:
                self.depth -= 1
            else:
                self.in_body = False
        elif tag == self.block:
            self.block = None
        if tag == "p":
            self.in_excerpt = False

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)
            if self.block:
                self.blocks[self.block][-1] += data
        if self.in_excerpt:
            self.excerpts[-1] += data


@pytest.mark.jekyll
@pytest.mark.parametrize("liquid_off", [False, True], ids=["scaffold", "old-scaffold"])
def test_liquid_like_article_text_renders_exactly_as_written(tmp_path: Path, liquid_off: bool):
    """A code sample full of Liquid syntax, written by a real run and built by real Jekyll:
    the page shows the article's text exactly, with no raw guard visible and nothing
    evaluated; so do the home page's excerpt and newsmirror's search index. The scaffold of
    before (``render_with_liquid: false`` for posts) showed the guards on Jekyll 4: that is
    why ``newsmirror run`` warns about it (test_cli.py)."""
    need_tool("jekyll")
    site = tmp_path / "site"
    write_scaffold(site, title="Liquid probe", timezone="UTC")
    if liquid_off:
        config = site / "_config.yml"
        text = config.read_text(encoding="utf-8").replace(
            "      layout: post\n", "      layout: post\n      render_with_liquid: false\n")
        config.write_text(text, encoding="utf-8")
    source_html = (f"<p>{LIQUID_INTRO}</p>\n<pre><code>{CODE_SAMPLE}</code></pre>\n"
                   "<p>{{ page.title }} end</p>")
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([
        "<item><title>Templates</title><link>https://news.example/templates</link>"
        "<pubDate>Mon, 31 Oct 2022 06:46:00 GMT</pubDate>"
        f"<description><![CDATA[{source_html}]]></description></item>"]), encoding="utf-8")
    (site / "newsmirror.toml").write_text(
        f'[[sources]]\nname = "Code"\nurl = "{feed}"\nfull_text = "never"\n', encoding="utf-8")
    assert run(load_config(site), RunOptions(now=datetime(2026, 11, 1, tzinfo=UTC))).ok
    [post_file] = (site / "_posts").glob("*.md")
    assert "{% raw %}" in post_file.read_text(encoding="utf-8")  # the guard is in the file

    dest = tmp_path / "_site"
    build = subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--source", str(site),
                            "--destination", str(dest)], capture_output=True, text=True, env=env())
    assert build.returncode == 0 and not build.stderr.strip(), build.stderr
    [info] = scan_posts(site)
    page = ArticleText()
    page.feed((dest / unquote(info.url).lstrip("/")).read_text(encoding="utf-8"))
    expected = ArticleText()
    expected.depth = 1
    expected.feed(source_html)
    shown = "".join(page.text)
    if liquid_off:  # what the old scaffold showed on Jekyll 4: the guards as text
        assert "{% endraw %}{{ \"{%\" }}{% raw %}" in shown
        return
    assert page.blocks == expected.blocks == {
        "p": [LIQUID_INTRO, "{{ page.title }} end"], "pre": [CODE_SAMPLE]}
    assert " ".join(shown.split()) == " ".join("".join(expected.text).split())
    assert "Liquid probe" not in shown

    home = ArticleText()
    home.feed((dest / "index.html").read_text(encoding="utf-8"))
    [excerpt] = home.excerpts
    assert excerpt.startswith(LIQUID_INTRO[:60]), excerpt
    doc = json.loads((site / "assets" / "search" / "d" / "0" / "0.json").read_text(encoding="utf-8"))
    assert doc[SEARCH_FIELDS.index("text")].startswith(LIQUID_INTRO), doc
