"""Dates in English and German, resolved against ``now`` in the business timezone.

Conventions, chosen once and documented here:

* "Monday", "on Monday", "am Montag", "nächsten Montag", "kommenden Montag", "this coming
  Monday": the first Monday strictly after today (1-7 days ahead). Only "this Monday" /
  "diesen Montag" may mean today.
* English "next Monday" is that too when the first Monday after today already lies in the
  following calendar week (weeks start on Monday). When it still lies in this week ("next
  Friday" said on a Tuesday) it is the following week's Friday, as Duckling's corpus reads
  it; the read-back shows the date, so a customer who meant this week's says so. German
  "nächsten Freitag" is the coming one, as German speakers (and Duckling's corpus) use it.
* "Monday after next" / "übernächsten Montag" / "Montag nach dem nächsten": a week after
  the coming one.
* "Monday next week", "Wednesday of next week", "Montag nächste Woche", "next week
  Monday": that weekday in the following calendar week. A week named anywhere in the
  message places a bare weekday said with it: "sometime next week, Tuesday afternoon" is
  next week's Tuesday, "Mittwoch in zwei Wochen" the Wednesday of the week two weeks on.
  "next week" alone: the Monday of next week, confidence 0.5 ("this week": today).
* "the 3rd" / "on the third" / "am 3." / "am dritten": this month if not yet past, else the
  next month that has that day. A bare "the third" is not a date (it is how people pick
  the third offered option). "the 20th of next month" / "am 20. nächsten Monats": exactly
  that month; "the 20th of this month": this month (``past`` when gone).
* "the first Tuesday of October", "the last Friday of the month", "letzter Montag im März",
  "the third day of October", "the fifth last day of May": counted within that month; a
  named month already past this year means next year's.
* A weekday said with its date ("Thu 15th", "Fri, Sep 20", "Sa, 21. Sept") is the first
  date on which both hold; when they contradict each other ("Friday, March 14" when the
  14th is a Thursday) nothing is read and the desk asks.
* "3 fridays from now": the third Friday after today. "in 2 weeks", "a week hence",
  "three days from now": counted from today.
* A yearless "March 3" / "3. März": this year's if ahead, else the nearer of this year's
  (reported as ``past``) and next year's.
* Numeric "3/14" is month/day in English and day/month in German (each falls back to the
  other order when only that one is possible); "14.3." and "14.03.2027" are day.month, and
  in German so are "am 10.10" and "10.10" (a time needs "um" or "Uhr").
* Short weekday names that are also words ("sat", "sun", "Mo", "Do", "So") are weekdays
  only as a whole message, after "on"/"am"/"next"…, or followed by a date or time.
* Dates before today get ``problem="past"``; dates that cannot exist ("30 February",
  "31.04.") get ``problem="impossible_date"``; either way ``value`` is empty.

Ranking, best first: a mention that is negated ("not Monday", "Monday doesn't work",
"instead of Monday", "nicht am Montag") keeps half its confidence; a calendar date said as
such ranks above a relative one ("today, March 5th" is March 5th); in a message that
corrects ("no", "actually", "I meant", "instead", "lieber") the later mention ranks above
the earlier one, otherwise the earlier one first.

All arithmetic is on local ``date`` values (see ``_calendar``).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from ..types import FieldCandidate, Lang
from . import _calendar as cal
from ._date_base import BLOCK, Ctx, Hit
from ._date_rules import pattern_list
from ._spans import Claims, lower_keep
from ._vocab import correcting, negated

_COMPILED = {
    lang: tuple((re.compile(p), h) for p, h in pattern_list(lang)) for lang in ("en", "de")
}


def _scan(low: str, ctx: Ctx) -> list[tuple[int, int, Hit]]:
    claims = Claims()
    found: list[tuple[int, int, Hit]] = []
    for pattern, handler in _COMPILED[ctx.lang]:
        for m in pattern.finditer(low):
            if not claims.free(m.start(), m.end()):
                continue
            hit = handler(m, ctx)
            if hit is None:
                continue
            claims.take(m.start(), m.end())
            if hit is not BLOCK:
                found.append((m.start(), m.end(), hit))
    return found


def _place_in_week(found: list[tuple[int, int, Hit]], today: date) -> list[tuple[int, int, Hit]]:
    """A bare weekday said with one named week is that week's weekday; the week itself is
    then no separate date."""
    weeks = {h.week for _s, _e, h in found if h.week is not None}
    bare = [f for f in found if f[2].weekday is not None]
    if len(weeks) != 1 or not bare:
        return found
    monday = next(iter(weeks))
    out = []
    for start, end, hit in found:
        if hit.week is not None:
            continue
        if hit.weekday is not None and monday is not None:
            day = cal.add_days(monday, hit.weekday)
            hit = Hit(day, "past" if day is not None and day < today else "")
        out.append((start, end, hit))
    return out


def extract_dates(text: str, lang: Lang, now: datetime, tz: str) -> list[FieldCandidate]:
    """Every date mentioned in ``text``, best first (see the module docstring for rules)."""
    low = lower_keep(text)
    ctx = Ctx(cal.local_today(now, tz), lang, text, low)
    found = _place_in_week(_scan(low, ctx), ctx.today)
    later_first = correcting(low) and len(found) > 1
    ranked: list[tuple[tuple[float, int, int], FieldCandidate]] = []
    for start, end, hit in found:
        confidence = hit.confidence
        if negated(low, start, end):
            confidence *= 0.5
        problem = hit.problem if hit.day is not None or hit.problem else "impossible_date"
        candidate = FieldCandidate(
            type="date",
            value="" if problem else hit.day.isoformat() if hit.day else "",
            problem=problem,
            span=(start, end),
            text=text[start:end],
            confidence=confidence,
        )
        ranked.append(
            ((-confidence, 0 if hit.absolute else 1, -start if later_first else start), candidate)
        )
    ranked.sort(key=lambda r: r[0])
    return [c for _k, c in ranked]
