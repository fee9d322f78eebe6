"""Stored raw pages re-extracted after a rule changed, and the affected posts rewritten."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config, Rule, Source
from ..post import read_article, replace_body
from ..store import Store
from ..util.files import write_atomic
from ._identity import bind_sources
from ._images import keeps_images, point_at_kept
from ._lock import run_lock
from ._pages import PageJob, process_page
from ._run import site_rules
from ._state import open_store

__all__ = ["ReprocessReport", "reprocess"]


@dataclass
class ReprocessReport:
    pages: int = 0
    rewritten: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def reprocess(config: Config, source_names: tuple[str, ...] = ()) -> ReprocessReport:
    """Re-extract every stored raw page (after a rule changed) and rewrite changed posts.

    Only the article body of a post is replaced; its front matter, name and link stay.
    """
    report = ReprocessReport()
    rules = site_rules(config)
    with run_lock(config), open_store(config) as store:
        config, _ = bind_sources(config, store)
        sources = [config.source(n) for n in source_names] if source_names else config.sources
        for source in sources:
            records = store.items_of(source.id)
            for key, url, content_type, body in store.pages_of(source.id):
                record = records.get(key)
                path = config.root / record.post_path if record else None
                if path is None or not path.exists():
                    continue  # never posted, or deleted by hand: leave it
                report.pages += 1
                try:
                    _reprocess_one(
                        config, source, rules, path, url, content_type, body, report, store
                    )
                except Exception as exc:  # noqa: BLE001 - one bad page must not stop the others
                    report.errors.append(f"{source.name}: {url}: {type(exc).__name__}: {exc}")
                    continue
                if report.rewritten and report.rewritten[-1] == path:
                    # the stored article follows, or `rebuild` would bring the old back
                    article = read_article(path.read_text(encoding="utf-8"))
                    store.put_articles([(source.id, key, article)])
    return report


def _reprocess_one(
    config: Config,
    source: Source,
    rules: tuple[Rule, ...],
    path: Path,
    url: str,
    content_type: str | None,
    body: bytes,
    report: ReprocessReport,
    store: Store,
) -> None:
    # The same decode -> extract -> clean as a run, with the page's final URL as base.
    done = process_page(
        PageJob(
            body,
            content_type,
            url,
            source.timezone or "UTC",
            source.remove,
            config.site.junk,
            source.convert,
            keep_raw=False,
            metadata=(),
        ),
        rules,
    )
    if not done.page.content_html:
        report.errors.append(f"{source.name}: {url}: no article found; post kept")
        return
    cleaned = done.cleaned()
    if keeps_images(config, source):  # the images the site keeps, not their remote URLs
        cleaned = point_at_kept(store, config.root, cleaned)
    old = path.read_text(encoding="utf-8")
    new = replace_body(old, cleaned)
    if new != old:
        write_atomic(path, new)
        report.rewritten.append(path)
