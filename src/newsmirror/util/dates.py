"""Tolerant date parsing for feeds and pages.

``parse_date(text, default_tz)`` understands, in this order (regexes first, so the hot
path never touches ``dateutil``):

* unix timestamps: 9-10 digits (seconds) or 13 digits (milliseconds), either with an
  optional fraction; numbers (from JSON) are read the same way;
* ISO 8601 / RFC 3339 and the common CJK numeric forms: ``2022-10-31T06:46:00Z``,
  ``.000Z``, ``+0800``, ``+08:00``, ``+08``, a space or a lowercase ``t`` instead of ``T``,
  a date alone, ``2022/10/31 14:46:00``, ``2022.10.31``, ``2022年10月31日 14:46``,
  ``2022年10月31日14时46分``, basic form ``20221031T064600Z``;
* RFC 822 / 1123 / 2822 and their usual defects: no weekday, a wrong weekday (ignored),
  2-digit years (``< 50`` is 20xx, as RFC 2822 says), full or dotted month names, no
  seconds, extra spaces, ``GMT+8``-style zones, a comment after the zone;
* anything else with a 4-digit year goes to ``dateutil.parser`` if it is installed.

A string with no zone is read in ``default_tz``. Zone names follow RFC 822, so ``CST`` is
US Central (-06:00), not China Standard Time. Unknown or impossible input gives ``None``;
the function never raises.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta, timezone, tzinfo

__all__ = ["canonical_iso", "from_iso", "iso", "parse_date", "to_utc", "utc_minute", "utc_now"]

UTC = UTC

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
    "august": 8, "sept": 9, "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip

# Month names of the languages whose feeds write RFC 822 dates in their own words ("Seg,
# 24 Set 2018", "Mo, 03 Feb 2020", "4 févr. 2020", "24 de setembro de 2018"). A table, not
# dateparser: its import and first date cost 2.5 s, each date 3-57 ms, against a few
# microseconds here.
_MONTH_NAMES = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "jänner feber märz april mai juni juli august september oktober november dezember",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "januari februari maart april mei juni juli augustus september oktober november december",
    "januari februari mars april maj juni juli augusti september oktober november december",
    "januar februar marts april maj juni juli august september oktober november december",
    "januar februar mars april mai juni juli august september oktober november desember",
    "januari februari maret april mei juni juli agustus september oktober november desember",
    "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
)


def _foreign_months() -> dict[str, int]:
    """Every name above and each prefix of 3+ letters that names one month only, also
    without accents ("fev", "dez", "mär", "mrz"); English keys are left as they are."""
    import unicodedata

    found: dict[str, set[int]] = {}
    for line in _MONTH_NAMES:
        for month, name in enumerate(line.split(), 1):
            bare = "".join(
                c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c)
            )
            for word in {name, bare}:
                for n in range(3, len(word) + 1):
                    found.setdefault(word[:n], set()).add(month)
    table = {k: next(iter(v)) for k, v in found.items() if len(v) == 1}
    table.update({"mrz": 3, "mrt": 3, "mae": 3, "maer": 3, "maerz": 3, "sett": 9})
    return {k: v for k, v in table.items() if k not in _MONTHS}


_MONTHS.update(_foreign_months())

# Offsets in minutes. The US names are those of RFC 822; a few others are common in feeds
# and unambiguous enough. "Z" and "UT" are the RFC names for UTC.
_ZONES = {
    "z": 0, "ut": 0, "utc": 0, "gmt": 0, "wet": 0,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300,
    "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
    "akst": -540, "akdt": -480, "hst": -600,
    "bst": 60, "cet": 60, "cest": 120, "met": 60, "mest": 120, "eet": 120, "eest": 180,
    "msk": 180, "sgt": 480, "hkt": 480, "awst": 480, "jst": 540, "kst": 540,
    "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
}  # fmt: skip

_FIXED: dict[int, timezone] = {0: UTC}


def _fixed(minutes: int) -> tzinfo:
    tz = _FIXED.get(minutes)
    if tz is None:
        # Offsets beyond real-world ones (-12..+14 h) are junk; read them as UTC.
        tz = UTC if abs(minutes) > 14 * 60 else timezone(timedelta(minutes=minutes))
        _FIXED[minutes] = tz
    return tz


# A zone as it may follow a date: a name, a numeric offset, or a name plus an offset
# ("GMT+8", "UTC+08:00"), optionally in parentheses, optionally followed by a comment.
_ZONE_RE = re.compile(
    r"""\s*\(?\s*
    (?:(?P<name>[A-Za-z]{1,5})(?![A-Za-z]))?
    \s*(?:(?P<sign>[+\-\u2212])\s*(?P<hh>\d{1,2})(?::?(?P<mm>\d{2}))?(?!\d))?
    \s*\)?\s*(?:\([^)]*\)\s*)?$""",
    re.X,
)


def _zone(rest: str, default_tz: tzinfo) -> tzinfo | None:
    """The tzinfo named by ``rest`` (what follows the time); None when unrecognized."""
    if not rest or rest.isspace():
        return default_tz
    m = _ZONE_RE.match(rest)
    if m is None:
        return None
    name, sign = m.group("name"), m.group("sign")
    if name is None and sign is None:
        return default_tz  # only a comment such as "(Beijing time)"
    minutes = 0
    if name is not None:
        off = _ZONES.get(name.lower())
        if off is None:
            return None
        minutes = off
    if sign is not None:
        hh = int(m.group("hh"))
        mm = int(m.group("mm") or 0)
        if mm >= 60:
            return None
        delta = hh * 60 + mm
        minutes += -delta if sign != "+" else delta
    return _fixed(minutes)


# ISO 8601 and the CJK numeric forms: Y-M-D with -, /, . or 年月日 separators.
_YMD_RE = re.compile(
    r"""\s*(?P<y>\d{4})\s*(?P<s>[-/.年])\s*(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)(?:\s*日)?
    (?:\s*(?:星期|周|週)[一二三四五六日天])?
    (?:(?:\s*[Tt]|\s+|(?<=日))\s*(?P<ampm>上午|下午|早上|晚上|中午)?\s*
       (?P<H>\d{1,2})\s*[:：时時点點]\s*(?P<M>\d{1,2})
       (?:\s*[:：分]\s*(?:(?P<S>\d{1,2})(?:[.,](?P<f>\d+))?\s*秒?)?)?
    )?""",
    re.X,
)
_BASIC_RE = re.compile(
    r"\s*(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})"
    r"(?:[Tt](?P<H>\d{2})(?P<M>\d{2})(?:(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?"
)
# RFC 822 and friends: [weekday,] D Mon Y [H:M[:S]] [zone]
_RFC_RE = re.compile(
    r"""\s*(?:[^\W\d_]{2,12}\.?\s*,?\s*)?
    (?P<d>\d{1,2})(?:st|nd|rd|th|er|º|\.)?[\s\-/]*(?:de\s+)?(?P<mon>[^\W\d_]{3,12})\.?
    [\s\-/,]*(?:de\s+)?(?P<y>\d{4}|\d{2})(?!\d)
    (?:\s*,?\s*(?:[Tt]|\s|(?<=\d))\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?
       \s*(?P<ampm>[AaPp]\.?[Mm]\.?(?![A-Za-z]))?)?""",
    re.X,
)
_TIMESTAMP_RE = re.compile(r"\s*(?:(\d{9,10})(?:\.(\d+))?|(\d{13}(?:\.\d+)?))\s*$")


def _build(
    y: int, mo: int, d: int, hh: int, mi: int, ss: int, frac: str | None, tz: tzinfo
) -> datetime | None:
    try:
        extra = timedelta(0)
        if hh == 24 and mi == 0 and ss == 0:
            hh, extra = 0, timedelta(days=1)
        if ss == 60:  # leap second
            ss = 59
        us = int((frac + "000000")[:6]) if frac else 0
        dt = datetime(y, mo, d, hh, mi, ss, us)
        if extra:
            dt += extra
        return dt.replace(tzinfo=tz)
    except (ValueError, OverflowError):
        return None


def _ampm(hh: int, marker: str | None) -> int:
    if not marker:
        return hh
    m = marker[0].lower()
    if m in ("p", "下", "晚"):
        return hh + 12 if hh < 12 else hh
    if m == "中":
        return hh + 12 if hh < 11 else hh
    return 0 if hh == 12 else hh


def parse_date(text: object, default_tz: tzinfo | None = UTC) -> datetime | None:
    """An aware datetime for ``text``, or None. Strings without a zone use ``default_tz``.

    ``text`` is normally a string; an int or float (a timestamp in JSON) is read as its
    decimal form, anything else gives None.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = str(text)
    if not text or not isinstance(text, str):
        return None
    text = text.strip()
    if default_tz is None:
        default_tz = UTC
    try:
        return _parse(text, default_tz)
    except Exception:  # noqa: BLE001 - a date parser must never take a feed down
        return None


