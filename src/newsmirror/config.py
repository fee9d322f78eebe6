"""Read and validate ``newsmirror.toml``.

Every problem becomes one :class:`ConfigError` that names the file, the key and the fix;
the CLI prints it and exits with code 2. Nothing here touches the network.
"""

from __future__ import annotations

import importlib.util
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CONFIG_NAME = "newsmirror.toml"


class ConfigError(Exception):
    """A configuration problem, already phrased for the user."""


@dataclass(frozen=True)
class Rule:
    """Per-domain extraction rule (built-in data file or ``[rules."domain"]``)."""

    domain: str
    content: tuple[str, ...]  # CSS selectors; matches concatenated in document order
    remove: tuple[str, ...] = ()
    title: str | None = None
    date: str | None = None
    author: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Listing:
    """Selectors that turn an HTML listing page into items (sites with no feed)."""

    item: str  # one match per article
    link: str = "a"  # inside the item; its href is the article URL
    title: str | None = None  # inside the item; default: the link text
    date: str | None = None  # inside the item; text or datetime attribute
    summary: str | None = None


@dataclass(frozen=True)
class Source:
    name: str
    url: str  # http(s)://, file:// or an absolute path (relative paths are resolved on load)
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    author: str | None = None  # default: the source name
    timezone: str | None = None  # for dates without a zone; default: the site's
    id_key: str = "guid"  # "guid" or "link"
    enabled: bool = True
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers (Referer, Cookie)
    full_text: str = "auto"  # "auto" | "always" | "never"
    convert: str | None = None  # OpenCC configuration, e.g. "s2t", "t2s"
    remove: tuple[str, ...] = ()  # CSS selectors dropped from every article of this source
    listing: Listing | None = None

    @property
    def display_author(self) -> str:
        return self.author or self.name

    @property
    def is_local(self) -> bool:
        return not self.url.startswith(("http://", "https://"))


@dataclass(frozen=True)
class SiteSettings:
    posts_dir: str = "_posts"
    timezone: str = "UTC"
    state: str = ".newsmirror/state.sqlite"
    user_agent: str | None = None  # default names newsmirror and its version
    allow_private_networks: bool = False
    max_connections: int = 32
    per_host_connections: int = 2
    per_host_delay: float = 0.0  # seconds between two requests to one host
    timeout: float = 30.0  # total seconds for one request
    retries: int = 3
    max_body_mb: float = 15.0
    junk: bool = False  # drop ad slots, share bars and paywall placeholders
    full_text_min_chars: int = 200  # feed content shorter than this is a teaser


@dataclass(frozen=True)
class Config:
    path: Path  # the config file
    site: SiteSettings
    sources: tuple[Source, ...]
    rules: tuple[Rule, ...] = ()

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def posts_path(self) -> Path:
        return self.root / self.site.posts_dir

    @property
    def state_path(self) -> Path:
        return self.root / self.site.state

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(repr(s.name) for s in self.sources) or "none"
        raise ConfigError(f"{self.path}: no source named {name!r} (sources: {known})")


# --- validation -----------------------------------------------------------------------

_SITE_TYPES: dict[str, type | tuple[type, ...]] = {
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
}
_SOURCE_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
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
_RULE_TYPES: dict[str, type | tuple[type, ...]] = {
    "content": (str, list),
    "remove": list,
    "title": str,
    "date": str,
    "author": str,
    "timezone": str,
}
_LISTING_TYPES: dict[str, type | tuple[type, ...]] = {
    "item": str,
    "link": str,
    "title": str,
    "date": str,
    "summary": str,
}
_TYPE_WORDS = {str: "a string", bool: "true or false", int: "a whole number",
               float: "a number", list: "a list", dict: "a table"}


def _type_word(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(_TYPE_WORDS[t] for t in types)


def _check_table(path: Path, where: str, table: dict[str, Any],
                 types: dict[str, type | tuple[type, ...]]) -> None:
    for key, value in table.items():
        if key not in types:
            known = ", ".join(sorted(types))
            raise ConfigError(f"{path}: unknown key {where}{key!r}; known keys here: {known}")
        expected = types[key]
        # bool is an int in Python; a number key must not accept true/false.
        bad_bool = isinstance(value, bool) and bool not in (
            expected if isinstance(expected, tuple) else (expected,))
        if bad_bool or not isinstance(value, expected):
            raise ConfigError(f"{path}: {where}{key!r} must be {_type_word(expected)}, "
                              f"got {value!r}")


def _strings(path: Path, where: str, values: list[Any]) -> tuple[str, ...]:
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{path}: {where} must be a list of non-empty strings, "
                              f"got {value!r} in it")
    return tuple(v.strip() for v in values)


def _check_timezone(path: Path, where: str, name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}: {where} {name!r} is not a known time zone; "
                          f"use an IANA name such as 'Asia/Singapore' or 'UTC'") from None
    return name


