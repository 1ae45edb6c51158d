"""Phone numbers to E.164, typed or spoken digit by digit, English and German.

Parsing and validation are phonenumbers' job; this module only finds what looks like an
attempt at a number. Digits with separators count as an attempt from seven digits on (fewer
is a quantity, a price or a time); dates like "14.03.2027" and "2026-12-01" are not
attempts. An attempt phonenumbers cannot parse or does not consider valid for the region is
reported as ``invalid_phone`` so the desk can ask again instead of silently ignoring it.

Spoken numbers ("five five five, oh one four oh", "null eins sieben eins ...", "double
five", "plus four nine") are turned into digit strings first; a run of at least six spoken
digits counts, so "at three" or "one or two" never do.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from ..types import FieldCandidate
from ._spans import Claims, lower_keep

_MIN_DIGITS = 7
_MAX_DIGITS = 17
_SPOKEN_DIGITS: dict[str, str] = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "null": "0",
    "eins": "1",
    "ein": "1",
    "zwei": "2",
    "zwo": "2",
    "drei": "3",
    "vier": "4",
    "fünf": "5",
    "fuenf": "5",
    "funf": "5",
    "sechs": "6",
    "sieben": "7",
    "acht": "8",
    "neun": "9",
}
_REPEAT = {"double": 2, "triple": 3, "doppel": 2, "doppelt": 2, "doppelte": 2}
_PLUS = {"plus"}
_TOKEN = re.compile(r"[^\W_]+|\+")
_GAP = re.compile(r"[\s,.\-/()]*")

_TYPED = re.compile(r"(?<![\w@.+])(?:\+|00)?\(?\d(?:[\s().\-/]{0,3}\d){5,}(?![\w@])")
_NOT_PHONE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{2,4}|\d{1,2}/\d{1,2}/\d{2,4}")


def extract_phones(text: str, region: str) -> list[FieldCandidate]:
    """Phone numbers (E.164) and failed attempts (``problem="invalid_phone"``), best first."""
    low = lower_keep(text)
    claims = Claims()
    found: list[FieldCandidate] = []
    for start, end, raw in _spoken_runs(low):
        claims.take(start, end)
        found.append(_judge(text, start, end, raw, region, spoken=True))
    for m in _TYPED.finditer(low):
        raw = m.group(0).rstrip(".-/( ")
        end = m.start() + len(raw)
        digits = sum(ch.isdigit() for ch in raw)
        if digits < _MIN_DIGITS or _NOT_PHONE.fullmatch(raw.strip("()")):
            continue
        if not claims.take(m.start(), end):
            continue
        found.append(_judge(text, m.start(), end, raw, region, spoken=False))
    found.sort(key=lambda c: (c.problem != "", -c.confidence, c.span[0]))
    return found


def _judge(text: str, start: int, end: int, raw: str, region: str, spoken: bool) -> FieldCandidate:
    e164 = _to_e164(raw, region)
    return FieldCandidate(
        type="phone",
        value=e164 or "",
        problem="" if e164 else "invalid_phone",
        span=(start, end),
        text=text[start:end],
        confidence=(0.9 if spoken else 1.0) if e164 else 0.8,
    )


def _to_e164(raw: str, region: str) -> str | None:
    digits = sum(ch.isdigit() for ch in raw)
    if not _MIN_DIGITS - 1 <= digits <= _MAX_DIGITS:
        return None
    attempts = [raw]
    compact = raw.strip()
    if compact.startswith("00"):
        attempts.append("+" + compact[2:])
    for attempt in attempts:
        try:
            number = phonenumbers.parse(attempt, region.upper() or None)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return None


def _spoken_runs(low: str) -> list[tuple[int, int, str]]:
    """Runs of spoken digits (words mixed with digit groups) as (start, end, digit string)."""
    runs: list[tuple[int, int, str]] = []
    tokens = list(_TOKEN.finditer(low))
    i = 0
    while i < len(tokens):
        start = tokens[i].start()
        digits, words, repeat, end, j = "", 0, 1, start, i
        while j < len(tokens):
            tok = tokens[j].group(0)
            if j > i and not _GAP.fullmatch(low[tokens[j - 1].end() : tokens[j].start()]):
                break
            if tok in _PLUS or tok == "+":
                if digits:
                    break
                digits = "+"
            elif tok in _REPEAT:
                repeat = _REPEAT[tok]
            elif tok in _SPOKEN_DIGITS:
                digits += _SPOKEN_DIGITS[tok] * repeat
                repeat, words = 1, words + 1
            elif tok.isascii() and tok.isdigit() and len(tok) <= 5:
                digits += tok * repeat if len(tok) == 1 else tok
                repeat = 1
            else:
                break
            end = tokens[j].end()
            j += 1
        count = sum(ch.isdigit() for ch in digits)
        if words >= 2 and count >= 6:
            runs.append((start, end, digits))
        # a suffix of a failed run has fewer digits, so it fails too: skip past it
        i = max(i + 1, j)
    return runs
