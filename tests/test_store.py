"""The SQLite state store on a real file: pages, snapshots, version and corruption."""

from __future__ import annotations

import sqlite3
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmirror.errors import StoreCorruptError
from newsmirror.store import ItemRecord, Store, StoreError, compress_page, decompress_page

T = datetime(2022, 10, 31, 6, 46, tzinfo=UTC)


def record(key: str, path: str) -> ItemRecord:
    return ItemRecord("src", key, f"https://x.example/{key}", path, "h", T, T, "written")


def test_raw_pages_round_trip_and_older_zlib_rows_still_read(tmp_path: Path):
    page = ("<html><body>" + "联合早报 " * 2000 + "</body></html>").encode()
    assert decompress_page(compress_page(page)) == page
    assert len(compress_page(page)) < len(page) / 5
    assert decompress_page(zlib.compress(page, 6)) == page
    with Store(tmp_path / "s.sqlite") as store:
        store.put_page("src", "k", "https://x.example/k", "text/html", page)
        assert list(store.pages_of("src")) == [("k", "https://x.example/k", "text/html", page)]


def test_snapshot_export_and_merge(tmp_path: Path):
    with Store(tmp_path / "a.sqlite") as a:
        with a.transaction():
            a.put_item(record("2", "_posts/2022-10-31-b.md"))
            a.put_item(record("1", "_posts/2022-10-31-a.md"))
        snapshot = a.export_snapshot()
    assert snapshot.index('"key": "1"') < snapshot.index('"key": "2"')  # sorted: stable diffs
    with Store(tmp_path / "b.sqlite") as b:
        with b.transaction():
            b.put_item(record("1", "_posts/2022-10-31-a.md"))
        assert b.merge_snapshot(snapshot) == 1  # only the unknown item is added
        assert b.merge_snapshot(snapshot) == 0  # the same snapshot again: nothing to do
        assert b.export_snapshot() == snapshot


def test_snapshot_lines_are_exact_json_with_utc_millisecond_times(tmp_path: Path):
    import json
    from datetime import timedelta, timezone

    sgt = datetime(2022, 10, 31, 14, 46, 5, 123456, tzinfo=timezone(timedelta(hours=8)))
    odd = ItemRecord("新闻网", 'guid:"引号"\n\\/\x01😀', None, "_posts/x.md", "h", sgt, sgt,
                     "written")
    with Store(tmp_path / "s.sqlite") as store:
        with store.transaction():
            store.put_item(odd)
            store.put_item(record("2", "_posts/b.md"))
        # a time stored in another form (by hand, or a future writer) is written in iso form
        store.db.execute("UPDATE items SET published = '2022-10-31T14:46:05+08:00'"
                         " WHERE key = 'guid:2' OR key = '2'")
        lines = store.export_snapshot().splitlines()
    first = {"first_seen": "2022-10-31T06:46:05.123+00:00", "hash": "h", "key": odd.key,
             "link": None, "post": "_posts/x.md",
             "published": "2022-10-31T06:46:05.123+00:00", "source": "新闻网"}
    assert lines[1] == json.dumps(first, ensure_ascii=False, sort_keys=True)
    assert json.loads(lines[0])["published"] == "2022-10-31T06:46:05.000+00:00"


def test_bad_snapshot_line_is_a_clear_error(tmp_path: Path):
    with Store(tmp_path / "s.sqlite") as store, pytest.raises(StoreError, match="line 2"):
        store.merge_snapshot('{"source": "s", "key": "k", "post": "p", "hash": "h", '
                          '"first_seen": "2022-10-31T06:46:00+00:00", '
                          '"published": "2022-10-31T06:46:00+00:00"}\nnot json\n')


def test_post_paths_are_unique_case_insensitively(tmp_path: Path):
    with Store(tmp_path / "s.sqlite") as store:
        with store.transaction():
            store.put_item(record("1", "_posts/2022-10-31-Same.md"))
        assert store.post_path_taken("_posts/2022-10-31-same.md")
        with pytest.raises(sqlite3.IntegrityError), store.transaction():
            store.put_item(record("2", "_posts/2022-10-31-SAME.md"))


def test_newer_schema_and_corrupt_files_are_refused(tmp_path: Path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer newsmirror"):
        Store(path)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreCorruptError, match="unreadable .*newsmirror reindex") as raised:
        Store(garbage)
    assert raised.value.exit_code == 2


def test_a_schema_2_store_missing_tables_it_gained_unnumbered_is_migrated(tmp_path: Path):
    # Schema 2 gained `filtered`, `canonical_urls`, `search_docs` and the image tables
    # without a new number: a store of schema 2 may lack any of them, and has none of
    # the workers' tables; migration 3 makes them all and keeps every row.
    path = tmp_path / "s.sqlite"
    with Store(path) as store, store.transaction():
        store.put_items([record("a", "_posts/2022-10-31-a.md")])
    db = sqlite3.connect(path)
    db.executescript(
        "DROP TABLE filtered; DROP TABLE canonical_urls; DROP TABLE search_docs;"
        "DROP TABLE images; DROP TABLE image_waits; DROP TABLE source_queue;"
        "DROP TABLE host_slots; DROP TABLE image_files; DROP TABLE settings;"
        "UPDATE meta SET value = '2' WHERE key = 'schema';"
    )
    db.close()
    with Store(path) as store:
        assert store.meta("schema") == "3"
        assert list(store.items_of("src")) == ["a"]
        with store.transaction():
            store.put_filtered("src", [("b", "left out")], T)
        assert store.filtered_keys("src") == {"b"}
        assert store.queue_sources(["src"]) == (1, 0)
        assert store.claim_source("w", 60) == "src"
