"""Whole runs on real files and a real SQLite store: golden post, reruns, kills, dedup."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers import JEKYLL_CHECK, SEED, need_tool
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run
from newsmirror.util import files as post_module

SEED_NAME = "2022-10-31-王毅与布林肯通话-停止对华打压-不要为两国关系制造新障碍.md"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def rss(*items: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>t</title><link>https://news.example/</link>"
            + "".join(items) + "</channel></rss>")


def item(n: int, *, guid: str | None = None, body: str | None = None, date: str | None =
         "Mon, 31 Oct 2022 06:46:00 GMT", title: str | None = None) -> str:
    parts = [f"<title>{title or f'Story {n}'}</title>",
             f"<link>https://news.example/a/{n}</link>",
             f"<description><![CDATA[{body or f'<p>Body of story {n}.</p>'}]]></description>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def source_site(make_site, feed_text: str, extra: str = "") -> tuple[Path, Path]:
    site = make_site(f'[[sources]]\nname = "News"\nurl = "feed.xml"\nfull_text = "never"\n'
                     f"{extra}")
    feed = site / "feed.xml"
    feed.write_text(feed_text, encoding="utf-8")
    return site, feed


def posts(site: Path) -> dict[str, str]:
    folder = site / "_posts"
    if not folder.exists():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def go(site: Path, **options) -> object:
    options.setdefault("now", T0)
    return run(load_config(site), RunOptions(**options))


@pytest.mark.parametrize("feed", ["feed.xml", "feed-raw.xml"])
def test_golden_seed_post(make_site, feed):
    site = make_site(f'[[sources]]\nname = "联合早报"\nurl = "{SEED / feed}"\n')
    summary = go(site)
    assert summary.ok and summary.reports[0].new_posts == 1
    written = posts(site)
    assert list(written) == [SEED_NAME]
    expected = (SEED / "expected.md").read_bytes()
    assert (site / "_posts" / SEED_NAME).read_bytes() == expected


def test_rerun_writes_nothing(make_site):
    site, _ = source_site(make_site, rss(item(1), item(2)))
    assert go(site).reports[0].new_posts == 2
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (site / "_posts").iterdir()}
    snapshot = (site / ".newsmirror" / "items.jsonl").read_bytes()
    for force in (False, True):  # force skips the "body unchanged" shortcut
        summary = go(site, force=force)
        assert summary.ok and summary.reports[0].new_posts == 0
        assert summary.reports[0].updated_posts == 0 and not summary.written
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (site / "_posts").iterdir()}
    assert after == before
    assert (site / ".newsmirror" / "items.jsonl").read_bytes() == snapshot


def test_dedup_across_runs_and_edits(make_site):
    site, feed = source_site(make_site, rss(item(1), item(2)))
    go(site)
    feed.write_text(rss(item(2), item(3)), encoding="utf-8")
    report = go(site).reports[0]
    assert (report.new_posts, report.updated_posts) == (1, 0)
    assert len(posts(site)) == 3
    feed.write_text(rss(item(2, body="<p>Corrected body.</p>"), item(3)), encoding="utf-8")
    report = go(site).reports[0]
    assert (report.new_posts, report.updated_posts) == (0, 1)
    texts = posts(site)
    assert len(texts) == 3
    assert sum("Corrected body." in t for t in texts.values()) == 1


def test_repeated_guid_still_gives_distinct_posts(make_site):
    site, _ = source_site(make_site, rss(*(item(n, guid="same") for n in range(3))))
    assert go(site).reports[0].new_posts == 3
    assert len(posts(site)) == 3
    assert go(site, force=True).reports[0].new_posts == 0


def test_same_title_same_day_gets_distinct_names(make_site):
    site, _ = source_site(make_site, rss(item(1, title="Same"), item(2, title="SAME")))
    go(site)
    # the first in feed order takes the plain name; the other a suffix from its identity
    names = sorted(posts(site))
    assert names[1] == "2022-10-31-Same.md"
    assert re.fullmatch(r"2022-10-31-SAME-[0-9a-f]{6}\.md", names[0]), names


def test_tombstone_and_restore(make_site):
    site, _ = source_site(make_site, rss(item(1), item(2)))
    go(site)
    victim = sorted((site / "_posts").iterdir())[0]
    victim.unlink()
    assert go(site, force=True).reports[0].new_posts == 0
    assert not victim.exists()
    report = go(site, force=True, restore=True).reports[0]
    assert victim.exists() and report.updated_posts == 1


class Killed(BaseException):
    """Stands for SIGKILL/power loss: nothing after it runs."""


def test_killed_run_leaves_no_partial_file_and_no_duplicate(make_site, monkeypatch):
    site, _ = source_site(make_site, rss(*(item(n) for n in range(5))))
    real = {"link": os.link, "replace": os.replace}
    published = {"n": 0}

    def then_die(name):
        # a file gets its name by a link (an O_TMPFILE file) or a rename (a temporary one)
        def call(src, dst, **kwargs):
            if not os.path.basename(dst).startswith("."):  # its name, not a temporary one
                published["n"] += 1
                if published["n"] == 3:  # the third post is written, not yet in place
                    raise Killed
            return real[name](src, dst, **kwargs)

        return call

    for name in real:
        monkeypatch.setattr(post_module.os, name, then_die(name))
    with pytest.raises(Killed):
        go(site)
    for name, function in real.items():
        monkeypatch.setattr(post_module.os, name, function)
    on_disk = os.listdir(site / "_posts")
    assert len(on_disk) == 2 and not [n for n in on_disk if n.startswith(".")]
    summary = go(site)
    assert summary.ok
    assert sorted(posts(site)) == [f"2022-10-31-Story-{n}.md" for n in range(5)]


def test_dateless_item_keeps_its_first_seen_time(make_site):
    site, feed = source_site(make_site, rss(item(1, date=None)))
    go(site, now=T0)
    first = posts(site)
    feed.write_text(rss(item(1, date=None), item(2)), encoding="utf-8")
    go(site, now=T0 + timedelta(days=3))
    again = posts(site)
    name = next(iter(first))
    assert again[name] == first[name]
    assert "date: 2026-11-01T12:00:00.000Z" in first[name]
    assert name.startswith("2026-11-01-")


def test_future_date_is_clamped_to_first_seen(make_site):
    site, _ = source_site(make_site, rss(item(1, date="Fri, 01 Jan 2100 00:00:00 GMT")))
    go(site, now=T0)
    (text,) = posts(site).values()
    assert "date: 2026-11-01T12:00:00.000Z" in text


def test_naive_date_uses_source_timezone(make_site):
    site, _ = source_site(make_site, rss(item(1, date="2022-10-31 14:46:00")),
                          'timezone = "Asia/Shanghai"\n')
    go(site)
    (text,) = posts(site).values()
    assert "date: 2022-10-31T06:46:00.000Z" in text


def test_bad_source_does_not_stop_the_others(make_site):
    site = make_site('[[sources]]\nname = "Gone"\nurl = "missing.xml"\n\n'
                     '[[sources]]\nname = "Broken"\nurl = "broken.xml"\n\n'
                     '[[sources]]\nname = "Good"\nurl = "good.xml"\nfull_text = "never"\n')
    (site / "broken.xml").write_text("<html><body>Login</body></html>", encoding="utf-8")
    (site / "good.xml").write_text(rss(item(1)), encoding="utf-8")
    summary = go(site)
    by_name = {r.name: r for r in summary.reports}
    assert by_name["Good"].new_posts == 1 and by_name["Good"].ok
    assert "missing.xml" in by_name["Gone"].errors[0]
    assert "Broken" in by_name["Broken"].errors[0]
    assert summary.exit_code == 1


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs")
@pytest.mark.parametrize("slow", [True, False])
def test_posts_go_to_a_thread_only_when_files_are_slow_to_write(make_site, monkeypatch, slow):
    """The first source's posts are written by the event loop's thread and timed; later
    ones go to a thread when a file took more than SLOW_FILE_WRITE, else stay."""
    import threading

    from newsmirror.pipeline import _write as pipeline

    sources = "".join(f'[[sources]]\nname = "S{n}"\nurl = "s{n}.xml"\nfull_text = "never"\n\n'
                      for n in range(4))
    site = make_site(sources)
    for n in range(4):
        (site / f"s{n}.xml").write_text(rss(item(10 * n), item(10 * n + 1)), encoding="utf-8")
    writers = []
    real = pipeline._write_files

    def recording(files, done):
        writers.append(threading.current_thread() is threading.main_thread())
        return real(files, done)

    monkeypatch.setattr(pipeline, "_write_files", recording)
    monkeypatch.setattr(pipeline, "SLOW_FILE_WRITE", 0.0 if slow else 10.0)
    summary = go(site)
    assert summary.ok and len(posts(site)) == 8
    assert writers[0] is True  # nothing timed yet: written in place
    assert writers[1:] == ([False] * 3 if slow else [True] * 3)


def test_failing_source_backs_off_until_forced(make_site):
    site = make_site('[[sources]]\nname = "Gone"\nurl = "missing.xml"\n')
    go(site, now=T0)
    summary = go(site, now=T0 + timedelta(minutes=1))
    later = summary.reports[0]
    assert later.skipped and not later.errors
    # not polled, but still broken: the run fails (issue 11, "honest exit codes")
    assert later.failing and summary.exit_code == 1
    assert later.backoff_until == T0 + timedelta(minutes=10) and "missing.xml" in later.last_error
    forced = go(site, now=T0 + timedelta(minutes=1), force=True).reports[0]
    assert forced.errors
    db = sqlite3.connect(site / ".newsmirror" / "state.sqlite")
    assert db.execute("SELECT failures FROM source_health").fetchone()[0] == 2


def test_feed_that_goes_empty_is_an_error(make_site):
    site, feed = source_site(make_site, rss(item(1)))
    go(site)
    feed.write_text(rss(), encoding="utf-8")
    report = go(site).reports[0]
    assert report.errors and "no items" in report.errors[0]


def test_state_rebuilds_from_snapshot(make_site):
    site, _ = source_site(make_site, rss(item(1), item(2)))
    go(site)
    for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm"):
        (site / ".newsmirror" / name).unlink(missing_ok=True)
    summary = go(site, force=True)
    assert summary.reports[0].new_posts == 0 and len(posts(site)) == 2


def test_a_stale_store_learns_from_the_snapshot(make_site):
    """A state.sqlite restored from an older cache must not re-post newer items."""
    site, feed = source_site(make_site, rss(item(1)))
    go(site)
    state = site / ".newsmirror" / "state.sqlite"
    old_state = state.read_bytes()
    feed.write_text(rss(item(1), item(2)), encoding="utf-8")
    go(site)
    for suffix in ("-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    state.write_bytes(old_state)
    summary = go(site, force=True)
    assert summary.ok and summary.reports[0].new_posts == 0
    assert len(posts(site)) == 2


def test_dry_run_writes_nothing(make_site):
    site, _ = source_site(make_site, rss(item(1)))
    summary = go(site, dry_run=True)
    assert summary.reports[0].new_posts == 1
    assert posts(site) == {}


HOSTILE_TITLES = [
    'He said "hi" -- *ok* [x](y) `c` \\', "{{ site.title }} {% include x %}", "x\"\nlayout: evil",
    "C:\\path\\", "速报😀", "王毅：停止【快讯】「引号」", "a/b ? c # d", "yes", "2022", "...",
    "- item", "tab\there", "bell\x07", "nel\x85ls\u2028", "", "!!!", "Same", "same",
]
HOSTILE_BODIES = [
    "<p>{{ site.title }} and {% endraw %} and {% raw %} and {%</p>",
    "<pre>line 1\n\n    indented {{ x }}\n</pre>", "<p>a<p>b", "<ul><li>a<li>b</ul>",
    "<b><i>misnested</b></i>", "</div><p>*emph*</p>", '<div markdown="1">*x*</div>',
    "<script>alert(1)</script><p>text</p>", "<p>\n\n# not a heading\n\n- not a list</p>",
    "<textarea>x\n</div>\ny</textarea>", "", "<table><tr><td>1<td>2</table>",
]


@pytest.mark.jekyll
def test_hostile_posts_build_with_real_jekyll(make_site, tmp_path):
    need_tool("jekyll")
    items = [item(n, title=HOSTILE_TITLES[n % len(HOSTILE_TITLES)].replace("&", "&amp;")
                  .replace("<", "&lt;"),
                  body=HOSTILE_BODIES[n % len(HOSTILE_BODIES)]) for n in range(36)]
    site = make_site('[site]\ntimezone = "Asia/Shanghai"\n\n'
                     '[[sources]]\nname = "yes"\nurl = "feed.xml"\nfull_text = "never"\n'
                     'categories = ["a, b]"]\n\n'
                     '[[sources]]\nname = "Reuters: Asia #1"\nurl = "feed.xml"\n'
                     'full_text = "never"\n')
    (site / "feed.xml").write_text(rss(*items), encoding="utf-8")
    (site / "_config.yml").write_text(
        'title: hostile\ntheme: minima\ntimezone: Asia/Shanghai\nfuture: true\n'
        'exclude: [newsmirror.toml, feed.xml]\n', encoding="utf-8")
    assert go(site).ok
    assert len(posts(site)) == 72
    result = subprocess.run([str(JEKYLL_CHECK), str(site)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
