"""`newsmirror prune`: old posts removed with the local images only they show, kept
deleted (tombstones) by later runs and by a fresh checkout; against feeds on 127.0.0.1."""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from httpfixtures import LoopbackServer
from newsmirror.cli import main
from newsmirror.config import load_config
from newsmirror.errors import UsageError
from newsmirror.pipeline import RunOptions, parse_age, run
from newsmirror.store import Store

NOW = datetime.now(UTC)
PNG = (Path(__file__).parent / "feeds" / "image.png").read_bytes()
SHARED = "assets/images/5a/5a11ed.png"
ONLY_OLD = "assets/images/0f/0f01d0.png"
OTHER_OLD = "assets/images/07/07e5e5.png"


def rss(*items: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>t</title><link>https://news.example/</link>"
            + "".join(items) + "</channel></rss>")


def item(n: str, days_ago: int, *images: str) -> str:
    date = email.utils.format_datetime(NOW - timedelta(days=days_ago), usegmt=True)
    figures = "".join(f'<p><img src="/{image}" alt="photo {n}"></p>' for image in images)
    body = f"<p>Report number {n} from the harbour, long enough to be a post.</p>{figures}"
    return (f"<item><title>Story {n}</title><link>https://news.example/a/{n}</link>"
            f"<guid>g{n}</guid><description><![CDATA[{body}]]></description>"
            f"<pubDate>{date}</pubDate></item>")


def make_site(http_server: LoopbackServer, tmp_path: Path, name: str) -> Path:
    harbour = http_server.put(f"{name}/harbour.xml", rss(
        item("old", 800, SHARED, ONLY_OLD), item("new", 10, SHARED)))
    city = http_server.put(f"{name}/city.xml", rss(item("city-old", 700, OTHER_OLD)))
    site = tmp_path / name
    site.mkdir()
    (site / "newsmirror.toml").write_text(
        f'[[sources]]\nname = "Harbour"\nurl = "{harbour}"\nfull_text = "never"\n\n'
        f'[[sources]]\nname = "City"\nurl = "{city}"\nfull_text = "never"\n', encoding="utf-8")
    for image in (SHARED, ONLY_OLD, OTHER_OLD):  # as the images part keeps them
        (site / image).parent.mkdir(parents=True, exist_ok=True)
        (site / image).write_bytes(PNG)
    summary = run(load_config(site), RunOptions())
    assert summary.exit_code == 0 and len(summary.written) == 3
    return site


def post_of(site: Path, story: str) -> Path | None:
    found = [p for p in (site / "_posts").iterdir() if f"story-{story}" in p.name.lower()]
    return found[0] if found else None


def everything(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.name != "run.lock"
            and not p.name.startswith("state.sqlite")}


def test_prune_removes_old_posts_and_images_only_they_show(http_server, tmp_path, capsys):
    site = make_site(http_server, tmp_path, "shared")
    old, new = post_of(site, "old"), post_of(site, "new")
    assert old and new and SHARED in old.read_text() and SHARED in new.read_text()
    assert main(["prune", "--site", str(site), "--older-than", "365d"]) == 0
    out = capsys.readouterr().out
    assert f"removed {old.relative_to(site).as_posix()}" in out
    assert f"removed {ONLY_OLD}" in out and f"removed {OTHER_OLD}" in out
    assert "pruned 2 posts dated before" in out and "1 images kept for newer posts" in out
    assert not old.exists() and post_of(site, "city-old") is None and new.exists()
    assert not (site / ONLY_OLD).exists() and not (site / OTHER_OLD).exists()
    assert (site / SHARED).read_bytes() == PNG  # a newer post still shows it
    # the pruned items stay in the snapshot a fresh checkout reads: tombstones
    snapshot = [json.loads(line) for line in
                (site / ".newsmirror/items.jsonl").read_text().splitlines()]
    keys = {line["key"] for line in snapshot if "post" in line}
    assert {"guid:gold", "guid:gnew", "guid:gcity-old"} <= keys
    # nor does search find the pruned text any more
    assert main(["search", "number old", "--site", str(site), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_rerun_after_prune_writes_nothing_also_from_a_fresh_checkout(http_server, tmp_path):
    site = make_site(http_server, tmp_path, "rerun")
    assert main(["prune", "--site", str(site), "--older-than", "1y"]) == 0
    before = everything(site)
    summary = run(load_config(site), RunOptions(force=True))
    assert summary.exit_code == 0 and summary.written == []
    assert everything(site) == before
    # a fresh machine: only the checkout (posts and items.jsonl), no state store
    for part in (site / ".newsmirror").glob("state.sqlite*"):
        part.unlink()
    summary = run(load_config(site), RunOptions(force=True))
    assert summary.exit_code == 0 and summary.written == []
    assert post_of(site, "old") is None and post_of(site, "city-old") is None


def test_a_dry_run_changes_nothing(http_server, tmp_path, capsys):
    site = make_site(http_server, tmp_path, "dry")
    before = everything(site)
    assert main(["prune", "--site", str(site), "--older-than", "365d", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would remove {ONLY_OLD}" in out and "would prune 2 posts" in out
    assert everything(site) == before
    assert main(["search", "number old", "--site", str(site), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2  # "old" and "city-old"


def test_the_source_filter_prunes_only_that_source(http_server, tmp_path, capsys):
    site = make_site(http_server, tmp_path, "filter")
    assert main(["prune", "--site", str(site), "--older-than", "365d", "--source", "City"]) == 0
    assert "pruned 1 posts" in capsys.readouterr().out
    assert post_of(site, "city-old") is None and post_of(site, "old") is not None
    assert not (site / OTHER_OLD).exists() and (site / ONLY_OLD).exists()
    assert main(["prune", "--site", str(site), "--older-than", "365d", "--source", "Nope"]) == 2
    assert "no source named 'Nope'" in capsys.readouterr().err


def test_ages():
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert parse_age("365d", now) == now - timedelta(days=365)
    assert parse_age("12w", now) == now - timedelta(weeks=12)
    assert parse_age("1m", now) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert parse_age("6m", now) == datetime(2025, 9, 30, 12, tzinfo=UTC)
    assert parse_age("2y", now) == datetime(2024, 3, 31, 12, tzinfo=UTC)
    for bad in ("365", "0d", "1x", "-3d", "d"):
        with pytest.raises(UsageError, match="--older-than"):
            parse_age(bad, now)


def test_prune_drops_the_earlier_versions_of_what_it_removes(http_server, tmp_path):
    site = make_site(http_server, tmp_path, "versions")
    edited = rss(item("old", 800, SHARED, ONLY_OLD).replace("from the harbour",
                                                             "from the old harbour"),
                 item("new", 10, SHARED).replace("from the harbour", "from the new harbour"))
    http_server.put("versions/harbour.xml", edited)
    assert run(load_config(site), RunOptions(force=True)).exit_code == 0
    config = load_config(site)
    with Store(config.state_path) as store:
        ids = {s.name: s.id for s in store.sources().values()}
        assert len(store.versions(ids["Harbour"], "guid:gold")) == 1
        assert len(store.versions(ids["Harbour"], "guid:gnew")) == 1
    assert main(["prune", "--site", str(site), "--older-than", "365d"]) == 0
    with Store(config.state_path) as store:
        assert store.versions(ids["Harbour"], "guid:gold") == []  # pruned with its post
        assert len(store.versions(ids["Harbour"], "guid:gnew")) == 1  # a kept post keeps them
