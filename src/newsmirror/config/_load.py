"""Read and validate ``newsmirror.toml``.

Every problem becomes one :class:`ConfigError` that names the file, the key and the fix;
the CLI prints it and exits with code 2. Nothing here touches the network.
"""

from __future__ import annotations

import importlib.util
import math
import re
import tomllib
from pathlib import Path
from typing import Any, cast, get_args
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..presets import PresetError, load_presets, resolve
from ._checks import (
    LISTING_TYPES,
    SITE_TYPES,
    SOURCE_TYPES,
    check_headers,
    check_inside_site,
    check_ranges,
    check_selectors,
    check_table,
    check_timezone,
    choice,
    strings,
)
from ._filters import check_patterns
from ._model import Config, FullText, IdKey, ImageMode, Listing, Rule, SiteSettings, Source
from ._rules import parse_rule, parse_rules

__all__ = ["CONFIG_NAME", "OPENCC_CONVERSIONS", "load_config", "parse_config"]

CONFIG_NAME = "newsmirror.toml"
MAX_LISTING_PAGES = 20  # a polite bound on the pages one listing source reads per run


# OpenCC's conversion configurations (its data files are named <name>.json).
OPENCC_CONVERSIONS = (
    "s2t",
    "t2s",
    "s2tw",
    "tw2s",
    "s2hk",
    "hk2s",
    "s2twp",
    "tw2sp",
    "t2tw",
    "tw2t",
    "t2hk",
    "hk2t",
    "t2jp",
    "jp2t",
)


def _check_convert(path: Path, where: str, value: str | None) -> str | None:
    if value is None:
        return None
    name = value.strip().removesuffix(".json")
    choice(path, where, name, OPENCC_CONVERSIONS)
    if importlib.util.find_spec("opencc") is None:
        raise ConfigError(
            f"{path}: {where} needs OpenCC, which is not installed; "
            f"install it with: pip install 'newsmirror[opencc]'"
        )
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
        raise ConfigError(
            f"{path}: {where} {url!r}: only http(s)://, file:// and file paths are supported"
        )
    return str((path.parent / url).resolve())


