"""Seconds to process deeply nested HTML, stage by stage and in a whole run.

    python bench/bench_deep.py [--levels 10000,40000,100000] [--src DIR] [--parsers]

For each depth N, a fragment of N nested ``<div>`` around one paragraph (and a page of N
nested ``<section>``) goes through:

* ``clean_html`` of the fragment (a feed item's content);
* ``html_to_text`` of the fragment (the teaser check and the empty-item check);
* ``extract`` + ``clean_html`` of the page, with a site rule and without (trafilatura);
* a whole ``pipeline.run`` of a local feed holding the fragment as its one item (feed
  parsing, planning, cleaning, the post written).

Without a depth limit each grows with N squared (the HTML tree builder looks down its
stack of open elements on every block start tag). ``--parsers`` adds the parsers alone on
the fragment, unflattened: lexbor (selectolax) and nh3 (html5ever), and lexbor on nested
``<span>``, which no block start tag follows (linear). ``--src`` measures an older checkout,
e.g. ``git worktree add /tmp/old REV && python bench/bench_deep.py --src /tmp/old/src``;
at 100,000 levels the old code takes minutes. Wall-clock seconds of one call each: a
script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def seconds(fn: Callable[[int], object], levels: int) -> float:
    start = time.perf_counter()
    fn(levels)
    return time.perf_counter() - start


def fragment(levels: int) -> str:
    return "<div>" * levels + "<p>Text at the bottom.</p>" + "</div>" * levels


def page(levels: int) -> str:
    article = "<section>" * levels + "<p>" + "Text at the bottom of the page. " * 8 + "</p>"
    return (f"<!doctype html><html><head><title>Deep</title></head><body><article>"
            f"{article}{'</section>' * levels}</article></body></html>")


def whole_run(levels: int) -> None:
    from newsmirror.config import load_config
    from newsmirror.pipeline import RunOptions, run

    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        (site / "feed.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>Deep</title><guid>deep</guid><description><![CDATA["
            f"{fragment(levels)}]]></description></item></channel></rss>", encoding="utf-8")
        (site / "newsmirror.toml").write_text(
            f'[[sources]]\nname = "Deep"\nurl = "{site / "feed.xml"}"\n', encoding="utf-8")
        summary = run(load_config(site), RunOptions(now=datetime(2026, 12, 7, tzinfo=UTC)))
        assert summary.reports[0].new_posts == 1, summary.to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="10000,40000,100000",
                        help="comma-separated nesting depths")
    parser.add_argument("--src", type=Path, default=HERE.parent / "src",
                        help="the newsmirror sources to measure (e.g. an older checkout's)")
    parser.add_argument("--parsers", action="store_true",
                        help="also time lexbor and nh3 alone on the unflattened fragment")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    from newsmirror.clean import clean_html
    from newsmirror.config import Rule
    from newsmirror.extract import extract
    from newsmirror.util.htmltext import html_to_text

    rule = (Rule(domain="deep.test", content=("article",)),)

    def page_to_body(levels: int, url: str) -> None:
        found = extract(page(levels), url, rule)
        clean_html(found.content_html, found.base_url)

    cases: list[tuple[str, Callable[[int], object]]] = [
        ("clean_html of the fragment", lambda n: clean_html(fragment(n), None)),
        ("html_to_text of the fragment", lambda n: html_to_text(fragment(n))),
        ("page, site rule: extract + clean", lambda n: page_to_body(n, "http://deep.test/a")),
        ("page, generic: extract + clean", lambda n: page_to_body(n, "http://other.test/a")),
        ("run: a local feed of one item", whole_run),
    ]
    if args.parsers:
        import nh3
        from selectolax.lexbor import LexborHTMLParser

        cases += [
            ("lexbor alone, nested <div>", lambda n: LexborHTMLParser(fragment(n))),
            ("nh3 alone, nested <div>", lambda n: nh3.clean(fragment(n))),
            ("lexbor alone, nested <span>",
             lambda n: LexborHTMLParser("<span>" * n + "x" + "</span>" * n)),
        ]
    print(f"sources: {args.src}")
    print(f"{'levels':<34}" + "".join(f"{n:>10}" for n in args.levels.split(",")))
    for label, fn in cases:
        fn(10)  # imports and first-call set-up are not the depth's cost
        print(f"{label:<34}", end="", flush=True)
        for levels in map(int, args.levels.split(",")):
            print(f"{seconds(fn, levels):9.2f}s", end="", flush=True)
        print()


if __name__ == "__main__":
    main()
