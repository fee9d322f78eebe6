"""Changes to ``newsmirror.toml`` made by commands, keeping the user's comments, order and
layout; the result is validated like a loaded config before it is written, and written
whole (``write_config``) or not at all.

Sources are added by appending their ``[[sources]]`` tables to the text as it is, so every
byte before them stays. A source is removed, enabled or disabled by editing the lines of
its own table (the comment lines right above its header go with it; comments below its
last key belong to what follows and stay); the edit is then checked to mean exactly the
intended change, and made with tomlkit instead when the text edit cannot be proven right
(tomlkit keeps comments too, but files a table's trailing comments under it).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ._load import parse_config
from ._model import Config, Source

__all__ = [
    "added_sources_text",
    "enabled_source_text",
    "removed_source_text",
    "renamed_source_text",
    "source_with_url",
    "unique_name",
    "write_config",
]


def source_with_url(config: Config, url: str) -> Source | None:
    """The configured source that reads ``url`` however it is spelled (scheme, ``www.``,
    a trailing slash, tracking parameters), if any."""
    from ..util.urls import canonical_url

    wanted = canonical_url(url)
    return next((s for s in config.sources if canonical_url(s.url) == wanted), None)


def unique_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted (2)``, ``(3)``... : the first not in ``taken`` (casefolded
    names, as source names are compared); the result is added to ``taken``."""
    wanted = " ".join(wanted.split()) or "feed"
    name, number = wanted, 1
    while name.casefold() in taken:
        number += 1
        name = f"{wanted} ({number})"
    taken.add(name.casefold())
    return name


def renamed_source_text(config: Config, old: str, new: str) -> str:
    """The config file's text with source ``old`` named ``new``."""

    def rename(tables: list[Any], index: int) -> None:
        tables[index]["name"] = new

    return _edited_with_tomlkit(config, old, rename)


def added_sources_text(config: Config, tables: Sequence[Mapping[str, Any]]) -> str:
    """The config file's text with ``tables`` appended as ``[[sources]]`` entries."""
    import tomlkit  # only commands that edit the file pay for importing it

    text = _read(config.path)
    blocks = []
    for table in tables:
        item = tomlkit.table()
        for key, value in table.items():
            item[key] = list(value) if isinstance(value, tuple) else value
        blocks.append("[[sources]]\n" + tomlkit.dumps(item))
    if not blocks:
        return text
    # one blank line before the first new table, whatever the file ends with
    newlines = len(text) - len(text.rstrip("\n"))
    glue = "\n" * max(0, 2 - newlines) if text.strip() else ""
    edited = text + glue + "\n".join(blocks)
    try:
        tomllib.loads(edited)
    except tomllib.TOMLDecodeError:  # sources written as an inline array: add to it
        document = tomlkit.parse(text)
        for table in tables:
            inline = tomlkit.inline_table()
            inline.update({k: list(v) if isinstance(v, tuple) else v for k, v in table.items()})
            document["sources"].append(inline)
        edited = tomlkit.dumps(document)
    return _validated(config.path, edited)


def removed_source_text(config: Config, name: str) -> str:
    """The config file's text without source ``name``'s table."""

    def remove(tables: list[Any], index: int) -> None:
        del tables[index]

    return _edited(config, name, remove, lambda lines, span: _cut(lines, span))


def enabled_source_text(config: Config, name: str, enabled: bool) -> str:
    """The config file's text with source ``name``'s ``enabled`` set."""
    value = "true" if enabled else "false"

    def switch(tables: list[Any], index: int) -> None:
        tables[index]["enabled"] = enabled

    def switch_lines(lines: list[str], span: tuple[int, int]) -> list[str]:
        start, end = span
        out = lines[:]
        for i in range(start + 1, end):
            match = _ENABLED_LINE.match(lines[i])
            if match:
                out[i] = match.group(1) + value + match.group(3)
                return out
        # a new key goes right under the header: inside the source's own table even when
        # sub-tables ([sources.listing]) follow its keys
        out.insert(start + 1, f"enabled = {value}\n")
        return out

    return _edited(config, name, switch, switch_lines)


def write_config(config: Config, text: str) -> None:
    """Replace the config file with ``text`` (already validated) in one step."""
    from ..util.files import write_atomic

    write_atomic(config.path, text)


# --- the edits ---------------------------------------------------------------------------

