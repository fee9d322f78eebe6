"""The Jekyll site around the posts: scaffold, archive pages, search index, demo, server.

``_scaffold`` writes a new site from the template (``_template``) and keeps the pages
that follow the posts up to date; ``_posts`` reads the posts as Jekyll will publish them
(front matter by ``_frontmatter``, URLs by ``_urls``); ``_archives`` and ``_search``
write the archive pages and the search index; ``_demo`` and ``_serve`` are the offline
example and its local server.
"""

from typing import TYPE_CHECKING

from ..util.lazy import lazy_names

if TYPE_CHECKING:
    from ._archives import write_archives
    from ._demo import DEMO_FEEDS, write_demo
    from ._history import HISTORY_DIR, VersionText, item_versions, write_history_pages
    from ._posts import EXCERPT_CHARS, PostInfo, read_post, scan_posts
    from ._scaffold import (
        GENERATED_PATHS,
        WORKFLOW_PATH,
        config_warnings,
        is_scaffolded,
        update_site,
        write_scaffold,
        write_workflow,
    )
    from ._search import SEARCH_DIR, write_search_index
    from ._serve import build_and_serve
    from ._template import GENERATOR_MARK
    from ._urls import DEFAULT_PERMALINK, SCAFFOLD_PERMALINK, jekyll_slugify, post_url, term_slug

# Each name is imported from its module when first asked for: a run imports only the
# modules it uses (not the demo, the server or the search index; docs/PERFORMANCE.md,
# "Start-up").
_MODULE_OF = {
    "write_archives": "_archives",
    "DEMO_FEEDS": "_demo",
    "write_demo": "_demo",
    "HISTORY_DIR": "_history",
    "VersionText": "_history",
    "item_versions": "_history",
    "write_history_pages": "_history",
    "EXCERPT_CHARS": "_posts",
    "PostInfo": "_posts",
    "read_post": "_posts",
    "scan_posts": "_posts",
    "GENERATED_PATHS": "_scaffold",
    "WORKFLOW_PATH": "_scaffold",
    "config_warnings": "_scaffold",
    "is_scaffolded": "_scaffold",
    "update_site": "_scaffold",
    "write_scaffold": "_scaffold",
    "write_workflow": "_scaffold",
    "SEARCH_DIR": "_search",
    "write_search_index": "_search",
    "build_and_serve": "_serve",
    "GENERATOR_MARK": "_template",
    "DEFAULT_PERMALINK": "_urls",
    "SCAFFOLD_PERMALINK": "_urls",
    "jekyll_slugify": "_urls",
    "post_url": "_urls",
    "term_slug": "_urls",
}


__getattr__ = lazy_names(__name__, _MODULE_OF)


__all__ = [
    "DEFAULT_PERMALINK",
    "SCAFFOLD_PERMALINK",
    "DEMO_FEEDS",
    "EXCERPT_CHARS",
    "GENERATED_PATHS",
    "GENERATOR_MARK",
    "HISTORY_DIR",
    "SEARCH_DIR",
    "VersionText",
    "WORKFLOW_PATH",
    "PostInfo",
    "build_and_serve",
    "config_warnings",
    "is_scaffolded",
    "item_versions",
    "jekyll_slugify",
    "post_url",
    "read_post",
    "scan_posts",
    "term_slug",
    "update_site",
    "write_archives",
    "write_demo",
    "write_history_pages",
    "write_scaffold",
    "write_search_index",
    "write_workflow",
]
