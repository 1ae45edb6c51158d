"""Person names: after a cue ("my name is", "I'm", "ich heiße", "hier ist", "... here") or,
when the desk has just asked for a name, a short reply that is nothing else.

A name is one to four words of letters of any script ("José", "Groß", "Иван Петров",
"王伟") with hyphens and apostrophes inside ("Jean-Luc", "O'Brien", "D'Angelo",
"Müller-Lüdenscheidt"), plus particles after the first word ("van", "von", "de", "da",
"di", "del", "la", "le", "bin", "al": "Ludwig van Beethoven", "Ahmed bin Said").

Cues differ in strength. "my name is" / "mein Name ist" accept lower-case names; weak
cues ("I'm", "this is", "ich bin", "hier ist") need a capitalised word, because "I'm
calling about" and "ich bin krank" are not names — unless the desk just asked for one.
Asked for a name, the reply is read generously: several name words are a name when one of
them is no common word ("Jan Richter", although "Jan" is a month; "Will Smith"), a single
word is a first name unless it is a common word (a month is a first name then: "May").
Words only sentences have ("I", "please", "actually", "bitte") make a reply no name.
Honorifics (Mr, Frau, Dr) are dropped; a name typed all in lower or upper case is
title-cased with its particles in lower case, one typed in mixed case is kept as typed.
"""

from __future__ import annotations

import re

from ..types import FieldCandidate, Lang
from ._spans import MAX_CHARS, wordlist
from ._vocab import FILLERS, MONTHS, plain_words

_WORD = r"[^\W\d_](?:[^\W\d_]|['\-](?=[^\W\d_]))*"
_NAME_WORD = re.compile(_WORD)
_PARTICLES = frozenset(
    wordlist("""
    von van der den de da di del della dei degli des dos das do du la le lo zu vom zur ten
    ter bin ibn ben bint binti al el y
    """)
)
_MAX_REAL = 4  # name words besides particles
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
_NOT_NAMES = plain_words() | frozenset(
    wordlist("""
        calling looking interested wondering trying hoping going sorry glad happy fine good
        great new patient customer client back ready available free late early sick krank
        neu neue neuer kunde kundin patient patientin hier da wieder unsicher sure nicht
        schon mal leider gerade gern gerne also eigentlich noch immer interessiert
        haircut cut cleaning appointment termin emergency notfall pain schmerzen
        mr mrs ms miss mister dr prof herr frau doktor doctor
        """)
)
# months that are first names too ("May", "June", "Jan", "Mai"): a name when asked for one
_MONTH_NAMES = frozenset(MONTHS)
# Words only sentences have, never a name's: pronouns, verbs, answers, articles, the words
# of a correction ("actually Friday", "lieber Donnerstag"). Unlike the common words above,
# "will", "may", "sunday" or "jan" are not among them: people are called that.
_SENTENCE_ONLY = frozenset(
    wordlist("""
    i me my mine myself you your yours we us our ours they them their he him his she her it
    its is am are was were be been being have has had do does did would should could can
    cannot can't won't don't doesn't didn't isn't aren't not no yes yeah yep nope ok okay
    please thanks thank hi hello hey bye goodbye the and or but if then than so that i'm
    i'd i'll i've you're we're they're it's that's what's let's there's here's
    this these those there what when where which who whom whose why how with without at on
    in into to from for of about by as again also actually instead rather maybe perhaps
    better just only still already sorry oops wait well sure need want like book booking
    appointment call calling number phone name time today tomorrow next week weekend
    morning afternoon evening tonight pm
    ich mich mir mein meine meinen meiner du dich dir dein deine sie ihr ihre ihnen wir uns
    unser er es ist bin bist sind war waren habe hast hat haben hatte möchte möchten würde
    würden kann können könnte brauche bitte danke ja nein nicht kein keine keinen das dem
    ein eine einen einem einer und oder aber wenn dann dass weil mit ohne für auf aus bei
    nach um am im zum eigentlich lieber doch vielleicht besser stattdessen nur auch noch
    nochmal termin heute morgen woche der die den des
    """)
)


def title_case(name: str) -> str:
    """ "anna-lena o'brien" → "Anna-Lena O'Brien", "ludwig VAN beethoven" → "Ludwig van
    Beethoven"; a word in mixed case ("McDonald", "Le" in "Klaus Le Grand") is kept."""
    words = []
    for i, word in enumerate(name.split()):
        typed_one_case = word.islower() or word.isupper()
        if i and word.lower() in _PARTICLES and typed_one_case:
            words.append(word.lower())
        elif typed_one_case:
            words.append(
                re.sub(r"(^|['\-])(\w)", lambda m: m.group(1) + m.group(2).upper(), word.lower())
            )
        else:
            words.append(word)
    return " ".join(words)


