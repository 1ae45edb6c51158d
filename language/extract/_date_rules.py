"""The date grammar: one pattern per way of saying a day, each with the rule that resolves it.

Patterns are tried in order and a span claimed by one is not read again by a later one, so
the most specific come first ("the first Tuesday of October" before "Tuesday", "Thu 15th"
before "the 15th"). A handler returns a :class:`~._date_base.Hit`; ``BLOCK`` claims words
that say a day in a way that cannot be resolved (a weekday that contradicts its date), so no
part of them is read on its own. Days named by their month are resolved in
:mod:`._date_months`; the conventions are in :mod:`language.extract.dates`.
"""

from __future__ import annotations

import re

from ..types import Lang
from . import _calendar as cal
from . import _date_months as months
from . import _holidays
from ._date_base import (
    DAY,
    NEXT_WEEK,
    ORDINAL,
    THIS_WEEK,
    WEEK_AFTER,
    YEAR,
    Ctx,
    Handler,
    Hit,
    day_marked,
    day_value,
    group,
    resolve_explicit,
    weekday_in,
    year_of,
)
from ._numbers import NUMBER_RE, ORDINAL_WORD_RE, parse_number
from ._spans import de, preceding_words
from ._vocab import MONTH_RE, WEEKDAY_RE, WEEKDAY_SHORT_RE

# ---------------------------------------------------------------- numeric dates


def _iso(m: re.Match[str], ctx: Ctx) -> Hit:
    return resolve_explicit(ctx, int(m["y"]), int(m["m"]), int(m["d"]))


_DAY_PREPS = (["am"], ["den"], ["vom"], ["zum"], ["bis"], ["ab"], ["dem"], ["für"], ["fuer"])


def _dotted(m: re.Match[str], ctx: Ctx) -> Hit | None:
    day, month = int(m["d"]), int(m["m"])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None  # "14.30." is a time, not a date
    before = preceding_words(ctx.low, m.start(), 1)
    if (
        before in (["um"], ["gegen"], ["at"])
        or before in (["ab"], ["nach"], ["vor"])
        and not (m["end"])
    ):
        return None  # "um 10.10." is a time at the end of a sentence
    if not m["end"] and (
        ctx.lang != "de"
        or re.match(r"\s*(?:uhr|h\b)", ctx.low[m.end() :])
        or not (before in _DAY_PREPS or len(m["d"]) == len(m["m"]) == 2)
    ):
        return None  # "10.10" without its final dot: a German date after "am", or as "10.10"
    return resolve_explicit(ctx, year_of(m["y"]), month, day)


def _slashed(m: re.Match[str], ctx: Ctx) -> Hit | None:
    first, second = int(m["a"]), int(m["b"])
    month, day = (first, second) if ctx.lang == "en" else (second, first)
    if month > 12 and day <= 12:
        month, day = day, month
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return resolve_explicit(ctx, year_of(m["y"]), month, day)


# ---------------------------------------------------------------- days of the month


def _day_only(m: re.Match[str], ctx: Ctx) -> Hit | None:
    day = day_value(m)
    if day is None:
        return None
    if ctx.lang == "de" and re.match(r"\s*[A-ZÄÖÜ]", ctx.text[m.end() :]):
        return None  # "am ersten Termin", "der 2. Versuch": an ordinal of a noun, not a day
    if day == 0 or day > 31:
        return Hit(None, "impossible_date")
    found = cal.day_of_month(ctx.today, day)
    return Hit(
        found, "" if found else "impossible_date", 0.8 if group(m, "dw") else 0.9, absolute=True
    )


# ---------------------------------------------------------------- relative days


def _offset(days: int) -> Handler:
    def handler(m: re.Match[str], ctx: Ctx) -> Hit | None:
        found = cal.add_days(ctx.today, days)
        return Hit(found, "past" if days < 0 else "")

    return handler


