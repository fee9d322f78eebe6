"""Which site rule applies to a page: the built-in rules and the user's, by domain."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..config import Rule, parse_rules
from ..util.urls import host_of

__all__ = ["load_builtin_rules", "rule_matches", "select_rule"]

BUILTIN_RULES = "data/rules.toml"


@lru_cache(maxsize=1)
def load_builtin_rules() -> tuple[Rule, ...]:
    """The built-in per-site rules of ``newsmirror/data/rules.toml``, read and checked by
    the same code as the user's ``[rules]``."""
    text = resources.files("newsmirror").joinpath(BUILTIN_RULES).read_text("utf-8")
    return parse_rules(Path(BUILTIN_RULES), tomllib.loads(text).get("rules", {}))


def rule_matches(rule: Rule, host: str) -> bool:
    domain = rule.domain.lower().removeprefix("www.")
    return host == domain or host.endswith("." + domain)


def select_rule(url: str, rules: Sequence[Rule]) -> Rule | None:
    """The rule for ``url`` (the final URL, after redirects), or None.

    The most specific domain wins; for the same domain the later rule wins, so user rules
    (passed after the built-in ones) override them.
    """
    host = host_of(url)
    if not host:
        return None
    if type(rules) is not tuple:
        return _select_rule(host, rules)
    # A run asks for the same few hosts against the same rules tuple twice a page (the page
    # pool, then extract): remember the answers per tuple (immutable, as Rule is frozen).
    # The entry holds the tuple itself, so its id cannot be reused while it is cached.
    entry = _RULE_CACHE.get(id(rules))
    if entry is None or entry[0] is not rules:
        if len(_RULE_CACHE) >= 8:
            _RULE_CACHE.clear()
        entry = _RULE_CACHE[id(rules)] = (rules, {})
    by_host = entry[1]
    try:
        return by_host[host]
    except KeyError:
        pass
    if len(by_host) >= 4096:
        by_host.clear()
    rule = by_host[host] = _select_rule(host, rules)
    return rule


_RULE_CACHE: dict[int, tuple[tuple[Rule, ...], dict[str, Rule | None]]] = {}


def _select_rule(host: str, rules: Sequence[Rule]) -> Rule | None:
    best: Rule | None = None
    for rule in rules:
        if rule_matches(rule, host) and (best is None or len(rule.domain) >= len(best.domain)):
            best = rule
    return best
