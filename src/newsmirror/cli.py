"""Command line: argument parsing and printing only; the work is in the library.

Exit codes: 0 success, 1 some source (or the input) failed, 2 configuration or usage
error. Errors are one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC
from pathlib import Path

from . import __version__
from .config import CONFIG_NAME, ConfigError, load_config
from .model import SourceReport
from .store import StoreError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

log = logging.getLogger("newsmirror")


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code attached."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


# --- run ---------------------------------------------------------------------------------

def cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import RunOptions, run
    config = load_config(args.site)
    options = RunOptions(sources=tuple(args.source or ()), dry_run=args.dry_run,
                         force=args.force, restore=args.restore)
    total = len(options.sources) or sum(1 for s in config.sources if s.enabled)
    with _progress(total, args) as on_source_done:
        summary = run(config, options, on_source_done)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(summary.to_dict(), dry_run=args.dry_run)
    if args.commit and not args.dry_run:
        from .publish import commit_changes
        message = commit_changes(config, summary)
        if message and not args.json:
            print(f"committed: {message}")
    return summary.exit_code


class _progress:
    """A rich progress bar on a terminal; plain log lines otherwise (cron, CI)."""

    def __init__(self, total: int, args: argparse.Namespace):
        self.total, self.args, self.bar = total, args, None
        self.done = self.posts = 0

    def __enter__(self) -> Callable[[SourceReport], None]:
        if sys.stderr.isatty() and not self.args.quiet and not self.args.json:
            from rich.progress import Progress
            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task("sources", total=self.total)
        return self.on_source_done

    def on_source_done(self, report: SourceReport) -> None:
        self.done += 1
        self.posts += report.new_posts + report.updated_posts
        if self.bar:
            self.bar.update(self.task, advance=1,
                            description=f"{self.done}/{self.total} sources, "
                                        f"{self.posts} posts written")
        elif not self.args.quiet:
            state = "FAILED" if report.errors else ("skipped" if report.skipped else "ok")
            log.info("[%d/%d] %s: %s, %d new", self.done, self.total, report.name, state,
                     report.new_posts)
        for error in report.errors:
            log.error("%s", error)
        for warning in report.warnings:
            log.warning("%s", warning)

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()


def _print_summary(summary: dict, *, dry_run: bool) -> None:
    rows = [("source", "items", "new", "updated", "status")]
    for s in summary["sources"]:
        status = ("error: " + s["errors"][-1] if s["errors"] else
                  "skipped: " + s["skipped"] if s["skipped"] else
                  "unchanged" if s["unchanged"] else "ok")
        rows.append((s["name"], str(s["items_seen"]), str(s["new_posts"]),
                     str(s["updated_posts"]), status))
    _print_table(rows)
    verb = "would write" if dry_run else "wrote"
    failed = sum(1 for s in summary["sources"] if s["errors"])
    print(f"{verb} {summary['new_posts']} new and {summary['updated_posts']} updated posts "
          f"from {len(summary['sources'])} sources; {failed} failed")


def _print_table(rows: list[tuple[str, ...]]) -> None:
    """Columns padded to their display width (CJK counts double); the last one free."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)]
        print("  ".join(cells + [row[-1]]))


def _width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --- parse-feed --------------------------------------------------------------------------

def cmd_parse_feed(args: argparse.Namespace) -> int:
    from .decode import decode
    from .feeds import FeedError, parse_feed
    path = Path(args.file)
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else path.read_bytes()
    except OSError as exc:
        raise CliError(f"{args.file}: cannot read: {exc.strerror}")
    try:
        feed = parse_feed(decode(data)[0], url=path.absolute().as_uri()
                          if args.file != "-" else None, timezone=args.timezone)
    except FeedError as exc:
        raise CliError(f"{args.file}: {exc}")
    items = [{
        "title": item.title, "link": item.link, "guid": item.guid,
        "published": item.published.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if item.published else None,
        "content_length": len(item.content_html),
    } for item in feed.items]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        for item in items:
            print(f"{item['published'] or '-':25} {item['title']}  <{item['link']}>")
    for warning in feed.warnings:
        log.warning("%s: %s", args.file, warning)
    return EXIT_OK


# --- init and demo -------------------------------------------------------------------------

