"""Text as feeds carry it: titles to plain text, plain text to HTML, element content as
the feed wrote it, author names."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from lxml import etree

from ._names import NS_XHTML

_TAG_RE = re.compile(r"<!--.*?-->|<!\[CDATA\[|\]\]>|</?[A-Za-z][^<>]*>", re.S)


_BR_RE = re.compile(r"<br\s*/?>", re.I)


_WS_RE = re.compile(r"[^\S\u3000]+")  # fold whitespace runs, but keep the ideographic space


_WS_CHARS = frozenset("\t\n\r\f\v\xa0\x85\u2028\u2029")


_SCRIPT_RE = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.I | re.S)


def _strip_tags(s: str) -> str:
    if "<s" in s or "<S" in s:  # a script or style goes with its text
        s = _SCRIPT_RE.sub(" ", s)
    return _TAG_RE.sub("", _BR_RE.sub(" ", s))


def plain(s: str | None) -> str:
    """Plain text from a title-like string that may carry HTML markup or entities."""
    if not s:
        return ""
    if "<" in s:
        s = _strip_tags(s)
    if "&" in s:
        s = html.unescape(s)
        if "<" in s:  # markup that was escaped once more (&amp;lt;b&amp;gt;)
            s = _strip_tags(s)
    if "  " in s or not _WS_CHARS.isdisjoint(s):
        s = _WS_RE.sub(" ", s)
    return s.strip()


_BLOCK_END = re.compile(
    r"<br\s*/?>|</?(?:p|div|h[1-6]|li|ul|ol|blockquote|figure|figcaption|table|tr|pre|section"
    r"|article|header|footer|audio|video)\b[^>]*>",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^\s.!?])|(?<=[。！？])")
TITLE_FROM_TEXT_MAX = 80


def title_from_text(content_html: str) -> str:
    """A title for an item that has none, from its text: the first line, cut at its first
    sentence end, at most ``TITLE_FROM_TEXT_MAX`` characters (cut between words, with
    "…"); "" when the text is empty."""
    if not content_html:
        return ""
    s = content_html[:20000]
    if "<" in s:
        if "<s" in s or "<S" in s:
            s = _SCRIPT_RE.sub(" ", s)
        s = _BLOCK_END.sub("\n", s)
    for line in s.split("\n"):
        text = plain(line)
        if text:
            break
    else:
        return ""
    first = _SENTENCE_END.split(text, 1)[0].strip()
    if len(first) <= TITLE_FROM_TEXT_MAX:
        return first
    cut = first[: TITLE_FROM_TEXT_MAX - 1]
    space = cut.rfind(" ")
    if space > TITLE_FROM_TEXT_MAX // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def plain_literal(s: str | None) -> str:
    """Plain text from a string that is text already (Atom ``type="text"``): "<" stays,
    entities escaped once more are decoded, whitespace folded."""
    if not s:
        return ""
    if "&" in s:
        s = html.unescape(s)
    if "  " in s or not _WS_CHARS.isdisjoint(s):
        s = _WS_RE.sub(" ", s)
    return s.strip()


def text_to_html(s: str) -> str:
    """Plain text as HTML: escaped, blank lines make paragraphs, newlines make <br>."""
    s = s.strip()
    if not s:
        return ""
    paras = [p.strip() for p in re.split(r"\n\s*\n", s.replace("\r\n", "\n")) if p.strip()]
    if len(paras) == 1 and "\n" not in paras[0]:
        return html.escape(paras[0], quote=False)
    return "".join(
        "<p>" + html.escape(p, quote=False).replace("\n", "<br>\n") + "</p>" for p in paras
    )


LOOKS_HTML = re.compile(
    r"<(?:p|div|br|img|a|span|b|i|em|strong|ul|ol|li|table|h[1-6]|figure)[\s>/]|</\w+>", re.I
)


_EMAIL_PAREN = re.compile(r"^\s*[^\s@()]+@[^\s@()]+\s*\((.+)\)\s*$")


_NAME_ANGLE = re.compile(r"^\s*(.+?)\s*<[^\s@<>]+@[^\s@<>]+>\s*$")


@lru_cache(maxsize=4096)
def short_plain(s: str) -> str:
    """``plain`` memoized, for the few distinct author and category strings of a feed."""
    return plain(s)


@lru_cache(maxsize=4096)
def author_name(s: str | None) -> str:
    s = plain(s)
    if not s or "@" not in s:
        return s
    m = _EMAIL_PAREN.match(s) or _NAME_ANGLE.match(s)
    return m.group(1).strip() if m else s


def el_text(el) -> str:
    """Text of an element meant to hold text only (title, link, date, name...)."""
    if len(el):  # markup or entity references inside: take the text, drop entities
        return etree.tostring(el, method="text", encoding=str, with_tail=False)
    return el.text or ""


_PREFIXED_TAG = re.compile(r"<[A-Za-z][\w.-]*:")


_XHTML_DECL = re.compile(r'\s+xmlns(?::[\w.-]+)?="http://www\.w3\.org/1999/xhtml"')


def inner_xml(el) -> str:
    """The content of ``el`` as markup: its text (re-escaped) plus its serialized children."""
    parts = [html.escape(el.text, quote=False)] if el.text else []
    for child in el:
        parts.append(etree.tostring(child, encoding=str, with_tail=True))
    out = "".join(parts)
    if "xmlns" in out:
        # lxml repeats every in-scope namespace declaration (the feed's own xmlns:dc,
        # xmlns:atom...) on each serialized child: drop those, they are not content.
        for prefix, uri in el.nsmap.items():
            out = out.replace(f' xmlns{":" + prefix if prefix else ""}="{uri}"', "")
        out = _XHTML_DECL.sub("", out)
    if _PREFIXED_TAG.search(out):  # <xhtml:p>: XHTML written with a prefix
        prefixes = {
            c.prefix for c in el.iter()
            if isinstance(c.tag, str) and c.tag.startswith("{" + NS_XHTML + "}") and c.prefix
        }  # fmt: skip
        for prefix in prefixes:
            out = re.sub(r"(</?)" + re.escape(prefix) + ":", r"\1", out)
    return out


def raw_content(el) -> str:
    """content:encoded / description: the string as the feed gave it."""
    if len(el):  # HTML written as unescaped XML inside the element
        return inner_xml(el)
    return el.text or ""


def uniq(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for v in values:
        if v and v not in seen:
            seen[v] = None
    return tuple(seen)
