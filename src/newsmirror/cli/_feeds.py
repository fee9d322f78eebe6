"""``parse-feed``: the items of one feed file, as the pipeline reads them."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from ..errors import FeedError, InputError
from ..util.charset import decode

__all__ = ["cmd_parse_feed"]

log = logging.getLogger("newsmirror")
EXIT_OK = 0


def cmd_parse_feed(args: argparse.Namespace) -> int:
    from ..feeds import parse_feed

    path = Path(args.file)
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else path.read_bytes()
    except OSError as exc:
        raise InputError(f"{args.file}: cannot read: {exc.strerror}") from None
    try:
        feed = parse_feed(
            decode(data)[0],
            url=path.absolute().as_uri() if args.file != "-" else None,
            timezone=args.timezone,
        )
    except FeedError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    items = [
        {
            "title": item.title,
            "link": item.link,
            "guid": item.guid,
            "published": _shown_date(item.published) if item.published else None,
            "content_length": len(item.content_html),
        }
        for item in feed.items
    ]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        for item in items:
            print(f"{item['published'] or '-':25} {item['title']}  <{item['link']}>")
    for warning in feed.warnings:
        log.warning("%s: %s", args.file, warning)
    return EXIT_OK


def _shown_date(published: datetime) -> str:
    """The date in UTC, or as the feed gave it when UTC cannot hold it (year 1 at +14:00,
    9999 at -12:00): the pipeline dates such items when first seen."""
    try:
        return published.astimezone(UTC).isoformat().replace("+00:00", "Z")
    except OverflowError:
        return published.isoformat()
