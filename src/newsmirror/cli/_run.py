"""``run``, ``reprocess`` and ``sources``: the commands of a site's everyday use."""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from ..config import load_config
from ..errors import EXIT_FAILED
from ._output import Progress, print_summary, print_table

__all__ = ["cmd_reprocess", "cmd_run", "cmd_sources"]

log = logging.getLogger("newsmirror")
EXIT_OK = 0


def cmd_run(args: argparse.Namespace) -> int:
    from ..pipeline import RunOptions, run
    from ..site import config_warnings

    config = load_config(args.site)
    for warning in config_warnings(config.root):  # once per run, not per post
        log.warning("%s", warning)
    options = RunOptions(
        sources=tuple(args.source or ()),
        dry_run=args.dry_run,
        force=args.force,
        restore=args.restore,
    )
    total = len(options.sources) or sum(1 for s in config.sources if s.enabled)
    with Progress(total, args) as on_source_done:
        summary = run(config, options, on_source_done)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_summary(summary.to_dict(), dry_run=args.dry_run)
    if args.commit and not args.dry_run:
        from ..publish import commit_changes

        message = commit_changes(config, summary)
        if message and not args.json:
            print(f"committed: {message}")
    return summary.exit_code


def cmd_sources(args: argparse.Namespace) -> int:
    from ..pipeline import bind_sources, open_store

    config = load_config(args.site)
    rows: list[dict[str, Any]] = []
    with open_store(config) as store:
        config, _ = bind_sources(config, store, remember=False)
        for source in config.sources:
            h = store.health(source.id)
            rows.append(
                {
                    "name": source.name,
                    "enabled": source.enabled,
                    "last_success": h.last_success.isoformat() if h.last_success else None,
                    "posts": store.post_count(source.id),
                    "failures": h.failures,
                    "last_error": h.last_error,
                    "next_due": h.next_due.isoformat() if h.next_due else None,
                }
            )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    table = [("name", "last success", "posts", "failures", "next due", "last error")]
    for r in rows:
        table.append(
            (
                r["name"],
                (r["last_success"] or "never")[:16],
                str(r["posts"]),
                str(r["failures"]),
                (r["next_due"] or "now")[:16],
                r["last_error"] or "",
            )
        )
    print_table(table)
    return EXIT_OK


def cmd_reprocess(args: argparse.Namespace) -> int:
    from ..pipeline import reprocess

    config = load_config(args.site)
    report = reprocess(config, tuple(args.source or ()))
    for error in report.errors:
        log.error("%s", error)
    print(f"re-extracted {report.pages} stored pages; rewrote {len(report.rewritten)} posts")
    return EXIT_FAILED if report.errors else EXIT_OK
