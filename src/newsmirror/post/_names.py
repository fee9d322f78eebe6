"""Post file names: ``YYYY-MM-DD-<slug>.md``, unique after Jekyll lower-cases them."""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

__all__ = [
    "MAX_NAME_BYTES",
    "POST_YEARS",
    "day_of",
    "fits_post",
    "plain_name",
    "post_filename",
    "slugify",
]


MAX_NAME_BYTES = 200  # the whole file name, suffix and extension included

# The years a post's date may have: four digits, in UTC (``date:``) and in the site's
# zone (the file name and URL). Jekyll reads zero-padded years below 1000 too, but the
# site's own URLs and archives (site/) format years as Python does, unpadded; no news
# item is that old, and 0001-01-01 is the zero value of Go's and .NET's date types.
POST_YEARS = range(1000, 10000)


def fits_post(published: datetime, site_tz: tzinfo) -> bool:
    """Whether a post can carry ``published``: a year in ``POST_YEARS`` in UTC and in
    ``site_tz``. Dates at the ends of Python's range (year 1 at +14:00, 9999 at -12:00)
    cannot even be converted: those do not fit either."""
    try:
        utc, local = published.astimezone(UTC), published.astimezone(site_tz)
    except (OverflowError, ValueError):
        return False
    return utc.year in POST_YEARS and local.year in POST_YEARS


def day_of(instant: datetime) -> str:
    """``YYYY-MM-DD``, the year always of four digits (strftime's ``%Y`` writes year 1 as
    ``1`` on Linux, a name Jekyll skips)."""
    return f"{instant.year:04d}-{instant.month:02d}-{instant.day:02d}"


_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def slugify(title: str) -> str:
    """Runs of characters that are not Unicode letters or digits become one '-'."""
    title = unicodedata.normalize("NFC", title)
    return _NOT_LETTER_OR_DIGIT.sub("-", title).strip("-")


def _cut_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")[: max(0, max_bytes)]
    return data.decode("utf-8", errors="ignore").rstrip("-")


def plain_name(title: str, published: datetime, site_tz: tzinfo, identity: str) -> str:
    """The name an article gets when no other article has taken it."""
    return _candidate(*_day_and_slug(title, published, site_tz, identity), "")


def _day_and_slug(
    title: str, published: datetime, site_tz: tzinfo, identity: str
) -> tuple[str, str]:
    day = day_of(published.astimezone(site_tz))
    return day, slugify(title) or hashlib.sha1(identity.encode("utf-8")).hexdigest()[:10]


def _candidate(day: str, slug: str, suffix: str) -> str:
    room = MAX_NAME_BYTES - len(f"{day}-{suffix}.md".encode())
    return f"{day}-{_cut_utf8(slug, room)}{suffix}.md"


def post_filename(
    title: str,
    published: datetime,
    site_tz: tzinfo,
    identity: str,
    is_taken: Callable[[str], bool],
    source_id: str = "",
) -> str:
    """``YYYY-MM-DD-<slug>.md``, at most 200 bytes, not taken by another article.

    ``is_taken`` judges a candidate name; names are compared case-insensitively there
    because Jekyll lower-cases URLs and macOS/Windows checkouts fold case. A taken name
    gets a suffix made from the article's identity (its source's id and its key), not
    a counter: ``-2``, ``-3``… would depend on how many articles with that title came
    first, so the same article could get another name (and URL) after an interrupted
    run or on another machine. It also keeps naming linear for feeds that repeat one
    title ("快讯", "Untitled") all day.
    """
    day, slug = _day_and_slug(title, published, site_tz, identity)
    digest = hashlib.sha1(f"{source_id}\0{identity}".encode()).hexdigest()
    suffixes = itertools.chain(
        ("", *(f"-{digest[:n]}" for n in (6, 8, 12, 40))),
        (f"-{digest[:6]}-{n}" for n in range(2, 10_000)),  # SHA-1 prefixes collided
    )
    for suffix in suffixes:
        name = _candidate(day, slug, suffix)
        if not is_taken(name):
            return name
    raise RuntimeError(f"no free file name for {title!r} on {day}")
