"""Posts read back: front matter as newsmirror writes it, without a YAML library
(top-level scalars, plain, single- or double-quoted, and flat flow sequences), and a
whole newsmirror post back into the ``Article`` it was rendered from."""

from __future__ import annotations

import re
from datetime import datetime

from ..model import Article
from ._body import unprotect_liquid

__all__ = ["flow_sequence", "front_matter", "read_article", "scalar"]


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


_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]*):[ \t]*(.*)$")


def front_matter(text: str) -> tuple[dict[str, str], str] | None:
    """The raw values of a post's front matter by key, and the text after it; None
    when the text has no closed front matter."""
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        return None
    data: dict[str, str] = {}
    for line in text[3:end].splitlines():
        m = _FRONT_KEY.match(line)
        if m:
            data[m.group(1)] = m.group(2)
    body_start = text.find("\n", end + 4)
    return data, text[body_start + 1 :] if body_start >= 0 else ""


def read_article(text: str) -> Article:
    """The article a newsmirror post was rendered from: ``render_post`` of the result
    gives the same text back. ValueError when the text is not such a post."""
    parsed = front_matter(text)
    if parsed is None:
        raise ValueError("no front matter")
    data, rest = parsed
    start = rest.find("\n<div>\n")
    end = rest.rfind("\n</div>\n")
    if start < 0 or end <= start or "\n" in rest[start + 7 : end]:
        raise ValueError("no one-line <div> body")
    try:
        raw_date = scalar(data["date"])
        raw_updated = scalar(data["updated"]) if "updated" in data else None
        return Article(
            title=scalar(data["title"]),
            url=scalar(data.get("from", "")),
            published=_utc_time(raw_date),
            author=scalar(data["author"]),
            tags=tuple(flow_sequence(data.get("tags", ""))),
            categories=tuple(flow_sequence(data.get("categories", ""))),
            body_html=unprotect_liquid(rest[start + 7 : end]),
            updated=_utc_time(raw_updated) if raw_updated else None,
            edits=int(scalar(data.get("edits", "0")) or 0) if raw_updated else 0,
            lang=scalar(data["lang"]) if "lang" in data else None,
        )
    except KeyError as exc:
        raise ValueError(f"no {exc.args[0]!r} in the front matter") from None


def _utc_time(text: str) -> datetime:
    """A ``date:`` or ``updated:`` value as ``render_post`` writes it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
