"""Many workers on one PostgreSQL state (issue 15): every item posted exactly once, at most
``per_host_connections`` requests in flight to a host across all workers, a killed
worker's claim taken over, nothing new on a second pass.

The corpus is bench/hosts_server.py in its own process: feeds on loopback addresses
127.0.0.2... (one listening socket each), every response ``Connection: close``, and per
address the most connections it ever had open at once. The workers, publishes and the
site are newsmirror's CLI as processes (``python -m newsmirror.cli``). The setup
functions are bench/bench_workers.py's, which prints the same runs' figures.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from bench_workers import (  # noqa: E402
    Probe,
    post_links,
    posts_state,
    publish,
    run_workers,
    write_site,
)
from hosts_server import serve_hosts  # noqa: E402


def _describe(outcome) -> str:  # type: ignore[no-untyped-def]
    """The workers' exit codes and the tail of their output, for a failing assert."""
    lines = [f"exit codes: {outcome.exit_codes}"]
    for name, (out, err) in outcome.outputs.items():
        lines.append(f"--- {name} stdout: {out[-800:]}")
        lines.append(f"--- {name} stderr: {err[-1500:]}")
    return "\n".join(lines)


def _publish_ok(site: Path, url: str) -> dict:  # type: ignore[type-arg]
    done, data = publish(site, url)
    assert done.returncode == 0, f"publish exit {done.returncode}: {done.stderr[-2000:]}"
    return data


# -- the instrument: the server must see what it claims to see --


