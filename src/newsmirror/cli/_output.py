"""What commands print: tables padded for CJK, the run summary, progress."""

from __future__ import annotations

import argparse
import logging
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ..model import SourceReport
from ..util.dates import utc_minute

__all__ = ["Progress", "print_summary", "print_table"]

log = logging.getLogger("newsmirror")


class Progress:
    """A rich progress bar on a terminal; plain log lines otherwise (cron, CI)."""

    def __init__(self, total: int, args: argparse.Namespace):
        self.total, self.args = total, args
        self.bar: Any = None  # a rich Progress on a terminal
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
            self.bar.update(
                self.task,
                advance=1,
                description=f"{self.done}/{self.total} sources, {self.posts} posts written",
            )
        elif not self.args.quiet:
            state = (
                "FAILED"
                if report.errors
                else "still failing, skipped"
                if report.failing
                else "skipped"
                if report.skipped
                else "ok"
            )
            log.info(
                "[%d/%d] %s: %s, %d new",
                self.done,
                self.total,
                report.name,
                state,
                report.new_posts,
            )
        for error in report.errors:
            log.error("%s", error)
        if report.failing and not report.errors:
            held = {
                "errors": report.errors,
                "last_error": report.last_error,
                "backoff_until": report.backoff_until,
            }
            log.error("%s: %s", report.name, _failing_status(held))
        for warning in report.warnings:
            log.warning("%s", warning)

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()


def _failing_status(s: dict[str, Any]) -> str:
    """A failing source's status: its last error and when it is tried again."""
    parts = []
    if s["errors"]:
        parts.append("error: " + s["errors"][-1])
    else:  # skipped while backing off from an earlier run's failure
        parts.append("still failing (not retried in this run)")
        if s["last_error"]:
            parts.append("last error: " + s["last_error"])
    if s["backoff_until"]:
        until = _utc_minute(s["backoff_until"])
        parts.append(f"next attempt after {until} (or --force)")
    return "; ".join(parts)


def _utc_minute(when: Any) -> str:
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return utc_minute(when)


def print_summary(summary: dict, *, dry_run: bool) -> None:
    rows = [("source", "items", "left out", "new", "updated", "status")]
    for s in summary["sources"]:
        status = (
            _failing_status(s)
            if s["failing"]
            else "skipped: " + s["skipped"]
            if s["skipped"]
            else "unchanged"
            if s["unchanged"]
            else "ok"
        )
        rows.append(
            (
                s["name"],
                str(s["items_seen"]),
                str(s["filtered"]),
                str(s["new_posts"]),
                str(s["updated_posts"]),
                status,
            )
        )
    print_table(rows)
    verb = "would write" if dry_run else "wrote"
    failing = [s for s in summary["sources"] if s["failing"]]
    held = sum(1 for s in failing if not s["errors"])
    print(
        f"{verb} {summary['new_posts']} new and {summary['updated_posts']} updated posts "
        f"from {len(summary['sources'])} sources; {len(failing)} failed"
        + (f" ({held} still backing off, not retried)" if held else "")
    )
    if summary.get("restored_posts"):
        print(
            f"wrote again {summary['restored_posts']} posts the store had written but this "
            "checkout lacked (an earlier publication that did not land)"
        )


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their display width (CJK counts double); the last one free."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        padded = zip(row, widths, strict=False)  # the last cell has no width: not padded
        cells = [cell + " " * (width - _width(cell)) for cell, width in padded]
        print("  ".join(cells + [row[-1]]))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
