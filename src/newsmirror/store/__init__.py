"""State: what the mirror remembers between runs, in one SQLite file per site or in a
PostgreSQL database that workers share."""

from ..errors import StoreError
from ._images import ImageRecord
from ._pages import compress_page, decompress_page
from ._records import CachedResponse, Health, ItemRecord, ItemState, SourceRecord
from ._schema import SCHEMA_VERSION
from ._search import SearchHit
from ._snapshot import Snapshot, parse_snapshot
from ._store import Store, store_failure
from ._versions import Version

__all__ = [
    "SCHEMA_VERSION",
    "CachedResponse",
    "Health",
    "ImageRecord",
    "SearchHit",
    "ItemRecord",
    "ItemState",
    "Snapshot",
    "SourceRecord",
    "Store",
    "StoreError",
    "Version",
    "compress_page",
    "decompress_page",
    "parse_snapshot",
    "store_failure",
]
