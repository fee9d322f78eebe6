"""What a run is asked to do, and what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..model import SourceReport

__all__ = ["RunOptions", "RunSummary"]


@dataclass(frozen=True)
class RunOptions:
    sources: tuple[str, ...] = ()  # names to run; empty: every enabled source
    dry_run: bool = False  # build everything, write nothing
    force: bool = False  # ignore backoff schedules
    restore: bool = False  # rewrite posts that were deleted by hand
    now: datetime | None = None  # the run's clock (tests pin it)


@dataclass
class RunSummary:
    reports: list[SourceReport] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)  # post files created or rewritten
    restored: int = 0  # posts written again because the checkout lacked them

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.reports)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "new_posts": sum(r.new_posts for r in self.reports),
            "updated_posts": sum(r.updated_posts for r in self.reports),
            "restored_posts": self.restored,
            "errors": sum(len(r.errors) for r in self.reports),
            # the sources still broken: failed in this run, or skipped while backing off
            "failing": [
                {k: v for k, v in _source_dict(r).items() if k in _FAILING_KEYS}
                for r in self.reports
                if r.failing
            ],
            "sources": [_source_dict(r) for r in self.reports],
        }


_FAILING_KEYS = ("name", "last_error", "backoff_until", "skipped")


def _source_dict(r: SourceReport) -> dict:
    return {
        "name": r.name,
        "items_seen": r.items_seen,
        "filtered": r.filtered,
        "new_posts": r.new_posts,
        "updated_posts": r.updated_posts,
        "unchanged": r.unchanged,
        "skipped": r.skipped,
        "errors": r.errors,
        "warnings": r.warnings,
        "failing": r.failing,
        "cancelled": r.cancelled,
        "last_error": r.errors[-1] if r.errors else r.last_error,
        "backoff_until": r.backoff_until.isoformat("T", "seconds") if r.backoff_until else None,
    }
