"""Images kept locally (issue 12, requirement 1), against a real server on 127.0.0.1.

Each image of a new post, with ``images = "local"``, is downloaded by the run's fetcher,
stored once by content hash under ``assets/images/``, and the post points at the copy
(``src``, ``srcset``), keeping the original URL in ``data-original-src``. Responses that
are not a raster image (HTML, SVG with script) or too large keep the remote URL for
good; a failed download keeps it until a later run gets the image (a bounded number of
attempts); hotlink-protected hosts get their Referer; ``image_max_width`` scales down.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from helpers import CHROMIUM, CHROMIUM_ARGS, need_browser, need_tool
from httpfixtures import FakeResolver, LoopbackServer
from newsmirror.config import load_config
from newsmirror.fetch import Fetcher
from newsmirror.pipeline import RunOptions, _images, _run, reprocess, run
from newsmirror.publish import commit_changes
from newsmirror.site import write_demo, write_scaffold
from newsmirror.util.imagefile import image_type


def picture(width: int, height: int, kind: str = "PNG", color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, kind)
    return out.getvalue()


PNG = picture(40, 30)
JPEG = picture(50, 20, "JPEG", "blue")
GIF = picture(10, 10, "GIF", "green")
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
       b'<rect width="10" height="10"/></svg>')


def rss(items: list[tuple[str, str]]) -> str:
    """An RSS feed of (title, body HTML) items, dated in the past."""
    entries = "".join(
        f"<item><title>{title}</title><link>https://news.example/{n}</link>"
        f"<guid>g{n}</guid><pubDate>Mon, 31 Oct 2022 0{n}:46:00 GMT</pubDate>"
        f"<description><![CDATA[{body}]]></description></item>"
        for n, (title, body) in enumerate(items)
    )
    return f"<rss version='2.0'><channel><title>t</title>{entries}</channel></rss>"


@pytest.fixture
def server(http_server: LoopbackServer, request) -> tuple[LoopbackServer, str]:
    """The shared loopback server and a path prefix of this test's own."""
    return http_server, request.node.name.replace("[", "-").replace("]", "")


def site_with(make_site, feed_url: str, extra: str = "", site: str = "") -> Path:
    folder = make_site(
        f'[site]\nimages = "local"\n{site}\n'
        f'[[sources]]\nname = "News"\nurl = "{feed_url}"\nfull_text = "never"\n{extra}'
    )
    return folder


def posts(site: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((site / "_posts").glob("*.md"))}


