"""``extract`` and ``test-rule``: what extraction makes of one saved or fetched page."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import load_config
from ..errors import EXIT_FAILED, FetchError, InputError
from ..util.charset import decode
from ._reports import explain_rule, extract_page

__all__ = ["cmd_extract", "cmd_test_rule"]

EXIT_OK = 0


def _site_rules(site: str | None) -> tuple:
    from ..extract import load_builtin_rules

    user = load_config(site).rules if site else ()
    return tuple(load_builtin_rules()) + tuple(user)


def _read_input(name: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror}") from None


def cmd_extract(args: argparse.Namespace) -> int:
    body = _read_input(args.file)
    if not body.strip():
        raise InputError(f"{args.file}: empty input")
    result = extract_page(body, args.url, _site_rules(args.site))
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(result["content_html"] if args.format == "html" else result["text"])
    if result["content_html"]:
        return EXIT_OK
    print(f"newsmirror: {args.file}: no article found", file=sys.stderr)
    return EXIT_FAILED


def cmd_test_rule(args: argparse.Namespace) -> int:
    rules = _site_rules(args.site)
    if args.target.startswith(("http://", "https://")):
        body, url, content_type = _fetch_once(args.target)
    else:
        body, url, content_type = _read_input(args.target), args.url or "http://localhost/", None
    report = explain_rule(decode(body, content_type)[0], url, rules)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"page:   {report['url']}")
    print(f"rule:   {report['rule'] or 'none (generic extractor)'}; used: {report['used']}")
    for entry in report["considered"]:
        print(f"        {entry['domain']}: {entry['status']}")
    for sel in report["selectors"]:
        problem = f"  ERROR {sel['error']}" if sel.get("error") else ""
        print(
            f"  {sel['field']:8} {sel['selector']!r}: {sel['count']} match(es){problem}"
            f"  {sel.get('preview', '')}"
        )
    if report.get("note"):
        print(f"note:   {report['note']}")
    print(f"title:  {report['title']}\ndate:   {report['date']}\nauthor: {report['author']}")
    print("--- cleaned article ---")
    print(report["content_html"])
    return EXIT_OK


def _fetch_once(url: str) -> tuple[bytes, str, str | None]:
    import asyncio

    from ..fetch import Fetcher

    async def get() -> tuple[bytes, str, str | None]:
        async with Fetcher() as fetcher:
            # The user typed this URL: its host and port are trusted as a source's are.
            response = await fetcher.get(url, accept="html", trusted=url)
            return response.body, response.url, response.headers.get("Content-Type")

    try:
        return asyncio.run(get())
    except FetchError as exc:
        raise InputError(str(exc)) from None
