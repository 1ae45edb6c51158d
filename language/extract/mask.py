"""Entities replaced by placeholders, so that the verb decides the topic, not the nouns.

"Can I book a check-up with Dr. Weber on Friday?" and "I have to cancel my check-up with
Dr. Weber on Friday" share most of their words; a sentence embedding of either is pulled
towards every example that names a check-up, Dr. Weber or a Friday. With the values the
extractors found replaced by one placeholder per type ("Can I book a SERVICE with STAFF
on DAY?"), what is left is what the customer wants done. The topic model masks its
training examples and each message the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..types import FieldCandidate

PLACEHOLDERS: dict[str, str] = {
    "service": "SERVICE",
    "staff": "STAFF",
    "date": "DAY",
    "time": "TIME",
    "offered_slot": "TIME",
    "phone": "NUMBER",
    "email": "EMAIL",
}
ENTITY_TYPES: tuple[str, ...] = ("service", "staff", "date", "time", "phone", "email")


def mask_entities(text: str, fields: Iterable[FieldCandidate]) -> str:
    """``text`` with every extracted service, staff member, date, time, phone number and
    e-mail address replaced by its placeholder; overlapping spans keep the earlier, longer
    one. A value the extractor refused (a date in the past) is masked too: it is still a
    date."""
    spans = sorted(
        (
            (f.span, PLACEHOLDERS[f.type])
            for f in fields
            if f.type in PLACEHOLDERS and 0 <= f.span[0] < f.span[1] <= len(text)
        ),
        key=lambda s: (s[0][0], -s[0][1]),
    )
    out: list[str] = []
    pos = 0
    for (start, end), placeholder in spans:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(placeholder)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def entity_types(fields: Iterable[FieldCandidate]) -> frozenset[str]:
    """The entity types present (``date`` for a date, whether usable or refused)."""
    return frozenset(f.type for f in fields if f.type in ENTITY_TYPES)


__all__ = ["ENTITY_TYPES", "PLACEHOLDERS", "entity_types", "mask_entities"]