def kept(site: Path) -> list[Path]:
    folder = site / "assets" / "images"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def local_url(data: bytes, ext: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"/assets/images/{digest[:2]}/{digest}.{ext}"


def test_images_are_kept_once_by_content_and_posts_point_at_them(make_site, server):
    srv, key = server
    png = srv.put(f"{key}/a.jpg", PNG, "image/jpeg")  # a PNG behind a .jpg URL and type
    same = srv.put(f"{key}/copy-of-a", PNG, "image/png")  # the same bytes at another URL
    jpeg = srv.put(f"{key}/b", JPEG, "image/jpeg") + "?w=100&h=50"  # & escaped in HTML
    gif = srv.put(f"{key}/c.gif", GIF, "image/gif")
    first = (f'<p>One</p><figure><img src="{png}" alt="A" srcset="{png} 1x, {jpeg.replace("&", "&amp;")} 2x">'
             f"<figcaption>cap</figcaption></figure>")
    second = (f'<p>Two</p><picture><source srcset="{gif}" type="image/gif">'
              f'<img src="{same}" alt="B"></picture><p><img src="{png}"></p>')
    feed = srv.put(f"{key}/feed.xml", rss([("First", first), ("Second", second)]))
    site = site_with(make_site, feed)

    assert run(load_config(site), RunOptions()).ok
    files = kept(site)
    # three distinct images (PNG twice by content, once by URL twice): three files
    assert [f.name for f in files] == sorted(
        Path(local_url(d, e)).name for d, e in ((PNG, "png"), (JPEG, "jpg"), (GIF, "gif")))
    for f in files:
        assert f.suffix[1:] == image_type(f.read_bytes())  # from the bytes, not the URL
    assert srv.hits(f"/doc/{key}/a.jpg") == 1  # in two posts, fetched once
    one, two = posts(site).values()
    p, j, g = local_url(PNG, "png"), local_url(JPEG, "jpg"), local_url(GIF, "gif")
    assert f'<img src="{p}" alt="A" srcset="{p} 1x, {j} 2x"' in one
    assert f'data-original-src="{png}"' in one
    assert f'<source srcset="{g}" type="image/gif">' in two
    assert f'<img src="{p}" alt="B" referrerpolicy="no-referrer" data-original-src="{same}">' in two
    assert "127.0.0.1" not in re.sub(r'data-original-src="[^"]*"', "", one + two).split("---", 2)[2]

    # a rerun downloads nothing and changes nothing
    before = posts(site)
    assert run(load_config(site), RunOptions()).ok
    assert posts(site) == before and srv.hits(f"/doc/{key}/a.jpg") == 1


def test_refused_responses_keep_the_remote_url_for_good(make_site, server):
    srv, key = server
    big = srv.put(f"{key}/big.png", b"\x89PNG\r\n\x1a\n" + bytes(6 * 1024 * 1024), "image/png")
    html = srv.put(f"{key}/page.jpg", b"<!doctype html><title>Not found</title>", "image/jpeg")
    svg = srv.put(f"{key}/evil.svg", SVG, "image/svg+xml")
    good = srv.put(f"{key}/ok.png", PNG, "image/png")
    body = "".join(f'<p><img src="{u}" alt="x"></p>' for u in (big, html, svg, good))
    feed = srv.put(f"{key}/feed.xml", rss([("Mixed", body)]))
    site = site_with(make_site, feed)

    summary = run(load_config(site), RunOptions())
    assert summary.ok
    warnings = " ".join(summary.reports[0].warnings)
    assert "larger than 5 MiB" in warnings and "not a raster image (image/jpeg)" in warnings
    assert "not a raster image (image/svg+xml)" in warnings
    (post,) = posts(site).values()
    for url in (big, html, svg):
        assert f'<img src="{url}" alt="x"' in post  # remote, as it was
    assert f'<img src="{local_url(PNG, "png")}"' in post
    assert [f.suffix for f in kept(site)] == [".png"]  # no SVG, no HTML file kept
    assert b"<script" not in b"".join(f.read_bytes() for f in kept(site))
    # never asked again: a later run would get the same
    hits = [srv.hits(f"/doc/{key}/{n}") for n in ("big.png", "page.jpg", "evil.svg")]
    srv.put(f"{key}/feed.xml", rss([("Mixed", body), ("Other", "<p>new item</p>")]))
    assert run(load_config(site), RunOptions()).ok
    assert [srv.hits(f"/doc/{key}/{n}") for n in ("big.png", "page.jpg", "evil.svg")] == hits


def test_a_failed_download_is_retried_on_later_runs_a_bounded_number_of_times(
    make_site, server
):
    srv, key = server
    late = srv.url(f"/doc/{key}/late.png")  # 404 until put
    never = srv.url(f"/doc/{key}/never.png")  # 404 for good
    feed = srv.put(f"{key}/feed.xml", rss([
        ("Late", f'<p>Late</p><img src="{late}" alt="l">'),
        ("Never", f'<p>Never</p><img src="{never}" alt="n">')]))
    site = site_with(make_site, feed)

    summary = run(load_config(site), RunOptions())
    assert summary.ok and "HTTP 404" in " ".join(summary.reports[0].warnings)
    assert all(f'src="{u}"' in t for u, t in zip((late, never), posts(site).values(), strict=True))
    assert kept(site) == []
    run(load_config(site), RunOptions())  # second failure of both
    srv.put(f"{key}/late.png", PNG, "image/png")
    summary = run(load_config(site), RunOptions())  # third attempt: kept, post rewritten
    assert summary.ok and summary.reports[0].updated_posts == 1
    late_post, never_post = posts(site).values()
    assert f'<img src="{local_url(PNG, "png")}" alt="l"' in late_post
    assert f'data-original-src="{late}"' in late_post
    assert f'src="{never}"' in never_post
    for _ in range(2):  # attempts exhausted: not asked again
        run(load_config(site), RunOptions())
    assert srv.hits(f"/doc/{key}/never.png") == _images.MAX_ATTEMPTS
    assert srv.hits(f"/doc/{key}/late.png") == 3


def test_referer_from_the_source_or_the_table_of_hotlink_protected_hosts(
    make_site, server, monkeypatch
):
    srv, key = server
    own = srv.put(f"{key}/own.png", PNG, "image/png")
    port = srv.port
    cdn = f"http://wx1.sinaimg.cn:{port}/doc/{key}/cdn.jpg"
    srv.put(f"{key}/cdn.jpg", JPEG, "image/jpeg")
    feed = srv.put(f"{key}/feed.xml", rss([
        ("Weibo", f'<p>x</p><img src="{cdn}"><img src="{own}">')]))
    site = site_with(make_site, feed, 'headers = { Referer = "https://news.example/" }',
                     site="allow_private_networks = true")

    class Resolving(Fetcher):  # made-up CDN name -> this server (real HTTP, real aiohttp)
        def __init__(self, settings=None, **_):
            super().__init__(settings, resolver=FakeResolver({"wx1.sinaimg.cn": ["127.0.0.1"],
                                                             "127.0.0.1": ["127.0.0.1"]}))

    monkeypatch.setattr(_run, "Fetcher", Resolving)
    assert run(load_config(site), RunOptions()).ok
    assert srv.last_headers[f"/doc/{key}/cdn.jpg"]["Referer"] == "https://weibo.com/"
    assert srv.last_headers[f"/doc/{key}/own.png"]["Referer"] == "https://news.example/"
    assert len(kept(site)) == 2


def test_the_page_origin_is_the_default_referer(make_site, server):
    srv, key = server
    img = srv.put(f"{key}/i.png", PNG, "image/png")
    feed = srv.put(f"{key}/feed.xml", rss([("A", f'<p>x</p><img src="{img}">')]))
    assert run(load_config(site_with(make_site, feed)), RunOptions()).ok
    assert srv.last_headers[f"/doc/{key}/i.png"]["Referer"] == "https://news.example/"


def test_the_source_choice_wins_and_dry_runs_download_nothing(make_site, server):
    srv, key = server
    img = srv.put(f"{key}/i.png", PNG, "image/png")
    feed = srv.put(f"{key}/feed.xml", rss([("A", f'<p>x</p><img src="{img}">')]))
    other = srv.put(f"{key}/other.xml", rss([("B", f'<p>y</p><img src="{img}">')]))
    site = site_with(make_site, feed, 'images = "remote"\n'  # this source links them
                     f'[[sources]]\nname = "Kept"\nurl = "{other}"\nfull_text = "never"\n')
    assert run(load_config(site), RunOptions(dry_run=True)).ok
    assert srv.hits(f"/doc/{key}/i.png") == 0 and kept(site) == []
    assert run(load_config(site), RunOptions()).ok
    remote, local = posts(site).values()  # A, then B (same day, A earlier)
    assert f'<img src="{img}"' in remote and "data-original-src" not in remote
    assert f'<img src="{local_url(PNG, "png")}"' in local
    assert srv.hits(f"/doc/{key}/i.png") == 1 and len(kept(site)) == 1


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_image_max_width_scales_down_keeping_the_format(make_site, server, kind):
    srv, key = server
    wide, narrow = picture(1600, 800, kind), picture(100, 50, kind)
    a = srv.put(f"{key}/wide", wide, "image/*")
    b = srv.put(f"{key}/narrow", narrow, "image/*")
    feed = srv.put(f"{key}/feed.xml", rss([("A", f'<p>x</p><img src="{a}"><img src="{b}">')]))
    site = site_with(make_site, feed, site="image_max_width = 400")
    assert run(load_config(site), RunOptions()).ok
    sizes = {}
    for f in kept(site):
        with Image.open(f) as image:
            assert image.format == kind
            sizes[image.size] = f.stat().st_size
    assert set(sizes) == {(400, 200), (100, 50)}  # the narrow one as it came
    assert sizes[(400, 200)] < len(wide)
    assert (site / local_url(narrow, {"JPEG": "jpg"}.get(kind, kind.lower()))[1:]).exists()


@pytest.mark.jekyll
def test_jekyll_builds_a_post_with_a_kept_image_under_a_base_url(tmp_path, server):
    if shutil.which("jekyll") is None:
        pytest.skip("jekyll not installed")
    srv, key = server
    img = srv.put(f"{key}/i.png", PNG, "image/png")
    feed = srv.put(f"{key}/feed.xml", rss([
        ("Kept", f'<p>x</p><img src="{img}" alt="a" srcset="{img} 1x, {img} 2x">')]))
    site = tmp_path / "site"
    write_scaffold(site)
    (site / "newsmirror.toml").write_text(
        f'[site]\nimages = "local"\n[[sources]]\nname = "News"\nurl = "{feed}"\n'
        f'full_text = "never"\n', encoding="utf-8")
    assert run(load_config(site), RunOptions()).ok
    path = local_url(PNG, "png")
    for baseurl in ("/mirror", ""):
        out = tmp_path / f"out{baseurl.replace('/', '-')}"
        subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--source", str(site),
                        "--destination", str(out), "--baseurl", baseurl],
                       check=True, capture_output=True, timeout=300)
        (page,) = [p for p in out.rglob("*.html") if "Kept" in p.read_text(encoding="utf-8")
                   and "post-body" in p.read_text(encoding="utf-8")]
        text = page.read_text(encoding="utf-8")
        assert f'src="{baseurl}{path}"' in text
        assert f'srcset="{baseurl}{path} 1x, {baseurl}{path} 2x"' in text
        assert f'data-original-src="{img}"' in text
        assert (out / path[1:]).read_bytes() == PNG  # the file is published with the site


