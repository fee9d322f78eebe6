"""Feed parsing throughput: newsmirror.feeds.parse_feed vs fastfeedparser and feedparser.

Generates, deterministically and in memory, a large RSS 2.0 feed and a large Atom 1.0 feed
(default 5,000 items of ~7 KB Chinese HTML each) and prints items/s, the median of 5 runs
(and worst/best). Comparison parsers are skipped when not installed.

    python bench/bench_parse.py [--items 5000] [--runs 5] [--body-kb 7]
"""

from __future__ import annotations

import argparse
import html
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from newsmirror.feeds import parse_feed  # noqa: E402

HANZI = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴"


def _text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(HANZI) for _ in range(n))


def _body(rng: random.Random, i: int, kb: int) -> str:
    parts = [
        f'<div class="figure-media"><img class="img-fluid lazyload" data-src="https://static.example.com/'
        f'img/{i}.jpg?v={rng.randrange(10**9)}&amp;itok=x" alt="{_text(rng, 20)}" src="data:image/gif;base64,'
        'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"></div>      '
        f"<figcaption>{_text(rng, 30)}</figcaption>   "
    ]
    size = sum(len(p.encode()) for p in parts)
    while size < kb * 1024:
        p = f'<p>{_text(rng, rng.randint(60, 160))}<a href="/news/{rng.randrange(10**6)}">{_text(rng, 6)}</a>。</p>'
        parts.append(p)
        size += len(p.encode())
    return "".join(parts)


def make_rss(n: int, kb: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    t0 = datetime(2022, 10, 31, 6, 46, tzinfo=UTC)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        "<channel>\n<title><![CDATA[联合早报 - 中国]]></title>\n<link>https://www.example.com/realtime/china</link>\n"
        "<description>bench</description>\n"
    ]
    for i in range(n):
        d = t0 - timedelta(minutes=7 * i)
        date = d.strftime("%a, %d %b %Y %H:%M:%S GMT") if i % 2 else d.astimezone(timezone(timedelta(hours=8))).strftime("%a, %d %b %Y %H:%M:%S +0800")
        body = _body(rng, i, kb)
        desc = f"<![CDATA[{body}]]>" if i % 3 else html.escape(body, quote=False)
        out.append(
            f"<item>\n<title><![CDATA[{_text(rng, 18)}\u3000{_text(rng, 8)}]]></title>\n"
            f"<description>{desc}</description>\n<pubDate>{date}</pubDate>\n"
            f'<guid isPermaLink="false">https://www.example.com/realtime/china/story{i}</guid>\n'
            f"<link>https://www.example.com/realtime/china/story{i}</link>\n"
            f"<dc:creator>联合早报</dc:creator><category>中国</category>\n</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out)


def make_atom(n: int, kb: int, seed: int = 2) -> str:
    rng = random.Random(seed)
    t0 = datetime(2022, 10, 31, 6, 46, tzinfo=UTC)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<title>早报 Atom</title>\n"
        '<link rel="alternate" type="text/html" href="https://www.example.com/"/>\n'
        "<id>tag:example.com,2022:feed</id>\n<updated>2022-10-31T06:46:00Z</updated>\n"
    ]
    for i in range(n):
        d = (t0 - timedelta(minutes=7 * i)).isoformat().replace("+00:00", "Z")
        out.append(
            f"<entry>\n<title>{_text(rng, 18)}</title>\n"
            f'<link rel="alternate" type="text/html" href="/story/{i}"/>\n'
            f"<id>tag:example.com,2022:{i}</id>\n<published>{d}</published>\n<updated>{d}</updated>\n"
            f"<author><name>{_text(rng, 3)}</name></author>\n<category term=\"china\" label=\"中国\"/>\n"
            f"<summary>{_text(rng, 60)}</summary>\n"
            f'<content type="html">{html.escape(_body(rng, i, kb), quote=False)}</content>\n</entry>\n'
        )
    out.append("</feed>\n")
    return "".join(out)


def bench(fn, runs: int) -> tuple[list[float], list[float], int]:
    """Wall and CPU seconds per run (CPU time is steadier on a shared machine)."""
    wall, cpu = [], []
    n = 0
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        n = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--body-kb", type=int, default=7)
    ap.add_argument("--slow-items", type=int, default=500, help="items fed to feedparser (it is slow)")
    args = ap.parse_args()

    docs = {"rss": make_rss(args.items, args.body_kb), "atom": make_atom(args.items, args.body_kb)}
    def ours(s):
        return len(parse_feed(s, url="https://www.example.com/feed", timezone="Asia/Shanghai").items)

    parsers = [
        ("newsmirror parse_feed (str)", ours, None),
        ("newsmirror parse_feed (bytes)", ours, None),  # fed UTF-8 bytes, encoded beforehand
    ]
    try:
        import fastfeedparser

        parsers.append(("fastfeedparser (defaults)", lambda s: len(fastfeedparser.parse(s)["entries"]), None))
    except ImportError:
        print("fastfeedparser not installed: skipped")
    try:
        import feedparser

        parsers.append(("feedparser (defaults)", lambda s: len(feedparser.parse(s)["entries"]), args.slow_items))
    except ImportError:
        print("feedparser not installed: skipped")

    print(f"python {sys.version.split()[0]}; {args.items} items/feed, ~{args.body_kb} KB body/item, median of {args.runs}")
    if hasattr(os, "getloadavg"):
        print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for kind, doc in docs.items():
        mb = len(doc.encode()) / 1e6
        print(f"\n{kind}: {mb:.1f} MB")
        print(f"  {'parser':30} {'items/s (median)':>17} {'worst - best':>21} {'MB/s':>7} {'items/CPU-s':>12}")
        for name, fn, limit in parsers:
            d = doc
            if limit and limit < args.items:
                d = make_rss(limit, args.body_kb) if kind == "rss" else make_atom(limit, args.body_kb)
            size = len(d.encode()) / 1e6
            if name.endswith("(bytes)"):
                d = d.encode("utf-8")
            times, cpu, n = bench(lambda fn=fn, d=d: fn(d), args.runs)
            med = statistics.median(times)
            note = f"  ({n} items)" if limit and limit < args.items else ""
            print(
                f"  {name:30} {n / med:17,.0f} {n / max(times):10,.0f} - {n / min(times):<10,.0f}"
                f" {size / med:7.1f} {n / statistics.median(cpu):12,.0f}{note}"
            )


if __name__ == "__main__":
    main()
