"""Crash safety, proven (issue 11, requirement 5).

The real command line, in its own process and session, mirrors a loopback corpus
(tests/crashkit.py: RSS, Atom and JSON Feed; full-text items and 80 teasers whose pages
need the generic extractor, so the worker pool starts) and is SIGKILLed at random
moments spread over the duration of an uninterrupted run, then rerun. After every kill:
no temporary or partial file anywhere in the site, no process of the killed run left
(workers included), no article in two posts. After every run that completes: the posts
are byte for byte those of the uninterrupted run. A full disk (a small tmpfs, as root)
must fail clearly, lose nothing, and a rerun on the enlarged disk must complete.

The kill test prints its figures (``-s``) and records them as the ``crash`` property.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import itertools
import json
import os
import random
import re
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crashkit import (
    CROSS_SOURCE_TITLE,
    SAME_SOURCE_TITLE,
    Corpus,
    CorpusServer,
    Proc,
    alive,
    session,
)
from newsmirror.config import load_config
from newsmirror.pipeline import RunOptions, run
from newsmirror.pipeline._pages import PageJob
from newsmirror.pipeline._pool import PagePool
from newsmirror.post import read_article, render_post, slugify
from newsmirror.site import write_scaffold
from newsmirror.store import Store
from newsmirror.util import files
from newsmirror.util.files import remove_stale_temp_files, write_atomic, write_if_changed
from newsmirror.util.imagefile import image_type

TESTS = Path(__file__).resolve().parent

SEED = 20261202
KILLS = 30
GRACE = 5.0  # seconds the processes of a killed run get to end (milliseconds; a worker
# still importing when its parent died ends when its initializer runs: ~0.5-1 s)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


# -- the site and its checks ----------------------------------------------------------


def new_site(path: Path, corpus: Corpus) -> Path:
    write_scaffold(path, timezone="Asia/Shanghai")
    (path / "newsmirror.toml").write_text(corpus.config(), encoding="utf-8")
    return path


def posts_of(site: Path) -> dict[str, bytes]:
    folder = site / "_posts"
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}


def check_site(site: Path, corpus: Corpus, *, complete: bool) -> int:
    """The invariants of a site after any run, killed or not; the number of posts.

    No temporary file anywhere; every post whole (UTF-8, ends with the body's
    ``</div>``, reads back as the article it renders from); no article in two posts;
    the snapshot, when there is one, whole JSON lines; kept images whole, present and
    each with its post (``check_images``). ``complete``: every article of the corpus
    has its post.
    """
    litter = sorted(str(p.relative_to(site)) for p in site.rglob(".tmp-*"))
    assert not litter, f"temporary files left: {litter}"
    urls: Counter[str] = Counter()
    posts = posts_of(site)
    for name, raw in posts.items():
        text = raw.decode("utf-8")  # strict: a torn multi-byte character fails here
        assert name.endswith(".md") and text.endswith("</div>\n"), f"partial post {name}"
        article = read_article(text)
        assert render_post(article) == text, f"{name} is not a whole post"
        urls[article.url] += 1
    twice = {url: n for url, n in urls.items() if n > 1}
    assert not twice, f"articles with more than one post: {twice}"
    assert set(urls) <= set(corpus.article_urls), set(urls) - set(corpus.article_urls)
    if complete:
        missing = set(corpus.article_urls) - set(urls)
        assert not missing, f"{len(missing)} articles without a post: {sorted(missing)[:5]}"
    snapshot = site / ".newsmirror" / "items.jsonl"
    if snapshot.exists():
        for line in snapshot.read_text(encoding="utf-8").splitlines():
            json.loads(line)
    check_images(site, posts, complete=complete)
    return len(posts)


_LOCAL_IMAGE = re.compile(r'(?:src|srcset)="(/assets/images/[^" ]+)')


def check_images(site: Path, posts: dict[str, bytes], *, complete: bool) -> None:
    """Kept images: each file whole (named by the SHA-256 of its bytes, with the
    extension they show); every one a post points at exists; none without a post. An
    image written just before its post file may be alone after a kill: its post is then
    pending in the store (the next run writes it), which must point at it; once a run
    completes, every image belongs to a post file."""
    files = {f"/{p.relative_to(site)}": p for p in (site / "assets" / "images").rglob("*")
             if p.is_file()} if (site / "assets" / "images").is_dir() else {}
    for url, path in files.items():
        data = path.read_bytes()
        assert path.stem == hashlib.sha256(data).hexdigest(), f"partial image {url}"
        assert path.suffix == "." + (image_type(data) or "?"), f"{url} is not its type"
    shown = {url for raw in posts.values() for url in _LOCAL_IMAGE.findall(raw.decode())}
    missing = shown - set(files)
    assert not missing, f"posts point at missing images: {sorted(missing)}"
    alone = set(files) - shown
    if alone and not complete:
        with Store(site / ".newsmirror" / "state.sqlite") as store:
            pending = [store.article(i.source, i.key) for i in store.all_items()
                       if i.state == "pending"]
        alone -= {url for a in pending if a for url in _LOCAL_IMAGE.findall(a.body_html)}
    assert not alone, f"images without a post: {sorted(alone)}"


def assert_same_posts(
    site: Path, reference: dict[str, bytes], *, collisions_may_move: bool = False
) -> str | None:
    """The posts of ``site`` are those of the uninterrupted run: names and bytes.

    ``collisions_may_move``: the two posts of a title two sources share on one day may
    have swapped names (which one got the suffix), as when one source failed in the run
    the other wrote in; a note saying so is returned. Their bytes must still be equal.
    """
    posts = posts_of(site)
    if posts == reference:
        return None

    def by_url(found: dict[str, bytes]) -> dict[str, tuple[str, bytes]]:
        return {read_article(raw.decode()).url: (name, raw) for name, raw in found.items()}

    here, there = by_url(posts), by_url(reference)
    assert set(here) == set(there), set(here) ^ set(there)
    differ = sorted(url for url in here if here[url][1] != there[url][1])
    moved = sorted((there[url][0], here[url][0]) for url in here if here[url][0] != there[url][0])
    colliding = (slugify(SAME_SOURCE_TITLE), slugify(CROSS_SOURCE_TITLE))
    names_only = not differ and all(any(c in n for c in colliding for n in pair) for pair in moved)
    if names_only and collisions_may_move:
        return f"same-title posts under swapped names (uninterrupted, this run): {moved}"
    pytest.fail(
        "posts differ from the uninterrupted run"
        + (" (only in the names of same-title, same-day posts)" if names_only else "")
        + f": names (uninterrupted, this run) {moved}; different bytes {differ}"
    )


# -- runs of the command line -----------------------------------------------------------

_runs = itertools.count()


@dataclass
class Run:
    proc: subprocess.Popen[bytes]
    started: float
    log: Path

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start(site: Path, logs: Path, *args: str) -> Run:
    """``newsmirror run`` in its own session: its pid is the session id of every process
    it starts (workers, the resource tracker), also after it is killed."""
    log = logs / f"run-{next(_runs)}.stderr"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsmirror.cli", "run", "--site", str(site), "-q", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            start_new_session=True,
            env={**os.environ, "TMPDIR": str(logs)})  # a bug's traceback file goes there
    return Run(proc, time.monotonic(), log)


def finish(run: Run, timeout: float = 120) -> int:
    code = run.proc.wait(timeout)
    assert "Traceback" not in run.stderr(), run.stderr()
    left = wait_until_gone(run.proc.pid, [])
    assert not left, f"processes left after a run ended: {left}"
    return code


def wait_until_gone(sid: int, known: list[Proc], last: list[str] | None = None) -> list[Proc]:
    """Wait up to GRACE seconds for the processes of session ``sid`` (and ``known``) to
    end; those still alive then, which are killed (so that no test leaves them).
    ``last`` gets the kinds of the processes that ended last."""
    deadline = time.monotonic() + GRACE
    while True:
        left = {p.pid: p for p in session(sid)}
        left.update((p.pid, p) for p in known if alive(p) and p.pid != sid)
        if not left or time.monotonic() > deadline:
            break
        if last is not None:
            last[:] = sorted(kind(p) for p in left.values())
        time.sleep(0.005)
    for proc in left.values():
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return list(left.values())


def kind(proc: Proc) -> str:
    if "resource_tracker" in proc.cmdline:
        return "resource tracker"
    return "worker" if "multiprocessing" in proc.cmdline else proc.cmdline[:60]


@dataclass
class Kill:
    workers: int  # worker processes the run had when it was killed
    dying: float  # seconds from SIGKILL to the run's end (longer in uninterruptible I/O)
    seconds: float  # from then until every other process of the run had ended
    left: list[Proc]  # processes still alive after GRACE: orphans
    last: list[str]  # the kinds of the processes that ended last


def kill_at(run: Run, moment: float) -> Kill | None:
    """SIGKILL the run ``moment`` seconds after its start; None if it ended before."""
    try:
        run.proc.wait(timeout=max(0.0, run.started + moment - time.monotonic()))
        return None
    except subprocess.TimeoutExpired:
        pass
    before = session(run.proc.pid)
    os.kill(run.proc.pid, signal.SIGKILL)  # the run only: its workers must follow alone
    killed = time.monotonic()
    run.proc.wait()
    dead = time.monotonic()
    last: list[str] = []
    left = wait_until_gone(run.proc.pid, before, last)
    workers = sum(kind(p) == "worker" for p in before)
    return Kill(workers, dead - killed, time.monotonic() - dead, left, last)


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> Iterator[Corpus]:
    server = CorpusServer()
    try:
        yield server.serve(Corpus(server.base))
    finally:
        server.close()


@dataclass
class Reference:
    posts: dict[str, bytes]
    seconds: float
    blocks: int  # bytes of disk the whole site takes (st_blocks)


@pytest.fixture(scope="module")
def reference(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The uninterrupted run, in a site of its own."""
    root = tmp_path_factory.mktemp("reference")
    site = new_site(root / "site", corpus)
    run = start(site, root)
    assert finish(run) == 0, run.stderr()
    seconds = time.monotonic() - run.started
    assert check_site(site, corpus, complete=True) == len(corpus.article_urls)
    blocks = sum(p.lstat().st_blocks * 512 for p in site.rglob("*"))
    return Reference(posts_of(site), seconds, blocks)


