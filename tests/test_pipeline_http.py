"""Runs against a real HTTP server on 127.0.0.1: full text, conditional GET, faults."""

from __future__ import annotations

import faulthandler
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from httpfixtures import LoopbackServer
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, reprocess, run
from newsmirror.store import Store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FAST_SITE = "[site]\nretries = 1\ntimeout = 2.0\nmax_body_mb = 1.0\n\n"


def feed(items: list[tuple[str, str, str]]) -> str:
    """RSS with (title, link, description HTML) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 31 Oct 2022 06:46:00 GMT</pubDate>"
        f"<description><![CDATA[{d}]]></description></item>" for t, link, d in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>t</title><link>http://127.0.0.1/</link>{body}</channel></rss>")


def article_page(title: str, paragraphs: list[str]) -> str:
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><nav><a href='/'>首页</a> <a href='/world'>国际</a></nav>"
            f"<main><article><h1>{title}</h1><div class='story-body'>"
            f"<figure><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw=' "
            f"data-src='/img/{title}.jpg'><figcaption>图说：{title}</figcaption></figure>"
            f"{ps}<script>track()</script></div></article></main>"
            f"<footer>版权所有 &copy; 新闻网</footer></body></html>")


def site_with(make_site, server: LoopbackServer, sources: str, rules: str = "") -> Path:
    return make_site(FAST_SITE + sources + rules)


def go(site: Path, **options):
    options.setdefault("now", T0)
    return run(load_config(site), RunOptions(**options))


def only_post(site: Path) -> str:
    (post,) = sorted((site / "_posts").iterdir())
    return post.read_text(encoding="utf-8")


LONG = ["新加坡国会星期二通过修正法案，" * 6, "反对党议员在辩论中提出多项质询，" * 6,
        "政府表示将在明年第一季度公布实施细则。" * 4]


def test_summary_feed_gets_the_full_article_with_a_site_rule(http_server, make_site):
    page = http_server.put("zh/story-1.html", article_page("国会通过修正法案", LONG),
                           "text/html; charset=utf-8")
    feed_url = http_server.put("zh/feed.xml", feed([("国会通过修正法案", page, "<p>新加坡国会…</p>")]))
    site = site_with(make_site, http_server,
                     f'[[sources]]\nname = "新闻网"\nurl = "{feed_url}"\n',
                     '[rules."127.0.0.1"]\ncontent = [".story-body"]\n')
    summary = go(site)
    assert summary.ok, summary.to_dict()
    post = only_post(site)
    assert LONG[2][:20] in post and "新加坡国会…" not in post
    assert "<figcaption>图说：国会通过修正法案</figcaption>" in post
    assert f'src="{http_server.base}/img/' in post and 'referrerpolicy="no-referrer"' in post
    assert "<script" not in post and "track()" not in post and "版权所有" not in post
    # The raw page is kept (compressed) for reprocessing.
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        ((_, url, _, body),) = list(store.pages_of("新闻网"))
    assert url == page and LONG[0][:10].encode() in body


def test_page_metadata_fills_what_the_feed_item_lacks(http_server, make_site):
    """An item with no title and no date takes both from the page's ld+json; an item with
    both keeps the feed's (the page's differ)."""
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
          '"页面标题：国会通过修正法案", "datePublished": "2022-10-30T08:15:00+08:00"}</script>')
    html = article_page("网页标题", LONG).replace("</head>", ld + "</head>")
    bare = http_server.put("meta/bare.html", html, "text/html; charset=utf-8")
    dated = http_server.put("meta/dated.html", html, "text/html; charset=utf-8")
    body = (f"<item><link>{bare}</link><guid>{bare}</guid>"
            f"<description>&lt;p&gt;新加坡国会…&lt;/p&gt;</description></item>"
            f"<item><title>Feed title</title><link>{dated}</link><guid>{dated}</guid>"
            f"<pubDate>Mon, 31 Oct 2022 06:46:00 GMT</pubDate>"
            f"<description>&lt;p&gt;新加坡国会…&lt;/p&gt;</description></item>")
    feed_url = http_server.put("meta/feed.xml", f'<?xml version="1.0" encoding="UTF-8"?>'
                               f'<rss version="2.0"><channel><title>t</title>{body}'
                               f'</channel></rss>')
    site = site_with(make_site, http_server, f'[[sources]]\nname = "新闻网"\nurl = "{feed_url}"\n',
                     '[rules."127.0.0.1"]\ncontent = [".story-body"]\n')
    assert go(site).ok
    posts = {p.name: p.read_text(encoding="utf-8") for p in (site / "_posts").iterdir()}
    (from_page,) = [t for t in posts.values() if "页面标题" in t]
    assert 'title: "页面标题：国会通过修正法案"' in from_page
    assert "date: 2022-10-30T00:15:00.000Z" in from_page
    (from_feed,) = [t for t in posts.values() if "Feed title" in t]
    assert "date: 2022-10-31T06:46:00.000Z" in from_feed and "页面标题" not in from_feed


def test_generic_extractor_without_a_rule(http_server, make_site):
    page = http_server.put("en/story.html", article_page(
        "Budget passes", ["The parliament passed the budget on Tuesday after a long debate. " * 5,
                          "Opposition members raised several questions about spending. " * 5]),
        "text/html; charset=utf-8")
    feed_url = http_server.put("en/feed.xml", feed([("Budget passes", page, "Read more")]))
    site = site_with(make_site, http_server, f'[[sources]]\nname = "News"\nurl = "{feed_url}"\n')
    assert go(site).ok
    post = only_post(site)
    assert "Opposition members raised several questions" in post
    assert "Read more" not in post.split("<div>")[1]


def test_failed_page_fetch_keeps_the_feed_content(http_server, make_site):
    missing = http_server.url("/doc/nowhere.html")
    feed_url = http_server.put("keep/feed.xml", feed([("Teaser only", missing,
                                                      "<p>Short teaser …</p>")]))
    site = site_with(make_site, http_server, f'[[sources]]\nname = "News"\nurl = "{feed_url}"\n')
    summary = go(site)
    report = summary.reports[0]
    assert report.ok and report.new_posts == 1
    assert any("404" in w and "feed content kept" in w for w in report.warnings)
    assert "<p>Short teaser …</p>" in only_post(site)


def test_rerun_uses_conditional_get_and_skips_pages(http_server, make_site):
    page = http_server.put("cond/a.html", article_page("A", LONG), "text/html; charset=utf-8")
    feed_url = http_server.put("cond/feed.xml", feed([("A", page, "…")]))
    site = site_with(make_site, http_server, f'[[sources]]\nname = "News"\nurl = "{feed_url}"\n')
    go(site)
    mtime = (site / "_posts").iterdir().__next__().stat().st_mtime_ns
    summary = go(site)
    assert summary.reports[0].unchanged and summary.reports[0].new_posts == 0
    assert http_server.last_headers["/doc/cond/feed.xml"].get("If-None-Match")
    assert http_server.hits("/doc/cond/feed.xml") == 2
    assert http_server.hits("/doc/cond/a.html") == 1
    assert next((site / "_posts").iterdir()).stat().st_mtime_ns == mtime


def test_each_fault_is_reported_and_the_good_source_still_posts(http_server, make_site):
    good = http_server.put("faults/good.xml", feed([("Good news", "http://127.0.0.1/x",
                                                    "<p>" + "Fine text. " * 40 + "</p>")]))
    sources = {
        "server error": "/status/500",
        "not found": "/status/404",
        "redirect loop": "/loop/a",
        "login page": "/login",
        "gzip bomb": "/bomb.gz",
        "huge body": "/big?mib=5",
        "empty body": "/empty",
        "slow server": "/slow-headers?delay=5",
        "reset": "/reset/pipeline?times=5",
    }
    text = "".join(f'[[sources]]\nname = "{name}"\nurl = "{http_server.url(path)}"\n\n'
                   for name, path in sources.items())
    text += f'[[sources]]\nname = "good"\nurl = "{good}"\nfull_text = "never"\n'
    site = site_with(make_site, http_server, text)
    summary = go(site)
    reports = {r.name: r for r in summary.reports}
    assert reports["good"].ok and reports["good"].new_posts == 1
    expected = {"server error": "500", "not found": "404", "redirect loop": "loop",
                "login page": "HTML", "gzip bomb": "MiB", "huge body": "MiB",
                "empty body": "empty", "slow server": "timed out", "reset": ""}
    for name, word in expected.items():
        (error,) = reports[name].errors
        assert error.startswith(f"{name}: "), error
        assert word.lower() in error.lower(), error
    assert summary.exit_code == 1


def test_retry_after_beyond_the_cap_schedules_the_next_attempt(http_server, make_site):
    url = http_server.url("/ratelimit/pipeline?after=3600")
    site = site_with(make_site, http_server, f'[[sources]]\nname = "busy"\nurl = "{url}"\n')
    report = go(site).reports[0]
    assert report.errors and "429" in report.errors[0]
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        health = store.health("busy")
    assert health.next_due >= T0 + timedelta(seconds=3600)
    assert go(site, now=T0 + timedelta(minutes=30)).reports[0].skipped


def test_links_to_private_addresses_are_not_fetched(http_server, make_site, outbound_trap):
    items = [("Metadata", "http://169.254.169.254/latest/meta-data", "<p>a</p>"),
             ("Intranet", "http://10.1.2.3/secret", "<p>b</p>")]
    feed_url = http_server.put("private/feed.xml", feed(items))
    site = site_with(make_site, http_server, f'[[sources]]\nname = "News"\nurl = "{feed_url}"\n'
                     'full_text = "always"\n')
    report = go(site).reports[0]
    assert report.new_posts == 2
    assert len([w for w in report.warnings if "private" in w.lower()]) == 2, report.warnings
    assert outbound_trap == []


def test_a_source_gets_no_page_from_another_sources_private_port(http_server, make_site,
                                                                 outbound_trap):
    """Trust in a private address is per source: A, self-hosted on 127.0.0.1:A, gets its
    article page there; B (on 127.0.0.1:B) linking to that page, directly or through a
    redirect from its own server, keeps its feed content and says why."""
    other = LoopbackServer()
    try:
        a_page = http_server.put("trust/a.html", article_page("甲方文章", LONG),
                                 "text/html; charset=utf-8")
        a_feed = http_server.put("trust/a.xml", feed([("甲方文章", a_page, "<p>甲方摘要…</p>")]))
        b_feed = other.put("trust/b.xml", feed([
            ("直接链接", a_page, "<p>乙方摘要一…</p>"),
            ("跳转链接", other.url(f"/redirect-to?url={a_page}"), "<p>乙方摘要二…</p>")]))
        site = site_with(make_site, http_server,
                         f'[[sources]]\nname = "甲"\nurl = "{a_feed}"\n\n'
                         f'[[sources]]\nname = "乙"\nurl = "{b_feed}"\nfull_text = "always"\n',
                         '[rules."127.0.0.1"]\ncontent = [".story-body"]\n')
        summary = go(site)
    finally:
        other.close()
    a, b = summary.reports
    assert summary.ok and (a.new_posts, b.new_posts) == (1, 2), summary.to_dict()
    assert http_server.hits("/doc/trust/a.html") == 1  # A's own fetch only
    refused = [w for w in b.warnings if "full text not fetched" in w and
               f"refused: 127.0.0.1:{http_server.port} is on a private" in w]
    assert len(refused) == 2 and all(w.startswith("乙: ") for w in refused), b.warnings
    posts = _posts_of(site).values()
    (from_a,) = [p for p in posts if "甲方文章" in p]
    assert LONG[0][:20] in from_a
    b_posts = [p for p in posts if "乙方摘要" in p]
    assert len(b_posts) == 2 and not any(LONG[0][:20] in p for p in b_posts)
    assert outbound_trap == []


def test_feed_that_goes_empty_over_http(http_server, make_site):
    feed_url = http_server.put("empty/feed.xml", feed([("A", "http://127.0.0.1/a",
                                                       "<p>" + "x " * 300 + "</p>")]))
    site = site_with(make_site, http_server, f'[[sources]]\nname = "News"\nurl = "{feed_url}"\n'
                     'full_text = "never"\n')
    assert go(site).ok
    http_server.put("empty/feed.xml", feed([]))
    report = go(site).reports[0]
    assert report.errors and "no items any more" in report.errors[0]


def test_reprocess_after_a_rule_change(http_server, make_site):
    page = http_server.put("re/a.html", article_page("规则", LONG).replace(
        "<footer>", "<aside class='promo'>订阅我们的电邮</aside><footer>"),
        "text/html; charset=utf-8")
    feed_url = http_server.put("re/feed.xml", feed([("规则", page, "…")]))
    rule = '[rules."127.0.0.1"]\ncontent = [".story-body", ".promo"]\n'
    site = site_with(make_site, http_server, f'[[sources]]\nname = "News"\nurl = "{feed_url}"\n',
                     rule)
    go(site)
    assert "订阅我们的电邮" in only_post(site)
    config_path = site / "newsmirror.toml"
    config_path.write_text(config_path.read_text().replace(', ".promo"', ""), encoding="utf-8")
    before = only_post(site)
    result = reprocess(load_config(site))
    after = only_post(site)
    assert result.pages == 1 and len(result.rewritten) == 1 and not result.errors
    assert "订阅我们的电邮" not in after and LONG[1][:10] in after
    assert after.split("<div>")[0] == before.split("<div>")[0]  # front matter untouched
    assert http_server.hits("/doc/re/a.html") == 1  # from the store, not the network


@pytest.mark.parametrize("encoding", ["gbk", "big5"])
def test_non_utf8_article_pages(http_server, make_site, encoding):
    text = "聯合早報：新加坡國會通過修正法案" if encoding == "big5" else "联合早报：新加坡国会通过修正法案"
    html = article_page(text, [text + "。" + text * 5])
    body = html.replace("charset='utf-8'", f"charset='{encoding}'").encode(encoding, "xmlcharrefreplace")
    page = http_server.put(f"enc/{encoding}.html", body, "text/html")
    feed_url = http_server.put(f"enc/{encoding}.xml", feed([(text, page, "…")]))
    site = site_with(make_site, http_server, f'[[sources]]\nname = "News"\nurl = "{feed_url}"\n',
                     '[rules."127.0.0.1"]\ncontent = [".story-body"]\n')
    assert go(site).ok
    assert text + "。" in only_post(site)


def test_json_summary_lists_warnings(http_server, make_site, capsys):
    from newsmirror.cli import main
    feed_url = http_server.put("cli/feed.xml", feed([("A", http_server.url("/doc/gone.html"),
                                                     "…")]))
    site = site_with(make_site, http_server, f'[[sources]]\nname = "News"\nurl = "{feed_url}"\n')
    assert main(["run", "--site", str(site), "--json", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["sources"][0]["warnings"] and summary["new_posts"] == 1


def _pool_site(http_server, folder: str) -> tuple[str, str]:
    """A feed of 6 pages under a site rule (host 127.0.0.1), 6 without one (the same
    server as host localhost) and one dead link."""
    items = []
    for n in range(12):
        page = http_server.put(f"{folder}/story-{n}.html",
                               article_page(f"国会通过修正法案{n}", LONG),
                               "text/html; charset=utf-8")
        if n % 2:
            page = page.replace("://127.0.0.1:", "://localhost:")
        items.append((f"国会通过修正法案{n}", page, "<p>新加坡国会…</p>"))
    items.append(("Teaser only", http_server.url("/doc/nowhere.html"), "<p>Short teaser …</p>"))
    feed_url = http_server.put(f"{folder}/feed.xml", feed(items))
    # localhost is not the source's host: private addresses must be allowed for it
    sources = (f'allow_private_networks = true\n\n'
               f'[[sources]]\nname = "新闻网"\nurl = "{feed_url}"\n')
    rules = '[rules."127.0.0.1"]\ncontent = [".story-body"]\n'
    return sources, rules


def _posts_of(site: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in (site / "_posts").iterdir()}


@pytest.mark.skipif(len(__import__("os").sched_getaffinity(0)) < 2, reason="needs 2 CPUs")
def test_worker_pool_gives_the_same_posts_as_inline_extraction(http_server, make_site,
                                                              monkeypatch, caplog):
    """Big runs also extract generic pages in worker processes, in batches (pages with a
    site rule stay in the main process): posts, stored pages and warnings stay the same
    as when every page is extracted in the main process."""
    from newsmirror.pipeline import _pool as pages

    sources, rules = _pool_site(http_server, "pool")
    inline_site = site_with(make_site, http_server, sources, rules)
    inline = go(inline_site)
    started, batches = [], []
    real_pool, real_returned = pages.ProcessPoolExecutor, pages.PagePool._returned

    def counting_pool(*args, **kwargs):
        started.append(1)
        return real_pool(*args, **kwargs)

    def counting_returned(self, batch, returned, *, workers=True):
        if workers:  # not the batches of the site-rule pages' thread
            batches.append(len(batch))
        return real_returned(self, batch, returned, workers=workers)

    monkeypatch.setattr(pages, "POOL_THRESHOLD", 0)
    monkeypatch.setattr(pages, "BATCH_PAGES", 4)
    monkeypatch.setattr(pages, "ProcessPoolExecutor", counting_pool)
    monkeypatch.setattr(pages.PagePool, "_returned", counting_returned)
    pooled_site = make_site(FAST_SITE + sources + rules, name="pooled")
    pooled = go(pooled_site)
    assert started == [1]  # one pool for the run
    assert sum(batches) >= 4 and max(batches) > 1  # the workers did work, in batches
    assert sum(batches) <= 6  # only the generic pages went
    assert "extraction workers failed" not in caplog.text
    assert pooled.ok and inline.ok and inline.reports[0].new_posts == 13
    assert _posts_of(pooled_site) == _posts_of(inline_site)
    assert pooled.reports[0].warnings == inline.reports[0].warnings
    with Store(pooled_site / ".newsmirror" / "state.sqlite") as a, \
            Store(inline_site / ".newsmirror" / "state.sqlite") as b:
        assert sorted(x[:3] + (x[3],) for x in a.pages_of("新闻网")) == \
            sorted(x[:3] + (x[3],) for x in b.pages_of("新闻网"))


@pytest.mark.skipif(len(__import__("os").sched_getaffinity(0)) < 2, reason="needs 2 CPUs")
def test_workers_that_cannot_start_leave_the_work_to_the_main_process(http_server, make_site,
                                                                      monkeypatch, caplog):
    import sys

    from newsmirror.pipeline import _pool as pages

    sources, rules = _pool_site(http_server, "broken")
    real_pool = pages.ProcessPoolExecutor

    def failing_pool(*args, **kwargs):  # real worker processes whose start-up fails
        return real_pool(*args, **{**kwargs, "initializer": sys.exit, "initargs": (3,)})

    monkeypatch.setattr(pages, "POOL_THRESHOLD", 0)
    monkeypatch.setattr(pages, "ProcessPoolExecutor", failing_pool)
    site = site_with(make_site, http_server, sources, rules)
    summary = go(site)
    assert "extraction workers failed; extracting in the main process" in caplog.text
    assert summary.ok and summary.reports[0].new_posts == 13
    assert sum("新加坡国会星期二通过修正法案" in text for text in _posts_of(site).values()) == 12
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        assert len(list(store.pages_of("新闻网"))) == 12


@pytest.mark.parametrize("cpus", [1, 2])
def test_site_rule_pages_go_to_a_thread_on_more_than_one_cpu(http_server, make_site,
                                                             monkeypatch, cpus):
    """With two usable CPUs the site-rule pages are processed in one thread beside the
    event loop (parser, sanitizer and compressor release the GIL); with one, in the
    event loop's thread. The posts and stored pages are the same either way."""
    import threading

    from newsmirror.pipeline import _pool as pages

    sources, rules = _pool_site(http_server, f"cpus{cpus}")
    threads = set()
    real = pages.process_pages

    def recording(jobs, rules):
        threads.add(threading.current_thread().name)
        return real(jobs, rules)

    monkeypatch.setattr(pages, "usable_cpus", lambda: cpus)
    monkeypatch.setattr(pages, "process_pages", recording)
    monkeypatch.setattr(pages, "ProcessPoolExecutor",
                        lambda *a, **k: pytest.fail("pool started"))
    site = site_with(make_site, http_server, sources, rules)
    summary = go(site)
    assert summary.ok and summary.reports[0].new_posts == 13
    if cpus == 1:
        assert threads == {threading.main_thread().name}
    else:
        assert threads and all(name.startswith("newsmirror-pages") for name in threads)
    texts = _posts_of(site).values()
    assert sum("新加坡国会星期二通过修正法案" in text for text in texts) == 12
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        assert len(list(store.pages_of("新闻网"))) == 12


