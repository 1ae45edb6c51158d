"""Days named by their month: "March 8th", "Thu 15th", "the first Tuesday of October", "the
last day of the month", "the 20th of next month", "the closest Monday to Oct 5th", the ides,
and holidays ("the day after Christmas").

Part of the date grammar in :mod:`._date_rules`; the conventions are in
:mod:`language.extract.dates`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from . import _calendar as cal
from . import _holidays
from ._date_base import BLOCK, Ctx, Hit, day_value, group, resolve_explicit, weekday_in, year_of
from ._numbers import parse_ordinal
from ._spans import preceding_words
from ._vocab import month_of


def month_day(m: re.Match[str], ctx: Ctx) -> Hit | None:
    month = month_of(m["mon"])
    day = day_value(m)
    if month is None or day is None:
        return None
    day_first = m.start("mon") > m.start()
    if (
        day_first
        and m["mon"] == "may"
        and m["y"] is None
        and re.match(r"\s+[a-z]", ctx.low[m.end() :])
    ):
        return None  # "at 3 may I ..." — the modal verb, not the month
    if (
        not day_first
        and m["mon"] == "may"
        and not re.match(r"\s*(?:the\s+)?\d", ctx.low[m.end("mon") :])
    ):
        return None  # "may the first one work" — the verb
    if day == 0 or day > 31:
        return Hit(None, "impossible_date", absolute=True)
    return resolve_explicit(ctx, year_of(m["y"]), month, day)


def weekday_and_date(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """ "Thu 15th", "Tuesday the 19th", "Fri, Sep 20", "Sa, 21. Sept": both must agree."""
    weekday, day = weekday_in(m, ctx), day_value(m)
    if weekday is None or day is None:
        return None
    if not 1 <= day <= 31:
        return Hit(None, "impossible_date", absolute=True)
    if group(m, "mon"):
        month = month_of(m["mon"])
        if month is None:
            return None
        hit = resolve_explicit(ctx, year_of(m["y"]), month, day)
        if hit.day is not None and hit.day.weekday() != weekday:
            return BLOCK  # "Friday the 14th" when the 14th is a Thursday: ask, do not guess
        return hit
    found = cal.weekday_and_day(ctx.today, weekday, day)
    return Hit(found, absolute=True) if found else BLOCK


def _month_ref(m: re.Match[str], ctx: Ctx) -> tuple[int, int] | None:
    """(year, month) of "October", "the month", "next month", "nächsten Monats"."""
    if group(m, "mon"):
        month = month_of(m["mon"])
        if month is None:
            return None
        return (ctx.today.year, month)
    if group(m, "nm"):
        return (
            (ctx.today.year + 1, 1)
            if ctx.today.month == 12
            else (ctx.today.year, ctx.today.month + 1)
        )
    return (ctx.today.year, ctx.today.month)


def _in_month(m: re.Match[str], ctx: Ctx, pick: Callable[[int, int], date | None]) -> Hit:
    """A day picked within a month; a named month already past this year means next year's."""
    ref = _month_ref(m, ctx)
    if ref is None:
        return BLOCK
    found = pick(*ref)
    if found is not None and found < ctx.today and group(m, "mon"):
        found = pick(ref[0] + 1, ref[1])
    if found is None:
        return Hit(None, "impossible_date", absolute=True)
    return Hit(found, "past" if found < ctx.today else "", absolute=True)


def _nth(m: re.Match[str]) -> int | None:
    if group(m, "last"):
        return -1
    value = day_value(m)
    if value is not None and group(m, "rev"):
        return -value
    return value


def nth_weekday(m: re.Match[str], ctx: Ctx) -> Hit | None:
    weekday, nth = weekday_in(m, ctx), _nth(m)
    if weekday is None or nth is None or not 1 <= abs(nth) <= 5:
        return None
    return _in_month(m, ctx, lambda y, mo: cal.nth_weekday_of_month(y, mo, weekday, nth))


def nth_day(m: re.Match[str], ctx: Ctx) -> Hit | None:
    nth = _nth(m)
    if nth is None or not 1 <= abs(nth) <= 31:
        return None
    return _in_month(m, ctx, lambda y, mo: cal.nth_day_of_month(y, mo, nth))


def day_of_month_ref(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """ "the 20th of next month", "20 of this month", "am 20. nächsten Monats"."""
    day = day_value(m)
    ref = _month_ref(m, ctx)
    if day is None or ref is None:
        return None
    found = cal.safe_date(ref[0], ref[1], day)
    if found is None:
        return Hit(None, "impossible_date", absolute=True)
    return Hit(found, "past" if found < ctx.today else "", absolute=True)


def closest(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """ "the closest Monday to Oct 5th", "the second closest Mon to October fifth"."""
    weekday, month = weekday_in(m, ctx), month_of(group(m, "mon"))
    day = day_value(m)
    rank = parse_ordinal(group(m, "rank")) if group(m, "rank") else 1
    if weekday is None or month is None or day is None or rank is None or not 1 <= rank <= 4:
        return None
    target = resolve_explicit(ctx, None, month, day)
    if target.day is None:
        return target
    near = sorted(
        (abs(k), k) for k in range(-21, 22) if (target.day.toordinal() + k) % 7 == (weekday + 1) % 7
    )
    found = cal.add_days(target.day, near[rank - 1][1])
    return Hit(found, "past" if found and found < ctx.today else "", absolute=True)


# "before Christmas", "for Christmas", "bis Ostern": a deadline or an occasion, not the day
_HOLIDAY_NOT_AFTER = frozenset(
    (
        "before",
        "until",
        "till",
        "by",
        "for",
        "over",
        "during",
        "since",
        "after",
        "vor",
        "bis",
        "für",
        "fuer",
        "über",
        "ueber",
        "seit",
        "nach",
        "zu",
        "around",
    )
)
# "a Christmas party", "Easter eggs": the holiday names a thing (English; German writes
# such things as one word, "Weihnachtsfeier", so "an Heiligabend offen" is the day)
_HOLIDAY_THING = re.compile(
    r"\s+(?!(?:at|um|on|am|in|or|and|oder|und|morning|afternoon|evening|"
    r"night|vormittags?|nachmittags?|abends?|please|bitte|then|dann)\b)"
    r"[^\W\d]"
)


def holiday(m: re.Match[str], ctx: Ctx) -> Hit | None:
    if not group(m, "hdir"):
        before = preceding_words(ctx.low, m.start(), 1)
        if before and before[0] in _HOLIDAY_NOT_AFTER:
            return BLOCK
        if ctx.lang == "en" and _HOLIDAY_THING.match(ctx.low, m.end()):
            return None
    found, _year_said = _holidays.resolve(m, ctx.today)
    if found is None:
        return BLOCK
    return Hit(found, "past" if found < ctx.today else "", absolute=True)


def ides(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """The Roman calendar's ides: the 15th of March, May, July and October, else the 13th."""
    month = month_of(m["mon"])
    if month is None:
        return None
    return resolve_explicit(ctx, year_of(m["y"]), month, 15 if month in (3, 5, 7, 10) else 13)
