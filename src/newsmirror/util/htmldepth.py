"""HTML nested no deeper than ``MAX_DEPTH`` before a parser sees it.

The HTML standard's tree builder, which lexbor (selectolax) and html5ever (nh3) follow,
looks down the stack of open elements on every block start tag ("is a p element in
button scope?"), so N nested blocks cost N * N steps: a minute to clean 100,000 levels
(docs/PERFORMANCE.md, "Cleaning"). Browsers cap the depth (Chromium at 512).
``limit_depth`` does the same on the source text, in one pass: a start tag that would
open an element deeper than ``MAX_DEPTH`` is dropped, and so is its end tag; the text
inside stays. A document that nests no deeper is returned as it is.

The pass follows the tree builder where it must (void elements, raw text, comments, the
common implied end tags) and otherwise errs on the deep side, so that the parser's depth
on the result stays within a small multiple of the cap.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection

__all__ = ["MAX_DEPTH", "limit_depth"]

MAX_DEPTH = 512

# Elements that never open: no end tag closes them, nothing nests in them.
_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta "
    "param source track wbr".split()
)
# Their text is not markup (in HTML content; in svg or math they are ordinary).
_RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes".split())
# Merged into the elements the parser made itself: a start tag opens nothing, and an end
# tag closes nothing (later content is put back inside).
_ROOTS = frozenset(("html", "head", "body"))
# Start tags that close an open <p> (and whose dropped copies end a line of text).
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup li dd dt listing main menu nav ol p "
    "plaintext pre search section summary ul".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Where the standard's "has an element in scope" stops looking down the stack.
_SCOPE = frozenset(
    "applet caption html table td th marquee object template mi mo mn ms mtext "
    "annotation-xml foreignobject desc title".split()
)
_BUTTON_SCOPE = _SCOPE | {"button"}
_LIST_SCOPE = _SCOPE | {"ol", "ul"}
_TABLE_SCOPE = frozenset(("html", "table", "template"))
# The "special" elements, where the search for an open li, dd or dt stops.
_SPECIAL = (
    _VOID
    | _RAW_TEXT
    | _CLOSES_P
    | _SCOPE
    | frozenset(
        "body button colgroup frameset head noscript plaintext select tbody tfoot thead tr "
        "svg math".split()
    )
) - {"address", "div", "p"}
# How far down the stack implied end tags are looked for. The element is nearly always
# within a few entries of the top; when it is not, the pass keeps it open (deeper than the
# parser will have it: the safe side) rather than look further.
_LOOK = 64
_P, _LI, _DD_DT = frozenset(("p",)), frozenset(("li",)), frozenset(("dd", "dt"))
_CELLS, _ROW = frozenset(("td", "th")), frozenset(("tr",))
_SECTIONS, _BUTTON = frozenset(("tbody", "thead", "tfoot")), frozenset(("button",))

_MARKUP = re.compile(r"<(?:(/?)([A-Za-z][^\t\n\f\r />]*)|!--|[!?]|/)")
# The rest of a tag after its name: attribute values may quote a '>' (only after '=').
_TAG_REST = re.compile(r"""(?:[^>=]++|=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|))*+>""")
_COMMENT_END = re.compile(r"--!?>")
_raw_ends: dict[str, re.Pattern[str]] = {}


def limit_depth(html: str, max_depth: int = MAX_DEPTH) -> str:
    """``html`` with elements nested deeper than ``max_depth`` flattened into their
    ancestor at that depth, their text kept; ``html`` itself when it nests no deeper."""
    # A document of few tags cannot nest deep (a short one is counted first: a feed item,
    # an article); a bound from counting tags spares the tag-by-tag pass to nearly every
    # other one (docs/PERFORMANCE.md, "Cleaning").
    if len(html) <= 32 * max_depth and html.count("<") <= max_depth:
        return html
    if _depth_bound(html) <= max_depth:
        return html
    return _flatten(html, max_depth)


def _depth_bound(html: str, chunk: int = 4096) -> int:
    """At least the deepest nesting of ``html``: in any prefix, the start tags (``<``
    not followed by ``/``) less the end tags, counted a chunk at a time in C."""
    count = html.count
    depth = bound = 0
    for at in range(0, len(html), chunk):
        starts_and_ends = count("<", at, at + chunk)
        ends = count("</", at, at + chunk)
        # the deepest point inside the chunk is at most its depth plus its start tags
        bound = max(bound, depth + starts_and_ends - ends)
        depth += starts_and_ends - 2 * ends
    return bound


def _flatten(html: str, max_depth: int) -> str:
    out: list[str] = []
    copied = 0  # html[:copied] is in out
    stack = _OpenElements()
    dropped: Counter[str] = Counter()  # start tags dropped whose end tag may follow
    at = 0
    while (m := _MARKUP.search(html, at)) is not None:
        name = m.group(2)
        if name is None:  # a comment, a doctype, a processing instruction, "</ "...
            at = _markup_end(html, m.start())
            continue
        rest = _TAG_REST.match(html, m.end())
        end = rest.end() if rest else len(html)  # a tag left open runs to the end
        name, closing = name.lower(), bool(m.group(1))
        at = end
        if name in _ROOTS:
            continue
        if closing:
            if dropped[name]:  # the end of a dropped element (the deepest ones go first)
                dropped[name] -= 1
                out.append(html[copied : m.start()])
                copied = end
                continue
            stack.close((name,), _end_tag_scope(name))
        elif stack.foreign() and html[end - 2 : end - 1] == "/":
            continue  # <path/> in svg: opened and closed
        elif name in _VOID:
            continue
        else:
            _implied_ends(stack, name)
        if dropped and len(stack.names) < max_depth:
            dropped.clear()  # their ancestor closed: no end tag of theirs follows
        if closing:
            continue
        if len(stack.names) >= max_depth:
            dropped[name] += 1
            out.append(html[copied : m.start()])
            out.append("\n" if name in _CLOSES_P else "")  # keeps blocks' words apart
            copied = end
            continue
        stack.push(name)
        if name in _RAW_TEXT and not stack.foreign():
            at = _raw_text_end(html, name, end)
        elif name == "plaintext":
            break  # the rest of the document is its text
    if not out:
        return html
    out.append(html[copied:])
    return "".join(out)


class _OpenElements:
    """The names of the open elements, innermost last, and how many of each are open (a
    name that is not open needs no search)."""

    __slots__ = ("counts", "names")

    def __init__(self) -> None:
        self.names: list[str] = []
        self.counts: Counter[str] = Counter()

    def push(self, name: str) -> None:
        self.names.append(name)
        self.counts[name] += 1

    def pop(self) -> None:
        self.counts[self.names.pop()] -= 1

    def top(self) -> str:
        return self.names[-1] if self.names else ""

    def foreign(self) -> bool:
        """Inside svg or math, whose content is not HTML."""
        return bool(self.counts["svg"] or self.counts["math"])

    def close(self, targets: Collection[str], scope: frozenset[str]) -> None:
        """Pop down to and including the nearest element of ``targets`` near the top,
        unless an element of ``scope`` comes first."""
        for name in targets:
            if self.counts[name]:
                break
        else:
            return
        names = self.names
        for index in range(len(names) - 1, max(-1, len(names) - 1 - _LOOK), -1):
            if names[index] in targets:
                self.counts.subtract(names[index:])
                del names[index:]
                return
            if names[index] in scope:
                return


def _markup_end(html: str, start: int) -> int:
    """Where a comment, doctype or other ``<!``, ``<?``, ``</`` markup ends."""
    if html.startswith("<!--", start):
        if html.startswith((">", "->"), start + 4):  # "<!-->" and "<!--->" end at once
            return html.index(">", start + 4) + 1
        found = _COMMENT_END.search(html, start + 4)
        return found.end() if found else len(html)
    found_at = html.find(">", start + 2)
    return found_at + 1 if found_at >= 0 else len(html)


def _raw_text_end(html: str, name: str, start: int) -> int:
    """Where the text of a raw text element ends: at its end tag."""
    pattern = _raw_ends.get(name)
    if pattern is None:
        pattern = _raw_ends[name] = re.compile(rf"</{name}(?=[\t\n\f\r />])", re.IGNORECASE)
    found = pattern.search(html, start)
    return found.start() if found else len(html)


def _end_tag_scope(name: str) -> frozenset[str]:
    if name == "p":
        return _BUTTON_SCOPE
    if name == "li":
        return _LIST_SCOPE
    if name in ("td", "th", "tr", "tbody", "thead", "tfoot", "table"):
        return _TABLE_SCOPE
    return _SCOPE


def _implied_ends(stack: _OpenElements, name: str) -> None:
    """Close what a start tag ``name`` closes, as the tree builder does."""
    if name == "li":
        stack.close(_LI, _SPECIAL)
    elif name in _DD_DT:
        stack.close(_DD_DT, _SPECIAL)
    elif name in _CELLS:
        stack.close(_CELLS, _TABLE_SCOPE | _ROW)
    elif name == "tr":
        stack.close(_ROW, _TABLE_SCOPE | _SECTIONS)
    elif name in _SECTIONS:
        stack.close(_SECTIONS, _TABLE_SCOPE)
    elif name == "button":
        stack.close(_BUTTON, _SCOPE)
    elif name in ("option", "optgroup") and stack.top() == "option" or name == stack.top() == "a":
        stack.pop()
    if name in _CLOSES_P:
        stack.close(_P, _BUTTON_SCOPE)
        if name in _HEADINGS and stack.top() in _HEADINGS:
            stack.pop()
