"""Turn fetched bytes into text, the way a careful browser would.

Order of evidence (first that works wins):

1. a byte-order mark;
2. bytes that are valid UTF-8 stay UTF-8, whatever any label says (wrong labels are far
   more common than non-UTF-8 bodies that happen to be valid UTF-8);
3. the HTTP ``charset`` parameter;
4. the XML declaration's ``encoding=``;
5. a ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` anywhere in ``<head>``
   (Chinese sites often put it after 1024 bytes of scripts, see miniflux/v2#3155);
6. statistical detection (charset_normalizer). It costs many times a plain decode
   (docs/PERFORMANCE.md, "Decoding"), so it only runs when nothing was declared or every
   declaration was badly wrong. On short pages it often guesses a single-byte codepage
   (cp1252, mac-latin2, cp1250, hp-roman8...) for GBK or Big5 text; when the bytes look
   like a CJK language (high bytes in pairs, or ``<html lang="zh">``), GB18030 and Big5
   are tried first (``_cjk_decode``), and the guess is kept only when neither fits.

Labels are mapped the way the WHATWG Encoding Standard does for the cases that matter
here: gb2312/gbk -> gb18030 and big5 -> big5hkscs (supersets: a page labelled gb2312
routinely contains GBK-only characters), latin-1/ascii -> cp1252.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

import charset_normalizer

__all__ = ["charset_from_content_type", "decode", "normalize_label"]

# Labels whose real-world content is a superset codec. Keys are lower-cased labels.
_SUPERSETS: dict[str, str] = {
    **dict.fromkeys(
        (
            "gb2312",
            "gbk",
            "x-gbk",
            "cp936",
            "ms936",
            "windows-936",
            "gb_2312",
            "gb_2312-80",
            "csgb2312",
            "chinese",
            "iso-ir-58",
            "euc-cn",
            "csiso58gb231280",
            "gb18030",
        ),
        "gb18030",
    ),
    **dict.fromkeys(
        (
            "big5",
            "big5-hkscs",
            "big5hkscs",
            "cp950",
            "ms950",
            "x-x-big5",
            "csbig5",
            "cn-big5",
            "x-big5",
        ),
        "big5hkscs",
    ),
    # Browsers decode these as windows-1252; servers mean it (smart quotes at 0x93/0x94).
    **dict.fromkeys(
        (
            "iso-8859-1",
            "iso8859-1",
            "latin1",
            "latin-1",
            "l1",
            "ascii",
            "us-ascii",
            "ansi_x3.4-1968",
            "windows-1252",
            "cp1252",
        ),
        "cp1252",
    ),
}
# A label inside the document cannot honestly say UTF-16/32: we just read it as ASCII.
_NOT_IN_DOCUMENT = ("utf-16", "utf-32")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# UTF-32 and UTF-16 without a BOM, told by where the NULs of the first character ("<" or
# whitespace, XML 1.0 Appendix F) and the next fall.
_UNMARKED = re.compile(
    rb"(?P<u32le>[<\s]\x00\x00\x00)|(?P<u32be>\x00\x00\x00[<\s])"
    rb"|(?P<u16le>[<\s]\x00[^\x00]\x00)|(?P<u16be>\x00[<\s]\x00[^\x00])"
)
_UNMARKED_CODECS = {"u32le": "utf-32-le", "u32be": "utf-32-be", "u16le": "utf-16-le",
                    "u16be": "utf-16-be"}  # fmt: skip

_HEAD_SCAN_CAP = 64 * 1024
_XML_DECL = re.compile(rb"""^\s*<\?xml\s[^>]*?encoding\s*=\s*["']\s*([-\w.:]+)""", re.I)
_HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.I)
# Matches both <meta charset="x"> and <meta http-equiv=... content="...; charset=x">,
# whatever the attribute order.
_META_CHARSET = re.compile(rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)

# A declared codec that fails strictly on at most this share of characters is taken as
# right: real pages carry the odd truncated multi-byte sequence, and re-detecting them
# risks turning a whole GBK page into cp1251 mojibake to save one character.
_TOLERATED_ERROR_RATIO = 0.005


