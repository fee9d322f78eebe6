"""What a Jekyll build of the scaffold does per post: constant work, nothing that scans
all posts (issue 15, requirement 6; docs/PERFORMANCE.md, "Jekyll builds").

A build of 100,000 posts fits in 10 minutes only if no post costs work in proportion to
the number of posts, and the per-post work stays small. A counting plugin (test-only)
records, in one real build of a few hundred posts:

* calls of ``collection.docs.index`` (Jekyll's previous/next: a scan of every post for
  every post, O(n^2); ``_plugins/newsmirror_post_neighbours.rb`` makes it a lookup);
* Markdown conversions (jekyll-seo-tag's ``{% seo %}`` converted each page's title and
  description, and ``post.excerpt`` rendered every post a second time);
* URL normalizations (``relative_url``/``absolute_url`` parse and normalize each post's
  URL with Addressable; the layouts join the base URL instead).

And the links stay right: every post's previous/next links point at its neighbours in
Jekyll's order (date, then path), with the plugin and in safe mode without it (GitHub
Pages' builder runs no plugins), and ``post_nav: false`` leaves them out.
"""

from __future__ import annotations

import html.parser
import json
import os
import subprocess
from pathlib import Path

import pytest

from helpers import need_tool
from newsmirror.site import scan_posts, update_site, write_scaffold

POSTS = 240
SOURCES = ["联合早报", "Reuters", "BBC 中文"]
# GitHub Pages' safe mode loads only these plugins
WHITELIST = "whitelist: [jekyll-feed, jekyll-seo-tag, jekyll-sitemap, jekyll-paginate]\n"

COUNTER = r"""
# test-only: counts per-build work (tests/test_site_large.py)
module NMCount
  COUNTS = Hash.new(0)
end
module NMCountNormalize
  def normalize
    NMCount::COUNTS["url_normalize"] += 1
    super
  end
end
Addressable::URI.prepend(NMCountNormalize)
module NMCountConvert
  def convert(content)
    NMCount::COUNTS["markdown_convert"] += 1
    super
  end
end
Jekyll::Converters::Markdown.prepend(NMCountConvert)
module NMCountExcerpt
  def output
    NMCount::COUNTS["excerpt_render"] += 1 unless @output
    super
  end
end
Jekyll::Excerpt.prepend(NMCountExcerpt)
Jekyll::Hooks.register :site, :post_read do |site|
  docs = site.collections["posts"].docs
  def docs.index(*args, &block)
    NMCount::COUNTS["docs_index"] += 1
    super
  end
end
Jekyll::Hooks.register :site, :post_write do |site|
  File.write(ENV.fetch("NM_COUNTS"), JSON.generate(NMCount::COUNTS.merge("posts" => site.posts.docs.size)))
end
"""


