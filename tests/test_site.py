"""The Jekyll scaffold, archive pages, search index, workflow and demo data (no Jekyll)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from helpers import SEED
from newsmirror import site
from newsmirror.config import load_config
from newsmirror.errors import ConfigError
from newsmirror.site import (
    jekyll_slugify,
    post_url,
    scan_posts,
    update_site,
    write_archives,
    write_demo,
    write_scaffold,
    write_search_index,
    write_workflow,
)

SEED_NAME = "2022-10-31-王毅与布林肯通话-停止对华打压-不要为两国关系制造新障碍.md"
GITHUB_PAGES_PLUGINS = {"jekyll-feed", "jekyll-seo-tag", "jekyll-sitemap", "jekyll-paginate",
                        "jekyll-redirect-from", "jekyll-relative-links", "jekyll-optional-front-matter",
                        "jekyll-readme-index", "jekyll-default-layout", "jekyll-titles-from-headings"}


def post(title: str, date: str, categories: str, tags: str | None = None,
         body: str = "<p>正文</p>", author: str = "src") -> str:
    """A post in the exact format (FORMAT.md); values already YAML-formatted."""
    plain = json.loads(title) if title.startswith('"') else title
    return ("---\nlayout: post\n"
            f"title: {title}\ndate: {date}\nauthor: {author}\n"
            "from: https://news.example/a\n"
            f"tags: {tags or categories}\ncomments: True\ncategories: {categories}\n---\n"
            "<!--1667198760000-->\n"
            f"[{plain}](https://news.example/a)\n------\n\n<div>\n{body}\n</div>\n")


@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    d = tmp_path / "site"
    write_scaffold(d, title='Mirror "早报" #1', timezone="Asia/Shanghai")
    return d


def config(d: Path) -> dict:
    return yaml.safe_load((d / "_config.yml").read_text(encoding="utf-8"))


# --- scaffold ---------------------------------------------------------------------------

def test_scaffold_writes_a_complete_site(scaffold: Path):
    for rel in ["_config.yml", "index.html", "search.html", "404.html", "categories/index.html",
                "tags/index.html", "archive/index.html", "assets/css/newsmirror.css",
                "assets/js/search.js", "assets/search/index.json", ".gitignore",
                ".github/workflows/newsmirror.yml", "_posts",
                *(f"_layouts/{n}.html" for n in ("default", "home", "post", "archive", "page"))]:
        assert (scaffold / rel).exists(), rel
    assert not any(p.name.startswith("dot-") for p in scaffold.rglob("*"))


def test_config_values(scaffold: Path):
    c = config(scaffold)
    assert c["title"] == 'Mirror "早报" #1'
    assert c["timezone"] == "Asia/Shanghai"
    assert c["future"] is True
    assert set(c["plugins"]) <= GITHUB_PAGES_PLUGINS
    assert {"jekyll-feed", "jekyll-seo-tag", "jekyll-sitemap", "jekyll-paginate"} <= set(c["plugins"])
    assert "theme" not in c
    assert c["paginate"] >= 1 and ":num" in c["paginate_path"]
    assert c["kramdown"]["typographic_symbols"] == {"mdash": ""}
    assert c["permalink"] == site.SCAFFOLD_PERMALINK
    posts_default = [d for d in c["defaults"] if d["scope"]["path"] == "_posts"][0]["values"]
    # Liquid stays on for posts: Jekyll 3 and 4 then both print the raw guards' text as
    # written (with it off, Jekyll 4 shows the guards; test_site_jekyll.py builds both)
    assert posts_default == {"layout": "post"}
    assert site.config_warnings(scaffold) == []
    for entry in ("newsmirror.toml", ".newsmirror/"):
        assert entry in c["exclude"]
    assert c["comments"]["provider"] == ""
    assert set(c["comments"]) >= {"giscus", "utterances", "disqus"}


def test_config_warnings_name_render_with_liquid_off(tmp_path: Path):
    d = tmp_path / "old"
    d.mkdir()
    assert site.config_warnings(d) == []  # no _config.yml: nothing to say
    (d / "_config.yml").write_text(
        "title: x\n# render_with_liquid: false\ndefaults:\n  - scope:\n      path: _posts\n"
        "    values:\n      layout: post\n      render_with_liquid: false  # old scaffold\n"
        "  - scope: {path: notes}\n    values:\n      render_with_liquid: Off\n"
        "  - scope: {path: drafts}\n    values:\n      render_with_liquid: 'no'\n"
        "render_with_liquid_x: false\n", encoding="utf-8")  # a string 'no' is not false
    warnings = site.config_warnings(d)
    assert [w.split(": ", 1)[0] for w in warnings] == [f"{d / '_config.yml'}:8",
                                                       f"{d / '_config.yml'}:11"]
    assert "delete that line" in warnings[0] and "{% raw %}" in warnings[0]
    (d / "_config.yml").write_text("defaults:\n  - values:\n      render_with_liquid: true\n",
                                   encoding="utf-8")
    assert site.config_warnings(d) == []


def test_scaffold_never_overwrites_unless_asked(scaffold: Path):
    cfg = scaffold / "_config.yml"
    cfg.write_text("title: mine\n", encoding="utf-8")
    (scaffold / "_layouts" / "post.html").write_text("mine", encoding="utf-8")
    assert write_scaffold(scaffold, title="x") == []
    assert cfg.read_text(encoding="utf-8") == "title: mine\n"
    written = write_scaffold(scaffold, title="x", timezone="UTC", overwrite=True)
    assert cfg in written and (scaffold / "_layouts" / "post.html") in written
    assert config(scaffold)["title"] == "x"
    assert write_scaffold(scaffold, title="x", timezone="UTC", overwrite=True) == []


def test_unknown_timezone_is_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        write_scaffold(tmp_path / "s", timezone="Mars/Olympus")


def test_every_page_head_has_no_referrer_and_viewport(scaffold: Path):
    head = (scaffold / "_includes" / "head.html").read_text(encoding="utf-8")
    assert '<meta name="referrer" content="no-referrer">' in head
    assert 'name="viewport"' in head
    default = (scaffold / "_layouts" / "default.html").read_text(encoding="utf-8")
    assert "{%- include head.html %}" in default
    for layout in (scaffold / "_layouts").glob("*.html"):
        text = layout.read_text(encoding="utf-8")
        assert layout.name == "default.html" or text.startswith("---\nlayout: default\n")


def test_no_template_loops_over_all_posts_or_pages(scaffold: Path):
    """What made 10,000-post builds quadratic: a loop over all posts/pages on every page."""
    loop = re.compile(r"\{%-?\s*for\s+\w+\s+in\s+site\.(posts|pages|html_pages|documents|"
                      r"static_files|collections)\b")
    for path in [*scaffold.glob("_layouts/*.html"), *scaffold.glob("_includes/*.html"),
                 *scaffold.glob("*.html"), *scaffold.glob("*/index.html")]:
        assert not loop.search(path.read_text(encoding="utf-8")), path


def test_comment_widget_only_with_provider_and_post_flag(scaffold: Path):
    text = (scaffold / "_layouts" / "post.html").read_text(encoding="utf-8")
    assert 'page.comments and site.comments.provider and site.comments.provider != ""' in text
    inc = (scaffold / "_includes" / "comments.html").read_text(encoding="utf-8")
    for provider in ("giscus", "utterances", "disqus"):
        assert f'"{provider}"' in inc


def test_stylesheet_dark_mode_phone_and_cjk_fonts(scaffold: Path):
    css = (scaffold / "assets" / "css" / "newsmirror.css").read_text(encoding="utf-8")
    assert "prefers-color-scheme: dark" in css
    assert "max-width: 560px" in css
    assert "Noto Sans CJK SC" in css and "PingFang SC" in css


# --- workflow ---------------------------------------------------------------------------

def test_workflow_is_valid_yaml_with_the_expected_steps(tmp_path: Path):
    written = write_workflow(tmp_path)
    assert written == [tmp_path / ".github" / "workflows" / "newsmirror.yml"]
    wf = yaml.safe_load(written[0].read_text(encoding="utf-8"))
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as true
    assert on["schedule"] == [{"cron": "*/30 * * * *"}]
    assert "workflow_dispatch" in on
    assert wf["concurrency"]["group"] and wf["concurrency"]["cancel-in-progress"] is False
    assert wf["permissions"]["contents"] == "write"
    steps = wf["jobs"]["mirror"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/setup-python@") for u in uses)
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "pip install" in runs and "newsmirror" in runs
    assert "newsmirror run --site . --commit" in runs
    assert re.search(r"for path in _posts \.newsmirror/items\.jsonl", runs)
    # The SQLite store travels through the Actions cache: restored before, saved after.
    cached = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/cache")]
    assert cached == [".newsmirror/state.sqlite", ".newsmirror/state.sqlite"]
    names = [s.get("name", "") for s in steps]
    assert names.index("Restore the state store") < names.index("Mirror the feeds") \
        < names.index("Push") < names.index("Save the state store")
    # saved only when every step before it, the push included, succeeded (test_workflow.py
    # replays the steps)
    assert "if" not in steps[names.index("Save the state store")]
    assert "git push" in runs
    assert write_workflow(tmp_path) == []  # kept


# --- URLs -------------------------------------------------------------------------------

def test_slugify_matches_jekyll():
    assert jekyll_slugify("王毅：停止【快讯】「引号」", "pretty", cased=True) == "王毅-停止-快讯-引号"
    assert jekyll_slugify("a b c", "pretty") == "a-b-c"
    assert jekyll_slugify("why?", "pretty") == "why"
    assert jekyll_slugify("速报😀", "pretty") == "速报"
    assert jekyll_slugify("a.b~c!$&'()+,;=@d", "pretty") == "a.b~c!$&'()+,;=@d"
    assert jekyll_slugify("Reuters: Asia #1") == "reuters-asia-1"
    assert jekyll_slugify("BBC 中文") == "bbc-中文"
    assert jekyll_slugify("!!!") == ""
    assert jekyll_slugify("²①x") == "x"  # only decimal digits count (\p{Nd})


def test_post_url_like_jekyll():
    when = datetime(2022, 10, 31, 14, 46, tzinfo=ZoneInfo("Asia/Shanghai"))
    # shared/notes/jekyll.md section 1: the sample post's page.url
    assert post_url("王毅与布林肯通话", ["联合早报"], when) == (
        "/%E8%81%94%E5%90%88%E6%97%A9%E6%8A%A5/2022/10/31/"
        "%E7%8E%8B%E6%AF%85%E4%B8%8E%E5%B8%83%E6%9E%97%E8%82%AF%E9%80%9A%E8%AF%9D.html")
    assert post_url("Story", ["Reuters"], when) == "/reuters/2022/10/31/Story.html"
    assert post_url("s", ["Reuters", "reuters", "AP"], when) == "/reuters/ap/2022/10/31/s.html"
    assert post_url("s", [], when) == "/2022/10/31/s.html"
    assert post_url("s", ["a b"], when) == "/a%20b/2022/10/31/s.html"
    assert post_url("s", ["x"], when, "pretty") == "/x/2022/10/31/s/"
    assert post_url("s", ["x"], when, "/:year/:title:output_ext") == "/2022/s.html"


def test_scan_reads_the_seed(tmp_path: Path):
    d = tmp_path / "s"
    (d / "_posts").mkdir(parents=True)
    shutil.copy(SEED / "expected.md", d / "_posts" / SEED_NAME)
    (d / "_config.yml").write_text("timezone: Asia/Singapore\n", encoding="utf-8")
    [p] = scan_posts(d)
    assert p.title == "王毅与布林肯通话：停止对华打压 不要为两国关系制造新障碍"
    assert p.source == p.author == "联合早报"
    assert p.date == datetime(2022, 10, 31, 14, 46, tzinfo=ZoneInfo("Asia/Singapore"))
    assert p.url.startswith("/%E8%81%94%E5%90%88%E6%97%A9%E6%8A%A5/2022/10/31/")
    assert p.text.startswith("中共政治局委员、中国国务委员兼外长王毅星期一")  # caption dropped
    assert "路透社" not in p.text and len(p.text) <= site.EXCERPT_CHARS + 1


def test_scan_parses_quoted_values_and_skips_non_posts(tmp_path: Path):
    d = tmp_path / "s"
    (d / "_posts").mkdir(parents=True)
    (d / "_posts" / "2022-10-31-a.md").write_text(post(
        '"He said \\"hi\\" \\\\ \\u2028"', "2022-10-30T20:00:00.000Z",
        '[ "a, b]", "yes" ]', '[ "a, b]", x ]', author='"Reuters: Asia #1"',
        body='{% raw %}<p>{{ site.title }} {% endraw %}{{ "{%" }}{% raw %} x</p>{% endraw %}'),
        encoding="utf-8")
    (d / "_posts" / "notes.md").write_text("not a post", encoding="utf-8")
    (d / "_posts" / ".hidden.md").write_text("x", encoding="utf-8")
    [p] = scan_posts(d, timezone="Asia/Shanghai")
    assert p.title == 'He said "hi" \\ \u2028'
    assert p.categories == ("a, b]", "yes") and p.tags == ("a, b]", "x")
    assert p.author == "Reuters: Asia #1"
    assert p.date.strftime("%Y-%m-%d %H:%M") == "2022-10-31 04:00"  # site time zone
    assert p.url == "/a,%20b%5D/yes/2022/10/31/a.html"
    assert p.text == "{{ site.title }} {% x"


# --- search index -----------------------------------------------------------------------

def test_search_index_documents_in_site_timezone(scaffold: Path):
    """One file per post, oldest first: its date in the site's zone, URL, whole text.
    (tests/test_site_search.py tests the terms and the page.)"""
    posts = scaffold / "_posts"
    posts.joinpath("2022-11-01-late.md").write_text(
        post('"深夜新闻"', "2022-10-31T20:00:00.000Z", "[ 早报 ]"), encoding="utf-8")
    posts.joinpath("2022-10-31-early.md").write_text(
        post('"早间新闻"', "2022-10-31T01:00:00.000Z", "[ 早报 ]",
             body="<figure><img src=x><figcaption>说明</figcaption></figure><p>正文 &amp; 更多</p>"),
        encoding="utf-8")
    write_search_index(scaffold)
    out = scaffold / "assets" / "search"
    manifest = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert manifest["total"] == 2 and manifest["sources"] == ["早报"]
    assert manifest["fields"] == ["title", "source", "date", "url", "text"]
    late = json.loads((out / "d" / "0" / "1.json").read_text(encoding="utf-8"))
    assert late[:5] == ["深夜新闻", "早报", "2022-11-01T04:00+08:00",
                    "/2022/11/01/late.html", "正文"]  # the scaffold's URLs: no category
    early = json.loads((out / "d" / "0" / "0.json").read_text(encoding="utf-8"))
    assert early[4] == "说明 正文 & 更多"


def test_search_page_and_script(scaffold: Path):
    page = (scaffold / "search.html").read_text(encoding="utf-8")
    assert "'/assets/search/index.json' | relative_url" in page
    assert "'/' | relative_url" in page
    js = (scaffold / "assets" / "js" / "search.js").read_text(encoding="utf-8")
    assert "crc32" in js and 'normalize("NFKC")' in js


# --- archive pages ----------------------------------------------------------------------

def test_archive_pages(scaffold: Path):
    posts = scaffold / "_posts"
    posts.joinpath("2022-10-31-a.md").write_text(
        post('"A {{ x }}"', "2022-10-31T01:00:00.000Z", "[ Reuters ]", "[ Reuters, 经济 ]"),
        encoding="utf-8")
    posts.joinpath("2022-09-30-b.md").write_text(
        post('"B"', "2022-09-30T01:00:00.000Z", "[ reuters ]"), encoding="utf-8")
    written = write_archives(scaffold)
    cat = scaffold / "categories" / "reuters" / "index.html"
    assert cat in written
    text = cat.read_text(encoding="utf-8")
    assert 'kind: category\n' in text and 'names: [ "Reuters", "reuters" ]' in text
    assert "generator: newsmirror" in text
    assert (scaffold / "tags" / "经济" / "index.html").exists()
    month = (scaffold / "archive" / "2022" / "10" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../../2022/10/31/a.html"' in month  # the scaffold's URLs: no category
    assert "A &#123;&#123; x &#125;&#125;" in month and "{{" not in month
    index = (scaffold / "archive" / "index.html").read_text(encoding="utf-8")
    assert 'href="2022/10/"' in index and 'href="2022/09/"' in index
    # stale generated pages go, pages the user wrote stay
    mine = scaffold / "categories" / "mine" / "index.html"
    mine.parent.mkdir()
    mine.write_text("---\ntitle: mine\n---\n", encoding="utf-8")
    posts.joinpath("2022-09-30-b.md").unlink()
    posts.joinpath("2022-10-31-a.md").write_text(
        post('"A"', "2022-10-31T01:00:00.000Z", "[ AP ]"), encoding="utf-8")
    write_archives(scaffold)
    assert not cat.exists() and not (scaffold / "archive" / "2022" / "09").exists()
    assert (scaffold / "categories" / "ap" / "index.html").exists() and mine.exists()


def test_update_site_is_quiet_when_nothing_changed(scaffold: Path):
    shutil.copy(SEED / "expected.md", scaffold / "_posts" / SEED_NAME)
    assert update_site(scaffold)
    assert update_site(scaffold) == []


# --- the demo snapshot --------------------------------------------------------------------

def test_demo_snapshot(tmp_path: Path):
    from newsmirror.feeds import parse_feed
    written = write_demo(tmp_path)
    assert tmp_path / "newsmirror.toml" in written
    cfg = load_config(tmp_path)
    kinds, total, bodies = set(), 0, []
    for source in cfg.sources:
        assert source.full_text == "never" and source.is_local
        text = Path(source.url).read_text(encoding="utf-8")
        feed = parse_feed(text, url=source.url, timezone=source.timezone)
        kinds.add(feed.kind)
        total += len(feed.items)
        for it in feed.items:
            assert it.published and it.published.year == 2022
            bodies.append(it.content_html)
    assert {"rss", "atom", "json"} <= kinds
    assert total >= 20
    assert sum("<figcaption>" in b for b in bodies) >= 15
    assert sum('data-src="https://static.example/' in b and 'src="data:image/gif' in b
               for b in bodies) >= 15
    assert sum("<a href=" in b for b in bodies) >= 10
    seed_item = re.search(r"<item>.*?</item>", (SEED / "feed.xml").read_text(encoding="utf-8"), re.S)
    zaobao = [s for s in cfg.sources if s.name == "联合早报"][0]
    assert seed_item.group(0) in Path(zaobao.url).read_text(encoding="utf-8")
