"""Button labels for offered slots, and reading a pressed label back.

A rich option is what the customer *says* by pressing it: the web chat sends the label
as the message, WhatsApp and Telegram send it back as the button's id or data. So the
same code words the labels (``engine.replyplan.options``) and reads them back
(``language.extract.choice``): :func:`slot_for_label` recomputes :func:`slot_labels` for
the offer in the conversation and compares, so the two agree by construction.

A label is short (WhatsApp cuts a button title at 20 characters) but tells the slots of
one offer apart:

- weekday and time: EN ``Wed 3:00 pm``, DE ``Mi 09:00``;
- the date as well when the weekday alone does not tell two offered days apart (an
  offer spanning more than a week): ``Wed 25 Nov 3:00 pm``, ``Mi 25.11. 15:00``;
- the staff member when the offer has more than one: ``Wed 3:00 pm · Alex``, a long name
  with a title short as ``Dr. Weber`` (the whole name when two would read the same);
- the zone when a wall time occurs twice (the autumn change) or two offers share one:
  ``Sun 1:30 am CDT`` / ``So 01:30 MESZ``, the UTC offset when the zone's abbreviation
  cannot tell them apart.

The time is worded by :func:`language.templates.format_time`, as the reply text words it,
so a button and the sentence above it show one time one way: ``3:00 pm`` in both; in
German ``09:00``, which the sentence says as ``09:00 Uhr`` (the unit is left off the
button, as in the opening-hours table: with it, ``Do 09:00 Uhr · Dr. Weber`` would not
fit a WhatsApp button's 20 characters).

If two labels still read the same, every label is numbered (``1. …``), which keeps them
distinct. Labels depend only on the slots (times as stored, in the business timezone):
no clock, no locale.

A label comes back compared by :func:`normalise`: case, spacing and the clock's spelling
aside (``3:00pm`` is ``3:00 pm``, ``09:00`` is ``9:00 Uhr``), so a button of an offer
worded before the time format changed still picks its slot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import get_args
from zoneinfo import ZoneInfo

from language import templates_de, templates_en
from language.templates import format_time, repeated_wall_time
from language.types import Lang, Slot

SEPARATOR = " · "
_WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": templates_en.WEEKDAYS,
    "de": tuple(w.rstrip(".") for w in templates_de.WEEKDAYS),
}
_ZONE_DE = {"CEST": "MESZ", "CET": "MEZ"}
_TITLES = frozenset({"dr", "prof", "doctor", "doktor", "frau", "herr", "mr", "mrs", "ms"})
_SHORT_ENOUGH = 12  # a staff name this long is shown whole
_LANGS: tuple[Lang, ...] = get_args(Lang)


_MERIDIEM = re.compile(r"(?<=\d)\s(?=[ap]m\b)")  # "3:00 pm" → "3:00pm"
_UHR = re.compile(r"(?<=\d:\d\d)\suhr\b")  # "15:00 uhr" → "15:00"
_LEADING_ZERO = re.compile(r"(?<![\d.:])0(?=\d:\d\d)")  # "09:00" → "9:00"


def normalise(text: str) -> str:
    """What a label is compared by when it comes back: case, runs of white space and the
    clock's spelling (a space before am/pm, ``Uhr``, an hour's leading zero) do not matter."""
    low = " ".join(text.casefold().split())
    return _LEADING_ZERO.sub("", _UHR.sub("", _MERIDIEM.sub("", low)))


def _time(moment: datetime, lang: Lang) -> str:
    return format_time(moment.time(), lang, unit=False)


def _day(moment: datetime, lang: Lang, with_date: bool) -> str:
    weekday = _WEEKDAYS[lang][moment.weekday()]
    if not with_date:
        return weekday
    if lang == "de":
        return f"{weekday} {moment.day:02d}.{moment.month:02d}."
    return f"{weekday} {moment.day} {templates_en.MONTHS[moment.month - 1]}"


def _offset(moment: datetime) -> str:
    """``UTC+2``, ``UTC-5``, ``UTC+5:30``."""
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _zone(moment: datetime, lang: Lang) -> str:
    name = moment.tzname() or ""
    if not (name.isalpha() and name.isupper()):
        return _offset(moment)
    return _ZONE_DE.get(name, name) if lang == "de" else name


def _short_name(name: str) -> str:
    """``Dr. Jonas Weber`` → ``Dr. Weber``, ``Alexandra Montgomery`` → ``Alexandra``;
    a name of up to 12 characters stays whole."""
    words = name.split()
    if len(name) <= _SHORT_ENOUGH or len(words) < 2:
        return name
    if words[0].rstrip(".").casefold() in _TITLES and len(words) >= 3:
        return f"{words[0]} {words[-1]}"
    return words[0]


def _staff_names(slots: Sequence[Slot]) -> dict[str, str]:
    """Staff id → the name on the labels; ``{}`` when the offer has one staff member."""
    names = {s.staff: " ".join(s.staff_name.split()) for s in slots}
    if len(names) < 2:
        return {}
    short = {staff: _short_name(name) for staff, name in names.items()}
    if len({normalise(n) for n in short.values()}) < len(short):
        return names
    return short


def _local(moment: datetime, timezone: str) -> datetime:
    """``moment`` in the business's zone. A slot read back from the stored conversation
    carries a fixed UTC offset, which cannot tell CDT from CST; in its zone it can, so the
    label is the same whichever way the slot travelled."""
    return moment.astimezone(ZoneInfo(timezone)) if timezone else moment


def _wall(moment: datetime, lang: Lang) -> tuple[date, str]:
    return moment.date(), _time(moment, lang)


def _zones(starts: Sequence[datetime], lang: Lang) -> list[str]:
    """The zone text per label, ``""`` where none is needed. It is needed for a wall time
    that occurs twice that night, or one that another offered slot shows at another UTC
    offset; abbreviations where they tell such slots apart, else the offsets."""
    walls: dict[tuple[date, str], list[int]] = {}
    for i, start in enumerate(starts):
        walls.setdefault(_wall(start, lang), []).append(i)

    def offsets(members: list[int]) -> set[timedelta | None]:
        return {starts[i].utcoffset() for i in members}

    out = [
        _zone(start, lang)
        if repeated_wall_time(start) or len(offsets(walls[_wall(start, lang)])) > 1
        else ""
        for start in starts
    ]
    for members in walls.values():
        shown = {out[i] for i in members if out[i]}
        if len(shown) < len(offsets([i for i in members if out[i]])):
            for i in members:
                out[i] = _offset(starts[i]) if out[i] else ""
    return out


def slot_labels(slots: Sequence[Slot], lang: Lang, timezone: str = "") -> tuple[str, ...]:
    """One short, distinct label per offered slot, in order (see the module docstring).

    ``timezone`` is the business's IANA zone, where the slots' times are read (give it:
    without it a slot that lost its zone on the way labels a repeated hour by offset).
    """
    if not slots:
        return ()
    starts = [_local(s.start, timezone) for s in slots]
    days: dict[int, set[date]] = {}
    for start in starts:
        days.setdefault(start.weekday(), set()).add(start.date())
    with_date = any(len(dates) > 1 for dates in days.values())
    staff = _staff_names(slots)
    labels: list[str] = []
    for s, start, zone in zip(slots, starts, _zones(starts, lang), strict=True):
        label = f"{_day(start, lang, with_date)} {_time(start, lang)}"
        if zone:
            label = f"{label} {zone}"
        if staff.get(s.staff):
            label = f"{label}{SEPARATOR}{staff[s.staff]}"
        labels.append(label)
    if len({normalise(label) for label in labels}) < len(labels):
        labels = [f"{i}. {label}" for i, label in enumerate(labels, start=1)]
    return tuple(labels)


def _pressed(
    text: str, slots: Sequence[Slot], langs: Iterable[Lang], timezone: str
) -> tuple[Slot, Lang] | None:
    said = normalise(text)
    if not said or not slots:
        return None
    for lang in dict.fromkeys((*langs, *_LANGS)):
        for slot, label in zip(slots, slot_labels(slots, lang, timezone), strict=True):
            if normalise(label) == said:
                return slot, lang
    return None


def slot_for_label(
    text: str, slots: Sequence[Slot], langs: Iterable[Lang] = _LANGS, timezone: str = ""
) -> Slot | None:
    """The offered slot whose label (in one of ``langs`` first, then any) the text is,
    ignoring case and white space; ``None`` when it is no label of this offer."""
    pressed = _pressed(text, slots, langs, timezone)
    return pressed[0] if pressed else None


def label_language(
    text: str, slots: Sequence[Slot], langs: Iterable[Lang] = _LANGS, timezone: str = ""
) -> Lang | None:
    """The language of the offer's label the text is, if it is one. A label is too short
    to tell its language by its words (German ``Do`` reads as English "do"), and it was
    worded in the conversation's language, so that is the language it speaks."""
    pressed = _pressed(text, slots, langs, timezone)
    return pressed[1] if pressed else None


__all__ = ["SEPARATOR", "label_language", "normalise", "slot_for_label", "slot_labels"]
