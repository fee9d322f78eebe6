"""Feed documents -> ``ParsedFeed``: RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0, JSON Feed.

Our own walker over an lxml tree (see ``docs/ARCHITECTURE.md`` and the measurements in
``shared/notes/measured.md``): one pass over each item's children, dispatching on the tag.

Guarantees:

* ``content_html`` is the longest of content:encoded / Atom content / description /
  summary, exactly as the XML carried it (CDATA and entity-escaped give the same string;
  nothing is stripped or rewritten). Only plain-text content (Atom ``type="text"``, JSON
  ``content_text``) is turned into HTML, by escaping it.
* Titles are plain text: tags stripped, HTML entities decoded, whitespace folded.
* Links are absolute when a base is known: ``xml:base``, then the channel link, then the
  feed URL.
* Dates without a zone are read in ``timezone``; no usable date gives ``published=None``.
* The XML parser never resolves entities and never touches the network (XXE and
  billion-laughs safe). Malformed documents are recovered as far as possible and the
  problems listed in ``ParsedFeed.warnings``; when nothing usable remains, ``FeedError``
  carries a one-line reason. No lxml or json exception escapes.
"""

from __future__ import annotations

import base64
import binascii
import html
import html.entities
import json
import re
from datetime import datetime, tzinfo
from functools import lru_cache
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml import etree

from .dates import parse_date
from .model import FeedItem, ParsedFeed

__all__ = ["FeedError", "detect_kind", "parse_feed"]


class FeedError(Exception):
    """The document is not a feed we can read; ``str(err)`` is a one-line reason."""


# --------------------------------------------------------------------------- names

NS_ATOM = "http://www.w3.org/2005/Atom"
NS_ATOM03 = "http://purl.org/atom/ns#"
NS_RSS10 = "http://purl.org/rss/1.0/"
NS_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_DCT = "http://purl.org/dc/terms/"
NS_XHTML = "http://www.w3.org/1999/xhtml"
RDF_ABOUT = "{%s}about" % NS_RDF

# Field codes for the children of an RSS / RDF item.
_TITLE, _LINK, _GUID, _DESC, _CONTENT, _PUB, _PUB2, _UPD, _AUTHOR, _CAT, _ALINK, _DCTITLE = range(12)


def _rss_item_tags() -> dict[object, int]:
    tags: dict[object, int] = {
        "title": _TITLE, "link": _LINK, "guid": _GUID, "description": _DESC,
        "pubDate": _PUB, "pubdate": _PUB, "author": _AUTHOR, "category": _CAT,
        # dc/dcterms/atom extensions, also in their undeclared-prefix spelling which
        # lxml's recovering parser produces when a feed forgets the xmlns.
        f"{{{NS_CONTENT}}}encoded": _CONTENT, "content:encoded": _CONTENT,
        f"{{{NS_DC}}}date": _PUB2, "dc:date": _PUB2,
        f"{{{NS_DCT}}}issued": _PUB2, f"{{{NS_DCT}}}created": _PUB2,
        f"{{{NS_ATOM}}}published": _PUB2, "atom:published": _PUB2,
        f"{{{NS_ATOM}}}updated": _UPD, "atom:updated": _UPD, f"{{{NS_DCT}}}modified": _UPD,
        f"{{{NS_DC}}}creator": _AUTHOR, "dc:creator": _AUTHOR,
        f"{{{NS_DC}}}subject": _CAT, "dc:subject": _CAT,
        f"{{{NS_DC}}}title": _DCTITLE, "dc:title": _DCTITLE,
        f"{{{NS_ATOM}}}link": _ALINK, "atom:link": _ALINK,
    }  # fmt: skip
    for ns in (NS_RSS10, NS_RSS090):
        tags[f"{{{ns}}}title"] = _TITLE
        tags[f"{{{ns}}}link"] = _LINK
        tags[f"{{{ns}}}description"] = _DESC
    return tags


_RSS_ITEM_TAGS = _rss_item_tags()

# --------------------------------------------------------------------------- text helpers

_TAG_RE = re.compile(r"<!--.*?-->|<!\[CDATA\[|\]\]>|</?[A-Za-z][^<>]*>", re.S)
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_WS_RE = re.compile(r"[^\S\u3000]+")  # fold whitespace runs, but keep the ideographic space
_WS_CHARS = frozenset("\t\n\r\f\v\xa0\x85\u2028\u2029")


