"""Writing posts as a run does, on a given disk, for one or more checkouts (A/B).

    python bench/bench_write.py [--out DIR] [--posts 200] [--repeats 7] [--src DIR ...]

Each repeat writes ``--posts`` new posts (5 KB of CJK text each, the size of a typical
article) into a fresh folder under ``--out``, the way ``pipeline/_write.py`` writes a
source's posts (its ``_write_files``), then, once they are on disk, replaces each of
them (a post rewritten after an edit). Every ``--src`` (default: this checkout's ``src``) runs in a child
process of its own, the checkouts taking turns repeat by repeat, so that all of them meet
the disk in the same state (on this machine's root disk, creating a file costs 20-40 µs
or, after many deletions, up to 900 µs: see bench_e2e.py). Prints, per checkout, the
median and range of the wall time and of the CPU time (user + kernel) per post.

``--out /dev/shm`` (tmpfs) makes ``fsync`` nearly free; a real disk shows what durability
costs. This is a script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEXT = "---\ntitle: 新闻\n---\n" + "<p>新加坡国会星期二通过修正法案。</p>" * 180  # ~5 KB


def child(src: str, folder: str, posts: int) -> dict[str, float]:
    sys.path.insert(0, src)
    from newsmirror.pipeline._write import _write_files

    target = Path(folder) / "_posts"
    target.mkdir()
    files = [(target / f"2025-03-01-story-{n}.md", TEXT) for n in range(posts)]
    result = {}
    for step, text in (("new", TEXT), ("replace", TEXT + "<p>更正。</p>")):
        batch = [(path, text) for path, _ in files]
        wall, cpu = time.perf_counter(), _cpu()
        _write_files(batch, [])
        result[f"{step} wall"] = (time.perf_counter() - wall) / posts * 1e6
        result[f"{step} cpu"] = (_cpu() - cpu) / posts * 1e6
        _on_disk(target)  # (untimed)
    return result


def _on_disk(folder: Path) -> None:
    """Every file of ``folder`` written back, as the posts a run edits are (written by
    an earlier run): replacing one then frees blocks on the disk, which costs more than
    replacing a file whose data never left memory (on a disk mounted with ``discard``,
    a trim; this machine's root is)."""
    for path in folder.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # microseconds, unlike os.times()
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="folder on the disk to measure")
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--src", action="append", type=Path,
                        help="a checkout's src folder (repeat for an A/B comparison)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        src, folder = json.loads(args.child)
        print(json.dumps(child(src, folder, args.posts)))
        return
    sources = [str(s.resolve()) for s in args.src or [HERE.parent / "src"]]
    root = Path(tempfile.mkdtemp(prefix="bench_write-", dir=args.out))
    print(f"command: {' '.join([sys.executable, *sys.argv])}\nfolders under {root}")
    results: dict[str, list[dict[str, float]]] = {src: [] for src in sources}
    try:
        for repeat in range(args.repeats):
            for n, src in enumerate(sources):
                folder = root / f"{n}-{repeat}"
                folder.mkdir()
                out = subprocess.run(
                    [sys.executable, __file__, "--posts", str(args.posts),
                     "--child", json.dumps([src, str(folder)])],
                    capture_output=True, text=True, check=True).stdout
                results[src].append(json.loads(out))
                shutil.rmtree(folder)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{args.posts} posts x {args.repeats} repeats; µs per post, median (min-max)")
    for src, runs in results.items():
        cells = []
        for key in ("new wall", "new cpu", "replace wall", "replace cpu"):
            values = [r[key] for r in runs]
            cells.append(f"{key} {statistics.median(values):5.0f} "
                         f"({min(values):.0f}-{max(values):.0f})")
        print(f"{src}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
