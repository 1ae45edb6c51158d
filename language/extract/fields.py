"""All typed extractors run over one text with the conversation's context.

The result is every candidate found, grouped by type with the expected type first and the
best candidate first within each type; deciding which one to use is the engine's job. Two
cross-checks happen here because only here are all readings known: dates and times inside
a phone number or e-mail address are dropped, and a name candidate whose every word is
really a service, date, time or contact is dropped ("Blowout Thursday") — otherwise the
name keeps its words, and a staff member, day or service read inside it is dropped
("Sam Lee", "Sunday Adeyemi" asked for a name; "I'm Sam").
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from ..types import FieldCandidate, Lang, UnderstandContext
from ._calendar import local_now
from ._numbers import parse_number, parse_ordinal
from ._spans import MAX_CHARS, lower_keep
from .catalog import match_catalog
from .choice import choose_offered, number_alone
from .dates import extract_dates
from .emails import extract_emails
from .names import extract_names
from .phones import extract_phones
from .signals import extract_signals
from .times import extract_times

_ADDRESS = re.compile(r"\d+\s*[a-z]?\s+[^\W\d_]{2,}|[^\W\d_]{3,}\s+\d+\s*[a-z]?\b", re.IGNORECASE)


def _overlaps(a: FieldCandidate, b: FieldCandidate) -> bool:
    return a.span[0] < b.span[1] and b.span[0] < a.span[1]


def _covers(outer: FieldCandidate, inner: FieldCandidate) -> bool:
    """The whole of ``inner`` is explained by ``outer`` ("Dr. Weber" is staff, not a name;
    "Sam Lee" stays a name although "Sam" is also a stylist)."""
    return outer.span[0] <= inner.span[0] and inner.span[1] <= outer.span[1]


_NAME_PART = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")


def _explained(text: str, name: FieldCandidate, others: list[FieldCandidate]) -> bool:
    """Every word of the name candidate is read as something else that is no person: a
    date, a time, a service, a phone number ("Friday", "Blowout Thursday"). A staff
    member's name is a person's name, so it explains nothing ("Sam" asked for the
    customer's name is the customer's) — unless it reaches beyond the name, over the title
    the name leaves out ("Dr. Weber")."""
    things = [
        o
        for o in others
        if o.type != "staff"
        or (_covers(o, name) and o.span[1] - o.span[0] > name.span[1] - name.span[0])
    ]
    start = name.span[0]
    words = [
        (start + m.start(), start + m.end())
        for m in _NAME_PART.finditer(text[name.span[0] : name.span[1]])
    ]
    return bool(words) and all(
        any(o.span[0] < end and start_ < o.span[1] for o in things) for start_, end in words
    )


def _boolean(text: str, lang: Lang) -> list[FieldCandidate]:
    signals = extract_signals(text, lang)
    if signals.affirm == signals.deny:
        return []
    value = "yes" if signals.affirm else "no"
    return [
        FieldCandidate(type="boolean", value=value, span=(0, len(text)), text=text, confidence=0.9)
    ]


def _choice(text: str, choices: tuple[str, ...]) -> list[FieldCandidate]:
    """A rich option by its label (fuzzy) or its position ("the second", "2")."""
    low = lower_keep(text).strip(" .!")
    found = []
    for label in choices:
        score = fuzz.WRatio(low, label.lower()) if low else 0.0
        if label.lower() in low or score >= 88:
            found.append((100.0 if label.lower() == low else score, label))
    if not found:
        words = low.split()
        position = None
        if len(words) <= 3:
            for word in words:
                position = parse_ordinal(word) or parse_number(word)
                if position:
                    break
        if position and 1 <= position <= len(choices):
            found.append((90.0, choices[position - 1]))
    found.sort(key=lambda f: -f[0])
    return [
        FieldCandidate(
            type="choice",
            value=label,
            span=(0, len(text)),
            text=text,
            confidence=round(score / 100, 3),
        )
        for score, label in found
    ]


def _free_text(text: str, kind: str) -> list[FieldCandidate]:
    stripped = text.strip()
    if not stripped:
        return []
    start = text.index(stripped)
    if kind == "address":
        if not _ADDRESS.search(stripped):
            return []
        return [
            FieldCandidate(
                type="address",
                value=stripped,
                span=(start, start + len(stripped)),
                text=stripped,
                confidence=0.6,
            )
        ]
    return [
        FieldCandidate(
            type="text",
            value=stripped,
            span=(start, start + len(stripped)),
            text=stripped,
            confidence=0.7,
        )
    ]


def extract_all(text: str, context: UnderstandContext, lang: Lang) -> tuple[FieldCandidate, ...]:
    """Every typed candidate in ``text``: expected type first, best first within a type."""
    text = text[:MAX_CHARS]
    expected = context.expected_type
    contacts = extract_phones(text, context.phone_region) + extract_emails(text)
    usable_contacts = [c for c in contacts if not c.problem]
    dates = [
        c
        for c in extract_dates(text, lang, context.now, context.timezone)
        if not any(_overlaps(c, k) for k in usable_contacts)
    ]
    times = [
        c
        for c in extract_times(text, lang, context.now, context.timezone)
        if not any(_overlaps(c, k) for k in usable_contacts)
    ]
    if expected == "time" and not times:
        times = _bare_hour(text, lang, context)
    times = _not_past_today(dates, times, context)
    services = match_catalog(text, context.services, "service", expected == "service")
    staff = match_catalog(text, context.staff, "staff", expected == "staff")
    offered = (
        choose_offered(text, lang, context.offered, context.timezone) if context.offered else None
    )
    if (
        expected == "offered_slot"
        and not times
        and offered is not None
        and offered.problem == "not_offered"
    ):
        times = _bare_hour(text, lang, context)  # "10" when no offer is at 10: a new hour
    others = [c for c in (*contacts, *dates, *times, *services, *staff) if not c.problem]
    names = [
        c
        for c in extract_names(text, lang, expected == "person_name")
        if not _explained(text, c, others)
    ]
    if names:  # the words of a name are the name's: "Sam Lee" is no stylist Sam
        dates, times, services, staff = (
            [c for c in group if not any(_covers(n, c) for n in names)]
            for group in (dates, times, services, staff)
        )
    groups: list[list[FieldCandidate]] = [
        [offered] if offered else [],
        services,
        staff,
        dates,
        times,
        names,
        contacts,
    ]
    if expected == "boolean":
        groups.append(_boolean(text, lang))
    if expected == "choice" and context.choices:
        groups.append(_choice(text, context.choices))
    if expected in ("text", "address"):
        groups.append(_free_text(text, expected))
    flat = [c for group in groups for c in group]
    order = _type_order(expected)
    # stable: within one type and confidence the extractor's own ranking stands
    flat.sort(key=lambda c: (order.get(c.type, 99), c.problem != "", -c.confidence))
    return tuple(flat)


def _not_past_today(
    dates: list[FieldCandidate], times: list[FieldCandidate], context: UnderstandContext
) -> list[FieldCandidate]:
    """A time said for today that has already gone ("this morning at 3" at 4:30) is
    ``past``: the customer is told so instead of being booked into another day."""
    usable = [d for d in dates if not d.problem]
    if not usable or not times:
        return times
    now = local_now(context.now, context.timezone)
    if usable[0].value != now.date().isoformat():
        return times
    clock = f"{now:%H:%M}"
    return [
        FieldCandidate(
            type="time", problem="past", span=t.span, text=t.text, confidence=t.confidence
        )
        if not t.problem and t.value < clock
        else t
        for t in times
    ]


def _type_order(expected: str | None) -> dict[str, int]:
    base = [
        "offered_slot",
        "service",
        "staff",
        "date",
        "time",
        "person_name",
        "phone",
        "email",
        "boolean",
        "choice",
        "address",
        "text",
    ]
    if expected in base:
        base.remove(expected)
        base.insert(0, expected)
    return {name: i for i, name in enumerate(base)}


def _bare_hour(text: str, lang: Lang, context: UnderstandContext) -> list[FieldCandidate]:
    """After "what time?", a lone "3" or "drei" is a time (same 1-7 → afternoon rule); so
    is a number with only fillers around it ("great, 11 then")."""
    low = lower_keep(text)
    m = re.fullmatch(r"\W*(\S+?)\W*", low)
    span = (m.start(1), m.end(1)) if m is not None else number_alone(low)
    if span is None:
        return []
    word = low[span[0] : span[1]]
    return [
        FieldCandidate(
            type="time",
            value=c.value,
            span=span,
            text=text[span[0] : span[1]],
            confidence=c.confidence * 0.9,
        )
        for c in extract_times("at " + word, "en", context.now, context.timezone)
        if c.span == (0, len(word) + 3)
    ]
