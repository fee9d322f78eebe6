"""Word-level differences between two texts, CJK by character.

A run of CJK characters is split into single characters (Chinese and Japanese text has
no spaces between words, and a one-character edit is common); other text into words
separated by whitespace, punctuation attached. Each token keeps the whitespace before
it, so joining tokens gives the text back; tokens are compared without it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .htmltext import _CJK

__all__ = ["Change", "count_changed", "plain_diff", "word_diff", "words"]


_TOKEN = re.compile(rf"\s*(?:{_CJK.pattern}|(?:(?!{_CJK.pattern})\S)+)|\s+$")


def words(text: str) -> list[str]:
    """The tokens of ``text``, each with the whitespace before it."""
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Change:
    """A stretch of the diff: text common to both, deleted from the first, or inserted."""

    kind: Literal["equal", "delete", "insert"]
    text: str


def word_diff(old: str, new: str) -> list[Change]:
    """The changes that turn ``old`` into ``new``, token by token (a replacement is a
    deletion followed by an insertion).

    Lines (paragraphs) are matched first and only the lines that differ are compared
    word by word, as ``git diff --word-diff`` does: an edit of one paragraph of a long
    article then costs little (docs/PERFORMANCE.md, "Every version kept").
    """
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in _opcodes(a, b):
        if op == "equal":
            changes.append(Change("equal", "".join(b[j1:j2])))
        else:
            changes.extend(_token_diff("".join(a[i1:i2]), "".join(b[j1:j2])))
    return _merged(changes)


def _opcodes(a: list[str], b: list[str]) -> Sequence[tuple[str, int, int, int, int]]:
    # autojunk off: it would take common CJK characters (的, 在) for junk in long texts
    return difflib.SequenceMatcher(None, a, b, False).get_opcodes()


def _token_diff(old: str, new: str) -> list[Change]:
    a, b = words(old), words(new)
    changes = []
    for op, i1, i2, j1, j2 in _opcodes([t.strip() for t in a], [t.strip() for t in b]):
        if op == "equal":
            changes.append(Change("equal", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            changes.append(Change("delete", "".join(a[i1:i2])))
        if j2 > j1:
            changes.append(Change("insert", "".join(b[j1:j2])))
    return changes


def _merged(changes: list[Change]) -> list[Change]:
    """Neighbouring stretches of one kind joined into one."""
    out: list[Change] = []
    for change in changes:
        if out and out[-1].kind == change.kind:
            out[-1] = Change(change.kind, out[-1].text + change.text)
        elif change.text:
            out.append(change)
    return out


def count_changed(changes: list[Change]) -> int:
    """How many tokens a diff deletes or inserts."""
    return sum(1 for c in changes if c.kind != "equal" for t in words(c.text) if t.strip())


def plain_diff(changes: list[Change]) -> str:
    """The diff as text marked like ``git diff --word-diff``: ``[-deleted-]{+inserted+}``
    (the whitespace before a changed stretch stays outside its marks)."""
    out = []
    for change in changes:
        if change.kind == "equal":
            out.append(change.text)
            continue
        stripped = change.text.lstrip()
        lead = change.text[: len(change.text) - len(stripped)]
        mark = ("[-", "-]") if change.kind == "delete" else ("{+", "+}")
        out.append(f"{lead}{mark[0]}{stripped}{mark[1]}")
    return "".join(out)
