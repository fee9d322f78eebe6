"""What every item of one feed document needs: its bases, its time zone, its warnings."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from urllib.parse import urljoin

from ..util.dates import parse_date

_ORIGIN = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\\]+")


class ItemContext:
    """What every item of one document needs: bases, timezone, the warnings list."""

    __slots__ = (
        "url",
        "tz",
        "base",
        "origin",
        "warnings",
        "bad_dates",
        "bad_date_example",
        "dates",
    )

    def __init__(self, url: str | None, tz: tzinfo, warnings: list[str]):
        self.url = url
        self.tz = tz
        self.base = url  # replaced by the channel link once known
        self.origin: tuple[str | None, str | None] = (None, None)  # (base, its scheme://host)
        self.dates: dict[str, datetime | None] = {}
        self.warnings = warnings
        self.bad_dates = 0
        self.bad_date_example = ""

    def resolve(self, link: str | None, el) -> str | None:
        if not link:
            return None
        link = link.strip()
        if not link:
            return None
        if link.startswith(("http://", "https://")):
            return link
        base = self.base_for(el)
        if not base:
            return link
        if link[:1] == "/" and link[1:2] != "/" and "/." not in link and "\\" not in link:
            # root-relative, the common case: scheme://host + path, without urljoin
            if self.origin[0] != base:
                m = _ORIGIN.match(base)
                self.origin = (base, m.group(0) if m else None)
            if self.origin[1]:
                return self.origin[1] + link
        try:
            return urljoin(base, link)
        except ValueError:
            return link

    def base_for(self, el) -> str | None:
        """xml:base in scope of ``el`` (resolved by libxml2), else the channel link/feed URL."""
        if el is not None:
            try:
                b = el.base  # the document URL when no xml:base applies
            except (ValueError, UnicodeError):
                b = None
            if b and b != self.url:
                return b
        return self.base

    def date(self, *candidates: str | None) -> datetime | None:
        first_bad = None
        for c in candidates:
            if c and not c.isspace():
                if c in self.dates:  # the same string is often both published and updated
                    d = self.dates[c]
                else:
                    if len(self.dates) > 64:
                        self.dates.clear()
                    d = self.dates[c] = parse_date(c, self.tz)
                if d is not None:
                    return d
                if first_bad is None:
                    first_bad = c
        if first_bad is not None:
            self.bad_dates += 1
            if not self.bad_date_example:
                self.bad_date_example = first_bad.strip()[:60]
        return None

    def closing_warnings(self, items: list) -> None:
        """The warnings about the whole document, once its items are read."""
        if self.bad_dates:
            self.warnings.append(
                f"{self.bad_dates} item date(s) not understood, e.g. {self.bad_date_example!r}"
            )
        if not items:
            self.warnings.append("no items")
