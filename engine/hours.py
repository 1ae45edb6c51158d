"""Opening hours as instants: is the business open, when does it open next, what to say.

A business writes its hours as local wall-clock times; the engine needs instants. Turning one
into the other is where daylight saving bites, so it happens here, once, with two rules:

* a wall time that does not exist (the spring-forward gap) is the first instant after the
  gap — the moment the clock jumps;
* a wall time that occurs twice (fall back) is taken at its first occurrence (``fold=0``).

Both rules keep wall-time order, so a day's intervals stay ordered and disjoint; an interval
lying wholly inside a gap disappears. Instants are compared in UTC: Python compares two
datetimes sharing a ``tzinfo`` by wall time and ignores ``fold``, which is wrong in the
repeated hour.

Pure: no clock is read; the caller passes the moment it asks about.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.business import WEEKDAYS, Business, DayHours, Staff
from language.types import Lang

LOOKAHEAD_DAYS = 14

_DAY_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
_CLOSED: dict[str, str] = {"en": "closed", "de": "geschlossen"}

Span = tuple[datetime, datetime]


def open_intervals_on(business: Business, day: date, staff: Staff | None = None) -> list[Span]:
    """The open intervals of a local ``day`` as aware datetimes in the business timezone.

    Ordered and disjoint (touching or overlapping configured intervals are merged); empty on
    a closure or a closed weekday. With ``staff``, that member's working hours instead.
    """
    tz = ZoneInfo(business.timezone)
    spans: list[Span] = []
    for interval in sorted(business.hours_of(staff, day), key=lambda iv: iv.start):
        start, end = _instant(day, interval.start, tz), _instant(day, interval.end, tz)
        if not _utc(start) < _utc(end):
            continue  # wholly inside a DST gap
        if spans and _utc(start) <= _utc(spans[-1][1]):
            if _utc(end) > _utc(spans[-1][1]):
                spans[-1] = (spans[-1][0], end)
            continue
        spans.append((start, end))
    return spans


def is_open(business: Business, local_dt: datetime) -> bool:
    """Whether the business is open at the instant ``local_dt`` (aware, any timezone)."""
    moment = _utc(_aware(local_dt))
    local = moment.astimezone(ZoneInfo(business.timezone))
    return any(_utc(s) <= moment < _utc(e) for s, e in open_intervals_on(business, local.date()))


def next_opening(business: Business, local_dt: datetime) -> datetime | None:
    """The start of the first open interval at or after ``local_dt``, within 14 days.

    In the business timezone; ``None`` when nothing opens in that window. While the business
    is open this is the start of the *next* interval, not ``local_dt`` itself.
    """
    moment = _utc(_aware(local_dt))
    limit = moment + timedelta(days=LOOKAHEAD_DAYS)
    first_day = moment.astimezone(ZoneInfo(business.timezone)).date()
    for offset in range(LOOKAHEAD_DAYS + 1):
        for start, _ in open_intervals_on(business, first_day + timedelta(days=offset)):
            if _utc(start) >= moment:
                return start if _utc(start) <= limit else None
    return None


def week_summary(business: Business, lang: Lang) -> list[tuple[str, str]]:
    """The regular week, Monday first: ``("Monday", "08:00–12:30, 13:30–18:00")``.

    Closed days read ``"closed"`` / ``"geschlossen"``; one-off closures are not shown.
    """
    names = _DAY_NAMES.get(lang, _DAY_NAMES["en"])
    closed = _CLOSED.get(lang, _CLOSED["en"])
    rows: list[tuple[str, str]] = []
    for name, weekday in zip(names, WEEKDAYS, strict=True):
        intervals = sorted(business.hours.get(weekday, DayHours()).open, key=lambda iv: iv.start)
        text = ", ".join(f"{iv.start:%H:%M}–{iv.end:%H:%M}" for iv in intervals)
        rows.append((name, text or closed))
    return rows


def wall_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a naive local date-time names in ``tz``, by the module's two DST rules."""
    return _instant(wall.date(), wall.time(), tz)


def _aware(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, got {dt.isoformat()}")
    return dt


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def _instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant a local wall time names on ``day`` (the module docstring has the rules)."""
    local = datetime.combine(day, wall, tzinfo=tz)  # fold=0: first occurrence if repeated
    if _utc(local).astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None):
        return local
    # In a gap: the two readings of the wall time bracket the transition; find it.
    readings = sorted((_utc(local).timestamp(), _utc(local.replace(fold=1)).timestamp()))
    before, after = math.floor(readings[0]), math.floor(readings[1])
    offset_after = datetime.fromtimestamp(after, tz).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, tz)


__all__ = [
    "LOOKAHEAD_DAYS",
    "is_open",
    "next_opening",
    "open_intervals_on",
    "wall_instant",
    "week_summary",
]
