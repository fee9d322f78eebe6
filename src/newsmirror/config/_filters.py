"""A source's ``include`` and ``exclude`` patterns: how they are written and what they match.

A pattern is a word or phrase (``"Singapore"``, ``"股市"``), or a regular expression between
slashes (``"/^Live:/"``); case is ignored. A field name and a colon in front restricts it to
that field: ``"title:Live"``, ``"author:Reuters"``, ``"category:/sport|体育/"``,
``"content:sponsored"``; without one, the pattern is looked for in the title, the text, the
author and the categories. A word of letters or digits matches whole words ("art" is not
found in "start"); CJK text has no spaces between words and is matched where it stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError

FILTER_FIELDS = ("title", "content", "author", "category")
_FIELD_PREFIX = re.compile(rf"^({'|'.join(FILTER_FIELDS)}):(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Pattern:
    field: str | None  # one of FILTER_FIELDS; None: any of them
    regex: re.Pattern[str]


def _word_regex(words: str) -> str:
    body = re.escape(words)
    # whole words where the phrase starts or ends with a letter or digit of a spaced script
    start = r"(?<!\w)" if re.match(r"[A-Za-z0-9À-ɏЀ-ӿ]", words) else ""
    end = r"(?!\w)" if re.search(r"[A-Za-z0-9À-ɏЀ-ӿ]$", words) else ""
    return start + body + end


@lru_cache(maxsize=1024)
def parse_pattern(entry: str) -> Pattern:
    """``entry`` as written in the config; ValueError names what is wrong with it."""
    field = None
    found = _FIELD_PREFIX.match(entry)
    if found:
        field, entry = found.group(1), found.group(2)
    if len(entry) >= 2 and entry.startswith("/") and entry.endswith("/"):
        try:
            regex = re.compile(entry[1:-1], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    else:
        words = " ".join(entry.split())
        if not words:
            raise ValueError("empty pattern")
        regex = re.compile(_word_regex(words), re.IGNORECASE)
    return Pattern(field, regex)


def check_patterns(path: Path, where: str, entries: tuple[str, ...]) -> tuple[str, ...]:
    for entry in entries:
        try:
            parse_pattern(entry)
        except ValueError as exc:
            raise ConfigError(f"{path}: {where}: pattern {entry!r}: {exc}") from None
    return entries
