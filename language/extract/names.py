"""Person names: after a cue ("my name is", "I'm", "ich heiße", "hier ist", "... here") or,
when the desk has just asked for a name, a short reply that is nothing else.

Cues differ in strength. "my name is" / "mein Name ist" accept lower-case names; weak
cues ("I'm", "this is", "ich bin", "hier ist") need a capitalised word, because "I'm
calling about" and "ich bin krank" are not names — unless the desk just asked for one.
Honorifics (Mr, Frau, Dr) are dropped; the result is title-cased with name particles
("von", "van der") kept lower-case.
"""

from __future__ import annotations

import re

from ..types import FieldCandidate, Lang
from ._spans import MAX_CHARS, wordlist
from ._vocab import FILLERS, plain_words

_WORD = r"[^\W\d_](?:[^\W\d_]|['\-](?=[^\W\d_]))*"
_NAME_WORD = re.compile(_WORD)
_PARTICLES = frozenset(wordlist("von van der den de da di del la le zu du ten ter vom zur"))
_HONORIFICS = re.compile(
    r"(?:mr|mrs|ms|miss|mister|dr|prof|herr|frau|doktor|doctor)\.?\s+", re.IGNORECASE
)
_STRONG = re.compile(
    r"\b(?:my\s+name\s+is|my\s+name's|the\s+name\s+is|name's|name\s+is|call\s+me|"
    r"ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|mein\s+name\s+lautet|der\s+name\s+ist|"
    r"name\s+ist|name:|mein\s+name:)\s*",
    re.IGNORECASE,
)
_WEAK = re.compile(
    r"\b(?:i'm|i\s+am|this\s+is|it's|it\s+is|ich\s+bin|hier\s+ist|hier\s+spricht|"
    r"es\s+spricht|you're\s+speaking\s+with|speaking\s+with)\s+",
    re.IGNORECASE,
)
_AFTER_CUE = re.compile(r"(?<=[^\W\d_])\s+(?:here|speaking|hier|am\s+apparat)\b", re.IGNORECASE)
_NOT_NAMES = (
    plain_words()
    | frozenset(
        wordlist("""
        calling looking interested wondering trying hoping going sorry glad happy fine good
        great new patient customer client back ready available free late early sick krank
        neu neue neuer kunde kundin patient patientin hier da wieder unsicher sure nicht
        schon mal leider gerade gern gerne also eigentlich noch immer interessiert
        haircut cut cleaning appointment termin emergency notfall pain schmerzen
        mr mrs ms miss mister dr prof herr frau doktor doctor
        """)
    )
)


def title_case(name: str) -> str:
    """"anna-lena o'brien" → "Anna-Lena O'Brien"; mixed case ("McDonald") is kept."""
    words = []
    for i, word in enumerate(name.split()):
        if i and word.lower() in _PARTICLES:
            words.append(word.lower())
        elif word.islower() or word.isupper():
            words.append(re.sub(r"(^|['\-])(\w)", lambda m: m.group(1) + m.group(2).upper(),
                                word.lower()))
        else:
            words.append(word)
    return " ".join(words)


# German capitalises nouns, so "Ich bin Privatpatientin" looks like a name; roles end so
_ROLE_ENDINGS = ("patient", "patientin", "kunde", "kundin", "mitglied", "student", "studentin",
                 "rentner", "rentnerin", "mutter", "vater", "versichert", "versicherte")


def _is_name_word(word: str) -> bool:
    low = word.lower()
    return low not in _NOT_NAMES and len(word) >= 2 and not low.endswith(_ROLE_ENDINGS)