_ENABLED_LINE = re.compile(r"^(\s*enabled\s*=\s*)(true|false)(\s*(?:#.*)?\n?)$")
_KEY = r"""(?:sources|"sources"|'sources')"""
_HEADER = re.compile(rf"^\s*\[\s*\[\s*{_KEY}\s*\]\s*\]\s*(?:#.*)?$")
_SUBTABLE = re.compile(rf"^\s*\[\s*\[?\s*{_KEY}\s*\.")  # [sources.listing], [[sources.x]]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot edit: {exc}") from None


def _toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _validated(path: Path, text: str) -> str:
    parse_config(Path(path), text)  # e.g. two sources of one name: refused, file untouched
    return text


def _index_of(path: Path, data: Mapping[str, Any], name: str) -> int:
    tables = data.get("sources", [])
    found = [i for i, t in enumerate(tables) if str(t.get("name", "")).strip() == name]
    if len(found) != 1:
        known = ", ".join(repr(str(t.get("name", ""))) for t in tables) or "none"
        raise ConfigError(f"{path}: no source named {name!r} (sources: {known})")
    return found[0]


def _edited(
    config: Config,
    name: str,
    change: Callable[[list[Any], int], None],
    change_lines: Callable[[list[str], tuple[int, int]], list[str]],
) -> str:
    """``change`` made to source ``name``'s table: on the lines of the text when the result
    can be shown to mean the same as ``change`` on the data, else with tomlkit."""
    path = config.path
    text = _read(path)
    data = _toml(path, text)
    index = _index_of(path, data, name)
    expected = _toml(path, text)
    change(expected.setdefault("sources", []), index)
    if not expected["sources"]:
        del expected["sources"]
    lines = text.splitlines(keepends=True)
    spans = _source_spans(lines)
    if len(spans) == len(data.get("sources", [])):
        edited = "".join(change_lines(lines, spans[index]))
        try:
            if tomllib.loads(edited) == expected:
                return _validated(path, edited)
        except tomllib.TOMLDecodeError:
            pass
    return _edited_with_tomlkit(config, name, change)


def _edited_with_tomlkit(
    config: Config, name: str, change: Callable[[list[Any], int], None]
) -> str:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    path = config.path
    try:
        document = tomlkit.parse(_read(path))
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: cannot edit: {exc}") from None
    tables = document.get("sources", [])
    change(tables, _index_of(path, document, name))
    if not tables:
        # tomlkit writes an emptied array of tables as "sources = []" and drops what
        # follows it: take the key out instead
        del document["sources"]
    return _validated(path, tomlkit.dumps(document))


def _cut(lines: list[str], span: tuple[int, int]) -> list[str]:
    """``lines`` without the table at ``span``, with the comment lines right above its
    header and without the comments and blank lines below its last key."""
    start, end = span
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    while end > span[0] + 1 and _is_trivia(lines[end - 1]):
        end -= 1
    out = lines[:start] + lines[end:]
    # no run of blank lines where the table was
    if start > 0 and start < len(out) and not out[start - 1].strip() and not out[start].strip():
        del out[start]
    return out


def _is_trivia(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _source_spans(lines: list[str]) -> list[tuple[int, int]]:
    """For each ``[[sources]]`` table: the line of its header and the line of the next
    header that is not one of its sub-tables (or the end); headers are found outside
    multi-line strings and arrays."""
    spans: list[tuple[int, int]] = []
    depth, quote, inside = 0, "", False  # inside: a source's table or its sub-tables
    for number, line in enumerate(lines):
        if not quote and depth == 0 and line.lstrip().startswith("["):
            header = line.rstrip("\r\n")
            if inside and (_HEADER.match(header) or not _SUBTABLE.match(header)):
                spans[-1] = (spans[-1][0], number)
                inside = False
            if _HEADER.match(header):
                spans.append((number, len(lines)))
                inside = True
            continue
        depth, quote = _scan(line, depth, quote)
    return spans


def _scan(line: str, depth: int, quote: str) -> tuple[int, str]:
    """The bracket depth and open multi-line string after ``line``."""
    i = 0
    while i < len(line):
        if quote:
            if quote in ('"""', '"') and line[i] == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
            i += 1
            continue
        ch = line[i]
        if ch == "#":
            break
        if line.startswith(('"""', "'''"), i):
            quote = line[i : i + 3]
            i += 3
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    if quote in ('"', "'"):  # a one-line string never spans lines
        quote = ""
    return depth, quote
