"""Number and ordinal words, English and German, as lookup tables and regex alternations.

Spoken and typed messages say "three", "halb drei", "the second one", "am dritten". Every
extractor needs the same tables, so they are generated once here (cardinals 0-59 and
ordinals 1-31, with German inflection endings and umlaut-free spellings) instead of being
re-listed in each module.
"""

from __future__ import annotations

import re

from ._spans import wordlist

_EN_UNITS = wordlist(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"}
_DE_UNITS = wordlist(
    "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn "
    "fünfzehn sechzehn siebzehn achtzehn neunzehn"
)
_DE_TENS = {20: "zwanzig", 30: "dreißig", 40: "vierzig", 50: "fünfzig"}
_DE_UNIT_PREFIX = ["", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]

_EN_ORD_UNITS = wordlist(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
)
_DE_ORD_STEMS = wordlist(
    "nullt erst zweit dritt viert fünft sechst siebt acht neunt zehnt elft zwölft "
    "dreizehnt vierzehnt fünfzehnt sechzehnt siebzehnt achtzehnt neunzehnt"
)


def fold_umlauts(word: str) -> str:
    """Spell German special letters the way people type without a German keyboard."""
    return word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")


def _plain(word: str) -> str:
    return word.replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("ß", "ss")


def _with_variants(table: dict[str, int]) -> dict[str, int]:
    out = dict(table)
    for word, value in table.items():
        out.setdefault(fold_umlauts(word), value)
        out.setdefault(_plain(word), value)
    return out


def _build_cardinals() -> dict[str, int]:
    table: dict[str, int] = {}
    for value, word in enumerate(_EN_UNITS):
        table[word] = value
    for tens, word in _EN_TENS.items():
        table[word] = tens
        for unit in range(1, 10):
            table[f"{word}-{_EN_UNITS[unit]}"] = tens + unit
            table[f"{word} {_EN_UNITS[unit]}"] = tens + unit
    for value, word in enumerate(_DE_UNITS):
        table[word] = value
    table["zwo"] = 2
    table["ein"] = 1
    table["eine"] = 1
    for tens, word in _DE_TENS.items():
        table[word] = tens
        for unit in range(1, 10):
            table[f"{_DE_UNIT_PREFIX[unit]}und{word}"] = tens + unit
    return _with_variants(table)


def _build_ordinals() -> dict[str, int]:
    table: dict[str, int] = {}
    for value, word in enumerate(_EN_ORD_UNITS):
        if value:
            table[word] = value
    table["twentieth"] = 20
    table["thirtieth"] = 30
    for unit in range(1, 10):
        table[f"twenty-{_EN_ORD_UNITS[unit]}"] = 20 + unit
        table[f"twenty {_EN_ORD_UNITS[unit]}"] = 20 + unit
    table["thirty-first"] = 31
    table["thirty first"] = 31
    stems: dict[str, int] = {stem: value for value, stem in enumerate(_DE_ORD_STEMS) if value}
    stems["siebent"] = 7
    stems["zwanzigst"] = 20
    stems["dreißigst"] = 30
    for unit in range(1, 10):
        stems[f"{_DE_UNIT_PREFIX[unit]}undzwanzigst"] = 20 + unit
    stems["einunddreißigst"] = 31
    for stem, value in stems.items():
        for ending in ("e", "en", "er", "es", "em"):
            table[stem + ending] = value
    return _with_variants(table)


CARDINALS: dict[str, int] = _build_cardinals()
ORDINALS: dict[str, int] = _build_ordinals()


def _alternation(words: list[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace(r"\-", r"[-\s]?") for w in ordered)


# a cardinal 0-59 written as digits or words
NUMBER_RE = rf"(?:\d{{1,2}}(?!\d)|(?:{_alternation(list(CARDINALS))})\b)"
# an ordinal as digits with suffix ("3rd", "3.") is handled by callers; this is words only
ORDINAL_WORD_RE = rf"(?:{_alternation(list(ORDINALS))})\b"


def _squash(word: str) -> str:
    return re.sub(r"[\s\-]+", "", word.lower())


_SQUASHED_CARDINALS = {_squash(w): v for w, v in CARDINALS.items()}
_SQUASHED_ORDINALS = {_squash(w): v for w, v in ORDINALS.items()}


def parse_number(token: str) -> int | None:
    """Value of a cardinal given as digits or words ("15", "fifteen", "fünfzehn")."""
    cleaned = token.strip()
    if cleaned.isascii() and cleaned.isdigit():
        return int(cleaned) if len(cleaned) <= 4 else None
    return _SQUASHED_CARDINALS.get(_squash(cleaned))


def parse_ordinal(token: str) -> int | None:
    """Value of an ordinal word or digit-ordinal ("third", "3rd", "dritten", "3.")."""
    cleaned = token.strip().lower()
    match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th|\.)", cleaned)
    if match:
        return int(match.group(1))
    return _SQUASHED_ORDINALS.get(_squash(cleaned))
