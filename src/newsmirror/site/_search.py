"""The site's full-text search index, ``assets/search/``, read by ``search.html``.

Every word of every post (title and whole body) is findable, Chinese included, on a
static host, while a query downloads only what it needs (docs/PERFORMANCE.md, "Site
search", has the measurements against Pagefind):

* ``index.json``: the manifest (post count, sources, bucket count, a version);
* ``t/XXX.json``: the terms, spread over buckets by a hash of the term; each term maps
  to its posts' numbers, delta-encoded. Terms are CJK characters and character pairs
  (so a Chinese query matches as a substring, without word segmentation) and whole
  words of other scripts, NFKC-folded and lower-cased; a source's posts are listed
  under the term ``"\\0" + source``;
* ``d/K/N.json``: post number N (oldest first, so numbers rarely change and new posts
  get new files): ``[title, source, date, url, text, digest of the post file]``,
  fetched only for the results shown, which the script checks against the query (pairs
  found apart are not a match) and cuts a snippet from.

``assets/js/search.js`` makes the same terms and hash.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
import unicodedata
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from ..util.files import write_if_changed
from ._archives import write_archives
from ._posts import PostInfo, full_text, scan_posts

__all__ = ["SEARCH_DIR", "SEARCH_FIELDS", "index_terms", "query_terms", "write_search_index"]


SEARCH_DIR = "assets/search"
SEARCH_FIELDS = ["title", "source", "date", "url", "text"]
INDEX_VERSION = 2

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff"
# a CJK run, or a word: letters, digits and "_" of any other script (JS: [\p{L}\p{N}_])
_TOKEN = re.compile(rf"([{_CJK}]+)|([^\W{_CJK}]+)")
MAX_WORD = 32  # longer words are indexed (and looked up) by their first 32 characters
SOURCE_TERM = "\0"  # + the source's name: the posts of one source, for the filter
# postings per bucket the bucket count aims at: ~20 KB of JSON a bucket (PERFORMANCE.md)
POSTINGS_PER_BUCKET = 6000
MIN_BUCKETS, MAX_BUCKETS = 16, 8192
DOCS_PER_FOLDER = 1000


def fold(text: str) -> str:
    """Width and case folded, as the script folds queries (NFKC + lower case)."""
    return unicodedata.normalize("NFKC", text).lower()


def _runs(text: str) -> Iterator[tuple[str, bool]]:
    for m in _TOKEN.finditer(fold(text)):
        if m.group(1):
            yield m.group(1), True
        else:
            yield m.group(2)[:MAX_WORD], False


def index_terms(text: str) -> set[str]:
    """The terms a text is indexed under: CJK characters and pairs, other words whole."""
    terms: set[str] = set()
    for run, cjk in _runs(text):
        if cjk:
            terms.update(run)
            terms.update(map(str.__add__, run, run[1:]))  # pairs, without a Python loop
        else:
            terms.add(run)
    return terms


def query_terms(query: str) -> list[str]:
    """The terms a query looks up (every one must be present): a CJK run of one
    character is itself, a longer one its pairs; other words whole."""
    terms: list[str] = []
    for run, cjk in _runs(query):
        if cjk and len(run) > 1:
            terms += [run[i : i + 2] for i in range(len(run) - 1)]
        else:
            terms.append(run)
    return list(dict.fromkeys(terms))


def bucket_of(term: str, buckets: int) -> int:
    """CRC-32 of the term's UTF-8 bytes, modulo the (power of two) bucket count."""
    return zlib.crc32(term.encode("utf-8")) & (buckets - 1)


def _bucket_count(postings: int) -> int:
    count = MIN_BUCKETS
    while count < MAX_BUCKETS and count * POSTINGS_PER_BUCKET < postings:
        count *= 2
    return count


def _json_bytes(obj: object) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _deltas(ids: array[int]) -> list[int]:
    if len(ids) == 1:  # most terms: rare words, and pairs of words' edges
        return [ids[0]]
    return [b - a for a, b in zip(itertools.chain((0,), ids), ids, strict=False)]


