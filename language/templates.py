"""Template lookup and the formatting of facts (dates, times, slots, phones, emails).

The wording itself is data in ``templates_en`` and ``templates_de``; this module picks a
template by language and key and formats the facts a plan carries. Dates and times are
shown as stored: a slot's ``start`` is already in the business timezone, so its own
wall-clock fields are what the customer hears — no conversion, no clock. The grounding
check parses plan data with the same :func:`parse_when`, so a fact is recognised the way
it was formatted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

import phonenumbers

from language import templates_de, templates_en
from language.types import Lang, Slot

TABLES: dict[str, dict[str, str]] = {"en": templates_en.TEMPLATES, "de": templates_de.TEMPLATES}
WEEKDAY_NAMES: dict[str, tuple[str, ...]] = {
    "en": templates_en.WEEKDAYS,
    "de": templates_de.WEEKDAYS,
}
MONTH_NAMES_EN = templates_en.MONTHS


def text(lang: Lang, key: str, **slots: str) -> str:
    """The template ``key`` in ``lang`` with ``slots`` filled in (English if missing)."""
    table = TABLES.get(lang, templates_en.TEMPLATES)
    template = table.get(key) or templates_en.TEMPLATES.get(key) or table["fallback"]
    return template.format(**slots)


def has(lang: Lang, key: str) -> bool:
    return key in TABLES.get(lang, templates_en.TEMPLATES)


_END = (".", "!", "?")


def fill(lang: Lang, key: str, **slots: str) -> str:
    """Like :func:`text`, without doubling a full stop a value already ends with."""
    table = TABLES.get(lang, templates_en.TEMPLATES)
    template = table.get(key) or templates_en.TEMPLATES.get(key) or table["fallback"]
    for name, value in slots.items():
        if value.endswith(_END):
            template = template.replace("{" + name + "}.", "{" + name + "}")
    return template.format(**slots)


def sentence(value: str) -> str:
    """``value`` ending in a full stop (unless it already ends a sentence)."""
    return value if value.endswith(_END) else f"{value}."


# ---------------------------------------------------------------- dates and times

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$"
)


def parse_when(value: str) -> datetime | date | time | None:
    """An ISO datetime, ISO date or ``HH:MM`` time in plan data; ``None`` for other text."""
    value = value.strip()
    try:
        if _DATETIME_RE.match(value):
            return datetime.fromisoformat(value)
        if _DATE_RE.match(value):
            return date.fromisoformat(value)
        m = _TIME_RE.match(value)
        if m:
            return time(int(m.group(1)), int(m.group(2)))
    except ValueError:
        return None
    return None


def parse_clock(value: str) -> time | None:
    """``HH:MM`` (24-hour) as a time, else ``None``."""
    m = _TIME_RE.match(value.strip())
    return time(int(m.group(1)), int(m.group(2))) if m else None


def format_date(day: date, lang: Lang) -> str:
    """EN ``Tue 24 Nov``; DE ``Di., 24.11.``."""
    weekday = WEEKDAY_NAMES[lang][day.weekday()]
    if lang == "de":
        return f"{weekday}, {day.day:02d}.{day.month:02d}."
    return f"{weekday} {day.day} {MONTH_NAMES_EN[day.month - 1]}"


def format_time(moment: time, lang: Lang, *, unit: bool = True) -> str:
    """EN ``3:00 pm``; DE ``15:00 Uhr`` (``unit=False`` leaves out ``Uhr``)."""
    if lang == "de":
        clock = f"{moment.hour:02d}:{moment.minute:02d}"
        return f"{clock} Uhr" if unit else clock
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def repeated_wall_time(moment: datetime) -> bool:
    """Whether ``moment``'s wall time occurs twice that night (the autumn change).

    Only a datetime that carries its zone (``ZoneInfo``) can tell; a fixed offset cannot.
    """
    if moment.tzinfo is None:
        return False
    other = moment.replace(fold=1 - moment.fold)
    if other.utcoffset() == moment.utcoffset():
        return False
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None, fold=0) == moment.replace(tzinfo=None, fold=0)


def zone_label(moment: datetime, lang: Lang) -> str:
    """Which of two equal wall times ``moment`` is: EN ``CDT``/``CST`` (the zone's short
    name), else ``(daylight saving time)``/``(standard time)``, DE ``(Sommerzeit)``/
    ``(Winterzeit)``; ``""`` for a wall time that occurs once."""
    if not repeated_wall_time(moment):
        return ""
    name = moment.tzname() or ""
    if lang == "en" and name.isalpha() and name.isupper():
        return name
    return text(lang, "zone.summer" if moment.dst() else "zone.winter")


def format_datetime(moment: datetime, lang: Lang) -> str:
    """EN ``Tue 24 Nov at 3:00 pm``; DE ``Di., 24.11. um 15:00 Uhr`` (wall clock as stored).

    In the hour the autumn change repeats, the zone tells the two apart: ``Sun 1 Nov at
    1:30 am CDT`` is an hour before ``… 1:30 am CST``."""
    shown = format_time(moment.time(), lang)
    label = zone_label(moment, lang)
    return text(
        lang,
        "datetime",
        date=format_date(moment.date(), lang),
        time=f"{shown} {label}" if label else shown,
    )


def format_when(value: str, lang: Lang) -> str:
    """A ``when``/``date``/``time`` value for display; text that is not ISO stays as it is."""
    parsed = parse_when(value)
    if isinstance(parsed, datetime):
        return format_datetime(parsed, lang)
    if isinstance(parsed, date):
        return format_date(parsed, lang)
    if isinstance(parsed, time):
        return format_time(parsed, lang)
    return value.strip()


def when_phrase(value: str, lang: Lang) -> str:
    """``when`` with its preposition: EN ``on Tue 24 Nov at 3:00 pm`` / ``at 3:00 pm``."""
    parsed = parse_when(value)
    if isinstance(parsed, datetime):
        return text(lang, "when.date", date=format_datetime(parsed, lang))
    if isinstance(parsed, date):
        return text(lang, "when.date", date=format_date(parsed, lang))
    if isinstance(parsed, time):
        return text(lang, "when.time", time=format_time(parsed, lang))
    return value.strip()


def format_slot(slot: Slot, lang: Lang) -> str:
    """EN ``Tue 24 Nov at 3:00 pm with Dr. Lena Sommer``; DE ``Di., 24.11. um 15:00 Uhr bei …``."""
    shown = format_datetime(slot.start, lang)
    staff = slot.staff_name.strip()
    return f"{shown} {text(lang, 'with', staff=staff)}" if staff else shown


# ---------------------------------------------------------------- read-back on voice

_PHONE_GROUPS = re.compile(r"\d+")


def display_phone(value: str) -> str:
    """An E.164 number in its international groups (``+15035550123`` → ``+1 503-555-0123``);
    anything else as written."""
    stripped = value.strip()
    if not re.fullmatch(r"\+\d{7,15}", stripped):
        return stripped
    try:
        number = phonenumbers.parse(stripped, None)
    except phonenumbers.NumberParseException:
        return stripped
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def spell_phone(value: str, lang: Lang) -> str:
    """Digit by digit, groups kept apart: ``+49 30 123`` → ``plus 4 9, 3 0, 1 2 3``.

    A number written without groups (E.164, as the extractors store it) is grouped the
    way the country writes it, so a listener can follow.
    """
    value = display_phone(value)
    groups = [" ".join(g) for g in _PHONE_GROUPS.findall(value)]
    spoken = ", ".join(groups)
    if value.strip().startswith("+") and spoken:
        return f"{text(lang, 'spell.plus')} {spoken}"
    return spoken or value.strip()


_EMAIL_WORDS = {
    "@": "spell.at",
    ".": "spell.dot",
    "-": "spell.dash",
    "_": "spell.underscore",
    "+": "spell.plus",
}


def spell_email(value: str, lang: Lang) -> str:
    """Letter by letter: ``ab@x.de`` → ``a b at x dot d e`` (other characters are skipped)."""
    spoken: list[str] = []
    for ch in value.strip().lower():
        if ch in _EMAIL_WORDS:
            spoken.append(text(lang, _EMAIL_WORDS[ch]))
        elif ch.isascii() and ch.isalnum():
            spoken.append(ch)
    return " ".join(spoken) or value.strip()


# ---------------------------------------------------------------- lists


def split_options(value: str) -> list[str]:
    """``"a, b, c"`` → ``["a", "b", "c"]`` (blank pieces dropped)."""
    return [piece.strip() for piece in value.split(",") if piece.strip()]


def join_or(items: Iterable[str], lang: Lang) -> str:
    """``a, b or c`` / ``a, b oder c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {text(lang, 'or')} {items[-1]}"


__all__ = [
    "TABLES",
    "display_phone",
    "fill",
    "format_date",
    "format_datetime",
    "format_slot",
    "format_time",
    "format_when",
    "has",
    "join_or",
    "parse_clock",
    "parse_when",
    "repeated_wall_time",
    "sentence",
    "spell_email",
    "spell_phone",
    "split_options",
    "text",
    "when_phrase",
    "zone_label",
]
