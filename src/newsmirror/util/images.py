"""How pages hide their images: the attributes lazy-loading scripts read the real URL from.

The cleaner makes these images real; the generic extractor reads them to find a page's
images again.
"""

from __future__ import annotations

__all__ = ["LAZY_ATTRS", "LAZY_SRCSET_ATTRS"]

LAZY_ATTRS = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-orig",
    "data-url",
    "data-actualsrc",
    "data-orig-file",
    "data-large-file",
)


LAZY_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "data-original-srcset")
