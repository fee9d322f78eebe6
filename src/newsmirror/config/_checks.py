"""Checks shared by every table of the configuration: key types, choices, zones, selectors."""

from __future__ import annotations

import math
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from ..errors import ConfigError
from ..util.zones import zone
from ._model import SiteSettings

SITE_TYPES: dict[str, type | tuple[type, ...]] = {
    "posts_dir": str,
    "timezone": str,
    "state": str,
    "user_agent": str,
    "allow_private_networks": bool,
    "max_connections": int,
    "per_host_connections": int,
    "per_host_delay": (int, float),
    "timeout": (int, float),
    "retries": int,
    "max_body_mb": (int, float),
    "junk": bool,
    "full_text_min_chars": int,
    "run_timeout": (int, float),
    "images": str,
    "image_max_width": int,
    "warc": bool,
    "one_post_per_article": bool,
    "lang": str,
}


SOURCE_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "id": str,
    "url": str,
    "tags": list,
    "categories": list,
    "author": str,
    "timezone": str,
    "id_key": str,
    "enabled": bool,
    "headers": dict,
    "full_text": str,
    "convert": str,
    "remove": list,
    "listing": dict,
    "images": str,
    "include": list,
    "exclude": list,
    "max_age": (int, float),
    "lang": str,
    "preset": str,
    "section": str,
}


RULE_TYPES: dict[str, type | tuple[type, ...]] = {
    "content": (str, list),
    "remove": list,
    "title": str,
    "date": str,
    "author": str,
    "timezone": str,
}


LISTING_TYPES: dict[str, type | tuple[type, ...]] = {
    "item": str,
    "link": str,
    "title": str,
    "date": str,
    "summary": str,
    "next": str,
    "pages": int,
}


_TYPE_WORDS = {
    str: "a string",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    list: "a list",
    dict: "a table",
}


def _type_word(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(_TYPE_WORDS[t] for t in types)


def check_table(
    path: Path, where: str, table: dict[str, Any], types: dict[str, type | tuple[type, ...]]
) -> None:
    for key, value in table.items():
        if key not in types:
            known = ", ".join(sorted(types))
            raise ConfigError(f"{path}: unknown key {where}{key!r}; known keys here: {known}")
        expected = types[key]
        # bool is an int in Python; a number key must not accept true/false.
        bad_bool = isinstance(value, bool) and bool not in (
            expected if isinstance(expected, tuple) else (expected,)
        )
        if bad_bool or not isinstance(value, expected):
            raise ConfigError(
                f"{path}: {where}{key!r} must be {_type_word(expected)}, got {value!r}"
            )


def strings(path: Path, where: str, values: list[Any]) -> tuple[str, ...]:
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(
                f"{path}: {where} must be a list of non-empty strings, got {value!r} in it"
            )
    return tuple(v.strip() for v in values)


def check_timezone(path: Path, where: str, name: str) -> str:
    try:
        zone(name)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {where} {exc}") from None
    return name


def choice(path: Path, where: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(
            f"{path}: {where} must be one of {', '.join(map(repr, choices))}, got {value!r}"
        )
    return value


_EMPTY_PAGE = LexborHTMLParser("<p></p>")


def check_selectors(
    path: Path, where: str, selectors: tuple[str, ...], *, hooks: bool = False
) -> tuple[str, ...]:
    """The selectors, each compiled once so that a typo is a configuration error now,
    not a failure of every article later. With ``hooks``, ``json:NAME`` entries (the
    embedded-JSON hook of content rules) are allowed and not compiled."""
    for selector in selectors:
        if hooks and selector.startswith("json:"):
            if not selector[5:].strip():
                raise ConfigError(f"{path}: {where} {selector!r} names no JSON variable")
            continue
        try:
            _EMPTY_PAGE.css(selector)
        except Exception:  # noqa: BLE001 - selectolax raises its own error types
            raise ConfigError(f"{path}: {where} {selector!r} is not a valid CSS selector") from None
    return selectors


# [site] numbers and the smallest value each may take: (key, minimum, is the minimum
# itself allowed). A zero timeout would turn every timeout off and an infinite one
# cannot be scheduled; a negative retry count or size makes no sense.
_RANGES: tuple[tuple[str, float, bool], ...] = (
    ("max_connections", 1, True),
    ("per_host_connections", 1, True),
    ("per_host_delay", 0, True),
    ("timeout", 0, False),
    ("retries", 0, True),
    ("max_body_mb", 0, False),
    ("full_text_min_chars", 0, True),
    ("run_timeout", 0, False),
    ("image_max_width", 1, True),
)


def check_ranges(path: Path, site: SiteSettings) -> None:
    for key, minimum, inclusive in _RANGES:
        value = getattr(site, key)
        if value is None:
            continue
        if not math.isfinite(value):
            raise ConfigError(f"{path}: [site] {key} must be a finite number, got {value!r}")
        if value < minimum if inclusive else value <= minimum:
            bound = f"at least {minimum:g}" if inclusive else f"more than {minimum:g}"
            raise ConfigError(f"{path}: [site] {key} must be {bound}, got {value!r}")


def check_inside_site(path: Path, where: str, value: str) -> None:
    """A path the site keeps (posts, state) stays inside the site folder: an absolute path
    or a ``..`` would let a config in a shared repository write anywhere on the machine."""
    parts = [PurePosixPath(value), PureWindowsPath(value)]
    if not value.strip() or any(p.is_absolute() or p.drive or ".." in p.parts for p in parts):
        raise ConfigError(
            f"{path}: {where} must be a relative path inside the site folder "
            f"(no absolute path, no '..'), got {value!r}"
        )


# RFC 9110 field names are tokens; values may not hold control characters (CR and LF
# would end the header and start another: request splitting).
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_HEADER_VALUE_BAD = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_headers(path: Path, where: str, headers: dict[str, Any]) -> None:
    for name, value in headers.items():
        if not _HEADER_NAME.match(name):
            raise ConfigError(f"{path}: {where}headers: {name!r} is not a valid header name")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {where}headers.{name} must be a string")
        if _HEADER_VALUE_BAD.search(value):
            raise ConfigError(
                f"{path}: {where}headers.{name} holds a line break or control character"
            )
