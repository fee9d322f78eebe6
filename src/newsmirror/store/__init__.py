"""State: what the mirror remembers between runs, in one SQLite file per site."""

from ..errors import StoreError
from ._pages import compress_page, decompress_page
from ._records import CachedResponse, Health, ItemRecord, ItemState
from ._schema import SCHEMA_VERSION
from ._sqlite import Store

__all__ = [
    "SCHEMA_VERSION",
    "CachedResponse",
    "Health",
    "ItemRecord",
    "ItemState",
    "Store",
    "StoreError",
    "compress_page",
    "decompress_page",
]
