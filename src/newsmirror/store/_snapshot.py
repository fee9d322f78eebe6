"""The state snapshot committed to git (``items.jsonl``): one JSON object per line.

A line with a ``name`` is a source (``{"source": id, "name": ..., "url": ...}``): it
carries the source's stable id to a fresh machine, so that a source renamed there keeps
its posts. Every other line is an item. Older snapshots have item lines only; their
sources' ids are their names.

An item whose post was not written yet (its name reserved; a run stopped by a full disk,
or a post to be written again by its source's next poll) carries ``"state": "pending"``:
a fresh checkout then writes it, where a written item whose file is gone was deleted by
the user and stays deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import StoreError
from ._records import ItemRecord, ItemState, SourceRecord

__all__ = ["SNAPSHOT_ENCODER", "Snapshot", "parse_snapshot"]

SNAPSHOT_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


@dataclass
class Snapshot:
    sources: list[SourceRecord] = field(default_factory=list)
    items: list[ItemRecord] = field(default_factory=list)

    def written_keys(self) -> set[tuple[str, str]]:
        """The items whose posts were published with this snapshot."""
        return {(item.source, item.key) for item in self.items if item.state == "written"}


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
        _state(data.get("state", "written")),
    )


def _state(value: object) -> ItemState:
    if value == "written" or value == "pending":
        return value
    raise ValueError(f"unknown item state {value!r}")
