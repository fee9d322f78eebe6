"""``worker`` and ``publish``: many workers polling the sources of one shared store, and
the one process that writes their posts into the site."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from ..config import load_config
from ..model import SourceReport

__all__ = ["cmd_publish", "cmd_worker"]

log = logging.getLogger("newsmirror")


def cmd_worker(args: argparse.Namespace) -> int:
    from ..pipeline import WorkerOptions, batch_gc, work

    options = WorkerOptions(
        until_idle=args.until_idle,
        claim_timeout=args.claim_timeout,
        every=args.every,
        lanes=args.lanes,
        **({"name": args.name} if args.name else {}),
    )

    def on_source_done(report: SourceReport) -> None:
        if args.quiet or args.json:
            return
        state = "FAILED: " + report.errors[-1] if report.errors else "ok"
        log.info(
            "%s: %s, %d new, %d updated",
            report.name,
            state,
            report.new_posts,
            report.updated_posts,
        )

    with batch_gc():
        summary = asyncio.run(work(args.state, options, on_source_done))
    data = summary.to_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        failed = [s["name"] for s in data["sources"] if s["errors"]]
        print(
            f"polled {len(data['sources'])} sources: {data['new_posts']} new and "
            f"{data['updated_posts']} updated posts stored for the publisher; "
            f"{len(failed)} failed" + (f" ({', '.join(failed[:10])})" if failed else "")
        )
    return summary.exit_code


def cmd_publish(args: argparse.Namespace) -> int:
    from ..pipeline import publish

    config = load_config(args.site)
    report = publish(config, args.state)
    message = None
    if not args.no_commit and (config.root / ".git").exists():
        from ..publish import commit_changes

        message = commit_changes(config, report.summary)
    if args.json:
        print(json.dumps({**report.to_dict(), "committed": message}, ensure_ascii=False, indent=2))
        return 0
    data = report.to_dict()
    print(
        f"wrote {data['new_posts']} new and {data['updated_posts']} updated posts and "
        f"{report.images} images; queue: {report.queued} sources added, "
        f"{report.unqueued} taken out"
    )
    if message:
        print(f"committed: {message}")
    return 0
