"""Full text: the article of a fetched page, by site rule first, generically after.

``_teaser`` decides when a feed item needs its page; ``_rules`` which site rule applies;
``_site_rule`` applies it (``_hooks`` for articles embedded as JSON); ``_metadata`` reads
title, date, author and base URL; ``_generic`` runs trafilatura with our post-filter
(``_focus``) and image restoration (``_images``); ``_extract`` puts them together.
"""

from typing import TYPE_CHECKING

from ..util.lazy import lazy_names

if TYPE_CHECKING:
    from ._extract import TRAFILATURA, extract
    from ._hooks import json_article
    from ._rules import load_builtin_rules, rule_matches, select_rule
    from ._site_rule import select_all
    from ._teaser import needs_full_text

# Each name is imported from its module when first asked for: a run with nothing new
# reads the built-in rules without the extractors (docs/PERFORMANCE.md, "Start-up").
_MODULE_OF = {
    "TRAFILATURA": "_extract",
    "extract": "_extract",
    "json_article": "_hooks",
    "load_builtin_rules": "_rules",
    "rule_matches": "_rules",
    "select_rule": "_rules",
    "select_all": "_site_rule",
    "needs_full_text": "_teaser",
}


__getattr__ = lazy_names(__name__, _MODULE_OF)


__all__ = [
    "TRAFILATURA",
    "extract",
    "json_article",
    "load_builtin_rules",
    "needs_full_text",
    "rule_matches",
    "select_all",
    "select_rule",
]
