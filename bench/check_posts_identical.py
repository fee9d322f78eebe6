"""Prove a refactor changed no output: one SHA-256 per corpus over everything newsmirror wrote.

    python bench/check_posts_identical.py [--src DIR] [--against OLD_SRC] [--port N] [--json OUT]

Runs newsmirror, imported from ``--src`` (default: this checkout's ``src/``), in-process on:

* ``seed/<feed>``: ``../shared/fixtures/seed/feed.xml`` and ``feed-raw.xml``, each as the
  only feed of a site, source ``联合早报``; each post must also equal ``expected.md`` byte
  for byte (the "golden" lines);
* ``demo``: ``site.write_scaffold`` + ``site.write_demo`` into a temp dir, then a run;
* ``feed``, ``rule``, ``generic``: bench_e2e.py's three modes on the synthetic corpus
  (bench/corpus_server.py, seed 1, FEEDS x ITEMS, sites ``s<f>.corpus.test`` mapped to
  127.0.0.1), each on a scaffolded site;
* ``extract/quality``, ``extract/pages-zh``: ``extract.extract_page(body, url, rules)`` as
  JSON (sort_keys) for every page of bench/quality/manifest.json and of
  ``../shared/fixtures/pages-zh/html/``, once without rules and once with the built-in ones.

Every run's clock is pinned (``RunOptions(now=T0)``), each source of a site runs on its
own (``RunOptions(sources=...)``, in config order: see ``run_site``) and the corpus server
listens on a fixed ``--port``, as links in posts carry it. A pipeline corpus gets one line
for its ``_posts/`` and, if scaffolded, a ``<name>/site`` line for the rest of the site
(layouts, search index, archive pages) except the ``.newsmirror/`` state folder. A digest is the
SHA-256 of the sorted lines ``<relative path> NUL <SHA-256 of the file's bytes>``.

``--against OLD_SRC`` runs this script once per src in a subprocess (so the two versions'
modules never meet in one interpreter), prints a table old/new and exits 1 on any
difference, naming the first differing file, or on a failed golden check. Nothing but
loopback addresses is ever contacted.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import ipaddress
import json
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import bench_e2e  # from this script's folder: the corpus server, its DNS map, site config

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"
SEED = FIXTURES / "seed"
PAGES_ZH = FIXTURES / "pages-zh" / "html"
QUALITY = HERE / "quality"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # after every corpus date: nothing is "future"
FEEDS, ITEMS = 12, 25  # 300 posts a mode; 12 feeds: every combination of the corpus's
# per-feed variants (container by f % 2, CDATA by f % 3, guid kind by f % 4)
STATE_DIR = ".newsmirror"  # the store and snapshot: not output a user publishes
# The public names this check uses. Each entry lists where a name has lived, newest first:
# ``extract_page``, the report of ``newsmirror extract``, moved from the extract stage to
# the CLI when the stages became packages.
REQUIRED = [(("newsmirror.config",), "load_config"), (("newsmirror.pipeline",), "run"),
            (("newsmirror.pipeline",), "RunOptions"), (("newsmirror.site",), "write_scaffold"),
            (("newsmirror.site",), "write_demo"),
            (("newsmirror.cli", "newsmirror.extract"), "extract_page"),
            (("newsmirror.extract",), "load_builtin_rules")]


# --- digests --------------------------------------------------------------------------------

def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def corpus_digest(files: dict[str, str]) -> str:
    return sha("".join(f"{rel}\0{files[rel]}\n" for rel in sorted(files)).encode())


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """{relative path: SHA-256} of every file under ``root`` outside the ``skip`` folders."""
    files = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel.split("/", 1)[0] not in skip:
            files[rel] = sha(path.read_bytes())
    return files


# --- the newsmirror under test ---------------------------------------------------------------

def load_newsmirror(src: Path) -> dict[str, object]:
    """Import the REQUIRED names from ``src`` (ahead of the venv's editable install)."""
    sys.path.insert(0, str(src))
    names: dict[str, object] = {}
    for modules, name in REQUIRED:
        problems = []
        for module in modules:
            try:
                names[name] = getattr(importlib.import_module(module), name)
                break
            except (ImportError, AttributeError) as exc:
                problems.append(f"{module}.{name}: {type(exc).__name__}: {exc}")
        else:
            raise SystemExit(f"--src {src}: cannot use {'; '.join(problems)}")
    where = Path(sys.modules["newsmirror"].__file__).resolve()
    if not where.is_relative_to(src):
        raise SystemExit(f"--src {src}: newsmirror was imported from {where} instead")
    return names


def loopback_only() -> None:
    """Refuse to resolve or connect to anything but loopback, then map the corpus's
    ``*.corpus.test`` hosts to 127.0.0.1 (bench_e2e.patch_dns, on top of this guard)."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def allowed(host: object) -> bool:
        if isinstance(host, bytes):
            host = host.decode()
        if host is None or host == "localhost":
            return True
        try:
            return ipaddress.ip_address(str(host)).is_loopback
        except ValueError:
            return False

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not allowed(host):
            raise OSError(f"check_posts_identical: not resolving {host!r} (loopback only)")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self, address):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6) and not allowed(address[0]):
            raise OSError(f"check_posts_identical: not connecting to {address!r}")
        return real_connect(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign]
    bench_e2e.patch_dns()


# --- the corpora -----------------------------------------------------------------------------

def run_site(nm: dict, site: Path, name: str, out: dict) -> dict[str, str]:
    """Run ``site``'s sources; record its posts (and the rest of a scaffolded site).

    One run per source, in config order: in one run sources finish in any order, and
    posts of different sources with the same title and day get their ``-2``, ``-3``
    name suffixes in that order (seen on the bench corpus: ~50 of 300 names differed
    between two runs of the same code).
    """
    reports = []
    for source in nm["load_config"](site).sources:
        options = nm["RunOptions"](sources=(source.name,), now=T0)
        reports += nm["run"](nm["load_config"](site), options).reports
    errors = [e for r in reports for e in r.errors]
    if errors:
        raise SystemExit(f"{name}: the run failed: {errors[:3]}")
    warnings = [w for r in reports for w in r.warnings]
    if warnings:  # e.g. a page fell back to the feed's text: say so, it changes the posts
        print(f"{name}: {len(warnings)} warnings, e.g. {warnings[0]}", flush=True)
    posts = tree(site / "_posts")
    out[name] = posts
    if (site / "_config.yml").exists():
        out[name + "/site"] = tree(site, skip=("_posts", STATE_DIR))
    return posts


def seed_corpora(nm: dict, tmp: Path, out: dict, golden: dict) -> None:
    expected = sha((SEED / "expected.md").read_bytes())
    for feed in ("feed.xml", "feed-raw.xml"):
        site = tmp / "seed" / feed
        site.mkdir(parents=True)
        (site / "newsmirror.toml").write_text(
            f'[[sources]]\nname = "联合早报"\nurl = "{SEED / feed}"\n', encoding="utf-8")
        posts = run_site(nm, site, f"seed/{feed}", out)
        golden[f"seed/{feed}"] = list(posts.values()) == [expected]


def demo_corpus(nm: dict, tmp: Path, out: dict) -> None:
    site = tmp / "demo"  # as `newsmirror demo` makes it
    nm["write_scaffold"](site, title="newsmirror demo", timezone="Asia/Singapore",
                         overwrite=True)
    nm["write_demo"](site, overwrite=True)
    run_site(nm, site, "demo", out)


def serve_corpus(port: int) -> subprocess.Popen:
    # bench_e2e.Server always takes a random port; here it must be fixed, as it is in
    # every link of every post
    cmd = [sys.executable, str(HERE / "corpus_server.py"), "--feeds", str(FEEDS),
           "--items", str(ITEMS), "--seed", "1", "--port", str(port), "--exit-on-stdin-eof"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    if not proc.stdout.readline().startswith("http://"):
        proc.kill()
        raise SystemExit(f"corpus server did not start on port {port} (in use? try --port)")
    return proc


def bench_corpora(nm: dict, tmp: Path, out: dict, port: int) -> None:
    server = serve_corpus(port)
    try:
        manifest = bench_e2e.fetch_manifest(f"http://127.0.0.1:{port}")
        rules = [site["rule"] for site in manifest["sites"]]
        for name, mode in (("feed", "feed"), ("rule", "page"), ("generic", "page")):
            site = tmp / name
            spec = {"mode": mode, "feeds": FEEDS, "port": port, "loopback": False,
                    "rules": rules if name == "rule" else None}
            bench_e2e._write_config(site, spec)
            nm["write_scaffold"](site)  # keeps newsmirror.toml; adds index and archives
            run_site(nm, site, name, out)
    finally:
        server.terminate()
        server.wait(5)


def extraction_corpora(nm: dict, out: dict) -> None:
    entries = json.loads((QUALITY / "manifest.json").read_text("utf-8"))["pages"]
    quality = [(e["name"], (PAGES_ZH / e["file"][7:] if e["file"].startswith("shared:")
                            else QUALITY / "pages" / e["file"]), e.get("url"))
               for e in entries]
    pages_zh = [(p.stem, p, None) for p in sorted(PAGES_ZH.glob("*.html"))]
    rule_sets = {"generic": (), "rules": nm["load_builtin_rules"]()}
    for corpus, pages in (("extract/quality", quality), ("extract/pages-zh", pages_zh)):
        files = {}
        for page, path, url in pages:
            for label, rules in rule_sets.items():
                result = nm["extract_page"](path.read_bytes(), url, rules)
                text = json.dumps(result, sort_keys=True, ensure_ascii=False, default=str)
                files[f"{page}.{label}.json"] = sha(text.encode())
        out[corpus] = files


def check(src: Path, port: int) -> dict:
    """Every corpus with ``src``'s newsmirror: {"corpora": {name: files}, "golden": ...}."""
    nm = load_newsmirror(src)
    loopback_only()
    out: dict[str, dict[str, str]] = {}
    golden: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="check_posts-") as tmp:
        seed_corpora(nm, Path(tmp), out, golden)
        demo_corpus(nm, Path(tmp), out)
        bench_corpora(nm, Path(tmp), out, port)
    extraction_corpora(nm, out)
    return {"src": str(src), "corpora": out, "golden": golden}