@pytest.mark.browser
def test_a_missing_image_shows_its_alt_text_once(tmp_path):
    """A figure whose image cannot load and whose caption says what its alt says shows
    that text once (the caption), not the alt text and then the caption; an image whose
    alt says something else still shows it."""
    need_browser()
    need_tool("jekyll")
    from playwright.sync_api import sync_playwright

    caption = "王毅（右）和布林肯今年9月在纽约会面。（路透社）"
    body = (f'<p>正文第一段。</p><figure><div><img src="https://static.example/gone.jpg" '
            f'alt="{caption}"></div>  <figcaption> {caption} </figcaption></figure>'
            '<figure><img src="https://static.example/gone2.jpg" alt="另一张图">'
            "<figcaption>说明文字</figcaption></figure><p>正文第二段。</p>")
    site = tmp_path / "site"
    write_scaffold(site)
    (site / "feed.xml").write_text(rss([("图片", body)]), encoding="utf-8")
    (site / "newsmirror.toml").write_text(
        '[[sources]]\nname = "News"\nurl = "feed.xml"\nfull_text = "never"\n', encoding="utf-8")
    assert run(load_config(site), RunOptions()).ok
    out = tmp_path / "out"
    subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--source", str(site),
                    "--destination", str(out)], check=True, capture_output=True, timeout=300)
    (page_file,) = [p for p in out.rglob("*.html") if "gone.jpg" in p.read_text(encoding="utf-8")]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route("**/*", lambda r: r.fulfill(status=404, body="gone")
                   if urlsplit(r.request.url).hostname == "static.example" else r.continue_())
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_function("[...document.images].every(i => i.complete)")
        same, other = page.locator(".post-body figure img").all()
        assert not same.is_visible()  # its alt text would repeat the caption below it
        assert page.locator(".post-body figcaption").first.is_visible()
        assert other.is_visible()  # a different alt text is still shown
        browser.close()


