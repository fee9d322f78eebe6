"""The command line as a user meets it: exit codes, JSON, clear errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SEED

from newsmirror.cli import main


def newsmirror(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsmirror.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_parse_feed_json_on_the_seed(capsys):
    assert main(["parse-feed", "--json", str(SEED / "feed.xml")]) == 0
    (item,) = json.loads(capsys.readouterr().out)
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
def test_parse_feed_bad_input_is_one_clear_line(tmp_path, content, words):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    result = newsmirror("parse-feed", "--json", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr and words.lower() in result.stderr.lower()
    assert result.stdout == ""


def test_parse_feed_missing_file():
    result = newsmirror("parse-feed", "/nonexistent/feed.xml")
    assert result.returncode == 1 and "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_exit_codes_and_json(make_site, tmp_path):
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


def test_configuration_error_exits_2(make_site):
    site = make_site('[[sources]]\nname = "a"\nurl = "x"\nbogus = 1\n')
    result = newsmirror("run", "--site", str(site))
    assert result.returncode == 2
    assert "bogus" in result.stderr and "Traceback" not in result.stderr
    missing = newsmirror("run", "--site", str(site / "nowhere"))
    assert missing.returncode == 2 and "newsmirror init" in missing.stderr


def test_unknown_source_name_is_a_configuration_error(make_site):
    site = make_site('[[sources]]\nname = "a"\nurl = "x.xml"\n')
    result = newsmirror("run", "--site", str(site), "--source", "b")
    assert result.returncode == 2 and "no source named 'b'" in result.stderr


def test_sources_table(make_site, tmp_path):
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
