"""``init`` and ``demo``: a new site, and the offline example."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from pathlib import Path

from ..config import CONFIG_NAME, load_config
from ..errors import UsageError
from ..util.dates import utc_now
from ..util.languages import normal_tag
from ._output import print_summary

__all__ = ["cmd_demo", "cmd_init"]

EXIT_OK = 0


STARTER_CONFIG = """\
# newsmirror configuration: one [[sources]] table per feed or site.
# Reference: https://github.com/newsmirror/newsmirror#configuration

[site]
timezone = "{timezone}"      # the day in post file names and URLs
lang = "{lang}"              # the site's language; also lang: in _config.yml
# posts_dir = "_posts"
# state = ".newsmirror/state.sqlite"

# [[sources]]
# name = "联合早报"
# url = "https://rsshub.example/zaobao/realtime/china"   # RSS, Atom or JSON Feed
# timezone = "Asia/Singapore"                             # for dates without a zone
# full_text = "auto"                                      # "auto" | "always" | "never"
"""


def cmd_init(args: argparse.Namespace) -> int:
    site_dir = Path(args.dir)
    config_path = site_dir / CONFIG_NAME
    if config_path.exists() and not args.force:
        raise UsageError(
            f"{config_path} already exists; use --force to overwrite the scaffold "
            f"(the configuration is kept)"
        )
    lang = _language(args.lang)
    written = _scaffold(site_dir, args.title, args.timezone, lang, overwrite=args.force)
    if not config_path.exists():
        config_path.write_text(
            STARTER_CONFIG.format(timezone=args.timezone, lang=lang), encoding="utf-8"
        )
        written.append(config_path)
    print(f"created {len(written)} files in {site_dir}")
    print(f"next: add sources to {config_path}, then: newsmirror run --site {site_dir}")
    return EXIT_OK


def _language(tag: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", tag.strip()):
        raise UsageError(f"--lang {tag!r} is not a language tag such as zh-CN, zh-Hant or en")
    return normal_tag(tag)


def _scaffold(
    site_dir: Path, title: str, timezone: str, lang: str = "zh-CN", *, overwrite: bool
) -> list[Path]:
    from ..site import write_scaffold

    site_dir.mkdir(parents=True, exist_ok=True)
    return list(
        write_scaffold(site_dir, title=title, timezone=timezone, lang=lang, overwrite=overwrite)
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from ..pipeline import RunOptions, run
    from ..site import write_demo

    site_dir = Path(args.dir)
    if (site_dir / CONFIG_NAME).exists() and not args.force:
        raise UsageError(f"{site_dir / CONFIG_NAME} already exists; pick an empty folder")
    _scaffold(site_dir, "newsmirror demo", "Asia/Singapore", overwrite=True)
    # Two runs a day apart: the feeds as they were the day before, then as they are, in
    # which one article was edited (its post then shows "edited 1 time" and its history)
    now = utc_now()
    write_demo(site_dir, overwrite=True, earlier=True)
    first = run(load_config(site_dir), RunOptions(force=True, now=now - timedelta(days=1)))
    write_demo(site_dir, overwrite=True)
    summary = run(load_config(site_dir), RunOptions(force=True, now=now))
    for before, after in zip(first.reports, summary.reports, strict=True):
        after.new_posts += before.new_posts  # the summary of both runs
    print_summary(summary.to_dict(), dry_run=False)
    print(f"demo site ready in {site_dir}")
    if args.serve:
        from ..site import build_and_serve

        return build_and_serve(site_dir, port=args.port)
    print(f"build it with: jekyll build --source {site_dir} --destination {site_dir}/_site")
    print(f"or build and serve it: newsmirror demo {site_dir} --force --serve")
    return summary.exit_code
