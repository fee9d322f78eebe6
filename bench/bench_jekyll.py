"""Jekyll build time and memory: newsmirror's scaffold vs a bare minima site.

For each size N, writes N posts in the exact post format (shared/FORMAT.md: 10 sources,
~4.3 KB each, CJK text, a figure, 8 paragraphs, one post every 37 minutes from
2022-01-01, site timezone Asia/Shanghai) into two sites:

* ``ours``: ``site.write_scaffold`` + ``site.update_site`` (archive pages per source,
  tag and month, sharded search index, paginated home, feed, sitemap, head meta tags);
* ``ours-nofix``: the same without the scaffold's ``_plugins/`` (the backport of Jekyll
  4.3.2's linear ``Site#each_site_file`` and the previous/next lookup table), as GitHub
  Pages builds it (safe mode ignores ``_plugins``; it runs Jekyll 3.10);
* ``minima``: Debian's minima 2.5.1 theme, jekyll-feed, jekyll-seo-tag, an
  ``index.md`` with ``layout: home`` (Jekyll's stock new-site setup).

Then builds each cold (``_site``/``.jekyll-cache`` absent, ``--disable-disk-cache``,
``jekyll build -q``), one at a time, and reports wall seconds and the build's peak RSS
(``os.wait4`` rusage of the jekyll process, spawned from this small process). Also times
``update_site`` (newsmirror's own index/archive generation) for the scaffold, in a child
process, with its peak RSS.

    python bench/bench_jekyll.py                     # 1,000 and 10,000 posts
    python bench/bench_jekyll.py --sizes 1000 3000   # other sizes
    python bench/bench_jekyll.py --keep --out bench/out
    python bench/bench_jekyll.py --sizes 100000 --only ours --shards 2   # a split build

Results go to stdout (a table) and ``<out>/results.json``. Needs ``jekyll`` and the
packages jekyll-theme-minima, ruby-jekyll-{feed,seo-tag,paginate,sitemap} (Debian).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from newsmirror.site import write_scaffold  # noqa: E402

TZ = "Asia/Shanghai"
VARIANTS = ["ours", "ours-nofix", "minima"]
# the scaffold's _plugins/ (GitHub Pages runs none): "ours-nofix" builds without them
PLUGINS = ["newsmirror_each_site_file.rb", "newsmirror_post_neighbours.rb", "newsmirror_shard.rb"]
SOURCES = ["联合早报", "新华网", "Reuters", "BBC 中文", "端传媒", "明报", "星岛日报",
           "中央社", "南华早报", "AP News"]
TAGS = ["国际", "财经", "科技", "社会", "体育", "文化", "健康", "环境"]
HANZI = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
         "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从"
         "业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么"
         "利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文")


def sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(HANZI) for _ in range(n)) + "。"


def post_text(i: int, rng: random.Random) -> tuple[str, str]:
    """(file name, content) of post i, in the exact newsmirror format."""
    start = datetime(2022, 1, 1, tzinfo=UTC)
    when = start + timedelta(minutes=37 * i)
    source = SOURCES[i % len(SOURCES)]
    title = f"{sentence(rng, 12)[:-1]} {sentence(rng, 6)[:-1]} 第{i}号"
    slug = title.replace(" ", "-")
    local = when.astimezone(ZoneInfo(TZ))
    url = f"https://news.example/{i % len(SOURCES)}/story{i}"
    tags = [source, TAGS[i % len(TAGS)]]
    fm_source = source if " " not in source else f'"{source}"'
    tag_list = ", ".join(t if " " not in t else f'"{t}"' for t in tags)
    figure = (f'<figure><img src="https://static.example/img/{i}.jpg" alt="图{i}" '
              f'referrerpolicy="no-referrer"><figcaption>{sentence(rng, 20)}</figcaption></figure>')
    paragraphs = "".join(f"<p>{''.join(sentence(rng, rng.randint(20, 40)) for _ in range(4))}</p>"
                         for _ in range(8))
    body = figure + paragraphs
    ms = int(when.timestamp() * 1000)
    text = (
        "---\n"
        "layout: post\n"
        f'title: "{title}"\n'
        f"date: {when.strftime('%Y-%m-%dT%H:%M:%S')}.000Z\n"
        f"author: {fm_source}\n"
        f"from: {url}\n"
        f"tags: [ {tag_list} ]\n"
        "comments: True\n"
        f"categories: [ {fm_source} ]\n"
        "---\n"
        f"<!--{ms}-->\n"
        f"[{title}]({url})\n"
        "------\n"
        "\n"
        "<div>\n"
        f"{body}\n"
        "</div>\n"
    )
    return f"{local.strftime('%Y-%m-%d')}-{slug}.md", text


def write_posts(site: Path, n: int) -> None:
    posts = site / "_posts"
    posts.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    for i in range(n):
        name, text = post_text(i, rng)
        (posts / name).write_text(text, encoding="utf-8")


def make_ours(site: Path, n: int, fix: bool = True) -> tuple[float, int]:
    """The scaffold and n posts; ``update_site`` in a child process: (its wall seconds,
    its peak RSS in MB). Not in this process: a child's ru_maxrss starts from its
    parent's RSS at fork (Linux keeps the larger), so an update_site here made every
    later jekyll build report this process's peak (1.5 GB at 10,000 posts, 8.8 GB at
    50,000: the figures of a9cd308 were update_site's, not Jekyll's)."""
    write_scaffold(site, title="bench", timezone=TZ)
    if not fix:
        for plugin in PLUGINS:
            (site / "_plugins" / plugin).unlink()
    write_posts(site, n)
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'src')!r}); "
            f"from newsmirror.site import update_site; update_site({str(site)!r})")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"update_site failed on {site}")
    return wall, usage.ru_maxrss // 1024


def make_minima(site: Path, n: int) -> None:
    site.mkdir(parents=True, exist_ok=True)
    (site / "_config.yml").write_text(
        "title: bench\n"
        f"timezone: {TZ}\n"
        "future: true\n"
        "theme: minima\n"
        "plugins:\n  - jekyll-feed\n  - jekyll-seo-tag\n", encoding="utf-8")
    (site / "index.md").write_text("---\nlayout: home\n---\n", encoding="utf-8")
    write_posts(site, n)


def build(site: Path, shards: int = 1) -> tuple[float, float, int, int, str]:
    """Cold build: (wall seconds, CPU seconds (user + system), peak RSS in MB, exit
    status, stderr tail). The CPU seconds say more than the wall ones on a machine that
    other work shares. With ``shards`` > 1, a split build (``_plugins/newsmirror_shard.rb``):
    that many jekyll processes at once, ``NEWSMIRROR_SHARD=i/n``, into one destination;
    wall seconds until the last one ends, CPU seconds and peak RSS summed over them (the
    RSS sum bounds the memory they held at once)."""
    for junk in ("_site", ".jekyll-cache"):
        shutil.rmtree(site / junk, ignore_errors=True)
    env = dict(os.environ, LC_ALL="C.UTF-8", JEKYLL_ENV="production")
    err = site.parent / (site.name + ".stderr")
    cpu, rss, code = 0.0, 0, 0
    with err.open("w") as fh:
        t0 = time.perf_counter()
        procs = [
            subprocess.Popen(["jekyll", "build", "-q", "--disable-disk-cache",
                              "--source", str(site), "--destination", str(site / "_site")],
                             stdout=subprocess.DEVNULL, stderr=fh,
                             env=dict(env, NEWSMIRROR_SHARD=f"{i}/{shards}") if shards > 1 else env)
            for i in range(shards)
        ]
        for proc in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
            rss += usage.ru_maxrss // 1024
            code = code or proc.returncode
        wall = time.perf_counter() - t0
    tail = err.read_text(errors="replace")[-2000:]
    return wall, cpu, rss, code, tail


def count_html(site: Path) -> int:
    return sum(1 for _ in (site / "_site").rglob("*.html"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "jekyll")
    ap.add_argument("--keep", action="store_true", help="keep the generated sites")
    ap.add_argument("--only", choices=VARIANTS, action="append", help="build only these variants")
    ap.add_argument("--site", type=Path,
                    help="build this existing scaffold site (e.g. one kept with --keep) "
                         "instead of generating sites")
    ap.add_argument("--shards", type=int, default=1,
                    help="split builds of the scaffold: this many jekyll processes at once")
    args = ap.parse_args()
    if not shutil.which("jekyll"):
        print("jekyll not found (apt-get install jekyll jekyll-theme-minima ruby-jekyll-feed "
              "ruby-jekyll-seo-tag ruby-jekyll-paginate ruby-jekyll-sitemap)", file=sys.stderr)
        return 2
    version = subprocess.run(["jekyll", "--version"], capture_output=True, text=True).stdout.strip()
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    if args.site:
        n = sum(1 for _ in (args.site / "_posts").glob("*.md"))
        wall, cpu, rss, code, tail = build(args.site, args.shards)
        pages = count_html(args.site) if code == 0 else 0
        print(f"{n} posts, {args.shards} process(es): {wall:.1f} s, CPU {cpu:.1f} s, "
              f"peak RSS {rss} MB, {pages} HTML files, "
              f"{'ok' if code == 0 else f'exit {code}'}{' (stderr!)' if tail.strip() else ''}")
        return code
    print(f"{version}; {os.cpu_count()} CPUs; scaffold builds in {args.shards} process(es)", flush=True)
    print(f"{'posts':>7} {'site':>10} {'build s':>9} {'cpu s':>8} {'peak MB':>8} {'html':>7} {'index s':>8} "
          f"{'index MB':>8}  status", flush=True)
    for n in args.sizes:
        for variant in VARIANTS:
            if args.only and variant not in args.only:
                continue
            site = args.out / f"{variant}-{n}"
            shutil.rmtree(site, ignore_errors=True)
            index_s = index_mb = None
            if variant != "minima":
                index_s, index_mb = make_ours(site, n, fix=variant == "ours")
            if variant == "minima":
                make_minima(site, n)
            wall, cpu, rss, code, tail = build(site, args.shards if variant == "ours" else 1)
            pages = count_html(site) if code == 0 else 0
            row = {"posts": n, "site": variant, "shards": args.shards if variant == "ours" else 1, "build_s": round(wall, 2), "build_cpu_s": round(cpu, 2), "peak_rss_mb": rss,
                   "html_pages": pages, "exit": code,
                   "update_site_s": round(index_s, 2) if index_s is not None else None,
                   "update_site_peak_rss_mb": index_mb,
                   "stderr": tail.strip()[-500:]}
            results.append(row)
            print(f"{n:>7} {variant:>10} {wall:>9.1f} {cpu:>8.1f} {rss:>8} {pages:>7} "
                  f"{'' if index_s is None else f'{index_s:.2f}':>8} "
                  f"{'' if index_mb is None else index_mb:>8}  "
                  f"{'ok' if code == 0 else f'exit {code}'}{' (stderr!)' if tail.strip() else ''}",
                  flush=True)
            if not args.keep:
                shutil.rmtree(site, ignore_errors=True)
    by = {(r["posts"], r["site"]): r for r in results}
    for n in args.sizes:
        for v in ("ours", "ours-nofix"):
            if (n, v) in by and (n, "minima") in by:
                print(f"{n} posts: {v}/minima = "
                      f"{by[(n, v)]['build_s'] / by[(n, 'minima')]['build_s']:.2f}x")
    if len(args.sizes) > 1:
        a, b = args.sizes[0], args.sizes[-1]
        for v in VARIANTS:
            if (a, v) in by and (b, v) in by:
                print(f"{v}: {b}/{a} posts -> {by[(b, v)]['build_s'] / by[(a, v)]['build_s']:.1f}x time "
                      f"for {b / a:.0f}x posts")
    (args.out / "results.json").write_text(json.dumps({"jekyll": version, "results": results},
                                                      ensure_ascii=False, indent=2))
    return 0 if all(r["exit"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
