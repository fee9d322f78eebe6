"""The state snapshot committed to git (``items.jsonl``): one JSON object per line."""

from __future__ import annotations

import json
from datetime import datetime

from ..errors import StoreError
from ._records import ItemRecord

SNAPSHOT_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def record_from_json(number: int, line: str) -> ItemRecord:
    try:
        data = json.loads(line)
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
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"state snapshot line {number}: {exc}") from None
