"""``demo --serve``: build the site with Jekyll and serve it as GitHub Pages would."""

from __future__ import annotations

import functools
import http.server
import logging
import os
import shutil
import subprocess
from pathlib import Path

from ._frontmatter import config_value

__all__ = ["build_and_serve"]

log = logging.getLogger("newsmirror")


def build_and_serve(
    site_dir: Path | str, *, port: int = 4000, host: str = "127.0.0.1", jekyll: str = "jekyll"
) -> int:
    """``jekyll build`` the site into ``site_dir/_site`` and serve it until Ctrl-C.

    A plain static server (like GitHub Pages), so what you see is what gets published.
    Returns a process exit status.
    """
    site_dir = Path(site_dir).resolve()
    if not shutil.which(jekyll):
        log.error(
            "jekyll is not installed (Debian: apt-get install jekyll "
            "ruby-jekyll-feed ruby-jekyll-seo-tag ruby-jekyll-paginate ruby-jekyll-sitemap)"
        )
        return 2
    dest = site_dir / "_site"
    env = dict(os.environ)
    if "UTF-8" not in (env.get("LC_ALL") or env.get("LANG") or "").upper():
        env["LC_ALL"] = "C.UTF-8"
    result = subprocess.run(
        [jekyll, "build", "--source", str(site_dir), "--destination", str(dest)], env=env
    )
    if result.returncode != 0:
        return result.returncode
    baseurl = (config_value(site_dir, "baseurl") or "").strip("/")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            if baseurl and path.startswith("/" + baseurl):
                path = path[len(baseurl) + 1 :] or "/"
            return super().translate_path(path)

    handler = functools.partial(Handler, directory=str(dest))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        print(
            f"serving {dest} at http://{host}:{port}/{baseurl + '/' if baseurl else ''} "
            f"(Ctrl-C to stop)",
            flush=True,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0
