"""The Jekyll site around the posts: scaffold, archive pages, search index, workflow.

Design (why the site is built this way)
---------------------------------------
* **No theme gem, own layouts** (``site_template/``): nothing in them loops over all
  posts or all pages on every page. minima's header loops over ``site.pages`` on every
  page, and a category page that loops over ``site.posts`` is O(posts x categories);
  both made 10,000-post builds take minutes (``shared/notes/jekyll.md`` section 3).
* **Archive pages are written by newsmirror**, because GitHub Pages runs no generator
  plugins. Two kinds:

  - one page per source (category) and per tag: ``categories/<slug>/index.html``,
    ``tags/<slug>/index.html``. The page is front matter only (``names``, ``kind``);
    its layout lists ``site.categories[name]`` / ``site.tags[name]``: O(posts in that
    category) per page. ``<slug>`` is Jekyll's own ``slugify`` (default mode) of the
    name, so the layouts link to it with ``{{ name | slugify }}`` and no lookup table.
    Names that share a slug ("Reuters", "reuters") share a page.
  - one page per month, ``archive/YYYY/MM/index.html``, whose list of posts is static
    HTML written here (Jekyll cannot select one month's posts without scanning all of
    them), plus ``archive/index.html`` listing the months. A run only changes the pages
    of the months that got posts, so the repository does not churn.

* **Search index**: ``assets/search/index.json`` (manifest) + one shard per month
  (``assets/search/YYYY-MM.json``), newest first; ``search.html`` fetches shards only
  while it still needs results and matches substrings (CJK needs no word splitting).
* **URLs are computed here** exactly as Jekyll makes them for the ``permalink`` in
  ``_config.yml`` (the scaffold writes Jekyll's ``date`` style out in full): category
  lower-cased, date in the site's ``timezone``, ``:title`` = the file name's slug
  through Jekyll's "pretty" slugify, then Jekyll's path escaping. The Jekyll test
  checks every computed URL against a real build.
* Everything newsmirror generates carries ``generator: newsmirror`` in its front
  matter; only such files are ever rewritten or removed, and files are only written
  when their content changes.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import quote
from zoneinfo import ZoneInfo

from .post import yaml_quote

log = logging.getLogger(__name__)

__all__ = [
    "write_scaffold", "write_workflow", "write_search_index", "write_archives",
    "update_site", "write_demo", "build_and_serve", "scan_posts", "PostInfo", "jekyll_slugify",
    "post_url", "is_scaffolded", "GENERATED_PATHS", "WORKFLOW_PATH",
]

TEMPLATE_PACKAGE = "newsmirror"
TEMPLATE_DIR = "site_template"
DEMO_DIR = "demo"
WORKFLOW_PATH = ".github/workflows/newsmirror.yml"
GENERATOR_MARK = "generator: newsmirror"
SEARCH_DIR = "assets/search"
EXCERPT_CHARS = 140
DEFAULT_PERMALINK = "/:categories/:year/:month/:day/:title:output_ext"
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}


# --- small YAML helpers (the front matter newsmirror writes; no YAML library needed) ---

_YAML_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n",
                 "v": "\v", "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"',
                 "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028",
                 "P": "\u2029"}


def _unquote_double(text: str) -> tuple[str, int]:
    """Parse a YAML double-quoted scalar at the start of ``text``; return (value, end)."""
    out, i = [], 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\" and i + 1 < len(text):
            esc = text[i + 1]
            width = {"x": 2, "u": 4, "U": 8}.get(esc)
            if width:
                out.append(chr(int(text[i + 2:i + 2 + width], 16)))
                i += 2 + width
                continue
            out.append(_YAML_ESCAPES.get(esc, esc))
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ValueError("unterminated double-quoted scalar")


def _unquote_single(text: str) -> tuple[str, int]:
    out, i = [], 1
    while i < len(text):
        if text[i] == "'":
            if text[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        out.append(text[i])
        i += 1
    raise ValueError("unterminated single-quoted scalar")


def _scalar(text: str) -> str:
    text = text.strip()
    if text.startswith('"'):
        return _unquote_double(text)[0]
    if text.startswith("'"):
        return _unquote_single(text)[0]
    return re.split(r"\s+#", text, maxsplit=1)[0].strip()


def _flow_sequence(text: str) -> list[str]:
    """``[ a, "b, c", 'd' ]`` -> ["a", "b, c", "d"] (flat sequences of scalars only)."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return [_scalar(text)] if text else []
    inner, items, i = text[1:-1], [], 0
    while i < len(inner):
        ch = inner[i]
        if ch in " \t,":
            i += 1
            continue
        if ch in "\"'":
            value, used = (_unquote_double if ch == '"' else _unquote_single)(inner[i:])
            items.append(value)
            i += used
            continue
        end = inner.find(",", i)
        end = len(inner) if end < 0 else end
        items.append(inner[i:end].strip())
        i = end
    return items


