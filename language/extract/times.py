"""Clock times ("3pm", "um halb drei", "in 2 hours") and part-of-day preferences.

A time that only bounds a range — "after 5", "nach 16 Uhr", "5pm or later", "before 10",
"bis 12 Uhr" — is a preference, not a chosen time: :func:`extract_times` leaves it out,
:func:`extract_part_of_day` reports a lower bound as ``after`` and
:func:`extract_before_time` an upper one. Relative times ("in 2 hours") are
computed as real durations from ``now`` and read off the business's wall clock, which is
what the customer means even across a DST change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..types import FieldCandidate, Lang
from . import _clock
from ._numbers import NUMBER_RE, parse_number
from ._spans import Claims, de, lower_keep, preceding_words
from ._vocab import correcting, negated

_IN_DURATION = re.compile(
    rf"\bin\s+(?P<n>half\s+an|an?|einer\s+halben|einer|einem|ein\s+paar|a\s+couple(?:\s+of)?|"
    rf"(?:a\s+)?few|{NUMBER_RE})\s*(?P<unit>hours?|hrs?|h\b|minutes?|mins?|stunden?|minuten?)\b"
    r"(?!\s+(?:past|to|after|before|from|till|til|of|nach|vor)\b)"  # "in 15 minutes past 3"
)
# vague counts as the corpora's speakers mean them: "a couple" and "ein paar" two, "a few" three
_VAGUE = {"a couple": 2, "a couple of": 2, "ein paar": 2, "a few": 3, "few": 3}


def _duration_minutes(raw: str, unit: str) -> int | None:
    raw = re.sub(r"\s+", " ", raw)
    hours = unit.startswith(("h", "s"))
    if raw in ("half an", "einer halben"):
        return 30 if hours else None
    count = 1 if raw in ("a", "an", "einer", "einem") else _VAGUE.get(raw) or parse_number(raw)
    if count is None or unit == "h" and count > 12:
        return None  # "come in 15h" is a clock time, not fifteen hours
    return count * 60 if hours else count


def extract_times(text: str, lang: Lang, now: datetime, tz: str) -> list[FieldCandidate]:
    """Chosen clock times as ``HH:MM``, best first; range bounds are left out."""
    low = lower_keep(text)
    claims = Claims()
    found: list[FieldCandidate] = []
    for m in _IN_DURATION.finditer(low):
        minutes = _duration_minutes(m["n"], m["unit"])
        if minutes is None or minutes > 24 * 60 or now.tzinfo is None:
            continue
        later = (now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(ZoneInfo(tz))
        claims.take(m.start(), m.end())
        found.append(_candidate(text, m.start(), m.end(), f"{later:%H:%M}", 0.9))
    for hit, preference in _clock.scan(low, lang):
        if preference or not claims.take(hit.start, hit.end):
            continue
        confidence = hit.confidence
        if negated(low, hit.start, hit.end):
            confidence *= 0.5
        found.append(_candidate(text, hit.start, hit.end, hit.hhmm, confidence))
    later_first = correcting(low) and len(found) > 1
    found.sort(key=lambda c: (-c.confidence, -c.span[0] if later_first else c.span[0]))
    return found


def _candidate(text: str, start: int, end: int, value: str, confidence: float) -> FieldCandidate:
    return FieldCandidate(
        type="time", value=value, span=(start, end), text=text[start:end], confidence=confidence
    )


_FRUEH = de("früh")
_PARTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "morning",
        re.compile(
            r"\b(?:mornings?|before\s+(?:noon|lunch|midday|12(?:\s*pm)?|twelve)|vormittags?|morgens|"
            rf"(?:morgen|heute|in\s+der|ganz)\s+{_FRUEH}|{_FRUEH}morgens|am\s+morgen|"
            r"vor\s+(?:12|zwölf|zwoelf)(?:\s+uhr)?|vor\s+(?:der\s+)?mittag(?:spause)?|"
            r"bis\s+mittag)\b"
        ),
    ),
    (
        "afternoon",
        re.compile(
            r"\b(?:afternoons?|after\s+lunch|nachmittags?|nach\s+(?:dem\s+)?mittag(?:essen)?|"
            r"nach\s+der\s+mittagspause|am\s+nachmittag)\b"
        ),
    ),
    (
        "evening",
        re.compile(
            r"\b(?:evenings?|tonight|after\s+work|abends?|am\s+abend|nach\s+der\s+arbeit|"
            r"nach\s+feierabend|feierabend)\b"
        ),
    ),
)
_AFTER = re.compile(
    r"\b(?:after|later\s+than|not\s+before|from|between|nach|ab|nicht\s+vor|zwischen|"
    + de("frühestens")
    + r"|earliest)\s+(?:(?:um|at)\s+)?"
)
_GREETING_BEFORE = ("good", "guten", "einen", "schönen", "schoenen")


def extract_part_of_day(text: str, lang: Lang) -> tuple[str, str]:
    """(``morning``/``afternoon``/``evening``/``""``, ``after`` as ``HH:MM`` or ``""``).

    A part of the day that settles a chosen clock time ("tonight at 8", "afternoon 3") is
    part of that time, not a preference of its own."""
    low = lower_keep(text)
    consumed = Claims()
    for hit, preference in _clock.scan(low, lang):
        if not preference:
            consumed.take(hit.start, hit.end)
            if hit.part_span is not None:
                consumed.take(*hit.part_span)
    part, part_at = "", len(low) + 1
    for name, pattern in _PARTS:
        for m in pattern.finditer(low):
            if (
                preceding_words(low, m.start(), 1)
                and preceding_words(low, m.start(), 1)[0] in (_GREETING_BEFORE)
                or not consumed.free(m.start(), m.end())
            ):
                continue
            if m.start() < part_at:
                part, part_at = name, m.start()
            break
    return part, _after_time(low, lang)


# "between 2 and 4", "from 10 to 12", "von 10 bis 12", "zwischen 14 und 16 Uhr"
_RANGE = re.compile(r"\b(?:between|zwischen|from|von)\s+")
_RANGE_JOIN = re.compile(r"\s*(?:and|und|to|bis|-|–)\s*")
_BEFORE = re.compile(
    r"\b(?:before|earlier\s+than|no\s+later\s+than|not\s+after|until|till|vor|bis|"
    r"nicht\s+nach|" + de("spätestens") + r"|latest)\s+(?:(?:um|at)\s+)?"
)
_NOT_A_CLOCK_AHEAD = re.compile(
    r"\s*(?:hours?|hrs?|days?|weeks?|months?|minutes?|mins?|stunden?|tagen?|wochen?|"
    r"monaten?|minuten?|people|personen|leute|kinder|kindern)\b|\.\s*(?:\d|[a-zäöü])"
)
_DAY_MONTH = re.compile(r"\d{1,2}\.(\d{1,2})\.")


def _after_time(low: str, lang: Lang) -> str:
    for m in _AFTER.finditer(low):
        before = preceding_words(low, m.start(), 1)
        if before and (
            before[0] in ("not", "nicht")
            and m.group(0).startswith(("nach", "after"))
            or before[0] == "no"
            and m.group(0).startswith("later")
        ):
            continue  # "not after 5", "no later than 4" are upper bounds
        if (
            m.group(0).startswith(("nach", "after"))
            and before
            and (before[0] in ("viertel", "quarter", "half") or parse_number(before[0]) is not None)
        ):
            continue  # "viertel nach zehn", "ten after three" are clock times
        keyword = m.group(0).split()[0]
        ranges = keyword in ("from", "von", "ab", "between", "zwischen")
        hit = _clock.parse_at(low, m.end(), lang, ranges=ranges)
        if hit is not None:
            return hit.hhmm
    for hit, preference in _clock.scan(low, lang):
        if preference and re.match(
            r"\s*(?:or\s+later|oder\s+" + de("später") + r"|onwards|and"
            r"\s+later|or\s+after)",
            low[hit.end :],
        ):
            return hit.hhmm
    bounds = _range(low, lang)  # "von 10 bis 12" ("von" alone is too common to read)
    return bounds[0].hhmm if bounds else ""


def _is_clock(low: str, hit: _clock.ClockHit) -> bool:
    """Not a count ("2 weeks", "2 Kinder") nor a date ("12.12.", "12. Dezember")."""
    if _NOT_A_CLOCK_AHEAD.match(low, hit.end):
        return False
    date_like = _DAY_MONTH.match(low, hit.start)
    return not (date_like and int(date_like.group(1)) <= 12)


def _range(low: str, lang: Lang) -> tuple[_clock.ClockHit, _clock.ClockHit] | None:
    """The first "between/from/von/zwischen <time> and/to/bis/- <time>" in ``low``."""
    for m in _RANGE.finditer(low):
        first = _clock.parse_at(low, m.end(), lang, ranges=True)
        join = _RANGE_JOIN.match(low, first.end) if first is not None else None
        if first is None or join is None or not _is_clock(low, first):
            continue
        second = _clock.parse_at(low, join.end(), lang, ranges=True)
        if second is not None and _is_clock(low, second):
            return first, second
    return None


def extract_before_time(text: str, lang: Lang) -> str:
    """The latest start the customer wants, ``HH:MM``: "before 10", "bis 12 Uhr",
    "no later than 4pm", "between 2 and 4" (16:00); ``""`` when none is said."""
    low = lower_keep(text)
    for m in _BEFORE.finditer(low):
        before = preceding_words(low, m.start(), 1)
        if before and before[0] in ("not", "nicht") and m.group(0).startswith(("vor", "before")):
            continue  # "not before 9" is a lower bound
        if (
            m.group(0).startswith(("vor", "before"))
            and before
            and (
                before[0] in ("viertel", "quarter", "half", "minutes", "minuten")
                or parse_number(before[0]) is not None
            )
        ):
            continue  # "viertel vor zehn", "ten before five" are clock times
        hit = _clock.parse_at(low, m.end(), lang, ranges=True)
        if hit is not None and _is_clock(low, hit):
            return hit.hhmm
    bounds = _range(low, lang)
    return bounds[1].hhmm if bounds else ""
