"""Post URLs exactly as Jekyll makes them for the ``permalink`` in ``_config.yml``:
category lower-cased, date in the site's time zone, ``:title`` = the file name's slug
through Jekyll's "pretty" slugify, then Jekyll's path escaping. The Jekyll test checks
every computed URL against a real build."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote

__all__ = [
    "DEFAULT_PERMALINK",
    "PERMALINK_STYLES",
    "SCAFFOLD_PERMALINK",
    "jekyll_slugify",
    "post_url",
    "term_slug",
]


DEFAULT_PERMALINK = "/:categories/:year/:month/:day/:title:output_ext"  # Jekyll's own


# what `newsmirror init` writes: no display name in URLs (see the template's _config.yml)
SCAFFOLD_PERMALINK = "/:year/:month/:day/:title:output_ext"


PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}


_PRETTY_KEEP = set("._~!$&'()+,;=@")


def _keep_char(ch: str, mode: str) -> bool:
    cat = unicodedata.category(ch)
    if cat[0] in "LM" or cat == "Nd":
        return True
    return mode == "pretty" and ch in _PRETTY_KEEP


def jekyll_slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll 4's ``Utils.slugify`` for the modes "default" and "pretty".

    Every run of characters other than Unicode letters, marks and decimal digits (and,
    in pretty mode, ``._~!$&'()+,;=@``) becomes ``-``; one leading and one trailing
    ``-`` are removed; the result is lower-cased unless ``cased``.
    """
    out, run = [], False
    for ch in text:
        if _keep_char(ch, mode):
            out.append(ch)
            run = False
        elif not run:
            out.append("-")
            run = True
    slug = "".join(out)
    if slug.startswith("-"):
        slug = slug[1:]
    if slug.endswith("-"):
        slug = slug[:-1]
    return slug if cased else slug.lower()


def term_slug(name: str) -> str:
    """The archive page slug of a category or tag; the layouts compute the same."""
    return jekyll_slugify(name) or "-"


_SIMPLE_PATH = re.compile(r"^[a-zA-Z0-9./-]+$")


def _escape_path(path: str) -> str:
    """Jekyll's ``URL.escape_path``: ``Addressable::URI.encode`` (which reads the value
    as a URI: path, ``?query``, ``#fragment``, each encoded with its own safe set), then
    the first ``#`` becomes ``%23``."""
    if not path or _SIMPLE_PATH.match(path):
        return path
    fragment = query = None
    if "#" in path:
        path, fragment = path.split("#", 1)
    if "?" in path:
        path, query = path.split("?", 1)
    out = quote(path, safe="/:@!$&'()*+,;=-._~")
    if query is not None:
        out += "?" + quote(query, safe="/?:@!$&'()*+,;=-._~")
    if fragment is not None:
        out += "#" + quote(fragment, safe="/?:@!$&'()*+,;=-._~")
    return out.replace("#", "%23", 1)


def _sanitize_url(url: str) -> str:
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub("/+", "/", url)


def post_url(
    slug: str, categories: Iterable[str], when: datetime, permalink: str = DEFAULT_PERMALINK
) -> str:
    """The URL Jekyll gives a post (``when`` already in the site's time zone)."""
    template = PERMALINK_STYLES.get(permalink, permalink)
    cats: list[str] = []
    for c in categories:
        c = str(c).lower()
        if c not in cats:
            cats.append(c)
    values = {
        "categories": "/".join(cats),
        "title": jekyll_slugify(slug, "pretty", cased=True),
        "slug": jekyll_slugify(slug),
        "name": jekyll_slugify(slug),
        "year": when.strftime("%Y"),
        "month": when.strftime("%m"),
        "day": when.strftime("%d"),
        "hour": when.strftime("%H"),
        "minute": when.strftime("%M"),
        "second": when.strftime("%S"),
        "i_day": str(when.day),
        "i_month": str(when.month),
        "short_year": when.strftime("%y"),
        "y_day": when.strftime("%j"),
        "short_month": when.strftime("%b"),
        "long_month": when.strftime("%B"),
        "week": when.strftime("%V"),
        "w_year": when.strftime("%G"),
        "w_day": when.strftime("%u"),
        "short_day": when.strftime("%a"),
        "long_day": when.strftime("%A"),
        "output_ext": ".html",
        "collection": "posts",
    }

    def sub(m: re.Match[str]) -> str:
        key = m.group(2)
        if key not in values:
            return m.group(0)
        value = values[key]
        if not value:
            return ""  # Jekyll drops "/:key" when the value is empty
        return m.group(1) + _escape_path(value)

    url = re.sub(r"(/?):([a-z_]+)", sub, template)
    return _sanitize_url(url)