def _config_value(site_dir: Path, key: str) -> str | None:
    """A top-level scalar of the site's ``_config.yml`` (None when absent)."""
    path = site_dir / "_config.yml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(r"^%s:[ \t]*(.*)$" % re.escape(key), text, re.M)
    if not m or not m.group(1).strip():
        return None
    return _scalar(m.group(1))


# --- Jekyll's slugs and URLs ------------------------------------------------------------

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


@dataclass(frozen=True)
class PostInfo:
    """What the site needs to know about one post file."""

    path: Path  # the file
    title: str
    date: datetime  # aware, in the site's time zone
    author: str
    source: str  # the first category (newsmirror's source name), else the author
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    url: str  # as Jekyll makes it, without the baseurl, percent-encoded
    text: str  # a plain-text excerpt of the article body


def post_url(slug: str, categories: Iterable[str], when: datetime,
             permalink: str = DEFAULT_PERMALINK) -> str:
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
        "year": when.strftime("%Y"), "month": when.strftime("%m"), "day": when.strftime("%d"),
        "hour": when.strftime("%H"), "minute": when.strftime("%M"),
        "second": when.strftime("%S"), "i_day": str(when.day), "i_month": str(when.month),
        "short_year": when.strftime("%y"), "y_day": when.strftime("%j"),
        "short_month": when.strftime("%b"), "long_month": when.strftime("%B"),
        "week": when.strftime("%V"), "w_year": when.strftime("%G"),
        "w_day": when.strftime("%u"), "short_day": when.strftime("%a"),
        "long_day": when.strftime("%A"), "output_ext": ".html", "collection": "posts",
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


# --- reading posts ------------------------------------------------------------------------

_POST_NAME = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-(.*)(\.[^.]+)$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"
                   r"(?:[Tt ]+(\d{1,2}):(\d{2}):(\d{2})(\.\d+)?"
                   r"[ \t]*(Z|z|[-+]\d{1,2}(?::?\d{2})?)?)?$")
_DROP_BLOCKS = re.compile(r"<(figcaption|script|style|template|noscript|svg)\b.*?</\1\s*>|<!--.*?-->",
                          re.S | re.I)
_BREAK_TAGS = re.compile(r"</?(?:p|div|br|li|h\d|tr|td|th|section|article|blockquote|figure|pre"
                         r"|ul|ol|table)\b[^>]*>", re.I)
_TAGS = re.compile(r"<[^>]*>")
_LIQUID_LITERAL = '{% endraw %}{{ "{%" }}{% raw %}'


def _parse_date(value: str, tz: ZoneInfo) -> datetime | None:
    m = _DATE.match(value.strip())
    if not m:
        return None
    y, mo, d, hh, mm, ss, frac, zone = m.groups()
    try:
        if hh is None:
            return datetime(int(y), int(mo), int(d), tzinfo=tz)
        micro = int(round(float(frac) * 1_000_000)) if frac else 0
        naive = datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss), min(micro, 999_999))
    except ValueError:
        return None
    if zone is None:
        return naive.replace(tzinfo=tz)
    if zone in ("Z", "z"):
        return naive.replace(tzinfo=dt_timezone.utc)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
    return naive.replace(tzinfo=dt_timezone(sign * timedelta(hours=hours, minutes=minutes)))


