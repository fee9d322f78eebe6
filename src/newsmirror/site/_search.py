"""The site's full-text search index, ``assets/search/``, read by ``search.html``.

Every word of every post (title and whole body) is findable, Chinese included, on a
static host, while a query downloads only what it needs (docs/PERFORMANCE.md, "Site
search", has the measurements against Pagefind):

* ``index.json``: the manifest (post count, sources, bucket count, a version);
* ``t/NNNNNN.json``: the terms, spread over buckets by a hash of the term; each term
  maps to its posts' numbers, delta-encoded. Terms are CJK characters and character
  pairs (so a Chinese query matches as a substring, without word segmentation) and
  whole words of other scripts, NFKC-folded and lower-cased; a source's posts are
  listed under the term ``"\\0" + source``. A bucket's name is its number in base 4
  (see ``_bucket_name``);
* ``r/NNN.json``: the same for the posts numbered from ``merged`` on (the recent
  segment, fewer and smaller buckets): a run adds its new posts there, so it rewrites
  a few small files rather than most of ``t/``; the segment is merged into ``t/`` once
  it holds more than ``RECENT_POSTINGS`` postings (docs/PERFORMANCE.md, "Site search");
* ``d/K/N.json``: post number N, ``[title, source, date, url, text, digest of the
  post file]``, fetched only for the results shown, which the script checks against the
  query (pairs found apart are not a match) and cuts a snippet from. Posts are numbered
  oldest first when the index is written whole; later, new posts get the next numbers,
  so a post keeps its number and file (results come newest first, by number);
* ``_state.json``: what the last update wrote (not published: see ``_update``).

``assets/js/search.js`` makes the same terms and hash.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import re
import unicodedata
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..util.files import sync_folder, write_if_changed
from ._archives import write_archives
from ._posts import PostInfo, full_text, scan_posts

__all__ = ["SEARCH_DIR", "SEARCH_FIELDS", "index_terms", "query_terms", "write_search_index"]


SEARCH_DIR = "assets/search"
SEARCH_FIELDS = ["title", "source", "date", "url", "text"]
INDEX_VERSION = 3

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff"


# a CJK run, or a word: letters, digits and "_" of any other script (JS: [\p{L}\p{N}_])
@functools.cache
def _token() -> re.Pattern[str]:
    # compiled when first used (~5 ms): every run imports this module, few index posts
    # (docs/PERFORMANCE.md, "Start-up")
    return re.compile(rf"([{_CJK}]+)|([^\W{_CJK}]+)")


MAX_WORD = 32  # longer words are indexed (and looked up) by their first 32 characters
SOURCE_TERM = "\0"  # + the source's name: the posts of one source, for the filter
# postings per bucket the bucket count aims at: ~20 KB of JSON a bucket (PERFORMANCE.md)
POSTINGS_PER_BUCKET = 6000
MIN_BUCKETS, MAX_BUCKETS = 16, 8192
# postings the recent segment holds before it is merged into the main buckets (at most
# as many as those hold, so that a small site merges often and cheaply)
RECENT_POSTINGS = 48 * POSTINGS_PER_BUCKET
# An update that adds, edits or removes more posts than this, and more than a quarter of
# all, writes everything again instead: its sets of numbers cost ~200 bytes a posting
# (1 GB for 5,000 new posts), and such a batch (a first run over a backlog, the posts of
# an import) mostly ended in a whole rebuild all the same, when the main segment's
# bucket count changed (docs/PERFORMANCE.md, "Jekyll builds", update_site).
REBUILD_CHANGES = 1000
MAIN, RECENT = "t", "r"  # the folders of the two segments' buckets
DOCS_PER_FOLDER = 1000
TEXT = SEARCH_FIELDS.index("text")
STATE_FILE = "_state.json"  # what the last update wrote; "_": Jekyll does not publish it


def fold(text: str) -> str:
    """Width and case folded, as the script folds queries (NFKC + lower case)."""
    return unicodedata.normalize("NFKC", text).lower()


def _runs(text: str) -> Iterator[tuple[str, bool]]:
    for m in _token().finditer(fold(text)):
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


def _bucket_count(postings: int, least: int = MIN_BUCKETS) -> int:
    count = least
    while count < MAX_BUCKETS and count * POSTINGS_PER_BUCKET < postings:
        count *= 2
    return count


def _recent_count(postings: int) -> int:
    return _bucket_count(postings, 1) if postings else 0


def _bucket_name(b: int, buckets: int) -> str:
    """Bucket ``b`` in base 4 ("0"-"3"), as many digits as ``buckets`` needs.

    So that git pairs each bucket with its own earlier version: pack-objects (a push's
    thin pack, ``git gc``) looks for delta bases by a hash of the path's last characters,
    each shifted 2 bits from the next; with hexadecimal names most buckets shared a hash
    with others and a push sent them whole. Base-4 digits make the hashes all differ.
    """
    width = max(1, ((buckets - 1).bit_length() + 1) // 2)
    return "".join("0123"[(b >> (2 * i)) & 3] for i in reversed(range(width)))


def _json_bytes(obj: object, *, sort: bool = False) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=sort)
    return (text + "\n").encode("utf-8")


def _deltas(ids: array[int]) -> list[int]:
    if len(ids) == 1:  # most terms: rare words, and pairs of words' edges
        return [ids[0]]
    return [b - a for a, b in zip(itertools.chain((0,), ids), ids, strict=False)]


def _doc_path(out: Path, n: int) -> Path:
    return out / "d" / str(n // DOCS_PER_FOLDER) / f"{n}.json"


def _bucket_path(out: Path, b: int, buckets: int, seg: str = MAIN) -> Path:
    return out / seg / f"{_bucket_name(b, buckets)}.json"


@dataclass(frozen=True)
class _Row:
    """One post as the index sees it."""

    rel: str  # the post file, relative to the site
    raw: bytes  # its bytes
    digest: str  # of its bytes
    meta: list[str]  # title, source, date, url

    @property
    def title(self) -> str:
        return self.meta[0]

    @property
    def source(self) -> str:
        return self.meta[1]


def _row(site_dir: Path, p: PostInfo) -> _Row:
    try:
        raw = p.path.read_bytes()
    except OSError:
        raw = b""
    meta = [p.title, p.source, p.date.isoformat(timespec="minutes"), p.url]
    try:
        rel = p.path.relative_to(site_dir).as_posix()
    except ValueError:  # posts given by a caller from elsewhere
        rel = p.path.as_posix()
    return _Row(rel, raw, _digest(raw), meta)


def _digest(raw: bytes) -> str:
    return hashlib.sha1(raw).hexdigest()[:16]


def _doc_terms(title: str, source: str, text: str) -> set[str]:
    terms = index_terms(title + "\n" + text)
    terms.add(SOURCE_TERM + source)
    return terms


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _known_texts(out: Path) -> dict[str, str]:
    """The text of each post the index holds, by the digest of its post file: reading
    these costs far less than reading every post's HTML again (PERFORMANCE.md)."""
    known: dict[str, str] = {}
    for path in (out / "d").glob("*/*.json"):
        doc = _read_json(path)
        if isinstance(doc, list) and len(doc) == len(SEARCH_FIELDS) + 1:
            known[str(doc[-1])] = str(doc[TEXT])
    return known


