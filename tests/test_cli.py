"""The command line as a user meets it: exit codes, JSON, clear errors, no tracebacks.

In-process through main(); test_cli_smoke.py runs each command once as a real process.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers import SEED
from newsmirror.cli import main
from newsmirror.site import write_scaffold


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@contextmanager
def _logging_as_in_a_new_process() -> Iterator[None]:
    """main() calls logging.basicConfig, which does nothing while the root logger has
    handlers (pytest's, during a test). Take them off for the call, so that main() binds
    its handler to this test's captured stderr as it would in a fresh process; then put
    everything back, so that no handler bound to a dead capture leaks into later tests."""
    root, trafilatura = logging.getLogger(), logging.getLogger("trafilatura")
    handlers, level, trafilatura_level = root.handlers[:], root.level, trafilatura.level
    for handler in handlers:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        trafilatura.setLevel(trafilatura_level)


@pytest.fixture
def newsmirror(capfd, monkeypatch):
    """Run ``newsmirror ARGS`` in this process: its exit code and what it printed (at the
    file-descriptor level, so output of child processes counts too)."""

    def run(*args: str, stdin: bytes | None = None) -> Result:
        capfd.readouterr()  # only this command's output
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        with _logging_as_in_a_new_process():
            code = main(list(args))
        out, err = capfd.readouterr()
        return Result(code, out, err)

    return run


def test_parse_feed_json_on_the_seed(newsmirror):
    result = newsmirror("parse-feed", "--json", str(SEED / "feed.xml"))
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(result.stdout)
    assert item["title"] == "王毅与布林肯通话：停止对华打压 不要为两国关系制造新障碍"
    assert item["published"] == "2022-10-31T06:46:00Z"
    assert item["link"] == item["guid"] == \
        "https://www.zaobao.com/realtime/china/story20221031-1328240"
    assert item["content_length"] == 1878


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"<!DOCTYPE html><html><head><title>Login</title></head><body>x</body></html>", "HTML"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
])
def test_parse_feed_bad_input_is_one_clear_line(newsmirror, tmp_path, content, words):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    result = newsmirror("parse-feed", "--json", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr and words.lower() in result.stderr.lower()
    assert result.stdout == ""


def test_parse_feed_missing_file(newsmirror):
    result = newsmirror("parse-feed", "/nonexistent/feed.xml")
    assert result.returncode == 1 and "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_exit_codes_and_json(newsmirror, make_site, tmp_path):
    good = tmp_path / "good.xml"
    good.write_bytes((SEED / "feed.xml").read_bytes())
    site = make_site(f'[[sources]]\nname = "联合早报"\nurl = "{good}"\n\n'
                     '[[sources]]\nname = "Gone"\nurl = "nowhere.xml"\n')
    result = newsmirror("run", "--site", str(site), "--json")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["new_posts"] == 1 and not summary["ok"]
    gone = next(s for s in summary["sources"] if s["name"] == "Gone")
    assert "nowhere.xml" in gone["errors"][0]
    assert "Traceback" not in result.stderr
    only_good = newsmirror("run", "--site", str(site), "--source", "联合早报")
    assert only_good.returncode == 0, only_good.stderr
    assert "0 new" in only_good.stdout


def test_a_source_in_backoff_is_still_failing(newsmirror, make_site, http_server):
    """Found 4 of issue 11: a source skipped while it backs off was "0 failed", exit 0."""
    feed = http_server.put("cli-backoff/good.xml", (SEED / "feed.xml").read_bytes())
    flaky = "/flaky/cli-backoff"  # 500 once, then a feed
    site = make_site('[site]\nretries = 0\n\n'  # one request a run: 500, then the feed
                     f'[[sources]]\nname = "good"\nurl = "{feed}"\n\n'
                     f'[[sources]]\nname = "broken"\nurl = "{http_server.url(flaky)}"\n'
                     'full_text = "never"\n')
    before = datetime.now(UTC)
    first = newsmirror("run", "--site", str(site), "--json")
    assert first.returncode == 1, first.stderr
    data = json.loads(first.stdout)
    by_name = {s["name"]: s for s in data["sources"]}
    broken = by_name["broken"]
    assert broken["failing"] and "500" in broken["errors"][0] and broken["last_error"]
    until = datetime.fromisoformat(broken["backoff_until"])
    assert before + timedelta(minutes=9) < until < datetime.now(UTC) + timedelta(minutes=11)
    assert not by_name["good"]["failing"] and by_name["good"]["backoff_until"] is None
    assert data["failing"] == [{"name": "broken", "last_error": broken["errors"][0],
                                "backoff_until": broken["backoff_until"], "skipped": None}]

    # Not retried while it backs off, but still failing: exit 1, and --json says why.
    second = newsmirror("run", "--site", str(site), "--json")
    assert second.returncode == 1, second.stderr
    assert http_server.hits(flaky) == 1
    data = json.loads(second.stdout)
    assert not data["ok"] and data["errors"] == 0
    held = {s["name"]: s for s in data["sources"]}["broken"]
    assert held["skipped"] and held["errors"] == [] and held["failing"]
    assert held["last_error"] == broken["errors"][0] and held["backoff_until"] == broken["backoff_until"]
    assert [f["name"] for f in data["failing"]] == ["broken"]
    assert data["failing"][0]["last_error"] == broken["errors"][0]

    # The table shows it failing, with the last error and when it is tried next.
    table = newsmirror("run", "--site", str(site))
    assert table.returncode == 1
    [row] = [line for line in table.stdout.splitlines() if line.startswith("broken")]
    assert "still failing" in row and f"last error: {broken['errors'][0]}" in row
    assert f"next attempt after {until:%Y-%m-%d %H:%M} UTC" in row
    assert "from 2 sources; 1 failed (1 still backing off, not retried)" in table.stdout
    assert "broken: still failing" in table.stderr and "Traceback" not in table.stderr
    assert newsmirror("run", "--site", str(site), "--source", "good").returncode == 0

    # Forced, it recovers: no longer failing, and the next run is clean.
    forced = newsmirror("run", "--site", str(site), "--force", "--json")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert json.loads(forced.stdout)["failing"] == []
    again = newsmirror("run", "--site", str(site))
    assert again.returncode == 0 and "; 0 failed" in again.stdout


def test_run_warns_once_about_liquid_off_in_an_old_scaffold(newsmirror, make_site, tmp_path):
    feed = tmp_path / "f.xml"
    feed.write_bytes((SEED / "feed.xml").read_bytes())
    site = make_site(f'[[sources]]\nname = "联合早报"\nurl = "{feed}"\n')
    write_scaffold(site, timezone="UTC")
    clean = newsmirror("run", "--site", str(site))
    assert clean.returncode == 0 and "render_with_liquid" not in clean.stderr
    config = site / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "      layout: post\n", "      layout: post\n      render_with_liquid: false\n"),
        encoding="utf-8")
    old = newsmirror("run", "--site", str(site))
    assert old.returncode == 0, old.stderr
    [warning] = [line for line in old.stderr.splitlines() if "render_with_liquid" in line]
    assert warning.startswith(f"WARNING: {config}:")
    assert "delete that line" in warning
    assert "render_with_liquid: false" in config.read_text(encoding="utf-8")  # not edited


def test_configuration_error_exits_2(newsmirror, make_site):
    site = make_site('[[sources]]\nname = "a"\nurl = "x"\nbogus = 1\n')
    result = newsmirror("run", "--site", str(site))
    assert result.returncode == 2
    assert "bogus" in result.stderr and "Traceback" not in result.stderr
    missing = newsmirror("run", "--site", str(site / "nowhere"))
    assert missing.returncode == 2 and "newsmirror init" in missing.stderr


def test_unknown_source_name_is_a_configuration_error(newsmirror, make_site):
    site = make_site('[[sources]]\nname = "a"\nurl = "x.xml"\n')
    result = newsmirror("run", "--site", str(site), "--source", "b")
    assert result.returncode == 2 and "no source named 'b'" in result.stderr


def test_sources_table(newsmirror, make_site, tmp_path):
    feed = tmp_path / "f.xml"
    feed.write_bytes((SEED / "feed.xml").read_bytes())
    site = make_site(f'[[sources]]\nname = "联合早报"\nurl = "{feed}"\n')
    assert newsmirror("run", "--site", str(site)).returncode == 0
    result = newsmirror("sources", "--site", str(site), "--json")
    (row,) = json.loads(result.stdout)
    assert row["name"] == "联合早报" and row["posts"] == 1 and row["failures"] == 0
    assert row["last_success"]
    table = newsmirror("sources", "--site", str(site))
    assert "联合早报" in table.stdout and "last success" in table.stdout


def git(site: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=site,
                          capture_output=True, text=True, check=True).stdout


def test_init_run_commit_on_a_scaffolded_site(newsmirror, tmp_path):
    site = tmp_path / "mirror"
    assert newsmirror("init", str(site), "--timezone", "Asia/Singapore").returncode == 0
    config = site / "newsmirror.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + f'\n[[sources]]\nname = "联合早报"\nurl = "{SEED / "feed-raw.xml"}"\n',
                      encoding="utf-8")
    git(site, "init", "-q")
    git(site, "config", "user.email", "t@example.com")
    git(site, "config", "user.name", "t")
    git(site, "add", "-A")
    git(site, "commit", "-qm", "scaffold")
    result = newsmirror("run", "--site", str(site), "--commit")
    assert result.returncode == 0, result.stderr
    assert "committed: newsmirror: 1 new, 0 updated posts" in result.stdout
    tracked = git(site, "ls-files").splitlines()
    assert any(p.startswith("_posts/2022-10-31-") for p in tracked)
    assert ".newsmirror/items.jsonl" in tracked
    assert not [p for p in tracked if p.endswith(".sqlite")]
    # The run also refreshed the generated pages: search index and the source's category.
    doc = json.loads((site / "assets" / "search" / "d" / "0" / "0.json").read_text("utf-8"))
    assert "王毅与布林肯通话" in json.dumps(doc, ensure_ascii=False)
    assert any(p.startswith("categories/") and p.endswith("index.html") and "categories/index"
               not in p for p in tracked)
    assert git(site, "status", "--porcelain") == ""
    again = newsmirror("run", "--site", str(site), "--commit")
    assert again.returncode == 0 and "committed" not in again.stdout
    assert len(git(site, "log", "--oneline").splitlines()) == 2


PAGES = Path(__file__).parent / "pages"


def test_extract_a_saved_gbk_page_as_json(newsmirror):
    url = "https://www.163.com/news/article/EO12AB.html"
    result = newsmirror("extract", "--url", url, str(PAGES / "163.html"))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"title", "date", "author", "content_html", "text", "rule"}
    assert data["rule"] == "163.com"
    assert data["title"] and "�" not in data["text"]  # decoded from GBK, not mojibake
    assert "<script" not in data["content_html"]


def test_extract_from_stdin_as_text_and_bad_input(newsmirror):
    page = (PAGES / "zaobao-sg.html").read_bytes()
    result = newsmirror("extract", "--format", "text", "--url",
                        "https://www.zaobao.com.sg/news/china/x", "-", stdin=page)
    text = result.stdout
    assert result.returncode == 0 and "<p>" not in text and "全国人民代表大会" in text
    empty = newsmirror("extract", "/dev/null")
    assert empty.returncode == 1 and "empty" in empty.stderr and "Traceback" not in empty.stderr


def test_test_rule_shows_the_rule_and_its_matches(newsmirror, http_server):
    result = newsmirror("test-rule", str(PAGES / "zaobao-hk.html"), "--url",
                        "https://www.zaobao.com/news/china/story20240315-1", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rule"] == report["used"] == "zaobao.com"
    content = [s for s in report["selectors"] if s["field"] == "content"]
    assert content and any(s["count"] >= 1 for s in content)
    assert report["content_html"] and report["title"]
    # A URL is fetched (here from the loopback server) and explained the same way.
    page = http_server.put("rule/page.html",
                           "<html><body><article><p>" + "Plain text. " * 40
                           + "</p></article></body></html>", "text/html; charset=utf-8")
    fetched = newsmirror("test-rule", page)
    assert fetched.returncode == 0, fetched.stderr
    assert "none (generic extractor)" in fetched.stdout and "Plain text." in fetched.stdout


def test_user_rule_overrides_a_builtin_one(newsmirror, make_site):
    site = make_site('[rules."zaobao.com"]\ncontent = ["h1"]\n')
    result = newsmirror("test-rule", str(PAGES / "zaobao-hk.html"), "--url",
                        "https://www.zaobao.com/news/china/story20240315-1", "--site",
                        str(site), "--json")
    report = json.loads(result.stdout)
    assert [s["selector"] for s in report["selectors"] if s["field"] == "content"] == ["h1"]
