"""How long ``site.scan_posts`` takes over a large site (``update_site`` does it after every
run that wrote posts): the demo's posts copied ``--copies`` times under distinct names.

    python bench/bench_scan.py [--copies 500] [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run
from newsmirror.site import scan_posts, write_demo, write_scaffold


def make_site(root: Path, copies: int) -> Path:
    site = root / "site"
    write_scaffold(site, title="bench", timezone="UTC")
    write_demo(site)
    run(load_config(site), RunOptions())
    posts = sorted((site / "_posts").glob("*.md"))
    for n in range(1, copies):
        for post in posts:
            day, rest = post.name[:11], post.name[11:]
            shutil.copyfile(post, post.with_name(f"{day}{n}-{rest}"))
    return site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=500)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        site = make_site(Path(tmp), args.copies)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            count = len(scan_posts(site, timezone="UTC"))
            times.append(time.perf_counter() - start)
        print(f"scan_posts, {count} posts: best of 3 {min(times):.2f} s, "
              f"{min(times) / count * 1e6:.0f} µs a post")


if __name__ == "__main__":
    main()