# --- reporting -------------------------------------------------------------------------------

def print_digests(result: dict, seconds: float) -> None:
    print(f"newsmirror from {result['src']} ({seconds:.1f} s)")
    for name, files in result["corpora"].items():
        print(f"{corpus_digest(files)}  {name:<20} {len(files):5d} files")
    for name, ok in result["golden"].items():
        print(f"golden {name}: {'identical to expected.md' if ok else 'DIFFERS from expected.md'}")


def first_difference(old: dict[str, str], new: dict[str, str]) -> str:
    rel = min(r for r in old.keys() | new.keys() if old.get(r) != new.get(r))
    return f"{rel} (old {old.get(rel, 'missing')[:12]}, new {new.get(rel, 'missing')[:12]})"


def compare(old_src: Path, new_src: Path, port: int) -> int:
    results = []
    with tempfile.TemporaryDirectory(prefix="check_posts-") as tmp:
        for n, src in enumerate((old_src, new_src)):
            out = Path(tmp) / f"{n}.json"
            cmd = [sys.executable, __file__, "--src", str(src), "--port", str(port),
                   "--json", str(out)]
            if subprocess.run(cmd, check=False).returncode not in (0, 1) or not out.exists():
                print(f"the run with --src {src} failed (see above)")
                return 2
            results.append(json.loads(out.read_text("utf-8")))
            print()
    old, new = (r["corpora"] for r in results)
    print(f"{'corpus':<20} {'files old/new':>13}  {'old':<16} {'new':<16} result")
    differ = False
    for name in [*old, *(n for n in new if n not in old)]:
        a, b = old.get(name, {}), new.get(name, {})
        same = a == b
        differ |= not same
        print(f"{name:<20} {len(a):>6}/{len(b):<6}  {corpus_digest(a)[:16]} "
              f"{corpus_digest(b)[:16]} {'identical' if same else 'DIFFERENT'}")
        if not same:
            print(f"    first differing file: {first_difference(a, b)}")
    failed = [f"{n} ({r['src']})" for r in results for n, ok in r["golden"].items() if not ok]
    for name in failed:
        print(f"golden check failed: {name}")
    print("identical" if not (differ or failed) else "NOT identical")
    return 1 if differ or failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="the src/ folder to import newsmirror from")
    parser.add_argument("--against", type=Path, help="an older src/ to compare with")
    parser.add_argument("--port", type=int, default=18631, help="the corpus server's port")
    parser.add_argument("--json", type=Path, help="also write every file digest here")
    args = parser.parse_args()
    src = args.src.resolve()
    if args.against:
        return compare(args.against.resolve(), src, args.port)
    start = time.perf_counter()
    result = check(src, args.port)
    print_digests(result, time.perf_counter() - start)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0 if all(result["golden"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
