"""Clock-time expressions ("3pm", "15:30", "half past two", "um halb drei", "viertel vor
vier", "10 Uhr 30") parsed into hour and minute, shared by times, part-of-day and choice.

A bare hour from 1 to 7 with no am/pm or part of day is read as afternoon (appointment
businesses are open in the day, nobody books 3 a.m.); such readings get confidence 0.8 so
callers can tell them from explicit ones. "halb drei" is 2:30 as in German usage, then the
same rule makes it 14:30.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..types import Lang
from ._numbers import NUMBER_RE, parse_number
from ._spans import Claims, de, preceding_words, wordlist


@dataclass(frozen=True)
class ClockHit:
    start: int
    end: int
    hour: int
    minute: int
    confidence: float

    @property
    def hhmm(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


_H = rf"(?P<h>{NUMBER_RE})"
_AMPM_EN = r"(?:\s*(?P<ap>a\.\s?m\.|p\.\s?m\.|a\.m|p\.m|am|pm)(?!\w))"
_AMPM_DE = r"(?:\s*(?P<ap>a\.\s?m\.|p\.\s?m\.|a\.m|p\.m|pm)(?!\w))"
_QUAL = (
    r"(?:\s+(?P<q>in\s+the\s+(?:morning|afternoon|evening)|at\s+night|tonight|"
    r"this\s+(?:morning|afternoon|evening)|morgens|" + de("früh") + r"|vormittags|nachmittags|"
    r"abends|nachts|mittags|am\s+(?:morgen|vormittag|nachmittag|abend)|in\s+der\s+"
    + de("früh") + r"|in\s+der\s+nacht)(?!\w))?"
)
_MIN_WORD = rf"(?:\s+(?:oh\s+)?(?P<mw>{NUMBER_RE}))"
_NOT_UNIT = (
    r"(?!\s*(?:hours?|days?|weeks?|months?|minutes?|mins?|people|persons?|kids|children|"
    r"stunden?|tagen?|wochen?|monaten?|minuten?|personen|leute|kinder|x\b|%|€|\$|euro|dollars?|"
    r"termine?n?|appointments?|slots?|spots?|plätze|platze|times|mal\b))"
)
# words after which a clock time is a preference or a range bound, not a chosen time
_NOT_A_TIME_AFTER = frozenset(
    wordlist("after before nach vor ab bis until till til between zwischen from von than")
)


def _pattern_list(lang: Lang) -> list[tuple[str, str]]:
    ampm = _AMPM_EN if lang == "en" else _AMPM_DE
    return [
        ("rel_halb", rf"\b(?P<mn>{NUMBER_RE})\s+(?P<dir>vor|nach)\s+halb\s+{_H}"),
        ("halb", rf"\bhalb\s+{_H}{_NOT_UNIT}{_QUAL}"),
        ("dreiviertel", rf"\bdreiviertel\s+{_H}{_QUAL}"),
        ("rel", rf"\b(?:(?P<half>half)|(?:a\s+)?(?P<q4>quarter|viertel)|(?P<mn>{NUMBER_RE})"
                rf"(?:\s+(?:minutes?|minuten))?)\s+(?P<dir>past|after|to|till|til|before|of|"
                rf"nach|vor)\s+{_H}{_NOT_UNIT}{ampm}?{_QUAL}"),
        ("half_en", rf"\bhalf\s+{_H}{_NOT_UNIT}{ampm}?{_QUAL}"),
        ("colon", rf"(?<![\d:])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?![\d:]){ampm}?(?:\s*uhr)?{_QUAL}"),
        ("dot", rf"(?<![\d.])(?P<h>\d{{1,2}})\.(?P<m>\d{{2}})(?![\d]|\.\d)"
                rf"(?:{ampm}|\s*(?P<uhr>uhr))?{_QUAL}"),
        ("ampm", rf"(?<![\w:.]){_H}{_MIN_WORD}?{ampm}{_QUAL}"),
        ("uhr", rf"(?<![\w:.]){_H}\s*uhr(?:\s+(?P<m>\d{{2}}|{NUMBER_RE}))?{_QUAL}"),
        ("oclock", rf"(?<![\w:.]){_H}\s*o'?\s?clock{_QUAL}"),
        ("noon", r"\b(?P<noon>noon|midday|midnight|mitternacht)\b|"
                 r"\b(?:um|gegen)\s+(?P<mittag>mittag)\b"),
        ("prep", rf"\b(?:at|around|at\s+about|um|gegen|so\s+gegen|so\s+um|ca\.?|circa)\s+"
                 rf"(?!(?:ein|eine)\b){_H}"
                 rf"{_MIN_WORD}?{_NOT_UNIT}(?!\s+(?:of|point)\b){_QUAL}"),
        ("qual", rf"(?<![\w:.]){_H}(?P<qreq>){_QUAL}"),
    ]


_COMPILED: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    lang: [(name, re.compile(p)) for name, p in _pattern_list(lang)] for lang in ("en", "de")
}
_BARE = re.compile(rf"{_H}(?:[:.](?P<m>\d{{2}}))?{_AMPM_EN}?(?:\s*uhr)?{_QUAL}")


def _qual_adjust(hour: int, qual: str) -> int:
    if any(k in qual for k in ("morning", "morgen", "morgens", "vormittag", "früh", "frueh",
                               "fruh")):
        return 0 if hour == 12 else hour
    if "nacht" in qual or "night" in qual:
        return hour + 12 if 7 <= hour < 12 else hour
    if "mittags" in qual:
        return hour + 12 if 1 <= hour <= 6 else hour
    return hour + 12 if 1 <= hour < 12 else hour


def _finish(
    hour: int, minute: int, m: re.Match[str], twelve_hour: bool, clock24: bool = False
) -> tuple[int, int, float] | None:
    """Apply am/pm, part-of-day words and the 1-7 → afternoon rule.

    ``clock24`` marks a 24-hour spelling ("08:00", "15 Uhr") that needs no guessing."""
    groups = m.groupdict()
    ap = (groups.get("ap") or "").replace(".", "").replace(" ", "")
    qual = re.sub(r"\s+", " ", groups.get("q") or "")
    if twelve_hour and hour == 0:
        hour = 12
    confidence = 1.0
    if ap:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ap == "pm" else 0)
    elif qual:
        if hour <= 12:
            hour = _qual_adjust(hour, qual)
    elif clock24:
        pass
    elif 1 <= hour <= 7:
        hour += 12
        confidence = 0.8
    elif 8 <= hour <= 12:
        confidence = 0.9
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return hour, minute, confidence


def _minute_of(raw: str | None) -> int | None:
    if not raw:
        return 0
    value = parse_number(raw)
    if value is None:
        return None
    if raw.strip().isdigit() and len(raw.strip()) != 2:
        return None  # "at 3 5" is not 3:05
    return value


def _read(name: str, m: re.Match[str]) -> tuple[int, int, bool] | None:
    """(hour, minute, twelve-hour-form) before am/pm handling."""
    hour = parse_number(m["h"]) if m.groupdict().get("h") else None
    if name == "noon":
        word = m["noon"] or m["mittag"]
        return (0 if word in ("midnight", "mitternacht") else 12), 0, False
    if hour is None:
        return None
    if name in ("rel_halb", "rel", "halb", "dreiviertel", "half_en"):
        if not 1 <= hour <= 12:
            return None
        total = hour * 60
        groups = m.groupdict()
        if name == "halb":
            total -= 30
        elif name == "dreiviertel":
            total -= 15
        elif name == "half_en":
            total += 30
        else:
            if groups.get("half"):
                delta = 30
            elif groups.get("q4"):
                delta = 15
            else:
                mn = parse_number(groups["mn"] or "")
                if mn is None or mn % 5 or not 5 <= mn <= 25:
                    return None  # "ten to five", not "from 2 to 4"
                delta = mn
            direction = groups["dir"]
            if name == "rel_halb":
                total += -30 - delta if direction == "vor" else -30 + delta
            elif direction in ("to", "till", "til", "before", "of", "vor"):
                total -= delta
            else:
                total += delta
        total %= 12 * 60
        return total // 60, total % 60, True
    minute = _minute_of(m.groupdict().get("m") or m.groupdict().get("mw"))
    if minute is None:
        return None
    return hour, minute, False


def _zero_padded(m: re.Match[str]) -> bool:
    raw = m.groupdict().get("h") or ""
    return len(raw) == 2 and raw.startswith("0") or (raw.isdigit() and int(raw) >= 13)


def scan(low: str, lang: Lang) -> Iterator[tuple[ClockHit, bool]]:
    """Clock times in lower-cased text, most specific pattern first, spans not overlapping.

    Yields ``(hit, preference)`` where ``preference`` marks a time that only bounds a range
    ("after 5", "nach 16 Uhr", "5pm or later"), which callers treat differently.
    """
    claims = Claims()
    for name, pattern in _COMPILED[lang]:
        for m in pattern.finditer(low):
            if not claims.free(m.start(), m.end()):
                continue
            if name == "dot" and not (m["ap"] or m["uhr"] or preceding_words(
                    low, m.start(), 1) in (["um"], ["gegen"], ["at"], ["ab"], ["nach"])):
                continue
            if name == "qual" and not m["q"]:
                continue
            if name in ("uhr", "prep", "qual") and _is_date_context(low, m.end()):
                continue
            read = _read(name, m)
            if read is None:
                continue
            hour, minute, twelve = read
            clock24 = name == "noon" or name in ("colon", "dot", "uhr") and _zero_padded(m)
            finished = _finish(hour, minute, m, twelve, clock24)
            if finished is None:
                continue
            claims.take(m.start(), m.end())
            before = preceding_words(low, m.start(), 4)
            preference = bool(before and before[-1] in _NOT_A_TIME_AFTER) or bool(
                before and before[-1] in ("and", "und", "to")
                and {"between", "zwischen", "from", "von"}.intersection(before)
            ) or bool(
                before[-2:] in (["later", "than"], ["not", "before"], ["nicht", "vor"])
            ) or bool(re.match(r"\s*(?:or\s+later|oder\s+" + de("später") + r"|onwards|and\s+later"
                               r"|or\s+after)", low[m.end():]))
            yield ClockHit(m.start(), m.end(), finished[0], finished[1], finished[2]), preference


def _is_date_context(low: str, end: int) -> bool:
    return bool(re.match(r"\.\s*\d|\s*(?:st|nd|rd|th)\b", low[end:]))


def parse_at(low: str, pos: int, lang: Lang, ranges: bool = False) -> ClockHit | None:
    """A clock time starting exactly at ``pos`` (after "after"/"nach"), bare hours allowed.

    ``ranges`` says the time opens a range ("from 10 to 2"), so "10 to 2" is not 1:50."""
    for name, pattern in _COMPILED[lang]:
        if name in ("prep", "qual") or ranges and name in ("rel", "rel_halb"):
            continue
        m = pattern.match(low, pos)
        if m is None:
            continue
        read = _read(name, m)
        if read is not None:
            clock24 = name in ("colon", "dot", "uhr") and _zero_padded(m)
            finished = _finish(read[0], read[1], m, read[2], clock24)
            if finished is not None:
                return ClockHit(m.start(), m.end(), *finished)
    m = _BARE.match(low, pos)
    if m is None:
        return None
    minute = int(m["m"]) if m["m"] else 0
    hour = parse_number(m["h"])
    if hour is None:
        return None
    finished = _finish(hour, minute, m, False, _zero_padded(m) or bool(m["m"] and hour >= 13))
    return ClockHit(m.start(), m.end(), *finished) if finished else None