def test_the_corpus_is_what_the_kill_test_needs(corpus: Corpus, reference: Reference):
    """Enough generic pages for the worker pool; the colliding titles got two names."""
    assert corpus.page_count > 50 and len(corpus.feeds) == 4
    assert {f.kind for f in corpus.feeds} == {"rss", "atom", "json"}
    # the full-text source keeps its images: one file per image, one shown twice
    shown = [url for raw in reference.posts.values()
             for url in _LOCAL_IMAGE.findall(raw.decode())]
    assert len(shown) == 8 and len(set(shown)) == 7, shown
    for title in (SAME_SOURCE_TITLE, CROSS_SOURCE_TITLE):
        assert sum(slugify(title) in name for name in reference.posts) == 2


# -- the kill test -----------------------------------------------------------------------


@dataclass
class Tally:
    kills: int = 0
    with_workers: int = 0
    completed: int = 0
    chains: int = 0
    checks: int = 0  # invariants checked (one site check is four, see below)
    posts_checked: int = 0
    slowest_end: float = 0.0
    slowest_last: list[str] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    dying: list[float] = field(default_factory=list)
    orphans: list[Proc] = field(default_factory=list)


def test_sigkill_at_random_moments_loses_nothing_and_leaves_nothing(
    corpus: Corpus, reference: Reference, tmp_path: Path, record_property
):
    began = time.monotonic()
    rng = random.Random(SEED)
    tally = Tally()
    moments: list[float] = []

    def next_moment() -> float:
        # stratified: one moment in each KILLS-th of the uninterrupted run's duration
        if not moments:
            n = KILLS
            moments.extend(reference.seconds * (i + rng.random()) / n for i in range(n))
            rng.shuffle(moments)
        return moments.pop()

    def fresh_site() -> Path:
        tally.chains += 1
        return new_site(tmp_path / f"site-{tally.chains}", corpus)

    def completed(run: Run, site: Path) -> None:
        assert finish(run) == 0, run.stderr()
        tally.posts_checked += check_site(site, corpus, complete=True)
        assert_same_posts(site, reference.posts)
        tally.completed += 1
        # no litter, posts whole, no duplicate, all there, same bytes; images whole,
        # present, each with its post
        tally.checks += 8

    site, chain_kills = fresh_site(), 0
    while tally.kills < KILLS:
        run = start(site, tmp_path)
        kill = kill_at(run, next_moment())
        if kill is None:  # the run ended first: this site is complete
            completed(run, site)
            site, chain_kills = fresh_site(), 0
            continue
        tally.kills += 1
        chain_kills += 1
        tally.with_workers += kill.workers > 0
        tally.ends.append(kill.seconds)
        tally.dying.append(kill.dying)
        if kill.seconds > tally.slowest_end:
            tally.slowest_end, tally.slowest_last = kill.seconds, kill.last
        tally.orphans += kill.left
        # (a worker spawned just as its parent died may print multiprocessing's EOFError
        # reading its start-up data: not newsmirror's code, and the worker ends)
        assert not re.search(r'File ".*newsmirror', run.stderr()), run.stderr()
        tally.posts_checked += check_site(site, corpus, complete=False)
        tally.checks += 7  # no orphan, no litter, posts whole, no duplicate; images (3)
    if chain_kills:
        completed(start(site, tmp_path), site)

    seconds = time.monotonic() - began
    summary = (
        f"crash: {tally.kills} SIGKILLs ({tally.with_workers} with the worker pool "
        f"running) over {tally.chains} sites, {tally.completed} runs completed and "
        f"compared byte for byte; {tally.checks} invariant checks, "
        f"{tally.posts_checked} post files read back; a killed run ended within "
        f"{max(tally.dying) * 1000:.0f} ms of its SIGKILL (median {median(tally.dying)}), "
        f"the rest of its processes within {tally.slowest_end * 1000:.0f} ms after it "
        f"(median {median(tally.ends)}; the last to end then: "
        f"{', '.join(tally.slowest_last) or 'none'}); orphans {len(tally.orphans)}; "
        f"uninterrupted run {reference.seconds:.2f} s; {seconds:.1f} s"
    )
    print(summary)
    record_property("crash", summary)
    assert not tally.orphans, f"processes outlived their killed run: {tally.orphans}"
    # the moments are spread over the run: some must land while the pool works
    assert tally.with_workers >= 3, summary


