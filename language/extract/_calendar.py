"""Calendar arithmetic on local dates (never on aware datetimes, so DST cannot shift a day).

Every relative date ("tomorrow", "next Tuesday", "in two weeks") is resolved on
``datetime.date`` values in the business's own timezone; adding a ``timedelta`` to an aware
datetime across a DST change would silently move the wall-clock hour and sometimes the day.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def local_now(now: datetime, tz: str) -> datetime:
    """``now`` as wall-clock time in the business timezone (naive input is taken as local)."""
    if now.tzinfo is None:
        return now
    return now.astimezone(ZoneInfo(tz))


def local_today(now: datetime, tz: str) -> date:
    return local_now(now, tz).date()


def safe_date(year: int, month: int, day: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def add_days(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def add_months(day: date, months: int) -> date | None:
    """Same day-of-month ``months`` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        return None
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def next_weekday(today: date, weekday: int, include_today: bool) -> date | None:
    """The first ``weekday`` from ``today`` on: 0..6 days ahead, or 1..7 without today."""
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not include_today:
        ahead = 7
    return add_days(today, ahead)


def previous_weekday(today: date, weekday: int) -> date | None:
    """The most recent ``weekday`` strictly before ``today``."""
    back = (today.weekday() - weekday) % 7 or 7
    return add_days(today, -back)


def monday_of_next_week(today: date) -> date | None:
    return add_days(today, 7 - today.weekday())


def nearest_year(today: date, month: int, day: int) -> date | None:
    """A yearless date: this year's if still ahead, else whichever of this year's (past) and
    next year's is nearer to today — "January 5" said in December means next January, while
    "March 3" said on March 10 means the past March 3. ``None`` if it exists in neither."""
    this = safe_date(today.year, month, day)
    following = safe_date(today.year + 1, month, day)
    if this is not None and this >= today:
        return this
    if following is not None and (this is None or following - today <= today - this):
        return following
    return this


def day_of_month(today: date, day: int) -> date | None:
    """ "The 3rd": this month's if not yet past, else the next month that has that day."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):
        candidate = safe_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def monday_of(day: date) -> date | None:
    return add_days(day, -day.weekday())


def nth_weekday_of_month(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The ``nth`` (1-based; -1 the last) ``weekday`` of a month, ``None`` if there is none."""
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        return None
    days = calendar.monthrange(year, month)[1]
    matching = [d for d in range(1, days + 1) if date(year, month, d).weekday() == weekday]
    index = nth - 1 if nth > 0 else nth
    if not -len(matching) <= index < len(matching):
        return None
    return date(year, month, matching[index])


def nth_day_of_month(year: int, month: int, nth: int) -> date | None:
    """The ``nth`` day of a month (1-based; -1 the last, -5 the fifth last)."""
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        return None
    days = calendar.monthrange(year, month)[1]
    day = nth if nth > 0 else days + 1 + nth
    return date(year, month, day) if 1 <= day <= days else None


def weekday_and_day(today: date, weekday: int, day: int, within_days: int = 366) -> date | None:
    """The first date from ``today`` on that is both a ``weekday`` and the ``day``-th of its
    month ("Thursday the 15th"), within ``within_days``."""
    year, month = today.year, today.month
    for _ in range(within_days // 28 + 1):
        found = safe_date(year, month, day)
        if found is not None and found >= today and found.weekday() == weekday:
            return found if (found - today).days <= within_days else None
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None
