"""``reindex``, ``rebuild`` and ``rename``: the state store and the posts kept in step."""

from __future__ import annotations

import argparse

from ..config import load_config

__all__ = ["cmd_rebuild", "cmd_reindex", "cmd_rename"]

EXIT_OK = 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from ..pipeline import reindex

    report = reindex(load_config(args.site))
    for line in report.skipped:
        print(f"skipped {line}")
    if report.set_aside:
        print(f"the previous state file is kept as {report.set_aside}")
    print(
        f"reindexed {report.posts} posts: {report.from_snapshot} from the snapshot, "
        f"{report.by_link} by their link; {len(report.skipped)} files skipped"
    )
    return EXIT_OK


def cmd_rebuild(args: argparse.Namespace) -> int:
    from ..pipeline import rebuild

    report = rebuild(load_config(args.site))
    if report.no_article:
        print(
            f"{len(report.no_article)} posts were stored before newsmirror kept articles and "
            f"cannot be re-rendered (e.g. {report.no_article[0]}); "
            f"`newsmirror reindex` reads them back from the posts"
        )
    print(
        f"re-rendered {report.posts} posts, {len(report.rewritten)} changed; "
        f"{report.missing} deleted by hand left deleted"
    )
    return EXIT_OK


def cmd_rename(args: argparse.Namespace) -> int:
    from ..pipeline import rename_source

    config = load_config(args.site)
    source_id, edited = rename_source(config, args.old, args.new)
    where = f"{config.path} edited; " if edited else ""
    print(f"{args.old!r} is now {args.new!r} ({where}its posts stay, id {source_id!r})")
    return EXIT_OK
