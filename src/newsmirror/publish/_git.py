"""Git commits of what a run wrote, for cron users and the scheduled workflow."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..config import Config
from ..errors import PublishError
from ..pipeline import RunSummary, snapshot_path
from ..site import GENERATED_PATHS
from ..util.imagefile import IMAGES_DIR

__all__ = ["commit_changes", "commit_message"]


def commit_message(summary: RunSummary) -> str:
    data = summary.to_dict()
    active = [s for s in data["sources"] if s["new_posts"] or s["updated_posts"]]
    head = f"newsmirror: {data['new_posts']} new, {data['updated_posts']} updated posts"
    lines = [f"- {s['name']}: {s['new_posts']} new, {s['updated_posts']} updated" for s in active]
    failed = [s["name"] for s in data["sources"] if s["failing"]]
    if failed:
        lines.append(f"- failed: {', '.join(failed)}")
    return head + ("\n\n" + "\n".join(lines) if lines else "")


def commit_changes(config: Config, summary: RunSummary) -> str | None:
    """Stage posts, the images they show, the state snapshot and the generated pages;
    commit if anything changed.

    Returns the commit's first line, or None when there was nothing to commit.
    """
    root = config.root
    candidates = (
        config.site.posts_dir,
        IMAGES_DIR,
        _relative(snapshot_path(config), root),
        *GENERATED_PATHS,
    )
    paths = [p for p in candidates if (root / p).exists()]
    _git(root, "add", "--all", "--", *paths)
    staged = subprocess.run(["git", "diff", "--cached", "--quiet"], cwd=root)
    if staged.returncode == 0:
        return None
    message = commit_message(summary)
    _git(root, "commit", "-q", "-m", message)
    return message.splitlines()[0]


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _git(root: Path, *args: str) -> None:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        raise PublishError("git is not installed; --commit needs it") from None
    if result.returncode != 0:
        raise PublishError(f"git {args[0]} failed in {root}: {result.stderr.strip()}")
