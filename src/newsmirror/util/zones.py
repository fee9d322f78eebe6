"""Time-zone names to ``tzinfo``: one lookup, one failure for every caller."""

from __future__ import annotations

from datetime import tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError

__all__ = ["zone"]


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The IANA zone ``name``; a :class:`ConfigError` when there is none by that name.

    Zone names come from the configuration (sources, rules, the site) or a command-line
    option, so an unknown one is the user's to fix: it is never replaced by UTC silently.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"{name!r} is not a known time zone; use an IANA name such as 'Asia/Singapore' or 'UTC'"
        ) from None