def test_the_demo_keeps_its_images_offline(tmp_path, outbound_trap):
    """The demo's 科技速递 keeps its images in the site: bundled copies stand in for the
    downloads, recorded as kept, so the run points its posts at them and fetches nothing."""
    site = tmp_path / "demo"
    write_scaffold(site)
    write_demo(site)
    summary = run(load_config(site), RunOptions())
    assert summary.ok and outbound_trap == []
    tech = [t for t in posts(site).values() if "科技速递" in t.split("---", 2)[1]]
    shown = [u for t in tech for u in re.findall(r'src="(/assets/images/[^"]+)"', t)]
    assert len(shown) == 6 and len(kept(site)) == 6
    assert all((site / u[1:]).is_file() for u in shown)
    assert all("data-original-src=\"https://static.example/tech/" in t
               for t in tech if "<img" in t)


def test_reprocess_keeps_the_posts_pointed_at_their_kept_images(make_site, server):
    """Re-extracting stored pages after a rule change (``reprocess``, offline) points the
    new bodies at the images the site keeps, instead of putting the remote URLs back."""
    srv, key = server
    img = srv.put(f"{key}/i.png", PNG, "image/png")
    text = "".join(f"<p>第{n}段：新加坡国会星期二通过修正法案，政府表示将公布实施细则。</p>"
                   for n in range(8))
    page = srv.put(f"{key}/a.html", (
        "<!doctype html><html><head><meta charset='utf-8'><title>规则</title></head><body>"
        f"<article><div class='story'><figure><img src='{img}' alt='图'></figure>{text}</div>"
        "<aside class='promo'>订阅我们的电邮</aside></article></body></html>"),
        "text/html; charset=utf-8")
    feed = srv.put(f"{key}/feed.xml", rss([("规则", "…")]).replace(
        "https://news.example/0", page))
    site = make_site(f'[site]\nimages = "local"\n[[sources]]\nname = "News"\nurl = "{feed}"\n'
                     '[rules."127.0.0.1"]\ncontent = [".story", ".promo"]\n')
    assert run(load_config(site), RunOptions()).ok
    (before,) = posts(site).values()
    assert "订阅我们的电邮" in before and f'src="{local_url(PNG, "png")}"' in before
    config = site / "newsmirror.toml"
    config.write_text(config.read_text().replace(', ".promo"', ""), encoding="utf-8")
    result = reprocess(load_config(site))
    assert len(result.rewritten) == 1 and not result.errors
    (after,) = posts(site).values()
    assert "订阅我们的电邮" not in after
    assert f'src="{local_url(PNG, "png")}"' in after and f'data-original-src="{img}"' in after
    assert srv.hits(f"/doc/{key}/i.png") == 1