def _doc_path(out: Path, n: int) -> Path:
    return out / "d" / str(n // DOCS_PER_FOLDER) / f"{n}.json"


def _known_texts(out: Path) -> dict[str, str]:
    """The text of each post the index holds, by the digest of its post file: reading
    these costs far less than reading every post's HTML again (PERFORMANCE.md)."""
    known: dict[str, str] = {}
    for path in (out / "d").glob("*/*.json"):
        try:
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        if isinstance(doc, list) and len(doc) == len(SEARCH_FIELDS) + 1:
            known[str(doc[-1])] = str(doc[SEARCH_FIELDS.index("text")])
    return known


def write_search_index(
    site_dir: Path | str,
    posts_dir: str = "_posts",
    *,
    timezone: str | None = None,
    archives: bool = True,
    posts: list[PostInfo] | None = None,
) -> list[Path]:
    """Write ``assets/search/`` from the posts; return the files that changed.

    With ``archives`` (the default) the archive pages are written from the same scan of
    the posts (:func:`write_archives`), so one call after a run brings everything the
    site derives from ``_posts`` up to date. Only files whose content changed are
    written (and returned); files of posts and buckets that are gone are removed.
    """
    site_dir = Path(site_dir)
    if posts is None:
        posts = scan_posts(site_dir, posts_dir, timezone=timezone)
    written: list[Path] = []
    if archives:
        written += write_archives(site_dir, posts_dir, posts=posts)
    out = site_dir / SEARCH_DIR
    # Thousands of files, derived from the posts: their folders are not synced after
    # each (the bytes still are), as the next update_site rewrites whatever a power loss
    # took (docs/PERFORMANCE.md, "Site search").
    known = _known_texts(out)
    postings: defaultdict[str, array[int]] = defaultdict(functools.partial(array, "I"))
    keep: set[Path] = set()
    digest = hashlib.sha1()
    for n, p in enumerate(reversed(posts)):  # numbered oldest first
        try:
            raw = p.path.read_bytes()
        except OSError:
            raw = b""
        key = hashlib.sha1(raw).hexdigest()[:16]
        text = known.get(key)
        if text is None:
            text = full_text(raw.decode("utf-8", "replace"))
        date = p.date.isoformat(timespec="minutes")
        doc = _json_bytes([p.title, p.source, date, p.url, text, key])
        path = _doc_path(out, n)
        keep.add(path)
        digest.update(doc)
        if write_if_changed(path, doc, sync=False):
            written.append(path)
        terms = index_terms(p.title + "\n" + text)
        terms.add(SOURCE_TERM + p.source)
        for term in terms:
            postings[term].append(n)
    buckets = _bucket_count(sum(len(ids) for ids in postings.values()))
    grouped: list[dict[str, list[int]]] = [{} for _ in range(buckets)]
    for term in sorted(postings):
        grouped[bucket_of(term, buckets)][term] = _deltas(postings[term])
    for b, bucket in enumerate(grouped):
        data = _json_bytes(bucket)
        digest.update(data)
        path = out / "t" / f"{b:03x}.json"
        keep.add(path)
        if write_if_changed(path, data, sync=False):
            written.append(path)
    manifest = {
        "version": INDEX_VERSION,
        "fields": SEARCH_FIELDS,
        "total": len(posts),
        "sources": sorted({p.source for p in posts if p.source}),
        "buckets": buckets,
        "perFolder": DOCS_PER_FOLDER,
        "v": digest.hexdigest()[:12],  # the files' version, so browsers never mix two
    }
    path = out / "index.json"
    keep.add(path)
    if write_if_changed(path, _json_bytes(manifest)):
        written.append(path)
    _remove_others(out, keep)
    return written


def _remove_others(out: Path, keep: set[Path]) -> None:
    """Remove the index files of posts and buckets that are gone, and the monthly shards
    of the index before version 2."""
    if not out.is_dir():
        return
    for old in out.glob("*.json"):
        if old not in keep and re.fullmatch(r"\d{4}-\d{2}\.json", old.name):
            old.unlink()
    for sub in ("t", "d"):
        for old in sorted((out / sub).rglob("*.json"), reverse=True):
            if old not in keep:
                old.unlink()
        for folder in sorted((out / sub).glob("*/"), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
