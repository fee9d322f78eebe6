"""The article body as one line of HTML that renders exactly as the cleaned HTML did, with
any Liquid in it printed literally."""

from __future__ import annotations

import re

__all__ = ["EMPTY_BODY", "body_line", "protect_liquid", "unprotect_liquid"]


# Control characters HTML forbids (tab and newline are handled separately).
_FORBIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r]")


# Tags of a serialized document; attribute values are always double-quoted by the cleaner
# but may contain '>' so they are matched as units.
_TAG = re.compile(r"""<(/?)([a-zA-Z][^\s/>]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")


_PRESERVE = {"pre", "textarea", "code"}


_PRESERVE_START = re.compile(r"<(?:pre|textarea|code)\b", re.IGNORECASE)


EMPTY_BODY = "<p></p>"  # an article without text still gets a non-blank body line


def body_line(html: str) -> str:
    """The cleaned HTML on one line, rendering exactly as before.

    Line breaks become one space, except inside pre/textarea/code, where each becomes
    ``&#10;`` so that the rendered text is unchanged.
    """
    # Outer whitespace would put a blank line (a Markdown block boundary) in the body.
    html = _FORBIDDEN_CONTROLS.sub("", html).strip() or EMPTY_BODY
    if "\n" not in html:
        return html
    if not _PRESERVE_START.search(html):  # the common case: every line break is a space
        return html.replace("\n", " ")
    out: list[str] = []
    depth = 0
    pos = 0
    for match in _TAG.finditer(html):
        out.append(_fold_newlines(html[pos : match.start()], depth))
        out.append(match.group().replace("\n", " "))
        if match.group(2).lower() in _PRESERVE:
            depth = max(0, depth - 1) if match.group(1) else depth + 1
        pos = match.end()
    out.append(_fold_newlines(html[pos:], depth))
    return "".join(out)


def _fold_newlines(text: str, preserve_depth: int) -> str:
    return text.replace("\n", "&#10;" if preserve_depth else " ")


# "{%" printed by Liquid itself, between raw blocks
_LITERAL_TAG_START = '{% endraw %}{{ "{%" }}{% raw %}'


def protect_liquid(line: str) -> str:
    """Make Liquid print the text literally, in Jekyll 3 and 4 alike.

    Every ``{%`` is replaced by a constant output of itself between raw blocks, so even
    a literal ``{% endraw %}`` in the article cannot end the protection early.
    """
    # one-character search first: far cheaper than a two-character one on CJK text
    # (docs/PERFORMANCE.md, "Writing posts")
    if "{" not in line or ("{{" not in line and "{%" not in line):
        return line
    return "{% raw %}" + line.replace("{%", _LITERAL_TAG_START) + "{% endraw %}"


# What protect_liquid adds, in the order a left-to-right scan must try them: every "{%"
# of the article sits inside a _LITERAL_TAG_START, so a bare raw or endraw tag is a guard.
_GUARD = re.compile(re.escape(_LITERAL_TAG_START) + r"|\{% raw %\}|\{% endraw %\}")


def unprotect_liquid(text: str) -> str:
    """The text as the built page shows it: ``protect_liquid`` undone.

    Works on any part of a protected line (an excerpt's cut start), and gives back the
    article's own ``{% raw %}`` and ``{% endraw %}`` text, as Liquid prints them.
    """
    if "{%" not in text:
        return text
    return _GUARD.sub(lambda m: "{%" if m.group() == _LITERAL_TAG_START else "", text)
