"""Every version kept (issue 12, requirement 2), against a feed and pages served on
127.0.0.1: an article edited between runs is rewritten in place with its earlier version
stored and ``updated:`` set; cosmetic differences are not edits; ``newsmirror history``
lists and diffs the versions (CJK by character); the site's page of differences is built
by real Jekyll; the demo shows an edited article."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from helpers import need_tool
from httpfixtures import LoopbackServer
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, rebuild, run
from newsmirror.post import read_article, render_post
from newsmirror.site import scan_posts, write_scaffold
from newsmirror.store import Store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=3)
T2 = T0 + timedelta(days=1)

BODY = ('<p>The mayor said <a href="https://city.example/plan?id=7">the plan</a> was '
        "final.</p><p>中国外交部长王毅与美国国务卿布林肯通话。</p>"
        '<p><img src="https://img.example/a/photo.jpg?x-oss-process=image/resize,w_800" '
        'alt="photo" width="800"></p>')


def rss(server: LoopbackServer, body: str, *, title: str = "王毅与布林肯通话",
        date: str = "Mon, 31 Oct 2022 06:46:00 GMT") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>{server.base}/</link><item><title>{title}</title>"
            f"<link>{server.url('/doc/a/1.html')}</link><guid>story-1</guid>"
            f"<pubDate>{date}</pubDate><description><![CDATA[{body}]]></description></item>"
            "</channel></rss>")


def make_feed_site(make_site, server: LoopbackServer, body: str = BODY, *,
                   scaffold: bool = False, tmp_path: Path | None = None) -> Path:
    feed_url = server.put("feed.xml", rss(server, body))
    config = (f'[site]\nretries = 0\n\n[[sources]]\nname = "早报"\nurl = "{feed_url}"\n'
              'full_text = "never"\n')
    if scaffold:
        assert tmp_path is not None
        site = tmp_path / "site"
        write_scaffold(site, title="versions", timezone="UTC")
        (site / "newsmirror.toml").write_text(config, encoding="utf-8")
        return site
    return make_site(config)


def go(site: Path, now: datetime):
    summary = run(load_config(site), RunOptions(now=now))
    assert summary.ok, summary.to_dict()
    return summary


def the_post(site: Path) -> Path:
    (post,) = sorted((site / "_posts").iterdir())
    return post


def stored_versions(site: Path) -> list:
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        (record,) = store.all_items()
        return store.versions(record.source, record.key)


def newsmirror(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsmirror.cli", *args], capture_output=True,
                          text=True, timeout=120, check=False)


EDITED = BODY.replace("was final.", "was not final yet.").replace("王毅与美国", "王毅和美国")


def test_an_edited_article_is_rewritten_in_place_with_its_earlier_version_kept(
        http_server, make_site):
    site = make_feed_site(make_site, http_server)
    go(site, T0)
    post = the_post(site)
    first = post.read_text(encoding="utf-8")
    assert "updated:" not in first and "edits:" not in first
    http_server.put("feed.xml", rss(http_server, EDITED))
    summary = go(site, T1)
    assert summary.to_dict()["updated_posts"] == 1
    assert the_post(site) == post  # the same file name
    text = post.read_text(encoding="utf-8")
    assert "was not final yet." in text and "王毅和美国" in text
    head = text.split("\n---\n", 1)[0].splitlines()
    assert head[3:6] == ["date: 2022-10-31T06:46:00.000Z", "updated: 2026-11-01T15:00:00.000Z",
                         "edits: 1"]
    (version,) = stored_versions(site)
    assert version.number == 1 and version.seen == T0
    assert render_post(version.article) == first  # the version as it was published
    # the post reads back (reindex) and re-renders (rebuild) with its edit lines
    assert render_post(read_article(text)) == text
    rebuild(load_config(site))
    assert post.read_text(encoding="utf-8") == text

    # the CLI: by file, then by the article's URL, with --json
    listed = newsmirror("history", str(post), "--site", str(site))
    assert listed.returncode == 0, listed.stderr
    assert "2 versions" in listed.stdout
    assert "2026-11-01 12:00 UTC" in listed.stdout and "2026-11-01 15:00 UTC" in listed.stdout
    assert "6 words changed" in listed.stdout  # final. -> not final yet. ; 与 -> 和
    diff = newsmirror("history", post.name, "--site", str(site), "--diff", "1", "2")
    assert diff.returncode == 0, diff.stderr
    assert "was [-final.-] {+not final yet.+}" in diff.stdout
    assert "王毅[-与-]{+和+}美国" in diff.stdout  # CJK by character
    as_json = newsmirror("history", http_server.url("/doc/a/1.html?utm_source=x"), "--site",
                         str(site), "--json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert [v["words_changed"] for v in data["versions"]] == [None, 6]
    wrong = newsmirror("history", post.name, "--site", str(site), "--diff", "1", "3")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
    assert "no version 3; it has versions 1 to 2" in wrong.stderr
    unknown = newsmirror("history", "https://nowhere.example/x", "--site", str(site))
    assert unknown.returncode == 1 and "no post of" in unknown.stderr
    assert "Traceback" not in unknown.stderr + wrong.stderr


def test_later_edits_add_versions_and_keep_updated_on_other_rewrites(http_server, make_site):
    site = make_feed_site(make_site, http_server)
    go(site, T0)
    http_server.put("feed.xml", rss(http_server, EDITED))
    go(site, T1)
    # a new date (with new whitespace) rewrites the post, but is no edit: updated: and
    # edits: stay
    http_server.put("feed.xml", rss(http_server, EDITED.replace("</p><p>", "</p> <p>"),
                                    date="Mon, 31 Oct 2022 07:00:00 GMT"))
    assert go(site, T1 + timedelta(hours=1)).to_dict()["updated_posts"] == 1
    text = the_post(site).read_text(encoding="utf-8")
    assert "date: 2022-10-31T07:00:00.000Z\nupdated: 2026-11-01T15:00:00.000Z\nedits: 1\n" in text
    assert len(stored_versions(site)) == 1
    http_server.put("feed.xml", rss(http_server, EDITED.replace("mayor", "governor"),
                                    date="Mon, 31 Oct 2022 07:00:00 GMT"))
    go(site, T2)
    text = the_post(site).read_text(encoding="utf-8")
    assert "updated: 2026-11-02T12:00:00.000Z\nedits: 2\n" in text
    versions = stored_versions(site)
    assert [(v.number, v.seen) for v in versions] == [(1, T0), (2, T1)]
    assert "not final yet" in versions[1].article.body_html
    assert "mayor" in versions[1].article.body_html


COSMETIC = {
    "whitespace": BODY.replace("The mayor said", "The  mayor\n said ").replace("</p><p>",
                                                                              "</p>\n\n<p>"),
    "tracking parameters": BODY.replace("plan?id=7", "plan?id=7&utm_source=rss&fbclid=abc"),
    "ad slot": BODY + '<div class="ad-slot" data-slot="42"><p>Advertisement</p></div>'
                      '<ins class="adsbygoogle" data-ad-client="ca-pub-1"></ins>',
    "reordered attributes": BODY.replace('alt="photo" width="800"', 'width="800" alt="photo"')
                                .replace('<img src="https://img.example/a/photo.jpg?x-oss-process'
                                         '=image/resize,w_800"',
                                         '<img title="" src="https://img.example/a/photo.jpg?'
                                         'x-oss-process=image/resize,w_800"'),
    "image URL signature": BODY.replace("?x-oss-process=image/resize,w_800",
                                        "?Expires=1767225600&Signature=Zm9v&Key-Pair-Id=K1"),
}


@pytest.mark.parametrize("kind", list(COSMETIC))
def test_a_cosmetic_difference_is_not_an_edit(http_server, make_site, kind):
    site = make_feed_site(make_site, http_server)
    go(site, T0)
    post = the_post(site)
    before = post.read_bytes()
    http_server.put("feed.xml", rss(http_server, COSMETIC[kind]))
    summary = go(site, T1)
    assert summary.to_dict()["updated_posts"] == 0
    assert summary.written == []
    assert post.read_bytes() == before
    assert stored_versions(site) == []
    # the item's hash follows the feed: the next run does not build it again
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        (record,) = store.all_items()
    http_server.put("feed.xml", rss(http_server, COSMETIC[kind]))
    assert go(site, T2).to_dict()["updated_posts"] == 0
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        assert store.all_items() == [record]


def test_an_edit_in_the_article_page_is_kept_too(http_server, make_site):
    """Full-text mode: the feed keeps its teaser, the page behind it is edited."""
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>t</title></head><body>"
            "<article><h1>王毅与布林肯通话</h1><div class='story'>{}</div></article></body></html>")
    paragraphs = "".join(f"<p>第{n}段：中国外交部长王毅与美国国务卿布林肯通话，双方就两国关系交换意见。</p>"
                         for n in range(8))
    http_server.put("a/1.html", page.format(paragraphs), "text/html; charset=utf-8")
    feed_url = http_server.put("feed.xml", rss(http_server, "<p>teaser</p>"))
    site = make_site(f'[site]\nretries = 0\n\n[[sources]]\nname = "早报"\nurl = "{feed_url}"\n'
                     'full_text = "always"\n\n[rules."127.0.0.1"]\ncontent = [".story"]\n')
    go(site, T0)
    http_server.put("a/1.html", page.format(paragraphs.replace("第3段：中国", "第3段：美国")),
                    "text/html; charset=utf-8")
    # the feed changed too (a new teaser), so the item is looked at again
    http_server.put("feed.xml", rss(http_server, "<p>teaser, updated</p>"))
    assert go(site, T1).to_dict()["updated_posts"] == 1
    assert "edits: 1" in the_post(site).read_text(encoding="utf-8")
    diff = newsmirror("history", the_post(site).name, "--site", str(site), "--diff", "1", "2")
    assert "第3段：[-中-]{+美+}国" in diff.stdout, diff.stdout + diff.stderr


def test_a_run_killed_after_storing_an_edit_finishes_it_once(http_server, make_site):
    """The edit's version is stored with the pending row (step 1); when the run dies
    before the file is written, the next run writes the post with its edit lines and
    stores no second version."""
    site = make_feed_site(make_site, http_server)
    go(site, T0)
    post = the_post(site)
    first = post.read_text(encoding="utf-8")
    http_server.put("feed.xml", rss(http_server, EDITED))
    go(site, T1)
    edited = post.read_text(encoding="utf-8")
    # what a kill between step 1 and step 2 leaves: the row pending, the old file
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        (record,) = store.all_items()
        store.set_pending([(record.source, record.key)])
        store.forget_cached_response(http_server.url("/doc/feed.xml"))
    post.write_text(first, encoding="utf-8")
    go(site, T2)
    assert post.read_text(encoding="utf-8") == edited
    assert len(stored_versions(site)) == 1


HOSTILE = EDITED.replace("not final yet.", "not final {{ site.title }} &lt;script&gt;x&lt;/script&gt;")


@pytest.mark.jekyll
def test_the_page_of_differences_built_by_real_jekyll(http_server, tmp_path, make_site):
    need_tool("jekyll")
    site = make_feed_site(make_site, http_server, scaffold=True, tmp_path=tmp_path)
    go(site, T0)
    http_server.put("feed.xml", rss(http_server, HOSTILE))
    go(site, T1)
    (page,) = (site / "history").rglob("index.html")
    dest = tmp_path / "_site"
    build = subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--baseurl",
                            "/mirror", "--source", str(site), "--destination", str(dest)],
                           capture_output=True, text=True)
    assert build.returncode == 0 and not build.stderr.strip(), build.stderr
    (info,) = scan_posts(site)
    post_html = (dest / unquote(info.url).lstrip("/")).read_text(encoding="utf-8")
    assert "edited 1 time<" in post_html
    link = f'href="/mirror/history{info.url}"'
    assert link in post_html
    diff_html = (dest / "history" / unquote(info.url).lstrip("/")).read_text(encoding="utf-8")
    # the article's text shown as text: Liquid not run (braces as references), no markup
    assert ("was <del>final.</del> <ins>not final &#123;&#123; site.title &#125;&#125; "
            "&lt;script&gt;x&lt;/script&gt;</ins>") in diff_html
    assert "王毅<del>与</del><ins>和</ins>美国" in diff_html
    assert "<script>x" not in diff_html
    assert f'href="/mirror{info.url}"' in diff_html  # back to the post
    assert page.read_text(encoding="utf-8").count("generator: newsmirror") == 1


def test_the_demo_shows_an_edited_article(tmp_path):
    result = newsmirror("demo", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    edited = [p for p in (tmp_path / "demo" / "_posts").iterdir()
              if "\nedits: 1\n" in p.read_text(encoding="utf-8")]
    assert len(edited) == 1
    assert len(list((tmp_path / "demo" / "history").rglob("index.html"))) == 1
    listed = newsmirror("history", edited[0].name, "--site", str(tmp_path / "demo"))
    assert "2 versions" in listed.stdout, listed.stderr


def test_the_page_of_differences_goes_with_its_post(http_server, tmp_path, make_site, caplog):
    """A post deleted by hand (or pruned) takes its history page with it at the next
    run that writes posts, quietly (it is no unreadable post)."""
    site = make_feed_site(make_site, http_server, scaffold=True, tmp_path=tmp_path)
    go(site, T0)
    http_server.put("feed.xml", rss(http_server, EDITED))
    go(site, T1)
    (page,) = (site / "history").rglob("index.html")
    the_post(site).unlink()
    other = rss(http_server, BODY).replace("story-1", "story-2").replace("/doc/a/1.html",
                                                                          "/doc/a/2.html")
    http_server.put("feed.xml", other.replace("王毅与布林肯通话</title>", "另一篇</title>"))
    assert go(site, T2).to_dict()["new_posts"] == 1
    assert not page.exists()
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []


def test_prune_takes_the_page_of_differences_with_its_post(http_server, tmp_path, make_site):
    """prune updated the archive and search but not the history pages: the page of a
    pruned edited post stayed published, linking to a post that was gone."""
    site = make_feed_site(make_site, http_server, scaffold=True, tmp_path=tmp_path)
    go(site, T0)
    http_server.put("feed.xml", rss(http_server, EDITED))
    go(site, T1)
    (page,) = (site / "history").rglob("index.html")
    pruned = newsmirror("prune", "--site", str(site), "--older-than", "365d")
    assert pruned.returncode == 0, pruned.stderr
    assert not list((site / "_posts").iterdir()) and not page.exists()
