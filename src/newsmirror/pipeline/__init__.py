"""A run: the stages put together for every due source, and reprocessing after.

``_run`` starts a run and its shared context (``_context``); per source, ``_source``
fetches and parses, ``_plan`` decides which items need a post, ``_build`` makes each
article (``_pages`` and ``_pool`` for article pages), ``_write`` writes the posts and
``_health`` records how the source did. ``_state`` opens the store with its snapshot.
"""

from typing import TYPE_CHECKING

from ..util.lazy import lazy_names

if TYPE_CHECKING:
    from ._history import PostHistory, post_history
    from ._identity import bind_sources
    from ._options import RunOptions, RunSummary
    from ._plan import item_identities
    from ._prune import PruneReport, parse_age, prune
    from ._publish import PublishReport, publish
    from ._recover import RebuildReport, ReindexReport, rebuild, reindex
    from ._rename import rename_source
    from ._reprocess import ReprocessReport, reprocess
    from ._run import batch_gc, run, run_async, site_rules
    from ._search import Found, search_posts
    from ._state import SNAPSHOT_NAME, open_store, snapshot_path
    from ._worker import WorkerOptions, work

# Each name is imported from its module when first asked for: `run` imports no history,
# prune, recovery, rename, reprocessing or search code (docs/PERFORMANCE.md, "Start-up").
_MODULE_OF = {
    "PostHistory": "_history",
    "post_history": "_history",
    "bind_sources": "_identity",
    "RunOptions": "_options",
    "RunSummary": "_options",
    "item_identities": "_plan",
    "PruneReport": "_prune",
    "parse_age": "_prune",
    "prune": "_prune",
    "RebuildReport": "_recover",
    "ReindexReport": "_recover",
    "rebuild": "_recover",
    "reindex": "_recover",
    "rename_source": "_rename",
    "ReprocessReport": "_reprocess",
    "reprocess": "_reprocess",
    "PublishReport": "_publish",
    "publish": "_publish",
    "WorkerOptions": "_worker",
    "work": "_worker",
    "batch_gc": "_run",
    "run": "_run",
    "run_async": "_run",
    "site_rules": "_run",
    "Found": "_search",
    "search_posts": "_search",
    "SNAPSHOT_NAME": "_state",
    "open_store": "_state",
    "snapshot_path": "_state",
}


__getattr__ = lazy_names(__name__, _MODULE_OF)


__all__ = [
    "bind_sources",
    "batch_gc",
    "SNAPSHOT_NAME",
    "PublishReport",
    "WorkerOptions",
    "PostHistory",
    "PruneReport",
    "RebuildReport",
    "Found",
    "ReindexReport",
    "ReprocessReport",
    "RunOptions",
    "RunSummary",
    "item_identities",
    "open_store",
    "post_history",
    "parse_age",
    "prune",
    "publish",
    "rebuild",
    "reindex",
    "rename_source",
    "reprocess",
    "run",
    "run_async",
    "search_posts",
    "site_rules",
    "snapshot_path",
    "work",
]
