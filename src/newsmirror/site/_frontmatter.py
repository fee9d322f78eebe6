"""Front matter as newsmirror writes it, read back without a YAML library: top-level
scalars (plain, single- or double-quoted) and flat flow sequences."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["config_value", "flow_sequence", "scalar"]


_YAML_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}


def _unquote_double(text: str) -> tuple[str, int]:
    """Parse a YAML double-quoted scalar at the start of ``text``; return (value, end)."""
    out: list[str] = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\" and i + 1 < len(text):
            esc = text[i + 1]
            width = {"x": 2, "u": 4, "U": 8}.get(esc)
            if width:
                out.append(chr(int(text[i + 2 : i + 2 + width], 16)))
                i += 2 + width
                continue
            out.append(_YAML_ESCAPES.get(esc, esc))
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ValueError("unterminated double-quoted scalar")


def _unquote_single(text: str) -> tuple[str, int]:
    out, i = [], 1
    while i < len(text):
        if text[i] == "'":
            if text[i + 1 : i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        out.append(text[i])
        i += 1
    raise ValueError("unterminated single-quoted scalar")


def scalar(text: str) -> str:
    text = text.strip()
    if text.startswith('"'):
        return _unquote_double(text)[0]
    if text.startswith("'"):
        return _unquote_single(text)[0]
    return re.split(r"\s+#", text, maxsplit=1)[0].strip()


def flow_sequence(text: str) -> list[str]:
    """``[ a, "b, c", 'd' ]`` -> ["a", "b, c", "d"] (flat sequences of scalars only)."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return [scalar(text)] if text else []
    inner, items, i = text[1:-1], [], 0
    while i < len(inner):
        ch = inner[i]
        if ch in " \t,":
            i += 1
            continue
        if ch in "\"'":
            value, used = (_unquote_double if ch == '"' else _unquote_single)(inner[i:])
            items.append(value)
            i += used
            continue
        end = inner.find(",", i)
        end = len(inner) if end < 0 else end
        items.append(inner[i:end].strip())
        i = end
    return items


def config_value(site_dir: Path, key: str) -> str | None:
    """A top-level scalar of the site's ``_config.yml`` (None when absent)."""
    path = site_dir / "_config.yml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(rf"^{re.escape(key)}:[ \t]*(.*)$", text, re.M)
    if not m or not m.group(1).strip():
        return None
    return scalar(m.group(1))
