"""Cleaning: article HTML made safe to republish and otherwise kept as it was."""

from ._cleaner import REFERRER_TAGS, clean_html
from ._convert import convert_text
from ._lazy import LAZY_ATTRS, LAZY_SRCSET_ATTRS
from ._unwanted import JUNK_SELECTORS, VIDEO_IFRAME_HOSTS

__all__ = [
    "JUNK_SELECTORS",
    "LAZY_ATTRS",
    "LAZY_SRCSET_ATTRS",
    "REFERRER_TAGS",
    "VIDEO_IFRAME_HOSTS",
    "clean_html",
    "convert_text",
]
