"""Archive pages, written by newsmirror because GitHub Pages runs no generator plugins.

One page per source (category) and per tag, ``categories/<slug>/index.html`` and
``tags/<slug>/index.html``: front matter only, whose layout lists ``site.categories[name]``
/ ``site.tags[name]`` (O(posts in that category) per page; ``<slug>`` is Jekyll's own
``slugify``, so the layouts link with ``{{ name | slugify }}``). One page per month,
``archive/YYYY/MM/index.html``, whose list is static HTML written here (Jekyll cannot
select one month's posts without scanning all of them), and ``archive/index.html``
listing the months. A run changes only the pages of the months that got posts.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..post import yaml_quote
from ._posts import PostInfo, month_of, scan_posts
from ._template import GENERATOR_MARK, remove_stale, write_generated
from ._urls import term_slug

__all__ = ["write_archives"]


def _html_text(s: str) -> str:
    """HTML-escaped text that no Liquid (Jekyll 3 renders Liquid in every page) touches."""
    return html.escape(s, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _relative(url: str, depth: int) -> str:
    return "../" * depth + url.lstrip("/")


def _term_page(kind: str, names: list[str]) -> str:
    title = " / ".join(names)
    return (
        "---\n"
        "layout: archive\n"
        f"kind: {kind}\n"
        f"title: {yaml_quote(title)}\n"
        f"names: [ {', '.join(yaml_quote(n) for n in names)} ]\n"
        f"{GENERATOR_MARK}\n"
        "---\n"
    )


def _month_page(month: str, posts: list[PostInfo]) -> str:
    lines = [
        "---",
        "layout: archive",
        "kind: month",
        f'title: "{month}"',
        f'month: "{month}"',
        f"posts: {len(posts)}",
        GENERATOR_MARK,
        "---",
    ]
    day = None
    for p in posts:  # newest first
        d = p.date.strftime("%Y-%m-%d")
        if d != day:
            if day is not None:
                lines.append("</ol>")
            lines.append(f'<h2 id="d{d}">{d}</h2>')
            lines.append('<ol class="post-list">')
            day = d
        src = f' <span class="post-source">{_html_text(p.source)}</span>' if p.source else ""
        lines.append(
            f'<li class="post-item"><time datetime="{p.date.isoformat()}">'
            f"{p.date.strftime('%H:%M')}</time> "
            f'<a class="post-link" href="{_html_text(_relative(p.url, 3))}">'
            f"{_html_text(p.title)}</a>{src}</li>"
        )
    if day is not None:
        lines.append("</ol>")
    return "\n".join(lines) + "\n"


def _archive_index(months: dict[str, int], total: int) -> str:
    lines = [
        "---",
        "layout: archive",
        "kind: months",
        'title: "Archive"',
        GENERATOR_MARK,
        "---",
        f'<p class="archive-count">{total} posts</p>',
    ]
    year = None
    for month in sorted(months, reverse=True):
        y, mo = month.split("-")
        if y != year:
            if year is not None:
                lines.append("</ul>")
            lines.append(f'<h2 class="year-head">{y}</h2>')
            lines.append('<ul class="month-list">')
            year = y
        lines.append(
            f'<li><a href="{y}/{mo}/">{month}</a> <span class="count">{months[month]}</span></li>'
        )
    if year is not None:
        lines.append("</ul>")
    return "\n".join(lines) + "\n"


def write_archives(
    site_dir: Path | str,
    posts_dir: str = "_posts",
    *,
    timezone: str | None = None,
    posts: list[PostInfo] | None = None,
) -> list[Path]:
    """Write the per-source, per-tag and per-month archive pages; return changed files."""
    site_dir = Path(site_dir)
    if posts is None:
        posts = scan_posts(site_dir, posts_dir, timezone=timezone)
    written: list[Path] = []
    for kind, folder, attr in (("category", "categories", "categories"), ("tag", "tags", "tags")):
        groups: dict[str, set[str]] = {}
        for p in posts:
            for name in getattr(p, attr):
                groups.setdefault(term_slug(name), set()).add(name)
        keep = set()
        for slug, names in sorted(groups.items()):
            path = site_dir / folder / slug / "index.html"
            keep.add(path)
            write_generated(path, _term_page(kind, sorted(names)), written)
        remove_stale(site_dir / folder, keep)
    by_month: dict[str, list[PostInfo]] = {}
    for p in posts:
        by_month.setdefault(month_of(p), []).append(p)
    keep = set()
    for month, items in by_month.items():
        y, mo = month.split("-")
        path = site_dir / "archive" / y / mo / "index.html"
        keep.add(path)
        write_generated(path, _month_page(month, items), written)
    remove_stale(site_dir / "archive", keep)
    write_generated(
        site_dir / "archive" / "index.html",
        _archive_index({m: len(v) for m, v in by_month.items()}, len(posts)),
        written,
    )
    return written