def post_file(i: int) -> tuple[str, str]:
    """Post i in newsmirror's format; posts 2k and 2k+1 share a date (order by path)."""
    day, hour = divmod(i // 2, 20)
    month, day = divmod(day, 28)
    date = f"2024-{month + 1:02d}-{day + 1:02d}"
    source = SOURCES[i % len(SOURCES)]
    quoted = f'"{source}"' if " " in source else source
    title = f"第{i}号 新闻 {source}"
    url = f"https://news.example/{i}"
    text = (
        "---\nlayout: post\n"
        f'title: "{title}"\n'
        f"date: {date}T{hour:02d}:00:00.000Z\n"
        f"author: {quoted}\nfrom: {url}\ntags: [ {quoted}, 国际 ]\ncomments: True\n"
        f"categories: [ {quoted} ]\n---\n"
        f"<!--{1700000000000 + i}-->\n[{title}]({url})\n------\n\n"
        f"<div>\n<p>正文{i}。{'很长的句子。' * 20}</p><p>second paragraph {i}</p>\n</div>\n"
    )
    slug = f"n{i:04d}-{'ab'[i % 2]}"
    return f"{date}-{slug}.md", text


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    need_tool("jekyll")
    site = tmp_path_factory.mktemp("large") / "site"
    write_scaffold(site, title="large", timezone="UTC")
    for i in range(POSTS):
        name, text = post_file(i)
        (site / "_posts" / name).write_text(text, encoding="utf-8")
    update_site(site)
    return site


def build(site: Path, dest: Path, *extra: str, config: str = "", counter: bool = False) -> dict:
    env = dict(os.environ, LC_ALL="C.UTF-8", NM_COUNTS=str(dest.parent / "counts.json"))
    configs = str(site / "_config.yml")
    if config:
        overlay = dest.parent / "overlay.yml"
        overlay.write_text(config, encoding="utf-8")
        configs += "," + str(overlay)
    plugins = [str(site / "_plugins")]
    if counter:
        extra_dir = dest.parent / "counter"
        extra_dir.mkdir(exist_ok=True)
        (extra_dir / "counter.rb").write_text(COUNTER, encoding="utf-8")
        plugins.append(str(extra_dir))
    result = subprocess.run(
        ["jekyll", "build", "-q", "--disable-disk-cache", "--source", str(site),
         "--destination", str(dest), "--config", configs, "--plugins", ",".join(plugins),
         *extra],
        capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    if counter:
        return json.loads((dest.parent / "counts.json").read_text())
    return {}


class Nav(html.parser.HTMLParser):
    """The previous/next links of a post page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: dict[str, str] = {}
        self.nav = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and a.get("class") == "post-nav":
            self.nav = True
        if tag == "a" and a.get("class") in ("post-prev", "post-next"):
            self.links[a["class"]] = a.get("href") or ""


def nav_of(dest: Path, url: str) -> Nav:
    from urllib.parse import unquote

    parser = Nav()
    parser.feed((dest / unquote(url).lstrip("/")).read_text(encoding="utf-8"))
    return parser


def check_nav(site: Path, dest: Path) -> None:
    posts = list(reversed(scan_posts(site)))  # Jekyll's order: oldest first
    assert len(posts) == POSTS
    for i, p in enumerate(posts):
        nav = nav_of(dest, p.url)
        assert nav.nav, p.url
        expected = {}
        if i > 0:
            expected["post-prev"] = posts[i - 1].url
        if i < len(posts) - 1:
            expected["post-next"] = posts[i + 1].url
        assert nav.links == expected, (p.path.name, nav.links, expected)


@pytest.mark.jekyll
def test_build_work_per_post_is_constant(site: Path, tmp_path: Path):
    dest = tmp_path / "_site"
    counts = build(site, dest, counter=True)
    assert counts["posts"] == POSTS
    # previous/next: no scan of the posts per post (Jekyll's own: 2 per post)
    assert counts.get("docs_index", 0) == 0, counts
    # one conversion per post, and the feed's 20 excerpts (was 3 per post and page:
    # the post, its excerpt, {% seo %}'s title and description)
    assert counts["markdown_convert"] <= POSTS + 25, counts
    assert counts.get("excerpt_render", 0) <= 25, counts
    # the feed's 20 entries (absolute_url), category/tag links: not one per post
    assert counts.get("url_normalize", 0) <= 80, counts
    check_nav(site, dest)
    # the sitemap lists every post, under its URL
    sitemap = (dest / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    for p in scan_posts(site):
        assert f"<loc>{p.url}</loc>" in sitemap
    assert "<loc>/404.html</loc>" not in sitemap and "search.html" not in sitemap
    # the head: what {% seo %} wrote
    post = scan_posts(site)[0]
    page = (dest / post.url.lstrip("/")).read_text(encoding="utf-8")
    assert f"<title>{post.title} | large</title>" in page
    assert f'<link rel="canonical" href="{post.url}">' in page
    assert f'<meta name="description" content="{post.title}">' in page
    assert '"@type":"BlogPosting"' in page


@pytest.mark.jekyll
def test_nav_without_plugins_as_on_github_pages(site: Path, tmp_path: Path):
    """Safe mode ignores _plugins/: Jekyll's own (slow) scan gives the same links."""
    dest = tmp_path / "_site"
    build(site, dest, "--safe", config=WHITELIST)
    check_nav(site, dest)


@pytest.mark.jekyll
def test_post_nav_false_leaves_the_links_out(site: Path, tmp_path: Path):
    dest = tmp_path / "_site"
    counts = build(site, dest, config="post_nav: false\n", counter=True)
    assert counts.get("docs_index", 0) == 0
    post = scan_posts(site)[POSTS // 2]
    nav = nav_of(dest, post.url)
    assert not nav.nav and nav.links == {}
    assert "post-nav" not in (dest / post.url.lstrip("/")).read_text(encoding="utf-8")


@pytest.mark.jekyll
def test_baseurl_in_joined_links(site: Path, tmp_path: Path):
    dest = tmp_path / "_site"
    build(site, dest, "--baseurl", "/mirror")
    posts = list(reversed(scan_posts(site)))
    nav = nav_of(dest, posts[1].url)
    assert nav.links == {"post-prev": "/mirror" + posts[0].url, "post-next": "/mirror" + posts[2].url}
    home = (dest / "index.html").read_text(encoding="utf-8")
    assert f'href="/mirror{posts[-1].url}"' in home
    sitemap = (dest / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>/mirror{posts[0].url}</loc>" in sitemap


def test_a_large_batch_of_new_posts_is_indexed_whole_once(tmp_path: Path, monkeypatch):
    """update_site after 1,200 new posts (a first run over a backlog; the bench's sites):
    the search index is written whole, each post's terms made once. It used to go
    through the update path first (sets of post numbers, ~200 bytes a posting: 1 GB for
    5,000 posts, 8.8 GB for 50,000), then rebuild all the same when the main bucket
    count changed: every post's terms twice."""
    import newsmirror.site._search as search

    site = tmp_path / "site"
    write_scaffold(site, title="batch", timezone="UTC")  # an index of no posts, and its state
    n = 1200  # more than search.REBUILD_CHANGES
    for i in range(n):
        words = " ".join(f"w{i}x{k}" for k in range(100))  # 100 terms of its own
        day, hour = divmod(i, 20)
        (site / "_posts" / f"2024-01-{day % 28 + 1:02d}-p{i}.md").write_text(
            f'---\nlayout: post\ntitle: "p{i}"\ndate: 2024-01-{day % 28 + 1:02d}T{hour:02d}:00:00Z\n'
            f"categories: [ s{i % 3} ]\n---\n<!--1-->\n[p{i}](https://news.example/{i})\n------\n\n"
            f"<div>\n<p>{words}</p>\n</div>\n", encoding="utf-8")
    calls = 0
    doc_terms = search._doc_terms

    def counting(*args):
        nonlocal calls
        calls += 1
        return doc_terms(*args)

    monkeypatch.setattr(search, "_doc_terms", counting)
    update_site(site)
    assert calls == n
    manifest = json.loads((site / "assets/search/index.json").read_text(encoding="utf-8"))
    assert manifest["total"] == n and manifest["recent"] == 0
    # a run's few new posts still go to the recent segment
    (site / "_posts" / "2024-02-01-late.md").write_text(
        '---\nlayout: post\ntitle: "late"\ndate: 2024-02-01T00:00:00Z\n---\n<!--1-->\n'
        "[late](https://news.example/late)\n------\n\n<div>\n<p>glowfin</p>\n</div>\n",
        encoding="utf-8")
    calls = 0
    update_site(site)
    assert calls == 1
    manifest = json.loads((site / "assets/search/index.json").read_text(encoding="utf-8"))
    assert manifest["total"] == n + 1 and manifest["recent"] > 0


@pytest.mark.jekyll
def test_a_split_build_is_the_whole_build(site: Path, tmp_path: Path):
    """NEWSMIRROR_SHARD=i/n (_plugins/newsmirror_shard.rb): n processes, each renders and
    writes its part into one destination; together the same files, byte for byte (the
    feed's build time aside)."""
    import re

    whole = tmp_path / "whole" / "_site"
    whole.parent.mkdir()
    build(site, whole)
    split = tmp_path / "split" / "_site"
    split.parent.mkdir()
    procs = [
        subprocess.Popen(
            ["jekyll", "build", "-q", "--disable-disk-cache", "--source", str(site),
             "--destination", str(split)],
            env=dict(os.environ, LC_ALL="C.UTF-8", NEWSMIRROR_SHARD=f"{i}/3"),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for i in range(3)
    ]
    for proc in procs:
        out, _ = proc.communicate()
        assert proc.returncode == 0, out
    files = sorted(p.relative_to(whole) for p in whole.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(split) for p in split.rglob("*") if p.is_file())
    assert len(files) > POSTS
    updated = re.compile(rb"<updated>[^<]*</updated>", re.ASCII)
    for rel in files:
        a, b = (whole / rel).read_bytes(), (split / rel).read_bytes()
        if rel.name == "feed.xml":
            a, b = updated.sub(b"", a, count=1), updated.sub(b"", b, count=1)
        assert a == b, rel
    # and each process did its part only: one of three alone writes a third of the posts
    part = tmp_path / "part" / "_site"
    result = subprocess.run(
        ["jekyll", "build", "-q", "--disable-disk-cache", "--source", str(site),
         "--destination", str(part)],
        env=dict(os.environ, LC_ALL="C.UTF-8", NEWSMIRROR_SHARD="1/3"),
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    posts = [p for p in scan_posts(site) if (part / p.url.lstrip("/")).is_file()]
    assert len(posts) == POSTS // 3
    assert not (part / "index.html").exists() and not (part / "feed.xml").exists()
    assert (part / "page5" / "index.html").is_file()  # home pages 5-8: its posts' text