def _plain(s: str | None) -> str:
    """Plain text from a title-like string that may carry HTML markup or entities."""
    if not s:
        return ""
    if "<" in s:
        s = _TAG_RE.sub("", _BR_RE.sub(" ", s))
    if "&" in s:
        s = html.unescape(s)
        if "<" in s:  # markup that was escaped once more (&amp;lt;b&amp;gt;)
            s = _TAG_RE.sub("", _BR_RE.sub(" ", s))
    if "  " in s or not _WS_CHARS.isdisjoint(s):
        s = _WS_RE.sub(" ", s)
    return s.strip()


def _text_to_html(s: str) -> str:
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


_LOOKS_HTML = re.compile(r"<(?:p|div|br|img|a|span|b|i|em|strong|ul|ol|li|table|h[1-6]|figure)[\s>/]|</\w+>", re.I)

_EMAIL_PAREN = re.compile(r"^\s*[^\s@()]+@[^\s@()]+\s*\((.+)\)\s*$")
_NAME_ANGLE = re.compile(r"^\s*(.+?)\s*<[^\s@<>]+@[^\s@<>]+>\s*$")


@lru_cache(maxsize=4096)
def _short_plain(s: str) -> str:
    """``_plain`` memoized, for the few distinct author and category strings of a feed."""
    return _plain(s)


@lru_cache(maxsize=4096)
def _author_name(s: str | None) -> str:
    s = _plain(s)
    if not s or "@" not in s:
        return s
    m = _EMAIL_PAREN.match(s) or _NAME_ANGLE.match(s)
    return m.group(1).strip() if m else s


def _el_text(el) -> str:
    """Text of an element meant to hold text only (title, link, date, name...)."""
    if len(el):  # markup or entity references inside: take the text, drop entities
        return etree.tostring(el, method="text", encoding=str, with_tail=False)
    return el.text or ""


_PREFIXED_TAG = re.compile(r"<[A-Za-z][\w.-]*:")
_XHTML_DECL = re.compile(r'\s+xmlns(?::[\w.-]+)?="http://www\.w3\.org/1999/xhtml"')


def _inner_xml(el) -> str:
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


def _raw_content(el) -> str:
    """content:encoded / description: the string as the feed gave it."""
    if len(el):  # HTML written as unescaped XML inside the element
        return _inner_xml(el)
    return el.text or ""


