"""``extract`` and ``test-rule``: what extraction makes of one saved or fetched page."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import Listing, load_config
from ..errors import EXIT_FAILED, ConfigError, FetchError, InputError, UsageError
from ..presets import PresetError, resolve, section_of
from ..util.charset import decode
from ._reports import explain_listing, explain_rule, extract_page

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


def _listing_for(args: argparse.Namespace) -> tuple[Listing, str, str | None, str] | None:
    """The listing a ``test-rule`` preview reads the page with: (listing, timezone, its
    first URL, what it is), from --source, --preset/--section, or a preset's listing URL
    given as the target; None for an article page."""
    source_name = getattr(args, "source", None)
    preset_name = getattr(args, "preset", None)
    section_name = getattr(args, "section", None)
    if source_name:
        if not args.site:
            raise UsageError("--source needs --site (the site whose newsmirror.toml names it)")
        source = load_config(args.site).source(source_name)
        if source.listing is None:
            raise UsageError(f"source {source_name!r} is a feed, not a listing page")
        return source.listing, source.timezone or "UTC", source.url, f"source {source.name!r}"
    if section_name and not preset_name:
        raise UsageError("--section needs --preset")
    if not preset_name:
        found = section_of(args.target) if "://" in args.target else None
        if found is None:
            return None
        preset_name, section_name = found
    try:
        preset, section = resolve(preset_name, section_name)
    except PresetError as exc:
        raise ConfigError(str(exc)) from None
    what = f"preset {preset.name!r}, section {section.name!r}"
    return Listing(**preset.listing), preset.timezone, section.urls[0], what


def _print_listing(report: dict, what: str) -> int:
    print(f"listing: {report['url']}")
    print(f"read as: {what}; times in {report['timezone']}; pages per run: {report['pages']}")
    for key, selector in report["selectors"].items():
        print(f"  {key:8} {selector!r}")
    if report["error"]:
        print(f"newsmirror: {report['error']}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{len(report['items'])} link(s):")
    for item in report["items"]:
        print(f"  {item['date'] or '(no date)':25}  {item['title']}")
        print(f"  {'':25}  {item['link']}")
    for warning in report["warnings"]:
        print(f"warning: {warning}")
    print(f"next page: {report['next'] or 'none'}")
    return EXIT_OK


def cmd_test_rule(args: argparse.Namespace) -> int:
    listing = _listing_for(args)
    rules = () if listing else _site_rules(args.site)
    if args.target.startswith(("http://", "https://")):
        body, url, content_type = _fetch_once(args.target)
    else:
        default_url = listing[2] if listing and listing[2] else "http://localhost/"
        body, url, content_type = _read_input(args.target), args.url or default_url, None
    if listing is not None:
        text = decode(body, content_type)[0]
        report = explain_listing(text, url, listing[0], listing[1])
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
            return EXIT_FAILED if report["error"] else EXIT_OK
        return _print_listing(report, listing[3])
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
