"""The XML parser, run safely (no entities resolved, no network: XXE and billion-laughs
safe) and again after repairing the defects that make libxml2 drop text."""

from __future__ import annotations

import html
import html.entities
import re

from lxml import etree

from ..errors import FeedError
from ._names import qname

_PARSER_OPTS = dict(
    recover=True, resolve_entities=False, no_network=True, huge_tree=True,
    load_dtd=False, dtd_validation=False, remove_blank_text=False,
)  # fmt: skip


_UNDEFINED_ENTITY = re.compile(r"Entity '([A-Za-z][A-Za-z0-9]*)' not defined")


_CDATA_SPLIT = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.S)


_BAD_CHARS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# An "&" that starts no entity or character reference ("Fish & Chips", "?a=1&b=2").
_LONE_AMP = re.compile(rb"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)")


# libxml2's messages for such an "&": after one, its recovery drops the "&" of every
# correct reference that follows ("AT&amp;T" read as "ATT").
_AMP_ERRORS = ("xmlParseEntityRef: no name", "EntityRef: expecting ';'")


def _to_bytes(data: str | bytes, warnings: list[str]) -> bytes:
    if isinstance(data, bytes):
        return data
    try:
        return data.encode("utf-8")
    except UnicodeEncodeError:
        warnings.append("lone surrogates in the text replaced")
        return data.encode("utf-8", "replace")


def run_parser(data: str | bytes, url: str | None, warnings: list[str]):
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
            return run_parser(_to_bytes(data, warnings), url, warnings)
        raise FeedError(
            f"XML error: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        ) from None
    return root, parser.error_log


def parse_xml(data: str | bytes, url: str | None, warnings: list[str]):
    root, log = run_parser(data, url, warnings)
    errors = [e for e in log if e.level >= etree.ErrorLevels.ERROR]
    fix_entities = {m.group(1) for e in errors if (m := _UNDEFINED_ENTITY.search(e.message))}
    fix_chars = any("invalid Char value" in e.message or "Char 0x" in e.message for e in errors)
    fix_amps = any(e.message.startswith(_AMP_ERRORS) for e in errors)
    fix_encoding = isinstance(data, str) and any(
        "Invalid bytes in character" in e.message for e in errors
    )
    if any("Excessive depth" in e.message for e in errors):
        # libxml2 stops at 2,048 levels even with huge_tree: one entry nested that deep
        # (xhtml content) would cost every entry after it. Flattened, parsed again.
        flat, dropped = flatten_deep_xml(_to_bytes(data, warnings))
        root2, log2 = run_parser(flat, url, warnings)
        if root2 is not None:
            warnings.append(
                f"{dropped} elements nested deeper than {XML_MAX_DEPTH} levels flattened"
            )
            root, data, log = root2, flat, log2
            errors = [e for e in log if e.level >= etree.ErrorLevels.ERROR]
    if fix_entities or fix_chars or fix_encoding or fix_amps:
        # Three defects that make libxml2 drop text, which we can repair and parse again:
        # HTML named entities (&nbsp;) and lone "&" outside CDATA, and control characters.
        data = _to_bytes(data, warnings)
        fixed = _repair(data, fix_entities, fix_chars, fix_amps, warnings)
        if fixed is not data or fix_encoding:
            root2, log2 = run_parser(fixed, url, warnings)
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
    head = data[:65536]
    if (b"<!ENTITY" in head) if isinstance(head, bytes) else ("<!ENTITY" in head):
        warnings.append("DTD entity declarations ignored")
    return root, data


def _repair(
    data: bytes, names: set[str], fix_chars: bool, fix_amps: bool, warnings: list[str]
) -> bytes:
    """``data`` with the defects found by a first parse repaired (the same object when
    nothing changed)."""
    fixed = data
    if fix_amps:
        fixed, count = _outside_cdata(fixed, lambda part: _LONE_AMP.subn(b"&amp;", part))
        if count:
            warnings.append(f'{count} lone "&" (starting no entity) read as "&amp;"')
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
    return fixed


XML_MAX_DEPTH = 1024  # below libxml2's 2,048; a feed's own structure is a few levels

# What can stand between text in XML: CDATA, comments, processing instructions and
# declarations (none of which opens an element), end tags, and start tags (self-closing
# or not). Attribute values may hold ">", so they are matched as quoted strings.
_XML_MARKUP = re.compile(
    rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<\?.*?\?>|<![^>]*>"
    rb"|</[^\s>]+\s*>"
    rb"|<[^\s/>!?][^\s/>]*(?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*\s*(/?)>",
    re.S,
)


def flatten_deep_xml(data: bytes, limit: int = XML_MAX_DEPTH) -> tuple[bytes, int]:
    """``data`` with every element deeper than ``limit`` unwrapped (start and end tags
    dropped, text and shallower elements kept); how many were dropped. One pass with a
    depth counter: used only on a document the parser refused for its depth."""
    out: list[bytes] = []
    depth = dropped = last = 0
    for m in _XML_MARKUP.finditer(data):
        tag = m.group(0)
        if tag.startswith((b"<!", b"<?")) or m.group(1):
            continue  # opens nothing: kept where it is
        closing = tag.startswith(b"</")
        deep = (depth if closing else depth + 1) > limit
        depth += -1 if closing else 1
        if deep:
            out.append(data[last : m.start()])
            last = m.end()
            dropped += not closing
    out.append(data[last:])
    return b"".join(out), dropped


def _fix_entities(data: bytes, names: set[str]) -> tuple[bytes, int]:
    table: dict[bytes, bytes] = {}
    for name in names:
        chars = html.entities.html5.get(name + ";")
        if chars:
            table[name.encode()] = "".join(f"&#{ord(c)};" for c in chars).encode()
    if not table:
        return data, 0
    pattern = re.compile(rb"&(" + b"|".join(re.escape(k) for k in table) + rb");")
    return _outside_cdata(data, lambda part: pattern.subn(lambda m: table[m.group(1)], part))


def _outside_cdata(data: bytes, sub) -> tuple[bytes, int]:
    """``sub`` (bytes -> (bytes, count)) applied to the text outside CDATA sections."""
    parts = _CDATA_SPLIT.split(data)
    count = 0
    for i in range(0, len(parts), 2):  # even indexes: outside CDATA sections
        parts[i], n = sub(parts[i])
        count += n
    return b"".join(parts), count


def is_truncated(data: str | bytes, root) -> bool:
    """True when the document does not end with the root's end tag (a cut-off download)."""
    tail = data[-4096:]
    if isinstance(tail, bytes):
        tail = tail.decode("utf-8", "replace")
    if tail.rstrip().endswith("/>") and len(root) == 0:
        return False
    return re.search(r"</\s*" + re.escape(qname(root)) + r"\s*>", tail) is None
