"""What every date rule shares: the reading a rule returns, the context it reads in, and
the small helpers and pattern pieces for days, ordinals and years.

See :mod:`language.extract.dates` for the conventions and :mod:`._date_rules` for the
grammar that uses these.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ..types import Lang
from . import _calendar as cal
from ._numbers import ORDINAL_WORD_RE, parse_ordinal
from ._spans import de
from ._vocab import WEEKDAY_SHORT, weekday_of


@dataclass(frozen=True)
class Hit:
    """What a rule read: a day (or ``None`` with a ``problem``) and how it ranks."""

    day: date | None
    problem: str = ""
    confidence: float = 1.0
    absolute: bool = False  # a calendar date said as such ("March 8th", "14.3.")
    weekday: int | None = None  # a bare weekday, which a week said nearby may place
    week: date | None = None  # the Monday of a week this mention names ("next week")


BLOCK = Hit(None, "block")


@dataclass(frozen=True)
class Ctx:
    """What a rule reads in: today (local), the language and the text as typed and lowered."""

    today: date
    lang: Lang
    text: str  # original
    low: str


Handler = Callable[[re.Match[str], Ctx], Hit | None]

DAY_NUM = r"(?P<dn>\d{1,2})(?:st|nd|rd|th|te[nrms]?|\.)?(?!\d)"
DAY = rf"(?:{DAY_NUM}|(?P<dw>{ORDINAL_WORD_RE}))"
# an ordinal as digits or a word: "3rd", "3.", "third", "dritten"
ORDINAL = rf"(?:(?P<dn>\d{{1,2}})(?:st|nd|rd|th|te[nrms]?|\.)(?!\d)|(?P<dw>{ORDINAL_WORD_RE}))"


def day_marked(lang: Lang) -> str:
    """A day of the month that cannot be an hour: "19th", "the 3rd", German "15."; a word
    ordinal needs its article ("Tuesday the first", not "Tuesday first, then ...")."""
    dot = r"|\." if lang == "de" else ""
    return (
        rf"(?:(?:(?:the|den|dem)\s+)?(?P<dn>\d{{1,2}})(?:st|nd|rd|th|te[nrms]?{dot})(?!\d)|"
        rf"(?:the|den|dem)\s+(?P<dw>{ORDINAL_WORD_RE}))"
    )


YEAR = r"(?:,?\s+(?P<y>\d{4})(?!\d))?"
NEXT_WEEK = (
    rf"(?:next\s+week|(?:the\s+)?following\s+week|{de('nächste')}[rn]?\s+woche|"
    rf"kommende[rn]?\s+woche|in\s+der\s+(?:{de('nächsten')}|kommenden)\s+woche)"
)
THIS_WEEK = r"(?:this\s+week|diese[rn]?\s+woche|in\s+dieser\s+woche)"
WEEK_AFTER = (
    rf"(?:(?:the\s+)?week\s+after\s+next|{de('übernächste')}[rn]?\s+woche|"
    rf"in\s+der\s+{de('übernächsten')}\s+woche)"
)


def resolve_explicit(ctx: Ctx, year: int | None, month: int, day: int) -> Hit:
    found = (
        cal.nearest_year(ctx.today, month, day) if year is None else cal.safe_date(year, month, day)
    )
    if found is None:
        return Hit(None, "impossible_date", absolute=True)
    return Hit(found, "past" if found < ctx.today else "", absolute=True)


def year_of(raw: str | None) -> int | None:
    if not raw:
        return None
    value = int(raw)
    return value + 2000 if value < 100 else value


def group(m: re.Match[str], name: str) -> str:
    return re.sub(r"\s+", " ", m.groupdict().get(name) or "")


def day_value(m: re.Match[str]) -> int | None:
    digits = group(m, "dn") or group(m, "dn2")
    if digits:
        return int(digits)
    return parse_ordinal(group(m, "dw")) if group(m, "dw") else None


def weekday_in(m: re.Match[str], ctx: Ctx) -> int | None:
    if group(m, "ws"):
        return WEEKDAY_SHORT[ctx.lang].get(group(m, "ws").rstrip("."))
    return weekday_of(group(m, "wd")) if group(m, "wd") else None
