"""Publication dates shown in a page's visible text, for pages whose metadata has none.

News pages print the article's date in the byline block right under the headline
("2019-09-05 11:10 来源：...", "2019年09月05日 11:10", "By X | March 25, 2015") or after a
label ("发布时间：...", "Published: ..."). The rest of the page is full of other dates:
the related-articles list, comments, the article's own text ("9月7日，..."), a header
bar's "today". So a date is taken only from the byline block under the headline, or from
a labelled date, never from a list of links, comments or sidebars; and a date in the
future or before 1990 is no publication date.

The visible text comes from :class:`VisibleText` (one walk of the tree, shared with the
byline search); dates without a zone are read in the source's zone.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from ..util.dates import parse_date

__all__ = ["VisibleText", "plausible", "visible_date", "visible_text"]

_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def plausible(when: datetime | None, now: datetime | None = None) -> datetime | None:
    """``when`` if it can be a publication date: not in the future, not before 1990."""
    if when is None:
        return None
    now = now or datetime.now(UTC)
    return when if _EARLIEST <= when <= now else None


def _tag_id(tag: str) -> int:
    """lexbor's number for ``tag``: comparing numbers spares building tag names."""
    node = LexborHTMLParser(f"<{tag}></{tag}>").css_first(tag)
    assert node is not None
    return node.tag_id


# Tags whose text nobody sees; their text node is the one right after them in a walk.
_HIDDEN_IDS = frozenset(_tag_id(t) for t in ("script", "style", "noscript", "template"))
_H1_ID = _tag_id("h1")


@dataclass
class VisibleText:
    """The page's visible text nodes joined by newlines, and where each one starts."""

    text: str = ""
    starts: list[int] = field(default_factory=list)  # offset in ``text`` of each node
    nodes: list[Any] = field(default_factory=list)  # the text nodes themselves
    h1: list[tuple[int, int]] = field(default_factory=list)  # each <h1>'s text span

    def headline(self, index: int | None) -> tuple[int, int]:
        """The text span of the ``index``-th <h1>; (-1, -1) for none (an <h1> outside
        the body is not in the walk)."""
        if index is None or not 0 <= index < len(self.h1):
            return -1, -1
        return self.h1[index]

    def node_at(self, offset: int) -> Any:
        return self.nodes[max(bisect_right(self.starts, offset) - 1, 0)]


def visible_text(body: Any) -> VisibleText:
    """One walk of ``body``: tag and attribute access is what costs, so only ids are read."""
    out = VisibleText()
    parts: list[str] = []
    pos, skip, h1_open = 0, False, -1
    for node in body.traverse(include_text=True):
        if not node.is_text_node:
            skip = node.tag_id in _HIDDEN_IDS
            if node.tag_id == _H1_ID:
                h1_open = pos
                out.h1.append((pos, pos))
            continue
        if skip:
            skip = False
            continue
        text = node.text_content
        if not text or text.isspace():
            continue
        out.starts.append(pos)
        out.nodes.append(node)
        parts.append(text)
        pos += len(text) + 1
        if h1_open >= 0:  # the text nodes of an <h1> come right after it in the walk
            if _inside_last_h1(node):
                out.h1[-1] = (h1_open, pos - 1)
            else:
                h1_open = -1
    out.text = "\n".join(parts)
    return out


def _inside_last_h1(node: Any) -> bool:
    # an <h1> holds few levels of markup: look up a handful of parents, no more
    parent = node.parent
    for _ in range(4):
        if parent is None:
            return False
        if parent.tag_id == _H1_ID:
            return True
        parent = parent.parent
    return False


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# No line break inside a date: the text nodes are joined by them, and a "date" across
# nodes is mostly the pieces of a calendar widget ("Feb." "19" "2020"). Its time may be
# the next node though ("January 18, 2017" "11:00 PM PST").
_S = r"[^\S\n]"
_J = rf"(?:{_S}*\n{_S}*|{_S}+)"
_CLOCK = rf"\d{{1,2}}{_S}*[:：]{_S}*\d{{2}}(?:{_S}*:{_S}*\d{{2}})?"
_EN_TIME = rf"(?:,?{_J}(?:(?:at|@){_S}+)?{_CLOCK}(?:{_S}*[AaPp]\.?[Mm]\.?(?![A-Za-z]))?)?"
# "2019-09-05 11:10", "2019/9/5", "2019.09.05", "2019年09月05日 11:10", "2019年9月5日11时10分"
_NUMERIC = (
    rf"(?<!\d)(?:19|20)\d\d{_S}*[-/.年]{_S}*\d{{1,2}}{_S}*[-/.月]{_S}*\d{{1,2}}(?!\d)(?:{_S}*日)?"
    rf"(?:(?:{_S}*[Tt]{_S}*|{_J}|(?<=日))(?:上午|下午)?{_S}*\d{{1,2}}{_S}*[:：时]{_S}*\d{{2}}"
    rf"(?:{_S}*[:：分]{_S}*\d{{2}}(?!\d))?)?"
)
_DATE = re.compile(
    rf"{_NUMERIC}"
    rf"|\b{_MONTH}{_S}+\d{{1,2}}(?:st|nd|rd|th)?,?{_S}+(?:19|20)\d\d(?!\d){_EN_TIME}"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?{_S}+{_MONTH},?{_S}+(?:19|20)\d\d(?!\d){_EN_TIME}"
)
# A zone printed after the time ("GMT+8", "UTC", "+08:00", "EST"): parse_date reads it.
_ZONE_AFTER = re.compile(
    r"[^\S\n]*(?:\(?(?:GMT|UTC)\s*[+-]\d{1,2}(?::?\d{2})?\)?|[+-]\d{2}:?\d{2}"
    r"|(?:GMT|UTC|EST|EDT|CST|CDT|PST|PDT|BST|CET|CEST|JST|KST)\b)"
)

