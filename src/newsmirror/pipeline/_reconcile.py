"""The store brought back in line with the posts the checkout actually has.

The store (kept in a cache on CI) can be ahead of the checkout: a run wrote and
committed posts whose push never landed, and the next run starts from a fresh clone
without them. A post the store counts as written whose file is missing is therefore
only a post the user deleted (a tombstone, kept deleted) when the committed snapshot
lists it; otherwise it was never published and is written again, from the article the
store kept (or, for items stored before articles were kept, by the next poll of its
source).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..post import render_post
from ..store import Store, parse_snapshot
from ..util.files import write_atomic
from ._images import restore_missing

__all__ = ["Reconciled", "reconcile"]

log = logging.getLogger("newsmirror")


@dataclass
class Reconciled:
    written: list[Path] = field(default_factory=list)  # posts written again from the store
    repoll: list[str] = field(default_factory=list)  # ids of sources to fetch in full


def reconcile(
    config: Config, store: Store, snapshot_text: str | None, post_names: set[str]
) -> Reconciled:
    """Write again the posts the store counts as written that the checkout never had.

    ``post_names``: the lower-cased names of the files in the posts folder (the run
    lists it anyway), so that a site of 100,000 posts costs no stat per post.
    """
    result = Reconciled()
    posts_dir = config.site.posts_dir.rstrip("/") + "/"
    missing = [
        (source, key, path)
        for source, key, path in store.written_posts()
        if not _exists(config.root, path, posts_dir, post_names)
    ]
    if not missing:
        return result
    published = parse_snapshot(snapshot_text).written_keys() if snapshot_text else set()
    unpublished = [m for m in missing if (m[0], m[1]) not in published]
    urls = {s.id: s.url for s in config.sources}
    no_article = []
    for source, key, post_path in unpublished:
        article = store.article(source, key)
        if article is not None:
            kept = restore_missing(store, config.root, source, key, article)
            if kept is not article:  # its images are fetched again (``_images``)
                article = kept
                store.put_articles([(source, key, article)])
            path = config.root / post_path
            write_atomic(path, render_post(article))
            post_names.add(path.name.lower())
            result.written.append(path)
        else:
            no_article.append((source, key))
            if source not in result.repoll:
                result.repoll.append(source)
    with store.transaction():
        store.set_pending(no_article)  # the next poll of the source writes them
        for source_id in result.repoll:
            if source_id in urls:
                store.forget_cached_response(urls[source_id])
    if unpublished:
        log.warning(
            "state: %d posts the store had written were not in this checkout "
            "(a push that did not land?): %d written again, %d left for their source's poll",
            len(unpublished),
            len(result.written),
            len(no_article),
        )
    return result


def _exists(root: Path, post_path: str, posts_dir: str, post_names: set[str]) -> bool:
    name = post_path.removeprefix(posts_dir)
    if name != post_path and "/" not in name:
        return name.lower() in post_names
    return os.path.exists(os.path.join(root, post_path))
