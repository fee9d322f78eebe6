"""The publisher and the workers on a real PostgreSQL store: what the site gets, and what
it never gets twice. (Many workers at once, one of them killed: test_workers.py.)"""

from __future__ import annotations

import asyncio
from pathlib import Path

from helpers import SEED
from newsmirror.config import load_config
from newsmirror.pipeline import WorkerOptions, publish, run, work
from newsmirror.store import Store


def seed_site(make_site, tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    feed = tmp_path / "feed.xml"
    feed.write_bytes((SEED / "feed.xml").read_bytes())
    site = make_site(f'[[sources]]\nname = "联合早报"\nurl = "{feed}"\n' + extra)
    return site, feed


def work_until_idle(url: str, lanes: int = 2) -> dict:
    options = WorkerOptions(until_idle=True, claim_timeout=5, lanes=lanes)
    return asyncio.run(work(url, options)).to_dict()


def due_now(url: str) -> None:
    with Store(url) as store:
        store.db.execute("UPDATE source_queue SET due_at = 0")


def test_the_published_post_is_the_golden_one_and_nothing_is_written_twice(
    make_site, tmp_path, pg_url
):
    site, _ = seed_site(make_site, tmp_path)
    assert publish(load_config(site), pg_url).queued == 1
    assert work_until_idle(pg_url)["new_posts"] == 1
    assert not (site / "_posts").exists()  # the workers never write the site
    report = publish(load_config(site), pg_url)
    assert report.to_dict()["new_posts"] == 1
    (post,) = (site / "_posts").iterdir()
    assert post.read_bytes() == (SEED / "expected.md").read_bytes()
    assert (site / ".newsmirror/items.jsonl").exists()  # the snapshot, as after a run
    assert publish(load_config(site), pg_url).to_dict()["new_posts"] == 0
    due_now(pg_url)
    again = work_until_idle(pg_url)
    assert (again["new_posts"], again["updated_posts"]) == (0, 0)


def test_an_edited_article_is_published_again_in_place_with_its_earlier_version(
    make_site, tmp_path, pg_url
):
    site, feed = seed_site(make_site, tmp_path)
    publish(load_config(site), pg_url)
    work_until_idle(pg_url)
    publish(load_config(site), pg_url)
    (post,) = (site / "_posts").iterdir()
    feed.write_text(feed.read_text(encoding="utf-8").replace("纽约", "纽约市"), encoding="utf-8")
    due_now(pg_url)
    assert work_until_idle(pg_url)["updated_posts"] == 1
    report = publish(load_config(site), pg_url).to_dict()
    assert (report["new_posts"], report["updated_posts"]) == (0, 1)
    assert [p.name for p in (site / "_posts").iterdir()] == [post.name]
    assert "纽约市" in post.read_text(encoding="utf-8")
    with Store(pg_url) as store:
        ((source, key, _),) = store.written_posts()
        assert len(store.versions(source, key)) == 1


def test_a_site_that_ran_on_its_own_store_moves_without_posting_twice(
    make_site, tmp_path, pg_url
):
    site, _ = seed_site(make_site, tmp_path)
    run(load_config(site))  # SQLite, as before; its snapshot is beside the posts
    (post,) = (site / "_posts").iterdir()
    before = post.read_bytes()
    publish(load_config(site), pg_url)
    assert work_until_idle(pg_url)["new_posts"] == 0
    assert publish(load_config(site), pg_url).to_dict()["new_posts"] == 0
    assert [p.read_bytes() for p in (site / "_posts").iterdir()] == [before]


def test_the_queue_follows_the_enabled_sources(make_site, tmp_path, pg_url):
    feed = tmp_path / "feed.xml"
    feed.write_bytes((SEED / "feed.xml").read_bytes())
    two = "".join(f'[[sources]]\nname = "S{n}"\nurl = "{feed}"\n' for n in (1, 2))
    site = make_site(two)
    report = publish(load_config(site), pg_url)
    assert (report.queued, report.unqueued) == (2, 0)
    (site / "newsmirror.toml").write_text(two + "enabled = false\n", encoding="utf-8")
    report = publish(load_config(site), pg_url)
    assert (report.queued, report.unqueued) == (0, 1)
    with Store(pg_url) as store:
        queued = [row[0] for row in store.db.execute("SELECT source FROM source_queue")]
    assert queued == ["S1"]


def test_a_running_worker_polls_with_the_config_the_publisher_gave_last(
    make_site, tmp_path, pg_url
):
    site, feed = seed_site(make_site, tmp_path)
    publish(load_config(site), pg_url)

    def posted() -> set[str]:  # the sources with a post stored (published or not)
        with Store(pg_url) as store:
            return {item.source for item in store.all_items()}

    async def scenario() -> None:
        worker = asyncio.ensure_future(work(pg_url, WorkerOptions(claim_timeout=5, lanes=1)))
        try:
            while posted() != {"联合早报"}:
                await asyncio.sleep(0.05)
            config = (site / "newsmirror.toml").read_text(encoding="utf-8")
            config += f'[[sources]]\nname = "Later"\nurl = "{feed}"\n'
            (site / "newsmirror.toml").write_text(config, encoding="utf-8")
            await asyncio.to_thread(publish, load_config(site), pg_url)  # queues "Later"
            while posted() != {"联合早报", "Later"}:  # polled by the worker already running
                await asyncio.sleep(0.05)
        finally:
            worker.cancel()

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_images_a_worker_keeps_are_published_before_their_posts_and_fetched_once(
    make_site, http_server, pg_url
):
    png = bytes.fromhex(  # a 1x1 PNG
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
    image = http_server.put("workers/pic.png", png, "image/png")
    body = f'<p>Text of the story.</p><figure><img src="{image}" alt="A picture"></figure>'
    def feed(n: int) -> str:  # one story each, showing the same picture
        item = (
            f"<item><title>Story {n}</title><link>https://news.example/{n}</link>"
            f"<guid>g{n}</guid><pubDate>Mon, 31 Oct 2022 0{n}:46:00 GMT</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>"
        )
        text = f"<rss version='2.0'><channel><title>t</title>{item}</channel></rss>"
        return http_server.put(f"workers/feed{n}.xml", text)

    site = make_site(
        '[site]\nimages = "local"\n'
        + "".join(
            f'[[sources]]\nname = "S{n}"\nurl = "{feed(n)}"\nfull_text = "never"\n'
            for n in (1, 2)
        )
    )
    publish(load_config(site), pg_url)
    assert work_until_idle(pg_url, lanes=1)["new_posts"] == 2  # one source after the other
    report = publish(load_config(site), pg_url)
    assert (report.images, report.to_dict()["new_posts"]) == (1, 2)
    (kept,) = [p for p in (site / "assets/images").rglob("*") if p.is_file()]
    assert kept.read_bytes() == png
    local = "/" + kept.relative_to(site).as_posix()
    for post in (site / "_posts").iterdir():
        assert f'src="{local}"' in post.read_text(encoding="utf-8")
    # the second source found it kept by the first (no file in the worker's view)
    assert http_server.hits("/doc/workers/pic.png") == 1
