"""Dates in English and German, resolved against ``now`` in the business timezone.

Conventions, chosen once and documented here:

* "Monday", "on Monday", "am Montag", "next Monday", "nächsten Montag", "kommenden Montag":
  the first Monday strictly after today (1-7 days ahead). "Next" therefore never means "the
  week after" — callers who want that say "Monday after next" / "übernächsten Montag".
  Only "this Monday" / "diesen Montag" may mean today.
* "Monday next week" / "Montag nächste Woche": that weekday in the following calendar week
  (weeks start on Monday). "next week" alone: Monday of next week, confidence 0.5.
* "the 3rd" / "on the third" / "am 3." / "am dritten": this month if not yet past, else the
  next month that has that day. A bare "the third" is not a date (it is how people pick
  the third offered option).
* A yearless "March 3" / "3. März": this year's if ahead, else the nearer of this year's
  (reported as ``past``) and next year's.
* Numeric "3/14" is month/day in English and day/month in German (each falls back to the
  other order when only that one is possible); "14.3." and "14.03.2027" are day.month.
* Dates before today get ``problem="past"``; dates that cannot exist ("30 February",
  "31.04.") get ``problem="impossible_date"``; either way ``value`` is empty.

All arithmetic is on local ``date`` values (see ``_calendar``). A mention right after "not"
or "nicht" is kept with halved confidence, so "not Monday but Tuesday" ranks Tuesday first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from ..types import FieldCandidate, Lang
from . import _calendar as cal
from ._numbers import NUMBER_RE, ORDINAL_WORD_RE, parse_number, parse_ordinal
from ._spans import Claims, de, lower_keep, preceding_words
from ._vocab import MONTH_RE, NEGATORS, WEEKDAY_RE, month_of, weekday_of


@dataclass(frozen=True)
class _Hit:
    day: date | None
    problem: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class _Ctx:
    today: date
    lang: Lang
    text: str  # original
    low: str


_Handler = Callable[[re.Match[str], _Ctx], _Hit | None]
_DAY_NUM = r"(?P<dn>\d{1,2})(?:st|nd|rd|th|\.)?(?!\d)"
_DAY = rf"(?:{_DAY_NUM}|(?P<dw>{ORDINAL_WORD_RE}))"
_YEAR = r"(?:,?\s+(?P<y>\d{4})(?!\d))?"


def _resolve_explicit(ctx: _Ctx, year: int | None, month: int, day: int) -> _Hit:
    if year is None:
        found = cal.nearest_year(ctx.today, month, day)
    else:
        found = cal.safe_date(year, month, day)
    if found is None:
        return _Hit(None, "impossible_date")
    return _Hit(found, "past" if found < ctx.today else "")


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    value = int(raw)
    return value + 2000 if value < 100 else value


def _iso(m: re.Match[str], ctx: _Ctx) -> _Hit:
    return _resolve_explicit(ctx, int(m["y"]), int(m["m"]), int(m["d"]))


def _dotted(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    day, month = int(m["d"]), int(m["m"])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None  # "14.30." is a time, not a date
    if preceding_words(ctx.low, m.start(), 1) in (["um"], ["gegen"], ["at"]):
        return None
    return _resolve_explicit(ctx, _year(m["y"]), month, day)


def _slashed(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    first, second = int(m["a"]), int(m["b"])
    month, day = (first, second) if ctx.lang == "en" else (second, first)
    if month > 12 and day <= 12:
        month, day = day, month
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return _resolve_explicit(ctx, _year(m["y"]), month, day)


def _day_value(m: re.Match[str]) -> int | None:
    digits = m["dn"] or m.groupdict().get("dn2")
    if digits:
        return int(digits)
    return parse_ordinal(m["dw"]) if m["dw"] else None


def _month_day(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    month = month_of(m["mon"])
    day = _day_value(m)
    if month is None or day is None:
        return None
    day_first = m.start("mon") > m.start()
    if day_first and m["mon"] == "may" and m["y"] is None and re.match(
        r"\s+[a-z]", ctx.low[m.end() :]
    ):
        return None  # "at 3 may I ..." — the modal verb, not the month
    if day == 0 or day > 31:
        return _Hit(None, "impossible_date")
    return _resolve_explicit(ctx, _year(m["y"]), month, day)


def _day_only(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    day = _day_value(m)
    if day is None:
        return None
    if ctx.lang == "de" and re.match(r"\s*[A-ZÄÖÜ]", ctx.text[m.end() :]):
        return None  # "am ersten Termin", "der 2. Versuch": an ordinal of a noun, not a day
    if day == 0 or day > 31:
        return _Hit(None, "impossible_date")
    start = ctx.today
    if m.groupdict().get("nm"):
        start = cal.safe_date(*_first_of_next_month(ctx.today)) or ctx.today
    found = cal.day_of_month(start, day)
    return _Hit(found, "" if found else "impossible_date", 0.8 if m["dw"] else 0.9)


def _first_of_next_month(today: date) -> tuple[int, int, int]:
    return (today.year + 1, 1, 1) if today.month == 12 else (today.year, today.month + 1, 1)


def _offset(days: int) -> _Handler:
    def handler(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
        found = cal.add_days(ctx.today, days)
        return _Hit(found, "past" if days < 0 else "")

    return handler


def _morgen(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    before = preceding_words(ctx.low, m.start(), 1)
    if before and before[0] in ("guten", "am", "jeden", "heute", "gestern", "diesen", "dem",
                                "den", "einen", "schönen", "schoenen", "morgen"):
        return None  # "Guten Morgen", "am Morgen", "heute Morgen" are not tomorrow
    return _Hit(cal.add_days(ctx.today, 1))


_PRE_THIS = re.compile(r"this|dies(?:en|em|er)")
_PRE_LAST = re.compile(r"last|past|letzte[nr]|vergangene[nr]")
_PRE_AFTER_NEXT = re.compile(de("übernächste") + "[nr]?")


def _group(m: re.Match[str], name: str) -> str:
    return re.sub(r"\s+", " ", m.groupdict().get(name) or "")


def _weekday(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    weekday = weekday_of(m["wd"])
    if weekday is None:
        return None
    pre, post = _group(m, "pre"), _group(m, "post")
    if "week" in post or "woche" in post or _group(m, "weekpre"):
        this_week = "this" in post or "diese" in post
        monday = cal.add_days(ctx.today, -ctx.today.weekday())
        if monday is None:
            return None
        found = cal.add_days(monday, weekday + (0 if this_week else 7))
    elif _PRE_LAST.fullmatch(pre):
        found = cal.previous_weekday(ctx.today, weekday)
    elif _PRE_THIS.fullmatch(pre):
        found = cal.next_weekday(ctx.today, weekday, include_today=True)
    elif _PRE_AFTER_NEXT.fullmatch(pre) or post.startswith("after"):
        base = cal.next_weekday(ctx.today, weekday, include_today=False)
        found = cal.add_days(base, 7) if base else None
    else:
        found = cal.next_weekday(ctx.today, weekday, include_today=False)
    if found is None:
        return None
    return _Hit(found, "past" if found < ctx.today else "")


_UNIT_DAYS = {"day": 1, "tag": 1, "week": 7, "woch": 7, "fortnight": 14}


def _in_n(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    raw = re.sub(r"\s+", " ", m["n"] or "")
    if raw in ("a", "an", "one", "einem", "einer", "eine", "ein"):
        count: int | None = 1
    elif raw in ("a couple of", "ein paar", "a few"):
        count = 2 if raw == "a couple of" else 3
    else:
        count = parse_number(raw)
    if count is None:
        return None
    unit = m["unit"]
    if unit.startswith(("month", "monat")):
        return _Hit(cal.add_months(ctx.today, count), confidence=0.9)
    per = next(v for k, v in _UNIT_DAYS.items() if unit.startswith(k))
    return _Hit(cal.add_days(ctx.today, count * per), confidence=1.0 if count <= 60 else 0.7)


def _next_week(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    monday = cal.monday_of_next_week(ctx.today)
    if monday is not None and (m["after"] or m["after2"]):
        monday = cal.add_days(monday, 7)
    return _Hit(monday, confidence=0.5)


_NEXT_WEEK = (
    rf"(?:next\s+week|{de('nächste')}[rn]?\s+woche|kommende[rn]?\s+woche|"
    rf"in\s+der\s+(?:{de('nächsten')}|kommenden)\s+woche)"
)
_WEEKDAY_PRE = (
    r"(?:(?P<pre>this\s+coming|next|coming|this|last|past|on|for|"
    + "|".join(de(w) for w in ("übernächsten", "übernächster", "nächsten", "nächster", "nächste",
                                "kommenden", "kommender", "diesen", "diesem", "dieser",
                                "letzten", "letzter", "vergangenen", "vergangener", "an dem",
                                "am", "für"))
    + r")\s+)?"
)
_WEEKDAY_POST = (
    r"(?:,?\s+(?P<post>after\s+next|next\s+week|this\s+week|"
    rf"(?:in\s+)?(?:der\s+)?(?:{de('nächste')}[rn]?|kommende[rn]?|diese[rn]?)\s+woche))?"
)

_PATTERNS: tuple[tuple[str, _Handler], ...] = (
    (r"(?<![\d.])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)", _iso),
    (r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2}(?!\d))?(?![\d])", _dotted),
    (r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])", _slashed),
    (rf"\b{MONTH_RE}\s+(?:the\s+)?{_DAY}{_YEAR}", _month_day),
    (rf"(?<!\w)(?:the\s+)?{_DAY}\s*(?:of\s+)?{MONTH_RE}{_YEAR}", _month_day),
    (r"\b(?:the\s+)?day\s+after\s+tomorrow\b|\b" + de("übermorgen") + r"\b", _offset(2)),
    (r"\b(?:the\s+)?day\s+before\s+yesterday\b|\bvorgestern\b", _offset(-2)),
    (rf"\b(?P<weekpre>{_NEXT_WEEK}\s+(?:on\s+|am\s+)?){WEEKDAY_RE}", _weekday),
    (rf"\b{_WEEKDAY_PRE}{WEEKDAY_RE}{_WEEKDAY_POST}", _weekday),
    (r"\b(?:tomorrow|tomorow|tommorow|tommorrow|tmrw)\b", _offset(1)),
    (r"\bmorgen\b", _morgen),
    (r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b|\bheute\b", _offset(0)),
    (r"\byesterday\b|\bgestern\b", _offset(-1)),
    (
        rf"\bin\s+(?P<n>a\s+couple\s+of|a\s+few|ein\s+paar|an?|einem|einer|{NUMBER_RE})\s+"
        r"(?P<unit>days?|weeks?|months?|fortnight|tag(?:en)?|wochen?|monat(?:en)?)\b",
        _in_n,
    ),
    (rf"\b(?P<after>the\s+week\s+after\s+)?{_NEXT_WEEK}\b|"
     rf"\b(?P<after2>{de('übernächste')}[rn]?\s+woche)\b", _next_week),
    (rf"\b(?:on\s+the|the)\s+(?:(?P<dn>\d{{1,2}})(?:st|nd|rd|th)|(?P<dw>{ORDINAL_WORD_RE}))"
     r"\s+of\s+(?:the|this|(?P<nm>next))\s+month", _day_only),
    (rf"\b(?:on\s+the\s+(?:(?P<dn>\d{{1,2}})(?:st|nd|rd|th)|(?P<dw>{ORDINAL_WORD_RE}))|"
     r"the\s+(?P<dn2>\d{1,2})(?:st|nd|rd|th)\b)", _day_only),
    (r"(?<!\w)(?P<dn>\d{1,2})(?:st|nd|rd|th)\b(?P<dw>)", _day_only),
    (rf"\b(?:am|den|der|dem|zum|vom|ab\s+dem|bis\s+zum|{de('für')}\s+den)\s+"
     r"(?P<dn>\d{1,2})\.(?!\d)(?P<dw>)", _day_only),
    (rf"\b(?:am|zum|vom|ab\s+dem|bis\s+zum)\s+(?P<dn>)(?P<dw>{ORDINAL_WORD_RE})", _day_only),
)


_COMPILED = tuple((re.compile(p), h) for p, h in _PATTERNS)


def extract_dates(text: str, lang: Lang, now: datetime, tz: str) -> list[FieldCandidate]:
    """Every date mentioned in ``text``, best first (see the module docstring for rules)."""
    low = lower_keep(text)
    ctx = _Ctx(cal.local_today(now, tz), lang, text, low)
    claims = Claims()
    found: list[FieldCandidate] = []
    for pattern, handler in _COMPILED:
        for m in pattern.finditer(low):
            if not claims.free(m.start(), m.end()):
                continue
            hit = handler(m, ctx)
            if hit is None:
                continue
            claims.take(m.start(), m.end())
            confidence = hit.confidence
            if NEGATORS.intersection(preceding_words(low, m.start(), 2)):
                confidence *= 0.5
            problem = hit.problem if hit.day is not None or hit.problem else "impossible_date"
            found.append(
                FieldCandidate(
                    type="date",
                    value="" if problem else hit.day.isoformat() if hit.day else "",
                    problem=problem,
                    span=(m.start(), m.end()),
                    text=text[m.start() : m.end()],
                    confidence=confidence,
                )
            )
    found.sort(key=lambda c: (-c.confidence, c.span[0]))
    return found
