"""Every version of an edited post, and its page of differences.

A post whose article was edited (``edits:`` in its front matter, FORMAT.md "Edits")
gets one generated page, ``history/<post file name>/index.html``, published at
``/history<the post's URL>`` so that the post layout links to it from ``page.url``
alone. The page lists the versions and, for each edit, the words it deleted (``<del>``)
and inserted (``<ins>``), CJK by character. The diff is of the text of sanitized
HTML, and every character of it is escaped here: no markup or Liquid of an article
reaches the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..model import Article
from ..post import format_date, yaml_quote
from ..store import Store
from ..util.dates import utc_minute
from ..util.htmltext import html_to_text
from ..util.worddiff import Change, count_changed, word_diff
from ._archives import _html_text
from ._posts import _site_settings, read_post
from ._template import GENERATOR_MARK, remove_stale, write_generated

__all__ = ["HISTORY_DIR", "VersionText", "item_versions", "version_text", "write_history_pages"]

HISTORY_DIR = "history"


@dataclass(frozen=True)
class VersionText:
    """One version of an article as history shows it."""

    number: int  # 1: as first posted
    seen: datetime  # when it was first seen (UTC)
    article: Article
    text: str  # what the diff compares: the title, then the body's plain text
    size: int  # bytes of the body HTML (UTF-8)
    changed: int | None  # words (CJK characters) changed from the version before
    changes: list[Change] | None  # the diff from the version before (None: the first)


def version_text(article: Article) -> str:
    return f"{article.title}\n\n{html_to_text(article.body_html)}"


def item_versions(store: Store, source: str, key: str, first_seen: datetime) -> list[VersionText]:
    """Every version of an item, oldest first, the current one (its post) last."""
    seen_articles = [(v.seen, v.article) for v in store.versions(source, key)]
    current = store.article(source, key)
    if current is not None:
        seen_articles.append((current.updated or first_seen, current))
    versions: list[VersionText] = []
    for number, (seen, article) in enumerate(seen_articles, 1):
        text = version_text(article)
        changes = word_diff(versions[-1].text, text) if versions else None
        versions.append(
            VersionText(
                number,
                seen,
                article,
                text,
                len(article.body_html.encode("utf-8")),
                None if changes is None else count_changed(changes),
                changes,  # computed once: the page shows it, the count comes from it
            )
        )
    return versions


def _marked(changes: list[Change]) -> str:
    """The diff as escaped HTML, line breaks kept: ``<del>``/``<ins>`` around changes
    (the whitespace before a changed stretch stays outside its mark)."""
    out = []
    for change in changes:
        stripped = change.text.lstrip()
        text = _html_text(stripped)
        if change.kind != "equal":
            tag = "del" if change.kind == "delete" else "ins"
            text = f"<{tag}>{text}</{tag}>"
        out.append(_html_text(change.text[: len(change.text) - len(stripped)]) + text)
    return "".join(out).replace("\n", "<br>\n")


def _head(post_url: str, title: str, edits: int) -> str:
    """The page's front matter: all a page depends on besides versions, which never
    change once stored (an edit adds one, and changes ``edits``)."""
    lines = [
        "---",
        "layout: page",
        f"title: {yaml_quote(title)}",
        f"permalink: {yaml_quote('/' + HISTORY_DIR + post_url)}",
        f"edits: {edits}",
        "sitemap: false",
        GENERATOR_MARK,
        "---",
    ]
    return "\n".join(lines) + "\n"


def _body(post_url: str, versions: list[VersionText]) -> str:
    current = versions[-1].article
    lines = [
        f'<p class="history-post"><a href="{{{{ "{post_url}" | relative_url }}}}">'
        f"{_html_text(current.title)}</a></p>",
        '<ol class="history-versions">',
    ]
    for v in versions:
        changed = "" if v.changed is None else f", {v.changed} words changed"
        lines.append(
            f'<li><time datetime="{format_date(v.seen)}">{utc_minute(v.seen)}</time> '
            f"({v.size} bytes{changed})</li>"
        )
    lines.append("</ol>")
    for before, after in zip(versions, versions[1:], strict=False):
        lines.append(
            f'<section class="history-edit"><h2>{before.number} → {after.number}, '
            f'<time datetime="{format_date(after.seen)}">{utc_minute(after.seen)}</time>'
            "</h2>"
        )
        lines.append(f'<div class="diff">{_marked(after.changes or [])}</div>')
        lines.append("</section>")
    return "\n".join(lines) + "\n"


def write_history_pages(
    site_dir: Path | str, store: Store, posts_dir: str = "_posts", *, timezone: str | None = None
) -> list[Path]:
    """The page of differences of every edited post; stale ones removed. Changed files.

    Reads only the edited posts (the store lists them), not every post of the site, and
    diffs the versions of those whose page does not show their last edit yet."""
    site_dir = Path(site_dir)
    site_zone, permalink = _site_settings(site_dir, timezone)
    written: list[Path] = []
    keep: set[Path] = set()
    for source, key, post_path, first_seen in store.edited_posts():
        current = store.article(source, key)
        if current is None or not (site_dir / post_path).is_file():  # pruned or deleted
            continue
        post = read_post(site_dir / post_path, site_zone, permalink)
        if post is None:
            continue
        path = site_dir / HISTORY_DIR / Path(post_path).stem / "index.html"
        keep.add(path)
        head = _head(post.url, current.title, current.edits)
        if _starts_with(path, head):
            continue
        versions = item_versions(store, source, key, first_seen)
        write_generated(path, head + _body(post.url, versions), written)
    remove_stale(site_dir / HISTORY_DIR, keep)
    return written


def _starts_with(path: Path, head: str) -> bool:
    try:
        with path.open(encoding="utf-8") as page:
            return page.read(len(head)) == head
    except (OSError, UnicodeDecodeError):
        return False
