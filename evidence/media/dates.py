"""Parsing the creation times media files carry into timezone-aware datetimes.

Cameras, phones and muxers write dates in a handful of shapes: ISO 8601 with or without a zone
(``2023-05-01T10:00:00+0800``, ``2014-11-05T13:51:33.000000Z``), EXIF's ``2016:09:28 18:18:05``
with the zone in a separate OffsetTime tag, IPTC's ``20061029`` + ``062751-0500``. Unset clocks
leave sentinels (``0000:00:00 00:00:00``, the 1904 QuickTime epoch, the 1970 Unix epoch) that
must not be mistaken for a recording time. A value without a zone gets the configured zone and is
flagged ``offset_known=False`` so timeliness checks can say the comparison rests on an assumption.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InvalidInput
from ..model import CreationTime

__all__ = ["creation_time", "parse_offset", "parse_timestamp", "zone"]

_STAMP = re.compile(
    r"""^\s*
    (?P<y>\d{4})[-:/](?P<mo>\d{1,2})[-:/](?P<d>\d{1,2})
    (?:[T\s]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d+))?)?)
    \s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_COMPACT = re.compile(  # IPTC and ISO basic format: 20061029 062751-0500, 20061029T062751Z
    r"^\s*(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})[T\s]?(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_OFFSET = re.compile(r"^\s*(?:(?P<z>Z|UTC|GMT)|(?P<sign>[+-])(?P<hh>\d{2})(?::?(?P<mm>\d{2}))?)\s*$", re.I)


@lru_cache(maxsize=32)
def zone(name: str) -> tzinfo:
    """The tzinfo for an IANA zone name (``Asia/Shanghai``), or InvalidInput naming the setting."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai", field="assume_timezone"
        ) from exc


def parse_offset(text: str) -> timezone | None:
    """A UTC offset such as ``+08:00``, ``+0800``, ``-05`` or ``Z``; None when unparseable."""
    m = _OFFSET.match(text or "")
    if not m:
        return None
    if m.group("z"):
        return UTC
    minutes = int(m.group("hh")) * 60 + int(m.group("mm") or 0)
    if minutes > 14 * 60:
        return None
    sign = -1 if m.group("sign") == "-" else 1
    return timezone(timedelta(minutes=sign * minutes))


def parse_timestamp(raw: str) -> tuple[datetime, timezone | None] | None:
    """The wall-clock time in ``raw`` (naive) and its zone when the text carries one.

    Returns None for values without a time of day (a date alone is too coarse to check
    timeliness), for unset-clock sentinels and for text that is not a timestamp.
    """
    text = raw.replace("\x00", "").strip()
    m = _STAMP.match(text)
    if m is None:
        m = _COMPACT.match(text)
        if m is None:
            return None
    try:
        frac = m.groupdict().get("frac") or ""
        wall = datetime(
            int(m.group("y")),
            int(m.group("mo")),
            int(m.group("d")),
            int(m.group("h")),
            int(m.group("mi")),
            int(m.group("s") or 0),
            int((frac + "000000")[:6]),
        )
    except ValueError:  # 0000:00:00, month 13, ...
        return None
    tz_text = m.groupdict().get("tz")
    offset = parse_offset(tz_text) if tz_text else None
    if tz_text and offset is None:
        return None
    if _is_sentinel(wall, offset):
        return None
    return wall, offset


def creation_time(
    source: str,
    raw: str,
    *,
    assume_timezone: str,
    offset: str | None = None,
    naive_is_utc: bool = False,
    subsec: str | None = None,
) -> CreationTime | None:
    """A :class:`CreationTime` for ``raw`` from ``source``, or None when it holds no usable time.

    ``offset`` is a separately stored zone (EXIF OffsetTime*); ``naive_is_utc`` marks formats whose
    specification says unzoned times are UTC (QuickTime/MP4 ``creation_time``); ``subsec`` adds
    EXIF SubSecTime* digits. Otherwise an unzoned value gets ``assume_timezone`` and
    ``offset_known=False``.
    """
    parsed = parse_timestamp(raw)
    if parsed is None:
        return None
    wall, tz = parsed
    if subsec and subsec.strip().isdigit() and wall.microsecond == 0:
        wall = wall.replace(microsecond=int((subsec.strip() + "000000")[:6]))
    if tz is None and offset:
        tz = parse_offset(offset)
    if tz is not None:
        value = wall.replace(tzinfo=tz)
        known = True
    elif naive_is_utc:
        value = wall.replace(tzinfo=UTC)
        known = True
    else:
        value = wall.replace(tzinfo=zone(assume_timezone))
        known = False
    return CreationTime(source=source, value=value, raw=raw.replace("\x00", "").strip(), offset_known=known)


def _is_sentinel(wall: datetime, offset: timezone | None) -> bool:
    if wall.year <= 1904:  # QuickTime epoch (0 seconds) and anything older: an unset clock
        return True
    epoch = wall.replace(tzinfo=offset or UTC)
    return epoch == datetime(1970, 1, 1, tzinfo=UTC) or (wall == datetime(1970, 1, 1) and offset is None)