def test_run_commit_commits_the_kept_images_with_their_posts(make_site, server):
    """``run --commit`` (and so the scheduled workflow) commits the images the posts
    show: a checkout of the commit shows every post whole."""
    srv, key = server
    img = srv.put(f"{key}/i.png", PNG, "image/png")
    feed = srv.put(f"{key}/feed.xml", rss([("A", f'<p>x</p><img src="{img}">')]))
    site = site_with(make_site, feed)
    for args in (("init", "-q"), ("config", "user.email", "t@example.com"),
                 ("config", "user.name", "t"), ("commit", "-q", "--allow-empty", "-m", "0")):
        subprocess.run(["git", *args], cwd=site, check=True)
    config = load_config(site)
    summary = run(config, RunOptions())
    assert commit_changes(config, summary)
    tracked = subprocess.run(["git", "ls-files"], cwd=site, capture_output=True, text=True,
                             check=True).stdout.split()
    assert local_url(PNG, "png")[1:] in tracked
    assert not subprocess.run(["git", "status", "--porcelain", "assets"], cwd=site,
                              capture_output=True, text=True, check=True).stdout


def test_a_post_written_again_from_the_store_gets_its_missing_images_again(make_site, server):
    """The store ahead of the checkout (a push that never landed, with the post and its
    image): the post written again from the stored article must not point at an image
    the checkout lacks; the image is fetched again and the post points at it."""
    srv, key = server
    img = srv.put(f"{key}/i.png", PNG, "image/png")
    feed = srv.put(f"{key}/feed.xml", rss([("A", f'<p>x</p><img src="{img}" alt="a">')]))
    site = site_with(make_site, feed)
    assert run(load_config(site), RunOptions()).ok
    (name,) = posts(site)
    (image,) = kept(site)
    # the checkout of the last landed push: neither the post, nor its image, nor its line
    (site / "_posts" / name).unlink()
    image.unlink()
    (site / ".newsmirror" / "items.jsonl").unlink()
    summary = run(load_config(site), RunOptions())
    assert summary.ok and summary.restored == 1
    (post,) = posts(site).values()
    assert f'<img src="{local_url(PNG, "png")}" alt="a"' in post
    assert post.count("data-original-src") == 1
    assert kept(site) == [image] and image.read_bytes() == PNG
    assert srv.hits(f"/doc/{key}/i.png") == 2


