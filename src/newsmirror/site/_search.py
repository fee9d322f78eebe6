"""The site's search index: ``assets/search/index.json`` (manifest) and one shard per
month, newest first; ``search.html`` fetches shards only while it still needs results and
matches substrings (CJK needs no word splitting)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ..util.files import write_if_changed
from ._archives import write_archives
from ._posts import PostInfo, month_of, scan_posts

__all__ = ["SEARCH_DIR", "SEARCH_FIELDS", "write_search_index"]


SEARCH_DIR = "assets/search"


SEARCH_FIELDS = ["title", "source", "date", "url", "text"]


def _json_bytes(obj: object) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def write_search_index(
    site_dir: Path | str,
    posts_dir: str = "_posts",
    *,
    timezone: str | None = None,
    archives: bool = True,
    posts: list[PostInfo] | None = None,
) -> list[Path]:
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
        by_month.setdefault(month_of(p), []).append(
            [p.title, p.source, p.date.isoformat(timespec="minutes"), p.url, p.text]
        )
    shards = []
    for month in sorted(by_month, reverse=True):
        data = _json_bytes({"month": month, "items": by_month[month]})
        path = out / f"{month}.json"
        if write_if_changed(path, data):
            written.append(path)
        shards.append(
            {
                "id": month,
                "file": path.name,
                "count": len(by_month[month]),
                "v": hashlib.sha1(data).hexdigest()[:10],
            }
        )
    manifest = {
        "version": 1,
        "fields": SEARCH_FIELDS,
        "total": len(posts),
        "sources": sorted({p.source for p in posts if p.source}),
        "shards": shards,
    }
    path = out / "index.json"
    if write_if_changed(path, _json_bytes(manifest)):
        written.append(path)
    keep = {f"{m}.json" for m in by_month} | {"index.json"}
    if out.is_dir():
        for old in out.glob("*.json"):
            if old.name not in keep and re.fullmatch(r"\d{4}-\d{2}\.json", old.name):
                old.unlink()
    return written
