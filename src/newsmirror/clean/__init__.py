"""Cleaning: article HTML made safe to republish and otherwise kept as it was."""

from ._cleaner import REFERRER_TAGS, clean_html
from ._convert import convert_text
from ._fingerprint import content_fingerprint, image_identity
from ._images import ORIGINAL_ATTR, body_images, kept_images, point_images
from ._lazy import LAZY_ATTRS, LAZY_SRCSET_ATTRS
from ._unwanted import JUNK_SELECTORS, VIDEO_IFRAME_HOSTS

__all__ = [
    "JUNK_SELECTORS",
    "LAZY_ATTRS",
    "LAZY_SRCSET_ATTRS",
    "ORIGINAL_ATTR",
    "REFERRER_TAGS",
    "VIDEO_IFRAME_HOSTS",
    "body_images",
    "clean_html",
    "content_fingerprint",
    "convert_text",
    "image_identity",
    "kept_images",
    "point_images",
]
