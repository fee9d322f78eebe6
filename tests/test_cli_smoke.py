"""Each command once as a real process (`python -m newsmirror.cli`): the whole path from
the interpreter's start to its exit status. What the commands do is in test_cli.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from helpers import SEED
from newsmirror.cli import main

PAGES = Path(__file__).parent / "pages"


def newsmirror(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "newsmirror.cli", *args], input=stdin,
                            capture_output=True, timeout=120, check=False)
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode("utf-8"),
                                       result.stderr.decode("utf-8"))


def feed_site(make_site, tmp_path: Path, extra: str = "") -> Path:
    feed = tmp_path / "feed.xml"
    feed.write_bytes((SEED / "feed.xml").read_bytes())
    return make_site(f'[[sources]]\nname = "联合早报"\nurl = "{feed}"\n' + extra)


def test_every_command_has_a_smoke_test(capsys):
    smoked = {name.removeprefix("test_").replace("_", "-") for name in globals()
              if name.startswith("test_") and name != "test_every_command_has_a_smoke_test"}
    assert main(["--help"]) == 0
    # "  COMMAND" then one line per command, indented by four: "    run       fetch ..."
    help_text = capsys.readouterr().out
    commands = set(re.findall(r"^    ([a-z][a-z-]*)(?:\s|$)", help_text, re.MULTILINE))
    assert commands == smoked


def test_run(make_site, tmp_path):
    # One source fails: the exit status is 1, so main()'s code reaches the shell.
    site = feed_site(make_site, tmp_path, '\n[[sources]]\nname = "Gone"\nurl = "nowhere.xml"\n')
    result = newsmirror("run", "--site", str(site))
    assert result.returncode == 1, result.stderr
    assert "wrote 1 new and 0 updated posts from 2 sources; 1 failed" in result.stdout


def test_parse_feed():
    result = newsmirror("parse-feed", str(SEED / "feed.xml"))
    assert result.returncode == 0, result.stderr
    assert "2022-10-31T06:46:00Z" in result.stdout and "王毅与布林肯通话" in result.stdout


def test_init(tmp_path):
    site = tmp_path / "mirror"
    result = newsmirror("init", str(site))
    assert result.returncode == 0, result.stderr
    assert f"next: add sources to {site / 'newsmirror.toml'}" in result.stdout


def test_demo(tmp_path):
    site = tmp_path / "demo"
    result = newsmirror("demo", str(site))
    assert result.returncode == 0, result.stderr
    assert f"demo site ready in {site}" in result.stdout


def test_extract():  # from stdin: the real sys.stdin.buffer
    result = newsmirror("extract", "--format", "text", "--url",
                        "https://www.zaobao.com.sg/news/china/x", "-",
                        stdin=(PAGES / "zaobao-sg.html").read_bytes())
    assert result.returncode == 0, result.stderr
    assert "全国人民代表大会" in result.stdout


def test_test_rule():
    result = newsmirror("test-rule", str(PAGES / "zaobao-hk.html"), "--url",
                        "https://www.zaobao.com/news/china/story20240315-1")
    assert result.returncode == 0, result.stderr
    assert "rule:   zaobao.com; used: zaobao.com" in result.stdout


def test_reprocess(make_site, tmp_path):
    result = newsmirror("reprocess", "--site", str(feed_site(make_site, tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "re-extracted 0 stored pages; rewrote 0 posts" in result.stdout


def test_sources(make_site, tmp_path):
    result = newsmirror("sources", "--site", str(feed_site(make_site, tmp_path)))
    assert result.returncode == 0, result.stderr
    assert re.search(r"^联合早报 +never +0 +0 +now", result.stdout, re.MULTILINE)


def test_rename(make_site, tmp_path):
    site = feed_site(make_site, tmp_path)
    assert newsmirror("run", "--site", str(site)).returncode == 0
    result = newsmirror("rename", "联合早报", "Zaobao", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "'联合早报' is now 'Zaobao'" in result.stdout
    assert 'name = "Zaobao"' in (site / "newsmirror.toml").read_text(encoding="utf-8")


def test_reindex(make_site, tmp_path):
    site = feed_site(make_site, tmp_path)
    assert newsmirror("run", "--site", str(site)).returncode == 0
    result = newsmirror("reindex", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "reindexed 1 posts: 1 from the snapshot, 0 by their link" in result.stdout


def test_rebuild(make_site, tmp_path):
    site = feed_site(make_site, tmp_path)
    assert newsmirror("run", "--site", str(site)).returncode == 0
    result = newsmirror("rebuild", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "re-rendered 1 posts, 0 changed" in result.stdout


def test_search(make_site, tmp_path):
    site = feed_site(make_site, tmp_path)
    assert newsmirror("run", "--site", str(site)).returncode == 0
    result = newsmirror("search", "纽约", "--site", str(site))  # in the body, not the title
    assert result.returncode == 0, result.stderr
    assert "王毅与布林肯通话" in result.stdout and "**纽约**" in result.stdout


def test_prune(make_site, tmp_path):
    site = feed_site(make_site, tmp_path)  # the seed article is from 2022
    assert newsmirror("run", "--site", str(site)).returncode == 0
    result = newsmirror("prune", "--site", str(site), "--older-than", "365d")
    assert result.returncode == 0, result.stderr
    assert "pruned 1 posts dated before" in result.stdout
    assert list((site / "_posts").iterdir()) == []


def test_history(make_site, tmp_path):
    site = feed_site(make_site, tmp_path)
    assert newsmirror("run", "--site", str(site)).returncode == 0
    (post,) = (site / "_posts").iterdir()
    result = newsmirror("history", post.name, "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert f"_posts/{post.name}: 1 version\n" in result.stdout


def test_add(make_site, tmp_path):
    site = feed_site(make_site, tmp_path)
    result = newsmirror("add", "http://127.0.0.1:9/feed.xml", "--site", str(site))
    assert result.returncode == 1 and "127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_disable(make_site, tmp_path):
    site = feed_site(make_site, tmp_path)
    result = newsmirror("disable", "联合早报", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "enabled = false" in (site / "newsmirror.toml").read_text(encoding="utf-8")


def test_enable(make_site, tmp_path):
    site = feed_site(make_site, tmp_path, "enabled = false\n")
    result = newsmirror("enable", "联合早报", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "enabled = true" in (site / "newsmirror.toml").read_text(encoding="utf-8")


def test_remove(make_site, tmp_path):
    site = feed_site(make_site, tmp_path)
    result = newsmirror("remove", "联合早报", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "[[sources]]" not in (site / "newsmirror.toml").read_text(encoding="utf-8")


def test_export_opml(make_site, tmp_path):
    site = make_site('[[sources]]\nname = "A"\nurl = "https://a.example/feed.xml"\n')
    result = newsmirror("export-opml", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert 'xmlUrl="https://a.example/feed.xml"' in result.stdout


def test_import_opml(make_site, tmp_path):
    site = make_site("")
    opml = tmp_path / "in.opml"
    opml.write_text('<opml version="2.0"><body><outline text="A" type="rss" '
                    'xmlUrl="https://a.example/feed.xml"/></body></opml>', encoding="utf-8")
    result = newsmirror("import-opml", str(opml), "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "1 added, 0 skipped" in result.stdout


def test_publish(make_site, tmp_path):
    # the store a publisher and its workers share; an SQLite file serves workers on one
    # machine (PostgreSQL for many: tests/test_workers.py)
    site, state = feed_site(make_site, tmp_path), str(tmp_path / "shared.sqlite")
    result = newsmirror("publish", "--site", str(site), "--state", state)
    assert result.returncode == 0, result.stderr
    assert "wrote 0 new and 0 updated posts and 0 images; queue: 1 sources added" in result.stdout
    assert newsmirror("worker", "--state", state, "--until-idle").returncode == 0
    result = newsmirror("publish", "--site", str(site), "--state", state)
    assert result.returncode == 0, result.stderr
    assert "wrote 1 new and 0 updated posts" in result.stdout
    (post,) = (site / "_posts").iterdir()  # byte for byte the post a run writes
    assert post.read_bytes() == (SEED / "expected.md").read_bytes()


def test_worker(make_site, tmp_path):
    site, state = feed_site(make_site, tmp_path), str(tmp_path / "shared.sqlite")
    result = newsmirror("worker", "--state", state, "--until-idle")
    assert result.returncode == 2  # nothing to work on before a publisher gave the config
    assert "run `newsmirror publish --site DIR --state URL` once first" in result.stderr
    assert newsmirror("publish", "--site", str(site), "--state", state).returncode == 0
    result = newsmirror("worker", "--state", state, "--until-idle")
    assert result.returncode == 0, result.stderr
    assert "polled 1 sources: 1 new and 0 updated posts stored for the publisher" in result.stdout
    assert not (site / "_posts").exists() or not any((site / "_posts").iterdir())
