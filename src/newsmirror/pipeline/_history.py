"""``history``: the versions of one post, found by its article's URL or its file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import InputError, UsageError
from ..site import VersionText, item_versions
from ..store import ItemRecord, Store
from ..util.urls import is_web_url, strip_tracking
from ..util.worddiff import Change, word_diff
from ._state import open_store

__all__ = ["PostHistory", "post_history"]


@dataclass(frozen=True)
class PostHistory:
    record: ItemRecord
    versions: list[VersionText]  # oldest first; the last is the post as it is

    def diff(self, a: int, b: int) -> list[Change]:
        """The word-level changes from version ``a`` to version ``b`` (numbers from 1)."""
        for n in (a, b):
            if not 1 <= n <= len(self.versions):
                raise UsageError(
                    f"{self.record.post_path}: no version {n}; it has versions 1 to "
                    f"{len(self.versions)}"
                )
        return word_diff(self.versions[a - 1].text, self.versions[b - 1].text)


def post_history(config: Config, target: str) -> PostHistory:
    """The versions of the post whose article URL or file is ``target``."""
    with open_store(config) as store:
        record = _find(config, store, target)
        versions = item_versions(store, record.source, record.key, record.first_seen)
    if not versions:
        raise InputError(
            f"{record.post_path}: the store keeps no article for this post (written before "
            "newsmirror kept them); it has no history"
        )
    return PostHistory(record, versions)


def _find(config: Config, store: Store, target: str) -> ItemRecord:
    items = store.all_items()
    if is_web_url(target):
        wanted = strip_tracking(target)
        found = [r for r in items if r.link and strip_tracking(r.link) == wanted]
    else:
        found = [r for r in items if r.post_path == _post_path(config, target)]
        if not found:  # a bare file name
            found = [r for r in items if Path(r.post_path).name == Path(target).name]
    if not found:
        raise InputError(f"{target}: no post of {config.root} has this URL or file")
    if len(found) > 1:
        names = ", ".join(r.post_path for r in found[:3])
        raise InputError(f"{target}: several posts match ({names}); name the post file")
    return found[0]


def _post_path(config: Config, target: str) -> str:
    """``target`` as a post path relative to the site folder, as the store keeps it."""
    path = Path(target)
    if path.is_absolute() or path.exists():
        try:
            return path.resolve().relative_to(config.root.resolve()).as_posix()
        except ValueError:
            return target
    return path.as_posix()