def _choice(path: Path, where: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(f"{path}: {where} must be one of {', '.join(map(repr, choices))}, "
                          f"got {value!r}")
    return value


# OpenCC's conversion configurations (its data files are named <name>.json).
OPENCC_CONVERSIONS = ("s2t", "t2s", "s2tw", "tw2s", "s2hk", "hk2s", "s2twp", "tw2sp",
                      "t2tw", "tw2t", "t2hk", "hk2t", "t2jp", "jp2t")


def _check_convert(path: Path, where: str, value: str | None) -> str | None:
    if value is None:
        return None
    name = value.strip().removesuffix(".json")
    _choice(path, where, name, OPENCC_CONVERSIONS)
    if importlib.util.find_spec("opencc") is None:
        raise ConfigError(f"{path}: {where} needs OpenCC, which is not installed; "
                          f"install it with: pip install 'newsmirror[opencc]'")
    return name


def _resolve_url(path: Path, where: str, url: str) -> str:
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        if not urlsplit(url).netloc:
            raise ConfigError(f"{path}: {where} {url!r} has no host")
        return url
    if scheme == "file":
        return str(Path(urlsplit(url).path))
    if scheme and len(scheme) > 1:  # "c:" is a drive letter, not a scheme
        raise ConfigError(f"{path}: {where} {url!r}: only http(s)://, file:// and file paths "
                          f"are supported")
    return str((path.parent / url).resolve())


def _parse_listing(path: Path, where: str, table: dict[str, Any]) -> Listing:
    _check_table(path, where, table, _LISTING_TYPES)
    if "item" not in table:
        raise ConfigError(f"{path}: {where} needs an 'item' selector (one match per article)")
    return Listing(**table)


def _parse_source(path: Path, index: int, table: dict[str, Any], site_tz: str) -> Source:
    where = f"[[sources]] #{index + 1}: "
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: sources must be an array of tables ([[sources]])")
    _check_table(path, where, table, _SOURCE_TYPES)
    for key in ("name", "url"):
        if not str(table.get(key, "")).strip():
            raise ConfigError(f"{path}: {where}missing {key!r}; every source needs a name "
                              f"and a url")
    name = table["name"].strip()
    where = f"source {name!r}: "
    headers = table.get("headers", {})
    for key, value in headers.items():
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {where}headers.{key} must be a string")
    listing = table.get("listing")
    return Source(
        name=name,
        url=_resolve_url(path, where + "url", table["url"]),
        tags=_strings(path, where + "tags", table.get("tags", [])),
        categories=_strings(path, where + "categories", table.get("categories", [])),
        author=table.get("author"),
        timezone=_check_timezone(path, where + "timezone", table.get("timezone", site_tz)),
        id_key=_choice(path, where + "id_key", table.get("id_key", "guid"), ("guid", "link")),
        enabled=table.get("enabled", True),
        headers=tuple(headers.items()),
        full_text=_choice(path, where + "full_text", table.get("full_text", "auto"),
                          ("auto", "always", "never")),
        convert=_check_convert(path, where + "convert", table.get("convert")),
        remove=_strings(path, where + "remove", table.get("remove", [])),
        listing=_parse_listing(path, where + "listing.", listing) if listing else None,
    )


def _parse_rule(path: Path, domain: str, table: dict[str, Any]) -> Rule:
    where = f"[rules.{domain!r}] "
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where}must be a table")
    _check_table(path, where, table, _RULE_TYPES)
    if "content" not in table:
        raise ConfigError(f"{path}: {where}needs 'content' (a CSS selector or a list of them)")
    content = table["content"]
    content = [content] if isinstance(content, str) else content
    tz = table.get("timezone")
    return Rule(
        domain=domain.lower().removeprefix("www."),
        content=_strings(path, where + "content", content),
        remove=_strings(path, where + "remove", table.get("remove", [])),
        title=table.get("title"),
        date=table.get("date"),
        author=table.get("author"),
        timezone=_check_timezone(path, where + "timezone", tz) if tz else None,
    )


def parse_config(path: Path, text: str) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"site", "sources", "rules"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {sorted(unknown)[0]!r}; "
                          f"known: [site], [[sources]], [rules.\"domain\"]")
    site_table = data.get("site", {})
    if not isinstance(site_table, dict):
        raise ConfigError(f"{path}: 'site' must be a table ([site])")
    _check_table(path, "[site] ", site_table, _SITE_TYPES)
    site = SiteSettings(**site_table)
    _check_timezone(path, "[site] timezone", site.timezone)
    for key in ("max_connections", "per_host_connections"):
        if getattr(site, key) < 1:
            raise ConfigError(f"{path}: [site] {key} must be at least 1")
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{path}: sources must be an array of tables ([[sources]])")
    sources = tuple(_parse_source(path, i, t, site.timezone) for i, t in enumerate(raw_sources))
    seen: set[str] = set()
    for source in sources:
        if source.name.casefold() in seen:
            raise ConfigError(f"{path}: two sources are named {source.name!r}; "
                              f"source names must be unique")
        seen.add(source.name.casefold())
    raw_rules = data.get("rules", {})
    if not isinstance(raw_rules, dict):
        raise ConfigError(f"{path}: 'rules' must be a table of tables ([rules.\"domain\"])")
    rules = tuple(_parse_rule(path, domain, t) for domain, t in raw_rules.items())
    return Config(path=path, site=site, sources=sources, rules=rules)


def load_config(site_dir: Path | str) -> Config:
    """Load ``newsmirror.toml`` from a site folder (or a path to the file itself)."""
    path = Path(site_dir)
    if path.is_dir() or not path.suffix:
        path = path / CONFIG_NAME
    path = path.absolute()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; create one with "
                          f"'newsmirror init {path.parent}'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(path, text)
