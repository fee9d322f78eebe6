"""Checks shared by every table of the configuration: key types, choices, zones, selectors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from ..errors import ConfigError
from ..util.zones import zone

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
