"""Typed records passed between the pipeline stages.

Data flows one way: ``config`` -> ``fetch`` -> ``feeds`` / ``listing`` -> ``extract``
-> ``clean`` -> ``post`` -> ``store``. Each stage takes and returns these records, so a
stage can be tested (and replaced) without the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

FeedKind = Literal["rss", "rdf", "atom", "json", "listing"]
# the page metadata extraction can look for, beyond the article itself
MetadataField = Literal["title", "date", "author"]


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed (or of a listing page), as the source gave it.

    ``content_html`` is kept exactly as the feed carried it: cleaning happens later, in
    ``clean``, so that nothing (lazy-image attributes, attribute order) is lost here.
    """

    title: str  # plain text: entities decoded, tags stripped, whitespace folded
    link: str | None  # absolute URL of the article page
    guid: str | None  # the feed's own id (RSS guid, Atom id, JSON Feed id)
    published: datetime | None  # timezone-aware; None when the feed has no usable date
    updated: datetime | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    content_html: str = ""  # the fullest of content:encoded / Atom content / description
    # (URL, MIME type) of each enclosure (podcast audio, video, a file) and the lead image
    # (media:content / media:thumbnail); content_html already shows them (feeds._media)
    enclosures: tuple[tuple[str, str], ...] = ()
    image: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A whole feed document: its kind, its channel title and its items in feed order."""

    kind: FeedKind
    title: str
    link: str | None
    items: tuple[FeedItem, ...]
    warnings: tuple[str, ...] = ()  # recoverable problems met while parsing
    language: str | None = None  # RSS <language>, Atom xml:lang, JSON Feed "language"


@dataclass(frozen=True)
class Extracted:
    """What ``extract`` found in an article page."""

    content_html: str  # the article body, not yet cleaned
    rule: str  # which rule or extractor produced it, e.g. "zaobao.com" or "trafilatura"
    # what relative URLs in the body are relative to: the page's <base href>, else the
    # URL the page was fetched from (after redirects)
    base_url: str = ""
    title: str | None = None
    published: datetime | None = None
    author: str | None = None
    updated: datetime | None = None  # the page's last edit, from its metadata


@dataclass(frozen=True)
class Article:
    """Everything the post writer needs; all text already final and cleaned."""

    title: str
    url: str  # canonical article URL (tracking parameters removed); "" when it has none
    published: datetime  # timezone-aware
    author: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    body_html: str  # cleaned, balanced HTML
    # When the article was last seen edited, and how many times (docs/FORMAT.md,
    # "Edits"): None and 0 for an article never edited since it was first posted.
    updated: datetime | None = None
    edits: int = 0
    # The article's language when it is not the site's (a BCP 47 tag); None: the site's.
    lang: str | None = None


@dataclass
class SourceReport:
    """What one source did in one run; the run summary is a list of these."""

    name: str
    items_seen: int = 0
    filtered: int = 0  # items left out by the source's filters or as another source's article
    new_posts: int = 0
    updated_posts: int = 0
    unchanged: bool = False  # 304 or identical body: nothing was parsed
    skipped: str | None = None  # why the source was not polled (backoff, disabled)
    errors: list[str] = field(default_factory=list)  # the source failed (exit code 1)
    warnings: list[str] = field(default_factory=list)  # e.g. a page fetch fell back to the feed
    # A failing source backs off: no attempt before this time (set when it failed in this
    # run, or when it was skipped because an earlier run's failure still holds it back).
    backoff_until: datetime | None = None
    last_error: str | None = None  # of a source skipped while backing off: why it failed
    cancelled: bool = False  # stopped unfinished by the run's deadline (``run_timeout``)

    @property
    def failing(self) -> bool:
        """Broken as far as this run knows: it failed now, or is backing off (exit code 1)."""
        return bool(self.errors) or self.backoff_until is not None

    @property
    def ok(self) -> bool:
        return not self.failing
