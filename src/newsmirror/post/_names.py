"""Post file names: ``YYYY-MM-DD-<slug>.md``, unique after Jekyll lower-cases them."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime, tzinfo

__all__ = ["MAX_NAME_BYTES", "post_filename", "slugify"]


MAX_NAME_BYTES = 200  # the whole file name, suffix and extension included


_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def slugify(title: str) -> str:
    """Runs of characters that are not Unicode letters or digits become one '-'."""
    title = unicodedata.normalize("NFC", title)
    return _NOT_LETTER_OR_DIGIT.sub("-", title).strip("-")


def _cut_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")[: max(0, max_bytes)]
    return data.decode("utf-8", errors="ignore").rstrip("-")


def post_filename(
    title: str,
    published: datetime,
    site_tz: tzinfo,
    identity: str,
    is_taken: Callable[[str], bool],
    probed: dict[str, int] | None = None,
) -> str:
    """``YYYY-MM-DD-<slug>.md``, at most 200 bytes, not taken by another article.

    ``is_taken`` judges a candidate name; names are compared case-insensitively there
    because Jekyll lower-cases URLs and macOS/Windows checkouts fold case. Taken names
    get ``-2``, ``-3``… ``probed``, a dict kept over the calls of one run (while names are
    only ever added), remembers per first candidate the suffix found last: a feed that
    repeats one title ("快讯", "Untitled") on one day would otherwise probe every
    earlier name again for each article, quadratic in their number.
    """
    day = published.astimezone(site_tz).strftime("%Y-%m-%d")
    slug = slugify(title) or hashlib.sha1(identity.encode("utf-8")).hexdigest()[:10]
    key = f"{day}-{slug}".lower()
    start = probed.get(key, 1) if probed is not None else 1
    for n in range(start, 10_000):
        suffix = "" if n == 1 else f"-{n}"
        room = MAX_NAME_BYTES - len(f"{day}-{suffix}.md".encode())
        name = f"{day}-{_cut_utf8(slug, room)}{suffix}.md"
        if not is_taken(name):
            if probed is not None:
                probed[key] = n
            return name
    raise RuntimeError(f"no free file name for {title!r} on {day}")
