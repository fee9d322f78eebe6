"""One run at a time per site; a lock left by a killed run is taken over."""

from __future__ import annotations

import signal
import subprocess
import sys

from newsmirror.cli import main

FEED = ('<rss version="2.0"><channel><title>t</title><item><title>One</title>'
        '<link>https://example.com/1</link><guid>1</guid><description>first</description>'
        '<pubDate>Mon, 31 Oct 2022 06:46:00 GMT</pubDate></item></channel></rss>')
HOLD = """
import sys, time
from newsmirror.config import load_config
from newsmirror.pipeline._lock import run_lock
with run_lock(load_config(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def _site(make_site):
    site = make_site('[[sources]]\nname = "a"\nurl = "feed.xml"\nfull_text = "never"\n')
    (site / "feed.xml").write_text(FEED, encoding="utf-8")
    return site


def test_a_second_run_is_refused_and_a_dead_holders_lock_is_taken(make_site, capsys):
    site = _site(make_site)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(site)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        assert main(["run", "--site", str(site), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert f"another run (pid {holder.pid}, since " in err and err.count("\n") == 1
        assert not (site / "_posts").exists()  # nothing was written by the refused run
        assert main(["reprocess", "--site", str(site)]) == 2
    finally:
        holder.send_signal(signal.SIGKILL)  # dies holding the lock
        holder.wait(timeout=30)
    capsys.readouterr()
    assert main(["run", "--site", str(site), "--quiet"]) == 0
    assert len(list((site / "_posts").glob("*.md"))) == 1
    assert main(["run", "--site", str(site), "--quiet"]) == 0  # released after each run


def test_run_commit_outside_a_git_repository_is_one_line(make_site, capsys):
    site = _site(make_site)
    assert main(["run", "--site", str(site), "--commit", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsmirror: git ") and err.count("\n") == 1, err
    assert len(list((site / "_posts").glob("*.md"))) == 1  # the posts stay written
