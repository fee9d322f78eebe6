"""``prune``: posts older than a cutoff removed, and the local images only they used."""

from __future__ import annotations

import argparse

from ..config import load_config
from ..util.dates import utc_now
from ..util.zones import zone

__all__ = ["cmd_prune"]

EXIT_OK = 0


def cmd_prune(args: argparse.Namespace) -> int:
    from ..pipeline import parse_age, prune

    config = load_config(args.site)
    cutoff = parse_age(args.older_than, utc_now())
    report = prune(config, cutoff, sources=tuple(args.source or ()), dry_run=args.dry_run)
    site_tz = zone(config.site.timezone)
    verb = "would remove" if args.dry_run else "removed"
    for record in report.posts:
        day = record.published.astimezone(site_tz).strftime("%Y-%m-%d")
        print(f"{verb} {record.post_path} ({day})")
    for image in report.images:
        print(f"{verb} {image}")
    kept = f"; {report.kept_images} images kept for newer posts" if report.kept_images else ""
    print(
        f"{'would prune' if args.dry_run else 'pruned'} {len(report.posts)} posts dated before "
        f"{cutoff.astimezone(site_tz):%Y-%m-%d %H:%M} and {len(report.images)} images "
        f"({report.image_bytes / 1e6:.1f} MB) no other post uses{kept}"
    )
    if report.posts and not args.dry_run:
        print("the pruned posts stay known (tombstones in items.jsonl): no run writes them again")
    return EXIT_OK
