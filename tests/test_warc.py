"""`[site] warc = true`: fetched article pages appended as WARC records to
archive/YYYY-MM.warc.gz, read back with warcio against what the loopback server sent."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from httpfixtures import FEED, LoopbackServer
from newsmirror.archive import WarcArchive, warc_name
from newsmirror.config import load_config
from newsmirror.fetch import Fetcher, FetchSettings, Response
from newsmirror.pipeline import RunOptions, run


def page(n: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Page {n}</title></head>"
            f"<body><article><h1>Page {n}</h1>"
            + f"<p>港口第{n}篇报道：码头工人今天完成了新的吊机安装工程，全体员工表示满意。</p>" * 8
            + "</article></body></html>")


def rss(*numbers: str, base: str) -> str:
    items = "".join(
        f"<item><title>Page {n}</title><link>{base}/doc/warc/{n}.html</link><guid>p{n}</guid>"
        f"<description>teaser</description><pubDate>Mon, 31 Oct 2022 06:46:00 GMT</pubDate>"
        "</item>" for n in numbers)
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>{base}/</link>{items}</channel></rss>")


def read_records(path: Path) -> list[dict]:
    records = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            records.append({
                "type": record.rec_type,
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "date": record.rec_headers.get_header("WARC-Date"),
                "digest": record.rec_headers.get_header("WARC-Payload-Digest"),
                "status": record.http_headers.get_statuscode() if record.http_headers else None,
                "headers": dict(record.http_headers.headers) if record.http_headers else {},
                "body": record.content_stream().read(),
            })
    return records


def warc_site(http_server: LoopbackServer, tmp_path: Path) -> Path:
    for n in ("1", "2", "3"):
        http_server.put(f"warc/{n}.html", page(n), "text/html; charset=utf-8")
    http_server.put("warc/feed.xml", rss("1", "2", base=http_server.base))
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsmirror.toml").write_text(
        f'[site]\nwarc = true\n\n[[sources]]\nname = "Port"\n'
        f'url = "{http_server.url("/doc/warc/feed.xml")}"\nfull_text = "always"\n',
        encoding="utf-8")
    return site


def test_fetched_pages_are_recorded_and_read_back_with_warcio(http_server, tmp_path):
    site = warc_site(http_server, tmp_path)
    summary = run(load_config(site), RunOptions())
    assert summary.exit_code == 0 and len(summary.written) == 2
    path = site / "archive" / warc_name(datetime.now(UTC))
    records = read_records(path)
    assert [r["type"] for r in records] == ["warcinfo", "response", "request", "response",
                                            "request"]
    responses = {r["uri"]: r for r in records if r["type"] == "response"}
    for n in ("1", "2"):
        got = responses[http_server.url(f"/doc/warc/{n}.html")]
        assert got["status"] == "200"
        assert got["body"] == page(n).encode("utf-8")  # the bytes the server sent
        assert got["headers"]["Content-Type"] == "text/html; charset=utf-8"
        assert got["headers"]["Content-Length"] == str(len(page(n).encode("utf-8")))
        assert got["digest"].startswith("sha1:") and got["date"].startswith(
            f"{datetime.now(UTC):%Y-%m}")
    requests = [r for r in records if r["type"] == "request"]
    assert {r["uri"] for r in requests} == set(responses)
    assert all(r["headers"]["Host"] == f"127.0.0.1:{http_server.port}" for r in requests)

    # a second run appends what it fetched; the first run's records stay as they were
    http_server.put("warc/feed.xml", rss("1", "2", "3", base=http_server.base))
    before = path.read_bytes()
    summary = run(load_config(site), RunOptions(force=True))
    assert summary.exit_code == 0 and len(summary.written) == 1
    after = path.read_bytes()
    assert after.startswith(before)
    records = read_records(path)
    assert [r["uri"] for r in records if r["type"] == "response"][-1] == http_server.url(
        "/doc/warc/3.html")
    assert len(records) == 7


def test_a_dry_run_or_a_site_without_warc_records_nothing(http_server, tmp_path):
    site = warc_site(http_server, tmp_path)
    run(load_config(site), RunOptions(dry_run=True))
    assert not (site / "archive").exists()
    config = site / "newsmirror.toml"
    config.write_text(config.read_text().replace("warc = true", "warc = false"))
    assert run(load_config(site), RunOptions()).exit_code == 0
    assert not (site / "archive").exists()


def fetched(url: str) -> Response:
    async def go() -> Response:
        async with Fetcher(FetchSettings(retries=0)) as fetcher:
            return await fetcher.get(url, trusted=url)
    return asyncio.run(go())


def test_a_compressed_response_is_recorded_decoded_without_its_encoding(http_server, tmp_path):
    response = fetched(http_server.url("/gzip.xml"))
    assert response.body == FEED
    path = WarcArchive(tmp_path / "archive").record(response)
    (got,) = [r for r in read_records(path) if r["type"] == "response"]
    assert got["body"] == FEED
    assert "Content-Encoding" not in got["headers"]
    assert got["headers"]["Content-Length"] == str(len(FEED))


def test_two_months_give_two_files(http_server, tmp_path):
    archive = WarcArchive(tmp_path / "archive")
    response = fetched(http_server.url("/page.html"))
    november = archive.record(response, when=datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    december = archive.record(response, when=datetime(2026, 12, 1, 0, 1, tzinfo=UTC))
    assert (november.name, december.name) == ("2026-11.warc.gz", "2026-12.warc.gz")
    for path, date in ((november, "2026-11-30T23:59"), (december, "2026-12-01T00:01")):
        records = read_records(path)
        assert [r["type"] for r in records] == ["warcinfo", "response", "request"]
        assert records[1]["date"].startswith(date)
        assert records[1]["body"] == response.body


def test_a_torn_tail_is_cut_before_the_next_append(http_server, tmp_path):
    # What a kill in the middle of an append leaves: part of a gzip member at the end.
    # The next record goes where the torn one began, so every record before it and the
    # new one read back, and nothing follows garbage.
    when = datetime(2026, 12, 7, tzinfo=UTC)
    first, torn, third = (fetched(http_server.url(p)) for p in ("/page.html", "/image.png",
                                                                    "/feed.xml"))
    folder = tmp_path / "archive"
    path = WarcArchive(folder).record(first, when=when)
    whole = path.stat().st_size
    # the records of one response, as an append writes them (no warcinfo before them)
    scratch = WarcArchive(tmp_path / "scratch")
    start = scratch.record(first, when=when).stat().st_size
    member = scratch.record(torn, when=when).read_bytes()[start:]
    with path.open("ab") as file:
        file.write(member[: len(member) // 2])
    for sidecar in (True, False):  # with the known length, and checked from the start
        if not sidecar:
            (folder / ".warc-lengths.json").unlink()
            with path.open("r+b") as file:  # torn again after the repaired append
                file.seek(0, 2)
                file.write(member[: len(member) // 3])
        WarcArchive(folder).record(third, when=when)
        records = read_records(path)
        bodies = [r["body"] for r in records if r["type"] == "response"]
        assert bodies[0] == first.body and bodies[-1] == third.body
        assert torn.body not in bodies
    assert len([r for r in read_records(path) if r["type"] == "response"]) == 3
    assert path.stat().st_size > whole
    lengths = json.loads((folder / ".warc-lengths.json").read_text())
    assert lengths == {path.name: path.stat().st_size}


def test_kept_images_are_recorded_as_served(http_server, tmp_path):
    """With images = "local", each image download is a response record too, with the
    bytes the server sent (a non-image the mirror refused is what it saw, so it is kept)."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    img = http_server.put("warcimg/a.png", png, "image/png")
    bad = http_server.put("warcimg/b.png", "<html>not an image</html>", "text/html")
    body = f'<p>{"港口报道。" * 60}</p><p><img src="{img}" alt="a"><img src="{bad}" alt="b"></p>'
    http_server.put("warcimg/feed.xml",
                    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                    f"<link>{http_server.base}/</link><item><title>Images</title>"
                    f"<link>{http_server.base}/doc/warcimg/1.html</link><guid>i1</guid>"
                    f"<description><![CDATA[{body}]]></description></item></channel></rss>")
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsmirror.toml").write_text(
        f'[site]\nwarc = true\nimages = "local"\n\n[[sources]]\nname = "Port"\n'
        f'url = "{http_server.url("/doc/warcimg/feed.xml")}"\nfull_text = "never"\n',
        encoding="utf-8")
    summary = run(load_config(site), RunOptions())
    assert summary.exit_code == 0 and len(summary.written) == 1
    records = read_records(site / "archive" / warc_name(datetime.now(UTC)))
    responses = {r["uri"]: r for r in records if r["type"] == "response"}
    assert responses[img]["body"] == png
    assert responses[img]["headers"]["Content-Type"] == "image/png"
    assert responses[bad]["body"] == b"<html>not an image</html>"
    assert {r["uri"] for r in records if r["type"] == "request"} == {img, bad}
