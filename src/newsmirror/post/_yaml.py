"""YAML scalars for the front matter, written so that libyaml (Jekyll's Psych) and PyYAML
read back exactly the value given."""

from __future__ import annotations

import json
import re

__all__ = ["yaml_flow_list", "yaml_quote", "yaml_scalar"]


# json.dumps leaves these raw, but libyaml rejects them (C1 controls, DEL, U+FFFE/FFFF)
# or silently turns them into line breaks (U+2028/2029, BOM): escape them as \uXXXX.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


_SURROGATE = re.compile("[\ud800-\udfff]")


# Plain scalars YAML 1.1 (Psych, PyYAML) would read as something other than a string.
_YAML_SPECIAL = re.compile(
    r"""(?ix)^(?:
        y|n|yes|no|true|false|on|off|null|~|
        [-+]?(?:\d|\.\d|\.inf|\.nan)   # anything number-like, dates included
    )"""
)


_PLAIN_FIRST_BAD = set("-?:,[]{}#&*!|>'\"%@`=<~ \t")


def yaml_quote(value: str) -> str:
    """A YAML double-quoted scalar that libyaml reads back as exactly ``value``."""
    value = _SURROGATE.sub("\ufffd", value)
    return _YAML_UNSAFE.sub(
        lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False)
    )


def _plain_is_safe(value: str, *, in_flow: bool) -> bool:
    if not value or value[0] in _PLAIN_FIRST_BAD or value[-1] in " \t:":
        return False
    if _YAML_SPECIAL.match(value) or ": " in value or " #" in value:
        return False
    if not value.isprintable():
        return False
    # in a flow sequence libyaml also ends a plain scalar at "?" (PyYAML: ",?[]{}")
    return not (in_flow and any(ch in ",?[]{}" for ch in value))


def yaml_scalar(value: str, *, in_flow: bool = False) -> str:
    """The value plain when YAML reads it back unchanged, double-quoted otherwise."""
    return value if _plain_is_safe(value, in_flow=in_flow) else yaml_quote(value)


def yaml_flow_list(values: tuple[str, ...]) -> str:
    return "[ " + ", ".join(yaml_scalar(v, in_flow=True) for v in values) + " ]"