def test_over_the_post_bound_an_image_stays_remote(make_site, server, monkeypatch):
    srv, key = server
    one, two = (srv.put(f"{key}/{n}.png", picture(30 + n, 20), "image/png") for n in range(2))
    feed = srv.put(f"{key}/feed.xml", rss([("Post", f'<p>x</p><img src="{one}"><img src="{two}">')]))
    site = site_with(make_site, feed)
    monkeypatch.setattr(_images, "MAX_POST_BYTES", len(picture(30, 20)) + 1)  # one image
    summary = run(load_config(site), RunOptions())
    assert summary.ok and "over the post's" in " ".join(summary.reports[0].warnings)
    (post,) = posts(site).values()
    assert f'<img src="{one}"' not in post and f'<img src="{two}"' in post and len(kept(site)) == 1
    srv.put(f"{key}/feed.xml", rss([("Post", f'<p>x</p><img src="{one}"><img src="{two}">'),
                                     ("Other", "<p>z</p>")]))
    run(load_config(site), RunOptions())  # refused for good: not asked again
    assert srv.hits(f"/doc/{key}/1.png") == 1


def test_over_the_run_bound_an_image_waits_for_the_next_run(make_site, server, monkeypatch):
    srv, key = server
    one, two = (srv.put(f"{key}/{n}.png", picture(30 + n, 20), "image/png") for n in range(2))
    feed = srv.put(f"{key}/feed.xml", rss([("A", f'<p>x</p><img src="{one}">'),
                                           ("B", f'<p>y</p><img src="{two}">')]))
    site = site_with(make_site, feed)
    monkeypatch.setattr(_images, "MAX_RUN_BYTES", len(picture(31, 20)) + 1)  # one image
    summary = run(load_config(site), RunOptions())
    assert summary.ok and "over the run's" in " ".join(summary.reports[0].warnings)
    assert len(kept(site)) == 1
    assert sum(f'<img src="{u}"' in t for u, t in zip((one, two), posts(site).values(),
                                                  strict=True)) == 1  # one remote
    summary = run(load_config(site), RunOptions())  # the next run keeps it
    assert summary.reports[0].updated_posts == 1 and len(kept(site)) == 2
    assert not any(f'<img src="{u}"' in t for u in (one, two) for t in posts(site).values())


def test_without_pillow_images_are_kept_full_size_with_a_warning(make_site, server,
                                                                  monkeypatch):
    srv, key = server
    wide = picture(900, 300)
    img = srv.put(f"{key}/w.png", wide, "image/png")
    feed = srv.put(f"{key}/feed.xml", rss([("A", f'<p>x</p><img src="{img}">'),
                                           ("B", f'<p>y</p><img src="{img}">')]))
    site = site_with(make_site, feed, site="image_max_width = 100")
    monkeypatch.setitem(sys.modules, "PIL", None)  # `from PIL import Image` fails
    summary = run(load_config(site), RunOptions())
    warnings = [w for w in summary.reports[0].warnings if "Pillow" in w]
    assert summary.ok and len(warnings) == 1, summary.reports[0].warnings
    assert "pip install 'newsmirror[images]'" in warnings[0]
    assert [f.read_bytes() for f in kept(site)] == [wide]