class _Writer:
    """The files of one update, and what they add up to (the state file's content)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.written: list[Path] = []
        self.changing = False

    def change(self) -> None:
        """Before the first file is written or removed: the state removed (durably), so
        that an update cut short by a crash is followed by a whole one."""
        if not self.changing:
            self.changing = True
            try:
                (self.out / STATE_FILE).unlink()
            except FileNotFoundError:
                return
            sync_folder(self.out)

    def write(self, path: Path, data: bytes) -> None:
        try:
            if path.read_bytes() == data:
                return
        except OSError:
            pass
        self.change()
        # Thousands of files, derived from the posts: each replaced atomically, but
        # neither it nor its folder synced; write_search_index removes the state first
        # and syncs everything once before the new state (so a crash, even a power
        # loss, leaves no state, and the next update writes everything again).
        if write_if_changed(path, data, sync=False, fsync=False):
            self.written.append(path)

    def doc(self, n: int, row: _Row, text: str) -> None:
        self.write(_doc_path(self.out, n), _json_bytes([*row.meta, text, row.digest]))


def _rebuild(w: _Writer, rows: list[_Row]) -> dict[str, Any]:
    """Every file from the posts, numbered oldest first; the state."""
    known = _known_texts(w.out)
    postings: defaultdict[str, array[int]] = defaultdict(functools.partial(array, "I"))
    keep: set[Path] = set()
    entries: dict[str, list[Any]] = {}
    for n, row in enumerate(rows):
        text = known.get(row.digest)
        if text is None:
            text = full_text(row.raw.decode("utf-8", "replace"))
        w.doc(n, row, text)
        keep.add(_doc_path(w.out, n))
        entries[row.rel] = [n, row.digest, *row.meta]
        for term in _doc_terms(row.title, row.source, text):
            postings[term].append(n)
    count = sum(len(ids) for ids in postings.values())
    buckets = _bucket_count(count)
    grouped: list[dict[str, list[int]]] = [{} for _ in range(buckets)]
    for term, ids in postings.items():
        grouped[bucket_of(term, buckets)][term] = _deltas(ids)
    for b, bucket in enumerate(grouped):
        keep.add(_bucket_path(w.out, b, buckets))
        w.write(_bucket_path(w.out, b, buckets), _json_bytes(bucket, sort=True))
    _remove_others(w.out, keep)
    return {
        "buckets": buckets,
        "next": len(rows),
        "postings": count,
        "merged": len(rows),
        "recent": 0,
        "recentPostings": 0,
        "posts": entries,
    }


def _update(w: _Writer, state: dict[str, Any], rows: list[_Row]) -> dict[str, Any] | None:
    """Only what changed since ``state``: new posts get the next numbers and go to the
    recent segment, edited and removed ones leave the terms they no longer have (in
    their segment). None when everything must be written again (the main bucket count
    changes, or a file the state counts on is gone)."""
    entries: dict[str, list[Any]] = state["posts"]
    buckets, next_n, count = state["buckets"], state["next"], state["postings"]
    merged, recent = state["merged"], state["recent"]
    adds: dict[str, defaultdict[str, set[int]]] = {MAIN: defaultdict(set), RECENT: defaultdict(set)}
    drops: dict[str, defaultdict[str, set[int]]] = {
        MAIN: defaultdict(set),
        RECENT: defaultdict(set),
    }
    new_entries: dict[str, list[Any]] = {}
    for row in rows:  # oldest first, so new posts are numbered in date order
        old = entries.get(row.rel)
        if old is not None and old[1:] == [row.digest, *row.meta]:
            new_entries[row.rel] = old
            continue
        old_terms: set[str] = set()
        text = None
        if old is None:
            n, next_n = next_n, next_n + 1
        else:
            n = old[0]
            doc = _indexed_doc(w.out, n, old[1])
            if doc is None:
                return None
            old_terms = _doc_terms(doc[0], doc[1], doc[TEXT])
            text = doc[TEXT] if old[1] == row.digest else None
        if text is None:
            text = full_text(row.raw.decode("utf-8", "replace"))
        w.doc(n, row, text)
        new_entries[row.rel] = [n, row.digest, *row.meta]
        new_terms = _doc_terms(row.title, row.source, text)
        seg = MAIN if n < merged else RECENT
        for term in old_terms - new_terms:
            drops[seg][term].add(n)
        for term in new_terms - old_terms:
            adds[seg][term].add(n)
    for rel, old in entries.items():
        if rel not in new_entries:
            n = old[0]
            if not _drop_post(w, n, drops[MAIN if n < merged else RECENT]):
                return None
    count += sum(map(len, adds[MAIN].values())) - sum(map(len, drops[MAIN].values()))
    postings = _read_segment(w.out, recent, adds[RECENT], drops[RECENT])
    if postings is None:
        return None
    recent_count = sum(map(len, postings.values()))
    if recent_count > min(RECENT_POSTINGS, max(count, POSTINGS_PER_BUCKET)):
        # merged into the main buckets, with the run's changes to them
        for term, ids in postings.items():
            adds[MAIN][term] |= ids
        count += recent_count
        postings, recent_count, merged = {}, 0, next_n
    if _bucket_count(count) != buckets or not _apply(w, buckets, adds[MAIN], drops[MAIN]):
        return None
    recent = _write_segment(w, postings)
    return {
        "buckets": buckets,
        "next": next_n,
        "postings": count,
        "merged": merged,
        "recent": recent,
        "recentPostings": recent_count,
        "posts": new_entries,
    }


def _too_many_changes(entries: dict[str, list[Any]], rows: list[_Row]) -> bool:
    """More new, edited and removed posts than an update should take (``REBUILD_CHANGES``)."""
    changes = len(entries.keys() - {row.rel for row in rows}) + sum(
        1
        for row in rows
        if (old := entries.get(row.rel)) is None or old[1:] != [row.digest, *row.meta]
    )
    return changes > REBUILD_CHANGES and changes * 4 > len(rows)


def _indexed_doc(out: Path, n: int, digest: str) -> list[Any] | None:
    """Post ``n``'s file as the state describes it (None: gone, damaged, or written
    after the state by an update cut short, so that its old terms are unknown)."""
    doc = _read_json(_doc_path(out, n))
    if not isinstance(doc, list) or len(doc) != len(SEARCH_FIELDS) + 1 or doc[-1] != digest:
        return None
    return doc


def _read_segment(
    out: Path, buckets: int, adds: dict[str, set[int]], drops: dict[str, set[int]]
) -> dict[str, set[int]] | None:
    """The recent segment's postings, with ``adds`` and ``drops`` (None: a file is
    missing or damaged)."""
    postings: dict[str, set[int]] = {}
    for b in range(buckets):
        bucket = _read_json(_bucket_path(out, b, buckets, RECENT))
        if not isinstance(bucket, dict):
            return None
        for term, deltas in bucket.items():
            postings[term] = set(itertools.accumulate(deltas))
    for term in adds.keys() | drops.keys():
        ids = (postings.get(term, set()) - drops.get(term, set())) | adds.get(term, set())
        if ids:
            postings[term] = ids
        else:
            postings.pop(term, None)
    return postings


def _write_segment(w: _Writer, postings: dict[str, set[int]]) -> int:
    """The recent segment's buckets (their count from its size), the others removed."""
    buckets = _recent_count(sum(map(len, postings.values())))
    grouped: list[dict[str, list[int]]] = [{} for _ in range(buckets)]
    for term, ids in postings.items():
        grouped[bucket_of(term, buckets)][term] = _deltas(array("I", sorted(ids)))
    keep = set()
    for b, bucket in enumerate(grouped):
        path = _bucket_path(w.out, b, buckets, RECENT)
        keep.add(path)
        w.write(path, _json_bytes(bucket, sort=True))
    for old in (w.out / RECENT).glob("*.json"):
        if old not in keep:
            w.change()
            old.unlink()
    return buckets


