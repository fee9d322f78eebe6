"""Command line: argument parsing and printing only; the work is in the library.

Exit codes: 0 success, 1 some source (or the input) failed, 2 configuration or usage
error. Errors are one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import EXIT_FAILED, EXIT_USAGE, ConfigError, NewsmirrorError

# command -> (module, function). A command's module is imported when it runs: each one
# brings in its stages (parsers, the sanitizer, the HTTP client), which other commands and
# --help do without.
COMMANDS = {
    "run": ("_run", "cmd_run"),
    "parse-feed": ("_feeds", "cmd_parse_feed"),
    "init": ("_site", "cmd_init"),
    "demo": ("_site", "cmd_demo"),
    "extract": ("_rules", "cmd_extract"),
    "test-rule": ("_rules", "cmd_test_rule"),
    "reprocess": ("_run", "cmd_reprocess"),
    "sources": ("_run", "cmd_sources"),
    "rename": ("_recover", "cmd_rename"),
    "reindex": ("_recover", "cmd_reindex"),
    "rebuild": ("_recover", "cmd_rebuild"),
    "history": ("_history", "cmd_history"),
    "search": ("_search", "cmd_search"),
    "prune": ("_prune", "cmd_prune"),
    "add": ("_sources", "cmd_add"),
    "remove": ("_sources", "cmd_remove"),
    "enable": ("_sources", "cmd_enable"),
    "disable": ("_sources", "cmd_disable"),
    "import-opml": ("_sources", "cmd_import_opml"),
    "export-opml": ("_sources", "cmd_export_opml"),
    "worker": ("_workers", "cmd_worker"),
    "publish": ("_workers", "cmd_publish"),
}


def _command(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    module, function = COMMANDS[args.command]
    return getattr(importlib.import_module(f".{module}", __package__), function)


__all__ = ["EXIT_BUG", "build_parser", "main"]

EXIT_BUG = 70  # EX_SOFTWARE: an internal error, not the user's input


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsmirror", description="Mirror news feeds and sites into a Jekyll archive."
    )
    parser.add_argument("--version", action="version", version=f"newsmirror {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    common.add_argument("-v", "--verbose", action="store_true", help="print debug details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser = functools.partial(sub.add_parser, parents=[common])  # type: ignore

    p = sub.add_parser("run", help="fetch every due source once and write new posts")
    p.add_argument("--site", default=".", help="the site folder (default: .)")
    p.add_argument(
        "--source", action="append", metavar="NAME", help="only this source (repeatable)"
    )
    p.add_argument("--dry-run", action="store_true", help="fetch and build, write nothing")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--force", action="store_true", help="ignore failure backoff schedules")
    p.add_argument("--restore", action="store_true", help="rewrite posts that were deleted by hand")
    p.add_argument(
        "--commit",
        action="store_true",
        help="git-commit new and changed posts with a summary message",
    )

    p = sub.add_parser("parse-feed", help="print the items of one feed file")
    p.add_argument("file", help="a feed file, or - for stdin")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--timezone", default="UTC", help="zone for dates without one")

    p = sub.add_parser("init", help="create a site folder with newsmirror.toml")
    p.add_argument("dir")
    p.add_argument("--title", default="newsmirror archive")
    p.add_argument("--timezone", default="UTC")
    p.add_argument("--lang", default="zh-CN", help="the site's language (BCP 47), default zh-CN")
    p.add_argument("--force", action="store_true")

    p = sub.add_parser("demo", help="build an offline example site from bundled feeds")
    p.add_argument("dir")
    p.add_argument("--serve", action="store_true", help="build with Jekyll and serve it")
    p.add_argument("--port", type=int, default=4000)
    p.add_argument("--force", action="store_true")

    p = sub.add_parser("extract", help="extract and clean the article of a saved page")
    p.add_argument("file", help="a saved page, or - for stdin")
    p.add_argument("--url", help="the page's URL (for rules and relative links)")
    p.add_argument("--format", choices=("json", "html", "text"), default="json")
    p.add_argument("--site", help="also use the rules of this site's newsmirror.toml")

    p = sub.add_parser("test-rule", help="show which rule applies to a page and what it finds")
    p.add_argument("target", metavar="URL-or-FILE")
    p.add_argument("--url", help="the page's URL when TARGET is a file")
    p.add_argument("--site", help="also use the rules of this site's newsmirror.toml")
    p.add_argument("--json", action="store_true")
    p.add_argument("--source", metavar="NAME", help="preview a listing page as this source does")
    p.add_argument("--preset", metavar="P", help="preview a listing page as this preset reads it")
    p.add_argument("--section", metavar="S", help="the preset's section (default: its main one)")

    p = sub.add_parser("reprocess", help="re-extract stored pages and rewrite their posts")
    p.add_argument("--site", default=".")
    p.add_argument("--source", action="append", metavar="NAME")

    p = sub.add_parser("sources", help="show each source's health")
    p.add_argument("--site", default=".")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("rename", help="rename a source; its posts stay its own")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.add_argument("--site", default=".")

    p = sub.add_parser("reindex", help="rebuild the state store from the posts and the snapshot")
    p.add_argument("--site", default=".")

    p = sub.add_parser("rebuild", help="re-render every post from the state store")
    p.add_argument("--site", default=".")

    p = sub.add_parser("history", help="list the versions of an edited post, or diff two")
    p.add_argument("target", metavar="URL-or-PATH", help="the article's URL or the post file")
    p.add_argument("--site", default=".")
    p.add_argument(
        "--diff", nargs=2, type=int, metavar=("A", "B"), help="the words changed from A to B"
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("search", help="find posts by words of their title or text")
    p.add_argument("query", metavar="QUERY", help="words that must all occur (CJK or not)")
    p.add_argument("--site", default=".")
    p.add_argument("--source", action="append", metavar="NAME", help="only this source")
    p.add_argument("--since", metavar="DATE", help="only posts dated from DATE on")
    p.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = sub.add_parser("prune", help="remove old posts and the local images only they used")
    p.add_argument("--site", default=".")
    p.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 365d, 12w, 6m, 1y")
    p.add_argument("--source", action="append", metavar="NAME", help="only this source")
    p.add_argument("--dry-run", action="store_true", help="print what would go, remove nothing")

    p = sub.add_parser(
        "worker", help="poll due sources of a shared PostgreSQL store (any number, any machines)"
    )
    p.add_argument(
        "--state",
        required=True,
        metavar="URL",
        help="postgresql://user@host/db (or an SQLite file)",
    )
    p.add_argument(
        "--until-idle",
        action="store_true",
        help="exit once no source is due and no worker holds one (default: run until stopped)",
    )
    p.add_argument(
        "--claim-timeout",
        type=_positive_float,
        default=300.0,
        metavar="SECONDS",
        help="a dead worker's sources are free again after this (default 300)",
    )
    p.add_argument(
        "--every",
        type=_positive_float,
        default=900.0,
        metavar="SECONDS",
        help="seconds between two polls of a source (default 900)",
    )
    p.add_argument(
        "--lanes", type=_positive_int, default=8, metavar="N", help="sources at once (default 8)"
    )
    p.add_argument("--name", help="this worker's name in claims (default host:pid)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser(
        "publish", help="give workers the site's config; write the posts they stored; commit"
    )
    p.add_argument("--site", default=".")
    p.add_argument(
        "--state",
        required=True,
        metavar="URL",
        help="postgresql://user@host/db (or an SQLite file)",
    )
    p.add_argument("--no-commit", action="store_true", help="write, but do not git-commit")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("add", help="add a source from a feed URL or a page announcing feeds")
    p.add_argument("url", metavar="URL", help="a feed, or a web page that links its feeds")
    p.add_argument("--site", default=".")
    p.add_argument("--name", help="the source's name (default: the feed's title)")
    p.add_argument("--tag", action="append", metavar="T", help="a tag for its posts (repeatable)")
    p.add_argument(
        "--choose", type=int, metavar="N", help="the page's Nth feed, when it announces several"
    )

    for name, what in (
        ("remove", "remove a source from newsmirror.toml; its posts and state stay"),
        ("enable", "let runs fetch a disabled source again"),
        ("disable", "keep a source but let runs skip it"),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument("name", metavar="NAME")
        p.add_argument("--site", default=".")

    p = sub.add_parser("import-opml", help="add the feeds of an OPML file as sources")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--site", default=".")

    p = sub.add_parser("export-opml", help="the sources as an OPML 2.0 file")
    p.add_argument("--site", default=".")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        return _command(args)(args)
    except NewsmirrorError as exc:
        kind = "configuration error: " if isinstance(exc, ConfigError) else ""
        print(f"newsmirror: {kind}{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "newsmirror: interrupted; finished posts are kept, rerun to continue", file=sys.stderr
        )
        return 130
    except BrokenPipeError:  # the reader went away (``newsmirror sources | head``)
        # Python would complain again when it flushes stdout at exit: point it at nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except OSError as exc:  # the file system refused (a file where a folder should be...)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"newsmirror: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a bug: one line, the traceback in a file
        report = _save_traceback()
        print(
            f"newsmirror: unexpected {type(exc).__name__}: {exc} (a bug; the traceback "
            f"is in {report})",
            file=sys.stderr,
        )
        return EXIT_BUG


def _save_traceback() -> str:
    """The current exception's traceback in a new file; the file's path."""
    fd, path = tempfile.mkstemp(prefix="newsmirror-traceback-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"newsmirror {__version__}\n{traceback.format_exc()}")
    return path


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: not a positive number")
    return value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: not a positive whole number")
    return int(text)
