"""Many workers on one PostgreSQL state: throughput with 1, 2 and 4 workers, and a run
where one of 4 workers is SIGKILLed mid-run and the others take over its claim.

    python bench/bench_workers.py [--sources 2000] [--hosts 20] [--items 3]
                                  [--page-every 4] [--workers 1,2,4] [--no-kill]
                                  [--layout spread|blocks] [--delay 0] [--repeats 1]
                                  [--out DIR] [--keep]

The corpus is bench/hosts_server.py (its own process): ``--sources`` feeds spread over
``--hosts`` loopback addresses (127.0.0.2 ...), ``--items`` items each, every
``--page-every``-th a teaser whose article page is on the same host. PostgreSQL is the
server NEWSMIRROR_TEST_POSTGRES names, else a throwaway cluster (tests/pgserver.py).

Each row starts from scratch: a new database, a new site (``newsmirror init``, its
newsmirror.toml listing every source, ``per_host_connections = 2``, a content rule per
host), ``newsmirror publish`` (loads the config into the database), then N
``newsmirror worker --state URL --until-idle`` processes; ``wall`` is from the workers'
start until the last one exits, ``items/s`` the items the workers stored (rows of the
store's ``items``) over that; then ``newsmirror publish`` again writes the posts
(``publish s``). ``max/host`` is the largest number of connections the server ever saw
open at once on one address (it must stay <= 2). The kill row: 4 workers, one SIGKILLed
once it has stored a source and holds a claim on another; ``--claim-timeout 5``.
``--repeats N`` runs the whole plan N times, interleaved, and the table gives the median
(min-max) of each row: other jobs on the machine move single runs a lot.

The functions are shared with tests/test_workers.py (the same setup, with asserts).
This is a script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from hosts_server import Handle, serve_hosts  # noqa: E402

NEWSMIRROR = [sys.executable, "-m", "newsmirror.cli"]  # this interpreter's newsmirror


def source_name(f: int) -> str:
    """Names sort as the feeds do (sources are claimed in id order when equally due)."""
    return f"站{f:05d}"


def write_site(root: Path, server: Handle, per_host_connections: int = 2,
               per_host_delay: float = 0.0, name: str = "site") -> Path:
    """``newsmirror init`` a site and list every feed of ``server`` in its config, with a
    content rule for each host (the article pages' container)."""
    site = root / name
    subprocess.run([*NEWSMIRROR, "init", str(site)], check=True, capture_output=True)
    config = site / "newsmirror.toml"
    text = config.read_text(encoding="utf-8")
    settings = f"per_host_connections = {per_host_connections}\n"
    if per_host_delay:
        settings += f"per_host_delay = {per_host_delay}\n"
    text = text.replace("[site]\n", "[site]\n" + settings, 1)
    parts = [text]
    for address in server.addresses:
        parts.append(f'\n[rules."{address}"]\ncontent = ["article .article-body"]\n')
    for f in range(server.layout.feeds):
        parts.append(f'\n[[sources]]\nname = "{source_name(f)}"\nurl = "{server.feed_url(f)}"\n')
    config.write_text("".join(parts), encoding="utf-8")
    return site


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NEWSMIRROR, *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def publish(site: Path, url: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``newsmirror publish --json``: the process and its JSON (``{}`` when not JSON)."""
    done = run_cli("publish", "--site", str(site), "--state", url, "--json")
    try:
        data = json.loads(done.stdout)
    except ValueError:
        data = {}
    return done, data if isinstance(data, dict) else {"value": data}


def start_worker(url: str, name: str, claim_timeout: float = 5,
                 log_dir: Path | None = None) -> subprocess.Popen[str]:
    """``newsmirror worker --state URL --until-idle``; output to files in ``log_dir``."""
    cmd = [*NEWSMIRROR, "worker", "--state", url, "--until-idle", "--claim-timeout",
           str(claim_timeout), "--name", name, "--json"]
    if log_dir is None:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    out = open(log_dir / f"{name}.out", "w")  # noqa: SIM115 (closed by the child's exit)
    err = open(log_dir / f"{name}.err", "w")  # noqa: SIM115
    try:
        return subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
    finally:
        out.close()
        err.close()


def worker_output(log_dir: Path, name: str) -> tuple[str, str]:
    return ((log_dir / f"{name}.out").read_text(errors="replace"),
            (log_dir / f"{name}.err").read_text(errors="replace"))


_FROM = re.compile(r"^from: (.*)$", re.M)


def post_links(site: Path) -> tuple[Counter[str], int]:
    """The ``from:`` link of every post in ``_posts/`` (counted), and the file count."""
    links: Counter[str] = Counter()
    files = 0
    for path in (site / "_posts").rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        files += 1
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        match = _FROM.search(head)
        if match:
            value = match.group(1).strip()
            if value.startswith('"'):
                value = json.loads(value)
            links[value] += 1
    return links, files


def posts_state(site: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``_posts/``: (size, mtime in ns), to tell whether a publish wrote."""
    out = {}
    for path in (site / "_posts").rglob("*"):
        if path.is_file():
            st = path.stat()
            out[str(path.relative_to(site))] = (st.st_size, st.st_mtime_ns)
    return out


class Probe:
    """Reads the workers' state in the database (the store's tables ``items`` and
    ``source_queue``) with psycopg, as an observer."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def items(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM items").fetchone()[0])  # type: ignore[index]

    def claims(self) -> list[tuple[str, str]]:
        """(source, holder) of every source a worker holds."""
        rows = self.conn.execute(
            "SELECT source, holder FROM source_queue WHERE holder IS NOT NULL").fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def claim_of(self, source: str) -> tuple[str | None, float | None]:
        row = self.conn.execute("SELECT holder, held_until FROM source_queue WHERE source = %s",
                                (source,)).fetchone()
        return (None, None) if row is None else (row[0], row[1])

    def slots(self) -> list[tuple[str, str]]:
        """(host, holder) of every host slot a worker holds."""
        rows = self.conn.execute(
            "SELECT host, holder FROM host_slots WHERE holder IS NOT NULL").fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def make_all_due(self) -> None:
        """Every source due now, as if its next poll's time had come (for a second pass)."""
        self.conn.execute("UPDATE source_queue SET due_at = 0")

    def close(self) -> None:
        self.conn.close()


@dataclass
class Kill:
    """What happened to the worker that was SIGKILLed."""

    name: str
    at: float = 0.0  # seconds after the workers started
    sources_done: int = 0  # sources it was seen to release before it died (at least)
    orphans: list[str] = field(default_factory=list)  # the sources it held when it died
    items_before: int = 0  # items in the store when it died
    slots: list[str] = field(default_factory=list)  # the hosts of the slots it held then


@dataclass
class Outcome:
    workers: int
    wall: float
    items: int
    exit_codes: dict[str, int]
    stats: dict[str, Any]
    kill: Kill | None = None
    outputs: dict[str, tuple[str, str]] = field(default_factory=dict)


def run_workers(url: str, n: int, log_dir: Path, kill_one: bool = False,
                claim_timeout: float = 5, server: Handle | None = None,
                timeout: float = 600) -> Outcome:
    """Start ``n`` workers; with ``kill_one``, SIGKILL the first once it has released a
    source (so stored it) and holds another; wait for the rest to exit."""
    names = [f"w{k}" for k in range(n)]
    victim = names[0] if kill_one else None
    probe = Probe(url)
    start = time.monotonic()
    procs = {name: start_worker(url, name, claim_timeout, log_dir) for name in names}
    kill = Kill(victim) if victim else None
    try:
        if kill is not None and victim is not None:
            _kill_when_busy(probe, procs[victim], kill, start, timeout)
        codes = {}
        for name, proc in procs.items():
            left = max(1.0, timeout - (time.monotonic() - start))
            try:
                codes[name] = proc.wait(left)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait()
        wall = time.monotonic() - start
        items = probe.items()
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        probe.close()
    stats = server.stats(reset=True) if server is not None else {}
    outputs = {name: worker_output(log_dir, name) for name in names}
    return Outcome(n, wall, items, codes, stats, kill, outputs)


def _kill_when_busy(probe: Probe, proc: subprocess.Popen[str], kill: Kill, start: float,
                    timeout: float) -> None:
    """SIGKILL ``proc`` once the worker ``kill.name`` has let go of a source it was seen
    holding (so stored it) and holds another (the claims are polled every 5 ms)."""
    seen: set[str] = set()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            return  # it finished (or failed) before it could be killed
        held = {s for s, holder in probe.claims() if _is(holder, kill.name)}
        done = seen - held
        seen |= held
        if held and done:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kill.at = time.monotonic() - start
            kill.sources_done = len(done)
            kill.items_before = probe.items()
            kill.orphans = sorted(s for s, holder in probe.claims() if _is(holder, kill.name))
            kill.slots = sorted(h for h, holder in probe.slots() if _is(holder, kill.name))
            return
        time.sleep(0.005)


def _is(holder: str, name: str) -> bool:
    """A claim's holder names the worker: ``name`` itself, or with a suffix (pid, host)."""
    return holder == name or bool(re.match(re.escape(name) + r"\b", holder))


# -- the benchmark --


def _row(label: str, o: Outcome, publish_s: float, posts: int, load: str) -> list[str]:
    st = o.stats
    return [label, f"{o.wall:.1f}", str(o.items), f"{o.items / o.wall:.0f}",
            str(sum(st.get("feed_requests", []))), str(st.get("page_requests", "")),
            str(st.get("max_active", "")), f"{publish_s:.1f}", str(posts),
            ",".join(str(c) for c in o.exit_codes.values()), load]


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sources", type=int, default=2000)
    p.add_argument("--hosts", type=int, default=20)
    p.add_argument("--items", type=int, default=3)
    p.add_argument("--page-every", type=int, default=4)
    p.add_argument("--workers", default="1,2,4")
    p.add_argument("--no-kill", action="store_true", help="skip the kill/takeover row")
    p.add_argument("--layout", choices=("spread", "blocks"), default="spread")
    p.add_argument("--delay", type=float, default=0.0, help="the server's response delay")
    p.add_argument("--claim-timeout", type=float, default=5)
    p.add_argument("--out", type=Path, default=None, help="work folder (default: temp)")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep each run's site and logs")
    args = p.parse_args()

    import pgserver

    pg = pgserver.start_server()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-workers-"))
    out.mkdir(parents=True, exist_ok=True)
    plan = [(int(n), False) for n in args.workers.split(",")]
    if not args.no_kill:
        plan.append((4, True))
    results: dict[str, list[tuple[Outcome, float, int, str]]] = {}
    requests = 0
    total = args.sources * args.items
    try:
        with serve_hosts(feeds=args.sources, hosts=args.hosts, items=args.items,
                         page_every=args.page_every, layout=args.layout,
                         delay=args.delay) as server:
            for rep in range(args.repeats):  # the repeats interleaved: noise spreads evenly
                for n, kill in plan:
                    label = f"{n} worker{'s' if n > 1 else ''}" + (", 1 killed" if kill else "")
                    url = pg.create_database()
                    run_dir = out / f"{rep}-{n}{'k' if kill else ''}"
                    run_dir.mkdir(parents=True, exist_ok=True)
                    site = write_site(run_dir, server)
                    done, _ = publish(site, url)
                    if done.returncode != 0:
                        sys.exit(f"publish failed ({done.returncode}): {done.stderr.strip()}")
                    server.stats(reset=True)
                    load = _load()
                    o = run_workers(url, n, run_dir, kill_one=kill,
                                    claim_timeout=args.claim_timeout, server=server)
                    t = time.monotonic()
                    done, _ = publish(site, url)
                    publish_s = time.monotonic() - t
                    links, files = post_links(site)
                    requests += o.stats.get("requests", 0)
                    loads = f"{load}-{_load()}"
                    results.setdefault(label, []).append((o, publish_s, files, loads))
                    print("  ".join(_row(label, o, publish_s, files, loads)), flush=True)
                    if o.kill:
                        k = o.kill
                        print(f"    killed {k.name} at {k.at:.1f} s after {k.sources_done} "
                              f"source(s); it held {len(k.orphans)} claim(s) and "
                              f"{len(k.slots)} host slot(s); items then {k.items_before}",
                              flush=True)
                    if files != total or len(links) != total or sum(links.values()) != total:
                        print(f"    !! {files} files, {len(links)} links, {total} items "
                              "expected", flush=True)
                    pg.drop_database(url)
                    if not args.keep:
                        shutil.rmtree(run_dir, ignore_errors=True)
            server_cpu = server.stats()["cpu"]
    finally:
        pg.close()
    print()
    print("command: python " + " ".join(shlex.quote(a) for a in sys.argv))
    print(f"corpus: {args.sources} sources on {args.hosts} loopback hosts ({args.layout}), "
          f"{args.items} items each ({total} items), every {args.page_every}th a teaser "
          f"with a page; server delay {args.delay} s; claim timeout {args.claim_timeout} s; "
          f"{args.repeats} repeat(s): median (min-max)")
    print(f"server: {requests} requests in the runs, {server_cpu:.1f} s of CPU in its whole "
          f"life (start-up and the publishes' idle time included)")
    print()
    head = ["run", "wall s", "items/s", "max/host", "publish s", "posts/s published",
            "all posted once", "load"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, runs in results.items():
        walls = [o.wall for o, *_ in runs]
        rates = [o.items / o.wall for o, *_ in runs]
        pubs = [p for _, p, _, _ in runs]
        once = all(files == total and o.items == total for o, _, files, _ in runs)
        row = [label, _spread(walls, "{:.1f}"), _spread(rates, "{:.0f}"),
               str(max(o.stats.get("max_active", 0) for o, *_ in runs)),
               _spread(pubs, "{:.1f}"), _spread([total / p for p in pubs], "{:.0f}"),
               "yes" if once else "NO", ", ".join(r[3] for r in runs)]
        print("| " + " | ".join(row) + " |")
    print()
    print("load: the 1-minute load average before the workers started and after they "
          "ended, per repeat (the machine's other jobs count too)")


def _spread(values: list[float], fmt: str) -> str:
    mid = fmt.format(statistics.median(values))
    if len(values) == 1:
        return mid
    return f"{mid} ({fmt.format(min(values))}-{fmt.format(max(values))})"


if __name__ == "__main__":
    main()