def _take_name(text: str, pos: int, need_capital: bool) -> tuple[int, int] | None:
    """Span of 1-3 name words (plus particles) starting at ``pos``."""
    honorific = _HONORIFICS.match(text, pos)
    if honorific:
        pos = honorific.end()
    words: list[re.Match[str]] = []
    cursor = pos
    first_capital = False
    while len(words) < 4:
        m = _NAME_WORD.match(text, cursor)
        if m is None:
            break
        word = m.group(0)
        is_particle = bool(words) and word.lower() in _PARTICLES
        if not words:
            if not _is_name_word(word) or need_capital and not word[0].isupper():
                return None
            first_capital = word[0].isupper()
        elif not is_particle and (
            not _is_name_word(word) or first_capital and not word[0].isupper()
        ):
            break
        words.append(m)
        gap = re.match(r"[ \t]+", text[m.end() :])
        if gap is None:
            break
        cursor = m.end() + len(gap.group(0))
    while words and words[-1].group(0).lower() in _PARTICLES and len(words) > 1:
        words.pop()
    real = [w for w in words if w.group(0).lower() not in _PARTICLES]
    if not real or len(real) > 3:
        return None
    return words[0].start(), words[-1].end()


def _candidate(text: str, span: tuple[int, int], confidence: float) -> FieldCandidate:
    raw = text[span[0] : span[1]]
    return FieldCandidate(
        type="person_name", value=title_case(raw), span=span, text=raw, confidence=confidence
    )


def extract_names(text: str, lang: Lang, expected: bool) -> list[FieldCandidate]:
    """Person names, best first. ``expected``: the desk just asked for the name."""
    text = text[:MAX_CHARS].replace("’", "'")
    found: list[FieldCandidate] = []
    for m in _STRONG.finditer(text):
        span = _take_name(text, m.end(), need_capital=False)
        if span:
            found.append(_candidate(text, span, 0.95))
    for m in _WEAK.finditer(text):
        span = _take_name(text, m.end(), need_capital=not expected)
        if span:
            found.append(_candidate(text, span, 0.85 if text[span[0]].isupper() else 0.7))
    for m in _AFTER_CUE.finditer(text):
        span = _name_before(text, m.start())
        if span:
            found.append(_candidate(text, span, 0.8))
    if expected:
        found.extend(_candidate(text, span, 0.8) for span in _short_replies(text))
    unique: dict[tuple[int, int], FieldCandidate] = {}
    for candidate in found:
        if candidate.span not in unique and not any(
            c.span[0] <= candidate.span[0] < c.span[1] for c in unique.values()
        ):
            unique[candidate.span] = candidate
    return sorted(unique.values(), key=lambda c: (-c.confidence, c.span[0]))


_BEFORE_CUE = re.compile(
    rf"(?:^|[,.;:!?]\s*|\b(?:hi|hello|hallo|hey|yes|ja)\s+)((?:{_WORD}\s+){{0,2}}{_WORD})$",
    re.IGNORECASE,
)


def _name_before(text: str, end: int) -> tuple[int, int] | None:
    """"Anna Schmidt here": 1-3 capitalised name words ending at ``end``, starting a clause."""
    m = _BEFORE_CUE.search(text, max(0, end - 120), end)
    if m is None:
        return None
    words = m.group(1).split()
    if not all(_is_name_word(w) and w[0].isupper() for w in words):
        return None
    return m.start(1), m.end(1)


def _short_replies(text: str) -> list[tuple[int, int]]:
    """Answers to "what is your name?": segments of 1-3 name words and nothing else."""
    spans = []
    for segment in re.finditer(r"[^,;.!?\n]+", text):
        words = list(re.finditer(r"\S+", segment.group(0)))
        while words and words[0].group(0).lower().strip(".!:") in FILLERS | {"it's", "it",
                                                                               "is", "that's",
                                                                               "es", "ist"}:
            words.pop(0)
        if not 1 <= len(words) <= 4:
            continue
        start = segment.start() + words[0].start()
        end = segment.start() + words[-1].end()
        honorific = _HONORIFICS.match(text, start)
        if honorific and honorific.end() < end:
            start = honorific.end()
        raw = text[start:end].rstrip(".!")
        if not re.fullmatch(rf"(?:{_WORD})(?:\s+{_WORD}){{0,3}}", raw):
            continue
        parts = raw.split()
        real = [p for p in parts[1:] if p.lower() not in _PARTICLES] + parts[:1]
        if len(real) > 3 or not all(_is_name_word(p) for p in real):
            continue
        spans.append((start, start + len(raw)))
    return spans