STARTER_CONFIG = """\
# newsmirror configuration: one [[sources]] table per feed or site.
# Reference: https://github.com/newsmirror/newsmirror#configuration

[site]
timezone = "{timezone}"      # the day in post file names and URLs
# posts_dir = "_posts"
# state = ".newsmirror/state.sqlite"

# [[sources]]
# name = "联合早报"
# url = "https://rsshub.example/zaobao/realtime/china"   # RSS, Atom or JSON Feed
# timezone = "Asia/Singapore"                             # for dates without a zone
# full_text = "auto"                                      # "auto" | "always" | "never"
"""


def cmd_init(args: argparse.Namespace) -> int:
    site_dir = Path(args.dir)
    config_path = site_dir / CONFIG_NAME
    if config_path.exists() and not args.force:
        raise CliError(f"{config_path} already exists; use --force to overwrite the scaffold "
                       f"(the configuration is kept)", EXIT_USAGE)
    written = _scaffold(site_dir, args.title, args.timezone, overwrite=args.force)
    if not config_path.exists():
        config_path.write_text(STARTER_CONFIG.format(timezone=args.timezone), encoding="utf-8")
        written.append(config_path)
    print(f"created {len(written)} files in {site_dir}")
    print(f"next: add sources to {config_path}, then: newsmirror run --site {site_dir}")
    return EXIT_OK


def _scaffold(site_dir: Path, title: str, timezone: str, *, overwrite: bool) -> list[Path]:
    from .site import write_scaffold
    site_dir.mkdir(parents=True, exist_ok=True)
    return list(write_scaffold(site_dir, title=title, timezone=timezone, overwrite=overwrite))


def cmd_demo(args: argparse.Namespace) -> int:
    from .pipeline import RunOptions, run
    from .site import write_demo
    site_dir = Path(args.dir)
    if (site_dir / CONFIG_NAME).exists() and not args.force:
        raise CliError(f"{site_dir / CONFIG_NAME} already exists; pick an empty folder",
                       EXIT_USAGE)
    _scaffold(site_dir, "newsmirror demo", "Asia/Singapore", overwrite=True)
    write_demo(site_dir, overwrite=True)
    summary = run(load_config(site_dir), RunOptions(force=True))
    _print_summary(summary.to_dict(), dry_run=False)
    print(f"demo site ready in {site_dir}")
    if args.serve:
        from .site import build_and_serve
        return build_and_serve(site_dir, port=args.port)
    print(f"build it with: jekyll build --source {site_dir} --destination {site_dir}/_site")
    print(f"or build and serve it: newsmirror demo {site_dir} --force --serve")
    return summary.exit_code


# --- sources -------------------------------------------------------------------------------

def cmd_sources(args: argparse.Namespace) -> int:
    from .pipeline import open_store
    config = load_config(args.site)
    rows = []
    with open_store(config) as store:
        for source in config.sources:
            h = store.health(source.name)
            rows.append({
                "name": source.name, "enabled": source.enabled,
                "last_success": h.last_success.isoformat() if h.last_success else None,
                "posts": store.post_count(source.name), "failures": h.failures,
                "last_error": h.last_error,
                "next_due": h.next_due.isoformat() if h.next_due else None,
            })
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    table = [("name", "last success", "posts", "failures", "next due", "last error")]
    for r in rows:
        table.append((r["name"], (r["last_success"] or "never")[:16], str(r["posts"]),
                      str(r["failures"]), (r["next_due"] or "now")[:16],
                      r["last_error"] or ""))
    _print_table(table)
    return EXIT_OK


# --- extract, test-rule, reprocess ---------------------------------------------------------

def _site_rules(site: str | None) -> tuple:
    from .extract import load_builtin_rules
    user = load_config(site).rules if site else ()
    return tuple(load_builtin_rules()) + tuple(user)


