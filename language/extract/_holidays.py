"""Holidays as dates ("the day after Christmas", "drei Tage nach Ostern", "Heiligabend").

Customers book around holidays, so the common fixed-date ones and the ones that move with
Easter are days like any other: the next one from today (this year's if it is still ahead,
else next year's, or the year said), optionally moved by "N days/weeks after/before". Easter
Sunday comes from the Gregorian computus. A holiday that is a deadline or an occasion
("before Christmas", "for a Christmas party", "zu Weihnachten") is not that day, and "a
year after Christmas" is not read at all (which Christmas?); the dates module says so. Only holidays shared by the English- and
German-speaking customers of the demo businesses are listed; regional ones are not.
"""

from __future__ import annotations

import re
from datetime import date

from . import _calendar as cal
from ._numbers import NUMBER_RE, parse_number
from ._spans import de

# name (regex) → ("fixed", month, day) or ("easter", offset in days)
_HOLIDAYS: tuple[tuple[str, tuple[str, int, int]], ...] = (
    (r"christmas\s+eve|" + de("heiligabend") + r"|heilige[nr]?\s+abend", ("fixed", 12, 24)),
    (
        r"christmas(?:\s+day)?|xmas|(?:erste[rnm]?\s+|1\.\s*)?weihnachts(?:feier)?tag|weihnachten",
        ("fixed", 12, 25),
    ),
    (r"boxing\s+day|(?:zweite[rnm]?\s+|2\.\s*)weihnachts(?:feier)?tag", ("fixed", 12, 26)),
    (r"new\s+year'?s\s+eve|silvester|sylvester", ("fixed", 12, 31)),
    (r"new\s+year'?s(?:\s+day)?|neujahr(?:stag)?", ("fixed", 1, 1)),
    (r"valentine'?s(?:\s+day)?|valentinstag", ("fixed", 2, 14)),
    (r"halloween", ("fixed", 10, 31)),
    (r"tag\s+der\s+deutschen\s+einheit", ("fixed", 10, 3)),
    (r"good\s+friday|karfreitag", ("easter", -2, 0)),
    (r"easter\s+monday|easter\s+mon|ostermontag", ("easter", 1, 0)),
    (r"easter(?:\s+sunday)?|ostern|ostersonntag", ("easter", 0, 0)),
    (r"ascension\s+day|christi\s+himmelfahrt", ("easter", 39, 0)),
    (r"whit\s+monday|pfingstmontag", ("easter", 50, 0)),
    (r"pentecost|whitsun(?:day)?|pfingsten|pfingstsonntag", ("easter", 49, 0)),
)
_NAMES = "|".join(f"(?:{name})" for name, _ in _HOLIDAYS)
_COMPILED = tuple((re.compile(rf"(?:{name})\Z"), rule) for name, rule in _HOLIDAYS)

PATTERN = (
    rf"\b(?:(?P<hn>{NUMBER_RE}|a|an|one|the|dem|einem|ein|am)\s+(?P<hunit>days?|weeks?|months?|"
    rf"years?|tage?n?|wochen?|monate?n?|jahre?n?)\s+(?P<hdir>after|before|from|nach|vor)\s+)?"
    rf"(?:(?:the|this|next|dem|den)\s+)?"
    rf"(?P<hol>{_NAMES})(?!\w)(?:\s+(?P<hy>\d{{4}})(?!\d))?"
)


def easter(year: int) -> date:
    """Easter Sunday of ``year`` (Gregorian; the "anonymous" computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    x = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * x) // 451
    month, day = divmod(h + x - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _on(rule: tuple[str, int, int], year: int) -> date | None:
    kind, first, second = rule
    if kind == "fixed":
        return cal.safe_date(year, first, second)
    return cal.add_days(easter(year), first)


def resolve(match: re.Match[str], today: date) -> tuple[date | None, bool]:
    """(the day, whether a year was said) for a :data:`PATTERN` match; ``None`` for a day
    that cannot be told ("a year after Christmas": which Christmas?)."""
    if match["hunit"] and match["hunit"].startswith(("month", "year", "monat", "jahr")):
        return None, False
    name = " ".join(match["hol"].split())
    rule = next((r for pattern, r in _COMPILED if pattern.match(name)), None)
    if rule is None:
        return None, False
    if match["hy"]:
        day = _on(rule, int(match["hy"]))
    else:
        day = _on(rule, today.year)
        if day is not None and day < today:
            day = _on(rule, today.year + 1)
    if day is None or not match["hdir"]:
        return day, bool(match["hy"])
    raw = match["hn"]
    count = (
        1 if raw in ("a", "an", "one", "the", "dem", "einem", "ein", "am") else parse_number(raw)
    )
    if count is None:
        return None, False
    per = 7 if match["hunit"].startswith(("week", "woch")) else 1
    sign = -1 if match["hdir"] in ("before", "vor") else 1  # "from" counts forward
    return cal.add_days(day, sign * count * per), bool(match["hy"])