# The text right before a date that says it is the publication date, or an update.
_PUBLISHED_LABEL = re.compile(
    r"(?:发布|發布|发表|發表|出版|刊登|上线)(?:时间|時間|日期|于|於)|(?:时间|時間|日期)\s*[:：]"
    r"|\b(?:Published|Posted|Publication date|Date)\b",
    re.I,
)
_UPDATE_LABEL = re.compile(r"更新|修改|编辑于|\b(?:Updated|Modified|Last updated|Edited)\b", re.I)

# Containers whose dates belong to other articles or to readers.
_ELSEWHERE = re.compile(
    r"comment|related|relate|recommend|rec-list|sidebar|side-bar|footer|hot|rank|reply"
    r"|tuijian|xgwz|xgxw|more-?news|popular|trending|read-?more|pinglun",
    re.I,
)
_ELSEWHERE_TAGS = frozenset(("aside", "footer", "nav"))

_AFTER_HEADLINE = 300  # characters of text under the headline that hold its byline
_BEFORE_HEADLINE = 80  # some sites print the date just above it


def elsewhere(node: Any, depth: int = 12) -> bool:
    """Whether ``node`` sits in a related list, comments, a sidebar, a footer, a list item."""
    parent = node.parent
    for _ in range(depth):
        if parent is None or parent.tag in ("body", "html"):
            return False
        if parent.tag in _ELSEWHERE_TAGS:
            return True
        attrs = parent.attributes
        names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if names.strip() and _ELSEWHERE.search(names):
            return True
        parent = parent.parent
    return False


_BYLINE_NODE = 100  # a byline's text node is short; a paragraph's is not
_SENTENCE_GOES_ON = re.compile(r"\s*[，,、。；;]|\s*(?:起|至|到|以来|前|后|上午|下午|晚|，)")


def _byline_like(page: VisibleText, match: re.Match[str]) -> bool:
    """A date in the byline block, not the first words of the article ("9月3日，...")."""
    node = page.node_at(match.start())
    return len((node.text_content or "").strip()) <= _BYLINE_NODE and not _SENTENCE_GOES_ON.match(
        page.text, match.end()
    )


def _read(match: re.Match[str], text: str, tz: tzinfo) -> datetime | None:
    raw = match.group(0)
    zone = _ZONE_AFTER.match(text, match.end())
    if zone is not None:
        raw += zone.group(0)
    # dateutil, the reader of English dates, knows neither "at", "@" nor "," before the time
    raw = re.sub(r",|\s(?:at|@)\s", " ", raw) if not raw[:1].isdigit() else raw
    return parse_date(" ".join(raw.split()), tz)


def _label_before(text: str, start: int) -> str:
    return text[max(0, start - 16) : start]


# How a date shows it is the article's, best first: in the byline block under the
# headline; after a label ("发布时间："); alone in an element named for it
# (``<span class="time">``), wherever that is.
_UNDER_HEADLINE, _LABELLED, _DATE_ELEMENT = 0, 1, 2
_DATE_CLASS = re.compile(
    r"(?:^|[-_\s])(?:pub(?:lish(?:ed)?)?[-_]?|post[-_]?|entry[-_]?|article[-_]?)?(?:time|date)"
    r"(?:$|[-_\s])|pubtime|pubdate|publish|posted-on",
    re.I,
)


def _in_date_element(node: Any) -> bool:
    parent = node.parent
    for _ in range(2):
        if parent is None:
            return False
        attrs = parent.attributes
        if _DATE_CLASS.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
            return True
        parent = parent.parent
    return False


def _rank(page: VisibleText, match: re.Match[str], start: int, end: int) -> int | None:
    """How well ``match`` shows itself as the publication date; None: not at all."""
    pos = match.start()
    label = _label_before(page.text, pos)
    if _UPDATE_LABEL.search(label):
        return None
    if end >= 0 and (
        end <= pos <= end + _AFTER_HEADLINE or start - _BEFORE_HEADLINE <= pos < start
    ):
        return _UNDER_HEADLINE if _byline_like(page, match) else None
    if _PUBLISHED_LABEL.search(label):
        return _LABELLED
    if _byline_like(page, match) and _in_date_element(page.node_at(pos)):
        return _DATE_ELEMENT
    return None


def visible_date(
    page: VisibleText, headline: int | None, tz: tzinfo, now: datetime | None = None
) -> datetime | None:
    """The publication date shown under the headline, else the first labelled one, else
    the one date in an element named for a date (several: a list of other things).

    ``headline`` is the index of the article's ``<h1>`` in ``page.h1`` (None: no h1).
    """
    start, end = page.headline(headline)
    labelled: datetime | None = None
    in_elements: list[datetime] = []
    for match in _DATE.finditer(page.text):
        pos = match.start()
        if labelled is not None and (end < 0 or pos > end + _AFTER_HEADLINE):
            break  # no date under the headline can come any more
        rank = _rank(page, match, start, end)
        if rank is None or (rank == _LABELLED and labelled is not None):
            continue
        when = plausible(_read(match, page.text, tz), now)
        if when is None or elsewhere(page.node_at(pos)):
            continue
        if rank == _UNDER_HEADLINE:
            return when
        if rank == _LABELLED:
            labelled = when
        else:
            in_elements.append(when)
    return labelled or (in_elements[0] if len(in_elements) == 1 else None)
