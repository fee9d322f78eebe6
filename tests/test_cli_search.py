"""`newsmirror search`: posts found by words of their title or text, from the store's FTS5
trigram index, against feeds served on 127.0.0.1 and written by real runs."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from httpfixtures import LoopbackServer
from newsmirror.cli import main
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def rss(*items: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>t</title><link>https://news.example/</link>"
            + "".join(items) + "</channel></rss>")


def item(n: str, title: str, body: str, date: str = "Mon, 31 Oct 2022 06:46:00 GMT") -> str:
    return (f"<item><title>{title}</title><link>https://news.example/a/{n}</link>"
            f"<guid>n{n}</guid><description><![CDATA[{body}]]></description>"
            f"<pubDate>{date}</pubDate></item>")


# Words that occur only in article bodies, never in a title.
SMOG = ("<p>北京今日空气质量明显改善，市民纷纷外出。气象部门表示，近期的雾霾天气已经结束，"
        "人工智能预报系统准确预测了这次变化。</p>")
ECONOMY = ("<p>新加坡金融管理局今天公布最新数据，显示本季度经济增长放缓。分析人士认为，"
           "全球需求疲软是主要原因。</p>")
HARBOUR = ("<p>The old lighthouse keeper retired on Friday after forty years of service. "
           "The harbour master praised his dedication to the ships.</p>")
LIGHTHOUSE_TITLE = ("<p>Engineers inspected the tower and its lamp this week; the port "
                    "authority will publish a report on its future.</p>")


def make_site(tmp_path: Path, feeds: dict[str, str]) -> Path:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    text = "".join(f'[[sources]]\nname = "{name}"\nurl = "{url}"\nfull_text = "never"\n\n'
                   for name, url in feeds.items())
    (site / "newsmirror.toml").write_text(text, encoding="utf-8")
    return site


def go(site: Path) -> None:
    summary = run(load_config(site), RunOptions(now=T0))
    assert summary.exit_code == 0


def search(capsys, site: Path, *args: str) -> list[dict]:
    assert main(["search", *args, "--site", str(site), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def two_source_site(http_server: LoopbackServer, tmp_path: Path, name: str) -> Path:
    zaobao = http_server.put(f"{name}/zaobao.xml", rss(
        item("1", "北京天气转晴", SMOG, "Tue, 01 Nov 2022 06:00:00 GMT"),
        item("2", "新加坡经济数据", ECONOMY, "Mon, 03 Oct 2022 06:00:00 GMT"),
    ))
    harbour = http_server.put(f"{name}/harbour.xml", rss(
        item("3", "Harbour farewell", HARBOUR, "Wed, 02 Nov 2022 06:00:00 GMT"),
        item("4", "Lighthouse inspection", LIGHTHOUSE_TITLE, "Thu, 03 Nov 2022 06:00:00 GMT"),
    ))
    site = make_site(tmp_path, {"联合早报": zaobao, "Harbour Daily": harbour})
    go(site)
    return site


def test_a_chinese_word_only_in_an_article_body_is_found(http_server, tmp_path, capsys):
    site = two_source_site(http_server, tmp_path, "zh")
    hits = search(capsys, site, "人工智能")
    assert [h["title"] for h in hits] == ["北京天气转晴"]
    assert hits[0]["source"] == "联合早报"
    assert hits[0]["post"].startswith("_posts/2022-11-01-")
    assert (site / hits[0]["post"]).exists()
    assert "**人工智能**预报系统" in hits[0]["snippet"]


def test_a_two_character_chinese_word_is_found(http_server, tmp_path, capsys):
    # 雾霾 is shorter than a trigram: matched by scanning, not missed
    site = two_source_site(http_server, tmp_path, "zh2")
    hits = search(capsys, site, "雾霾")
    assert [h["title"] for h in hits] == ["北京天气转晴"]
    assert "**雾霾**天气" in hits[0]["snippet"]
    # a two-character word together with a longer one: both must occur
    assert [h["title"] for h in search(capsys, site, "雾霾 新加坡")] == []
    assert [h["title"] for h in search(capsys, site, "经济 新加坡")] == ["新加坡经济数据"]


def test_english_words_ignore_case_and_must_all_occur(http_server, tmp_path, capsys):
    site = two_source_site(http_server, tmp_path, "en")
    hits = search(capsys, site, "LIGHTHOUSE keeper")
    assert [h["title"] for h in hits] == ["Harbour farewell"]
    assert "**lighthouse** **keeper**" in hits[0]["snippet"]
    assert search(capsys, site, "lighthouse nowhere-at-all") == []
    assert search(capsys, site, "%") == [] and search(capsys, site, "_") == []  # literal


def test_a_title_match_ranks_first(http_server, tmp_path, capsys):
    # "lighthouse" is in one post's title and in the other's text: bm25 with the title
    # weighted puts the title first, although the other post is not older
    site = two_source_site(http_server, tmp_path, "rank")
    hits = search(capsys, site, "lighthouse")
    assert [h["title"] for h in hits] == ["Lighthouse inspection", "Harbour farewell"]


def test_source_and_since_filters(http_server, tmp_path, capsys):
    site = two_source_site(http_server, tmp_path, "filters")
    # 今 occurs in both Chinese posts and nowhere else
    assert {h["title"] for h in search(capsys, site, "今")} == {"北京天气转晴", "新加坡经济数据"}
    assert [h["title"] for h in search(capsys, site, "今", "--since", "2022-10-15")] == [
        "北京天气转晴"]
    assert [h["title"] for h in search(capsys, site, "the", "--source", "Harbour Daily",
                                       "--since", "2022-11-03")] == ["Lighthouse inspection"]
    assert search(capsys, site, "人工智能", "--source", "Harbour Daily") == []


def test_an_edited_article_is_found_by_its_new_text_not_its_old(http_server, tmp_path, capsys):
    url = http_server.put("edit/feed.xml", rss(item("1", "北京天气转晴", SMOG)))
    site = make_site(tmp_path, {"联合早报": url})
    go(site)
    assert len(search(capsys, site, "人工智能")) == 1
    http_server.put("edit/feed.xml", rss(item("1", "北京天气转晴", SMOG.replace(
        "人工智能预报系统", "数值天气预报模型"))))
    go(site)
    assert search(capsys, site, "人工智能") == []
    hits = search(capsys, site, "数值天气")
    assert [h["title"] for h in hits] == ["北京天气转晴"]
    assert len(list((site / "_posts").iterdir())) == 1


def test_runs_only_mark_articles_and_the_first_search_indexes_them(http_server, tmp_path,
                                                                   capsys):
    site = two_source_site(http_server, tmp_path, "lazy")
    state = site / ".newsmirror/state.sqlite"
    with sqlite3.connect(state) as db:  # a store nobody searched holds no index
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'search_text'"
                          ).fetchone() is None
    assert [h["title"] for h in search(capsys, site, "人工智能")] == ["北京天气转晴"]
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT count(*) FROM search_text").fetchone() == (4,)


def test_a_store_made_before_the_index_fills_it_on_first_search(http_server, tmp_path, capsys):
    site = two_source_site(http_server, tmp_path, "old")
    assert search(capsys, site, "keeper")
    with sqlite3.connect(site / ".newsmirror/state.sqlite") as db:  # as an older store was
        db.execute("DROP TABLE search_text")
        db.execute("DROP TABLE search_docs")
        db.execute("DELETE FROM meta WHERE key LIKE 'search_%'")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    assert [h["title"] for h in search(capsys, site, "人工智能")] == ["北京天气转晴"]


def test_text_output_and_usage_errors(http_server, tmp_path, capsys):
    site = two_source_site(http_server, tmp_path, "text")
    assert main(["search", "keeper", "--site", str(site)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("2022-11-02  Harbour Daily  Harbour farewell  _posts/")
    assert "**keeper**" in lines[1]
    assert main(["search", "keeper", "--site", str(site), "--since", "someday"]) == 2
    assert "--since 'someday': not a date" in capsys.readouterr().err
    assert main(["search", "keeper", "--site", str(site), "--source", "Nope"]) == 2
    assert "no source named 'Nope'" in capsys.readouterr().err
