"""The state store's behaviours on both backends, through ``Store(target)``: an SQLite
file and a PostgreSQL database (tests/pgserver.py: a fresh one per test). Then what only a
shared store has: claims of sources and host slots that two connections contend for."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsmirror.errors import StoreError
from newsmirror.store import (
    SCHEMA_VERSION,
    CachedResponse,
    ItemRecord,
    Store,
)

T = datetime(2022, 10, 31, 6, 46, tzinfo=UTC)


def record(key: str, path: str, source: str = "src") -> ItemRecord:
    return ItemRecord(source, key, f"https://x.example/{key}", path, "h", T, T, "written")


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "sqlite":
        return tmp_path / "state.sqlite"
    return str(request.getfixturevalue("pg_url"))


def _psycopg_integrity() -> tuple[type[BaseException], ...]:
    try:
        import psycopg
    except ImportError:
        return ()
    return (psycopg.IntegrityError,)


def test_schema_version_is_recorded_and_opening_again_changes_nothing(target):
    with Store(target) as store:
        assert store.meta("schema") == str(SCHEMA_VERSION)
        with store.transaction():
            store.put_item(record("1", "_posts/2022-10-31-a.md"))
    with Store(target) as store:
        assert store.meta("schema") == str(SCHEMA_VERSION)
        assert set(store.items_of("src")) == {"1"}


def test_items_round_trip_with_their_times_and_states(target):
    sgt = datetime(2022, 10, 31, 14, 46, 5, 123000, tzinfo=timezone(timedelta(hours=8)))
    odd = ItemRecord("新闻网", 'guid:"引号"\n\\/\x01😀', None, "_posts/x.md", "h", sgt, sgt,
                     "pending")
    with Store(target) as store:
        with store.transaction():
            store.put_item(odd)
            store.put_item(record("2", "_posts/b.md", source="新闻网"))
        items = store.items_of("新闻网")
        assert set(items) == {odd.key, "2"}
        got = items[odd.key]
        assert got.link is None and got.state == "pending" and got.post_path == "_posts/x.md"
        assert got.published == sgt and got.first_seen == sgt
        store.mark_written("新闻网", [odd.key])
        assert store.items_of("新闻网")[odd.key].state == "written"
        assert store.post_count("新闻网") == 2


def test_raw_pages_round_trip(target):
    page = ("<html><body>" + "联合早报 " * 2000 + "</body></html>").encode()
    with Store(target) as store:
        store.put_page("src", "k", "https://x.example/k", "text/html", page)
        assert list(store.pages_of("src")) == [("k", "https://x.example/k", "text/html", page)]


def test_http_validators_round_trip(target):
    with Store(target) as store:
        assert store.cached_response("https://x.example/feed") is None
        cached = CachedResponse('"v1"', "Sat, 01 Jun 2024 00:00:00 GMT", "k1")
        store.put_cached_response("https://x.example/feed", cached)
        assert store.cached_response("https://x.example/feed") == cached
        store.forget_cached_response("https://x.example/feed")
        assert store.cached_response("https://x.example/feed") is None


def test_snapshot_is_the_same_whatever_the_backend(target, tmp_path: Path):
    """A snapshot exported from SQLite merges into either backend and comes back equal."""
    with Store(tmp_path / "a.sqlite") as a:
        with a.transaction():
            a.put_item(record("2", "_posts/2022-10-31-b.md"))
            a.put_item(record("1", "_posts/2022-10-31-a.md"))
        snapshot = a.export_snapshot()
    with Store(target) as b:
        with b.transaction():
            b.put_item(record("1", "_posts/2022-10-31-a.md"))
        assert b.merge_snapshot(snapshot) == 1
        assert b.merge_snapshot(snapshot) == 0
        assert b.export_snapshot() == snapshot


def test_post_paths_are_unique_case_insensitively(target):
    with Store(target) as store:
        with store.transaction():
            store.put_item(record("1", "_posts/2022-10-31-Same.md"))
        assert store.post_path_taken("_posts/2022-10-31-same.md")
        errors = (sqlite3.IntegrityError, StoreError, *_psycopg_integrity())
        with pytest.raises(errors), store.transaction():
            store.put_item(record("2", "_posts/2022-10-31-SAME.md"))
        # the failed transaction left the store usable and unchanged
        assert set(store.items_of("src")) == {"1"}


def test_a_newer_schema_is_refused(target):
    with Store(target) as store:
        store.set_meta("schema", "99")
    with pytest.raises(StoreError, match="newer newsmirror"):
        Store(target)


# -- what workers share --


def test_two_connections_never_claim_the_same_source(pg_url: str):
    with Store(pg_url) as setup:
        setup.queue_sources([f"s{k:02d}" for k in range(40)])
    claimed: dict[str, list[str]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        with Store(pg_url) as store:
            barrier.wait()
            while (source := store.claim_source(name, 60)) is not None:
                claimed[name].append(source)
                store.release_source(source, name, 3600)

    threads = [threading.Thread(target=worker, args=(n,)) for n in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    both = claimed["a"] + claimed["b"]
    assert sorted(both) == [f"s{k:02d}" for k in range(40)]  # each once, none twice
    with Store(pg_url) as store:
        due, held, wait = store.queue_state()
        assert (due, held) == (0, 0) and wait is not None and wait > 3000


def test_a_claim_not_renewed_is_taken_over(pg_url: str):
    with Store(pg_url) as a, Store(pg_url) as b:
        a.queue_sources(["only"])
        assert a.claim_source("dead", 0.5) == "only"
        assert b.claim_source("alive", 60) is None  # held
        assert b.queue_state()[1] == 1
        time.sleep(0.7)
        assert b.claim_source("alive", 60) == "only"  # the claim ran out
        assert not a.renew_claim("only", "dead", 60)  # the dead holder lost it
        assert b.renew_claim("only", "alive", 60)
        a.release_source("only", "dead", 0)  # a late release by the loser changes nothing
        assert b.queue_state()[1] == 1
        b.release_source("only", "alive", 3600)
        assert b.queue_state()[:2] == (0, 0)


def test_host_slots_are_limited_across_connections(pg_url: str):
    with Store(pg_url) as a, Store(pg_url) as b:
        a.add_host_slots("127.0.0.2", 2)
        first = a.claim_host_slot("127.0.0.2", 2, "a", 60)
        second = b.claim_host_slot("127.0.0.2", 2, "b", 60)
        assert {first, second} == {0, 1}
        assert a.claim_host_slot("127.0.0.2", 2, "a", 60) is None
        assert b.claim_host_slot("127.0.0.2", 2, "b", 60) is None
        assert first is not None
        a.release_host_slot("127.0.0.2", first, "a")
        assert b.claim_host_slot("127.0.0.2", 2, "b", 60) == first
        # a lease whose holder died ends by itself
        b.add_host_slots("127.0.0.3", 1)
        assert b.claim_host_slot("127.0.0.3", 1, "dead", 0.3) == 0
        assert a.claim_host_slot("127.0.0.3", 1, "a", 60) is None
        time.sleep(0.5)
        assert a.claim_host_slot("127.0.0.3", 1, "a", 60) == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_holder_taken_for_dead_frees_its_other_claims_and_its_host_slots(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
):
    target = tmp_path / "s.sqlite" if backend == "sqlite" else request.getfixturevalue("pg_url")
    with Store(target) as dead, Store(target) as alive:
        dead.queue_sources(["s1", "s2", "s3"])
        held = {dead.claim_source("dead", 0.3), dead.claim_source("dead", 0.3)}
        assert len(held) == 2 and None not in held
        dead.add_host_slots("h", 2)
        assert {dead.claim_host_slot("h", 2, "dead", 60) for _ in range(2)} == {0, 1}
        assert alive.claim_host_slot("h", 2, "alive", 60) is None  # both held, for 60 s
        first = alive.claim_source("alive", 60)  # the one source nobody holds
        assert first not in held
        time.sleep(0.5)  # the dead holder's claims run out; its slots would not for 60 s
        taken = alive.claim_source("alive", 60)
        assert taken in held
        # the dead holder's other claim is free at once, and so are its host slots
        (other,) = held - {taken}
        assert alive.claim_source("alive", 60) == other
        assert alive.claim_host_slot("h", 2, "alive", 60) is not None
        assert not dead.renew_claim(other, "dead", 60)