def _uniq(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for v in values:
        if v and v not in seen:
            seen[v] = None
    return tuple(seen)


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown timezone {name!r}") from e


# --------------------------------------------------------------------------- sniffing

_PARSER_OPTS = dict(
    recover=True, resolve_entities=False, no_network=True, huge_tree=True,
    load_dtd=False, dtd_validation=False, remove_blank_text=False,
)  # fmt: skip

_BINARY_SIGNATURES = (
    (b"\x89PNG", "PNG image"), (b"GIF8", "GIF image"), (b"\xff\xd8\xff", "JPEG image"),
    (b"RIFF", "RIFF/WebP data"), (b"%PDF", "PDF document"), (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"), (b"BM", None), (b"\x00\x00\x01\x00", "icon"),
)  # fmt: skip
_HTML_START = re.compile(
    r"""\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*
    <(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|meta[\s>]|title[\s>]|script[\s>])""",
    re.I | re.S | re.X,
)
_CTRL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r"}


def _binary_reason(head: str | bytes) -> str | None:
    """Signatures of common binary formats, or a start made mostly of control characters
    and undecodable bytes. A few stray NULs in text are left to the parser's repair."""
    if isinstance(head, bytes):
        for sig, _name in _BINARY_SIGNATURES:
            if head.startswith(sig) and _name:
                return "binary data, not a feed"
        bad = sum(1 for c in head if c < 32 and c not in (9, 10, 13))
        if head and bad * 10 > len(head):
            return "binary data, not a feed"
        return None
    if head.startswith(("\x89PNG", "\ufffdPNG", "GIF8", "\xff\xd8\xff", "%PDF")):
        return "binary data, not a feed"
    bad = sum(1 for c in head if c in _CTRL or c == "\ufffd")
    if head and bad * 10 > len(head):
        return "binary data, not a feed"
    return None


def detect_kind(text: str | bytes) -> str | None:
    """A cheap guess from the first bytes: "rss", "rdf", "atom", "json", "html" or None."""
    head = text[:2048]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    head = head.lstrip("\ufeff \t\r\n")
    if head[:1] in ("{", "["):
        return "json"
    if _HTML_START.match(head):
        return "html"
    m = re.search(r"<(?!\?|!)([\w.:-]+)", head)
    if m is None:
        return None
    local = m.group(1).rsplit(":", 1)[-1]
    return {"rss": "rss", "RDF": "rdf", "feed": "atom", "channel": "rss", "html": "html"}.get(local)


# --------------------------------------------------------------------------- entry point


def parse_feed(text: str | bytes, *, url: str | None = None, timezone: str = "UTC") -> ParsedFeed:
    """Parse a feed document. ``text`` is normally decoded already; bytes are decoded here.

    Raises ``FeedError`` for documents that are not a feed or hold nothing usable, and
    ``ValueError`` for an unknown ``timezone`` name (configuration, not feed, problem).
    """
    tz = _zone(timezone or "UTC")
    warnings: list[str] = []
    data, s = _prepare(text, warnings)
    if s is not None:  # JSON
        return _parse_json(s, url, tz, warnings)
    root, data = _parse_xml(data, url, warnings)
    return _walk(root, data, url, tz, warnings)


def _prepare(text: str | bytes, warnings: list[str]) -> tuple[str | bytes, str | None]:
    """The document for lxml (str, or UTF-8 bytes), or (b"", json_text) for JSON.

    Raises FeedError for what is plainly not a feed."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if not raw.strip():
            raise FeedError("empty document")
        from .decode import decode

        head = raw[:1024]
        if not head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")) and not (
            head[:4] in (b"<\x00?\x00", b"\x00<\x00?", b"<\x00\x00\x00", b"\x00\x00\x00<")
        ):
            reason = _binary_reason(head)
            if reason:
                raise FeedError(reason)
        elif head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):  # UTF-16 without a BOM
            raw = raw.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", "replace").encode("utf-16")
        try:
            s, enc = decode(raw, None)
        except Exception as e:  # pragma: no cover - decode is meant not to raise
            raise FeedError(f"undecodable bytes: {e}") from None
        if "\ufffd" in s and "\ufffd".encode("utf-8") not in raw:
            warnings.append(f"bytes not valid {enc}: undecodable sequences replaced")
        return _prepare_str(s, warnings)  # lxml reads a str faster than UTF-8 bytes
    if not isinstance(text, str):
        raise TypeError("parse_feed() takes str or bytes")
    return _prepare_str(text, warnings)


def _prepare_str(s: str, warnings: list[str]) -> tuple[str | bytes, str | None]:
    i = 0
    n = len(s)
    while i < n and s[i] in "\ufeff \t\r\n":
        i += 1
    if i == n:
        raise FeedError("empty document")
    head = s[i : i + 1024]
    reason = _binary_reason(head)
    if reason:
        raise FeedError(reason)
    if head[0] in "{[":
        return b"", s[i:] if i else s
    if _HTML_START.match(head):
        raise FeedError("an HTML page, not a feed")
    if head[0] != "<":
        j = s.find("<", i, i + 4096)
        if j < 0:
            raise FeedError("not a feed: no markup at the start")
        warnings.append(f"{j - i} characters of junk before the XML skipped")
        i = j
    # lxml parses a str directly (faster than encoding 40 MB to UTF-8 first), but refuses
    # one with an encoding declaration: drop the declaration, keep the line numbering.
    if s.startswith("<?xml", i):
        j = s.find("?>", i, i + 1024)
        if j > 0:
            i = j + 2
    return s[i:] if i else s, None


_UNDEFINED_ENTITY = re.compile(r"Entity '([A-Za-z][A-Za-z0-9]*)' not defined")
_CDATA_SPLIT = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.S)
_BAD_CHARS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _to_bytes(data: str | bytes, warnings: list[str]) -> bytes:
    if isinstance(data, bytes):
        return data
    try:
        return data.encode("utf-8")
    except UnicodeEncodeError:
        warnings.append("lone surrogates in the text replaced")
        return data.encode("utf-8", "replace")


def _run_parser(data: str | bytes, url: str | None, warnings: list[str]):
    if isinstance(data, str):
        parser = etree.XMLParser(**_PARSER_OPTS)
    else:
        parser = etree.XMLParser(encoding="utf-8", **_PARSER_OPTS)
    try:
        root = etree.fromstring(data, parser, base_url=url)
    except etree.XMLSyntaxError:
        root = None
    except (etree.LxmlError, ValueError, UnicodeError) as e:
        if isinstance(data, str):  # e.g. lone surrogates: retry as UTF-8 bytes
            return _run_parser(_to_bytes(data, warnings), url, warnings)
        raise FeedError(f"XML error: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    return root, parser.error_log


def _parse_xml(data: str | bytes, url: str | None, warnings: list[str]):
    root, log = _run_parser(data, url, warnings)
    errors = [e for e in log if e.level >= etree.ErrorLevels.ERROR]
    fix_entities = {m.group(1) for e in errors if (m := _UNDEFINED_ENTITY.search(e.message))}
    fix_chars = any("invalid Char value" in e.message or "Char 0x" in e.message for e in errors)
    fix_encoding = isinstance(data, str) and any("Invalid bytes in character" in e.message for e in errors)
    if fix_entities or fix_chars or fix_encoding:
        # Two defects that make libxml2 drop text, which we can repair and parse again:
        # HTML named entities (&nbsp;) outside CDATA, and control characters.
        data = _to_bytes(data, warnings)
        fixed = data
        names = fix_entities
        if names:
            fixed, count = _fix_entities(fixed, names)
            if count:
                warnings.append(
                    f"{count} HTML entities undefined in XML replaced "
                    f"({', '.join('&' + n + ';' for n in sorted(names)[:5])})"
                )
        if fix_chars:
            fixed, count = _BAD_CHARS.subn(b"", fixed)
            if count:
                warnings.append(f"{count} control characters (illegal in XML) removed")
        if fixed is not data or fix_encoding:
            root2, log2 = _run_parser(fixed, url, warnings)
            if root2 is not None or root is None:
                root, data = root2, fixed
                errors = [e for e in log2 if e.level >= etree.ErrorLevels.ERROR]
    if root is None:
        if errors:
            e = errors[0]
            raise FeedError(f"XML error at line {e.line}: {e.message.strip()}")
        raise FeedError("XML error: no root element")
    for e in errors[:5]:
        warnings.append(f"XML error at line {e.line}: {e.message.strip()}")
    if len(errors) > 5:
        warnings.append(f"... and {len(errors) - 5} more XML errors")
    if ("<!ENTITY" if isinstance(data, str) else b"<!ENTITY") in data[:65536]:
        warnings.append("DTD entity declarations ignored")
    return root, data


def _fix_entities(data: bytes, names: set[str]) -> tuple[bytes, int]:
    table: dict[bytes, bytes] = {}
    for name in names:
        chars = html.entities.html5.get(name + ";")
        if chars:
            table[name.encode()] = "".join(f"&#{ord(c)};" for c in chars).encode()
    if not table:
        return data, 0
    pattern = re.compile(rb"&(" + b"|".join(re.escape(k) for k in table) + rb");")
    count = 0

    def repl(m: re.Match) -> bytes:
        nonlocal count
        count += 1
        return table[m.group(1)]

    parts = _CDATA_SPLIT.split(data)
    for i in range(0, len(parts), 2):  # even indexes: outside CDATA sections
        parts[i] = pattern.sub(repl, parts[i])
    return b"".join(parts), count


# --------------------------------------------------------------------------- XML walk


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    if tag[:1] == "{":
        return tag.rsplit("}", 1)[1]
    return tag.rsplit(":", 1)[-1]


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag[:1] == "{" else ""


def _qname(el) -> str:
    local = _local(el.tag)
    return f"{el.prefix}:{local}" if el.prefix else (el.tag if ":" in el.tag and el.tag[:1] != "{" else local)


_ORIGIN = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\\]+")


class _Ctx:
    """What every item of one document needs: bases, timezone, the warnings list."""

    __slots__ = ("url", "tz", "base", "origin", "warnings", "bad_dates", "bad_date_example", "dates")

    def __init__(self, url: str | None, tz: tzinfo, warnings: list[str]):
        self.url = url
        self.tz = tz
        self.base = url  # replaced by the channel link once known
        self.origin: tuple[str | None, str | None] = (None, None)  # (base, its scheme://host)
        self.dates: dict[str, datetime | None] = {}
        self.warnings = warnings
        self.bad_dates = 0
        self.bad_date_example = ""

    def resolve(self, link: str | None, el) -> str | None:
        if not link:
            return None
        link = link.strip()
        if not link:
            return None
        if link.startswith(("http://", "https://")):
            return link
        base = self.base_for(el)
        if not base:
            return link
        if link[:1] == "/" and link[1:2] != "/" and "/." not in link and "\\" not in link:
            # root-relative, the common case: scheme://host + path, without urljoin
            if self.origin[0] != base:
                m = _ORIGIN.match(base)
                self.origin = (base, m.group(0) if m else None)
            if self.origin[1]:
                return self.origin[1] + link
        try:
            return urljoin(base, link)
        except ValueError:
            return link

    def base_for(self, el) -> str | None:
        """xml:base in scope of ``el`` (resolved by libxml2), else the channel link/feed URL."""
        if el is not None:
            try:
                b = el.base  # the document URL when no xml:base applies
            except (ValueError, UnicodeError):
                b = None
            if b and b != self.url:
                return b
        return self.base

    def date(self, *candidates: str | None) -> datetime | None:
        first_bad = None
        for c in candidates:
            if c and not c.isspace():
                d = self.dates.get(c, False)
                if d is False:  # the same string is often both published and updated
                    if len(self.dates) > 64:
                        self.dates.clear()
                    d = self.dates[c] = parse_date(c, self.tz)
                if d is not None:
                    return d
                if first_bad is None:
                    first_bad = c
        if first_bad is not None:
            self.bad_dates += 1
            if not self.bad_date_example:
                self.bad_date_example = first_bad.strip()[:60]
        return None


def _walk(root, data: str | bytes, url: str | None, tz: tzinfo, warnings: list[str]) -> ParsedFeed:
    tag = root.tag
    if not isinstance(tag, str):
        raise FeedError("XML error: no root element")
    local = _local(tag)
    ns = _ns(tag)
    ctx = _Ctx(url, tz, warnings)
    if local == "html" or ns == NS_XHTML:
        raise FeedError("an HTML page, not a feed")
    if local in ("rss", "channel") and ns in ("", NS_RSS10, NS_RSS090) or local == "rss":
        kind = "rss"
        title, link, item_els = _rss_channel(root, ns, ctx)
        items = [_rss_item(el, ctx, ns) for el in item_els]
    elif local == "RDF":
        kind = "rdf"
        title, link, item_els = _rdf_channel(root, ctx)
        items = [_rss_item(el, ctx, _ns(el.tag)) for el in item_els]
    elif local == "feed" and ns in (NS_ATOM, NS_ATOM03, ""):
        kind = "atom"
        title, link, item_els, feed_authors = _atom_feed(root, ns, ctx)
        items = [_atom_entry(el, ns, ctx, feed_authors) for el in item_els]
    else:
        name = _qname(root)
        raise FeedError(f"not a feed: root element <{name}>")

    truncated = _truncated(data, root)
    if truncated:
        dropped = 0
        if item_els:
            qn = _qname(item_els[-1])
            if isinstance(data, bytes):
                closed = len(re.findall(rb"</" + re.escape(qn.encode()) + rb"\s*>", data))
            else:
                closed = len(re.findall(r"</" + re.escape(qn) + r"\s*>", data))
            if closed < len(item_els):
                items.pop()
                dropped = 1
        if not items:
            raise FeedError("truncated document: no complete item")
        warnings.append(
            f"document is truncated (no closing </{_qname(root)}>): kept {len(items)} "
            f"complete item(s)" + (", dropped the cut-off one" if dropped else "")
        )
    if ctx.bad_dates:
        warnings.append(f"{ctx.bad_dates} item date(s) not understood, e.g. {ctx.bad_date_example!r}")
    if not items:
        warnings.append("no items")
    return ParsedFeed(kind=kind, title=title, link=link, items=tuple(items), warnings=tuple(warnings))


def _truncated(data: str | bytes, root) -> bool:
    """True when the document does not end with the root's end tag (a cut-off download)."""
    tail = data[-4096:]
    if isinstance(tail, bytes):
        tail = tail.decode("utf-8", "replace")
    if tail.rstrip().endswith("/>") and len(root) == 0:
        return False
    return re.search(r"</\s*" + re.escape(_qname(root)) + r"\s*>", tail) is None


# ---- RSS / RDF


def _rss_channel(root, ns: str, ctx: _Ctx):
    p = f"{{{ns}}}" if ns else ""
    channel = root if _local(root.tag) == "channel" else root.find(p + "channel")
    title = ""
    link = None
    if channel is not None:
        title, link = _channel_title_link(channel, p, ctx)
        items = channel.findall(p + "item")
        if not items:
            items = root.findall(p + "item")
    else:
        ctx.warnings.append("no <channel> element")
        items = root.findall(p + "item")
    return title, link, items


def _rdf_channel(root, ctx: _Ctx):
    for ns in (NS_RSS10, NS_RSS090, ""):
        p = f"{{{ns}}}" if ns else ""
        channel = root.find(p + "channel")
        items = root.findall(p + "item")
        if channel is not None and not items:
            items = channel.findall(p + "item")
        if channel is not None or items:
            title, link = _channel_title_link(channel, p, ctx) if channel is not None else ("", None)
            return title, link, items
    return "", None, []


def _channel_title_link(channel, p: str, ctx: _Ctx):
    t = channel.find(p + "title")
    title = _plain(_el_text(t)) if t is not None else ""
    link = None
    el = channel.find(p + "link")
    if el is not None and _el_text(el).strip():
        link = ctx.resolve(_el_text(el), el)
    else:
        for al in channel.iterchildren(f"{{{NS_ATOM}}}link"):
            if al.get("rel", "alternate") == "alternate" and al.get("href"):
                link = ctx.resolve(al.get("href"), al)
                break
    if link:
        ctx.base = link
    return title, link


def _rss_item(item, ctx: _Ctx, ns: str) -> FeedItem:
    tags = _RSS_ITEM_TAGS
    title = link = guid = desc = content = pub = pub2 = upd = dctitle = None
    link_el = guid_el = alink = None
    authors: list[str] = []
    cats: list[str] = []
    for child in item:
        code = tags.get(child.tag)
        if code is None:
            if ns and isinstance(child.tag, str) and child.tag.startswith("{" + ns + "}"):
                code = tags.get(child.tag[len(ns) + 2 :])
            if code is None:
                continue
        if code == _DESC:
            if desc is None:
                desc = _raw_content(child)
        elif code == _CONTENT:
            if content is None:
                content = _raw_content(child)
        elif code == _TITLE:
            if title is None:
                title = _el_text(child)
        elif code == _LINK:
            if link is None:
                link = _el_text(child).strip() or None
                link_el = child
        elif code == _GUID:
            if guid is None:
                guid = _el_text(child).strip() or None
                guid_el = child
        elif code == _PUB:
            if pub is None:
                pub = _el_text(child)
        elif code == _PUB2:
            if pub2 is None:
                pub2 = _el_text(child)
        elif code == _UPD:
            if upd is None:
                upd = _el_text(child)
        elif code == _AUTHOR:
            if len(child) and child.find(f"{{{NS_ATOM}}}name") is not None:
                authors.append(_author_name(_el_text(child.find(f"{{{NS_ATOM}}}name"))))
            else:
                authors.append(_author_name(_el_text(child)))
        elif code == _CAT:
            cats.append(_short_plain(_el_text(child)))
        elif code == _ALINK:
            if alink is None and child.get("rel", "alternate") == "alternate" and child.get("href"):
                alink = child
        elif code == _DCTITLE:
            if dctitle is None:
                dctitle = _el_text(child)

    if link is not None:
        link = ctx.resolve(link, link_el)
    elif alink is not None:
        link = ctx.resolve(alink.get("href"), alink)
    elif guid and guid_el is not None and guid_el.get("isPermaLink", "true").strip().lower() != "false":
        if guid.startswith(("http://", "https://")):
            link = guid
    if guid is None:
        about = item.get(RDF_ABOUT)
        if about:
            guid = about.strip() or None

    # The fullest body; content:encoded wins ties.
    body = content or ""
    if desc and len(desc) > len(body):
        body = desc

    published = ctx.date(pub, pub2) if (pub or pub2) else None
    updated = ctx.date(upd) if upd else None
    if published is None:
        published = updated
    return FeedItem(
        title=_plain(title if title is not None else dctitle),
        link=link,
        guid=guid,
        published=published,
        updated=updated,
        authors=_uniq(authors),
        categories=_uniq(cats),
        content_html=body,
    )


# ---- Atom


def _atom_links(el, a: str):
    """The preferred alternate link element of an Atom feed/entry, or None."""
    return _pick_atom_link(el.iterchildren(a + "link"))


_NOT_ALTERNATE = frozenset(("self", "edit", "enclosure", "replies", "hub", "license", "edit-media"))


def _pick_atom_link(links):
    """rel=alternate (an HTML one first), else the first link that is not self/edit/...."""
    best = None
    first = None
    for ln in links:
        href = ln.get("href")
        if not href or href.isspace():
            continue
        rel = ln.get("rel")
        rel = "alternate" if rel is None else rel.strip()
        if rel == "alternate":
            typ = ln.get("type")
            if typ is None or "html" in typ.lower():
                return ln
            if best is None:
                best = ln
        elif first is None and rel not in _NOT_ALTERNATE:
            first = ln
    return best if best is not None else first


def _atom_text(el) -> str:
    """An Atom text construct (title) as plain text."""
    typ = (el.get("type") or "text").lower()
    if typ in ("xhtml", "application/xhtml+xml"):
        return _plain(etree.tostring(el, method="text", encoding=str, with_tail=False))
    return _plain(_el_text(el))


def _atom_content(el) -> str:
    """An Atom content/summary as HTML."""
    if el.get("src"):
        return ""
    typ = (el.get("type") or "").strip().lower()
    mode = (el.get("mode") or "").strip().lower()  # Atom 0.3
    if mode == "base64":
        try:
            text = base64.b64decode(el.text or "").decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return ""
        return text if "html" in typ else _text_to_html(text)
    if typ in ("xhtml", "application/xhtml+xml") or (mode == "xml" and len(el)):
        div = None
        for c in el:
            if isinstance(c.tag, str) and _local(c.tag) == "div":
                div = c
                break
        only_div = div is not None and len(el) == 1 and not (el.text or "").strip()
        return _inner_xml(div if only_div else el)
    if typ in ("html", "text/html") or mode == "escaped":
        return _raw_content(el)
    if len(el):  # markup inside without a type: take it as it is
        return _inner_xml(el)
    text = el.text or ""
    if not typ and _LOOKS_HTML.search(text):  # untyped, but plainly HTML
        return text
    return _text_to_html(text)


def _atom_person(el, a: str) -> str:
    name = el.findtext(a + "name")
    if name and not name.isspace():
        return _short_plain(name)
    email = el.findtext(a + "email")
    if email and not email.isspace():
        return _short_plain(email)
    return _author_name(_el_text(el)) if not len(el) else ""


def _atom_feed(root, ns: str, ctx: _Ctx):
    a = f"{{{ns}}}" if ns else ""
    t = root.find(a + "title")
    title = _atom_text(t) if t is not None else ""
    ln = _atom_links(root, a)
    link = ctx.resolve(ln.get("href"), ln) if ln is not None else None
    if link:
        ctx.base = link
    authors = tuple(_uniq([_atom_person(p, a) for p in root.iterchildren(a + "author")]))
    return title, link, root.findall(a + "entry"), authors


@lru_cache(maxsize=8)
def _atom_tags(a: str) -> dict[str, str]:
    """Tag -> field name for the children of an Atom entry in namespace ``a`` ("{ns}")."""
    tags = {a + n: n for n in (
        "title", "id", "content", "summary", "published", "issued", "created", "updated",
        "modified", "author", "category", "link",
    )}  # fmt: skip
    for n, field in (("date", "dc_date"), ("creator", "creator"), ("subject", "subject")):
        tags[f"{{{NS_DC}}}{n}"] = field
        tags[f"dc:{n}"] = field
    return tags


def _atom_entry(entry, ns: str, ctx: _Ctx, feed_authors: tuple[str, ...]) -> FeedItem:
    a = f"{{{ns}}}" if ns else ""
    tags = _atom_tags(a)
    title = ""
    guid = content = summary_el = None
    dates: dict[str, str] = {}
    authors: list[str] = []
    cats: list[str] = []
    links = []
    for child in entry:
        field = tags.get(child.tag)  # type: ignore[arg-type]
        if field is None:
            continue
        if field == "link":
            links.append(child)
        elif field == "title":
            title = _atom_text(child)
        elif field == "id":
            guid = guid or (_el_text(child).strip() or None)
        elif field == "content":
            if content is None:
                content = _atom_content(child)
        elif field == "summary":
            if summary_el is None:
                summary_el = child
        elif field == "author":
            authors.append(_atom_person(child, a))
        elif field == "category":
            cats.append(_short_plain(child.get("label") or child.get("term") or _el_text(child)))
        elif field == "creator":
            authors.append(_author_name(_el_text(child)))
        elif field == "subject":
            cats.append(_short_plain(_el_text(child)))
        elif field not in dates:  # the date fields
            dates[field] = _el_text(child)
    ln = _pick_atom_link(links)
    link = ctx.resolve(ln.get("href"), ln) if ln is not None else None
    if link is None and guid and guid.startswith(("http://", "https://")):
        link = guid
    body = content or ""
    if summary_el is not None:
        # Escaping at most quintuples plain text: skip converting a summary that cannot win.
        raw = len(summary_el.text or "") if not len(summary_el) else len(body) + 1
        if raw * 5 + 64 > len(body):
            summary = _atom_content(summary_el)
            if len(summary) > len(body):
                body = summary
    pub_d = upd_d = None
    if dates:
        g = dates.get
        if "published" in dates or "issued" in dates or "dc_date" in dates or "created" in dates:
            pub_d = ctx.date(g("published"), g("issued"), g("dc_date"), g("created"))
        if "updated" in dates or "modified" in dates:
            upd_d = ctx.date(g("updated"), g("modified"))
    authors = [x for x in authors if x]
    return FeedItem(
        title=title,
        link=link,
        guid=guid,
        published=pub_d if pub_d is not None else upd_d,
        updated=upd_d,
        authors=_uniq(authors) or feed_authors,
        categories=_uniq(cats),
        content_html=body,
    )


# --------------------------------------------------------------------------- JSON Feed


def _parse_json(s: str, url: str | None, tz: tzinfo, warnings: list[str]) -> ParsedFeed:
    try:
        doc = json.loads(s)
    except json.JSONDecodeError as e:
        raise FeedError(f"JSON error at line {e.lineno}: {e.msg}") from None
    except (ValueError, RecursionError) as e:
        raise FeedError(f"JSON error: {e}") from None
    if not isinstance(doc, dict):
        raise FeedError("JSON, but not a JSON Feed (top level is not an object)")
    version = doc.get("version")
    items_raw = doc.get("items")
    if not (isinstance(version, str) and "jsonfeed.org/version/" in version):
        if not isinstance(items_raw, list):
            raise FeedError("JSON, but not a JSON Feed (no jsonfeed.org version, no items)")
        warnings.append("JSON Feed without a jsonfeed.org version")
    if items_raw is None:
        items_raw = []
    if not isinstance(items_raw, list):
        raise FeedError("JSON Feed: 'items' is not a list")
    ctx = _Ctx(url, tz, warnings)
    home = _jstr(doc.get("home_page_url"))
    link = ctx.resolve(home, None) if home else None
    if link:
        ctx.base = link
    feed_authors = _json_authors(doc)
    items = []
    skipped = 0
    for it in items_raw:
        if not isinstance(it, dict):
            skipped += 1
            continue
        items.append(_json_item(it, ctx, feed_authors))
    if skipped:
        warnings.append(f"{skipped} JSON Feed item(s) that are not objects skipped")
    if ctx.bad_dates:
        warnings.append(f"{ctx.bad_dates} item date(s) not understood, e.g. {ctx.bad_date_example!r}")
    if not items:
        warnings.append("no items")
    return ParsedFeed(
        kind="json",
        title=_plain(_jstr(doc.get("title"))),
        link=link,
        items=tuple(items),
        warnings=tuple(warnings),
    )


def _jstr(v: object) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return ""


def _json_authors(obj: dict) -> tuple[str, ...]:
    out: list[str] = []
    authors = obj.get("authors")
    if isinstance(authors, list):
        for a in authors:
            if isinstance(a, dict):
                out.append(_plain(_jstr(a.get("name"))))
            elif isinstance(a, str):
                out.append(_author_name(a))
    a = obj.get("author")  # JSON Feed 1.0
    if not out and isinstance(a, dict):
        out.append(_plain(_jstr(a.get("name"))))
    elif not out and isinstance(a, str):
        out.append(_author_name(a))
    return _uniq(out)


def _json_item(it: dict, ctx: _Ctx, feed_authors: tuple[str, ...]) -> FeedItem:
    guid = _jstr(it.get("id")).strip() or None
    link = _jstr(it.get("url")).strip() or _jstr(it.get("external_url")).strip() or None
    link = ctx.resolve(link, None) if link else None
    bodies = [_jstr(it.get("content_html"))]
    ct = _jstr(it.get("content_text"))
    if ct:
        bodies.append(_text_to_html(ct))
    sm = _jstr(it.get("summary"))
    if sm:
        bodies.append(_text_to_html(sm))
    body = max(bodies, key=len)  # first of equal lengths: content_html wins ties
    pub = _jstr(it.get("date_published"))
    mod = _jstr(it.get("date_modified"))
    published = ctx.date(pub) if pub else None
    updated = ctx.date(mod) if mod else None
    tags = it.get("tags")
    cats = [_plain(t) for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    return FeedItem(
        title=_plain(_jstr(it.get("title"))),
        link=link,
        guid=guid,
        published=published if published is not None else updated,
        updated=updated,
        authors=_json_authors(it) or feed_authors,
        categories=_uniq(cats),
        content_html=body,
    )