_RFC_FAST = re.compile(
    r"(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) "
    r"(\d{2}):(\d{2}):(\d{2}) (GMT|UTC|[+-]\d{4})$"
)


# One ladder of forms, the cheapest and most common first.
def _parse(text: str, tz0: tzinfo) -> datetime | None:  # noqa: C901
    c = text[:1]
    if c.isdigit() and len(text) >= 10 and text[4] == "-" and text.isascii():
        # RFC 3339 / ISO 8601 in its usual forms: the C parser, much faster than the
        # regexes below (docs/PERFORMANCE.md, "Feed parsing").
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            off = dt.utcoffset()
            if off is None:
                return dt.replace(tzinfo=tz0)
            if abs(off.total_seconds()) <= 14 * 3600:
                return dt
            return dt.replace(tzinfo=UTC)
    m = _RFC_FAST.match(text)
    if m is not None:  # the canonical RFC 822 form of nearly every RSS feed
        mon = _MONTHS.get(m.group(2).lower())
        if mon is not None:
            z = m.group(7)
            if z[0] in "+-":
                mins = int(z[1:3]) * 60 + int(z[3:])
                tz = _fixed(-mins if z[0] == "-" else mins) if int(z[3:]) < 60 else None
            else:
                tz = UTC
            if tz is not None:
                return _build(int(m.group(3)), mon, int(m.group(1)), int(m.group(4)),
                              int(m.group(5)), int(m.group(6)), None, tz)  # fmt: skip
    c = text.lstrip()[:1]
    if c.isdigit():
        m = _YMD_RE.match(text)
        if m is not None:
            sep = m.group("s")
            hh = m.group("H")
            rest = text[m.end() :]
            tz = _zone(rest, tz0)
            if tz is None:
                return _fallback(text, tz0)
            if hh is None:
                return _build(
                    int(m.group("y")), int(m.group("mo")), int(m.group("d")), 0, 0, 0, None, tz
                )
            h = _ampm(int(hh), m.group("ampm")) if sep == "年" else int(hh)
            return _build(
                int(m.group("y")), int(m.group("mo")), int(m.group("d")),
                h, int(m.group("M")), int(m.group("S") or 0), m.group("f"), tz,
            )  # fmt: skip
        m = _TIMESTAMP_RE.match(text)
        if m is not None:
            try:
                if m.group(3):
                    return datetime.fromtimestamp(float(m.group(3)) / 1000, UTC)
                return datetime.fromtimestamp(float(m.group(0)), UTC)
            except (ValueError, OverflowError, OSError):
                return None
        m = _BASIC_RE.match(text)
        if m is not None:
            tz = _zone(text[m.end() :], tz0)
            if tz is not None:
                return _build(
                    int(m.group("y")), int(m.group("mo")), int(m.group("d")),
                    int(m.group("H") or 0), int(m.group("M") or 0), int(m.group("S") or 0),
                    m.group("f"), tz,
                )  # fmt: skip
    m = _RFC_RE.match(text)
    if m is not None:
        mon = _MONTHS.get(m.group("mon").lower())
        if mon is not None:
            tz = _zone(text[m.end() :], tz0)
            if tz is not None:
                ys = m.group("y")
                y = int(ys)
                if len(ys) == 2:
                    y += 2000 if y < 50 else 1900
                hh = m.group("H")
                if hh is None:
                    return _build(y, mon, int(m.group("d")), 0, 0, 0, None, tz)
                return _build(
                    y, mon, int(m.group("d")),
                    _ampm(int(hh), m.group("ampm")), int(m.group("M")), int(m.group("S") or 0),
                    m.group("f"), tz,
                )  # fmt: skip
    return _fallback(text, tz0)


