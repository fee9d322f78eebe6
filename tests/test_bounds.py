"""Bounded work (issue 16): a local source is read under the same size cap as one
fetched over HTTP, and a run with a deadline (``[site] run_timeout``) stops cleanly when
it is reached."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from httpfixtures import LoopbackServer
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run
from newsmirror.post import read_article

MiB = 1024 * 1024
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TOO_LARGE = "file larger than 1 MiB; raise [site] max_body_mb if this is expected"


def rss(items: list[tuple[str, str]]) -> str:
    """RSS with (title, link) items, each with a short description."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 31 Oct 2022 06:46:00 GMT</pubDate>"
        f"<description><![CDATA[<p>Teaser of {title}.</p>]]></description></item>"
        for title, link in items)
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>t</title><link>http://127.0.0.1/</link>{body}</channel></rss>")


def go(site: Path):
    return run(load_config(site), RunOptions(now=T0))


# --- local sources under the size cap ---------------------------------------------------

def test_a_named_pipe_is_read_only_up_to_the_size_cap(make_site):
    site = make_site("")
    fifo = site / "feed.pipe"
    os.mkfifo(fifo)
    (site / "newsmirror.toml").write_text(
        f'[site]\nmax_body_mb = 1\n\n[[sources]]\nname = "pipe"\nurl = "{fifo.as_uri()}"\n',
        encoding="utf-8")
    sent: list[int] = []

    def endless_feed() -> None:
        fd = os.open(fifo, os.O_WRONLY)  # waits for the run to open the pipe
        try:
            chunk = b"<rss>" + b"x" * MiB
            for _ in range(64):
                sent.append(os.write(fd, chunk))
        except BrokenPipeError:  # the reader stopped at the cap and closed the pipe
            pass
        finally:
            os.close(fd)

    writer = threading.Thread(target=endless_feed, daemon=True)
    writer.start()
    try:
        summary = go(site)
    finally:
        if writer.is_alive():  # a run that never opened the pipe: let the writer go
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(10)
    assert not writer.is_alive()
    (error,) = summary.reports[0].errors
    assert error == f"pipe: {fifo}: {TOO_LARGE}"
    assert sum(sent) < 8 * MiB  # the pipe was not drained: 64 MiB were on offer
    assert not (site / "_posts").exists()


def test_a_huge_file_is_refused_without_reading_it(make_site):
    site = make_site('[site]\nmax_body_mb = 1\n\n[[sources]]\nname = "huge"\nurl = "huge.xml"\n')
    huge = site / "huge.xml"
    with huge.open("wb") as file:
        file.truncate(128 * MiB)  # sparse: takes no disk, reads as 128 MiB of zeros
    tracemalloc.start()
    try:
        summary = go(site)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (error,) = summary.reports[0].errors
    assert error == f"huge: {huge}: {TOO_LARGE}"
    assert peak < 32 * MiB


# --- the run's deadline -------------------------------------------------------------------

def cli_run(site: Path) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "newsmirror.cli", "run", "--site", str(site), "--json"],
        capture_output=True, text=True, timeout=120, check=False)
    return result, time.monotonic() - start


def test_a_run_that_reaches_its_deadline_stops_cleanly(http_server: LoopbackServer, tmp_path):
    """One source posts quickly; another waits for an article page that stalls. At the
    deadline the run stops: the quick source's posts stay, nothing of the stalled one is
    written or left pending, it is reported as cancelled, and the run exits 1. Once the
    page answers, the next run completes the stalled source and writes nothing twice."""
    good = http_server.put("deadline/good.xml", rss(
        [(f"Good story {n}", f"https://news.example/good/{n}") for n in (1, 2)]))
    pages = [http_server.put(f"deadline/p{n}.html", "<html><body><article>"
                             + f"<p>Full text of page {n}. </p>" * 40
                             + "</article></body></html>", "text/html; charset=utf-8")
             for n in (1, 2)]
    slow = http_server.put("deadline/slow.xml", rss(
        [(f"Slow story {n}", page) for n, page in enumerate(pages, 1)]))
    site = tmp_path / "site"
    site.mkdir()
    # per request 5 s, no retry: without a deadline the stalled page fails after 5 s and
    # its post is written with the teaser (exit 0)
    (site / "newsmirror.toml").write_text(
        "[site]\nrun_timeout = 1.5\ntimeout = 5\nretries = 0\n\n"
        f'[[sources]]\nname = "Good"\nurl = "{good}"\nfull_text = "never"\n\n'
        f'[[sources]]\nname = "Slow"\nurl = "{slow}"\nfull_text = "always"\n',
        encoding="utf-8")
    http_server.stalled.add("deadline/p2.html")
    try:
        result, seconds = cli_run(site)
    finally:
        http_server.stalled.discard("deadline/p2.html")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert seconds < 1.5 + 4  # the deadline, and the interpreter's start and exit
    summary = json.loads(result.stdout)
    sources = {s["name"]: s for s in summary["sources"]}
    assert sources["Good"]["new_posts"] == 2 and not sources["Good"]["failing"]
    (error,) = sources["Slow"]["errors"]
    assert error == ("Slow: cancelled: the run's deadline ([site] run_timeout = 1.5 s) "
                     "was reached before this source finished")
    assert sources["Slow"]["cancelled"] and sources["Slow"]["new_posts"] == 0
    assert [f["name"] for f in summary["failing"]] == ["Slow"]
    assert error in result.stderr
    first = {p.name: p.read_bytes() for p in (site / "_posts").iterdir()}
    assert len(first) == 2 and all(b"Good story" in text for text in first.values())
    assert not list(site.rglob(".tmp-*"))
    with sqlite3.connect(site / ".newsmirror" / "state.sqlite") as db:
        states = db.execute("SELECT state, count(*) FROM items GROUP BY state").fetchall()
        backoff = db.execute("SELECT count(*) FROM source_health WHERE failures > 0").fetchone()
    assert states == [("written", 2)]
    assert backoff == (0,)  # the deadline was the run's, not the source's failure
    snapshot = (site / ".newsmirror" / "items.jsonl").read_text(encoding="utf-8")
    assert "good/1" in snapshot and "good/2" in snapshot and "deadline/p" not in snapshot

    again, _ = cli_run(site)
    assert again.returncode == 0, again.stderr
    after = {p.name: p.read_bytes() for p in (site / "_posts").iterdir()}
    assert {n: after[n] for n in first} == first
    urls = sorted(read_article(text.decode()).url for text in after.values())
    assert urls == sorted([*(f"https://news.example/good/{n}" for n in (1, 2)), *pages])
    assert sum(b"Full text of page 2." in text for text in after.values()) == 1
