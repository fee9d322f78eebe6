"""The posts of a site as Jekyll will publish them: title, date, categories, URL, excerpt."""

from __future__ import annotations

import functools
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from ..errors import ConfigError
from ..post import flow_sequence, front_matter, scalar, unprotect_liquid
from ..util.dates import parse_date
from ..util.htmltext import HIDDEN, html_to_text
from ..util.zones import zone
from ._frontmatter import config_value
from ._urls import DEFAULT_PERMALINK, post_url

__all__ = ["EXCERPT_CHARS", "PostInfo", "full_text", "month_of", "read_post", "scan_posts"]

log = logging.getLogger("newsmirror")


EXCERPT_CHARS = 140


@dataclass(frozen=True)
class PostInfo:
    """What the site needs to know about one post file."""

    path: Path  # the file
    title: str
    date: datetime  # aware, in the site's time zone
    author: str
    source: str  # the first category (newsmirror's source name), else the author
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    url: str  # as Jekyll makes it, without the baseurl, percent-encoded

    @functools.cached_property
    def text(self) -> str:
        """A plain-text excerpt of the article body, read from the file when asked:
        nothing in a run needs it, and making it was half the cost of a scan."""
        parsed = front_matter(self.path.read_text(encoding="utf-8"))
        return _excerpt(parsed[1]) if parsed else ""


_POST_NAME = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-(.*)(\.[^.]+)$")


_NOT_IN_EXCERPT = HIDDEN + ", figcaption, svg"
_CUT_MARGIN = 16  # characters of text past the excerpt that a cut may garble


def _article_html(body: str, limit: int | None = None) -> str:
    """The article HTML of a post's body (its first ``limit`` characters), as written."""
    # The article HTML starts after the first blank line (after the link line).
    cut = body.find("\n\n")
    body = body[cut + 2 :] if cut >= 0 else body
    # newsmirror's Liquid protection (FORMAT.md, "Liquid")
    return unprotect_liquid(body[:limit] if limit is not None else body)


def _excerpt(body: str, limit: int = EXCERPT_CHARS) -> str:
    """Plain text of the first part of the article body (captions, scripts dropped)."""
    body = _article_html(body, limit * 60)
    # Parsing costs time in proportion to the markup read: read a short start first and
    # more only while it holds too little text (a prefix's text is a prefix of the
    # text; the margin keeps a cut entity or tag at the end out of the excerpt).
    size = limit * 8
    while True:
        text = " ".join(html_to_text(body[:size], drop=_NOT_IN_EXCERPT).split())
        if len(text) > limit + _CUT_MARGIN or size >= len(body):
            break
        size *= 4
    if len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return text


_NOT_IN_TEXT = HIDDEN + ", svg"


def full_text(post: str) -> str:
    """Plain text of the whole article body of a post file's text, whitespace folded
    ("" without front matter): what the site's search finds a post by."""
    parsed = front_matter(post)
    if parsed is None:
        return ""
    return " ".join(html_to_text(_article_html(parsed[1]), drop=_NOT_IN_TEXT).split())


def read_post(path: Path, tz: tzinfo, permalink: str = DEFAULT_PERMALINK) -> PostInfo | None:
    """Read one post file; None (and a log line) when Jekyll would not publish it."""
    m = _POST_NAME.match(path.name)
    if not m:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("%s: cannot read: %s", path, exc)
        return None
    if not text.startswith("---"):
        return None
    parsed = front_matter(text)
    if parsed is None:
        log.warning("%s: front matter is not closed", path)
        return None
    data, body = parsed
    try:
        title = scalar(data.get("title", ""))
        author = scalar(data.get("author", ""))
        categories = tuple(flow_sequence(data.get("categories", data.get("category", ""))))
        tags = tuple(flow_sequence(data.get("tags", data.get("tag", ""))))
        slug = scalar(data["slug"]) if "slug" in data else m.group(4)
        raw_date = scalar(data["date"]) if "date" in data else None
    except (ValueError, IndexError) as exc:
        log.warning("%s: unreadable front matter: %s", path, exc)
        return None
    if data.get("published", "").strip() == "false":
        return None
    if (
        len(categories) == 1
        and " " in categories[0]
        and not data.get("categories", "").lstrip().startswith("[")
    ):
        categories = tuple(categories[0].split())
    if raw_date:
        when = parse_date(raw_date, tz)
        if when is None:
            log.warning("%s: unreadable date %r", path, raw_date)
            return None
    else:
        try:
            when = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=tz)
        except ValueError:
            return None
    when = when.astimezone(tz)
    return PostInfo(
        path=path,
        title=title,
        date=when,
        author=author,
        source=categories[0] if categories else author,
        categories=categories,
        tags=tags,
        url=post_url(slug, categories, when, permalink),
    )


def _site_settings(site_dir: Path, tz: str | None) -> tuple[tzinfo, str]:
    tz_name = tz or config_value(site_dir, "timezone") or os.environ.get("TZ") or "UTC"
    try:
        site_zone = zone(tz_name)
    except ConfigError as exc:  # Jekyll would not build either: say where it comes from
        raise ConfigError(f"{site_dir / '_config.yml'}: timezone: {exc}") from None
    permalink = config_value(site_dir, "permalink") or "date"
    return site_zone, permalink


def scan_posts(
    site_dir: Path | str, posts_dir: str = "_posts", *, timezone: str | None = None
) -> list[PostInfo]:
    """Every publishable post under ``site_dir/posts_dir``, newest first."""
    site_dir = Path(site_dir)
    site_zone, permalink = _site_settings(site_dir, timezone)
    root = site_dir / posts_dir
    posts: list[PostInfo] = []
    if root.is_dir():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
            for name in filenames:
                if name.startswith(".") or not name.endswith((".md", ".markdown", ".html")):
                    continue
                info = read_post(Path(dirpath) / name, site_zone, permalink)
                if info is not None:
                    posts.append(info)
    # Jekyll's order: date, then path; the lists here are newest first.
    posts.sort(key=lambda p: (p.date, str(p.path)), reverse=True)
    return posts


def month_of(p: PostInfo) -> str:
    return p.date.strftime("%Y-%m")
