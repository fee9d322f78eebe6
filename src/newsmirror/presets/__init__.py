"""Built-in presets for sites without a feed (``data/presets.toml``): listing URLs per
section, listing selectors, timezone and language, as data.

A source says ``preset = "zaobao"`` and ``section = "china"``; the config loader fills in
what the source leaves out (:func:`resolve`), the pipeline reads every edition's listing
(:func:`listing_urls`), and ``newsmirror add URL`` recognises a preset site
(:func:`find_preset`). Nothing here touches the network.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol
from urllib.parse import urlsplit

__all__ = [
    "Preset",
    "PresetError",
    "Section",
    "find_preset",
    "listing_urls",
    "load_presets",
    "resolve",
    "section_of",
]


class PresetError(LookupError):
    """An unknown preset or section; the message names the known ones."""


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    urls: tuple[str, ...]  # the section's listing page on each edition of the site


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    timezone: str
    lang: str | None
    default_section: str
    listing: dict[str, Any] = field(hash=False)  # the [sources.listing] keys
    sections: dict[str, Section] = field(hash=False)
    # extraction rules for its article pages: domain -> a [rules."domain"] table
    rules: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)


def _parse(text: str) -> dict[str, Preset]:
    data = tomllib.loads(text).get("presets", {})
    found: dict[str, Preset] = {}
    for name, table in data.items():
        sections = {
            key: Section(key, value.get("title", key), tuple(value["urls"]))
            for key, value in table.get("sections", {}).items()
        }
        default = table.get("default_section") or next(iter(sections))
        found[name] = Preset(
            name=name,
            title=table.get("title", name),
            description=table.get("description", ""),
            timezone=table.get("timezone", "UTC"),
            lang=table.get("lang"),
            default_section=default,
            listing=dict(table["listing"]),
            sections=sections,
            rules=dict(table.get("rules", {})),
        )
    return found


@functools.cache
def load_presets() -> dict[str, Preset]:
    """Every built-in preset by name, in file order."""
    text = resources.files("newsmirror").joinpath("data/presets.toml").read_text("utf-8")
    return _parse(text)


def resolve(name: str, section: str | None) -> tuple[Preset, Section]:
    """The preset and section a source names (its default section when it names none)."""
    known = load_presets()
    preset = known.get(name.strip().lower())
    if preset is None:
        raise PresetError(f"unknown preset {name!r}; known presets: {', '.join(known)}")
    key = (section or preset.default_section).strip().lower()
    found = preset.sections.get(key)
    if found is None:
        raise PresetError(
            f"preset {preset.name!r} has no section {section!r}; "
            f"its sections: {', '.join(preset.sections)}"
        )
    return preset, found


def _key(url: str) -> tuple[str, str]:
    parts = urlsplit(url.strip() if "//" in url else "https://" + url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host, parts.path.rstrip("/")


def section_of(url: str) -> tuple[str, str] | None:
    """``(preset, section)`` when ``url`` is one of a section's listing pages (scheme,
    ``www.`` and a final slash aside); None otherwise."""
    key = _key(url)
    for preset in load_presets().values():
        for section in preset.sections.values():
            if any(_key(listing) == key for listing in section.urls):
                return preset.name, section.name
    return None


def find_preset(url: str) -> tuple[str, str] | None:
    """``(preset, section)`` for a URL of a preset site: the section whose listing page it
    is, else the preset's default section (a homepage or an article); None for other sites.
    """
    host, _ = _key(url)
    if not host:
        return None
    exact = section_of(url)
    if exact is not None:
        return exact
    for preset in load_presets().values():
        for section in preset.sections.values():
            if any(_key(listing)[0] == host for listing in section.urls):
                return preset.name, preset.default_section
    return None


class _Named(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def preset(self) -> str | None: ...
    @property
    def section(self) -> str | None: ...


def listing_urls(source: _Named) -> tuple[str, ...]:
    """The listing pages a source reads: every edition's when it uses a preset section at
    its own URL, else just its url (a url the source sets itself replaces the preset's).
    """
    if source.preset:
        try:
            _, section = resolve(source.preset, source.section)
        except PresetError:
            return (source.url,)
        if section.urls and source.url == section.urls[0]:
            return section.urls
    return (source.url,)
