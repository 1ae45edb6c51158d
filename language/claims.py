"""Finding the factual claims a reply makes: times, dates, weekdays, prices, phone numbers,
status words and person names.

The grounding check (``language.grounding``) holds every claim found here against the
reply plan. Each claim carries canonical candidate values as plain strings (a time
``"15:00"``, a date ``"11-24"``, a weekday ``"1"``, a price ``"€:9500"``, a phone number's
digits) so that "3:00 pm", "15:00" and "15 Uhr" compare equal. Extraction runs in a fixed
order and blanks what it has consumed, so "24.11." is read once as a date and never again
as part of a phone number.

Names are the hard part: German capitalises every noun, so a capitalised word is only a
name when it is not a known word (template vocabulary plus a list of common words), and
only a run of two unknown capitalised words, a title ("Dr.", "Frau") followed by one, or
"with"/"bei" followed by one counts as a name claim.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from language import templates as tpl

ClaimKind = Literal["time", "date", "weekday", "price", "phone", "status", "name"]
BLANK = "\x01"  # replaces consumed text: not a word character, digit or separator


@dataclass(frozen=True, slots=True)
class Claim:
    kind: ClaimKind
    shown: str  # as written in the text
    # canonical candidates: the claim holds if any one is supported — except a name, whose
    # values are its unknown words, and every one of them must appear in the plan
    values: tuple[str, ...]
    span: tuple[int, int] = (0, 0)  # where it stands in the text


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + BLANK * (end - start) + text[end:]


# ---------------------------------------------------------------- dates and weekdays

_MONTHS: dict[str, int] = {}
for _i, _spellings in enumerate(
    (
        "january jan januar jän",
        "february feb februar",
        "march mar märz mär maerz",
        "april apr",
        "may mai",
        "june jun juni",
        "july jul juli",
        "august aug",
        "september sep sept",
        "october oct oktober okt",
        "november nov",
        "december dec dezember dez",
    ),
    start=1,
):
    for _name in _spellings.split():
        _MONTHS[_name] = _i
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

_WEEKDAYS: dict[str, int] = {}
for _i, _spellings in enumerate(
    (
        "monday mon montag",
        "tuesday tue tues dienstag",
        "wednesday wed mittwoch",
        "thursday thu thur thurs donnerstag",
        "friday fri freitag",
        "saturday sat samstag sonnabend",
        "sunday sun sonntag",
    )
):
    for _name in _spellings.split():
        _WEEKDAYS[_name] = _i
_DE_DAY_ABBR = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6}

_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DOT_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(?:(\d{4})|(\d{2})(?!\d))?")
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/])")
_DAY_MONTH = re.compile(
    rf"(?<![\w.])(\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?({_MONTH})\b\.?", re.IGNORECASE
)
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?![\w])", re.IGNORECASE)
_WEEKDAY = re.compile(
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Montag|Dienstag|Mittwoch"
    r"|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag|Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)s?\b"
)
_DE_WEEKDAY_ABBR = re.compile(
    r"\b(Mo|Di|Mi|Do|Fr|Sa|So)\.(?=\s*,?\s*\d|\s*[–-])|(?<=[–-])(Mo|Di|Mi|Do|Fr|Sa|So)\."
)


def _day(month: int, day: int) -> str | None:
    if 1 <= month <= 12 and 1 <= day <= 31:
        return f"{month:02d}-{day:02d}"
    return None


def _dates(text: str, out: list[Claim]) -> str:
    def take(pattern: re.Pattern[str], values: Callable[[re.Match[str]], list[str | None]]) -> None:
        nonlocal text
        for m in list(pattern.finditer(text)):
            found = tuple(v for v in values(m) if v)
            if found:
                out.append(Claim("date", m.group(0), found, m.span()))
                text = _blank(text, m.start(), m.end())

    for m in list(_WEEKDAY.finditer(text)):
        out.append(Claim("weekday", m.group(0), (str(_WEEKDAYS[m.group(1).lower()]),), m.span()))
        text = _blank(text, m.start(), m.end())
    for m in list(_DE_WEEKDAY_ABBR.finditer(text)):
        abbr = (m.group(1) or m.group(2)).lower()
        out.append(Claim("weekday", m.group(0), (str(_DE_DAY_ABBR[abbr]),), m.span()))
        text = _blank(text, m.start(), m.end())
    take(_ISO_DATE, lambda m: [_day(int(m.group(2)), int(m.group(3)))])
    take(_DOT_DATE, lambda m: [_day(int(m.group(2)), int(m.group(1)))])
    take(
        _SLASH_DATE,
        lambda m: [_day(int(m.group(1)), int(m.group(2))), _day(int(m.group(2)), int(m.group(1)))],
    )
    take(_DAY_MONTH, lambda m: [_day(_MONTHS[m.group(2).lower()], int(m.group(1)))])
    take(_MONTH_DAY, lambda m: [_day(_MONTHS[m.group(1).lower()], int(m.group(2)))])
    return text


# ---------------------------------------------------------------- times

_TIME_12H = re.compile(
    r"(?<![\d:.,])(\d{1,2})(?:[:.](\d{2}))?\s?([ap])(?:\.m\.?|m\b)", re.IGNORECASE
)
_TIME_UHR = re.compile(r"(?<![\d:.,])(\d{1,2})(?:[:.](\d{2}))?\s?Uhr\b")
_TIME_24H = re.compile(r"(?<![\d:.,])(\d{1,2}):(\d{2})(?![\d:])")


def _hhmm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


# German "am" is "on": "Paket 2 am Sa., 01.01." states no time
_GERMAN_AM = re.compile(
    rf"\s+(?:[A-ZÄÖÜ\d{BLANK}]|(?:nächsten|kommenden|selben|gleichen|ersten|letzten|morgen)\b)"
)


def _times(text: str, out: list[Claim]) -> str:
    for m in list(_TIME_12H.finditer(text)):
        if m.group(0).endswith("am") and _GERMAN_AM.match(text, m.end()):
            continue
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if 1 <= hour <= 12 and minute < 60:
            hour = hour % 12 + (12 if m.group(3).lower() == "p" else 0)
            out.append(Claim("time", m.group(0), (_hhmm(hour, minute),), m.span()))
        text = _blank(text, m.start(), m.end())
    for m in list(_TIME_UHR.finditer(text)):
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if hour <= 24 and minute < 60:
            out.append(Claim("time", m.group(0), (_hhmm(hour % 24, minute),), m.span()))
        text = _blank(text, m.start(), m.end())
    for m in list(_TIME_24H.finditer(text)):
        raw, hour, minute = m.group(1), int(m.group(1)), int(m.group(2))
        if hour <= 24 and minute < 60:
            values = {_hhmm(hour % 24, minute)}
            if 1 <= hour <= 12 and not raw.startswith("0"):  # "3:00" may be afternoon
                values.add(_hhmm(hour % 12 + 12, minute))
            out.append(Claim("time", m.group(0), tuple(sorted(values)), m.span()))
        text = _blank(text, m.start(), m.end())
    return text


# ---------------------------------------------------------------- prices

_AMOUNT = r"\d+(?:[.,]\d{3})*(?:[.,]\d{1,2})?"
_PRICE = re.compile(
    rf"([$€£])\s?({_AMOUNT})(?![\d])"
    rf"|(?<![\d.,])({_AMOUNT})\s?(€|\$|eur\b|euros?\b|usd\b|dollars?\b|bucks\b)",
    re.IGNORECASE,
)
_CURRENCY = {
    "$": "$",
    "usd": "$",
    "dollar": "$",
    "dollars": "$",
    "bucks": "$",
    "€": "€",
    "eur": "€",
    "euro": "€",
    "euros": "€",
    "£": "£",
}
_AMOUNT_PARTS = re.compile(r"(\d+(?:[.,]\d{3})*)(?:[.,](\d{1,2}))?")


def _cents(amount: str) -> int:
    m = _AMOUNT_PARTS.fullmatch(amount)
    if m is None:  # pragma: no cover - the price pattern only yields amounts
        return -1
    whole = int(re.sub(r"[.,]", "", m.group(1)))
    fraction = (m.group(2) or "0").ljust(2, "0")
    return whole * 100 + int(fraction)


def _prices(text: str, out: list[Claim]) -> str:
    for m in list(_PRICE.finditer(text)):
        symbol = (m.group(1) or m.group(4)).lower()
        amount = m.group(2) or m.group(3)
        out.append(Claim("price", m.group(0), (f"{_CURRENCY[symbol]}:{_cents(amount)}",), m.span()))
        text = _blank(text, m.start(), m.end())
    return text


# ---------------------------------------------------------------- phone numbers

_PHONE = re.compile(r"(?<![\w+])\+?\(?\d(?:[ \-/()]{0,2}\d)+")
MIN_PHONE_DIGITS = 7


def phone_digits(text: str) -> Iterator[str]:
    """The digits of every phone-number-like run in ``text`` (at least 7 digits)."""
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= MIN_PHONE_DIGITS:
            yield digits


def _phones(text: str, out: list[Claim]) -> str:
    for m in list(_PHONE.finditer(text)):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= MIN_PHONE_DIGITS:
            out.append(Claim("phone", m.group(0), (digits,), m.span()))
            text = _blank(text, m.start(), m.end())
    return text


# ---------------------------------------------------------------- status words

STATUS_WORDS: dict[str, re.Pattern[str]] = {
    "booked": re.compile(r"\b(?:booked|confirmed|reserved|gebucht|bestätigt|reserviert)\b", re.I),
    "cancelled": re.compile(r"\b(?:cancell?ed|storniert|abgesagt)\b", re.I),
    "moved": re.compile(r"\b(?:moved|rescheduled|verschoben|umgebucht|verlegt)\b", re.I),
    "paid": re.compile(
        r"\b(?:payment (?:has been |was |is )?received|paid|bezahlt"
        r"|zahlung (?:ist )?(?:eingegangen|erhalten))\b",
        re.I,
    ),
    "message": re.compile(
        r"\b(?:passed (?:it |this |that |your message |your request )?on"
        r"|taken (?:down )?(?:your|a|the) message"
        r"|message (?:has been |was )?(?:taken|passed on|forwarded|sent)"
        r"|weitergeleitet|weitergegeben|notiert)\b",
        re.I,
    ),
}


def _statuses(text: str, out: list[Claim]) -> str:
    for category, pattern in STATUS_WORDS.items():
        for m in list(pattern.finditer(text)):
            out.append(Claim("status", m.group(0), (category,), m.span()))
            text = _blank(text, m.start(), m.end())
    return text


# ---------------------------------------------------------------- names

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
TITLES = frozenset({"dr", "prof", "mr", "mrs", "ms", "miss", "herr", "frau", "fr", "hr"})
_NAME_CUES = frozenset({"with", "bei"})

_COMMON_WORDS = """
i you we our your us me my he she they it its the a an this that these those there here
hello hi hey dear thanks thank please sorry yes no sure great of course okay ok good fine
morning afternoon evening night unfortunately just so now then let is are was were would
could can shall should will do does did what when where which who how why if and or but for
with at on in to from by it's i'm i'll i've we're we'll we've you're you'll don't can't
welcome goodbye bye see have has had nice day week month year today tomorrow yesterday
next last first second third option options all any some every done perfect absolutely
alright right sounds wonderful happy help call phone email name address problem price cost
costs fee fees hours opening open closed appointment appointments front desk team emergency
service services source faq note also be been being not only very more less much many
best regards kind new free available time times date dates slot slots booking bookings
insurance parking practice studio salon dental hair plumbing office reception billing
guten tag hallo herzlich willkommen vielen dank danke bitte gern gerne ja nein leider
ich sie wir ihr ihre ihren ihrem ihrer ihnen uns unser unsere unseren unserem es er das
der die den dem des ein eine einen einem einer kein keine noch schon auch nur sehr gut
am um im an auf aus bei mit nach von vor zu zur zum für über unter bis wann wie was wo
welche welcher welches wer ist sind war waren wird werden kann können möchte möchten
soll sollen haben hat habe hätte würde wäre alles etwas nichts heute morgen gestern
termin termine terminen uhrzeit uhr zeit datum woche wochen monat jahr tag tage tagen
nachricht telefon telefonnummer nummer adresse straße frage fragen antwort antworten
behandlung behandlungen leistung leistungen praxis versicherung team kollege kollegin
mitarbeiter mitarbeiterin patient patientin patienten kunde kundin kunden buchung absage
änderung änderungen gebühr gebühren euro kosten preis preise notfall notdienst notruf
rezeption abrechnung öffnungszeiten wochenende vormittag nachmittag abend mittag
anliegen hilfe name vorname nachname angaben auswahl option optionen verbindung gruß
grüße viele freundlichen schönen tschüss wiederhören wiedersehen entschuldigung
zahnarzt zahnärztin zahnarztpraxis schmerzen parkplatz parkplätze hof zugang minuten stunden
"""


def _known_words() -> frozenset[str]:
    words = set(_COMMON_WORDS.split()) | set(_MONTHS) | set(_WEEKDAYS) | set(_DE_DAY_ABBR) | TITLES
    for table in tpl.TABLES.values():
        for template in table.values():
            words.update(w.lower() for w in WORD.findall(template))
    return frozenset(words)


KNOWN_WORDS = _known_words()


def _names(text: str, out: list[Claim]) -> str:
    words = list(WORD.finditer(text))
    i = 0
    while i < len(words):
        if not words[i].group(0)[0].isupper():
            i += 1
            continue
        j = i + 1  # extend the run over capitalised words joined by one space (or "Dr. ")
        while j < len(words) and words[j].group(0)[0].isupper():
            gap = text[words[j - 1].end() : words[j].start()]
            title_gap = gap == ". " and words[j - 1].group(0).lower() in TITLES
            if gap != " " and not title_gap:
                break
            j += 1
        run = [w.group(0) for w in words[i:j]]
        unknown = tuple(w.lower() for w in run if w.lower() not in KNOWN_WORDS)
        titled = any(w.lower() in TITLES for w in run[:-1])
        cue = (
            i > 0
            and words[i - 1].group(0).lower() in _NAME_CUES
            and text[words[i - 1].end() : words[i].start()] == " "
        )
        if len(unknown) >= 2 or (unknown and (titled or cue)):
            span = (words[i].start(), words[j - 1].end())
            out.append(Claim("name", text[span[0] : span[1]], unknown, span))
        i = j
    return text


# ---------------------------------------------------------------- all together


def extract_claims(text: str) -> list[Claim]:
    """Every claim in ``text``, in extraction order (dates, times, prices, phones, ...)."""
    out: list[Claim] = []
    for step in (_dates, _times, _prices, _phones, _statuses, _names):
        text = step(text, out)
    return out


__all__ = [
    "BLANK",
    "KNOWN_WORDS",
    "MIN_PHONE_DIGITS",
    "STATUS_WORDS",
    "WORD",
    "Claim",
    "ClaimKind",
    "extract_claims",
    "phone_digits",
]