@pytest.mark.parametrize("cpus", [1, 2])
def test_a_bug_in_page_processing_keeps_the_feed_content(http_server, make_site,
                                                         monkeypatch, cpus):
    """Whether the batch ran in the page thread or in the event loop's thread, every
    page of it gets the error (none is left waiting) and its item keeps the feed text."""
    from newsmirror.pipeline import _pool as pages

    sources, rules = _pool_site(http_server, f"bug{cpus}")

    def broken(jobs, rules):
        raise RuntimeError("bug in page processing")

    monkeypatch.setattr(pages, "usable_cpus", lambda: cpus)
    monkeypatch.setattr(pages, "process_pages", broken)
    site = site_with(make_site, http_server, sources, rules)
    faulthandler.dump_traceback_later(120, exit=True)  # a page left waiting hangs the run
    try:
        summary = go(site)
    finally:
        faulthandler.cancel_dump_traceback_later()
    report = summary.reports[0]
    assert report.new_posts == 13  # every item kept, with its feed content
    assert sum("bug in page processing" in w for w in report.warnings) == 12
    assert sum("新加坡国会…" in text for text in _posts_of(site).values()) == 12


def test_small_runs_never_start_workers(http_server, make_site, monkeypatch):
    """Starting two workers costs ~0.3 s of imports each: a run with a few pages (the
    usual scheduled run) extracts them in the main process."""
    from newsmirror.pipeline import _pool as pages

    sources, rules = _pool_site(http_server, "small")
    monkeypatch.setattr(pages, "ProcessPoolExecutor",
                        lambda *a, **k: pytest.fail("pool started"))
    site = site_with(make_site, http_server, sources, rules)
    summary = go(site)
    assert summary.ok and summary.reports[0].new_posts == 13
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        assert len(list(store.pages_of("新闻网"))) == 12
