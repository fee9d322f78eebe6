"""The archive's integrity: every article once, under renames, interruptions in any order,
a lost or damaged state store, and a checkout that lacks what the store wrote."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from helpers import SEED
from httpfixtures import LoopbackServer
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, rebuild, reindex, run
from newsmirror.post import read_article, render_post
from newsmirror.store import Store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DATE = "Mon, 31 Oct 2022 06:46:00 GMT"


def rss(*items: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>t</title><link>https://news.example/</link>"
            + "".join(items) + "</channel></rss>")


def item(n: int | str, *, title: str | None = None, guid: str | None = None,
         link: str | None = "default", body: str | None = None) -> str:
    parts = [f"<title>{title if title is not None else f'Story {n}'}</title>" if title != "" else ""]
    if link:
        parts.append(f"<link>{link if link != 'default' else f'https://news.example/a/{n}'}</link>")
    if body != "":
        parts.append(f"<description><![CDATA[{body or f'<p>Body of story {n}.</p>'}]]></description>")
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    parts.append(f"<pubDate>{DATE}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def write_config(site: Path, sources: list[tuple[str, str]], extra: str = "") -> None:
    text = "".join(f'[[sources]]\nname = "{name}"\nurl = "{url}"\nfull_text = "never"\n{extra}\n'
                   for name, url in sources)
    (site / "newsmirror.toml").write_text(text, encoding="utf-8")


def new_site(tmp_path: Path, name: str, feeds: dict[str, str]) -> Path:
    site = tmp_path / name
    site.mkdir()
    for file, text in feeds.items():
        (site / file).write_text(text, encoding="utf-8")
    return site


def go(site: Path, **options):
    options.setdefault("now", T0)
    return run(load_config(site), RunOptions(**options))


def posts(site: Path) -> dict[str, bytes]:
    folder = site / "_posts"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def links(site: Path) -> list[str]:
    return sorted(read_article(text.decode()).url for text in posts(site).values())


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsmirror.cli", *args], capture_output=True,
                          text=True, timeout=120, check=False)


# --- identity ------------------------------------------------------------------------------

def test_renaming_a_source_in_the_config_keeps_its_posts(tmp_path, caplog):
    site = new_site(tmp_path, "s", {"feed.xml": rss(item(1), item(2))})
    write_config(site, [("Daring Fireball", "feed.xml")])
    assert go(site).reports[0].new_posts == 2
    before = posts(site)
    write_config(site, [("DF", "feed.xml")])  # same URL, another name
    (site / "feed.xml").write_text(rss(item(1), item(2), item(3)), encoding="utf-8")
    summary = go(site)
    assert summary.reports[0].new_posts == 1  # only the new item, none written twice
    assert "has the URL of the former source 'Daring Fireball'" in caplog.text
    assert len(posts(site)) == 3 and all(posts(site)[n] == b for n, b in before.items())
    # the snapshot carries the id to a fresh machine: rename again there, still no copies
    shutil.rmtree(site / ".newsmirror" / "state.sqlite", ignore_errors=True)
    (site / ".newsmirror" / "state.sqlite").unlink(missing_ok=True)
    write_config(site, [("Renamed twice", "other-url.xml")], "id = \"Daring Fireball\"")
    shutil.copy(site / "feed.xml", site / "other-url.xml")
    assert go(site, force=True).reports[0].new_posts == 0


def test_rename_command_edits_the_config_and_keeps_comments(tmp_path):
    site = new_site(tmp_path, "s", {"feed.xml": rss(item(1))})
    (site / "newsmirror.toml").write_text(
        '# my mirror\n[[sources]]\nname = "Old"  # the old name\nurl = "feed.xml"\n'
        'full_text = "never"\n', encoding="utf-8")
    assert cli("run", "--site", str(site)).returncode == 0
    result = cli("rename", "Old", "New name", "--site", str(site))
    assert result.returncode == 0, result.stderr
    text = (site / "newsmirror.toml").read_text(encoding="utf-8")
    assert text.startswith("# my mirror\n") and 'name = "New name"  # the old name' in text
    (site / "feed.xml").write_text(rss(item(1), item(2)), encoding="utf-8")
    summary = go(site)
    assert summary.reports[0].name == "New name" and summary.reports[0].new_posts == 1
    # errors are one line
    bad = cli("rename", "Nobody", "X", "--site", str(site))
    assert bad.returncode == 2 and "no source named 'Nobody'" in bad.stderr
    assert "Traceback" not in bad.stderr
    clash = cli("rename", "New name", "new name", "--site", str(site))
    assert clash.returncode in (0, 2) and "Traceback" not in clash.stderr


def test_a_new_source_with_a_former_name_gets_its_own_id(tmp_path):
    site = new_site(tmp_path, "s", {"a.xml": rss(item(1)), "b.xml": rss(item(2))})
    write_config(site, [("A", "a.xml")])
    go(site)
    write_config(site, [("B", "a.xml")])  # renamed A (same URL)
    go(site)
    write_config(site, [("B", "a.xml"), ("A", "b.xml")])  # a new, different source named A
    summary = go(site)
    assert [r.new_posts for r in summary.reports] == [0, 1]
    with Store(site / ".newsmirror" / "state.sqlite") as store:
        ids = {r.name: r.id for r in store.sources().values()}
    assert ids == {"B": "A", "A": "A-2"}


# --- deterministic names -------------------------------------------------------------------

def test_same_title_names_do_not_depend_on_which_source_finishes_first(
        http_server: LoopbackServer, tmp_path):
    same = rss(item("x", title="Breaking"), item("y", title="Breaking"))
    other = rss(item("z", title="Breaking"))
    results = []
    for n, (delay_a, delay_b) in enumerate([(0.6, 0), (0, 0.6)]):
        a = http_server.put(f"a{n}.xml", same) + f"?delay={delay_a}"
        b = http_server.put(f"b{n}.xml", other) + f"?delay={delay_b}"
        site = tmp_path / f"s{n}"
        site.mkdir()
        write_config(site, [("A", a), ("B", b)])
        go(site)
        results.append(sorted(posts(site)))
    assert results[0] == results[1]  # the slow source A still names first, both times
    assert results[0][-1] == "2022-10-31-Breaking.md"
    assert all(re.fullmatch(r"2022-10-31-Breaking(-[0-9a-f]{6})?\.md", n) for n in results[0])


def test_interrupted_sources_give_the_names_of_an_uninterrupted_run(tmp_path):
    feeds = {"a.xml": rss(item(1, title="Same"), item(2, title="Same")),
             "b.xml": rss(item(3, title="Same"))}
    whole = new_site(tmp_path, "whole", feeds)
    write_config(whole, [("A", "a.xml"), ("B", "b.xml")])
    go(whole)
    parts = new_site(tmp_path, "parts", feeds)
    write_config(parts, [("A", "a.xml"), ("B", "b.xml")])
    go(parts, sources=("A",))  # the run that got only as far as A
    go(parts)
    assert posts(parts) == posts(whole)


# --- items that must (not) become posts ------------------------------------------------------

def test_an_item_with_nothing_in_it_is_not_a_post(tmp_path):
    site = new_site(tmp_path, "s", {"feed.xml": rss(item(1), item(2, title="", link=None, body=""))})
    write_config(site, [("S", "feed.xml")])
    summary = go(site)
    assert summary.reports[0].new_posts == 1 and len(posts(site)) == 1
    assert any("no title, no content" in w for w in summary.reports[0].warnings)


def test_a_local_feed_never_publishes_a_file_system_path(tmp_path):
    site = new_site(tmp_path, "s", {"feed.xml": rss(item(1, link=None))})
    write_config(site, [("S", "feed.xml")])
    go(site)
    (text,) = (b.decode() for b in posts(site).values())
    assert "from:" not in text and str(tmp_path) not in text
    assert "\n<!--1667198760000-->\nStory 1\n------\n" in text
    assert read_article(text).url == ""


def test_items_sharing_guid_and_link_but_differing_are_all_kept(tmp_path):
    feed = rss(*(item(n, guid="g", link="https://news.example/live", body=f"<p>update {n}</p>")
                 for n in range(3)),
               item(9, guid="g", link="https://news.example/live", body="<p>update 0</p>",
                    title="Story 0"))  # the very same as the first: one post
    site = new_site(tmp_path, "s", {"feed.xml": feed})
    write_config(site, [("S", "feed.xml")])
    assert go(site).reports[0].new_posts == 3
    assert go(site, force=True).reports[0].new_posts == 0


# --- the store follows what was published ----------------------------------------------------

def test_posts_the_checkout_never_had_are_written_again_tombstones_stay(tmp_path):
    site = new_site(tmp_path, "s", {"feed.xml": rss(item(1), item(2))})
    write_config(site, [("S", "feed.xml")])
    go(site)
    published = (site / ".newsmirror" / "items.jsonl").read_text(encoding="utf-8")
    first = posts(site)
    deleted = sorted(first)[0]
    (site / "_posts" / deleted).unlink()  # deleted by hand: in the snapshot
    (site / "feed.xml").write_text(rss(item(1), item(2), item(3)), encoding="utf-8")
    go(site)
    third = next(n for n in posts(site) if n not in first)
    # a checkout where the third post (and the snapshot listing it) never landed
    (site / "_posts" / third).unlink()
    (site / ".newsmirror" / "items.jsonl").write_text(published, encoding="utf-8")
    result = cli("run", "--site", str(site))  # the feed is unchanged: only the store has it
    assert result.returncode == 0, result.stderr
    assert "wrote again 1 posts the store had written but this checkout lacked" in result.stdout
    assert (site / "_posts" / third).exists()
    assert not (site / "_posts" / deleted).exists()
    assert set(posts(site)) == set(first) - {deleted} | {third}


def test_a_post_left_to_its_sources_poll_survives_a_fresh_checkout(tmp_path):
    """A post the checkout lacks and the store kept no article for waits for its source's
    next poll. If that poll fails while another source posts, the snapshot committed then
    must not list the post as published: a fresh checkout would take it for deleted."""
    site = new_site(tmp_path, "s", {"feed.xml": rss(item(1), item(2), item(3)),
                                    "other.xml": rss(item("a"))})
    write_config(site, [("S", "feed.xml"), ("T", "other.xml")])
    go(site)
    snapshot = site / ".newsmirror" / "items.jsonl"
    state = site / ".newsmirror" / "state.sqlite"
    third = next(n for n, text in posts(site).items() if b"Story 3" in text)
    before = posts(site)
    # a checkout without the third post, and a store from before articles were kept
    (site / "_posts" / third).unlink()
    lines = snapshot.read_text(encoding="utf-8").splitlines(keepends=True)
    snapshot.write_text("".join(ln for ln in lines if third not in ln), encoding="utf-8")
    with sqlite3.connect(state) as db:
        db.execute("DELETE FROM articles")
    (site / "feed.xml").write_text("not a feed", encoding="utf-8")
    (site / "other.xml").write_text(rss(item("a"), item("b")), encoding="utf-8")
    summary = go(site)
    assert not summary.ok and summary.reports[1].new_posts == 1
    listed = [json.loads(ln) for ln in snapshot.read_text(encoding="utf-8").splitlines()]
    assert [ln.get("state") for ln in listed if ln.get("post", "").endswith(third)] == ["pending"]
    assert sum("state" in ln for ln in listed) == 1  # published items carry no state
    # a fresh machine: no store, the snapshot as committed; the source works again
    state.unlink()
    (site / "feed.xml").write_text(rss(item(1), item(2), item(3)), encoding="utf-8")
    assert go(site).ok
    after = posts(site)
    assert after[third] == before[third]
    assert set(after) == set(before) | {n for n in after if b"Story b" in after[n]}


# --- reindex, rebuild, a damaged store ------------------------------------------------------

def test_reindex_after_losing_the_store_duplicates_nothing(tmp_path):
    site = new_site(tmp_path, "s", {"feed.xml": rss(*(item(n, guid=f"g{n}") for n in range(3)))})
    write_config(site, [("S", "feed.xml")])
    go(site)
    snapshot = site / ".newsmirror" / "items.jsonl"
    old_snapshot = snapshot.read_text(encoding="utf-8")
    (site / "feed.xml").write_text(rss(*(item(n, guid=f"g{n}") for n in range(5))),
                                   encoding="utf-8")
    go(site)
    before = posts(site)
    # the store is lost, and the snapshot is older than the last two posts
    snapshot.write_text(old_snapshot, encoding="utf-8")
    (site / ".newsmirror" / "state.sqlite").write_bytes(b"\0" * 4096)
    broken = cli("run", "--site", str(site))
    assert broken.returncode == 2 and "newsmirror reindex" in broken.stderr
    assert "Traceback" not in broken.stderr and len(broken.stderr.splitlines()) == 1
    report = reindex(load_config(site))
    assert (report.posts, report.from_snapshot, report.by_link) == (5, 3, 2)
    assert report.set_aside and report.set_aside.exists()
    summary = go(site, force=True)
    assert summary.reports[0].new_posts == 0
    assert posts(site) == before


def test_losing_the_state_and_the_snapshot_writes_nothing_twice(http_server: LoopbackServer,
                                                                 tmp_path):
    """No state file and no snapshot, but posts in the posts folder: the run indexes them
    from their front matter first (and says so), so the feed's items find their posts."""
    feed = http_server.put("lost-state/feed.xml", rss(
        *(item(n, guid=f"g{n}") for n in range(3)), item(3, guid="g3", title="Story 0")))
    site = tmp_path / "s"
    site.mkdir()
    write_config(site, [("S", feed)])
    first = cli("run", "--site", str(site), "--json")
    assert first.returncode == 0, first.stderr
    before = posts(site)
    assert len(before) == 4  # two of them named after one title: a suffix
    state = site / ".newsmirror"
    for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm", "items.jsonl"):
        (state / name).unlink(missing_ok=True)
    again = cli("run", "--site", str(site), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["new_posts"] == 0
    assert "4 posts in _posts had no record in the state store" in again.stderr
    assert posts(site) == before  # no new file, every post as it was
    with Store(state / "state.sqlite") as store:
        assert {r.post_path for r in store.all_items()} == {f"_posts/{n}" for n in before}
    assert len((state / "items.jsonl").read_text(encoding="utf-8").splitlines()) == 1 + 4
    third = cli("run", "--site", str(site), "--json")  # the notice is given once
    assert third.returncode == 0 and "no record in the state store" not in third.stderr


def test_rebuild_rewrites_only_what_changed(tmp_path):
    site = new_site(tmp_path, "s", {"feed.xml": rss(item(1), item(2, body="<p>{{ x }} {% raw %}</p>"))})
    write_config(site, [("S", "feed.xml")])
    go(site)
    before = posts(site)
    victim = site / "_posts" / sorted(before)[0]
    victim.write_text("damaged", encoding="utf-8")
    untouched = site / "_posts" / sorted(before)[1]
    stamp = untouched.stat().st_mtime_ns
    report = rebuild(load_config(site))
    assert report.posts == 2 and report.rewritten == [victim]
    assert posts(site) == before and untouched.stat().st_mtime_ns == stamp


def test_a_post_reads_back_into_the_article_it_came_from(tmp_path):
    result = cli("demo", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    files = [*(tmp_path / "demo" / "_posts").iterdir(), SEED / "expected.md"]
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert render_post(read_article(text)) == text, path.name


def test_a_schema_1_store_is_migrated(tmp_path):
    site = new_site(tmp_path, "s", {"feed.xml": rss(item(1), item(2))})
    write_config(site, [("S", "feed.xml")])
    go(site)
    state = site / ".newsmirror" / "state.sqlite"
    (site / ".newsmirror" / "items.jsonl").unlink()
    db = sqlite3.connect(state)  # back to what schema 1 had: no sources, no articles
    db.executescript("DROP TABLE sources; DROP TABLE articles;"
                     "UPDATE meta SET value = '1' WHERE key = 'schema';")
    db.commit()
    db.close()
    (site / "feed.xml").write_text(rss(item(1), item(2), item(3)), encoding="utf-8")
    assert go(site).reports[0].new_posts == 1
    with Store(state) as store:
        assert {r.id: r.name for r in store.sources().values()} == {"S": "S"}
    lines = [json.loads(x) for x in
             (site / ".newsmirror" / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {"source": "S", "name": "S", "url": str(site / "feed.xml")}
    assert len(lines) == 4