def _read_input(name: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise CliError(f"{name}: cannot read: {exc.strerror}")


def cmd_extract(args: argparse.Namespace) -> int:
    from .extract import extract_page
    body = _read_input(args.file)
    if not body.strip():
        raise CliError(f"{args.file}: empty input")
    result = extract_page(body, args.url, _site_rules(args.site))
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(result["content_html"] if args.format == "html" else result["text"])
    return EXIT_OK if result["content_html"] else EXIT_FAILED


def cmd_test_rule(args: argparse.Namespace) -> int:
    from .decode import decode
    from .extract import explain_rule
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
        print(f"  {sel['field']:8} {sel['selector']!r}: {sel['count']} match(es){problem}"
              f"  {sel.get('preview', '')}")
    if report.get("note"):
        print(f"note:   {report['note']}")
    print(f"title:  {report['title']}\ndate:   {report['date']}\nauthor: {report['author']}")
    print("--- cleaned article ---")
    print(report["content_html"])
    return EXIT_OK


def _fetch_once(url: str) -> tuple[bytes, str, str | None]:
    import asyncio
    from urllib.parse import urlsplit

    from .fetch import Fetcher, FetchError, FetchSettings

    async def get() -> tuple[bytes, str, str | None]:
        # The user typed this URL: its host is trusted like a configured source.
        settings = FetchSettings(trusted_hosts=frozenset({urlsplit(url).hostname or ""}))
        async with Fetcher(settings) as fetcher:
            response = await fetcher.get(url, accept="html")
            return response.body, response.url, response.headers.get("Content-Type")

    try:
        return asyncio.run(get())
    except FetchError as exc:
        raise CliError(str(exc))


def cmd_reprocess(args: argparse.Namespace) -> int:
    from .pipeline import reprocess
    config = load_config(args.site)
    report = reprocess(config, tuple(args.source or ()))
    for error in report.errors:
        log.error("%s", error)
    print(f"re-extracted {report.pages} stored pages; rewrote {len(report.rewritten)} posts")
    return EXIT_FAILED if report.errors else EXIT_OK


# --- parser -------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsmirror", description="Mirror news feeds and sites into a Jekyll archive.")
    parser.add_argument("--version", action="version", version=f"newsmirror {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    common.add_argument("-v", "--verbose", action="store_true", help="print debug details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser = functools.partial(sub.add_parser, parents=[common])  # type: ignore

    p = sub.add_parser("run", help="fetch every due source once and write new posts")
    p.add_argument("--site", default=".", help="the site folder (default: .)")
    p.add_argument("--source", action="append", metavar="NAME",
                   help="only this source (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="fetch and build, write nothing")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--force", action="store_true", help="ignore failure backoff schedules")
    p.add_argument("--restore", action="store_true",
                   help="rewrite posts that were deleted by hand")
    p.add_argument("--commit", action="store_true",
                   help="git-commit new and changed posts with a summary message")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("parse-feed", help="print the items of one feed file")
    p.add_argument("file", help="a feed file, or - for stdin")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--timezone", default="UTC", help="zone for dates without one")
    p.set_defaults(func=cmd_parse_feed)

    p = sub.add_parser("init", help="create a site folder with newsmirror.toml")
    p.add_argument("dir")
    p.add_argument("--title", default="newsmirror archive")
    p.add_argument("--timezone", default="UTC")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="build an offline example site from bundled feeds")
    p.add_argument("dir")
    p.add_argument("--serve", action="store_true", help="build with Jekyll and serve it")
    p.add_argument("--port", type=int, default=4000)
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("extract", help="extract and clean the article of a saved page")
    p.add_argument("file", help="a saved page, or - for stdin")
    p.add_argument("--url", help="the page's URL (for rules and relative links)")
    p.add_argument("--format", choices=("json", "html", "text"), default="json")
    p.add_argument("--site", help="also use the rules of this site's newsmirror.toml")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("test-rule", help="show which rule applies to a page and what it finds")
    p.add_argument("target", metavar="URL-or-FILE")
    p.add_argument("--url", help="the page's URL when TARGET is a file")
    p.add_argument("--site", help="also use the rules of this site's newsmirror.toml")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_test_rule)

    p = sub.add_parser("reprocess", help="re-extract stored pages and rewrite their posts")
    p.add_argument("--site", default=".")
    p.add_argument("--source", action="append", metavar="NAME")
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser("sources", help="show each source's health")
    p.add_argument("--site", default=".")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sources)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"newsmirror: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as exc:
        print(f"newsmirror: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except CliError as exc:
        print(f"newsmirror: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("newsmirror: interrupted; finished posts are kept, rerun to continue",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
