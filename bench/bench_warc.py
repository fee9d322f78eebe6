"""What `[site] warc = true` costs a fetched page: `WarcArchive.record` on corpus pages.

    python bench/bench_warc.py [--pages 200] [--repeats 3] [--level N]

Records the 200 corpus pages of "Site-rule extraction" (40 KB each, bench/corpus_gen.py)
into a fresh archive folder in the repository (the root disk, as a site's), and prints
per page the CPU and wall time of ``record`` (request and response records built by
warcio, each compressed as its own gzip member, appended, the sidecar rewritten) and the
bytes on disk, each repeat on its own line. ``--level`` sets the gzip level (default:
the module's). This is a script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus_gen import Corpus  # noqa: E402
from newsmirror.archive import WarcArchive  # noqa: E402
from newsmirror.archive import _warc as warc_module  # noqa: E402
from newsmirror.fetch import Response  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--level", type=int, default=warc_module.GZIP_LEVEL)
    args = parser.parse_args()
    warc_module.GZIP_LEVEL = args.level
    corpus = Corpus(20, 40, seed=1, base="http://s0.corpus.test:1")
    pages = [corpus.page_html(n % 20, n // 20) for n in range(args.pages)]
    responses = [
        Response(f"http://s0.corpus.test:1/p/{n}", 200,
                 {"Content-Type": "text/html; charset=utf-8"}, body, False, None, "text/html")
        for n, body in enumerate(pages)
    ]
    now = datetime.now(UTC)
    print(f"{len(pages)} pages of {sum(map(len, pages)) / len(pages) / 1e3:.1f} kB, "
          f"gzip level {args.level}")
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(dir=HERE.parent) as tmp:
            archive = WarcArchive(Path(tmp))
            wall, cpu = time.perf_counter(), time.process_time()
            for response in responses:
                archive.record(response, when=now)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            size = sum(p.stat().st_size for p in Path(tmp).glob("*.warc.gz"))
        print(f"record: {cpu / len(pages) * 1e6:.0f} µs CPU, {wall / len(pages) * 1e3:.2f} ms "
              f"wall a page; {size / len(pages) / 1e3:.1f} kB a page on disk")


if __name__ == "__main__":
    main()