def _morgen(m: re.Match[str], ctx: Ctx) -> Hit | None:
    before = preceding_words(ctx.low, m.start(), 1)
    if before and before[0] in (
        "guten",
        "am",
        "jeden",
        "heute",
        "gestern",
        "diesen",
        "dem",
        "den",
        "einen",
        "schönen",
        "schoenen",
        "morgen",
    ):
        return None  # "Guten Morgen", "am Morgen", "heute Morgen" are not tomorrow
    return Hit(cal.add_days(ctx.today, 1))


_PRE_THIS = re.compile(r"this|this coming|coming|dies(?:en|em|er)|kommende[nr]?")
_PRE_LAST = re.compile(r"last|past|letzte[nr]|vergangene[nr]")
_PRE_AFTER_NEXT = re.compile(de("übernächste") + "[nr]?")
_BARE_PRE = ("", "on", "for", "am", "an dem", "für", "fur", "fuer")
_DE_SHORT_NOT_WORDS = frozenset(("mo", "di", "mi", "fr", "sa"))
# what may follow a short weekday name: a date, a clock time, a part of the day
_SHORT_AHEAD = re.compile(
    r"\.?,?\s*(?:\d|the\s+\d|(?:at|um|@)\s*\d|(?:morning|afternoon|evening|"
    r"vormittag|nachmittag|abend)\b)"
)
_SHORT_BEFORE = frozenset(
    (
        "on",
        "this",
        "next",
        "coming",
        "until",
        "by",
        "from",
        "for",
        "am",
        "ab",
        "bis",
        "vom",
        "zum",
        "nächsten",
        "naechsten",
        "kommenden",
        "diesen",
    )
)


def _short_form_ok(m: re.Match[str], ctx: Ctx) -> bool:
    """ "sat", "So.", "Do": a weekday only where one is expected (see ``WEEKDAY_SHORT``)."""
    if not group(m, "ws"):
        return True
    if not ctx.low[: m.start()].strip(" ,.!?-") and not ctx.low[m.end() :].strip(" ,.!?-"):
        return True  # the whole message
    before = preceding_words(ctx.low, m.start("ws"), 1)
    if before and before[0] in _SHORT_BEFORE:
        return True
    if (
        ctx.lang == "de"
        and group(m, "ws") in _DE_SHORT_NOT_WORDS
        and ctx.low.startswith(".", m.end("ws"))
    ):
        return True  # "Fr.", "Sa.": no German word is spelt so
    if ctx.lang == "de" and not ctx.low.startswith(".", m.end("ws")):
        return False  # "so um 3", "do 15 Uhr": German short forms need their dot here
    return bool(_SHORT_AHEAD.match(ctx.low, m.end("ws")))


def _weekday_rel(m: re.Match[str], ctx: Ctx) -> Hit | None:
    weekday = weekday_in(m, ctx)
    if weekday is None or not _short_form_ok(m, ctx):
        return None
    pre, post = group(m, "pre"), group(m, "post")
    monday = cal.monday_of(ctx.today)
    if monday is None:
        return None
    if "week" in post or "woche" in post or group(m, "weekpre"):
        this_week = "this" in post or "diese" in post
        after = (
            "after" in post
            or "übernächst" in post
            or "uebernaechst" in post
            or ("ubernachst" in post)
        )
        found = cal.add_days(monday, weekday + (0 if this_week else 14 if after else 7))
    elif _PRE_LAST.fullmatch(pre):
        found = cal.previous_weekday(ctx.today, weekday)
    elif _PRE_THIS.fullmatch(pre):
        found = cal.next_weekday(
            ctx.today, weekday, include_today=pre == "this" or pre.startswith("dies")
        )
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


def _weekdays_from_now(m: re.Match[str], ctx: Ctx) -> Hit | None:
    """ "3 fridays from now": the third Friday after today."""
    count = 1 if group(m, "n") in ("a", "an", "one") else parse_number(group(m, "n"))
    weekday = weekday_in(m, ctx)
    if count is None or weekday is None or not 1 <= count <= 52:
        return None
    first = cal.next_weekday(ctx.today, weekday, include_today=False)
    return Hit(cal.add_days(first, 7 * (count - 1)) if first else None)