def _positive(path: Path, where: str, value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{path}: {where} must be a number of days above 0, got {value!r}")
    return value


# a BCP 47 tag as feeds and pages write it: "zh", "zh-Hans", "en-US", "pt-br"
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def _language(path: Path, where: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not _LANGUAGE_TAG.match(value.strip()):
        raise ConfigError(
            f"{path}: {where} must be a language tag such as 'zh', 'zh-Hant' or 'en', got {value!r}"
        )
    return value.strip().replace("_", "-")


def _image_mode(path: Path, where: str, value: str | None) -> ImageMode | None:
    if value is None:
        return None
    return cast(ImageMode, choice(path, where, value, get_args(ImageMode)))


def _parse_listing(path: Path, where: str, table: dict[str, Any]) -> Listing:
    check_table(path, where, table, LISTING_TYPES)
    if "item" not in table:
        raise ConfigError(f"{path}: {where} needs an 'item' selector (one match per article)")
    pages = table.get("pages", 1)
    if not 1 <= pages <= MAX_LISTING_PAGES:
        raise ConfigError(
            f"{path}: {where}pages must be 1 to {MAX_LISTING_PAGES} (listing pages read per "
            f"run), got {pages!r}"
        )
    for key, value in table.items():
        if key != "pages":
            check_selectors(path, where + key, (value,))
    return Listing(**table)


def _parse_source(path: Path, index: int, table: dict[str, Any], site_tz: str) -> Source:
    where = f"[[sources]] #{index + 1}: "
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: sources must be an array of tables ([[sources]])")
    check_table(path, where, table, SOURCE_TYPES)
    for key in ("name", "url"):
        if key == "url" and "preset" in table:
            continue  # the preset's section has the listing URLs
        if not str(table.get(key, "")).strip():
            raise ConfigError(
                f"{path}: {where}missing {key!r}; every source needs a name and a url (or a preset)"
            )
    name = table["name"].strip()
    where = f"source {name!r}: "
    table = _apply_preset(path, where, table)
    headers = table.get("headers", {})
    check_headers(path, where, headers)
    listing = table.get("listing")
    source_id = table.get("id", "")
    if "id" in table and not source_id.strip():
        raise ConfigError(f"{path}: {where}id must not be empty (leave it out for a default)")
    return Source(
        name=name,
        id=source_id.strip(),
        url=_resolve_url(path, where + "url", table["url"]),
        tags=strings(path, where + "tags", table.get("tags", [])),
        categories=strings(path, where + "categories", table.get("categories", [])),
        author=table.get("author"),
        timezone=check_timezone(path, where + "timezone", table.get("timezone", site_tz)),
        id_key=cast(
            IdKey, choice(path, where + "id_key", table.get("id_key", "guid"), get_args(IdKey))
        ),
        enabled=table.get("enabled", True),
        headers=tuple(headers.items()),
        full_text=cast(
            FullText,
            choice(path, where + "full_text", table.get("full_text", "auto"), get_args(FullText)),
        ),
        convert=_check_convert(path, where + "convert", table.get("convert")),
        remove=check_selectors(
            path, where + "remove", strings(path, where + "remove", table.get("remove", []))
        ),
        listing=_parse_listing(path, where + "listing.", listing) if listing else None,
        images=_image_mode(path, where + "images", table.get("images")),
        include=check_patterns(
            path, where + "include", strings(path, where + "include", table.get("include", []))
        ),
        exclude=check_patterns(
            path, where + "exclude", strings(path, where + "exclude", table.get("exclude", []))
        ),
        max_age=_positive(path, where + "max_age", table.get("max_age")),
        lang=_language(path, where + "lang", table.get("lang")),
        preset=table.get("preset"),
        section=table.get("section"),
    )


def _apply_preset(path: Path, where: str, table: dict[str, Any]) -> dict[str, Any]:
    """The source's table with what its preset gives filled in: url (the section's first
    listing page), listing selectors, timezone, lang; the source's own fields win."""
    if "preset" not in table:
        if "section" in table:
            raise ConfigError(f'{path}: {where}section needs a preset (preset = "zaobao")')
        return table
    try:
        preset, section = resolve(table["preset"], table.get("section"))
    except PresetError as exc:
        raise ConfigError(f"{path}: {where}{exc}") from None
    merged = dict(table, preset=preset.name, section=section.name)
    merged.setdefault("url", section.urls[0])
    listing = table.get("listing", {})
    if not isinstance(listing, dict):
        raise ConfigError(f"{path}: {where}listing must be a table")
    merged["listing"] = {**preset.listing, **listing}
    merged.setdefault("timezone", preset.timezone)
    if preset.lang:
        merged.setdefault("lang", preset.lang)
    return merged


def _preset_rules(path: Path, sources: tuple[Source, ...], user: object) -> tuple[Rule, ...]:
    """The article rules of the presets the sources use, for domains the user has no rule
    for (placed before the user's rules, which win)."""
    taken = {str(d).lower().removeprefix("www.") for d in user} if isinstance(user, dict) else set()
    found: dict[str, Rule] = {}
    for name in dict.fromkeys(s.preset for s in sources if s.preset):
        for domain, table in load_presets()[name].rules.items():
            if domain not in taken and domain not in found:
                found[domain] = parse_rule(path, domain, table)
    return tuple(found.values())


def parse_config(path: Path, text: str) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"site", "sources", "rules"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key {sorted(unknown)[0]!r}; "
            f'known: [site], [[sources]], [rules."domain"]'
        )
    site_table = data.get("site", {})
    if not isinstance(site_table, dict):
        raise ConfigError(f"{path}: 'site' must be a table ([site])")
    check_table(path, "[site] ", site_table, SITE_TYPES)
    site = SiteSettings(**site_table)
    check_timezone(path, "[site] timezone", site.timezone)
    _language(path, "[site] lang", site.lang)
    _image_mode(path, "[site] images", site.images)
    check_ranges(path, site)
    for key in ("posts_dir", "state"):
        check_inside_site(path, f"[site] {key}", getattr(site, key))
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{path}: sources must be an array of tables ([[sources]])")
    sources = tuple(_parse_source(path, i, t, site.timezone) for i, t in enumerate(raw_sources))
    seen: set[str] = set()
    for source in sources:
        if source.name.casefold() in seen:
            raise ConfigError(
                f"{path}: two sources are named {source.name!r}; source names must be unique"
            )
        seen.add(source.name.casefold())
    ids = [s.id for s in sources if s.id]
    for source_id in ids:
        if ids.count(source_id) > 1:
            raise ConfigError(f"{path}: two sources have the id {source_id!r}; ids must be unique")
    rules = _preset_rules(path, sources, data.get("rules", {})) + parse_rules(
        path, data.get("rules", {})
    )
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
        raise ConfigError(
            f"{path}: no such file; create one with 'newsmirror init {path.parent}'"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(path, text)
