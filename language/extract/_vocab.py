"""Calendar words and small word lists shared by the extractors (English and German).

Kept in one place so that "is this word a weekday / a month / a filler" has one answer for
dates, offered-slot choice, names and signals alike.
"""

from __future__ import annotations

import re

from ._spans import preceding_words, wordlist, words_re

WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "weds": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sunday": 6,
    "montag": 0,
    "dienstag": 1,
    "mittwoch": 2,
    "donnerstag": 3,
    "freitag": 4,
    "samstag": 5,
    "sonnabend": 5,
    "sonntag": 6,
}
# "monday", "mondays", "monday's", "montags"
WEEKDAY_RE = rf"(?P<wd>{words_re(list(WEEKDAYS))})(?:'?s)?\b"
# Short forms that are also ordinary words ("sat", "sun", "so", "do"): read as weekdays only
# where a weekday is expected (the dates module says where); the desk's own buttons use them.
WEEKDAY_SHORT: dict[str, dict[str, int]] = {
    "en": {"mon": 0, "wed": 2, "sat": 5, "sun": 6},
    "de": {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6},
}
WEEKDAY_SHORT_RE = {
    lang: rf"(?P<ws>{'|'.join(sorted(table, key=len, reverse=True))})\b\.?"
    for lang, table in WEEKDAY_SHORT.items()
}

MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "feber": 2,
    "märz": 3,
    "mär": 3,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "oktober": 10,
    "okt": 10,
    "dezember": 12,
    "dez": 12,
}
# "march", "mar.", "Feb13" (a day may follow without a space)
MONTH_RE = rf"(?P<mon>{words_re(list(MONTHS))})\.?(?![^\W\d])"


def weekday_of(word: str) -> int | None:
    return _lookup(WEEKDAYS, word.removesuffix("'s").removesuffix("s"), word)


def month_of(word: str) -> int | None:
    return _lookup(MONTHS, word.rstrip("."), word)


def _lookup(table: dict[str, int], *keys: str) -> int | None:
    for key in keys:
        key = key.lower()
        for candidate in (key, key.replace("ae", "ä").replace("ue", "ü").replace("oe", "ö")):
            if candidate in table:
                return table[candidate]
        for word, value in table.items():
            plain = word.replace("ä", "a").replace("ö", "o").replace("ü", "u")
            if plain == key:
                return value
    return None


NEGATORS = frozenset(
    wordlist(
        "no not never without don't doesn't didn't isn't wasn't aren't won't can't nothing none "
        "dont doesnt isnt wasnt arent kein keine keinen keiner keinem nicht ohne nie niemals "
        "nichts"
    )
)

# a mention right after these is the one not wanted ("not Monday", "rather than 3pm")
_NOT_THIS = frozenset(NEGATORS | {"than", "statt", "anstatt", "anstelle"})
_INSTEAD_OF = re.compile(
    r"(?:instead\s+of|rather\s+than|other\s+than|statt|anstatt|anstelle"
    r"(?:\s+von)?)\s*$"
)
# a mention right before these is the one not wanted ("Monday doesn't work")
_NOT_AFTER = re.compile(
    r"\s*(?:is\s+|would\s+be\s+)?(?:doesn'?t|does\s+not|won'?t|will\s+not|isn'?t|is\s+not|"
    r"wouldn'?t|would\s+not|can'?t|cannot|no\s+longer)\s+(?:work|suit|fit|good|possible|do|"
    r"be\s+(?:good|possible))|\s*(?:is\s+)?(?:bad|out|no\s+good|not\s+good|impossible)\b|"
    r"\s*(?:geht|passt|klappt)\s+(?:mir\s+|leider\s+|bei\s+mir\s+|da\s+)*(?:nicht|schlecht)|"
    r"\s*(?:ist|wäre|waere)\s+(?:mir\s+|leider\s+)*(?:schlecht|ungünstig|unguenstig)|"
    r"\s*kann\s+ich\s+(?:leider\s+)?nicht"
)


def negated(low: str, start: int, end: int) -> bool:
    """Whether the value said at ``low[start:end]`` is the one the customer does not want:
    "not Monday", "nicht am Montag", "instead of 3pm", "Monday doesn't work"."""
    if _NOT_THIS.intersection(preceding_words(low, start, 3)):
        return True
    if _INSTEAD_OF.search(low[max(0, start - 20) : start]):
        return True
    return bool(_NOT_AFTER.match(low, end))


_CORRECTING = re.compile(
    r"\b(?:no|nope|nah|nein|actually|i\s+meant|i\s+mean|sorry|instead|rather|not|"
    r"ich\s+meinte|ich\s+meine|eigentlich|lieber|stattdessen|doch|sondern|make\s+it|change\s+it|"
    r"switch\s+it)\b"
)


def correcting(low: str) -> bool:
    """Whether the message corrects something ("no, Tuesday", "actually 4pm", "lieber
    Freitag"): of several values it names, the later one is the new one."""
    return bool(_CORRECTING.search(low))


# Words that are never a person's name, a service or staff member on their own: function
# words, fillers, answers and common verbs of booking talk, in both languages.
COMMON_WORDS = frozenset(
    wordlist("""
    a about after again all also am an and any anyone anything appointment are as at available
    back be because been before best book booking busy but by call calling can cancel change
    check could day days did do does done during each early earlier either else email evening
    every fine first for free friday from gets get give go good got great had has have he hello
    help her here hey hi him his how i i'd i'll i'm if in interested into is it it's just
    last late later like looking make many may maybe me mine monday more morning most much my
    need needed new next nice no none not nothing now number of off ok okay on one only or
    other our out over perfect phone please possible really reschedule right same saturday
    see she so some someone something soon sorry still sunday sure tell than thank thanks that
    that's the their them then there these they thing think this thursday time to today
    tomorrow too tuesday two up us very visit want wanted was we wednesday week well were what
    when where which who why will with work would yeah yes yesterday yet you your
    afternoon evening night tonight asap urgent please just calling call phone number
    aber alle alles also am an auch auf aus bei bin bis bitte da danke dann das dass dem den
    der des dich die dienstag dir doch donnerstag dort du ein eine einem einen einer eines er
    es etwas für freitag gern gerne geht gut haben habe hallo hat heute hier ich ihr ihnen im
    in ist ja jemand jetzt kann kein keine können machen mal man mein meine mich mir mit
    mittwoch möchte montag morgen nach nein nicht noch nur oder ok okay samstag schon sehr
    sie sind so sonntag termin uhr um und uns vielen von vor war was wann warum was weil wenn
    wer wie wir wo woche würde zu zum zur genau passt stimmt klar super prima vormittag
    nachmittag abend abends morgens nachmittags vormittags name heiße heisse
    """)
)

FILLERS = frozenset(
    wordlist(
        "uh um uhm erm hmm oh ah well so okay ok yes yeah yep sure hi hello hey please ja also "
        "äh ähm naja gerne klar hallo bitte"
    )
)


def plain_words() -> frozenset[str]:
    """Words that are never a name or a catalog item: common words, fillers, weekdays,
    months and number words (both languages)."""
    from ._numbers import CARDINALS, ORDINALS

    return (
        COMMON_WORDS
        | FILLERS
        | frozenset(WEEKDAYS)
        | frozenset(MONTHS)
        | frozenset(CARDINALS)
        | frozenset(ORDINALS)
    )
