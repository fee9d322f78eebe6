"""Full-text search on the site (issue 12, requirement 3): the index newsmirror writes to
``assets/search/`` and ``search.html`` reading it in headless Chromium, on a site built
by real Jekyll and served from 127.0.0.1.

Words that occur only deep in an article's body (far past the home page's excerpt),
Chinese and English, must be found, with a snippet around them and the match marked;
the source filter narrows the results; a query downloads the manifest, its terms'
buckets and one page of posts, nothing more.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from helpers import CHROMIUM, CHROMIUM_ARGS, need_browser, need_tool
from newsmirror.model import Article
from newsmirror.post import render_post
from newsmirror.site import update_site, write_scaffold, write_search_index
from newsmirror.site._search import SOURCE_TERM, _bucket_path, bucket_of, fold, query_terms

FILLER_ZH = "新加坡政府今天公布了新的交通计划，地铁线路将延长到更多社区。" * 12  # ~360 chars
FILLER_EN = "The council met again on Tuesday to discuss the budget for next year. " * 8
HARBOUR = "Harbour Daily"
ZAOBAO = "联合早报"
SUB_TITLE = "深海探测新进展"
KEEPER_TITLE = "Storm season on the coast"
RECENT_TITLE = "Late tide report"


def write_post(site: Path, n: int, title: str, source: str, body: str) -> None:
    when = datetime(2024, 3, 1, 8, tzinfo=UTC) + timedelta(hours=n)
    article = Article(title=title, url=f"https://news.example/{n}", published=when,
                      author=source, tags=(source,), categories=(source,), body_html=body)
    (site / "_posts" / f"{when:%Y-%m-%d}-post-{n}.md").write_text(render_post(article),
                                                                  encoding="utf-8")


def make_site(site: Path) -> None:
    """28 posts: one Chinese and one English post with a word only deep in their
    body; 26 posts mentioning 港口 (20 of 联合早报, 6 of Harbour Daily)."""
    write_scaffold(site, title="search test", timezone="Asia/Singapore")
    write_post(site, 0, SUB_TITLE, ZAOBAO,
               f"<p>{FILLER_ZH}</p><p>{FILLER_ZH}</p><p>中国第一艘核潜艇鹦鹉螺号今天完成测试。</p>")
    write_post(site, 1, KEEPER_TITLE, HARBOUR,
               f"<p>{FILLER_EN}</p><p>{FILLER_EN}</p><p>The old lighthouse keeper, a zyxquokka "
               "enthusiast, retired.</p>")
    for n in range(2, 28):
        source = HARBOUR if n % 4 == 0 and n < 26 else ZAOBAO
        write_post(site, n, f"港口消息 {n}", source,
                   f"<p>{FILLER_ZH}</p><p>第{n}号港口今天开放。济南经济也有新闻。</p>")
    update_site(site)


def lookup(site: Path, query: str, source: str | None = None) -> list[str]:
    """What search.js finds, read from the index files: titles, newest first."""
    out = site / "assets" / "search"
    manifest = json.loads((out / "index.json").read_text(encoding="utf-8"))
    terms = query_terms(query) + ([SOURCE_TERM + source] if source else [])
    found: set[int] | None = None
    for term in terms:
        ids: set[int] = set()
        for seg, count in (("t", manifest["buckets"]), ("r", manifest["recent"])):
            if not count:
                continue
            path = _bucket_path(out, bucket_of(term, count), count, seg)
            n = 0
            for d in json.loads(path.read_text(encoding="utf-8")).get(term, []):
                n += d
                ids.add(n)
        found = ids if found is None else found & ids
    titles = []
    for n in sorted(found or (), reverse=True):
        per = manifest["perFolder"]
        doc = json.loads((out / "d" / str(n // per) / f"{n}.json").read_text(encoding="utf-8"))
        if all(part in fold(doc[0] + "\n" + doc[4]) for part in fold(query).split()):
            titles.append(doc[0])
    return titles


def test_every_word_of_the_body_is_in_the_index(tmp_path: Path):
    site = tmp_path / "site"
    make_site(site)
    assert lookup(site, "鹦鹉螺号") == [SUB_TITLE]
    assert lookup(site, "螺") == [SUB_TITLE]  # one character: itself
    assert lookup(site, "ZYXQUOKKA") == [KEEPER_TITLE]  # case folded
    assert lookup(site, "ｌｉｇｈｔｈｏｕｓｅ keeper") == [KEEPER_TITLE]  # width folded, AND
    assert lookup(site, "lighthouse 鹦鹉螺号") == []
    assert len(lookup(site, "港口")) == 26
    assert len(lookup(site, "港口", HARBOUR)) == 6
    # pairs present apart are a candidate, not a match: 经济 and 济南 are both there
    assert lookup(site, "经济南") == []


def test_the_index_follows_the_posts(tmp_path: Path):
    site = tmp_path / "site"
    make_site(site)
    out = site / "assets" / "search"
    assert write_search_index(site) == []  # nothing changed, nothing written
    # a removed post: its file goes, the others keep their numbers and files
    [sub] = (site / "_posts").glob("*-post-0.md")
    sub.unlink()
    written = write_search_index(site)
    assert lookup(site, "鹦鹉螺号") == []
    assert not (out / "d" / "0" / "0.json").exists()
    assert len(list((out / "d").rglob("*.json"))) == 27
    assert not [p for p in written if "/d/" in p.as_posix()]
    # a new post gets the next number: only its file and its terms' buckets change
    write_post(site, 30, "新的一篇", ZAOBAO, "<p>鹦鹉螺号回来了。</p>")
    written = write_search_index(site)
    assert lookup(site, "鹦鹉螺号") == ["新的一篇"]
    assert out / "d" / "0" / "28.json" in written
    manifest = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert len([p for p in written if p.parent.name == "t"]) < manifest["buckets"]
    # an edited post is indexed with its new text (the index reuses only the text of
    # post files whose bytes it has seen)
    [keeper] = (site / "_posts").glob("*-post-1.md")
    keeper.write_text(keeper.read_text(encoding="utf-8").replace("zyxquokka", "wombat"),
                      encoding="utf-8")
    write_search_index(site)
    assert lookup(site, "zyxquokka") == [] and lookup(site, "wombat") == [KEEPER_TITLE]
    # an index of version 1 (monthly shards, no state) is replaced whole
    (out / "_state.json").unlink()
    old_shard = out / "2024-03.json"
    old_shard.write_text("{}", encoding="utf-8")
    before = {p: p.read_bytes() for p in (out / "t").glob("*.json")}
    write_search_index(site)
    assert not old_shard.exists() and (out / "_state.json").exists()
    assert lookup(site, "wombat") == [KEEPER_TITLE] and lookup(site, "港口", HARBOUR)
    assert before != {p: p.read_bytes() for p in (out / "t").glob("*.json")}  # renumbered


def postings_of(site: Path, term: str) -> set[int]:
    """The numbers the index lists under ``term``, in both segments (no text check)."""
    out = site / "assets" / "search"
    manifest = json.loads((out / "index.json").read_text(encoding="utf-8"))
    ids: set[int] = set()
    for seg, count in (("t", manifest["buckets"]), ("r", manifest["recent"])):
        if count:
            path = _bucket_path(out, bucket_of(term, count), count, seg)
            n = 0
            for d in json.loads(path.read_text(encoding="utf-8")).get(term, []):
                n += d
                ids.add(n)
    return ids


def test_new_posts_go_to_the_recent_segment_until_it_is_merged(tmp_path: Path):
    site = tmp_path / "site"
    make_site(site)
    out = site / "assets" / "search"
    main = {p: p.read_bytes() for p in (out / "t").glob("*.json")}
    write_post(site, 40, "最新一篇", ZAOBAO, "<p>鹦鹉螺号又来了。</p>")
    written = write_search_index(site)
    # a run's new post: its file and the recent segment's few buckets, no main bucket
    assert not [p for p in written if p.parent.name == "t"]
    assert main == {p: p.read_bytes() for p in (out / "t").glob("*.json")}
    manifest = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert 0 < manifest["recent"] < manifest["buckets"]
    assert lookup(site, "鹦鹉螺号") == ["最新一篇", SUB_TITLE]  # both segments, newest first
    # the recent segment grows until it holds more than the main one, then is merged
    n = 41
    while manifest["recent"]:
        words = " ".join(f"w{n}x{k}" for k in range(400))  # 400 terms of its own
        write_post(site, n, f"更新 {n}", HARBOUR, f"<p>{words}</p><p>第{n}号{FILLER_EN}</p>")
        write_search_index(site)
        manifest = json.loads((out / "index.json").read_text(encoding="utf-8"))
        n += 1
        assert n < 80
    assert n > 42 and not list((out / "r").glob("*.json"))
    assert lookup(site, "鹦鹉螺号") == ["最新一篇", SUB_TITLE]
    assert len(lookup(site, "港口")) == 26 and len(lookup(site, "budget", HARBOUR)) == n - 40
    # and it holds what a whole rebuild holds
    (out / "_state.json").unlink()
    before = {t: postings_of(site, t) for t in ("鹦鹉", "budget", SOURCE_TERM + HARBOUR)}
    write_search_index(site)
    assert before == {t: postings_of(site, t) for t in before}


def test_an_update_cut_short_leaves_no_state_and_the_next_one_repairs(tmp_path: Path, monkeypatch):
    """The index files are written without fsync: whatever a crash leaves (some files
    new, the state old or gone), the next update must not trust the files the state
    describes."""
    import newsmirror.site._search as search

    site = tmp_path / "site"
    make_site(site)
    out = site / "assets" / "search"
    old_state = (out / "_state.json").read_bytes()
    # some files new, the state old (a crash of an update that kept the state till
    # the end): an edited post's old words must leave the index all the same
    [keeper] = (site / "_posts").glob("*-post-1.md")
    keeper.write_text(keeper.read_text(encoding="utf-8").replace("zyxquokka", "wombat"),
                      encoding="utf-8")
    write_post(site, 40, "最新一篇", ZAOBAO, "<p>鹦鹉螺号又来了。</p>")
    write_search_index(site)
    (out / "_state.json").write_bytes(old_state)
    write_search_index(site)
    assert postings_of(site, "zyxquokka") == set()
    assert lookup(site, "wombat") == [KEEPER_TITLE]
    assert lookup(site, "鹦鹉螺号") == ["最新一篇", SUB_TITLE]
    # killed after its first files: no state is left, so the next update writes it all
    written = []
    real = search.write_if_changed

    def dies(path, data, **kw):
        if len(written) == 3:
            raise KeyboardInterrupt
        written.append(path)
        return real(path, data, **kw)

    monkeypatch.setattr(search, "write_if_changed", dies)
    write_post(site, 41, "又一篇", ZAOBAO, "<p>港口鹦鹉螺号。</p>")
    keeper.write_text(keeper.read_text(encoding="utf-8").replace("wombat", "platypus"),
                      encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        write_search_index(site)
    assert len(written) == 3 and not (out / "_state.json").exists()
    monkeypatch.undo()
    write_search_index(site)
    assert (out / "_state.json").exists() and postings_of(site, "wombat") == set()
    assert lookup(site, "platypus") == [KEEPER_TITLE]
    assert lookup(site, "鹦鹉螺号") == ["又一篇", "最新一篇", SUB_TITLE]
    assert len(lookup(site, "港口")) == 27


# --- in Chromium --------------------------------------------------------------------------

class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    need_browser()
    need_tool("jekyll")
    site = tmp_path_factory.mktemp("search") / "site"
    make_site(site)
    # a later run's post: in the recent segment (r/), read with the main buckets (t/)
    write_post(site, 30, RECENT_TITLE, HARBOUR, "<p>A glowfin was seen by the harbour wall.</p>")
    update_site(site)
    dest = site.parent / "_site"
    build = subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--source",
                            str(site), "--destination", str(dest)],
                           capture_output=True, text=True, env=dict(os.environ, LC_ALL="C.UTF-8"))
    assert build.returncode == 0 and not build.stderr.strip(), build.stderr
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(dest)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(served):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, served):
    """The search page in a fresh context (nothing cached); no error may be logged."""
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(f"{m.text} {m.location}")
          if m.type == "error" and "/favicon.ico" not in m.location["url"] else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.goto(served + "/search.html", wait_until="networkidle")
    yield pg
    context.close()
    assert not errors, errors


def results(page, query: str, count: int) -> list[str]:
    page.fill("#search-q", query)
    page.wait_for_function(f"document.querySelectorAll('.search-hit').length === {count}"
                           " && !document.getElementById('search-status').textContent"
                           ".startsWith('…')")
    return page.locator(".search-hit a.post-link").all_inner_texts()


@pytest.mark.browser
def test_a_chinese_word_only_in_the_body_is_found_and_marked(page):
    assert results(page, "鹦鹉螺号", 1) == [SUB_TITLE]
    snippet = page.locator(".search-hit .search-snippet")
    assert snippet.locator("mark").all_inner_texts() == ["鹦鹉螺号"]
    text = snippet.inner_text()
    assert "核潜艇鹦鹉螺号今天" in text and text.startswith("…")  # cut around the match
    assert results(page, "经济南", 0) == []  # its pairs occur apart: not a match
    assert page.locator("#search-status").inner_text() == "No results."


@pytest.mark.browser
def test_an_english_word_only_in_the_body_is_found_and_marked(page):
    assert results(page, "ZYXQUOKKA", 1) == [KEEPER_TITLE]
    marks = page.locator(".search-hit .search-snippet mark").all_inner_texts()
    assert marks == ["zyxquokka"]
    assert results(page, "lighthouse keeper", 1) == [KEEPER_TITLE]


@pytest.mark.browser
def test_the_source_filter_and_a_bounded_download(page, served):
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    hits = results(page, "港口", 20)  # a page of the 26 posts that hold it
    assert hits[0] == "港口消息 27"  # newest first
    assert page.locator("#search-more").is_visible()
    docs = [u for u in fetched if "/assets/search/d/" in u]
    buckets = [u for u in fetched if "/assets/search/t/" in u]
    recent = [u for u in fetched if "/assets/search/r/" in u]
    # one term: its main bucket and its recent one, and one page of posts
    assert len(docs) == 20 and len(buckets) == 1 and len(recent) == 1, fetched
    page.locator("#search-more").click()
    page.wait_for_function("document.querySelectorAll('.search-hit').length === 26")
    page.select_option("#search-source", HARBOUR)
    page.wait_for_function("document.querySelectorAll('.search-hit').length === 6")
    sources = page.locator(".search-hit .post-source").all_inner_texts()
    assert sources == [HARBOUR] * 6
    page.select_option("#search-source", "")
    # ?q= and ?source= in the address run the search on load
    page.goto(served + "/search.html?q=" + quote("港口") + "&source=" + quote(HARBOUR),
              wait_until="networkidle")
    page.wait_for_function("document.querySelectorAll('.search-hit').length === 6")


@pytest.mark.browser
def test_a_post_of_the_recent_segment_is_found_with_the_older_ones(page):
    assert results(page, "glowfin", 1) == [RECENT_TITLE]
    assert page.locator(".search-hit .search-snippet mark").all_inner_texts() == ["glowfin"]
    page.fill("#search-q", "")
    page.select_option("#search-source", HARBOUR)  # the source's term: in both segments
    page.wait_for_function("document.querySelectorAll('.search-hit').length === 8")
    titles = page.locator(".search-hit a.post-link").all_inner_texts()
    assert titles[0] == RECENT_TITLE and titles[-1] == KEEPER_TITLE  # newest first


def test_index_files_are_not_synced_one_by_one(tmp_path: Path, monkeypatch):
    """Derived files: replaced atomically, synced once (os.sync) before the state, which
    alone is fsynced; a rebuild of 28 posts and ~20 buckets syncs no index file."""
    site = tmp_path / "site"
    write_scaffold(site, title="sync", timezone="UTC")
    for n in range(28):
        write_post(site, n, f"post {n}", HARBOUR, f"<p>{FILLER_EN} word{n}</p>")
    synced: list[str] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(
        f"/proc/self/fd/{fd}")), real_fsync(fd))[1])
    global_syncs: list[int] = []
    monkeypatch.setattr(os, "sync", lambda: global_syncs.append(1))
    written = write_search_index(site, archives=False)
    assert len(written) > 28 and global_syncs == [1]
    files = [p for p in synced if not os.path.isdir(p)]
    # one: the state (an unnamed file in assets/search/ when it is synced)
    assert len(files) == 1 and os.path.dirname(files[0]) == str(site / "assets" / "search")