_YEAR_RE = re.compile(r"(?<!\d)\d{4}(?!\d)")
_TZINFOS = {k.upper(): v * 60 for k, v in _ZONES.items()}


def _fallback(text: str, tz0: tzinfo) -> datetime | None:
    """dateutil for the leftovers, only when the text carries a full year."""
    if len(text) > 100 or not _YEAR_RE.search(text):
        return None
    try:
        from dateutil import parser as du
    except ImportError:  # optional
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # UnknownTimezoneWarning: read as default_tz
            dt = du.parse(text, tzinfos=_TZINFOS)
    except Exception:  # noqa: BLE001 - dateutil raises many types on junk
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=tz0)
    return dt


def to_utc(dt: datetime) -> datetime:
    """``dt`` converted to UTC; a naive datetime is taken to be UTC already."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(instant: datetime) -> str:
    """The form times are stored in: ISO 8601, UTC, milliseconds."""
    return instant.astimezone(UTC).isoformat(timespec="milliseconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


_ISO_UTC_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def canonical_iso(text: str) -> str:
    """``iso(from_iso(text))``, without the round trip for text already in that form."""
    return text if _ISO_UTC_MILLIS.fullmatch(text) else iso(datetime.fromisoformat(text))


def utc_minute(when: datetime) -> str:
    """``2026-12-07 13:05 UTC``: a time as the command line and generated pages show it."""
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
