"""Full text: the article of a fetched page, by site rule first, generically after.

``_teaser`` decides when a feed item needs its page; ``_rules`` which site rule applies;
``_site_rule`` applies it (``_hooks`` for articles embedded as JSON); ``_metadata`` reads
title, date, author and base URL; ``_generic`` runs trafilatura with our post-filter
(``_focus``) and image restoration (``_images``); ``_extract`` puts them together.
"""

from ._extract import TRAFILATURA, extract
from ._hooks import json_article
from ._rules import load_builtin_rules, rule_matches, select_rule
from ._site_rule import select_all
from ._teaser import needs_full_text

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
