"""The configuration as typed records: what ``newsmirror.toml`` says, validated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import ConfigError

__all__ = [
    "Config",
    "FullText",
    "IdKey",
    "ImageMode",
    "Listing",
    "Rule",
    "SiteSettings",
    "Source",
]

FullText = Literal["auto", "always", "never"]  # when to fetch the article page
IdKey = Literal["guid", "link"]  # what identifies an item of a source
ImageMode = Literal["remote", "local"]  # images linked where they are, or kept in the site


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
    next: str | None = None  # the link to the next listing page (its href)
    pages: int = 1  # listing pages read per run at most, following ``next``


@dataclass(frozen=True)
class Source:
    name: str  # the display name: author, tags and category of its posts
    url: str  # http(s)://, file:// or an absolute path (relative paths are resolved on load)
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    author: str | None = None  # default: the source name
    timezone: str | None = None  # for dates without a zone; default: the site's
    id_key: IdKey = "guid"
    enabled: bool = True
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers (Referer, Cookie)
    full_text: FullText = "auto"
    convert: str | None = None  # OpenCC configuration, e.g. "s2t", "t2s"
    remove: tuple[str, ...] = ()  # CSS selectors dropped from every article of this source
    listing: Listing | None = None
    images: ImageMode | None = None  # default: the site's
    # items kept (any pattern matches) and dropped (any matches); see config/_filters.py
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_age: float | None = None  # days: older items are not posted
    lang: str | None = None  # BCP 47; default: the feed's language
    preset: str | None = None  # a built-in site preset (data/presets.toml) the source uses
    section: str | None = None  # the preset's section
    # The stable identity its posts are remembered under. Optional in the config; a run
    # gives every source its remembered (or a new) id before using it (pipeline/_identity.py).
    id: str = ""

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
    run_timeout: float | None = None  # seconds a whole run may take; None: no deadline
    images: ImageMode = "remote"
    image_max_width: int | None = None  # local images wider than this are scaled down
    warc: bool = False  # also append every fetched page and image to archive/*.warc.gz
    # an article already posted from another source (same canonical URL) is not posted again
    one_post_per_article: bool = False
    lang: str = "zh-CN"  # the site's language (BCP 47): posts in it carry no lang: line


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

    def require_sources(self) -> None:
        """A run of a config without sources would quietly do nothing: say how to add one."""
        if not self.sources:
            raise ConfigError(
                f"{self.path}: no sources to mirror; add a [[sources]] table with a name "
                f'and a url, e.g. [[sources]] name = "Example" url = "https://example.com/feed.xml"'
            )

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(repr(s.name) for s in self.sources) or "none"
        raise ConfigError(f"{self.path}: no source named {name!r} (sources: {known})")