def _drop_post(w: _Writer, n: int, drops: defaultdict[str, set[int]]) -> bool:
    """Post ``n`` removed: its file, and its number from its terms (False: no file)."""
    path = _doc_path(w.out, n)
    doc = _read_json(path)
    if not isinstance(doc, list) or len(doc) != len(SEARCH_FIELDS) + 1:
        return False
    for term in _doc_terms(doc[0], doc[1], doc[TEXT]):
        drops[term].add(n)
    w.change()
    path.unlink()
    return True


def _apply(w: _Writer, buckets: int, adds: dict[str, set[int]], drops: dict[str, set[int]]) -> bool:
    """Numbers added to and dropped from terms, in the buckets of those terms only."""
    touched: defaultdict[int, list[str]] = defaultdict(list)
    for term in adds.keys() | drops.keys():
        touched[bucket_of(term, buckets)].append(term)
    for b, terms in touched.items():
        path = _bucket_path(w.out, b, buckets)
        bucket = _read_json(path)
        if not isinstance(bucket, dict):
            return False
        for term in terms:
            ids = set(itertools.accumulate(bucket.get(term, ())))
            ids = (ids - drops.get(term, set())) | adds.get(term, set())
            if ids:
                bucket[term] = _deltas(array("I", sorted(ids)))
            else:
                bucket.pop(term, None)
        w.write(path, _json_bytes(bucket, sort=True))
    return True


