"""Checking a model's field values with the offline extractors' own rules.

A value that validated against the output schema is still only a claim. Here each one is
held to the same checks an offline value passes: a service or staff member must be in the
catalog (and not one of several the words fit alike: "haircut" is asked about, not
guessed), an offered slot must have been offered, a date must be a real day that has not
passed, a phone number must parse (phonenumbers, the business's region) and an e-mail
address must be well formed, and a name, phone number, e-mail, address or description must
actually occur in the customer's message — a model cannot invent a caller's number. A
value that fails is rejected (recorded, never used); the rest become ordinary
:class:`FieldCandidate` values with the span they came from.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from language.extract import extract_emails, extract_names, extract_phones, match_catalog
from language.extract._calendar import local_today
from language.types import FieldCandidate, FieldType, Lang, UnderstandContext

MODEL_CONFIDENCE = 0.8
HORIZON_DAYS = 400  # a date further ahead is a misreading, not a booking wish
_VERBATIM: frozenset[FieldType] = frozenset({"person_name", "phone", "email", "address", "text"})


def _squash(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip().casefold()


def _span(text: str, needle: str) -> tuple[int, int] | None:
    """Where ``needle`` stands in ``text`` (case and spacing aside)."""
    if not needle.strip():
        return None
    pattern = r"\s+".join(re.escape(w) for w in needle.split())
    m = re.search(pattern, text, re.IGNORECASE)
    return m.span() if m else None


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def check_value(
    kind: FieldType, value: str, text: str, context: UnderstandContext, lang: Lang
) -> FieldCandidate | str:
    """The candidate for a model's ``value`` of type ``kind``, or why it is rejected."""
    value = value.strip()
    found = _span(text, value)
    span = found or (0, 0)
    shown = text[span[0] : span[1]] if found else value

    def ok(canonical: str) -> FieldCandidate:
        return FieldCandidate(
            type=kind, value=canonical, span=span, text=shown, confidence=MODEL_CONFIDENCE
        )

    if kind in ("service", "staff"):
        items = context.services if kind == "service" else context.staff
        if value == "any" and kind == "staff":
            return ok("any")
        if value not in {i.id for i in items}:
            return f"{kind} {value!r} is not in the catalog"
        said = match_catalog(text, items, kind, context.expected_type == kind)
        if any(c.value == value and c.problem == "ambiguous" for c in said) and not any(
            c.value == value and not c.problem for c in said
        ):
            tied = ", ".join(c.value for c in said if c.problem == "ambiguous")
            return f"{kind} {value!r} is a guess: the words fit {tied} alike"
        item = next(i for i in items if i.id == value)
        named = next((s for n in item.names if (s := _span(text, n))), None)
        return FieldCandidate(
            type=kind,
            value=value,
            span=named or (0, 0),
            text=text[named[0] : named[1]] if named else value,
            confidence=MODEL_CONFIDENCE,
        )
    if kind == "offered_slot":
        starts = {s.start.isoformat() for s in context.offered}
        return ok(value) if value in starts else f"slot {value!r} was not offered"
    if kind == "choice":
        return ok(value) if value in context.choices else f"choice {value!r} was not offered"
    if kind == "boolean":
        return ok(value) if value in ("yes", "no") else f"boolean {value!r}"
    if kind == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return f"date {value!r} does not exist"
        today = local_today(context.now, context.timezone)
        if day < today:
            return f"date {value} has passed"
        if day > today + timedelta(days=HORIZON_DAYS):
            return f"date {value} is too far ahead"
        return FieldCandidate(type="date", value=day.isoformat(), confidence=MODEL_CONFIDENCE)
    if kind == "time":
        m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value)
        if m is None:
            return f"time {value!r}"
        return FieldCandidate(type="time", value=value, confidence=MODEL_CONFIDENCE)
    # what the customer typed: it must be in the message
    if (
        kind in _VERBATIM
        and found is None
        and not (kind == "phone" and len(_digits(value)) >= 5 and _digits(value) in _digits(text))
    ):
        return f"{kind} {value!r} is not in the message"
    if kind == "phone":
        phones = [c for c in extract_phones(value, context.phone_region) if not c.problem]
        return ok(phones[0].value) if phones else f"phone {value!r} does not parse"
    if kind == "email":
        emails = [c for c in extract_emails(value) if not c.problem]
        return ok(emails[0].value) if emails else f"e-mail {value!r} is not an address"
    if kind == "person_name":
        names = extract_names(value, lang, expected=True)
        return ok(names[0].value or value) if names else f"name {value!r} is not a name"
    return ok(shown)  # address, text: the customer's own words


__all__ = ["MODEL_CONFIDENCE", "check_value"]
