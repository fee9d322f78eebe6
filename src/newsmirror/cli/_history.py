"""``history``: the versions of an edited post, and the words changed between two."""

from __future__ import annotations

import argparse
import json

from ..config import load_config
from ..util.dates import utc_minute

__all__ = ["cmd_history"]

EXIT_OK = 0


def cmd_history(args: argparse.Namespace) -> int:
    from ..pipeline import post_history
    from ..util.worddiff import plain_diff

    history = post_history(load_config(args.site), args.target)
    if args.diff:
        a, b = args.diff
        changes = history.diff(a, b)
        if args.json:
            data = {"from": a, "to": b, "changes": [[c.kind, c.text] for c in changes]}
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            print(plain_diff(changes))
        return EXIT_OK
    rows = [
        {
            "version": v.number,
            "seen": v.seen.isoformat(timespec="seconds"),
            "bytes": v.size,
            "words_changed": v.changed,
            "title": v.article.title,
        }
        for v in history.versions
    ]
    if args.json:
        data = {"post": history.record.post_path, "link": history.record.link, "versions": rows}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    count = f"{len(rows)} version" + ("s (the last is the post)" if len(rows) > 1 else "")
    print(f"{history.record.post_path}: {count}")
    for v in history.versions:
        changed = "" if v.changed is None else f"  {v.changed} words changed"
        print(f"  {v.number:>3}  {utc_minute(v.seen)}  {v.size:>8} bytes{changed}")
    if len(rows) > 1:
        print(f"diff two: newsmirror history {args.target} --site {args.site} --diff 1 {len(rows)}")
    return EXIT_OK