def write_search_index(
    site_dir: Path | str,
    posts_dir: str = "_posts",
    *,
    timezone: str | None = None,
    archives: bool = True,
    posts: list[PostInfo] | None = None,
) -> list[Path]:
    """Bring ``assets/search/`` up to date with the posts; return the files that changed.

    With ``archives`` (the default) the archive pages are written from the same scan of
    the posts (:func:`write_archives`), so one call after a run brings everything the
    site derives from ``_posts`` up to date. Only what changed since the last call is
    written, by the state it left in ``_state.json`` (Jekyll does not publish it): new
    posts get the next numbers (so results come in the order the archive got them), and
    only the term buckets of new, edited and removed posts are rewritten. Everything is
    written again when that state is missing or the bucket count changes.
    """
    site_dir = Path(site_dir)
    if posts is None:
        posts = scan_posts(site_dir, posts_dir, timezone=timezone)
    written: list[Path] = []
    if archives:
        written += write_archives(site_dir, posts_dir, posts=posts)
    out = site_dir / SEARCH_DIR
    rows = [_row(site_dir, p) for p in reversed(posts)]
    w = _Writer(out)
    old = _read_json(out / STATE_FILE)
    state = None
    if isinstance(old, dict) and old.get("version") == INDEX_VERSION:
        try:
            state = None if _too_many_changes(old["posts"], rows) else _update(w, old, rows)
        except (KeyError, TypeError, ValueError, IndexError):  # a state edited by hand
            state = None
    if state is None:
        w.change()
        state = _rebuild(w, rows)
    state_bytes = _json_bytes({"version": INDEX_VERSION, **state})
    manifest = {
        "version": INDEX_VERSION,
        "fields": SEARCH_FIELDS,
        "total": len(rows),
        "sources": sorted({row.source for row in rows if row.source}),
        "buckets": state["buckets"],
        "recent": state["recent"],  # the recent segment's bucket count (0: none)
        "perFolder": DOCS_PER_FOLDER,
        # the files' version, so that a browser never mixes files of two updates
        "v": hashlib.sha1(state_bytes).hexdigest()[:12],
    }
    w.write(out / "index.json", _json_bytes(manifest))
    if w.changing:  # every file on disk before the state that vouches for them
        os.sync()
    # last, and synced: an update cut short is done again, whole
    if write_if_changed(out / STATE_FILE, state_bytes):
        w.written.append(out / STATE_FILE)
    return written + w.written


def _remove_others(out: Path, keep: set[Path]) -> None:
    """Remove the index files of posts and buckets that are gone, and the monthly shards
    of the index before version 2."""
    if not out.is_dir():
        return
    for old in out.glob("*.json"):
        if old not in keep and re.fullmatch(r"\d{4}-\d{2}\.json", old.name):
            old.unlink()
    for sub in (MAIN, RECENT, "d"):
        for old in sorted((out / sub).rglob("*.json"), reverse=True):
            if old not in keep:
                old.unlink()
        for folder in sorted((out / sub).glob("*/"), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