def test_hosts_server_counts_concurrent_connections_per_address() -> None:
    with serve_hosts(feeds=4, hosts=2, items=2, page_every=2, delay=0.4) as server:
        a, b = server.addresses
        assert (a, b) == ("127.0.0.2", "127.0.0.3")
        results: list[tuple[int, str]] = []

        def get(url: str) -> None:
            with urllib.request.urlopen(url, timeout=10) as response:
                results.append((response.status, response.headers["Connection"]))

        # feeds 0 and 2 live on host 0 (spread layout), feed 1 on host 1
        urls = [server.feed_url(0), server.feed_url(2), server.layout.link(0, 0),
                server.feed_url(1)]
        threads = [threading.Thread(target=get, args=(u,)) for u in urls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [(200, "close")] * 4
        stats = server.stats()
        assert stats["hosts"][a]["max_active"] == 3
        assert stats["hosts"][b]["max_active"] == 1
        assert stats["max_active"] == 3
        assert stats["feed_requests"] == [1, 1, 1, 0]
        assert stats["page_requests"] == 1
        # a feed asked for on another host's address is not there
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(server.feed_url(1).replace(b, a), timeout=10)
        assert info.value.code == 404
        # validators: a bodyless 304
        request = urllib.request.Request(server.feed_url(0),
                                         headers={"If-None-Match": '"1-1-/feeds/0.xml"'})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 304
        # nothing listens on the wildcard address: only the loopback ones
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex(("127.0.0.200", server.port)) != 0
        after = server.stats(reset=True)
        assert after["status"] == {"200": 4, "304": 1, "404": 1}
        assert server.stats()["requests"] == 0


def test_hosts_server_truth_matches_the_feeds() -> None:
    with serve_hosts(feeds=3, hosts=2, items=4, page_every=3) as server:
        items = server.items()
        assert len(items) == 12
        assert [it.page for it in items].count(True) == 4
        with urllib.request.urlopen(server.control + "/truth", timeout=10) as response:
            truth = json.loads(response.read())
        assert [t["link"] for t in truth["items"]] == [it.link for it in items]
        with urllib.request.urlopen(server.feed_url(2), timeout=10) as response:
            feed = response.read().decode()
        for it in items:
            assert (it.link in feed) == (it.feed == 2)
            if it.feed == 2 and it.page:
                assert "……</p>]]>" in feed.split(it.link, 1)[1].split("</item>", 1)[0]


# -- the workers --


def test_two_workers_race_for_the_same_few_sources(pg_url: str, tmp_path: Path) -> None:
    """Two workers started together on 6 sources: each source fetched by exactly one."""
    with serve_hosts(feeds=6, hosts=2, items=2, page_every=3, layout="blocks",
                     delay=0.05) as server:
        site = write_site(tmp_path, server)
        _publish_ok(site, pg_url)
        server.stats(reset=True)
        outcome = run_workers(pg_url, 2, tmp_path, server=server, timeout=120)
        assert outcome.exit_codes == {"w0": 0, "w1": 0}, _describe(outcome)
        stats = outcome.stats
        assert stats["feed_requests"] == [1] * 6, _describe(outcome)
        assert stats["page_requests"] == sum(it.page for it in server.items())
        assert stats["max_active"] <= 2
        assert outcome.items == 12
        _publish_ok(site, pg_url)
        links, files = post_links(site)
        assert files == 12
        assert set(links) == {it.link for it in server.items()}
        assert set(links.values()) == {1}


@pytest.mark.parametrize("limit", [2, 5])
def test_the_host_limit_holds_across_workers_and_the_server_sees_it(
        limit: int, pg_url: str, tmp_path: Path) -> None:
    """4 workers on 24 sources of one slow host: the server sees exactly the configured
    number of connections at once (so 2 in the big test is the limit binding, and a
    larger limit would be seen)."""
    with serve_hosts(feeds=24, hosts=1, items=2, page_every=2, delay=0.05) as server:
        site = write_site(tmp_path, server, per_host_connections=limit)
        _publish_ok(site, pg_url)
        server.stats(reset=True)
        outcome = run_workers(pg_url, 4, tmp_path, server=server, timeout=120)
        assert set(outcome.exit_codes.values()) == {0}, _describe(outcome)
        assert outcome.items == 48
        assert outcome.stats["max_active"] == limit


SOURCES, HOSTS, ITEMS = 2000, 20, 2


def test_four_workers_one_killed_every_item_posted_once(pg_url: str, tmp_path: Path) -> None:
    """2,000 sources on 20 loopback hosts, 4 workers, one SIGKILLed mid-run: every item is
    a post exactly once, no host ever had more than 2 connections open at once, the dead
    worker's claim is taken over, and a second pass writes and stores nothing new."""
    started = time.monotonic()
    # the feeds spread over the hosts, as a real list of sources is: 4 workers of 8 lanes
    # still meet on hosts (the server sees 2 at once); that the limit is what keeps them
    # there is test_the_host_limit_holds_across_workers_and_the_server_sees_it's proof
    # (sources in blocks per host, all workers on one host, took this test from about
    # 60 to 100 s on a busy 2-core machine)
    with serve_hosts(feeds=SOURCES, hosts=HOSTS, items=ITEMS, page_every=4,
                     delay=0.002) as server:
        truth = {it.link for it in server.items()}
        assert len(truth) == SOURCES * ITEMS
        site = write_site(tmp_path, server, per_host_connections=2)
        _publish_ok(site, pg_url)
        assert posts_state(site) == {}
        server.stats(reset=True)

        outcome = run_workers(pg_url, 4, tmp_path, kill_one=True, claim_timeout=5,
                              server=server, timeout=240)
        kill = outcome.kill
        assert kill is not None and kill.at > 0, "the worker to kill exited first\n" + (
            _describe(outcome))
        assert outcome.exit_codes["w0"] == -9
        assert {k: c for k, c in outcome.exit_codes.items() if k != "w0"} == {
            "w1": 0, "w2": 0, "w3": 0}, _describe(outcome)
        assert kill.sources_done >= 1
        assert kill.orphans, "the killed worker held no claim when it died"
        # the others took its claims over: each source it held is in one of their reports
        taken = set()
        for name in ("w1", "w2", "w3"):
            report = json.loads(outcome.outputs[name][0])
            taken |= {source["name"] for source in report["sources"]}
        assert set(kill.orphans) <= taken, (kill.orphans, _describe(outcome))
        stats = outcome.stats
        assert stats["max_active"] <= 2, stats["hosts"]
        assert stats["status"].get("404", 0) == 0
        assert outcome.items == SOURCES * ITEMS, _describe(outcome)
        # every feed fetched; the orphan's perhaps twice (by the dead worker, then again)
        assert min(stats["feed_requests"]) >= 1
        probe = Probe(pg_url)
        try:
            # its claims were taken over and released: nothing is held any more
            assert probe.claims() == []
        finally:
            probe.close()

        report = _publish_ok(site, pg_url)
        assert report.get("new_posts", SOURCES * ITEMS) == SOURCES * ITEMS, report
        links, files = post_links(site)
        assert files == SOURCES * ITEMS
        assert set(links) == truth
        assert [link for link, n in links.items() if n > 1] == []

        # a second publish writes nothing
        before = posts_state(site)
        assert _publish_ok(site, pg_url).get("new_posts", 0) == 0
        assert posts_state(site) == before

        # a second pass of the workers, every source due again (as when its next poll's
        # time comes): each feed is asked for once, answers 304, and nothing new is
        # stored; a publish after it still writes nothing
        probe = Probe(pg_url)
        try:
            probe.make_all_due()
        finally:
            probe.close()
        again = run_workers(pg_url, 2, tmp_path, server=server, timeout=120)
        assert again.exit_codes == {"w0": 0, "w1": 0}, _describe(again)
        assert again.items == SOURCES * ITEMS
        assert again.stats["feed_requests"] == [1] * SOURCES
        assert again.stats["status"] == {"304": SOURCES}, again.stats["status"]
        assert again.stats["max_active"] <= 2
        assert _publish_ok(site, pg_url).get("new_posts", 0) == 0
        assert posts_state(site) == before
    print(f"\n4 workers, 1 killed: {outcome.wall:.1f} s for {outcome.items} items; killed at "
          f"{kill.at:.1f} s after {kill.sources_done} sources; at most "
          f"{outcome.stats['max_active']} connections at once on a host; whole test "
          f"{time.monotonic() - started:.1f} s")
