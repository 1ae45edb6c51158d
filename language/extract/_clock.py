"""Clock-time expressions ("3pm", "15:30", "half past two", "um halb drei", "viertel vor
vier", "10 Uhr 30", "15h30", "1030", "a quarter past noon") parsed into hour and minute,
shared by times, part-of-day and choice.

Which half of the day, in order:

1. am/pm ("3pm", "3:18a", "nine fifty nine a m", "3 in the AM") decides;
2. a 24-hour spelling ("15:30", "08:00", "15 Uhr", "15h", "17h10") needs no guessing;
3. a part of the day qualifying the clock ("afternoon 3", "3 in the afternoon", "abends
   um 7") or naming the day around it in the same clause ("tonight at 8", "9 tomorrow
   morning", "Saturday morning at 9") says am or pm (``_dayparts``); twelve o'clock with a
   part of the day that does not settle it, and a 24-hour time its part of the day
   contradicts, read as nothing;
4. otherwise a bare hour from 1 to 7 is afternoon (appointment businesses are open in the
   day, nobody books 3 a.m.), confidence 0.8, and 8 to 12 is as said, confidence 0.9, so
   callers can tell guesses from explicit ones. "halb drei" is 2:30 as in German usage,
   then the same rule makes it 14:30.

A phrase that is recognised but cannot be read ("30 minutes past 3 pm" is read, "75 minutes
past 3" is not) still claims its words, so no shorter reading of a part of it ("3 pm")
takes its place: a miss, never a wrong value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..types import Lang
from . import _dayparts as parts
from ._numbers import NUMBER_RE, parse_number
from ._spans import Claims, preceding_words, wordlist


@dataclass(frozen=True)
class ClockHit:
    start: int
    end: int
    hour: int
    minute: int
    confidence: float
    part_span: tuple[int, int] | None = None  # the part-of-day words this time consumed

    @property
    def hhmm(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


_H = rf"(?P<h>{NUMBER_RE})(?:ish\b)?"
_AP_WORDS = r"a\.\s?m\.|p\.\s?m\.|a\.m|p\.m|am|pm|a\s+m|p\s+m|in\s+the\s+am|in\s+the\s+pm"
_AMPM_EN = rf"(?:\s*(?P<ap>{_AP_WORDS})(?!\w))"
_AMPM_DE = r"(?:\s*(?P<ap>a\.\s?m\.|p\.\s?m\.|a\.m|p\.m|pm)(?!\w))"
# "3:18a", "at 3p": one letter only right after digits (a bare "4a" is an apartment)
_AP_LETTER = r"(?:(?P<ap1>[ap])\.?(?!\w))"
_QUAL = parts.QUAL_AFTER
_MIN_WORD = rf"(?:\s+(?P<oh>oh\s+|o\s+)?(?P<mw>{NUMBER_RE}))"
_NOT_UNIT = (
    r"(?!\s*(?:hours?|hrs?|days?|weeks?|months?|years?|minutes?|mins?|people|persons?|kids|"
    r"children|stunden?|tagen?|wochen?|monaten?|jahren?|minuten?|personen|leute|kinder|x\b|%|€|"
    r"\$|euro|dollars?|termine?n?|appointments?|slots?|spots?|plätze|platze|times|mal\b))"
)
_PREP = (
    r"(?:(?<!\w)(?:at|around|about|at\s+about|at\s+around|approximately|approx\.?|"
    r"roughly|um|gegen|so\s+gegen|so\s+um|ca\.?|circa|zirka|ungefähr|ungefaehr|etwa)\s+"
    r"|@\s*)"
)
# "at 7 to 8", "at 3 past 4": the number starts a range or a relative time, not a clock time
_NOT_REL_AHEAD = (
    rf"(?!\s*(?:past|after|to|till|til|before|of|from|nach|vor|bis|-|–)\s*"
    rf"(?:\d|half|quarter|noon|midnight|halb|viertel|{NUMBER_RE}))"
)
_STREET_AHEAD = re.compile(
    r"\s+(?:[^\W\d]+\s+){0,2}(?:st|street|ave|avenue|road|rd|blvd|"
    r"boulevard|drive|lane|ln|str|straße|strasse|weg|platz|allee|gasse)\b"
)
_PHONE_WORDS = frozenset(
    wordlist(
        "call reach text phone number ring dial extension ext cell mobile anrufen erreichen "
        "nummer telefon handy durchwahl"
    )
)
# words after which a clock time is a preference or a range bound, not a chosen time
_NOT_A_TIME_AFTER = frozenset(
    wordlist("after before nach vor ab bis until till til between zwischen from von than")
)


def _pattern_list(lang: Lang) -> list[tuple[str, str]]:
    ampm = _AMPM_EN if lang == "en" else _AMPM_DE
    hour_or_noon = rf"(?:{_H}(?P<hh>h\b)?|(?P<noonh>noon|midday|midnight))"
    return [
        ("rel_halb", rf"\b(?P<mn>{NUMBER_RE})\s+(?P<dir>vor|nach)\s+halb\s+{_H}"),
        ("halb", rf"\bhalb\s+{_H}{_NOT_UNIT}(?:\s*uhr\b)?{_QUAL}"),
        ("dreiviertel", rf"\bdreiviertel\s+{_H}(?:\s*uhr\b)?{_QUAL}"),
        (
            "rel",
            rf"\b(?:(?P<half>half)|(?:a\s+)?(?P<q4>quarter|viertel)|(?P<mn>{NUMBER_RE})"
            rf"(?P<mins>\s+(?:minutes?|mins?|minuten))?)\s+(?P<dir>past|after|to|till|til|"
            rf"before|of|from|nach|vor)\s+{hour_or_noon}{_NOT_UNIT}{ampm}?(?:\s*uhr\b)?{_QUAL}",
        ),
        ("half_en", rf"\bhalf\s+{_H}{_NOT_UNIT}{ampm}?{_QUAL}"),
        (
            "pre_qual",
            rf"\b{parts.QUAL_BEFORE}(?P<h>\d{{1,2}}|{NUMBER_RE})(?:[:.](?P<m>\d{{2}}))?"
            rf"(?!\d)(?:\s*uhr(?:\s+(?P<mw>\d{{2}}))?)?(?![\w:.]\d){_NOT_UNIT}{ampm}?",
        ),
        (
            "colon",
            rf"(?<![\d:])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?![\d:])(?:ish\b)?"
            rf"(?:{ampm}|{_AP_LETTER})?(?:\s*uhr)?{_QUAL}",
        ),
        ("hnote", rf"(?<![\w:.])(?P<h>\d{{1,2}})h(?:(?P<m>\d{{2}})(?!\d)|\b)(?:ish\b)?{_QUAL}"),
        (
            "dot",
            rf"(?<![\d.])(?P<h>\d{{1,2}})\.(?P<m>\d{{2}})(?![\d]|\.\d)"
            rf"(?:{ampm}|\s*(?P<uhr>uhr))?{_QUAL}",
        ),
        (
            "compact",
            rf"(?<![\w:.,/$€#-])(?P<c>\d{{3,4}})(?![\w:.,/]\d|\d)(?:ish\b)?"
            rf"{_NOT_UNIT}(?:{ampm})?{_QUAL}",
        ),
        ("ampm", rf"(?<![\w:.]){_H}{_MIN_WORD}?{ampm}{_QUAL}"),
        ("uhr", rf"(?<![\w:.]){_H}\s*uhr(?:\s+(?P<m>\d{{2}}|{NUMBER_RE}))?{_QUAL}"),
        ("oclock", rf"(?<![\w:.]){_H}\s*o\s?['\"]?\s?clock{ampm}?{_QUAL}"),
        (
            "noon",
            r"\b(?:(?:12|twelve)\s+)?(?P<noon>noon|midday|mid\s+day|midnight|mitternacht)\b|"
            r"\b(?:um|gegen)\s+(?P<mittag>mittag)\b",
        ),
        (
            "prep",
            rf"{_PREP}(?!(?:ein|eine)\b){_H}"
            rf"(?:{_MIN_WORD}|(?P<ap1x>[ap])\.?(?!\w))?{_NOT_UNIT}{_NOT_REL_AHEAD}"
            rf"(?!\s+(?:of|point)\b){ampm}?{_QUAL}",
        ),
        ("qual", rf"(?<![\w:.]){_H}{_MIN_WORD}?(?P<qreq>){_QUAL}"),
        (
            "dayword",
            rf"(?<![\w:.]){_H}(?:[:.](?P<m>\d{{2}}))?(?=\s+(?:tomorrow|today|tonight|"
            rf"this\s+(?:morning|afternoon|evening)|morgen|heute)\b)",
        ),
    ]


_COMPILED: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    lang: [(name, re.compile(p)) for name, p in _pattern_list(lang)] for lang in ("en", "de")
}
_BARE = re.compile(rf"{_H}(?:[:.](?P<m>\d{{2}}))?{_AMPM_EN}?(?:\s*uhr)?{_QUAL}")


@dataclass
class _Raw:
    """A clock phrase before its half of the day is settled."""

    start: int
    end: int
    hour: int  # 1..12 on the dial, or 0..23 when ``clock24``
    minute: int
    ap: str = ""  # "am" / "pm"
    part: str = ""  # part of the day qualifying the clock itself
    clock24: bool = False
    noon: bool = False  # noon / midnight said as a word: exact


def _group(m: re.Match[str], name: str) -> str:
    return m.groupdict().get(name) or ""


def _ap_of(m: re.Match[str]) -> str:
    raw = (_group(m, "ap") or _group(m, "ap1") or _group(m, "ap1x")).replace(".", "")
    raw = raw.replace(" ", "").removeprefix("inthe")
    return {"a": "am", "p": "pm"}.get(raw, raw)


def _minute_of(raw: str, oh: bool = False) -> int | None:
    if not raw:
        return 0
    value = parse_number(raw)
    if value is None:
        return None
    if raw.strip().isdigit() and len(raw.strip()) != 2:
        return None  # "at 3 5" is not 3:05
    if not raw.strip().isdigit() and value < 10 and not oh:
        return None  # "two three" is no time; "two oh three" is
    return value if value < 60 else None


def _relative(name: str, m: re.Match[str]) -> _Raw | None:
    """Times said relative to a full hour ("quarter to four", "fünf vor halb drei")."""
    noon = _group(m, "noonh")
    hour = (0 if noon == "midnight" else 12) if noon else parse_number(_group(m, "h"))
    if hour is None:
        return None
    clock24 = hour >= 13 or noon != ""
    if not (1 <= hour <= 12 or clock24 and hour <= 23 or noon):
        return None
    total = hour * 60
    if name == "halb":
        total -= 30
    elif name == "dreiviertel":
        total -= 15
    elif name == "half_en":
        total += 30
    else:
        if _group(m, "half"):
            delta = 30
        elif _group(m, "q4"):
            delta = 15
        else:
            delta_or_none = parse_number(_group(m, "mn"))
            if delta_or_none is None:
                return None
            delta = delta_or_none
            said_minutes = bool(_group(m, "mins"))
            if (
                said_minutes
                and not 1 <= delta <= 59
                or not said_minutes
                and (delta % 5 or not 5 <= delta <= 25)
            ):
                return None  # "ten to five", not "from 2 to 4"
        direction = m["dir"]
        if direction == "from" and not _group(m, "mins"):
            return None
        if name == "rel_halb":
            total += -30 - delta if direction == "vor" else -30 + delta
        elif direction in ("to", "till", "til", "before", "of", "vor"):
            total -= delta
        else:
            total += delta
    if clock24:
        total %= 24 * 60
        return _Raw(m.start(), m.end(), total // 60, total % 60, clock24=True, noon=bool(noon))
    total %= 12 * 60
    return _Raw(m.start(), m.end(), total // 60 or 12, total % 60)


def _zero_padded(raw: str) -> bool:
    return len(raw) == 2 and raw.startswith("0") or (raw.isdigit() and int(raw) >= 13)


def _read(name: str, m: re.Match[str], low: str) -> _Raw | None:
    """The clock a pattern matched, its am/pm and qualifier, before the half of the day."""
    if name == "noon":
        word = m["noon"] or m["mittag"]
        midnight = word in ("midnight", "mitternacht")
        return _Raw(m.start(), m.end(), 0 if midnight else 12, 0, clock24=True, noon=True)
    if name in ("rel_halb", "rel", "halb", "dreiviertel", "half_en"):
        raw = _relative(name, m)
    else:
        raw = _read_plain(name, m, low)
    if raw is None:
        return None
    raw.ap = _ap_of(m)
    qual = _group(m, "q") or _group(m, "pq")
    raw.part = parts.part_name(qual) if qual else ""
    return raw


def _read_plain(name: str, m: re.Match[str], low: str) -> _Raw | None:
    if name == "compact":
        digits = m["c"]
        clock_hour, clock_minute = int(digits[:-2]), int(digits[-2:])
        cue = (
            _group(m, "ap")
            or _group(m, "q")
            or preceding_words(low, m.start(), 1)
            in (["at"], ["around"], ["about"], ["approximately"], ["um"], ["gegen"], ["tonight"])
        )
        if not cue or not 1 <= clock_hour <= 12 or clock_minute > 59 or clock_minute % 5:
            return None  # a count, a year, a price or a house number
        if _STREET_AHEAD.match(low, m.end()) or _PHONE_WORDS.intersection(
            preceding_words(low, m.start(), 4)
        ):
            return None  # "at 1030 Main St", "call me at 555"
        return _Raw(m.start(), m.end(), clock_hour, clock_minute)
    raw_hour = _group(m, "h")
    hour = parse_number(raw_hour)
    if hour is None:
        return None
    minute = _minute_of(_group(m, "m") or _group(m, "mw"), bool(_group(m, "oh")))
    if minute is None:
        return None
    if (
        name == "hnote"
        and not _group(m, "m")
        and hour < 13
        and preceding_words(low, m.start(), 1)
        not in (["at"], ["um"], ["gegen"], ["ca"], ["around"])
    ):
        return None  # "in 1h", "for 2h" are durations
    clock24 = (
        hour >= 13
        or name in ("colon", "dot", "uhr", "hnote", "pre_qual")
        and (_zero_padded(raw_hour))
        or hour == 0
        and (name in ("colon", "dot", "hnote") or bool(_group(m, "m")))
    )
    if hour > 23:
        return None
    return _Raw(m.start(), m.end(), hour, minute, clock24=clock24)


def _context_part(
    low: str, raw: _Raw, said: list[tuple[int, int, str]]
) -> tuple[str, tuple[int, int]] | None:
    """A part of the day naming the day around this time in the same clause."""
    for start, end, part in said:
        if (
            end <= raw.start
            and parts.linked(low, end, raw.start)
            or (start >= raw.end and parts.linked(low, raw.end, start))
        ):
            return part, (start, end)
    return None


def _settle(raw: _Raw, part: str, attached: bool) -> tuple[int, float] | None:
    """The 24-hour hour and its confidence, or ``None`` when the phrase contradicts itself."""
    hour = raw.hour
    if raw.ap:
        if raw.noon:
            return None
        if raw.clock24:
            return (hour, 1.0) if hour >= 13 and raw.ap == "pm" else None
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if raw.ap == "pm" else 0)
        if part and parts.apply_part(hour, part, True, True) is None:
            return None
        return hour, 1.0
    if raw.noon:
        return (
            (hour, 1.0)
            if not part or parts.apply_part(hour, part, True, True) is not None
            else None
        )
    if raw.clock24:
        if part and parts.apply_part(hour, part, attached, True) is None:
            return None
        return hour, 1.0
    if part:
        settled = parts.apply_part(hour, part, attached, False)
        return None if settled is None else (settled, 1.0)
    if 1 <= hour <= 7:
        return hour + 12, 0.8
    if 8 <= hour <= 12:
        return hour, 0.9
    return None


def scan(low: str, lang: Lang) -> Iterator[tuple[ClockHit, bool]]:
    """Clock times in lower-cased text, most specific pattern first, spans not overlapping.

    Yields ``(hit, preference)`` where ``preference`` marks a time that only bounds a range
    ("after 5", "nach 16 Uhr", "5pm or later"), which callers treat differently. Times,
    parts of the day and choice all scan the same text in one turn, so the last few scans
    are kept (the function is pure).
    """
    yield from _scan(low, lang)


@functools.lru_cache(maxsize=64)
def _scan(low: str, lang: Lang) -> tuple[tuple[ClockHit, bool], ...]:
    return tuple(_scan_all(low, lang))


def _scan_all(low: str, lang: Lang) -> Iterator[tuple[ClockHit, bool]]:
    claims = Claims()
    found: list[_Raw] = []
    for name, pattern in _COMPILED[lang]:
        for m in pattern.finditer(low):
            if not claims.free(m.start(), m.end()):
                continue
            if name == "dot" and not (
                m["ap"]
                or m["uhr"]
                or preceding_words(low, m.start(), 1)
                in (["um"], ["gegen"], ["at"], ["ab"], ["nach"])
            ):
                continue
            if name == "qual" and not m["q"]:
                continue
            if name == "dayword" and preceding_words(low, m.start(), 1) not in (
                [],
                ["at"],
                ["um"],
                ["say"],
                ["maybe"],
                ["about"],
                ["around"],
                ["by"],
            ):
                continue
            if name in (
                "uhr",
                "prep",
                "qual",
                "dayword",
                "compact",
                "pre_qual",
            ) and _is_date_context(low, m.end()):
                continue
            raw = _read(name, m, low)
            if raw is None:
                if name == "rel" and _group(m, "mins"):
                    claims.take(m.start(), m.end())  # "75 minutes past 3pm": not "3pm"
                continue
            claims.take(m.start(), m.end())
            found.append(raw)
    said = parts.mentions(low)
    for raw in sorted(found, key=lambda r: r.start):
        part, attached, part_span = raw.part, bool(raw.part), None
        if not raw.ap and not raw.part:
            context = _context_part(low, raw, said)
            if context is not None:
                part, part_span = context
        settled = _settle(raw, part, attached)
        if settled is None:
            continue
        hour, confidence = settled
        if hour == 24 and raw.minute == 0:
            hour = 0
        if not (0 <= hour <= 23 and 0 <= raw.minute <= 59):
            continue
        yield (
            ClockHit(raw.start, raw.end, hour, raw.minute, confidence, part_span),
            _is_preference(low, raw.start, raw.end),
        )


def _is_preference(low: str, start: int, end: int) -> bool:
    before = preceding_words(low, start, 4)
    return (
        bool(before and before[-1] in _NOT_A_TIME_AFTER)
        or bool(
            before
            and before[-1] in ("and", "und", "to")
            and {"between", "zwischen", "from", "von"}.intersection(before)
        )
        or bool(before[-2:] in (["later", "than"], ["not", "before"], ["nicht", "vor"]))
        or bool(
            re.match(
                r"\s*(?:or\s+later|oder\s+sp(?:ä|ae|a)ter|onwards|and\s+later"
                r"|or\s+after)",
                low[end:],
            )
        )
    )


def _is_date_context(low: str, end: int) -> bool:
    return bool(re.match(r"\.\s*\d|\s*(?:st|nd|rd|th)\b", low[end:]))


def parse_at(low: str, pos: int, lang: Lang, ranges: bool = False) -> ClockHit | None:
    """A clock time starting exactly at ``pos`` (after "after"/"nach"), bare hours allowed.

    ``ranges`` says the time opens a range ("from 10 to 2"), so "10 to 2" is not 1:50."""
    for name, pattern in _COMPILED[lang]:
        if (
            name in ("prep", "qual", "dayword", "compact", "pre_qual")
            or ranges
            and name in ("rel", "rel_halb")
        ):
            continue
        m = pattern.match(low, pos)
        if m is None:
            continue
        raw = _read(name, m, low)
        if raw is not None:
            settled = _settle(raw, raw.part, bool(raw.part))
            if settled is not None:
                return ClockHit(m.start(), m.end(), settled[0] % 24, raw.minute, settled[1])
    m = _BARE.match(low, pos)
    if m is None:
        return None
    hour = parse_number(m["h"])
    if hour is None:
        return None
    raw = _Raw(
        m.start(),
        m.end(),
        hour,
        int(m["m"]) if m["m"] else 0,
        ap=_ap_of(m),
        part=parts.part_name(_group(m, "q")),
        clock24=_zero_padded(m["h"]) or bool(m["m"] and hour >= 13) or hour >= 13,
    )
    if raw.minute > 59 or hour > 23:
        return None
    settled = _settle(raw, raw.part, bool(raw.part))
    return (
        ClockHit(m.start(), m.end(), settled[0] % 24, raw.minute, settled[1]) if settled else None
    )
