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
    """"The 3rd": this month's if not yet past, else the next month that has that day."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):
        candidate = safe_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None
