"""What keeping images in the site costs on disk: bytes per post, images included, with
and without ``image_max_width``.

The synthetic corpus (bench/corpus_gen.py: every item has a lead figure, some more) is
served from 127.0.0.1 with its image URLs pointed at the same server, which answers each
with a photo-like JPEG (noise at three scales, 3:2, 800 to 2,400 px wide, quality 82:
100 to 400 KB, like a news CDN's full-size image; drawn once per URL from the
seed). Three sites mirror it in feed mode: images remote (the post files only), kept as
they came, and kept at most ``--max-width`` px wide.

    python bench/bench_images.py [--feeds 10 --items 20 --max-width 1024 800]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiohttp import web
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_gen import Corpus  # noqa: E402
from newsmirror.config import load_config  # noqa: E402
from newsmirror.pipeline import RunOptions, run  # noqa: E402


def photo(key: str) -> bytes:
    """A photo-like JPEG for ``key``: noise at three scales, the coarse ones smoothed by
    upscaling, as a photo's smooth areas, shapes and grain compress."""
    rng = random.Random(key)
    width = rng.randrange(800, 2401, 16)
    height = width * 2 // 3
    out = None
    for scale, weight in ((48, 1.0), (6, 0.35), (1, 0.04)):
        w, h = max(1, width // scale), max(1, height // scale)
        layer = Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))
        layer = layer.resize((width, height), Image.Resampling.BICUBIC)
        out = layer if out is None else Image.blend(out, layer, weight)
    assert out is not None
    data = io.BytesIO()
    out.save(data, "JPEG", quality=82)
    return data.getvalue()


class Server:
    def __init__(self, feeds: int, items: int) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.port = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        self.base = f"http://127.0.0.1:{self.port}"
        self.corpus = Corpus(feeds, items, seed=1, base=self.base)
        self.images: dict[str, bytes] = {}
        self.served = 0

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_get("/img/{path:.*}", self.image)
        app.router.add_get("/feeds/{f}.xml", self.feed)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def feed(self, request: web.Request) -> web.Response:
        xml = self.corpus.feed_xml(int(request.match_info["f"])).decode("utf-8")
        xml = xml.replace("https://img.example/", f"{self.base}/img/")
        return web.Response(body=xml.encode(), content_type="application/rss+xml")

    async def image(self, request: web.Request) -> web.Response:
        key = request.match_info["path"]
        if key not in self.images:
            self.images[key] = await asyncio.to_thread(photo, key)
        self.served += len(self.images[key])
        return web.Response(body=self.images[key], content_type="image/jpeg")


def mirror(server: Server, folder: Path, feeds: int, site: str) -> tuple[int, int, int, float]:
    """(posts, post bytes, image bytes, seconds of the run) of a site mirroring every
    feed."""
    folder.mkdir(parents=True)
    sources = "".join(
        f'[[sources]]\nname = "site {f}"\nurl = "{server.base}/feeds/{f}.xml"\n'
        f'full_text = "never"\n'
        for f in range(feeds)
    )
    (folder / "newsmirror.toml").write_text(f"[site]\n{site}\n{sources}", encoding="utf-8")
    start = time.monotonic()
    assert run(load_config(folder), RunOptions()).ok
    seconds = time.monotonic() - start
    posts = list((folder / "_posts").glob("*.md"))
    images = [p for p in (folder / "assets").rglob("*") if p.is_file()]
    post_bytes = sum(p.stat().st_size for p in posts)
    return len(posts), post_bytes, sum(p.stat().st_size for p in images), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--max-width", type=int, nargs="+", default=[1024, 800])
    args = parser.parse_args()
    server = Server(args.feeds, args.items)
    # every image drawn before the runs are timed (the server shares this process)
    for f in range(args.feeds):
        for key in set(re.findall(r"https://img\.example/([^\"]+)", server.corpus.feed_xml(f).decode())):
            server.images[key] = photo(key)
    local = 'images = "local"\nper_host_connections = 8'
    settings = {"remote": "", "local": local}
    for width in args.max_width:
        settings[f"local, max {width} px"] = f"{local}\nimage_max_width = {width}"
    print(f"{args.feeds} feeds x {args.items} items; images photo-like JPEG, 800-2400 px wide")
    print(f"{'images':<22} {'posts':>6} {'images':>7} {'post KB':>8} {'image KB':>9} "
          f"{'KB/post':>8} {'run s':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, site) in enumerate(settings.items()):
            folder = Path(tmp) / str(n)
            posts, post_bytes, image_bytes, seconds = mirror(server, folder, args.feeds, site)
            files = len(list((folder / "assets").rglob("*.*")))
            per_post = (post_bytes + image_bytes) / posts / 1024
            print(f"{name:<22} {posts:>6} {files:>7} {post_bytes / posts / 1024:>8.1f} "
                  f"{image_bytes / posts / 1024:>9.1f} {per_post:>8.1f} {seconds:>6.1f}")
    print(f"served {len(server.images)} distinct images, {server.served / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
