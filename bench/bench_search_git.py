"""What the site's search index costs in git: per run, and over a day of runs.

Writes the site of ``bench_search.py`` (N posts, default 10,000, in the exact post
format), runs ``update_site`` (archive pages and ``assets/search/``), commits it all to
a fresh git repository, then does R runs (default 10) that each add 10 posts (the next
ones of the same corpus), run ``update_site`` and commit. Per run it prints:

* ``update_site`` seconds and the files the commit changes;
* the bytes of the thin pack a ``git push`` of that commit sends
  (``git pack-objects --revs --thin --stdout --delta-base-offset`` of ``HEAD ^HEAD~1``);

and, after the R runs, how much the repository grew: its pack after ``git gc`` against
the pack after ``git gc`` of the first commit, and the same with ``git gc --aggressive``
on both (the first commit's repository is a bare clone kept aside).

Every figure is given twice: for the whole site, and for the same site without
``assets/search/`` (a second repository over the same work tree that ignores it), which
is what the posts and archive pages alone cost.

    python bench/bench_search_git.py                       # 10,000 posts, 10 runs
    python bench/bench_search_git.py --posts 2000 --runs 5 --no-aggressive
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_search import make_site, post_file, vocabularies  # noqa: E402
from newsmirror.site import update_site  # noqa: E402

NO_INDEX = ".git-noindex"  # the git folder of the repository without assets/search
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
               LC_ALL="C")


class Repo:
    def __init__(self, site: Path, git_dir: Path) -> None:
        self.site, self.git_dir = site, git_dir

    def git(self, *args: str, stdin: bytes | None = None) -> bytes:
        cmd = ["git", f"--git-dir={self.git_dir}", f"--work-tree={self.site}",
               "-c", "gc.auto=0", "-c", "core.quotepath=off", *args]
        return subprocess.run(cmd, cwd=self.site, input=stdin, capture_output=True,
                              check=True, env=GIT_ENV).stdout

    def init(self, exclude: list[str]) -> None:
        self.git("init", "-q", "-b", "main")
        (self.git_dir / "info" / "exclude").write_text("".join(f"{e}\n" for e in exclude))

    def commit(self, message: str) -> int:
        """Everything added and committed; the files the commit changes."""
        self.git("add", "-A", ".")
        self.git("commit", "-q", "-m", message)
        out = self.git("diff-tree", "-r", "--name-only", "--root", "--no-commit-id", "HEAD")
        return len(out.splitlines())

    def thin_pack(self) -> int:
        """Bytes of the pack a push of HEAD sends to a remote that has HEAD~1."""
        return len(self.git("pack-objects", "--revs", "--thin", "--stdout",
                            "--delta-base-offset", "-q", stdin=b"HEAD\n^HEAD~1\n"))

    def gc(self, aggressive: bool = False) -> int:
        """``git gc`` (``--aggressive``); the bytes of its packs after."""
        self.git("gc", "-q", "--prune=now", *(["--aggressive"] if aggressive else []))
        return pack_bytes(self.git_dir)


def pack_bytes(git_dir: Path) -> int:
    return sum(p.stat().st_size for p in (git_dir / "objects" / "pack").glob("*.pack"))


def bare_copy(repo: Repo, dest: Path) -> Repo:
    subprocess.run(["git", "clone", "-q", "--bare", "--no-local", str(repo.git_dir), str(dest)],
                   check=True, env=GIT_ENV, capture_output=True)
    return Repo(repo.site, dest)


def fsync_each(on: bool) -> None:
    """Index files synced one by one before their names (as before 2026-12-07), or not
    (one os.sync before the state, as now)."""
    import newsmirror.site._search as search

    real = getattr(search, "_real_write", search.write_if_changed)
    search._real_write = real  # type: ignore[attr-defined]
    if on:
        search.write_if_changed = lambda path, data, **kw: real(path, data, sync=False)
        search.os = type("os", (), {"sync": staticmethod(lambda: None)})  # type: ignore[assignment]
    else:
        search.write_if_changed = real
        search.os = os


def time_fsync(site: Path, posts: int, runs: int) -> None:
    """update_site from scratch, then runs of 10 new posts, each timed with the index
    files synced one by one and without, on the same files (the index copied back)."""
    from newsmirror.site import write_search_index

    index = site / "assets" / "search"
    for on in (True, False, True, False):
        shutil.rmtree(index, ignore_errors=True)
        fsync_each(on)
        t0 = time.perf_counter()
        write_search_index(site, archives=False)
        print(f"index from scratch, {'fsync each' if on else 'one os.sync'}: "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
    rng, vocab = random.Random(43), vocabularies()
    for run in range(runs):
        for i in range(posts + 10 * run, posts + 10 * run + 10):
            name, text = post_file(i, rng, vocab)
            (site / "_posts" / name).write_text(text, encoding="utf-8")
        saved = site.parent / "saved-index"
        shutil.rmtree(saved, ignore_errors=True)
        shutil.copytree(index, saved)
        for on in (True, False):
            shutil.rmtree(index)
            shutil.copytree(saved, index)
            os.sync()
            fsync_each(on)
            t0 = time.perf_counter()
            written = write_search_index(site, archives=False)
            print(f"run {run + 1}, {len(written)} files, {'fsync each' if on else 'one os.sync'}: "
                  f"{time.perf_counter() - t0:.2f} s", flush=True)
    fsync_each(False)


def kb(n: float) -> str:
    return f"{n / 1000:,.1f} kB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--per-run", type=int, default=10, help="posts a run adds")
    ap.add_argument("--no-aggressive", action="store_true", help="skip git gc --aggressive")
    ap.add_argument("--fsync-each", action="store_true",
                    help="sync each index file before its name (as before 2026-12-07)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "search-git")
    ap.add_argument("--keep", action="store_true", help="keep the generated site")
    ap.add_argument("--time-fsync", action="store_true",
                    help="only time the index written with and without an fsync per file")
    args = ap.parse_args()
    if args.fsync_each:
        fsync_each(True)
    site = args.out / f"site-{args.posts}"
    shutil.rmtree(args.out, ignore_errors=True)
    make_site(site, args.posts)
    if args.time_fsync:
        time_fsync(site, args.posts, args.runs)
        shutil.rmtree(args.out, ignore_errors=True)
        return 0
    t0 = time.perf_counter()
    update_site(site)
    print(f"{args.posts} posts: update_site from scratch {time.perf_counter() - t0:.1f} s",
          flush=True)
    full = Repo(site, site / ".git")
    bare = Repo(site, site / NO_INDEX)
    full.init([f"/{NO_INDEX}/"])
    bare.init([f"/{NO_INDEX}/", "/assets/search/"])
    t0 = time.perf_counter()
    files = full.commit("first"), bare.commit("first")
    print(f"first commit: {files[0]} files ({files[1]} without the index), "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    base = full.gc(), bare.gc()
    print(f"packed after git gc: {kb(base[0])} ({kb(base[1])} without the index)", flush=True)
    kept = bare_copy(full, args.out / "first-full.git"), bare_copy(bare, args.out / "first-bare.git")

    rng, vocab = random.Random(43), vocabularies()
    n = args.posts
    totals = {"files": [0, 0], "pack": [0, 0], "seconds": 0.0}
    for run in range(1, args.runs + 1):
        for _ in range(args.per_run):
            name, text = post_file(n, rng, vocab)
            (site / "_posts" / name).write_text(text, encoding="utf-8")
            n += 1
        t0 = time.perf_counter()
        update_site(site)
        seconds = time.perf_counter() - t0
        files = full.commit(f"run {run}"), bare.commit(f"run {run}")
        packs = full.thin_pack(), bare.thin_pack()
        for i in (0, 1):
            totals["files"][i] += files[i]
            totals["pack"][i] += packs[i]
        totals["seconds"] += seconds
        print(f"run {run:2}: update_site {seconds:5.1f} s; commit {files[0]:5} files "
              f"({files[1]} without the index); push (thin pack) {kb(packs[0])} "
              f"({kb(packs[1])} without the index)", flush=True)
    r = args.runs
    print(f"mean of {r} runs: update_site {totals['seconds'] / r:.1f} s; "
          f"{totals['files'][0] / r:.0f} files ({totals['files'][1] / r:.0f} without the index); "
          f"push {kb(totals['pack'][0] / r)} ({kb(totals['pack'][1] / r)} without the index)",
          flush=True)
    after = full.gc(), bare.gc()
    print(f"repository growth over {r} runs, git gc: {kb(after[0] - base[0])} "
          f"({kb(after[1] - base[1])} without the index); per run "
          f"{kb((after[0] - base[0]) / r)} ({kb((after[1] - base[1]) / r)})", flush=True)
    if not args.no_aggressive:
        t0 = time.perf_counter()
        first = kept[0].gc(aggressive=True), kept[1].gc(aggressive=True)
        last = full.gc(aggressive=True), bare.gc(aggressive=True)
        print(f"repository growth over {r} runs, git gc --aggressive: {kb(last[0] - first[0])} "
              f"({kb(last[1] - first[1])} without the index); per run "
              f"{kb((last[0] - first[0]) / r)} ({kb((last[1] - first[1]) / r)}); packs "
              f"{kb(last[0])} ({kb(last[1])}); {time.perf_counter() - t0:.0f} s of gc",
              flush=True)
    if not args.keep:
        shutil.rmtree(args.out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