def _excerpt(body: str, limit: int = EXCERPT_CHARS) -> str:
    """Plain text of the first part of the article body (captions, scripts dropped)."""
    # The article HTML starts after the first blank line (after the link line).
    cut = body.find("\n\n")
    body = body[cut + 2:] if cut >= 0 else body
    body = body[:limit * 60]
    if "{%" in body:  # newsmirror's Liquid protection (FORMAT.md, "Liquid")
        body = (body.replace(_LIQUID_LITERAL, "{%").replace("{% raw %}", "")
                .replace("{% endraw %}", ""))
    text = _DROP_BLOCKS.sub(" ", body)
    text = _BREAK_TAGS.sub(" ", text)
    text = _TAGS.sub("", text)
    text = html.unescape(text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return text


def read_post(path: Path, tz: ZoneInfo, permalink: str = DEFAULT_PERMALINK) -> PostInfo | None:
    """Read one post file; None (and a log line) when Jekyll would not publish it."""
    m = _POST_NAME.match(path.name)
    if not m:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("%s: cannot read: %s", path, exc)
        return None
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        log.warning("%s: front matter is not closed", path)
        return None
    data: dict[str, str] = {}
    for line in text[3:end].splitlines():
        km = re.match(r"^([A-Za-z_][\w-]*):[ \t]*(.*)$", line)
        if km:
            data[km.group(1)] = km.group(2)
    body_start = text.find("\n", end + 4)
    body = text[body_start + 1:] if body_start >= 0 else ""
    try:
        title = _scalar(data.get("title", ""))
        author = _scalar(data.get("author", ""))
        categories = tuple(_flow_sequence(data.get("categories", data.get("category", ""))))
        tags = tuple(_flow_sequence(data.get("tags", data.get("tag", ""))))
        slug = _scalar(data["slug"]) if "slug" in data else m.group(4)
        raw_date = _scalar(data["date"]) if "date" in data else None
    except (ValueError, IndexError) as exc:
        log.warning("%s: unreadable front matter: %s", path, exc)
        return None
    if data.get("published", "").strip() == "false":
        return None
    if len(categories) == 1 and " " in categories[0] and not data.get(
            "categories", "").lstrip().startswith("["):
        categories = tuple(categories[0].split())
    if raw_date:
        when = _parse_date(raw_date, tz)
        if when is None:
            log.warning("%s: unreadable date %r", path, raw_date)
            return None
    else:
        try:
            when = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=tz)
        except ValueError:
            return None
    when = when.astimezone(tz)
    return PostInfo(
        path=path, title=title, date=when, author=author,
        source=categories[0] if categories else author,
        categories=categories, tags=tags,
        url=post_url(slug, categories, when, permalink),
        text=_excerpt(body),
    )


def _site_settings(site_dir: Path, tz: str | None) -> tuple[ZoneInfo, str]:
    tz_name = tz or _config_value(site_dir, "timezone") or os.environ.get("TZ") or "UTC"
    try:
        zone = ZoneInfo(tz_name)
    except Exception:  # noqa: BLE001 - unknown names: fall back like Jekyll would not
        log.warning("unknown time zone %r in _config.yml; using UTC", tz_name)
        zone = ZoneInfo("UTC")
    permalink = _config_value(site_dir, "permalink") or "date"
    return zone, permalink


def scan_posts(site_dir: Path | str, posts_dir: str = "_posts", *,
               timezone: str | None = None) -> list[PostInfo]:
    """Every publishable post under ``site_dir/posts_dir``, newest first."""
    site_dir = Path(site_dir)
    zone, permalink = _site_settings(site_dir, timezone)
    root = site_dir / posts_dir
    posts: list[PostInfo] = []
    if root.is_dir():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
            for name in filenames:
                if name.startswith(".") or not name.endswith((".md", ".markdown", ".html")):
                    continue
                info = read_post(Path(dirpath) / name, zone, permalink)
                if info is not None:
                    posts.append(info)
    # Jekyll's order: date, then path; the lists here are newest first.
    posts.sort(key=lambda p: (p.date, str(p.path)), reverse=True)
    return posts


# --- writing files ----------------------------------------------------------------------

