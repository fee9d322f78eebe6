"""``search``: the posts of a site whose title or text holds every word of a query."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from ..config import load_config
from ..errors import UsageError
from ..util.dates import parse_date
from ..util.zones import zone

__all__ = ["cmd_search"]

EXIT_OK = 0


def cmd_search(args: argparse.Namespace) -> int:
    from ..pipeline import search_posts

    config = load_config(args.site)
    site_tz = zone(config.site.timezone)
    since = _since(args.since, config.site.timezone) if args.since else None
    if args.limit < 1:
        raise UsageError(f"--limit {args.limit}: give a number of results of at least 1")
    found = search_posts(
        config, args.query, sources=tuple(args.source or ()), since=since, limit=args.limit
    )
    if args.json:
        rows = [
            {
                "date": f.hit.published.astimezone(site_tz).isoformat(),
                "source": f.source_name,
                "title": f.hit.title,
                "post": f.hit.post_path,
                "snippet": f.hit.snippet,
            }
            for f in found
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for f in found:
        day = f.hit.published.astimezone(site_tz).strftime("%Y-%m-%d")
        print(f"{day}  {f.source_name}  {f.hit.title}  {f.hit.post_path}")
        print(f"    {f.hit.snippet}")
    if not found:
        print(f"no posts match {args.query!r}")
    return EXIT_OK


def _since(text: str, timezone: str) -> datetime:
    """``--since``: a date (the start of that day in the site's zone) or a time."""
    when = parse_date(text, zone(timezone))
    if when is None:
        raise UsageError(f"--since {text!r}: not a date (e.g. 2024-03-15)")
    return when
