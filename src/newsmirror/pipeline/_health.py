"""Each source's health after a poll: failures back off exponentially, a success resets."""

from __future__ import annotations

from datetime import timedelta

from ..config import Source
from ..model import SourceReport
from ..store import Health
from ._context import RunContext

__all__ = ["record_health"]


BACKOFF_BASE = timedelta(minutes=10)


BACKOFF_CAP = timedelta(hours=24)


def record_health(
    ctx: RunContext, source: Source, report: SourceReport, old: Health, retry_after: float | None
) -> None:
    if report.skipped:
        return
    if report.ok:
        count = report.items_seen if not report.unchanged else old.last_item_count
        health = Health(source.id, 0, None, ctx.now, ctx.now, None, count)
    else:
        failures = old.failures + 1
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (failures - 1))
        if retry_after:  # the server said when to come back (429/503 Retry-After)
            delay = max(delay, timedelta(seconds=retry_after))
        health = Health(
            source.id,
            failures,
            report.errors[-1],
            old.last_success,
            ctx.now,
            ctx.now + delay,
            old.last_item_count,
        )
        report.backoff_until = health.next_due  # the summary says when it is tried again
    ctx.store.put_health(health)