def _write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def _is_generated(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(2000)
    except OSError:
        return False
    return head.startswith("---") and GENERATOR_MARK in head.split("\n---", 1)[0]


def _write_generated(path: Path, text: str, written: list[Path]) -> None:
    if path.exists() and not _is_generated(path):
        log.warning("%s exists and was not written by newsmirror: left alone", path)
        return
    if _write_if_changed(path, text.encode("utf-8")):
        written.append(path)


def _remove_stale(root: Path, keep: set[Path]) -> None:
    """Remove generated index.html files under ``root`` that are not in ``keep``."""
    if not root.is_dir():
        return
    for page in sorted(root.rglob("index.html"), reverse=True):
        if page.parent == root or page in keep or not _is_generated(page):
            continue
        page.unlink()
        parent = page.parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def _template_files() -> Iterator[tuple[str, bytes]]:
    """(path in the site, content) of every scaffold file; ``dot-x`` names become ``.x``."""
    root = resources.files(TEMPLATE_PACKAGE).joinpath(TEMPLATE_DIR)

    def walk(node, prefix: str) -> Iterator[tuple[str, bytes]]:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            name = child.name
            if name == "__pycache__" or name.endswith((".pyc", "~")):
                continue
            if name.startswith("dot-"):
                name = "." + name[4:]
            rel = f"{prefix}{name}"
            if child.is_dir():
                yield from walk(child, rel + "/")
            else:
                yield rel, child.read_bytes()

    yield from walk(root, "")


def _write_template(site_dir: Path, rel: str, data: bytes, overwrite: bool,
                    written: list[Path]) -> None:
    path = site_dir / rel
    if path.exists() and not overwrite:
        return
    if _write_if_changed(path, data):
        written.append(path)


def write_scaffold(site_dir: Path | str, *, title: str = "newsmirror archive",
                   timezone: str = "UTC", overwrite: bool = False,
                   description: str = "News feeds, mirrored and kept.",
                   lang: str = "zh-CN") -> list[Path]:
    """Write the Jekyll site (layouts, pages, styles, search, workflow) into ``site_dir``.

    Existing files are kept unless ``overwrite``. The archive pages and the search index
    are then (re)generated from the posts already there. Returns the files written.
    """
    site_dir = Path(site_dir)
    ZoneInfo(timezone)  # fail early on unknown names
    site_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for rel, data in _template_files():
        if rel == "_config.yml":
            text = data.decode("utf-8")
            text = (text.replace("@@TITLE@@", yaml_quote(title))
                    .replace("@@DESCRIPTION@@", yaml_quote(description))
                    .replace("@@LANG@@", yaml_quote(lang))
                    .replace("@@TIMEZONE@@", yaml_quote(timezone)))
            data = text.encode("utf-8")
        _write_template(site_dir, rel, data, overwrite, written)
    (site_dir / "_posts").mkdir(exist_ok=True)
    written += update_site(site_dir, timezone=timezone)
    return written


def write_workflow(site_dir: Path | str, *, overwrite: bool = False) -> list[Path]:
    """Write ``.github/workflows/newsmirror.yml`` (also part of the scaffold)."""
    site_dir = Path(site_dir)
    written: list[Path] = []
    for rel, data in _template_files():
        if rel == WORKFLOW_PATH:
            _write_template(site_dir, rel, data, overwrite, written)
    return written


# --- search index -----------------------------------------------------------------------

SEARCH_FIELDS = ["title", "source", "date", "url", "text"]


def _json_bytes(obj: object) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _month(p: PostInfo) -> str:
    return p.date.strftime("%Y-%m")


def write_search_index(site_dir: Path | str, posts_dir: str = "_posts", *,
                       timezone: str | None = None, archives: bool = True,
                       posts: list[PostInfo] | None = None) -> list[Path]:
    """Write ``assets/search/index.json`` and one shard per month; return changed files.

    With ``archives`` (the default) the archive pages are written from the same scan of
    the posts (:func:`write_archives`), so one call after a run brings everything the
    site derives from ``_posts`` up to date. Only files whose content changed are
    written (and returned); shards of months without posts are removed.
    """
    site_dir = Path(site_dir)
    if posts is None:
        posts = scan_posts(site_dir, posts_dir, timezone=timezone)
    written: list[Path] = []
    if archives:
        written += write_archives(site_dir, posts_dir, posts=posts)
    out = site_dir / SEARCH_DIR
    by_month: dict[str, list[list[str]]] = {}
    for p in posts:  # newest first
        by_month.setdefault(_month(p), []).append(
            [p.title, p.source, p.date.isoformat(timespec="minutes"), p.url, p.text])
    shards = []
    for month in sorted(by_month, reverse=True):
        data = _json_bytes({"month": month, "items": by_month[month]})
        path = out / f"{month}.json"
        if _write_if_changed(path, data):
            written.append(path)
        shards.append({"id": month, "file": path.name, "count": len(by_month[month]),
                       "v": hashlib.sha1(data).hexdigest()[:10]})
    manifest = {
        "version": 1,
        "fields": SEARCH_FIELDS,
        "total": len(posts),
        "sources": sorted({p.source for p in posts if p.source}),
        "shards": shards,
    }
    path = out / "index.json"
    if _write_if_changed(path, _json_bytes(manifest)):
        written.append(path)
    keep = {f"{m}.json" for m in by_month} | {"index.json"}
    if out.is_dir():
        for old in out.glob("*.json"):
            if old.name not in keep and re.fullmatch(r"\d{4}-\d{2}\.json", old.name):
                old.unlink()
    return written


# --- archive pages ----------------------------------------------------------------------

def _html_text(s: str) -> str:
    """HTML-escaped text that no Liquid (Jekyll 3 renders Liquid in every page) touches."""
    return html.escape(s, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _relative(url: str, depth: int) -> str:
    return "../" * depth + url.lstrip("/")


def _term_page(kind: str, names: list[str]) -> str:
    title = " / ".join(names)
    return ("---\n"
            "layout: archive\n"
            f"kind: {kind}\n"
            f"title: {yaml_quote(title)}\n"
            f"names: [ {', '.join(yaml_quote(n) for n in names)} ]\n"
            f"{GENERATOR_MARK}\n"
            "---\n")


def _month_page(month: str, posts: list[PostInfo]) -> str:
    lines = ["---", "layout: archive", "kind: month", f'title: "{month}"',
             f"month: \"{month}\"", f"posts: {len(posts)}", GENERATOR_MARK, "---"]
    day = None
    for p in posts:  # newest first
        d = p.date.strftime("%Y-%m-%d")
        if d != day:
            if day is not None:
                lines.append("</ol>")
            lines.append(f'<h2 id="d{d}">{d}</h2>')
            lines.append('<ol class="post-list">')
            day = d
        src = f' <span class="post-source">{_html_text(p.source)}</span>' if p.source else ""
        lines.append(
            f'<li class="post-item"><time datetime="{p.date.isoformat()}">'
            f'{p.date.strftime("%H:%M")}</time> '
            f'<a class="post-link" href="{_html_text(_relative(p.url, 3))}">'
            f'{_html_text(p.title)}</a>{src}</li>')
    if day is not None:
        lines.append("</ol>")
    return "\n".join(lines) + "\n"


def _archive_index(months: dict[str, int], total: int) -> str:
    lines = ["---", "layout: archive", "kind: months", 'title: "Archive"', GENERATOR_MARK,
             "---", f'<p class="archive-count">{total} posts</p>']
    year = None
    for month in sorted(months, reverse=True):
        y, mo = month.split("-")
        if y != year:
            if year is not None:
                lines.append("</ul>")
            lines.append(f'<h2 class="year-head">{y}</h2>')
            lines.append('<ul class="month-list">')
            year = y
        lines.append(f'<li><a href="{y}/{mo}/">{month}</a> <span class="count">{months[month]}</span></li>')
    if year is not None:
        lines.append("</ul>")
    return "\n".join(lines) + "\n"


def write_archives(site_dir: Path | str, posts_dir: str = "_posts", *,
                   timezone: str | None = None,
                   posts: list[PostInfo] | None = None) -> list[Path]:
    """Write the per-source, per-tag and per-month archive pages; return changed files."""
    site_dir = Path(site_dir)
    if posts is None:
        posts = scan_posts(site_dir, posts_dir, timezone=timezone)
    written: list[Path] = []
    for kind, folder, attr in (("category", "categories", "categories"),
                               ("tag", "tags", "tags")):
        groups: dict[str, set[str]] = {}
        for p in posts:
            for name in getattr(p, attr):
                groups.setdefault(term_slug(name), set()).add(name)
        keep = set()
        for slug, names in sorted(groups.items()):
            path = site_dir / folder / slug / "index.html"
            keep.add(path)
            _write_generated(path, _term_page(kind, sorted(names)), written)
        _remove_stale(site_dir / folder, keep)
    by_month: dict[str, list[PostInfo]] = {}
    for p in posts:
        by_month.setdefault(_month(p), []).append(p)
    keep = set()
    for month, items in by_month.items():
        y, mo = month.split("-")
        path = site_dir / "archive" / y / mo / "index.html"
        keep.add(path)
        _write_generated(path, _month_page(month, items), written)
    _remove_stale(site_dir / "archive", keep)
    _write_generated(site_dir / "archive" / "index.html",
                     _archive_index({m: len(v) for m, v in by_month.items()}, len(posts)),
                     written)
    return written


# What newsmirror generates besides posts: commit these along with them.
GENERATED_PATHS = (SEARCH_DIR, "archive", "categories", "tags")


def is_scaffolded(site_dir: Path | str) -> bool:
    """True for a site made by ``write_scaffold`` (it has the search page)."""
    return (Path(site_dir) / "search.html").is_file()


def update_site(site_dir: Path | str, posts_dir: str = "_posts", *,
                timezone: str | None = None) -> list[Path]:
    """Archive pages and search index from one scan of the posts; return changed files.

    The same as :func:`write_search_index` with ``archives=True``; call it after every
    run that changed posts.
    """
    return write_search_index(site_dir, posts_dir, timezone=timezone, archives=True)


def build_and_serve(site_dir: Path | str, *, port: int = 4000, host: str = "127.0.0.1",
                    jekyll: str = "jekyll") -> int:
    """``jekyll build`` the site into ``site_dir/_site`` and serve it until Ctrl-C.

    A plain static server (like GitHub Pages), so what you see is what gets published.
    Returns a process exit status.
    """
    import functools
    import http.server
    import shutil
    import subprocess

    site_dir = Path(site_dir).resolve()
    if not shutil.which(jekyll):
        log.error("jekyll is not installed (Debian: apt-get install jekyll "
                  "ruby-jekyll-feed ruby-jekyll-seo-tag ruby-jekyll-paginate ruby-jekyll-sitemap)")
        return 2
    dest = site_dir / "_site"
    env = dict(os.environ)
    if "UTF-8" not in (env.get("LC_ALL") or env.get("LANG") or "").upper():
        env["LC_ALL"] = "C.UTF-8"
    result = subprocess.run([jekyll, "build", "--source", str(site_dir),
                             "--destination", str(dest)], env=env)
    if result.returncode != 0:
        return result.returncode
    baseurl = (_config_value(site_dir, "baseurl") or "").strip("/")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            if baseurl and path.startswith("/" + baseurl):
                path = path[len(baseurl) + 1:] or "/"
            return super().translate_path(path)

    handler = functools.partial(Handler, directory=str(dest))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        print(f"serving {dest} at http://{host}:{port}/{baseurl + '/' if baseurl else ''} "
              f"(Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


# --- the offline demo -------------------------------------------------------------------

DEMO_FEEDS = ".newsmirror/demo/"  # hidden, so Jekyll neither publishes nor shadows them


def write_demo(site_dir: Path | str, *, overwrite: bool = False) -> list[Path]:
    """Copy the demo snapshot into ``site_dir``: its ``newsmirror.toml`` at the top, the
    feeds in a hidden folder (a ``feed.xml`` at the site root would shadow jekyll-feed's).
    """
    site_dir = Path(site_dir)
    root = resources.files(TEMPLATE_PACKAGE).joinpath(DEMO_DIR)
    written: list[Path] = []

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name in ("__pycache__", "README.md") or child.name.endswith(".pyc"):
                continue
            rel = prefix + child.name
            if child.is_dir():
                walk(child, rel + "/")
            elif rel == "newsmirror.toml":
                config = child.read_text(encoding="utf-8").replace(
                    'url = "feeds/', f'url = "{DEMO_FEEDS}feeds/')
                _write_template(site_dir, rel, config.encode("utf-8"), overwrite, written)
            else:
                _write_template(site_dir, DEMO_FEEDS + rel, child.read_bytes(), overwrite,
                                written)

    walk(root, "")
    return written
