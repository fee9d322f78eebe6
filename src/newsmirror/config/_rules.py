"""Extraction rules from a TOML table: the built-in rules file and the user's ``[rules]``
are read by the same code, with the same checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ._checks import RULE_TYPES, check_selectors, check_table, check_timezone, strings
from ._model import Rule

__all__ = ["parse_rule", "parse_rules"]


def parse_rule(path: Path, domain: str, table: dict[str, Any]) -> Rule:
    where = f"[rules.{domain!r}] "
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where}must be a table")
    check_table(path, where, table, RULE_TYPES)
    if "content" not in table:
        raise ConfigError(f"{path}: {where}needs 'content' (a CSS selector or a list of them)")
    content = table["content"]
    content = [content] if isinstance(content, str) else content
    tz = table.get("timezone")
    single = {
        key: check_selectors(path, where + key, (table[key],))[0]
        for key in ("title", "date", "author")
        if key in table
    }
    return Rule(
        domain=domain.lower().removeprefix("www."),
        content=check_selectors(
            path, where + "content", strings(path, where + "content", content), hooks=True
        ),
        remove=check_selectors(
            path, where + "remove", strings(path, where + "remove", table.get("remove", []))
        ),
        title=single.get("title"),
        date=single.get("date"),
        author=single.get("author"),
        timezone=check_timezone(path, where + "timezone", tz) if tz else None,
    )


def parse_rules(path: Path, tables: object) -> tuple[Rule, ...]:
    """The rules of a ``[rules."domain"]`` table of tables, in file order."""
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: 'rules' must be a table of tables ([rules.\"domain\"])")
    return tuple(parse_rule(path, domain, table) for domain, table in tables.items())