# German capitalises nouns, so "Ich bin Privatpatientin" looks like a name; roles end so
_ROLE_ENDINGS = (
    "patient",
    "patientin",
    "kunde",
    "kundin",
    "mitglied",
    "student",
    "studentin",
    "rentner",
    "rentnerin",
    "mutter",
    "vater",
    "versichert",
    "versicherte",
)


def _is_name_word(word: str, month_ok: bool = False, common_ok: bool = False) -> bool:
    """A word a name can have. Common words cannot — except a month when ``month_ok``,
    any but a sentence's words when ``common_ok`` (right after "my name is": "Will")."""
    low = word.lower()
    if len(word) < 2 or low.endswith(_ROLE_ENDINGS) or low in _SENTENCE_ONLY:
        return False
    return low not in _NOT_NAMES or month_ok and low in _MONTH_NAMES or common_ok


def _take_name(
    text: str, pos: int, need_capital: bool, strong: bool, month_alone: bool
) -> tuple[int, int] | None:
    """Span of 1-4 name words (plus particles) starting at ``pos``. After a strong cue the
    first word may be a common word ("my name is Will Smith"); a month is a name alone
    only when ``month_alone``, else with a surname after it ("it's May" is no name)."""
    honorific = _HONORIFICS.match(text, pos)
    if honorific:
        pos = honorific.end()
    words: list[re.Match[str]] = []
    cursor = pos
    first_capital = False
    while len(words) < 2 * _MAX_REAL:
        m = _NAME_WORD.match(text, cursor)
        if m is None:
            break
        word = m.group(0)
        is_particle = bool(words) and word.lower() in _PARTICLES
        if not words:
            if (
                not _is_name_word(word, month_ok=True, common_ok=strong)
                or need_capital
                and not word[0].isupper()
            ):
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
    if not real or len(real) > _MAX_REAL:
        return None
    if len(real) == 1 and not _is_name_word(
        real[0].group(0), month_ok=month_alone, common_ok=strong
    ):
        return None  # a month alone after "it's"
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
        span = _take_name(text, m.end(), need_capital=False, strong=True, month_alone=True)
        if span:
            found.append(_candidate(text, span, 0.95))
    for m in _WEAK.finditer(text):
        span = _take_name(
            text, m.end(), need_capital=not expected, strong=False, month_alone=expected
        )
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
    """ "Anna Schmidt here": 1-3 capitalised name words ending at ``end``, starting a clause."""
    m = _BEFORE_CUE.search(text, max(0, end - 120), end)
    if m is None:
        return None
    words = m.group(1).split()
    if not all(_is_name_word(w) and w[0].isupper() for w in words):
        return None
    return m.start(1), m.end(1)


def _short_replies(text: str) -> list[tuple[int, int]]:
    """Answers to "what is your name?": segments of name words and nothing else."""
    spans = []
    for segment in re.finditer(r"[^,;.!?\n]+", text):
        words = list(re.finditer(r"\S+", segment.group(0)))
        while words and words[0].group(0).lower().strip(".!:") in FILLERS | {
            "it's",
            "it",
            "is",
            "that's",
            "es",
            "ist",
        }:
            words.pop(0)
        if not 1 <= len(words) <= 2 * _MAX_REAL:
            continue
        start = segment.start() + words[0].start()
        end = segment.start() + words[-1].end()
        honorific = _HONORIFICS.match(text, start)
        if honorific and honorific.end() < end:
            start = honorific.end()
        raw = text[start:end].rstrip(".!")
        if not re.fullmatch(rf"(?:{_WORD})(?:\s+{_WORD})*", raw):
            continue
        if _reads_as_name(raw.split()):
            spans.append((start, start + len(raw)))
    return spans


def _reads_as_name(parts: list[str]) -> bool:
    """Asked for a name, do these words (all name-shaped) answer it? See the module
    docstring: one of several words is no common word, or the one word is none (or is a
    month); no word is one only sentences have."""
    if len(parts) > 1 and len(parts[-1]) == 1 and parts[-1].isupper():
        parts = parts[:-1]  # a last name may be an initial ("Anna K")
    real = [p.lower() for i, p in enumerate(parts) if not (i and p.lower() in _PARTICLES)]
    if not 1 <= len(real) <= _MAX_REAL:
        return False
    if any(w in _SENTENCE_ONLY or len(w) < 2 or w.endswith(_ROLE_ENDINGS) for w in real):
        return False
    if len(real) == 1:
        return _is_name_word(real[0], month_ok=True)
    return not all(w in _NOT_NAMES for w in real)