def median(seconds: list[float]) -> str:
    return f"{sorted(seconds)[len(seconds) // 2] * 1000:.0f} ms"


# -- workers die with their parent, by either guard alone ---------------------------------

_POOL_SCRIPT = textwrap.dedent("""
    import multiprocessing, os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    import crashkit
    from newsmirror.pipeline import _pool

    if __name__ == "__main__":
        init = {"both": _pool._init_worker, "signal": crashkit.init_worker_signal_only,
                "poll": crashkit.init_worker_poll_only}[sys.argv[1]]
        pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=init, initargs=((), os.getpid()))
        pids = [pool.submit(os.getpid) for _ in range(2)]
        for _ in range(2):
            pool.submit(time.sleep, 60)
        print(" ".join(str(f.result()) for f in pids), flush=True)
        time.sleep(60)
""")


@pytest.mark.parametrize("guard", ["both", "signal", "poll"])
def test_pool_workers_end_with_a_killed_parent(tmp_path: Path, guard: str):
    script = tmp_path / "pool.py"
    script.write_text(_POOL_SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, str(script), guard], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL,  # the tracker warns of leaked semaphores
                            start_new_session=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        workers = [p for p in session(proc.pid) if p.pid != proc.pid and "spawn_main" in p.cmdline]
        assert len(workers) >= 1 and {str(p.pid) for p in workers} >= set(line.split()), line
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        began = time.monotonic()
        left = wait_until_gone(proc.pid, workers)
        assert not left, f"orphans: {left}"
        # the kernel's signal is immediate; the poll within PARENT_POLL (0.5 s)
        assert time.monotonic() - began < (0.5 if guard == "signal" else 2.0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_pages_sent_after_the_pool_shut_down_are_abandoned_not_degraded():
    """When a source raises, run_async shuts the pool down while other sources still
    build: their pages must end like cancelled tasks (a plain exception would count as
    an extraction failure, and the post be written from the feed's teaser), and no
    callback may raise after the shutdown."""
    job = PageJob(b"<p>x</p>", "text/html", "http://127.0.0.1/a", "UTC", (), False, None, False)

    async def main() -> None:
        pool = PagePool(())
        waiting = asyncio.ensure_future(pool.run(job))  # in a batch not yet flushed
        await asyncio.sleep(0)
        pool.shutdown()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(waiting, 5)  # (not left waiting forever)
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(pool.run(job), 5)
        await asyncio.sleep(0.01)  # past BATCH_WAIT: no flush left to run

    loop = asyncio.new_event_loop()
    errors: list[dict] = []
    loop.set_exception_handler(lambda _, context: errors.append(context))
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert not errors


# -- write_atomic: killed mid-write, unsupported file systems, the sweep -------------------

_WRITER_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from newsmirror.util import files

    if sys.argv[2] == "named":
        files._anonymous = False
    def stuck(fd, raw):  # half the file, then "killed" at leisure
        os.write(fd, raw[: len(raw) // 2])
        print("writing", flush=True)
        time.sleep(60)
    files._write_all = stuck
    files.write_atomic(Path(sys.argv[1]), "新闻报道。" * 5000)
""")


@pytest.mark.parametrize("mode", ["unnamed", "named"])
@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_a_write_killed_halfway(tmp_path: Path, mode: str, existing: bool):
    """Killed in the middle of writing: the target is untouched and, with O_TMPFILE, the
    folder holds nothing else; a named temporary file (no O_TMPFILE) is swept later."""
    folder = tmp_path / "_posts"
    folder.mkdir()
    target = folder / "2025-03-01-x.md"
    if existing:
        target.write_text("the old post", encoding="utf-8")
    script = tmp_path / "writer.py"
    script.write_text(_WRITER_SCRIPT, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(target), mode],
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"writing\n"
    proc.kill()
    proc.wait()
    left = sorted(p.name for p in folder.iterdir())
    assert left == ([target.name] if existing else []) or mode == "named", left
    if existing:
        assert target.read_text(encoding="utf-8") == "the old post"
    if mode == "named":
        (stale,) = [name for name in left if name != target.name]
        assert stale.startswith(f".tmp-{proc.pid}-")
        assert remove_stale_temp_files(tmp_path, recursive=True) == [folder / stale]
        assert sorted(p.name for p in folder.iterdir()) == ([target.name] if existing else [])


def test_write_atomic_never_shows_a_temporary_name_for_a_new_file(tmp_path: Path, monkeypatch):
    names: list[str] = []
    real_link = os.link

    def link(src, dst, **kwargs):
        names.append(os.path.basename(dst))
        return real_link(src, dst, **kwargs)

    monkeypatch.setattr(files.os, "link", link)
    write_atomic(tmp_path / "a.md", "new")
    assert names == ["a.md"]  # linked straight to its name
    write_atomic(tmp_path / "a.md", "replaced")
    assert names[1] == "a.md" and names[2].startswith(".tmp-")  # exists: hidden name, rename
    assert write_if_changed(tmp_path / "a.md", b"again") and names[3].startswith(".tmp-")
    assert sorted(os.listdir(tmp_path)) == ["a.md"]
    assert (tmp_path / "a.md").read_text() == "again"
    assert (tmp_path / "a.md").stat().st_mode & 0o777 == 0o644 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("refusal", [
    ("open", errno.EOPNOTSUPP), ("open", errno.EISDIR), ("open", errno.EINVAL),
    ("link", errno.EXDEV), ("link", errno.EPERM),
])
def test_write_atomic_falls_back_to_a_named_file(tmp_path: Path, monkeypatch, refusal):
    """A file system without unnamed files (or a sandbox refusing the link) gets the named
    temporary file, once per folder, with the same result."""
    call, code = refusal
    monkeypatch.setattr(files, "_named_only", set())
    real_open, real_link = os.open, os.link
    refused: list[str] = []

    def fake_open(path, flags, mode=0o777, **kwargs):
        if call == "open" and flags & files._O_TMPFILE == files._O_TMPFILE:
            refused.append("open")
            raise OSError(code, os.strerror(code), path)
        return real_open(path, flags, mode, **kwargs)

    def fake_link(src, dst, **kwargs):
        if call == "link" and "src_dir_fd" in kwargs:
            refused.append("link")
            raise OSError(code, os.strerror(code), src, None, dst)
        return real_link(src, dst, **kwargs)

    monkeypatch.setattr(files.os, "open", fake_open)
    monkeypatch.setattr(files.os, "link", fake_link)
    for text in ("one", "two", "three 中文"):
        write_atomic(tmp_path / "a.md", text)
    assert refused == [call]  # the folder is remembered
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "three 中文"
    assert sorted(os.listdir(tmp_path)) == ["a.md"]


def test_a_full_disk_names_the_file_and_leaves_nothing(tmp_path: Path, monkeypatch):
    write_atomic(tmp_path / "old.md", "old")

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", full)
    for name in ("new.md", "old.md"):
        with pytest.raises(OSError) as caught:
            write_atomic(tmp_path / name, "text")
        assert caught.value.errno == errno.ENOSPC
        assert caught.value.filename == str(tmp_path / name)
        assert str(tmp_path / name) in str(caught.value) and "->" not in str(caught.value)
    assert sorted(os.listdir(tmp_path)) == ["old.md"]
    assert (tmp_path / "old.md").read_text() == "old"


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed files", "named files"])
def test_write_many_on_a_full_disk_names_the_file_and_names_no_unwritten_one(
    tmp_path: Path, monkeypatch, unnamed: bool
):
    """``write_many`` writes every file of a batch before it names any (unnamed files,
    synced together): a full disk at the third leaves no file at all. Written by name
    (no unnamed files here), the first two are whole and listed as done. Either way the
    error names the file that found the disk full."""
    monkeypatch.setattr(files, "_anonymous", unnamed and files._anonymous)
    real_write = os.write
    writes: list[int] = []

    def write(fd: int, data: bytes) -> int:
        writes.append(fd)
        if len(writes) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(files.os, "write", write)
    done: list[Path] = []
    with pytest.raises(OSError) as caught:
        files.write_many([(tmp_path / f"{n}.md", f"post {n}") for n in range(5)], done)
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(tmp_path / "2.md")
    expected = [] if files._anonymous else [tmp_path / "0.md", tmp_path / "1.md"]
    assert done == expected
    assert sorted(os.listdir(tmp_path)) == [p.name for p in expected]
    assert all(p.read_text() == f"post {p.stem}" for p in expected)


def test_posts_are_on_disk_before_their_names_and_both_before_the_store_says_written(
    tmp_path: Path, monkeypatch
):
    """Power loss (issue 16): every file a run writes has its bytes fsynced before it is
    linked or renamed into place, so a name never points at an empty or partial file; the
    posts folder is fsynced after its new names and before the store marks the posts
    written, so a post the store counts as written is on disk. (os.fsync, os.link and
    os.replace are wrapped in this process to record the order of the calls.)"""
    events: list[tuple[str, object]] = []
    real_fsync, real_link, real_replace = os.fsync, os.link, os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            events.append(("folder synced", os.readlink(f"/proc/self/fd/{fd}")))
        else:
            events.append(("file synced", info.st_ino))

    def named(dst: object) -> None:
        path = os.fspath(dst)  # type: ignore[call-overload]
        if not os.path.basename(path).startswith(".tmp-"):  # a hidden name is renamed
            events.append(("named", (path, os.stat(path).st_ino)))

    def link(src, dst, **kwargs):
        real_link(src, dst, **kwargs)
        named(dst)

    def replace(src, dst, **kwargs):
        real_replace(src, dst, **kwargs)
        named(dst)

    real_mark = Store.mark_written

    def mark_written(self, source, keys):
        events.append(("marked written", len(keys)))
        real_mark(self, source, keys)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(files.os, "link", link)
    monkeypatch.setattr(files.os, "replace", replace)
    monkeypatch.setattr(Store, "mark_written", mark_written)
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsmirror.toml").write_text(
        '[[sources]]\nname = "S"\nurl = "feed.xml"\nfull_text = "never"\n', encoding="utf-8")

    def feed(edited: str) -> None:
        items = "".join(f"<item><title>Story {n}</title><link>https://news.example/{n}</link>"
                        f"<description>Text {n}{edited if n == 0 else ''}.</description>"
                        "<pubDate>Mon, 31 Oct 2022 06:46:00 GMT</pubDate></item>"
                        for n in range(3))
        (site / "feed.xml").write_text(f"<rss><channel><title>t</title>{items}</channel></rss>",
                                       encoding="utf-8")

    posts = os.path.realpath(site / "_posts")
    for edited in ("", " (edited)"):  # new posts linked into place, then one replaced
        events.clear()
        feed(edited)
        assert run(load_config(site), RunOptions()).ok
        marked = events.index(("marked written", 3 if not edited else 1))
        written = [(n, e[1]) for n, e in enumerate(events) if e[0] == "named"]
        assert {os.path.dirname(p) for _, (p, _) in written} == {posts, str(site / ".newsmirror")}
        for n, (path, inode) in written:
            assert ("file synced", inode) in events[:n], f"{path} named before its bytes synced"
        last_post = max(n for n, (p, _) in written if p.startswith(posts))
        assert last_post < marked
        assert ("folder synced", posts) in events[last_post:marked], events


def test_remove_stale_temp_files(tmp_path: Path):
    """Removed: a dead pid's, and this pid's from before this process started (pid
    reused); kept: a live process's, other names, and folders newsmirror never writes."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    me, parent = os.getpid(), os.getppid()
    (tmp_path / "_posts").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "deep" / "er").mkdir(parents=True)
    files_ = {
        f"_posts/.tmp-{dead_pid}-3.md": True,
        f"deep/er/.tmp-{dead_pid}-0.json": True,
        f".tmp-{dead_pid}-1": True,
        f"_posts/.tmp-{me}-7.md": False,  # being written by this process
        f"_posts/.tmp-{me}-8.md": True,  # older than this process: its pid was reused
        f"_posts/.tmp-{parent}-1.md": False,  # a live process writing
        f".git/.tmp-{dead_pid}-2.md": False,  # not ours to walk
        "_posts/.tmp-notes.md": False,
        f"_posts/.tmp-{dead_pid}-x.md": False,
        f"_posts/2025-01-01-.tmp-{dead_pid}-1.md": False,
    }
    for rel in files_:
        (tmp_path / rel).write_text("x")
    long_ago = time.time() - 10 * 365 * 86400
    os.utime(tmp_path / f"_posts/.tmp-{me}-8.md", (long_ago, long_ago))
    removed = remove_stale_temp_files(tmp_path, recursive=True)
    assert sorted(removed) == sorted(tmp_path / rel for rel, gone in files_.items() if gone)
    for rel, gone in files_.items():
        assert (tmp_path / rel).exists() is not gone, rel
    # one folder only, unless recursive; a missing folder has nothing
    (tmp_path / f"deep/.tmp-{dead_pid}-5.md").write_text("x")
    assert remove_stale_temp_files(tmp_path) == []
    assert remove_stale_temp_files(tmp_path / "deep") == [tmp_path / f"deep/.tmp-{dead_pid}-5.md"]
    assert remove_stale_temp_files(tmp_path / "missing", recursive=True) == []


# -- a full disk -----------------------------------------------------------------------------


@contextmanager
def small_disk(folder: Path, size: int) -> Iterator[Path]:
    """A tmpfs of ``size`` bytes mounted on ``folder`` (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def resize(disk: Path, size: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(disk)], check=True)


@pytest.mark.parametrize("share", [0.4, 0.85])
def test_a_full_disk_fails_clearly_loses_nothing_and_a_rerun_completes(
    corpus: Corpus, reference: Reference, tmp_path: Path, share: float, record_property
):
    """The site on a disk with ``share`` of the room the whole site needs: the run
    fails, with one clear line; every post written before is whole and stays; on the
    enlarged disk a rerun completes, equal to the uninterrupted run."""
    size = max(64 * 1024, int(reference.blocks * share) // 4096 * 4096)
    with small_disk(tmp_path / "disk", size) as disk:
        site = new_site(disk / "site", corpus)
        run = start(site, tmp_path)
        code = finish(run)  # no traceback, no process left
        err = run.stderr()
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 1, err
        # one line for the run, none per source (no source failed: the disk did)
        assert len(lines) == 1 and lines[0].startswith("newsmirror: "), err
        assert "No space left on device" in lines[0] or "disk is full" in lines[0], err
        assert "unexpected" not in err and "free some space" in lines[0], err
        written = posts_of(site)
        check_site(site, corpus, complete=False)  # whole posts, no temporary file

        resize(disk, 64 * 1024 * 1024)
        rerun = start(site, tmp_path)  # no source is in backoff: the disk was not theirs
        code = finish(rerun)
        assert code == 0, rerun.stderr()
        check_site(site, corpus, complete=True)
        after = posts_of(site)
        assert {n: after.get(n) for n in written} == written  # nothing written was lost
        note = assert_same_posts(site, reference.posts, collisions_may_move=True)
        if note:  # which source got the plain name followed which one failed: expected
            print(f"full disk at {share:.0%}: {note}")
            record_property("names", note)


@pytest.mark.parametrize("published", [False, True], ids=["first run", "after a published run"])
def test_a_full_disk_then_a_lost_state_file_writes_every_post_once(
    corpus: Corpus, reference: Reference, tmp_path: Path, published: bool
):
    """Issue 16's scenario: the disk fills during a run, then space is freed and the state
    file is lost (a runner's cache gone), with the posts folder and the snapshot as they
    were (``published``: one committed by an earlier run, which predates the failing
    run's posts). The next run writes every post that was pending, counts none as
    deleted, and writes none of the posts already there a second time."""
    share = 0.6 if published else 0.4
    size = max(64 * 1024, int(reference.blocks * share) // 4096 * 4096)
    with small_disk(tmp_path / "disk", size) as disk:
        site = new_site(disk / "site", corpus)
        if published:
            earlier = start(site, tmp_path, "--source", corpus.feeds[0].name)
            assert finish(earlier) == 0, earlier.stderr()
            assert (site / ".newsmirror" / "items.jsonl").exists()
        run = start(site, tmp_path)
        assert finish(run) == 1, run.stderr()
        assert "free some space" in run.stderr(), run.stderr()
        written = posts_of(site)
        check_site(site, corpus, complete=False)

        resize(disk, 64 * 1024 * 1024)
        for part in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm"):
            (site / ".newsmirror" / part).unlink(missing_ok=True)
        rerun = start(site, tmp_path)
        assert finish(rerun) == 0, rerun.stderr()
        check_site(site, corpus, complete=True)  # every article, each in one post
        after = posts_of(site)
        assert {n: after.get(n) for n in written} == written
        assert_same_posts(site, reference.posts, collisions_may_move=True)
