"""Creation-time parsing: zones, sentinels and the assumed-zone flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from evidence.errors import InvalidInput
from evidence.media.dates import creation_time, parse_offset, parse_timestamp

SHANGHAI = "Asia/Shanghai"


@pytest.mark.parametrize(
    "raw",
    [
        "2023-05-01T10:00:00+0800",
        "2023-05-01T10:00:00+08:00",
        "2023-05-01T10:00:00+08",
        "2023-05-01 10:00:00 +0800",
    ],
)
def test_apple_offsets_all_mean_the_same_instant(raw: str) -> None:
    ct = creation_time("com.apple.quicktime.creationdate", raw, assume_timezone="UTC")
    assert ct is not None
    assert ct.value == datetime(2023, 5, 1, 2, 0, tzinfo=UTC)
    assert ct.offset_known
    assert ct.value.utcoffset() == timedelta(hours=8)
    assert ct.raw == raw


def test_zulu_and_fraction() -> None:
    ct = creation_time("format.creation_time", "2014-11-05T13:51:33.250000Z", assume_timezone=SHANGHAI)
    assert ct is not None and ct.offset_known
    assert ct.value == datetime(2014, 11, 5, 13, 51, 33, 250000, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "0000:00:00 00:00:00",
        "0000-00-00T00:00:00Z",
        "    :  :     :  :  ",
        "1904-01-01T00:00:00.000000Z",
        "1970-01-01T00:00:00.000000Z",
        "1970-01-01 00:00:00",
        "1970-01-01T08:00:00+08:00",
        "",
        "2010",
        "2006-10-29",
        "not a date",
        "2023-13-01T10:00:00Z",
        "2023-05-01T10:00:00+2500",
    ],
)
def test_sentinels_and_non_times_are_skipped(raw: str) -> None:
    assert creation_time("x", raw, assume_timezone=SHANGHAI) is None


def test_naive_value_gets_the_assumed_zone_and_is_flagged() -> None:
    ct = creation_time("exif.DateTimeOriginal", "2016:09:28 18:18:05", assume_timezone=SHANGHAI)
    assert ct is not None
    assert not ct.offset_known
    assert ct.value.replace(tzinfo=None) == datetime(2016, 9, 28, 18, 18, 5)
    assert ct.value.utcoffset() == timedelta(hours=8)


def test_naive_container_time_is_utc_when_the_format_says_so() -> None:
    ct = creation_time(
        "format.creation_time", "2005-08-11 14:03:54", assume_timezone=SHANGHAI, naive_is_utc=True
    )
    assert ct is not None and ct.offset_known
    assert ct.value == datetime(2005, 8, 11, 14, 3, 54, tzinfo=UTC)


def test_exif_offset_and_subseconds_are_applied() -> None:
    ct = creation_time(
        "exif.DateTimeOriginal",
        "2023:10:06 22:53:51",
        assume_timezone=SHANGHAI,
        offset="+02:00",
        subsec="724",
    )
    assert ct is not None and ct.offset_known
    assert ct.value == datetime(2023, 10, 6, 20, 53, 51, 724000, tzinfo=UTC)
    assert ct.raw == "2023:10:06 22:53:51"


def test_zone_in_the_text_wins_over_a_separate_offset() -> None:
    ct = creation_time("xmp", "2006-10-29T06:27:51-05:00", assume_timezone=SHANGHAI, offset="+09:00")
    assert ct is not None
    assert ct.value.utcoffset() == timedelta(hours=-5)


def test_iptc_compact_form() -> None:
    ct = creation_time("iptc.DateCreated", "20061029 062751-0500", assume_timezone=SHANGHAI)
    assert ct is not None and ct.offset_known
    assert ct.value == datetime(2006, 10, 29, 11, 27, 51, tzinfo=UTC)


def test_padding_nuls_are_stripped_from_raw() -> None:
    ct = creation_time("exif.CreateDate", "2005:01:14 08:57:59\x00", assume_timezone=SHANGHAI)
    assert ct is not None and ct.raw == "2005:01:14 08:57:59"


def test_parse_helpers() -> None:
    assert parse_offset("Z") == UTC
    assert parse_offset("-0530") == timezone(timedelta(hours=-5, minutes=-30))
    assert parse_offset("+15:00") is None
    assert parse_offset("CET") is None
    wall, tz = parse_timestamp("2001/01/01 01:11") or (None, None)
    assert wall == datetime(2001, 1, 1, 1, 11) and tz is None


def test_unknown_zone_is_an_invalid_setting() -> None:
    with pytest.raises(InvalidInput, match="assume_timezone"):
        creation_time("x", "2020:01:01 00:00:00", assume_timezone="Mars/Olympus_Mons")


def test_assumed_zone_follows_the_setting() -> None:
    ct = creation_time("x", "2020:07:01 12:00:00", assume_timezone="Europe/Berlin")
    assert ct is not None and ct.value.utcoffset() == timedelta(hours=2)
    other = creation_time("x", "2020:07:01 12:00:00", assume_timezone=SHANGHAI)
    assert other is not None and other.value.utcoffset() == timedelta(hours=8)
