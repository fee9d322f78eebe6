"""The naive reference of bench_e2e.py: what a short script built from the usual libraries does.

One ``requests.Session`` used sequentially, ``feedparser.parse`` with defaults, in page
mode ``trafilatura.extract`` of every item's page, and a plain file write per item.
bench_e2e.py calls :func:`naive` inside its measured child; with ``--process`` it runs
this file as its own process, timed from spawn like newsmirror's CLI::

    python bench/naive_ref.py '{"feeds": 200, "port": 8000, "loopback": false,
                                "mode": "feed", "dir": "/tmp/x"}'

It prints ``RESULT {"posts": N}``. Host names ``s<f>.corpus.test`` need the same
resolver shim as newsmirror's process (bench_e2e.py's ``sitecustomize``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

VHOST_SUFFIX = ".corpus.test"


def feed_urls(feeds: int, port: int, loopback: bool) -> list[str]:
    return [
        f"http://{f'127.0.0.1:{port}' if loopback else f's{f}{VHOST_SUFFIX}:{port}'}"
        f"/feeds/{f}.xml"
        for f in range(feeds)
    ]


def naive(urls: list[str], page_mode: bool, out: Path) -> int:
    """Fetch, parse (and in page mode extract) every item and write it; the items written."""
    import feedparser
    import requests

    if page_mode:
        import trafilatura
    out.mkdir(parents=True)
    n = 0
    with requests.Session() as session:
        for f, url in enumerate(urls):
            response = session.get(url, timeout=30)
            response.raise_for_status()
            feed = feedparser.parse(response.content)
            for entry in feed.entries:
                if page_mode:
                    page = session.get(entry.link, timeout=30)
                    page.raise_for_status()
                    body = trafilatura.extract(page.text, url=entry.link, output_format="html",
                                               include_images=True, include_links=True,
                                               include_comments=False) or ""
                else:
                    body = entry.content[0].value if "content" in entry else entry.summary
                front = (f"---\ntitle: {json.dumps(entry.title, ensure_ascii=False)}\n"
                         f"date: {entry.get('published', '')}\nsource: site{f}\n"
                         f"guid: {json.dumps(entry.get('id', entry.link))}\n---\n")
                with open(out / f"{f:04d}-{n:06d}.md", "w", encoding="utf-8") as fh:
                    fh.write(front + body + "\n")
                n += 1
    return n


def main() -> None:
    spec = json.loads(sys.argv[1])
    urls = feed_urls(spec["feeds"], spec["port"], spec["loopback"])
    posts = naive(urls, spec["mode"] == "page", Path(spec["dir"]) / "_posts")
    print("RESULT " + json.dumps({"posts": posts}), flush=True)


if __name__ == "__main__":
    main()