def charset_from_content_type(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, lower-cased, or None."""
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            value = value.strip().strip("\"'").strip().lower()
            return value or None
    return None


def normalize_label(label: str | None) -> str | None:
    """Python codec name for an encoding label, or None when the label is unknown.

    Only text encodings count: ``codecs.lookup`` also knows "base64" and "rot13".
    """
    if not label:
        return None
    label = label.strip().lower()
    if label in _SUPERSETS:
        return _SUPERSETS[label]
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return _SUPERSETS.get(info.name, info.name)


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode ``body``; return ``(text, codec name)``. Never raises on bad bytes."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), codec
    if body[1:2] == b"\x00" or body[:1] == b"\x00":
        unmarked = unmarked_unicode(body)
        if unmarked is not None:
            return body.decode(unmarked, "replace"), unmarked
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _declared_codecs(body, content_type)
    for codec in declared:
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            continue
    for codec in declared:  # all failed strictly: is one of them nearly right?
        text = body.decode(codec, "replace")
        if text.count("\ufffd") <= _TOLERATED_ERROR_RATIO * max(len(text), 1):
            return text, codec
    return _detect(body, fallback=declared[0] if declared else "utf-8")


def unmarked_unicode(body: bytes) -> str | None:
    """The UTF-16/32 codec of a document that starts with "<" or whitespace in it but has
    no byte-order mark (an XML declaration written in UTF-16LE), or None."""
    m = _UNMARKED.match(body, 0, 4)
    return _UNMARKED_CODECS[m.lastgroup] if m is not None and m.lastgroup else None


def _declared_codecs(body: bytes, content_type: str | None) -> list[str]:
    """Known codecs declared by the header, the XML declaration and <meta>, in order."""
    labels: list[str | None] = [charset_from_content_type(content_type)]
    in_document = [_xml_declared(body), _meta_declared(body)]
    labels += [x for x in in_document if x and not x.lower().startswith(_NOT_IN_DOCUMENT)]
    codecs_: list[str] = []
    for label in labels:
        codec = normalize_label(label)
        if codec and codec not in codecs_:
            codecs_.append(codec)
    return codecs_


def _xml_declared(body: bytes) -> str | None:
    match = _XML_DECL.match(body, 0, 512)
    return match.group(1).decode("ascii") if match else None


def _meta_declared(body: bytes) -> str | None:
    head = body[:_HEAD_SCAN_CAP]
    end = _HEAD_END.search(head)
    if end:
        head = head[: end.start()]
    match = _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _detect(body: bytes, fallback: str) -> tuple[str, str]:
    """Statistical detection, the slow last resort; replaces what still fails."""
    best = charset_normalizer.from_bytes(body).best()
    codec = normalize_label(best.encoding) if best is not None else None
    # a Chinese guess is checked too: short GBK text passes for Big5 ("新闻" as "陔恓")
    if codec is None or codec in _CHINESE or _single_byte(codec) or _lang(body) == "zh":
        cjk = _cjk_decode(body)
        if cjk is not None:
            return cjk
    if codec is not None and codec != "cp1252" and _single_byte(codec) and _latin(body, codec):
        # Undeclared Western text: what browsers read it as, windows-1252, rather than the
        # statistical guess of a sibling codepage (cp1257, cp1250, mac-roman) that turns
        # "naïve" into "naļve".
        try:
            return body.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass  # one of its five undefined bytes: the guess fits better
    if codec:
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            pass  # big5 -> big5hkscs mapping can, in theory, change validity
    codec = codec or fallback
    return body.decode(codec, "replace"), codec


_CHINESE = ("gb18030", "big5hkscs")


def _latin(body: bytes, codec: str) -> bool:
    """Whether the letters ``codec`` makes of the high bytes are mostly Latin ones (a
    Western guess), not Cyrillic, Greek, Hebrew, Arabic or Thai."""
    high = b"".join(_HIGH.findall(body))
    letters = [c for c in high.decode(codec, "replace") if c.isalpha()]
    latin = sum(1 for c in letters if unicodedata.name(c, "").startswith("LATIN"))
    return latin * 2 >= len(letters)


@lru_cache(maxsize=64)
def _single_byte(codec: str) -> bool:
    """One character per byte (cp1252, latin-1, KOI8, mac-*, ISO-8859-*...)."""
    if codec.startswith(("utf", "ascii")):
        return False
    return len(bytes(range(256)).decode(codec, "replace")) == 256


_HTML_LANG = re.compile(rb"""<html\b[^>]*?\blang\s*=\s*["']?\s*([a-zA-Z]{2})""", re.I)
_HIGH = re.compile(rb"[\x80-\xff]")
_PAIR = re.compile(rb"[\x81-\xfe][\x40-\xfe]")


def _lang(body: bytes) -> str | None:
    match = _HTML_LANG.search(body, 0, _HEAD_SCAN_CAP)
    return match.group(1).decode("ascii").lower() if match else None


def _looks_cjk(body: bytes) -> bool:
    """High bytes that start or end a double-byte pair, or a CJK page language.

    Western text in a single-byte codepage has accented letters and curly quotes next to
    spaces and punctuation; where one happens to pair with a letter, the commonness test
    of ``_cjk_decode`` turns it down.
    """
    if _lang(body) in ("zh", "ja", "ko"):
        return True
    high = len(_HIGH.findall(body))
    paired = sum(1 + (m.group(0)[1] >= 0x80) for m in _PAIR.finditer(body))
    return high >= 2 and paired >= 0.8 * high


# Per codec, the code ranges of its everyday characters (lead byte, trail bytes): GB2312
# level 1 (the 3,755 commonest hanzi) and its punctuation (not its kana, Greek, Cyrillic);
# Big5's 5,401 common characters and punctuation. GBK bytes read as Big5, or Big5 read
# as GBK, land mostly outside them.
_COMMON: dict[str, re.Pattern[bytes]] = {
    "gb18030": re.compile(rb"[\xa1-\xa3\xb0-\xd7][\xa1-\xfe]"),
    "big5hkscs": re.compile(rb"[\xa1-\xc6][\x40-\x7e\xa1-\xfe]"),
}
_BY_LANG = {"ja": ("shift_jis", "euc_jp"), "ko": ("cp949",)}


def _cjk_decode(body: bytes) -> tuple[str, str] | None:
    """GB18030 or Big5 (Shift_JIS/EUC-JP, or CP949, on a page that says ja or ko), the one
    that decodes strictly with the fewest rare characters; None when the bytes do not
    look CJK or no such codec fits."""
    if not _looks_cjk(body):
        return None
    lang = _lang(body)
    pairs = len(_PAIR.findall(body)) or 1
    best: tuple[float, str, str] | None = None
    for codec in _BY_LANG.get(lang or "", _CHINESE):
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        common = _COMMON.get(codec)
        rare = 1 - len(common.findall(body)) / pairs if common is not None else 0.0
        if best is None or rare < best[0]:
            best = (rare, text, codec)
    if best is None or best[0] > 0.5:  # mostly rare characters: not this language after all
        return None
    return best[1], best[2]
