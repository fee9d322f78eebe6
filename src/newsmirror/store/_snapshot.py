"""The state snapshot committed to git (``items.jsonl``): one JSON object per line.

A line with a ``name`` is a source (``{"source": id, "name": ..., "url": ...}``): it
carries the source's stable id to a fresh machine, so that a source renamed there keeps
its posts. Every other line is an item. Older snapshots have item lines only; their
sources' ids are their names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import StoreError
from ._records import ItemRecord, SourceRecord

__all__ = ["SNAPSHOT_ENCODER", "Snapshot", "parse_snapshot"]

SNAPSHOT_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


@dataclass
class Snapshot:
    sources: list[SourceRecord] = field(default_factory=list)
    items: list[ItemRecord] = field(default_factory=list)

    def item_keys(self) -> set[tuple[str, str]]:
        return {(item.source, item.key) for item in self.items}


def parse_snapshot(text: str) -> Snapshot:
    snapshot = Snapshot()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if "name" in data:
                snapshot.sources.append(
                    SourceRecord(data["source"], data["name"], data.get("url") or "")
                )
            else:
                snapshot.items.append(_item(data))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"state snapshot line {number}: {exc}") from None
    return snapshot


def _item(data: dict) -> ItemRecord:
    return ItemRecord(
        data["source"],
        data["key"],
        data.get("link"),
        data["post"],
        data["hash"],
        datetime.fromisoformat(data["first_seen"]),
        datetime.fromisoformat(data["published"]),
        "written",
    )
