"""Source documents -> ``ParsedFeed``: RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1,
and HTML listing pages read with selectors (sites with no feed).

One reader per format (``_rss``, ``_atom``, ``_jsonfeed``, ``_listing``) behind one entry
point per kind of document.
"""

from ..errors import FeedError, ListingError
from ..util.sniff import detect_kind
from ._discover import FeedLink, feed_links, guessed_feeds
from ._listing import parse_listing
from ._media import with_media
from ._parse import parse_feed
from ._text import title_from_text

__all__ = [
    "FeedError",
    "FeedLink",
    "ListingError",
    "detect_kind",
    "feed_links",
    "guessed_feeds",
    "parse_feed",
    "parse_listing",
    "title_from_text",
    "with_media",
]
