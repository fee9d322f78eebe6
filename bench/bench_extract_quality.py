"""Extraction quality: token-level F1 against hand-checked article texts, and pages/s.

    python bench/bench_extract_quality.py [--runs 3] [--only NAME] [--show NAME] [--json OUT]

Pages (``bench/quality/manifest.json``):

* ``shared:NAME.html`` - the 20 real Chinese pages of ``../shared/fixtures/pages-zh/html/``
  (GPL source repository: read at run time, never copied into this project). Skipped with a
  note when that folder is missing.
* ``NAME.html`` - pages written for this benchmark under ``bench/quality/pages/`` that
  mirror real-world layouts (own prose; realistic nav, share bars, related lists, comments).

Expected texts (``bench/quality/expected/NAME.txt``) are checked by hand: the article's
paragraphs, subheadings, list items and the captions (and credits) of in-article figures
and videos, in order. Not included: the headline, bylines/dates, "source/editor" lines,
original-title notes, share/follow prompts, related links, ads, comments, disclaimers.

Scoring
-------
Tokenizer (``tokens``): NFKC-normalize, lower-case; every CJK character (Han, kana,
Hangul, CJK compatibility) is one token; the rest is split into runs of letters/digits
(``\\w`` minus ``_``), so whitespace and punctuation - ASCII, CJK and full-width - separate
tokens and are never tokens themselves. ``5G手机`` -> ``5g 手 机``; ``don't`` -> ``don t``.
F1 is computed on the bag (multiset) of tokens: overlap = sum of min counts,
precision = overlap / |output|, recall = overlap / |expected|. Per-language figures are
the mean of the per-page F1 (macro average).

Captions: the manifest lists each page's in-article captions; a caption survives when its
text (whitespace removed, NFKC, lower-case) is a substring of the output text likewise
normalized. "captions kept" counts pages whose captions *all* survive, out of the pages
that have captions.

Variants, all given the raw bytes of the page and timed including decoding:

* ``ours generic``  - ``extract_page(body, url, rules=())``: trafilatura + our image/figure
  restore + ``clean_html``; its ``text`` field is scored.
* ``ours rules``    - ``extract_page(body, url, load_builtin_rules())``: a built-in site
  rule where one matches the manifest URL, otherwise the same as generic.
* ``trafilatura``   - plain ``trafilatura.extract(text, url=url, output_format="txt",
  include_comments=False)`` on the same decoded text (``newsmirror.util.charset.decode`` of the
  raw bytes, so both see identical characters), other settings at their defaults
  (``include_tables=True``, no ``favor_precision``/``favor_recall``, ``fast=False``). Comments
  are off because our pipeline never keeps comments and reader comments are not article
  text; with them on, trafilatura would only lose precision on pages with comments.

pages/s: all pages of a language run ``--runs`` times; the best run counts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from newsmirror.cli import extract_page  # noqa: E402
from newsmirror.extract import load_builtin_rules  # noqa: E402
from newsmirror.util.charset import decode  # noqa: E402

QUALITY = HERE / "quality"
SHARED = ROOT.parent / "shared" / "fixtures" / "pages-zh" / "html"
GOALS = {"en": 0.96, "zh": 0.93}

_CJK_CHAR = (r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
             r"\U00020000-\U0002fa1f")
_TOKEN = re.compile(rf"[{_CJK_CHAR}]|[^\W_{_CJK_CHAR}]+")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> list[str]:
    """CJK characters one by one; other letters/digits as words; no punctuation."""
    return _TOKEN.findall(normalize(text))


def prf(output: str, expected: str) -> tuple[float, float, float]:
    out, exp = Counter(tokens(output)), Counter(tokens(expected))
    overlap = sum((out & exp).values())
    if not out or not exp:
        return (0.0, 0.0, 0.0) if out or exp else (1.0, 1.0, 1.0)
    p, r = overlap / sum(out.values()), overlap / sum(exp.values())
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _squeeze(text: str) -> str:
    return "".join(normalize(text).split())


def captions_kept(output: str, captions: list[str]) -> bool:
    flat = _squeeze(output)
    return all(_squeeze(c) in flat for c in captions)


# --- the variants --------------------------------------------------------------------------

def run_generic(body: bytes, url: str | None) -> str:
    return extract_page(body, url, ())["text"]


def run_rules(body: bytes, url: str | None) -> str:
    return extract_page(body, url, load_builtin_rules())["text"]


def run_trafilatura(body: bytes, url: str | None) -> str:
    import trafilatura

    text, _ = decode(body, None)
    return trafilatura.extract(text, url=url, output_format="txt",
                               include_comments=False) or ""


VARIANTS = (("ours generic", run_generic), ("ours rules", run_rules),
            ("trafilatura", run_trafilatura))


# --- the page set ------------------------------------------------------------------------

def load_pages(only: str | None) -> tuple[list[dict], list[str]]:
    manifest = json.loads((QUALITY / "manifest.json").read_text("utf-8"))
    pages, notes = [], []
    for entry in manifest["pages"]:
        if only and not re.search(only, entry["name"]):
            continue
        file = entry["file"]
        path = SHARED / file[7:] if file.startswith("shared:") else QUALITY / "pages" / file
        if not path.exists():
            notes.append(f"skipped {entry['name']}: {path} not found")
            continue
        expected = (QUALITY / "expected" / f"{entry['name']}.txt").read_text("utf-8")
        for caption in entry.get("captions", []):
            if _squeeze(caption) not in _squeeze(expected):
                raise SystemExit(f"{entry['name']}: caption not in expected text: {caption!r}")
        pages.append({**entry, "body": path.read_bytes(), "expected": expected})
    return pages, notes


def show(page: dict, outputs: dict[str, str]) -> None:
    exp = Counter(tokens(page["expected"]))
    for name, text in outputs.items():
        out = Counter(tokens(text))
        missing, extra = exp - out, out - exp
        print(f"--- {page['name']} / {name}: missing {sum(missing.values())}, "
              f"extra {sum(extra.values())}")
        print("  missing:", " ".join(t for t, _ in missing.most_common(60)))
        print("  extra:  ", " ".join(t for t, _ in extra.most_common(60)))
        print("  output: ", text[:1500].replace("\n", " | "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timing runs (best counts)")
    parser.add_argument("--only", help="regex on page names")
    parser.add_argument("--show", help="regex: print missing/extra tokens of these pages")
    parser.add_argument("--json", help="write per-page results to this file")
    args = parser.parse_args()

    pages, notes = load_pages(args.only)
    results: list[dict] = []
    for page in pages:
        row = {"name": page["name"], "language": page["language"], "url": page.get("url")}
        outputs = {}
        for vname, fn in VARIANTS:
            text = fn(page["body"], page.get("url"))
            outputs[vname] = text
            p, r, f = prf(text, page["expected"])
            row[vname] = {"p": p, "r": r, "f1": f,
                          "captions": (captions_kept(text, page["captions"])
                                       if page.get("captions") else None)}
        row["rule"] = extract_page(page["body"], page.get("url"), load_builtin_rules())["rule"]
        results.append(row)
        if args.show and re.search(args.show, page["name"]):
            show(page, outputs)

    speed: dict[tuple[str, str], float] = {}
    for lang in ("en", "zh"):
        subset = [p for p in pages if p["language"] == lang]
        if not subset:
            continue
        for vname, fn in VARIANTS:
            best = float("inf")
            for _ in range(max(1, args.runs)):
                start = time.perf_counter()
                for page in subset:
                    fn(page["body"], page.get("url"))
                best = min(best, time.perf_counter() - start)
            speed[(lang, vname)] = len(subset) / best

    names = [v for v, _ in VARIANTS]
    print(f"{'page':<24} {'lang':<4} {'rule':<12} "
          + " ".join(f"{n:>21}" for n in names))
    print(f"{'':<24} {'':<4} {'':<12} " + " ".join(f"{'F1 (P/R) cap':>21}" for _ in names))
    for row in results:
        cells = []
        for n in names:
            v = row[n]
            cap = {True: "+", False: "-", None: " "}[v["captions"]]
            cells.append(f"{v['f1']:.3f} ({v['p']:.2f}/{v['r']:.2f}) {cap}")
        print(f"{row['name']:<24} {row['language']:<4} {row['rule'][:12]:<12} "
              + " ".join(f"{c:>21}" for c in cells))
    print()
    print(f"{'summary':<18} {'pages':>5} {'F1 mean':>8} {'F1 min':>7} {'pages/s':>8} "
          f"{'captions kept':>14}  goal")
    for lang in ("en", "zh"):
        rows = [r for r in results if r["language"] == lang]
        if not rows:
            continue
        for n in names:
            f1s = [r[n]["f1"] for r in rows]
            capped = [r[n]["captions"] for r in rows if r[n]["captions"] is not None]
            mean = sum(f1s) / len(f1s)
            goal = ("" if not n.startswith("ours") else
                    ("met" if mean >= GOALS[lang] else "NOT met") + f" (>= {GOALS[lang]})")
            print(f"{lang + ' ' + n:<18} {len(rows):>5} {mean:>8.3f} {min(f1s):>7.3f} "
                  f"{speed[(lang, n)]:>8.1f} {sum(capped):>6}/{len(capped):<7}  {goal}")
    for lang in ("en", "zh"):
        rows = [r for r in results if r["language"] == lang]
        below = [r["name"] for r in rows
                 if r["ours rules"]["f1"] < r["trafilatura"]["f1"] - 0.005]
        if rows:
            print(f"{lang}: pages where ours (rules) is below trafilatura by > 0.005: "
                  f"{', '.join(below) or 'none'}")
    for note in notes:
        print(note)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
