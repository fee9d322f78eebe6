"""A new site from the template, and the pages that follow its posts after every run.

No theme gem, own layouts (``site_template/``): nothing in them loops over all posts or
all pages on every page (minima's header loops over ``site.pages`` on every page, and a
category page that loops over ``site.posts`` is O(posts x categories); see
``shared/notes/jekyll.md`` section 3 and docs/PERFORMANCE.md, "Jekyll builds").
"""

from __future__ import annotations

import re
from pathlib import Path

from ..post import yaml_quote
from ..util.zones import zone
from ._search import SEARCH_DIR, write_search_index
from ._template import template_files, write_template

__all__ = [
    "GENERATED_PATHS",
    "WORKFLOW_PATH",
    "config_warnings",
    "is_scaffolded",
    "update_site",
    "write_scaffold",
    "write_workflow",
]

WORKFLOW_PATH = ".github/workflows/newsmirror.yml"


def write_scaffold(
    site_dir: Path | str,
    *,
    title: str = "newsmirror archive",
    timezone: str = "UTC",
    overwrite: bool = False,
    description: str = "News feeds, mirrored and kept.",
    lang: str = "zh-CN",
) -> list[Path]:
    """Write the Jekyll site (layouts, pages, styles, search, workflow) into ``site_dir``.

    Existing files are kept unless ``overwrite``. The archive pages and the search index
    are then (re)generated from the posts already there. Returns the files written.
    """
    site_dir = Path(site_dir)
    zone(timezone)  # fail early on unknown names
    site_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for rel, data in template_files():
        if rel == "_config.yml":
            text = data.decode("utf-8")
            text = (
                text.replace("@@TITLE@@", yaml_quote(title))
                .replace("@@DESCRIPTION@@", yaml_quote(description))
                .replace("@@LANG@@", yaml_quote(lang))
                .replace("@@TIMEZONE@@", yaml_quote(timezone))
            )
            data = text.encode("utf-8")
        write_template(site_dir, rel, data, overwrite, written)
    (site_dir / "_posts").mkdir(exist_ok=True)
    written += update_site(site_dir, timezone=timezone)
    return written


def write_workflow(site_dir: Path | str, *, overwrite: bool = False) -> list[Path]:
    """Write ``.github/workflows/newsmirror.yml`` (also part of the scaffold)."""
    site_dir = Path(site_dir)
    written: list[Path] = []
    for rel, data in template_files():
        if rel == WORKFLOW_PATH:
            write_template(site_dir, rel, data, overwrite, written)
    return written


# What newsmirror generates besides posts: commit these along with them.
GENERATED_PATHS = (SEARCH_DIR, "archive", "categories", "tags", "history")


def is_scaffolded(site_dir: Path | str) -> bool:
    """True for a site made by ``write_scaffold`` (it has the search page)."""
    return (Path(site_dir) / "search.html").is_file()


def update_site(
    site_dir: Path | str, posts_dir: str = "_posts", *, timezone: str | None = None
) -> list[Path]:
    """Archive pages and search index from one scan of the posts; return changed files.

    The same as :func:`write_search_index` with ``archives=True``; call it after every
    run that changed posts.
    """
    return write_search_index(site_dir, posts_dir, timezone=timezone, archives=True)


# `render_with_liquid: false` in defaults or at the top: Jekyll skips Liquid only for the
# boolean, which Ruby's YAML reads from unquoted false, no or off (a quoted one is a string)
_LIQUID_OFF = re.compile(
    r"^[ \t]*(?:-[ \t]+)?render_with_liquid[ \t]*:[ \t]*(?:false|no|off)[ \t]*(?:#.*)?$",
    re.IGNORECASE | re.MULTILINE,
)


def config_warnings(site_dir: Path | str) -> list[str]:
    """What in the site's ``_config.yml`` keeps Jekyll from showing posts as written.

    Scaffolds before issue 11 turned Liquid off for posts. Jekyll 4 then prints the raw
    guards of article text that looks like Liquid (FORMAT.md, "Liquid") as text, while
    Jekyll 3 ignores the key. newsmirror never rewrites ``_config.yml``: it says so.
    """
    path = Path(site_dir) / "_config.yml"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    lines = [text.count("\n", 0, m.start()) + 1 for m in _LIQUID_OFF.finditer(text)]
    return [
        f"{path}:{line}: 'render_with_liquid: false' makes Jekyll 4 show the {{% raw %}} "
        "guards of posts whose text looks like Liquid as text; delete that line "
        "(newsmirror does not edit _config.yml)"
        for line in lines
    ]
