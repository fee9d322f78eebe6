"""Times as listing pages show them, read in the source's timezone.

Listing pages of Chinese news sites give an item's time in the shortest form that is
unambiguous to a reader on that day: ``14:46`` (today), ``10月31日`` or ``10-31`` (this
year), ``2小时前``, ``昨天 08:00``, ``前天``. :func:`listing_date` turns them into aware
datetimes against a clock the caller may pin (tests); full dates (``2024-10-31 14:46``,
``2024年10月31日``) go to :func:`newsmirror.util.dates.parse_date`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from ..util.dates import parse_date

__all__ = ["listing_date"]

_SPACE = re.compile(r"[\s\u3000]+")
_TIME = r"(?P<h>\d{1,2})[:：](?P<mi>\d{2})(?:[:：](?P<s>\d{2}))?"
_CLOCK = re.compile(rf"^{_TIME}$")
# "10月31日", "10月31日 14:46", "10-31", "10/31 14:46" (no year: this year's)
_MONTH_DAY = re.compile(
    rf"^(?P<m>\d{{1,2}})(?:月|[-/.])(?P<d>\d{{1,2}})(?:日|号|號)?(?:\s*{_TIME})?$"
)
# "2024年10月31日", "2024年10月31日 14:46", parse_date's fallback for its gaps
_FULL = re.compile(
    rf"^(?P<y>\d{{4}})年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})(?:日|号|號)?(?:\s*{_TIME})?$"
)
_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "前日": 2}
_NAMED_DAY = re.compile(rf"^(?P<day>{'|'.join(_DAYS)})(?:\s*{_TIME})?$")
_UNITS = {
    "秒": timedelta(seconds=1),
    "分钟": timedelta(minutes=1),
    "分鐘": timedelta(minutes=1),
    "分": timedelta(minutes=1),
    "小时": timedelta(hours=1),
    "小時": timedelta(hours=1),
    "个小时": timedelta(hours=1),
    "個小時": timedelta(hours=1),
    "天": timedelta(days=1),
    "日": timedelta(days=1),
    "周": timedelta(weeks=1),
    "週": timedelta(weeks=1),
    "星期": timedelta(weeks=1),
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
_AGO = re.compile(
    r"^(?P<n>\d+)\s*(?P<unit>"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")s?\s*(?:前|以前|ago)$",
    re.IGNORECASE,
)
_JUST_NOW = {"刚刚", "剛剛", "刚才", "剛才", "just now", "now"}


def _at(day: datetime, match: re.Match[str] | None) -> datetime:
    """``day`` (local midnight) at the match's time of day, if it has one."""
    if match is None or match.group("h") is None:
        return day
    hour, minute = int(match.group("h")), int(match.group("mi"))
    second = int(match.group("s") or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("not a time of day")
    return day.replace(hour=hour, minute=minute, second=second)


def _midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def listing_date(text: str, tz: tzinfo, now: datetime | None = None) -> datetime | None:
    """The aware time ``text`` stands for, read in ``tz`` as of ``now`` (default: the
    current time); None when it is no date this module or ``parse_date`` understands.

    A time of day alone is today's, or yesterday's when today's is still to come; a month
    and day without a year are this year's, or last year's when this year's is to come.
    """
    text = _SPACE.sub(" ", (text or "").strip())
    if not text:
        return None
    now = (now or datetime.now(tz)).astimezone(tz)
    try:
        return _relative(text, tz, now) or parse_date(text, tz) or _full(text, tz)
    except ValueError:  # 25:61, February 30th: not a date
        return None


def _relative(text: str, tz: tzinfo, now: datetime) -> datetime | None:
    lowered = text.lower()
    if lowered in _JUST_NOW:
        return now.replace(microsecond=0)
    if match := _AGO.match(lowered):
        unit = _UNITS[match.group("unit").lower()]
        return (now - int(match.group("n")) * unit).replace(microsecond=0)
    today = _midnight(now)
    if match := _CLOCK.match(text):
        when = _at(today, match)
        return when - timedelta(days=1) if when > now else when
    if match := _NAMED_DAY.match(text):
        day = today - timedelta(days=_DAYS[match.group("day")])
        return _at(day, match)
    if match := _MONTH_DAY.match(text):
        month, day_of_month = int(match.group("m")), int(match.group("d"))
        when = _at(today.replace(month=month, day=day_of_month), match)
        if when > now:  # "12月31日" read on January 2nd
            when = _at(today.replace(year=now.year - 1, month=month, day=day_of_month), match)
        return when
    return None


def _full(text: str, tz: tzinfo) -> datetime | None:
    match = _FULL.match(text)
    if match is None:
        return None
    day = datetime(int(match.group("y")), int(match.group("m")), int(match.group("d")), tzinfo=tz)
    return _at(day, match)
