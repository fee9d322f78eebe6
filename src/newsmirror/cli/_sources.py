"""``add``, ``remove``, ``enable``, ``disable``, ``import-opml`` and ``export-opml``: the
list of sources in ``newsmirror.toml`` managed from the command line (comments and order
kept: config/_edit.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import (
    Config,
    Source,
    added_sources_text,
    enabled_source_text,
    load_config,
    removed_source_text,
    source_with_url,
    unique_name,
    write_config,
)
from ..errors import EXIT_USAGE, FeedError, FetchError, InputError, UsageError
from ..model import ParsedFeed

if TYPE_CHECKING:
    from ..feeds import FeedLink
    from ..fetch import Fetcher

__all__ = [
    "cmd_add",
    "cmd_disable",
    "cmd_enable",
    "cmd_export_opml",
    "cmd_import_opml",
    "cmd_remove",
]

EXIT_OK = 0


# --- add -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    url: str  # the feed's URL as it is to be configured
    feed: ParsedFeed


def cmd_add(args: argparse.Namespace) -> int:
    from ..presets import find_preset
    from ..util.urls import host_of

    config = load_config(args.site)
    name = " ".join((args.name or "").split())
    if args.name is not None and not name:
        raise UsageError("--name must not be empty")
    _refuse_taken(config, name)
    preset = find_preset(args.url)
    if preset is not None:  # a site read through its listing pages (data/presets.toml)
        return _add_preset(args, config, name, *preset)
    _refuse_known(config, args.url)
    found = asyncio.run(_discover(config, args.url))
    if isinstance(found, list):
        choice = _choose(found, args.choose)
        if choice is None:
            _print_choices(found)
            print(
                f"newsmirror: {args.url} announces {len(found)} feeds; choose one with "
                f"--choose N (e.g. newsmirror add {args.url} --choose 1 --site {args.site})",
                file=sys.stderr,
            )
            return EXIT_USAGE
        link = found[choice - 1]
        _refuse_known(config, link.url)
        found = asyncio.run(_read_feed(config, link.url, trusted=args.url))
    elif args.choose not in (None, 1):
        raise UsageError(f"{args.url} gives one feed; --choose {args.choose} has nothing to choose")
    _refuse_known(config, found.url)
    _show(found)
    taken = {s.name.casefold() for s in config.sources}
    table: dict[str, object] = {
        "name": name or unique_name(found.feed.title or host_of(found.url) or found.url, taken),
        "url": found.url,
    }
    return _append(args, config, table)


def _append(args: argparse.Namespace, config: Config, table: dict[str, object]) -> int:
    if args.tag:
        table["tags"] = list(dict.fromkeys(args.tag))
    write_config(config, added_sources_text(config, [table]))
    print(f"added {table['name']!r} to {config.path}")
    print(f"next: newsmirror run --site {args.site} --source {table['name']!r}")
    return EXIT_OK


def _add_preset(
    args: argparse.Namespace, config: Config, name: str, preset_name: str, section_name: str
) -> int:
    """A source of a built-in preset: its listing page read once to show what it gives."""
    from ..config import parse_config
    from ..presets import resolve

    preset, section = resolve(preset_name, section_name)
    if args.choose is not None:
        raise UsageError(f"{args.url} is read with the preset {preset.name!r}: nothing to choose")
    for source in config.sources:
        if source.preset == preset.name and source.section == section.name:
            raise UsageError(
                f"{args.url} is already a source: {source.name!r} "
                f"(preset {preset.name!r}, section {section.name!r})"
            )
    taken = {s.name.casefold() for s in config.sources}
    table: dict[str, object] = {
        "name": name or unique_name(f"{preset.title} {section.title}", taken),
        "preset": preset.name,
        "section": section.name,
    }
    # the source as a run will read it: the preset's URL, selectors and timezone filled in
    added = parse_config(config.path, added_sources_text(config, [table])).sources[-1]
    _refuse_known(config, added.url)
    print(f"preset: {preset.name}, section {section.name} ({section.title}): {preset.title}")
    print(f"reads:  {', '.join(section.urls)}")
    _show(asyncio.run(_read_listing(config, added)))
    return _append(args, config, table)


async def _read_listing(config: Config, source: Source) -> _Found:
    from ..feeds import ListingError, parse_listing
    from ..fetch import Fetcher, FetchSettings

    assert source.listing is not None  # a preset always gives one
    async with Fetcher(FetchSettings.from_site(config.site)) as fetcher:
        response = await fetcher.get(source.url, accept="html", trusted=source.url)
    try:
        timezone = source.timezone or config.site.timezone
        return _Found(
            source.url, parse_listing(response.text(), response.url, source.listing, timezone)
        )
    except ListingError as exc:
        raise InputError(f"the preset's listing page gives no article: {exc}") from None


def _refuse_taken(config: Config, name: str) -> None:
    taken = next((s for s in config.sources if s.name.casefold() == name.casefold()), None)
    if name and taken is not None:
        raise UsageError(f"{config.path}: the name {taken.name!r} is taken; pick another --name")


def _refuse_known(config: Config, url: str) -> None:
    known = source_with_url(config, url)
    if known is not None:
        raise UsageError(f"{url} is already a source: {known.name!r} ({known.url})")


async def _discover(config: Config, url: str) -> _Found | list[FeedLink]:
    """The feed at ``url``, or the feeds the page at ``url`` announces (a list to choose
    from when there are several)."""
    from ..feeds import feed_links, guessed_feeds
    from ..fetch import Fetcher, FetchSettings
    from ..util.sniff import looks_like_html_page

    async with Fetcher(FetchSettings.from_site(config.site)) as fetcher:
        # The user typed this URL: its host and port are trusted as a source's are.
        response = await fetcher.get(url, accept="any", trusted=url)
        if not looks_like_html_page(response.body):
            try:
                return _Found(url, _parse(config, response.body, response.url))
            except FeedError as exc:
                raise InputError(f"{url}: neither a feed nor a web page: {exc}") from None
        links = feed_links(response.text(), response.url)
        if len(links) == 1:
            return await _fetch_feed(fetcher, config, links[0].url, trusted=url)
        if links:
            return links
        # No feed announced: the usual addresses, asked at once, each a single cheap GET
        guesses = guessed_feeds(response.url)
        tries = await asyncio.gather(
            *(_fetch_feed(fetcher, config, g.url, trusted=url) for g in guesses),
            return_exceptions=True,
        )
        found: dict[str, _Found] = {}
        for result in tries:
            if isinstance(result, _Found) and result.url not in found:
                found[result.url] = result
        if not found:
            tried = ", ".join(link.url for link in guesses)
            raise InputError(
                f'{url}: a web page that announces no feed (no <link rel="alternate"> of '
                f"RSS, Atom or JSON Feed), and no feed at {tried}; give the feed's URL"
            )
        first = next(iter(found.values()))
        return first


async def _read_feed(config: Config, url: str, *, trusted: str) -> _Found:
    from ..fetch import Fetcher, FetchSettings

    async with Fetcher(FetchSettings.from_site(config.site)) as fetcher:
        return await _fetch_feed(fetcher, config, url, trusted=trusted)


async def _fetch_feed(fetcher: Fetcher, config: Config, url: str, *, trusted: str) -> _Found:
    try:
        response = await fetcher.get(url, accept="feed", trusted=trusted)
        return _Found(url, _parse(config, response.body, response.url))
    except (FetchError, FeedError) as exc:
        raise InputError(f"{url}: not a feed: {exc}") from None


def _parse(config: Config, body: bytes, url: str) -> ParsedFeed:
    from ..feeds import parse_feed

    return parse_feed(body, url=url, timezone=config.site.timezone)


def _choose(links: list[FeedLink], choose: int | None) -> int | None:
    """The chosen link's number (from 1): ``--choose``, else asked on a terminal."""
    if choose is not None:
        if not 1 <= choose <= len(links):
            _print_choices(links)
            raise UsageError(f"--choose {choose}: pick a number from 1 to {len(links)}")
        return choose
    if not _on_a_terminal():
        return None
    _print_choices(links)
    answer = input(f"which feed (1-{len(links)})? ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(links):
        raise UsageError(f"{answer!r}: pick a number from 1 to {len(links)}")
    return int(answer)


def _on_a_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _print_choices(links: list[FeedLink]) -> None:
    for number, link in enumerate(links, 1):
        title = f"  {link.title}" if link.title else ""
        print(f"{number:>3}. {link.kind or 'feed':9} {link.url}{title}")


def _show(found: _Found) -> None:
    from ..util.dates import utc_minute

    feed = found.feed
    print(f"feed:   {found.url} ({feed.kind})")
    print(f"title:  {feed.title or '(none)'}")
    print(f"items:  {len(feed.items)}")
    dated = [(item.published, item) for item in feed.items if item.published is not None]
    if dated:
        when, newest = max(dated, key=lambda pair: pair[0])
        print(f"newest: {utc_minute(when)}  {newest.title or newest.link or ''}")
    elif feed.items:
        print(f"newest: undated  {feed.items[0].title or feed.items[0].link or ''}")


# --- remove, enable, disable ---------------------------------------------------------------


def cmd_remove(args: argparse.Namespace) -> int:
    config = load_config(args.site)
    source = config.source(args.name)
    write_config(config, removed_source_text(config, source.name))
    print(
        f"removed {source.name!r} from {config.path}; its posts and its state are kept "
        f"(add {source.url} again to carry on where it stopped)"
    )
    return EXIT_OK


def cmd_enable(args: argparse.Namespace) -> int:
    return _switch(args, enabled=True)


def cmd_disable(args: argparse.Namespace) -> int:
    return _switch(args, enabled=False)


def _switch(args: argparse.Namespace, *, enabled: bool) -> int:
    config = load_config(args.site)
    source = config.source(args.name)
    word = "enabled" if enabled else "disabled"
    if source.enabled == enabled:
        print(f"{source.name!r} is already {word}; {config.path} unchanged")
        return EXIT_OK
    write_config(config, enabled_source_text(config, source.name, enabled))
    after = "runs fetch it again" if enabled else "runs skip it; its posts stay"
    print(f"{source.name!r} {word} in {config.path}: {after}")
    return EXIT_OK


# --- OPML ----------------------------------------------------------------------------------


def cmd_import_opml(args: argparse.Namespace) -> int:
    from ..config._opml import plan_import, read_opml

    config = load_config(args.site)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise InputError(f"{args.file}: cannot read: {exc.strerror or exc}") from None
    plan = plan_import(config, read_opml(data, args.file))
    if plan.tables:
        write_config(config, added_sources_text(config, plan.tables))  # one write, all of them
    for table in plan.tables:
        print(f"added   {table['name']}  {table['url']}")
    for what, why in plan.skipped:
        print(f"skipped {what}: {why}")
    reasons: dict[str, int] = {}
    for _, why in plan.skipped:
        key = "already a source" if why.startswith("already a source") else why
        reasons[key] = reasons.get(key, 0) + 1
    detail = "".join(f"; {n} {why}" for why, n in reasons.items())
    print(f"{len(plan.tables)} added, {len(plan.skipped)} skipped{detail}")
    if plan.tables:
        print(f"next: newsmirror run --site {args.site}")
    return EXIT_OK


def cmd_export_opml(args: argparse.Namespace) -> int:
    from ..config._opml import opml_document
    from ..util.dates import utc_now
    from ..util.files import write_atomic
    from ..util.urls import is_web_url

    config = load_config(args.site)
    feeds = [s for s in config.sources if _is_feed(s) and is_web_url(s.url)]
    left = [s.name for s in config.sources if s not in feeds]
    data = opml_document(feeds, f"newsmirror: {config.root.name}", utc_now())
    if args.output:
        write_atomic(Path(args.output), data)
        print(f"wrote {len(feeds)} feeds to {args.output}")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    if left:
        print(
            f"not exported ({len(left)}, no feed URL another reader could use): "
            + ", ".join(repr(n) for n in left),
            file=sys.stderr,
        )
    return EXIT_OK


def _is_feed(source: Source) -> bool:
    """A source whose URL is a feed (not a listing page read with selectors or a preset)."""
    return source.listing is None and not source.preset
