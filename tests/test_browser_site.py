"""The demo site in headless Chromium: home, a post, search; desktop and phone widths.

The demo snapshot is mirrored into the scaffold (pipeline + update_site), built with
real Jekyll, served from 127.0.0.1 and opened with Playwright driving Debian's
Chromium. No packet leaves the machine: every request to another host (the article
images on static.example / static.zaobao.com) is answered by a route handler with a
1x1 PNG. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import functools
import http.server
import os
import struct
import subprocess
import threading
import zlib
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import pytest

from helpers import CHROMIUM, CHROMIUM_ARGS, REPO, need_browser, need_tool
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run
from newsmirror.site import scan_posts, update_site, write_demo, write_scaffold

ARTIFACTS = REPO / "test-artifacts"


def placeholder_png(width: int = 640, height: int = 360) -> bytes:
    """A small grey 16:9 PNG (~1 KB) standing in for every external image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + bytes([0xC8, 0xC6, 0xC0]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


PNG = placeholder_png()
SEED_TITLE = "王毅与布林肯通话：停止对华打压 不要为两国关系制造新障碍"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
BASEURL = "/news"


class Handler(http.server.SimpleHTTPRequestHandler):
    disable_nagle_algorithm = True

    def translate_path(self, path: str) -> str:  # serve the site under BASEURL, like Pages
        if path.startswith(BASEURL + "/"):
            path = path[len(BASEURL):]
        return super().translate_path(path)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    need_browser()
    need_tool("jekyll")
    site = tmp_path_factory.mktemp("browser") / "site"
    write_scaffold(site, title="newsmirror demo", timezone="Asia/Singapore")
    write_demo(site)
    summary = run(load_config(site), RunOptions(now=datetime(2026, 11, 1, tzinfo=UTC)))
    assert summary.ok
    update_site(site)
    dest = site.parent / "_site"
    env = dict(os.environ, LC_ALL="C.UTF-8")
    build = subprocess.run(["jekyll", "build", "-q", "--disable-disk-cache", "--baseurl", BASEURL,
                            "--source", str(site), "--destination", str(dest)],
                           capture_output=True, text=True, env=env)
    assert build.returncode == 0 and not build.stderr.strip(), build.stderr
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(dest)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seed = [p for p in scan_posts(site) if p.title == SEED_TITLE][0]
    yield {"base": f"http://127.0.0.1:{server.server_address[1]}{BASEURL}", "seed": seed}
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, viewport: str, scheme: str = "light"):
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme,
                                  device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        host = urlsplit(r.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            external.append(r.request.url)
            r.fulfill(status=200, content_type="image/png", body=PNG)

    page.route("**/*", route)
    return context, page, errors, external


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_home_page(served, browser, viewport):
    context, page, errors, _ = open_page(browser, viewport)
    page.goto(served["base"] + "/", wait_until="networkidle")
    cards = page.locator(".post-card")
    assert cards.count() == 20
    assert page.locator(".post-card-title a").first.is_visible()
    assert page.locator('meta[name="referrer"]').get_attribute("content") == "no-referrer"
    assert page.locator(".pager").is_visible()  # 21 posts, 20 per page
    excerpt = page.locator(".post-excerpt").first.inner_text()
    assert len(excerpt) > 20
    scroll = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert scroll <= 0, "horizontal scrolling"
    shot(page, f"home-{viewport}")
    assert not errors, errors
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("viewport,scheme", [("desktop", "light"), ("phone", "light"),
                                             ("phone", "dark")])
def test_post_page(served, browser, viewport, scheme):
    context, page, errors, external = open_page(browser, viewport, scheme)
    page.goto(served["base"] + served["seed"].url, wait_until="networkidle")
    assert page.locator("h1.post-title").inner_text() == SEED_TITLE
    body = page.locator(".post-body")
    assert "美国应停止对华遏制打压" in body.inner_text()
    img = body.locator("img").first
    assert img.is_visible()
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    assert img.bounding_box()["width"] > 300
    caption = body.locator("figcaption").first
    assert caption.is_visible() and "路透社" in caption.inner_text()
    # the link line duplicates the header and is hidden; the header links the original
    assert not body.locator("> p").first.is_visible()
    assert page.locator("a.post-original").get_attribute("href").startswith("https://www.zaobao.com/")
    assert page.locator("a.post-source").inner_text() == "联合早报"
    assert "UTC+08:00" in page.locator(".post-meta time").inner_text()
    imgs = page.locator("img")
    assert imgs.count() >= 1
    for i in range(imgs.count()):
        assert imgs.nth(i).get_attribute("referrerpolicy") == "no-referrer"
    assert page.locator('meta[name="referrer"]').get_attribute("content") == "no-referrer"
    assert any("static.zaobao.com" in u for u in external)
    scroll = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert scroll <= 0, "horizontal scrolling"
    shot(page, f"post-{viewport}-{scheme}")
    # previous/next and the source page work
    page.locator("a.post-source").click()
    page.wait_for_load_state("networkidle")
    assert SEED_TITLE in page.locator(".post-list").inner_text()
    assert not errors, errors
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_search_finds_chinese(served, browser, viewport):
    context, page, errors, _ = open_page(browser, viewport)
    page.goto(served["base"] + "/search.html", wait_until="networkidle")
    page.fill("#search-q", "布林肯")
    page.wait_for_selector(".search-hit")
    hits = page.locator(".search-hit")
    assert hits.count() == 1
    link = hits.first.locator("a.post-link")
    assert link.inner_text() == SEED_TITLE
    # several terms, mixed scripts, full-width letters: all must match (AND)
    page.fill("#search-q", "地铁 三号线")
    page.wait_for_function("document.querySelectorAll('.search-hit').length === 1"
                           " && document.querySelector('.search-hit a').textContent.includes('地铁')")
    page.fill("#search-q", "ＲＩＶＥＲ path")
    page.wait_for_function("document.querySelectorAll('.search-hit').length === 1")
    page.fill("#search-q", "布林肯")
    page.wait_for_selector(".search-hit >> text=" + SEED_TITLE)
    shot(page, f"search-{viewport}")
    page.locator(".search-hit a.post-link").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(quote(served["seed"].url.split("/")[-1], safe="%")) or \
        page.url.endswith(served["seed"].url.split("/")[-1])
    assert page.locator("h1.post-title").inner_text() == SEED_TITLE
    # ?q= in the address runs the search on load
    page.goto(served["base"] + "/search.html?q=" + quote("骑楼"), wait_until="networkidle")
    page.wait_for_selector(".search-hit")
    assert "骑楼" in page.locator(".search-hit").first.inner_text()
    assert not errors, errors
    context.close()
