"""Extraction quality on the whole development set, newsmirror beside trafilatura, one run.

    python bench/bench_extract_quality.py [--set all|trafilatura|readability|quality-en|
        quality-zh|quality] [--every N] [--jobs 2] [--json OUT] [--compare OLD.json]
        [--show REGEX] [--variants NAME,NAME]

The pages and how they are scored: ``bench/devset.py`` (trafilatura's 990 evaluation pages
scored by snippets as its own evaluation does; Readability's 126 test pages and this
project's hand-checked pages by token F1, CJK by character).

Variants, every one given the same characters (the raw bytes decoded by
``newsmirror.util.charset.decode``, as the pipeline decodes them) and asked for metadata:

* ``ours generic``: ``extract_page(body, url, ())``, the CLI's ``newsmirror extract``: our
  extraction, ``clean_html``, the post's text. On the trafilatura subset the text without
  figure captions is scored (the set's annotations count captions and photo credits as
  boilerplate; trafilatura's text has no images), and the text with them on a line of
  its own.
* ``ours rules``: the same with the built-in site rules (differs only where one applies).
* ``traf default``: ``trafilatura.extract(text, url=url, output_format="json",
  with_metadata=True, include_comments=False)``; comments off because a post never keeps
  reader comments.
* ``traf fast``: the same with ``fast=True``; ``traf precision``: ``favor_precision=True``.
* ``readability``: readability-lxml's ``Document(text).summary()`` as text (no metadata),
  when installed (``pip install -e '.[bench]'``).

Columns: P/R/F1 per subset (micro over snippet counts on ``trafilatura``, the mean of the
pages' figures elsewhere); ``empty`` pages with no text; CPU ms per page (``process_time``
around the call, decoding included); dates right/found of the pages with an expected date,
likewise authors and titles. ``union`` is the mean of every page's own F1.

Goals (issue 13): ours at or above the best trafilatura setting on every subset, above it
by 0.01 on the union, and no page that ``traf default`` extracts (F1 > 0.8) empty or below
0.5 for us. The run prints which goals are met and the pages that miss.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from devset import (  # noqa: E402
    SUBSETS,
    Page,
    author_right,
    counts_prf,
    date_right,
    load,
    missing_sets,
    score_text,
    snippet_counts,
    title_right,
)
from newsmirror.cli import extract_page  # noqa: E402
from newsmirror.extract import load_builtin_rules, select_rule  # noqa: E402
from newsmirror.util.charset import decode  # noqa: E402
from newsmirror.util.htmltext import HIDDEN, html_to_text  # noqa: E402

RULES = load_builtin_rules()
Result = dict  # text, date, author, title


def ours(page: Page, rules=()) -> Result:
    result = extract_page(page.body, page.url, rules, default_tz=page.tz)
    if page.subset == "trafilatura":
        # the set's annotations count figure captions and photo credits as boilerplate
        # (its ``without`` lists name them), and trafilatura's text leaves images out;
        # a post keeps the article's figures with their captions: scored without them,
        # and with them on a line of its own
        result["captioned"] = result["text"]
        result["text"] = html_to_text(result["content_html"], drop=HIDDEN + ", figcaption")
    return result


def ours_rules(page: Page) -> Result | None:
    """None where no built-in rule applies: the generic result stands."""
    return ours(page, RULES) if select_rule(page.url, RULES) else None


def _trafilatura(page: Page, **options) -> Result:
    import trafilatura

    text, _ = decode(page.body, None)
    out = trafilatura.extract(text, url=page.url, output_format="json", with_metadata=True,
                              include_comments=False, **options)
    return json.loads(out) if out else {"text": ""}


def readability_lxml(page: Page) -> Result:
    from readability import Document

    from newsmirror.util.htmltext import html_to_text

    text, _ = decode(page.body, None)
    try:
        return {"text": html_to_text(Document(text).summary(html_partial=True))}
    except Exception:  # noqa: BLE001 - readability raises many kinds on pages it cannot parse
        return {"text": ""}


VARIANTS: dict[str, Callable[[Page], Result | None]] = {
    "ours generic": ours,
    "ours rules": ours_rules,
    "traf default": _trafilatura,
    "traf fast": lambda page: _trafilatura(page, fast=True),
    "traf precision": lambda page: _trafilatura(page, favor_precision=True),
    "readability": readability_lxml,
}
OURS = ("ours generic", "ours rules")
TRAF = ("traf default", "traf fast", "traf precision")

_PAGES: list[Page] = []
_CHOSEN: list[str] = []


def score_page(index: int) -> dict:
    page = _PAGES[index]
    row: dict = {"subset": page.subset, "name": page.name, "url": page.url}
    for name in _CHOSEN:
        start = time.process_time()
        result = VARIANTS[name](page)
        cpu = time.process_time() - start
        if result is None:  # ours rules without a rule: ours generic's result and time
            row[name] = {**row["ours generic"], "same": True}
            continue
        text = result.get("text") or ""
        row[name] = {**score_text(text, page), "empty": not text.strip(), "cpu": cpu,
                     "date": date_right(result.get("date"), page),
                     "author": author_right(result.get("author"), page),
                     "title": title_right(result.get("title"), page),
                     "found_date": result.get("date"), "text": text}
        if "captioned" in result:
            row[name]["captioned"] = snippet_counts(result["captioned"], page)
    return row


def run(pages: list[Page], chosen: list[str], jobs: int) -> list[dict]:
    global _PAGES, _CHOSEN
    _PAGES, _CHOSEN = pages, chosen
    if "ours rules" in chosen and "ours generic" not in chosen:
        _CHOSEN = ["ours generic", *chosen]
    rows: list[dict] = []
    start = time.monotonic()
    context = multiprocessing.get_context("fork")  # the workers share the loaded pages
    with context.Pool(jobs) as pool:
        for done, row in enumerate(pool.imap(score_page, range(len(pages)), chunksize=4), 1):
            rows.append(row)
            if done % 100 == 0 or done == len(pages):
                print(f"  {done}/{len(pages)} pages, {time.monotonic() - start:.0f} s",
                      file=sys.stderr)
    return rows


# --- the table ---------------------------------------------------------------------------

def subset_figures(rows: list[dict], name: str) -> dict:
    cells = [r[name] for r in rows]
    if rows[0]["subset"] == "trafilatura":
        total = {k: sum(c[k] for c in cells) for k in ("tp", "fn", "fp", "tn")}
        p, r, f = counts_prf(total)
    else:
        p, r, f = (sum(c[k] for c in cells) / len(cells) for k in ("p", "r", "f1"))
    figures = {"p": p, "r": r, "f1": f, "pages": len(cells),
               "empty": sum(c["empty"] for c in cells),
               "cpu_ms": 1000 * sum(c["cpu"] for c in cells) / len(cells)}
    for field in ("date", "author", "title"):
        judged = [c[field] for c in cells if c[field] is not None]
        figures[field] = (sum(judged), len(judged))
    return figures


def print_table(rows: list[dict], chosen: list[str]) -> dict:
    subsets = [s for s in SUBSETS if any(r["subset"] == s for r in rows)]
    head = (f"{'subset':<12} {'variant':<15} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} "
            f"{'empty':>5} {'ms CPU':>7} {'dates':>7} {'authors':>7} {'titles':>7}")
    print(head)
    print("-" * len(head))
    table: dict = {}
    for subset in subsets:
        part = [r for r in rows if r["subset"] == subset]
        for name in chosen:
            f = table.setdefault(subset, {})[name] = subset_figures(part, name)
            ratio = {k: (f"{f[k][0]}/{f[k][1]}" if f[k][1] else "-")
                     for k in ("date", "author", "title")}
            print(f"{subset:<12} {name:<15} {f['pages']:>5} {f['p']:>6.3f} {f['r']:>6.3f} "
                  f"{f['f1']:>6.3f} {f['empty']:>5} {f['cpu_ms']:>7.1f} {ratio['date']:>7} "
                  f"{ratio['author']:>7} {ratio['title']:>7}")
        print()
    for name in chosen:
        captioned = [r[name]["captioned"] for r in rows if "captioned" in r[name]]
        if captioned:
            total = {k: sum(c[k] for c in captioned) for k in ("tp", "fn", "fp", "tn")}
            p, r, f = counts_prf(total)
            print(f"trafilatura subset, {name} with figure captions counted: "
                  f"P {p:.3f} R {r:.3f} F1 {f:.3f}")
    table["union"] = {n: sum(r[n]["f1"] for r in rows) / len(rows) for n in chosen}
    print("union (mean page F1): " + ", ".join(
        f"{n} {v:.3f}" for n, v in table["union"].items()))
    return table


def print_goals(rows: list[dict], table: dict, chosen: list[str]) -> None:
    traf = [n for n in TRAF if n in chosen]
    mine = [n for n in OURS if n in chosen]
    if not traf or not mine:
        return
    print("\ngoals")
    for subset in [s for s in table if s != "union"]:
        best = max(traf, key=lambda n: table[subset][n]["f1"])
        for name in mine:
            f, b = table[subset][name]["f1"], table[subset][best]["f1"]
            verdict = "met" if f >= b else "NOT met"
            print(f"  {subset:<12} {name:<13} {f:.3f} vs best {best} {b:.3f}: {verdict}")
    best = max(traf, key=lambda n: table["union"][n])
    for name in mine:
        f, b = table["union"][name], table["union"][best]
        verdict = "met" if f >= b + 0.01 else "NOT met"
        print(f"  {'union':<12} {name:<13} {f:.3f} vs best {best} {b:.3f} + 0.01: {verdict}")
    if "traf default" not in chosen:
        return
    for name in mine:
        lost = [r for r in rows
                if r["traf default"]["f1"] > 0.8 and (r[name]["empty"] or r[name]["f1"] < 0.5)]
        print(f"  pages traf default extracts (F1 > 0.8) that {name} loses "
              f"(empty or F1 < 0.5): {len(lost)}")
        for r in lost:
            print(f"    {r['subset']}/{r['name']}: {r[name]['f1']:.2f} vs "
                  f"{r['traf default']['f1']:.2f} {r['url']}")


def compare(rows: list[dict], old_path: str, name: str = "ours generic") -> None:
    old = {(r["subset"], r["name"]): r for r in json.loads(Path(old_path).read_text())}
    changed = []
    for row in rows:
        before = old.get((row["subset"], row["name"]))
        if before and name in before and abs(row[name]["f1"] - before[name]["f1"]) > 0.02:
            changed.append((row[name]["f1"] - before[name]["f1"], row, before))
    changed.sort(key=lambda c: c[0])
    print(f"\n{name}: {len(changed)} pages changed by > 0.02 F1 against {old_path} "
          f"({sum(c[0] > 0 for c in changed)} up, {sum(c[0] < 0 for c in changed)} down)")
    for delta, row, before in changed:
        print(f"  {delta:+.2f} {row['subset']}/{row['name']} "
              f"{before[name]['f1']:.2f} -> {row[name]['f1']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="all", help="all, quality, or a subset's name")
    parser.add_argument("--every", type=int, default=1, help="every Nth page (a slice)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--variants", help="comma-separated variant names")
    parser.add_argument("--json", help="write per-page rows to this file")
    parser.add_argument("--compare", help="a --json file of an earlier run")
    parser.add_argument("--show", help="regex on page names: print our text for them")
    args = parser.parse_args()

    if missing := missing_sets():
        raise SystemExit("the development set is not here: " + ", ".join(missing))
    subsets = {"all": SUBSETS, "quality": ("quality-en", "quality-zh")}.get(
        args.set, (args.set,))
    chosen = args.variants.split(",") if args.variants else list(VARIANTS)
    try:
        import readability  # noqa: F401
    except ImportError:
        chosen = [n for n in chosen if n != "readability"]
        print("readability-lxml not installed: its column is left out", file=sys.stderr)
    pages = load(tuple(subsets), args.every)
    rows = run(pages, chosen, args.jobs)
    table = print_table(rows, chosen)
    print_goals(rows, table, chosen)
    if args.compare:
        compare(rows, args.compare)
    if args.show:
        for row in rows:
            if re.search(args.show, row["name"]):
                print(f"--- {row['subset']}/{row['name']} {row['url']}")
                for name in chosen:
                    print(f"  {name}: F1 {row[name]['f1']:.2f} |",
                          row[name]["text"][:600].replace("\n", " | "))
    if args.json:
        for row in rows:
            for name in chosen:
                row[name].pop("text", None)
        Path(args.json).write_text(json.dumps(rows, indent=0, ensure_ascii=False))


if __name__ == "__main__":
    main()