_UNIT_DAYS = {"day": 1, "tag": 1, "week": 7, "woch": 7, "fortnight": 14}
_VAGUE = {"a couple of": 2, "a couple": 2, "ein paar": 2, "a few": 3}


def _in_n(m: re.Match[str], ctx: Ctx) -> Hit | None:
    raw = group(m, "n") or group(m, "n2")
    unit = group(m, "unit") or group(m, "unit2")
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
    ahead = 0 if group(m, "this") else 14 if group(m, "after") else 7
    start = cal.add_days(monday, ahead)
    if start is None:
        return None
    shown = max(start, ctx.today)
    return Hit(shown, confidence=0.5, week=start)


_WEEKDAY_PRE = (
    r"(?:(?P<pre>this\s+coming|next|coming|this|last|past|on|for|"
    + "|".join(
        de(w)
        for w in (
            "übernächsten",
            "übernächster",
            "nächsten",
            "nächster",
            "nächste",
            "kommenden",
            "kommender",
            "diesen",
            "diesem",
            "dieser",
            "letzten",
            "letzter",
            "vergangenen",
            "vergangener",
            "an dem",
            "am",
            "für",
        )
    )
    + r")\s+)?"
)
_WEEKDAY_POST = (
    r"(?:,?\s+(?P<post>after\s+next|nach\s+dem\s+" + de("nächsten") + r"|"
    r"(?:of\s+)?(?:the\s+)?(?:next|following)\s+week|(?:of\s+)?this\s+week|"
    + de("übernächste")
    + r"[rn]?\s+woche|"
    rf"(?:in\s+)?(?:der\s+)?(?:{de('nächste')}[rn]?|kommende[rn]?|diese[rn]?)\s+woche))?"
)


def _weekday_any(lang: Lang) -> str:
    return rf"(?:{WEEKDAY_RE}|{WEEKDAY_SHORT_RE[lang]})"


def _month_ref_re() -> str:
    nxt = rf"(?P<nm>next|following|coming|{de('nächsten')}|kommenden)"
    return (
        rf"(?:{MONTH_RE}|(?:(?:the|this|current|dem|diesem|dieses|des)\s+)?(?:{nxt}\s+)?"
        r"(?:month|monats?)\b)"
    )


