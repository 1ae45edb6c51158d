"""The date grammar: one pattern per way of saying a day, each with the rule that resolves it.

Patterns are tried in order and a span claimed by one is not read again by a later one, so
the most specific come first ("the first Tuesday of October" before "Tuesday", "Thu 15th"
before "the 15th"). A handler returns a :class:`Hit`; ``BLOCK`` claims words that say a day
in a way that cannot be resolved (a weekday that contradicts its date), so no part of them
is read on its own. The conventions are in :mod:`language.extract.dates`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ..types import Lang
from . import _calendar as cal
from . import _holidays
from ._numbers import NUMBER_RE, ORDINAL_WORD_RE, parse_number, parse_ordinal
from ._spans import de, preceding_words
from ._vocab import MONTH_RE, WEEKDAY_RE, WEEKDAY_SHORT, WEEKDAY_SHORT_RE, month_of, weekday_of


@dataclass(frozen=True)
class Hit:
    day: date | None
    problem: str = ""
    confidence: float = 1.0
    absolute: bool = False  # a calendar date said as such ("March 8th", "14.3.")
    weekday: int | None = None  # a bare weekday, which a week said nearby may place
    week: date | None = None  # the Monday of a week this mention names ("next week")
    only_week: bool = False  # names nothing but that week


BLOCK = Hit(None, "block")


@dataclass(frozen=True)
class Ctx:
    today: date
    lang: Lang
    text: str  # original
    low: str


Handler = Callable[[re.Match[str], Ctx], Hit | None]

_DAY_NUM = r"(?P<dn>\d{1,2})(?:st|nd|rd|th|te[nrms]?|\.)?(?!\d)"
_DAY = rf"(?:{_DAY_NUM}|(?P<dw>{ORDINAL_WORD_RE}))"
# an ordinal as digits or a word: "3rd", "3.", "third", "dritten"
_ORDINAL = rf"(?:(?P<dn>\d{{1,2}})(?:st|nd|rd|th|te[nrms]?|\.)(?!\d)|(?P<dw>{ORDINAL_WORD_RE}))"


def _day_marked(lang: Lang) -> str:
    """A day of the month that cannot be an hour: "19th", "the 3rd", German "15."; a word
    ordinal needs its article ("Tuesday the first", not "Tuesday first, then ...")."""
    dot = r"|\." if lang == "de" else ""
    return (rf"(?:(?:(?:the|den|dem)\s+)?(?P<dn>\d{{1,2}})(?:st|nd|rd|th|te[nrms]?{dot})(?!\d)|"
            rf"(?:the|den|dem)\s+(?P<dw>{ORDINAL_WORD_RE}))")
_YEAR = r"(?:,?\s+(?P<y>\d{4})(?!\d))?"
_NEXT_WEEK = (
    rf"(?:next\s+week|(?:the\s+)?following\s+week|{de('nächste')}[rn]?\s+woche|"
    rf"kommende[rn]?\s+woche|in\s+der\s+(?:{de('nächsten')}|kommenden)\s+woche)"
)
_THIS_WEEK = r"(?:this\s+week|diese[rn]?\s+woche|in\s+dieser\s+woche)"
_WEEK_AFTER = (rf"(?:(?:the\s+)?week\s+after\s+next|{de('übernächste')}[rn]?\s+woche|"
               rf"in\s+der\s+{de('übernächsten')}\s+woche)")


def resolve_explicit(ctx: Ctx, year: int | None, month: int, day: int) -> Hit:
    found = cal.nearest_year(ctx.today, month, day) if year is None else cal.safe_date(
        year, month, day)
    if found is None:
        return Hit(None, "impossible_date", absolute=True)
    return Hit(found, "past" if found < ctx.today else "", absolute=True)


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    value = int(raw)
    return value + 2000 if value < 100 else value


def _g(m: re.Match[str], name: str) -> str:
    return re.sub(r"\s+", " ", m.groupdict().get(name) or "")


def _day_value(m: re.Match[str]) -> int | None:
    digits = _g(m, "dn") or _g(m, "dn2")
    if digits:
        return int(digits)
    return parse_ordinal(_g(m, "dw")) if _g(m, "dw") else None


def _weekday(m: re.Match[str], ctx: Ctx) -> int | None:
    if _g(m, "ws"):
        return WEEKDAY_SHORT[ctx.lang].get(_g(m, "ws").rstrip("."))
    return weekday_of(_g(m, "wd")) if _g(m, "wd") else None


# ---------------------------------------------------------------- numeric dates


def _iso(m: re.Match[str], ctx: Ctx) -> Hit:
    return resolve_explicit(ctx, int(m["y"]), int(m["m"]), int(m["d"]))


_DAY_PREPS = (["am"], ["den"], ["vom"], ["zum"], ["bis"], ["ab"], ["dem"], ["für"], ["fuer"])


def _dotted(m: re.Match[str], ctx: Ctx) -> Hit | None:
    day, month = int(m["d"]), int(m["m"])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None  # "14.30." is a time, not a date
    before = preceding_words(ctx.low, m.start(), 1)
    if before in (["um"], ["gegen"], ["at"]) or before in (["ab"], ["nach"], ["vor"]) and not (
            m["end"]):
        return None  # "um 10.10." is a time at the end of a sentence
    if not m["end"] and (ctx.lang != "de" or re.match(r"\s*(?:uhr|h\b)", ctx.low[m.end():])
                         or not (before in _DAY_PREPS or len(m["d"]) == len(m["m"]) == 2)):
        return None  # "10.10" without its final dot: a German date after "am", or as "10.10"
    return resolve_explicit(ctx, _year(m["y"]), month, day)


def _slashed(m: re.Match[str], ctx: Ctx) -> Hit | None:
    first, second = int(m["a"]), int(m["b"])
    month, day = (first, second) if ctx.lang == "en" else (second, first)
    if month > 12 and day <= 12:
        month, day = day, month
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return resolve_explicit(ctx, _year(m["y"]), month, day)


# ---------------------------------------------------------------- named months


def _month_day(m: re.Match[str], ctx: Ctx) -> Hit | None:
    month = month_of(m["mon"])
    day = _day_value(m)
    if month is None or day is None:
        return None
    day_first = m.start("mon") > m.start()
    if day_first and m["mon"] == "may" and m["y"] is None and re.match(
        r"\s+[a-z]", ctx.low[m.end() :]
    ):
        return None  # "at 3 may I ..." — the modal verb, not the month
    if not day_first and m["mon"] == "may" and not re.match(r"\s*(?:the\s+)?\d", ctx.low[
            m.end("mon"):]):
        return None  # "may the first one work" — the verb
    if day == 0 or day > 31:
        return Hit(None, "impossible_date", absolute=True)
    return resolve_explicit(ctx, _year(m["y"]), month, day)


def _weekday_and_date(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """ "Thu 15th", "Tuesday the 19th", "Fri, Sep 20", "Sa, 21. Sept": both must agree."""
    weekday, day = _weekday(m, ctx), _day_value(m)
    if weekday is None or day is None:
        return None
    if not 1 <= day <= 31:
        return Hit(None, "impossible_date", absolute=True)
    if _g(m, "mon"):
        month = month_of(m["mon"])
        if month is None:
            return None
        hit = resolve_explicit(ctx, _year(m["y"]), month, day)
        if hit.day is not None and hit.day.weekday() != weekday:
            return BLOCK  # "Friday the 14th" when the 14th is a Thursday: ask, do not guess
        return hit
    found = cal.weekday_and_day(ctx.today, weekday, day)
    return Hit(found, absolute=True) if found else BLOCK


def _month_ref(m: re.Match[str], ctx: Ctx) -> tuple[int, int] | None:
    """(year, month) of "October", "the month", "next month", "nächsten Monats"."""
    if _g(m, "mon"):
        month = month_of(m["mon"])
        if month is None:
            return None
        return (ctx.today.year, month)
    if _g(m, "nm"):
        return (ctx.today.year + 1, 1) if ctx.today.month == 12 else (
            ctx.today.year, ctx.today.month + 1)
    return (ctx.today.year, ctx.today.month)


def _in_month(m: re.Match[str], ctx: Ctx, pick: Callable[[int, int], date | None]) -> Hit:
    """A day picked within a month; a named month already past this year means next year's."""
    ref = _month_ref(m, ctx)
    if ref is None:
        return BLOCK
    found = pick(*ref)
    if found is not None and found < ctx.today and _g(m, "mon"):
        found = pick(ref[0] + 1, ref[1])
    if found is None:
        return Hit(None, "impossible_date", absolute=True)
    return Hit(found, "past" if found < ctx.today else "", absolute=True)


