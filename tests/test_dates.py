"""parse_date(): RFC 822 and its defects, ISO 8601 / RFC 3339, CJK forms, timestamps."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    import newsmirror  # noqa: F401
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(Path(__file__).parents[1] / "src"))

from newsmirror.util.dates import parse_date, to_utc

UTC = UTC
SH = ZoneInfo("Asia/Shanghai")
SEED = datetime(2022, 10, 31, 6, 46, tzinfo=UTC)  # = 14:46 in Shanghai


def tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


@pytest.mark.parametrize(
    "text",
    [
        "Mon, 31 Oct 2022 06:46:00 GMT",
        "Mon, 31 Oct 2022 06:46:00 UTC",
        "Mon, 31 Oct 2022 06:46:00 UT",
        "Mon, 31 Oct 2022 06:46:00 Z",
        "Mon, 31 Oct 2022 06:46:00 +0000",
        "Mon, 31 Oct 2022 06:46:00 -0000",
        "Mon, 31 Oct 2022 06:46:00 +0000 (UTC)",
        "Mon, 31 Oct 2022 14:46:00 +0800",
        "Mon, 31 Oct 2022 14:46:00 +08:00",
        "Mon, 31 Oct 2022 14:46:00 GMT+8",
        "Mon, 31 Oct 2022 14:46:00 GMT+0800",
        "31 Oct 2022 06:46:00 GMT",  # no weekday
        "Fri, 31 Oct 2022 06:46:00 GMT",  # wrong weekday: ignored
        "Mon, 31 Oct 22 06:46:00 GMT",  # 2-digit year
        "Monday, 31 October 2022 06:46:00 GMT",  # full names
        "Mon, 31 Oct. 2022 06:46:00 GMT",
        "  Mon,  31   Oct  2022   06:46:00    GMT  ",  # extra spaces
        "31 Oct 2022 06:46 GMT",  # no seconds
        "Mon, 31 Oct 2022 01:46:00 EST",
        "Mon, 31 Oct 2022 02:46:00 EDT",
        "Mon, 31 Oct 2022 00:46:00 CST",  # RFC 822: US Central, not China
        "Sun, 30 Oct 2022 22:46:00 PST",
        "Sun, 30 Oct 2022 23:46:00 PDT",
        "mon, 31 oct 2022 06:46:00 gmt",
        "Mon, 31-Oct-2022 06:46:00 GMT",
        "Mon, 31 Oct 2022 6:46:00 am GMT",
    ],
)
def test_rfc822_variants(text):
    got = parse_date(text, SH)
    assert got == SEED, text
    assert got.tzinfo is not None


def test_us_zone_offsets_follow_rfc822():
    assert parse_date("Mon, 31 Oct 2022 00:46:00 CST", SH).utcoffset() == timedelta(hours=-6)
    assert parse_date("Mon, 31 Oct 2022 00:46:00 CDT", SH).utcoffset() == timedelta(hours=-5)
    assert parse_date("Mon, 31 Oct 2022 00:46:00 PST", SH).utcoffset() == timedelta(hours=-8)
    assert parse_date("Mon, 31 Oct 2022 00:46:00 EST", SH).utcoffset() == timedelta(hours=-5)


def test_pst_date_is_the_same_instant():
    assert parse_date("Sun, 30 Oct 2022 23:46:00 PDT", UTC) == SEED


def test_rfc822_without_zone_uses_default_tz():
    got = parse_date("Mon, 31 Oct 2022 14:46:00", SH)
    assert got == SEED
    assert got.utcoffset() == timedelta(hours=8)
    assert parse_date("Mon, 31 Oct 2022 06:46:00", UTC) == SEED


def test_two_digit_years_pivot_at_50():
    assert parse_date("01 Jan 49 00:00:00 GMT", UTC).year == 2049
    assert parse_date("01 Jan 50 00:00:00 GMT", UTC).year == 1950
    assert parse_date("01 Jan 99 00:00:00 GMT", UTC).year == 1999


def test_rfc822_date_only():
    assert parse_date("31 Oct 2022", SH) == datetime(2022, 10, 31, tzinfo=SH)


@pytest.mark.parametrize(
    "text",
    [
        "2022-10-31T06:46:00Z",
        "2022-10-31T06:46:00.000Z",
        "2022-10-31T06:46:00.000000Z",
        "2022-10-31t06:46:00z",
        "2022-10-31T14:46:00+08:00",
        "2022-10-31T14:46:00+0800",
        "2022-10-31T14:46:00+08",
        "2022-10-31T01:46:00-05:00",
        "2022-10-31 06:46:00Z",
        "2022-10-31 14:46:00 +08:00",
        "2022-10-31T06:46Z",
        "20221031T064600Z",
        "2022-10-31T06:46:00 UTC",
        "  2022-10-31T06:46:00Z  ",
    ],
)
def test_iso8601_variants(text):
    assert parse_date(text, SH) == SEED


def test_iso_fraction_kept_to_microseconds():
    assert parse_date("2022-10-31T06:46:00.123456789Z", UTC) == SEED.replace(microsecond=123456)
    assert parse_date("2022-10-31T06:46:00.5Z", UTC) == SEED.replace(microsecond=500000)


def test_iso_without_zone_uses_default_tz():
    got = parse_date("2022-10-31T14:46:00", SH)
    assert got == SEED and got.utcoffset() == timedelta(hours=8)
    assert parse_date("2022-10-31 14:46:00", SH) == SEED


def test_iso_date_only():
    got = parse_date("2022-10-31", SH)
    assert got == datetime(2022, 10, 31, tzinfo=SH)
    assert got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "text",
    [
        "2022年10月31日 14:46",
        "2022年10月31日14:46",
        "2022年10月31日 14:46:00",
        "2022年10月31日14时46分",
        "2022年10月31日 14时46分00秒",
        "2022年10月31日 星期一 14:46",
        "2022年10月31日 下午2:46",
        "2022-10-31 14:46",
        "2022/10/31 14:46:00",
        "2022/10/31 14:46",
        "2022.10.31 14:46",
        "2022-10-31 14：46",  # full-width colon
        "2022-10-31 14:46 (北京时间)",
    ],
)
def test_cjk_forms(text):
    got = parse_date(text, SH)
    assert got == SEED, text
    assert got.utcoffset() == timedelta(hours=8)


def test_cjk_date_only_and_single_digit_fields():
    assert parse_date("2022年10月31日", SH) == datetime(2022, 10, 31, tzinfo=SH)
    assert parse_date("2022年1月5日 9:05", SH) == datetime(2022, 1, 5, 9, 5, tzinfo=SH)
    assert parse_date("2022/1/5", SH) == datetime(2022, 1, 5, tzinfo=SH)


def test_unix_timestamps():
    assert parse_date("1667198760", SH) == SEED
    assert parse_date("1667198760000", SH) == SEED  # milliseconds, 13 digits
    assert parse_date("1667198760.5", SH) == SEED + timedelta(milliseconds=500)
    assert parse_date("1667198760", SH).utcoffset() == timedelta(0)


def test_dateutil_leftovers():
    assert parse_date("Oct 31, 2022 2:46 PM", SH) == SEED
    assert parse_date("Mon Oct 31 06:46:00 2022", UTC) == SEED  # asctime


@pytest.mark.parametrize(
    "text",
    [
        None, "", "   ", "garbage", "yesterday", "10", "Oct", "2022-13-45",
        "Mon, 31 Oct 2022 25:00:00 GMT", "31 Foo 2022 06:46:00 GMT", "2022-02-30",
        "99999999999999999999", "\x00\x01", "1" * 500, "2022-10-31T06:46:00+99:99",
    ],
)  # fmt: skip
def test_unparseable_gives_none(text):
    assert parse_date(text, SH) is None


def test_never_raises_on_odd_types():
    assert parse_date(b"2022-10-31", UTC) is None  # type: ignore[arg-type]
    assert parse_date(12345, UTC) is None  # type: ignore[arg-type]


def test_unknown_zone_name_falls_back_to_default_tz():
    assert parse_date("Mon, 31 Oct 2022 14:46:00 XYZ", SH) == SEED


def test_absurd_offset_read_as_utc():
    assert parse_date("Mon, 31 Oct 2022 06:46:00 +2300", SH) == SEED


def test_hour_24_and_leap_second():
    assert parse_date("2022-10-30T24:00:00Z", UTC) == datetime(2022, 10, 31, tzinfo=UTC)
    assert parse_date("2016-12-31T23:59:60Z", UTC) == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_to_utc():
    got = to_utc(parse_date("2022-10-31T14:46:00+08:00", UTC))
    assert got == SEED and got.tzinfo is UTC and got.hour == 6
    assert to_utc(datetime(2022, 10, 31, 6, 46)) == SEED  # naive taken as UTC


# Whole-minute offsets within the real-world range (RFC 822 cannot carry seconds).
offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
aware = st.datetimes(
    min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
)


@settings(max_examples=400, deadline=None)
@given(aware)
def test_rfc822_roundtrip(dt):
    dt = dt.replace(microsecond=0)
    for text in (format_datetime(dt), dt.strftime("%a, %d %b %Y %H:%M:%S %z")):
        got = parse_date(text, SH)
        assert got == dt, text
        assert got.utcoffset() == dt.utcoffset(), text


@settings(max_examples=400, deadline=None)
@given(aware, st.sampled_from(["auto", "seconds", "milliseconds", "microseconds", "minutes"]))
def test_iso8601_roundtrip(dt, spec):
    text = dt.isoformat(timespec=spec)
    expected = dt
    if spec == "minutes":
        expected = dt.replace(second=0, microsecond=0)
    elif spec == "seconds":
        expected = dt.replace(microsecond=0)
    elif spec == "milliseconds":
        expected = dt.replace(microsecond=dt.microsecond // 1000 * 1000)
    got = parse_date(text, SH)
    assert got == expected, text
    assert got.utcoffset() == dt.utcoffset(), text
    if dt.utcoffset() == timedelta(0):
        assert parse_date(text.replace("+00:00", "Z"), SH) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_never_raises(text):
    got = parse_date(text, SH)
    assert got is None or got.tzinfo is not None