def pattern_list(lang: Lang) -> tuple[tuple[str, Handler], ...]:
    wd_any = _weekday_any(lang)
    marked = day_marked(lang)
    ord_or_last = rf"(?:{ORDINAL}(?:\s+(?P<rev>last))?|(?P<last>last|final|letzte[nrms]?))"
    of = r"\s+(?:of|in|im|des|in\s+the)\s+"
    return (
        (r"(?<![\d.])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)", _iso),
        (
            r"(?<![\d.:])(?P<d>\d{1,2})\.(?P<m>\d{1,2})(?P<end>\.(?P<y>\d{4}|\d{2}(?!\d))?)?"
            r"(?![\d]|\.\d)",
            _dotted,
        ),
        (r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])", _slashed),
        (
            rf"\b(?:the\s+)?(?:(?P<rank>{ORDINAL_WORD_RE})\s+)?closest\s+{wd_any}\s+to\s+"
            rf"(?:the\s+)?{MONTH_RE}\s*(?:the\s+)?{DAY}",
            months.closest,
        ),
        (
            rf"\b(?:the\s+|am\s+|der\s+|den\s+)?{ord_or_last}\s+{wd_any}{of}{_month_ref_re()}",
            months.nth_weekday,
        ),
        (
            rf"\b(?:the\s+|am\s+|der\s+|den\s+)?{ord_or_last}\s+(?:day|tag){of}{_month_ref_re()}",
            months.nth_day,
        ),
        (rf"\b{wd_any},?\s+{MONTH_RE}\s*(?:the\s+)?{DAY}{YEAR}", months.weekday_and_date),
        (rf"\b{wd_any},?\s+{marked}(?:\s*(?:of\s+)?{MONTH_RE})?{YEAR}", months.weekday_and_date),
        (
            rf"\b(?:(?:on\s+)?the\s+|am\s+|den\s+|zum\s+)?{DAY}(?:\s+day)?\s+(?:of\s+)?"
            rf"(?:the\s+|des\s+)?(?:(?P<nm>next|following|coming|{de('nächsten')}|kommenden)|this|"
            r"current|present|dieses|diesen)\s+(?:month|monats?)\b",
            months.day_of_month_ref,
        ),
        (rf"\b{MONTH_RE}\s*(?:the\s+)?{DAY}{YEAR}", months.month_day),
        (rf"(?<!\w)(?:the\s+)?{DAY}\s*(?:of\s+)?{MONTH_RE}{YEAR}", months.month_day),
        (_holidays.PATTERN, months.holiday),
        (rf"\b(?:the\s+)?ides\s+of\s+{MONTH_RE}{YEAR}", months.ides),
        (r"\b(?:the\s+)?day\s+after\s+tomorrow\b|\b" + de("übermorgen") + r"\b", _offset(2)),
        (r"\b(?:the\s+)?day\s+before\s+yesterday\b|\bvorgestern\b", _offset(-2)),
        (rf"\b(?P<n>{NUMBER_RE}|an?)\s+{WEEKDAY_RE}\s+from\s+(?:now|today)\b", _weekdays_from_now),
        (rf"\b(?P<weekpre>{NEXT_WEEK}\s+(?:on\s+|am\s+)?){WEEKDAY_RE}", _weekday_rel),
        (rf"\b{_WEEKDAY_PRE}{wd_any}{_WEEKDAY_POST}", _weekday_rel),
        (
            rf"\b(?P<n2>an?|one|{NUMBER_RE})\s+(?P<unit2>days?|weeks?|months?|fortnight)\s+"
            r"(?:hence|from\s+(?:now|today))\b",
            _in_n,
        ),
        (r"\b(?:tomorrow|tomorow|tommorow|tommorrow|tmrw)(?:'?s)?\b", _offset(1)),
        (r"\bmorgen\b", _morgen),
        (r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b|\bheute\b", _offset(0)),
        (r"\byesterday\b|\bgestern\b", _offset(-1)),
        (
            rf"\bin\s+(?P<n>a\s+couple\s+of|a\s+couple|a\s+few|ein\s+paar|an?|einem|einer|"
            rf"{NUMBER_RE})\s+(?P<unit>days?|weeks?|months?|fortnight|tag(?:en)?|wochen?|"
            r"monat(?:en)?)\b",
            _in_n,
        ),
        (rf"\b(?P<after>{WEEK_AFTER})|\b(?P<this>{THIS_WEEK})|\b{NEXT_WEEK}", _week),
        (
            rf"\b(?:on\s+the\s+(?:(?P<dn>\d{{1,2}})(?:st|nd|rd|th)|(?P<dw>{ORDINAL_WORD_RE}))|"
            r"the\s+(?P<dn2>\d{1,2})(?:st|nd|rd|th)\b)",
            _day_only,
        ),
        (r"(?<!\w)(?P<dn>\d{1,2})(?:st|nd|rd|th)\b(?P<dw>)", _day_only),
        (
            rf"\b(?:am|den|der|dem|zum|vom|ab\s+dem|bis\s+zum|{de('für')}\s+den)\s+"
            r"(?P<dn>\d{1,2})(?:\.|te[nrms]?\b)(?!\d)(?P<dw>)",
            _day_only,
        ),
        (rf"\b(?:am|zum|vom|ab\s+dem|bis\s+zum)\s+(?P<dn>)(?P<dw>{ORDINAL_WORD_RE})", _day_only),
    )