def _nth(m: re.Match[str]) -> int | None:
    if _g(m, "last"):
        return -1
    value = _day_value(m)
    if value is not None and _g(m, "rev"):
        return -value
    return value


def _nth_weekday(m: re.Match[str], ctx: Ctx) -> Hit | None:
    weekday, nth = _weekday(m, ctx), _nth(m)
    if weekday is None or nth is None or not 1 <= abs(nth) <= 5:
        return None
    return _in_month(m, ctx, lambda y, mo: cal.nth_weekday_of_month(y, mo, weekday, nth))


def _nth_day(m: re.Match[str], ctx: Ctx) -> Hit | None:
    nth = _nth(m)
    if nth is None or not 1 <= abs(nth) <= 31:
        return None
    return _in_month(m, ctx, lambda y, mo: cal.nth_day_of_month(y, mo, nth))


def _day_of_month_ref(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """ "the 20th of next month", "20 of this month", "am 20. nächsten Monats"."""
    day = _day_value(m)
    ref = _month_ref(m, ctx)
    if day is None or ref is None:
        return None
    found = cal.safe_date(ref[0], ref[1], day)
    if found is None:
        return Hit(None, "impossible_date", absolute=True)
    return Hit(found, "past" if found < ctx.today else "", absolute=True)


def _closest(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """ "the closest Monday to Oct 5th", "the second closest Mon to October fifth"."""
    weekday, month = _weekday(m, ctx), month_of(_g(m, "mon"))
    day = _day_value(m)
    rank = parse_ordinal(_g(m, "rank")) if _g(m, "rank") else 1
    if weekday is None or month is None or day is None or rank is None or not 1 <= rank <= 4:
        return None
    target = resolve_explicit(ctx, None, month, day)
    if target.day is None:
        return target
    near = sorted((abs(k), k) for k in range(-21, 22)
                  if (target.day.toordinal() + k) % 7 == (weekday + 1) % 7)
    found = cal.add_days(target.day, near[rank - 1][1])
    return Hit(found, "past" if found and found < ctx.today else "", absolute=True)


# ---------------------------------------------------------------- days of the month


def _day_only(m: re.Match[str], ctx: Ctx) -> Hit | None:
    day = _day_value(m)
    if day is None:
        return None
    if ctx.lang == "de" and re.match(r"\s*[A-ZÄÖÜ]", ctx.text[m.end() :]):
        return None  # "am ersten Termin", "der 2. Versuch": an ordinal of a noun, not a day
    if day == 0 or day > 31:
        return Hit(None, "impossible_date")
    found = cal.day_of_month(ctx.today, day)
    return Hit(found, "" if found else "impossible_date", 0.8 if _g(m, "dw") else 0.9,
               absolute=True)


# ---------------------------------------------------------------- relative days


def _offset(days: int) -> Handler:
    def handler(m: re.Match[str], ctx: Ctx) -> Hit | None:
        found = cal.add_days(ctx.today, days)
        return Hit(found, "past" if days < 0 else "")

    return handler


def _morgen(m: re.Match[str], ctx: Ctx) -> Hit | None:
    before = preceding_words(ctx.low, m.start(), 1)
    if before and before[0] in ("guten", "am", "jeden", "heute", "gestern", "diesen", "dem",
                                "den", "einen", "schönen", "schoenen", "morgen"):
        return None  # "Guten Morgen", "am Morgen", "heute Morgen" are not tomorrow
    return Hit(cal.add_days(ctx.today, 1))


_PRE_THIS = re.compile(r"this|this coming|coming|dies(?:en|em|er)|kommende[nr]?")
_PRE_LAST = re.compile(r"last|past|letzte[nr]|vergangene[nr]")
_PRE_AFTER_NEXT = re.compile(de("übernächste") + "[nr]?")
_BARE_PRE = ("", "on", "for", "am", "an dem", "für", "fur", "fuer")
_DE_SHORT_NOT_WORDS = frozenset(("mo", "di", "mi", "fr", "sa"))
# what may follow a short weekday name: a date, a clock time, a part of the day
_SHORT_AHEAD = re.compile(r"\.?,?\s*(?:\d|the\s+\d|(?:at|um|@)\s*\d|(?:morning|afternoon|evening|"
                          r"vormittag|nachmittag|abend)\b)")
_SHORT_BEFORE = frozenset(("on", "this", "next", "coming", "until", "by", "from", "for", "am", "ab",
                           "bis", "vom", "zum", "nächsten", "naechsten", "kommenden", "diesen"))


def _short_form_ok(m: re.Match[str], ctx: Ctx) -> bool:
    """ "sat", "So.", "Do": a weekday only where one is expected (see ``WEEKDAY_SHORT``)."""
    if not _g(m, "ws"):
        return True
    if not ctx.low[: m.start()].strip(" ,.!?-") and not ctx.low[m.end():].strip(" ,.!?-"):
        return True  # the whole message
    before = preceding_words(ctx.low, m.start("ws"), 1)
    if before and before[0] in _SHORT_BEFORE:
        return True
    if ctx.lang == "de" and _g(m, "ws") in _DE_SHORT_NOT_WORDS and ctx.low.startswith(
            ".", m.end("ws")):
        return True  # "Fr.", "Sa.": no German word is spelt so
    if ctx.lang == "de" and not ctx.low.startswith(".", m.end("ws")):
        return False  # "so um 3", "do 15 Uhr": German short forms need their dot here
    return bool(_SHORT_AHEAD.match(ctx.low, m.end("ws")))


def _weekday_rel(m: re.Match[str], ctx: Ctx) -> Hit | None:
    weekday = _weekday(m, ctx)
    if weekday is None or not _short_form_ok(m, ctx):
        return None
    pre, post = _g(m, "pre"), _g(m, "post")
    monday = cal.monday_of(ctx.today)
    if monday is None:
        return None
    if "week" in post or "woche" in post or _g(m, "weekpre"):
        this_week = "this" in post or "diese" in post
        after = "after" in post or "übernächst" in post or "uebernaechst" in post or (
            "ubernachst" in post)
        found = cal.add_days(monday, weekday + (0 if this_week else 14 if after else 7))
    elif _PRE_LAST.fullmatch(pre):
        found = cal.previous_weekday(ctx.today, weekday)
    elif _PRE_THIS.fullmatch(pre):
        found = cal.next_weekday(ctx.today, weekday, include_today=pre == "this"
                                 or pre.startswith("dies"))
    elif _PRE_AFTER_NEXT.fullmatch(pre) or post.startswith(("after", "nach")):
        base = cal.next_weekday(ctx.today, weekday, include_today=False)
        found = cal.add_days(base, 7) if base else None
    else:
        found = cal.next_weekday(ctx.today, weekday, include_today=False)
        next_monday = cal.add_days(monday, 7)
        if pre == "next" and ctx.lang == "en" and found and next_monday and found < next_monday:
            found = cal.add_days(found, 7)  # English "next Friday" on a Monday: next week's
        if pre in _BARE_PRE:
            return Hit(found, "past" if found and found < ctx.today else "", weekday=weekday)
    if found is None:
        return None
    return Hit(found, "past" if found < ctx.today else "")


# "before Christmas", "for Christmas", "bis Ostern": a deadline or an occasion, not the day
_HOLIDAY_NOT_AFTER = frozenset(("before", "until", "till", "by", "for", "over", "during", "since",
                                "after", "vor", "bis", "für", "fuer", "über", "ueber", "seit",
                                "nach", "zu", "around"))
# "a Christmas party", "Easter eggs": the holiday names a thing
_HOLIDAY_THING = re.compile(r"\s+(?!(?:at|um|on|am|in|or|and|oder|und|morning|afternoon|evening|"
                            r"night|vormittags?|nachmittags?|abends?|please|bitte|then|dann)\b)"
                            r"[^\W\d]")


def _holiday(m: re.Match[str], ctx: Ctx) -> Hit | None:
    if not _g(m, "hdir"):
        before = preceding_words(ctx.low, m.start(), 1)
        if before and before[0] in _HOLIDAY_NOT_AFTER:
            return BLOCK
        if _HOLIDAY_THING.match(ctx.low, m.end()):
            return None
    found, _year_said = _holidays.resolve(m, ctx.today)
    if found is None:
        return BLOCK
    return Hit(found, "past" if found < ctx.today else "", absolute=True)


def _ides(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """The Roman calendar's ides: the 15th of March, May, July and October, else the 13th."""
    month = month_of(m["mon"])
    if month is None:
        return None
    return resolve_explicit(ctx, _year(m["y"]), month, 15 if month in (3, 5, 7, 10) else 13)


def _weekdays_from_now(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """ "3 fridays from now": the third Friday after today."""
    count = 1 if _g(m, "n") in ("a", "an", "one") else parse_number(_g(m, "n"))
    weekday = _weekday(m, ctx)
    if count is None or weekday is None or not 1 <= count <= 52:
        return None
    first = cal.next_weekday(ctx.today, weekday, include_today=False)
    return Hit(cal.add_days(first, 7 * (count - 1)) if first else None)


_UNIT_DAYS = {"day": 1, "tag": 1, "week": 7, "woch": 7, "fortnight": 14}
_VAGUE = {"a couple of": 2, "a couple": 2, "ein paar": 2, "a few": 3}


def _in_n(m: re.Match[str], ctx: Ctx) -> Hit | None:
    raw = _g(m, "n") or _g(m, "n2")
    unit = _g(m, "unit") or _g(m, "unit2")
    if raw in ("a", "an", "one", "einem", "einer", "eine", "ein", ""):
        count: int | None = 1
    else:
        count = _VAGUE.get(raw) or parse_number(raw)
    if count is None:
        return None
    if unit.startswith(("month", "monat")):
        return Hit(cal.add_months(ctx.today, count), confidence=0.9)
    per = next(v for k, v in _UNIT_DAYS.items() if unit.startswith(k))
    found = cal.add_days(ctx.today, count * per)
    week = cal.monday_of(found) if found and per >= 7 else None
    return Hit(found, confidence=1.0 if count <= 60 else 0.7, week=week)


def _week(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """A week named on its own: its Monday, with low confidence (the desk asks for a day)."""
    monday = cal.monday_of(ctx.today)
    if monday is None:
        return None
    ahead = 0 if _g(m, "this") else 14 if _g(m, "after") else 7
    start = cal.add_days(monday, ahead)
    if start is None:
        return None
    shown = max(start, ctx.today)
    return Hit(shown, confidence=0.5, week=start, only_week=True)


_WEEKDAY_PRE = (
    r"(?:(?P<pre>this\s+coming|next|coming|this|last|past|on|for|"
    + "|".join(de(w) for w in ("übernächsten", "übernächster", "nächsten", "nächster", "nächste",
                                "kommenden", "kommender", "diesen", "diesem", "dieser",
                                "letzten", "letzter", "vergangenen", "vergangener", "an dem",
                                "am", "für"))
    + r")\s+)?"
)
_WEEKDAY_POST = (
    r"(?:,?\s+(?P<post>after\s+next|nach\s+dem\s+" + de("nächsten") + r"|"
    r"(?:of\s+)?(?:the\s+)?(?:next|following)\s+week|(?:of\s+)?this\s+week|"
    + de("übernächste") + r"[rn]?\s+woche|"
    rf"(?:in\s+)?(?:der\s+)?(?:{de('nächste')}[rn]?|kommende[rn]?|diese[rn]?)\s+woche))?"
)


def _weekday_any(lang: Lang) -> str:
    return rf"(?:{WEEKDAY_RE}|{WEEKDAY_SHORT_RE[lang]})"


def _month_ref_re() -> str:
    nxt = rf"(?P<nm>next|following|coming|{de('nächsten')}|kommenden)"
    return (rf"(?:{MONTH_RE}|(?:(?:the|this|current|dem|diesem|dieses|des)\s+)?(?:{nxt}\s+)?"
            r"(?:month|monats?)\b)")


def pattern_list(lang: Lang) -> tuple[tuple[str, Handler], ...]:
    wd_any = _weekday_any(lang)
    day_marked = _day_marked(lang)
    ord_or_last = rf"(?:{_ORDINAL}(?:\s+(?P<rev>last))?|(?P<last>last|final|letzte[nrms]?))"
    of = r"\s+(?:of|in|im|des|in\s+the)\s+"
    return (
        (r"(?<![\d.])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)", _iso),
        (r"(?<![\d.:])(?P<d>\d{1,2})\.(?P<m>\d{1,2})(?P<end>\.(?P<y>\d{4}|\d{2}(?!\d))?)?"
         r"(?![\d]|\.\d)", _dotted),
        (r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])", _slashed),
        (rf"\b(?:the\s+)?(?:(?P<rank>{ORDINAL_WORD_RE})\s+)?closest\s+{wd_any}\s+to\s+"
         rf"(?:the\s+)?{MONTH_RE}\s*(?:the\s+)?{_DAY}", _closest),
        (rf"\b(?:the\s+|am\s+|der\s+|den\s+)?{ord_or_last}\s+{wd_any}{of}{_month_ref_re()}",
         _nth_weekday),
        (rf"\b(?:the\s+|am\s+|der\s+|den\s+)?{ord_or_last}\s+(?:day|tag){of}{_month_ref_re()}",
         _nth_day),
        (rf"\b{wd_any},?\s+{MONTH_RE}\s*(?:the\s+)?{_DAY}{_YEAR}", _weekday_and_date),
        (rf"\b{wd_any},?\s+{day_marked}(?:\s*(?:of\s+)?{MONTH_RE})?{_YEAR}",
         _weekday_and_date),
        (rf"\b(?:(?:on\s+)?the\s+|am\s+|den\s+|zum\s+)?{_DAY}(?:\s+day)?\s+(?:of\s+)?"
         rf"(?:the\s+|des\s+)?(?:(?P<nm>next|following|coming|{de('nächsten')}|kommenden)|this|"
         r"current|present|dieses|diesen)\s+(?:month|monats?)\b", _day_of_month_ref),
        (rf"\b{MONTH_RE}\s*(?:the\s+)?{_DAY}{_YEAR}", _month_day),
        (rf"(?<!\w)(?:the\s+)?{_DAY}\s*(?:of\s+)?{MONTH_RE}{_YEAR}", _month_day),
        (_holidays.PATTERN, _holiday),
        (rf"\b(?:the\s+)?ides\s+of\s+{MONTH_RE}{_YEAR}", _ides),
        (r"\b(?:the\s+)?day\s+after\s+tomorrow\b|\b" + de("übermorgen") + r"\b", _offset(2)),
        (r"\b(?:the\s+)?day\s+before\s+yesterday\b|\bvorgestern\b", _offset(-2)),
        (rf"\b(?P<n>{NUMBER_RE}|an?)\s+{WEEKDAY_RE}\s+from\s+(?:now|today)\b", _weekdays_from_now),
        (rf"\b(?P<weekpre>{_NEXT_WEEK}\s+(?:on\s+|am\s+)?){WEEKDAY_RE}", _weekday_rel),
        (rf"\b{_WEEKDAY_PRE}{wd_any}{_WEEKDAY_POST}", _weekday_rel),
        (rf"\b(?P<n2>an?|one|{NUMBER_RE})\s+(?P<unit2>days?|weeks?|months?|fortnight)\s+"
         r"(?:hence|from\s+(?:now|today))\b", _in_n),
        (r"\b(?:tomorrow|tomorow|tommorow|tommorrow|tmrw)(?:'?s)?\b", _offset(1)),
        (r"\bmorgen\b", _morgen),
        (r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b|\bheute\b", _offset(0)),
        (r"\byesterday\b|\bgestern\b", _offset(-1)),
        (rf"\bin\s+(?P<n>a\s+couple\s+of|a\s+couple|a\s+few|ein\s+paar|an?|einem|einer|"
         rf"{NUMBER_RE})\s+(?P<unit>days?|weeks?|months?|fortnight|tag(?:en)?|wochen?|"
         r"monat(?:en)?)\b", _in_n),
        (rf"\b(?P<after>{_WEEK_AFTER})|\b(?P<this>{_THIS_WEEK})|\b{_NEXT_WEEK}", _week),
        (rf"\b(?:on\s+the\s+(?:(?P<dn>\d{{1,2}})(?:st|nd|rd|th)|(?P<dw>{ORDINAL_WORD_RE}))|"
         r"the\s+(?P<dn2>\d{1,2})(?:st|nd|rd|th)\b)", _day_only),
        (r"(?<!\w)(?P<dn>\d{1,2})(?:st|nd|rd|th)\b(?P<dw>)", _day_only),
        (rf"\b(?:am|den|der|dem|zum|vom|ab\s+dem|bis\s+zum|{de('für')}\s+den)\s+"
         r"(?P<dn>\d{1,2})(?:\.|te[nrms]?\b)(?!\d)(?P<dw>)", _day_only),
        (rf"\b(?:am|zum|vom|ab\s+dem|bis\s+zum)\s+(?P<dn>)(?P<dw>{ORDINAL_WORD_RE})", _day_only),
    )
