"""Accepting what the customer said into a topic's fields.

The language layer proposes typed candidates; this module decides, against the business's
catalog, calendar and the offers made so far, which of them the topic accepts. It never
moves a machine: it reports ``input.*``, ``invalid.*`` and ``corrected.*`` facts, and the
card's rules decide what happens next.

"The earliest you can fit me in" (``signals.earliest``) without a day is a day: the first
day the business is open, from today; the search then offers the first free slots from now
on (``_earliest`` asks it for them, unspaced, see :mod:`engine.slots`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from language.types import FieldCandidate, Understanding
from machines.card import Card

from .business import Business
from .state import ConversationState, TopicState

# a change of one of these invalidates the slot chosen from an earlier offer
_SLOT_INPUTS = ("service", "staff", "date", "time")
_FREE_TEXT_MAX = 1000


@dataclass
class Accepted:
    fields: dict[str, str]
    inputs: dict[str, str] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)  # the refused value, canonical
    corrected: set[str] = field(default_factory=set)
    # field → the catalog ids the words fit equally ("haircut": women's or men's): asked
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _check(
    cand: FieldCandidate,
    ftype: str,
    business: Business,
    fields: dict[str, str],
    state: ConversationState,
    now: datetime,
) -> str:
    """The problem with a candidate value, or "" when the value can be used."""
    if cand.problem:
        return cand.problem
    if ftype == "staff" and cand.value != "any":
        try:
            member = business.staff_member(cand.value)
        except KeyError:
            return "unknown_staff"
        service = fields.get("service")
        if service and service not in member.services:
            return "staff_cannot"
    if ftype == "service":
        try:
            business.service(cand.value)
        except KeyError:
            return "unknown_service"
    if ftype == "date":
        try:
            day = date.fromisoformat(cand.value)
        except ValueError:
            return "impossible_date"
        today = now.date()
        if day < today:
            return "past"
        if day > today + timedelta(days=business.booking.horizon_days):
            return "too_far"
        if business.is_closed_on(day) or not business.hours_of(None, day):
            return "closed"
    if ftype == "offered_slot" and not any(
        s.start.isoformat() == cand.value for s in state.last_offered
    ):
        return "no_such_option"
    return ""


def which_key(name: str) -> str:
    """The topic's private field remembering which items a field was asked about ("which
    one: the women's or the men's haircut?"), until it has a value."""
    return f"_which.{name}"


def _compatible(
    ids: list[str], ftype: str, business: Business, fields: dict[str, str]
) -> list[str]:
    """The ids of an ambiguous mention that fit what the topic already holds: staff who do
    its service, services its staff member does. None fitting leaves them all (the
    question then names them all, and a refusal follows an impossible pick)."""
    if ftype == "staff" and fields.get("service"):
        fit = [i for i in ids if fields["service"] in business.staff_member(i).services]
    elif ftype == "service" and fields.get("staff") not in (None, "", "any"):
        does = business.staff_member(fields["staff"]).services
        fit = [i for i in ids if i in does]
    else:
        fit = ids
    return fit or ids


def _ambiguous(
    cands: list[FieldCandidate], ftype: str, business: Business, fields: dict[str, str]
) -> list[str]:
    """The catalog ids the best candidate's words fit equally, narrowed to what fits the
    topic; [] when the best candidate is not an ambiguous mention."""
    first = cands[0]
    if first.problem != "ambiguous" or ftype not in ("service", "staff"):
        return []
    known = (
        {s.id for s in business.services} if ftype == "service" else {m.id for m in business.staff}
    )
    ids = [
        c.value
        for c in cands
        if c.problem == "ambiguous" and c.span == first.span and c.value in known
    ]
    return _compatible(list(dict.fromkeys(ids)), ftype, business, fields)


_BARE_WORDS = 5  # more words than this say more than yes or no


def bare_answer(und: Understanding) -> str:
    """``"yes"`` for a message that is only a yes, an ok or a thanks ("ja, bitte",
    "sure", "thanks!"), ``"no"`` for only a no ("no thanks", "nein danke"), ``""`` for
    anything that says more: a value, a topic's cue, another signal, or many words."""
    s = und.signals
    if (
        not (s.affirm or s.deny or s.thanks)
        or und.fields
        or und.cues
        or und.problem
        or s.goodbye
        or s.wants_human
        or s.urgency != "none"
        or s.hazard != "none"
        or len(und.text.split()) > _BARE_WORDS
        or (s.affirm and s.deny)
    ):
        return ""
    return "no" if s.deny else "yes"


_ADDRESS_LIKE = re.compile(
    r"\d|(?<!\w)(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|"
    r"place|pl|highway|hwy|parkway|pkwy|square|sq|terrace|circle|"
    r"stra(?:ß|ss)e|str|weg|allee|platz|gasse|ring|damm|ufer|chaussee)(?!\w)"
    r"|(?:stra(?:ß|ss)e|weg|allee|platz|gasse)(?!\w)",  # ending a compound: Hauptstraße
    re.IGNORECASE,
)


def _free_text(und: Understanding, ftype: str) -> FieldCandidate | None:
    text = und.text.strip()
    typed = tuple(c for c in und.fields if c.type not in ("text", "address"))
    if (
        not text
        or und.problem
        or und.signals.goodbye
        or bare_answer(und.model_copy(update={"fields": typed}))
    ):
        return None  # "yes", "ok thanks", "bye" are no message and no address
    contact = [c for c in typed if c.type in ("person_name", "phone") and not c.problem]
    rest = und.text
    for c in contact:
        rest = rest[: c.span[0]] + " " * (c.span[1] - c.span[0]) + rest[c.span[1] :]
    if any(c.type == "phone" for c in contact) and len(re.findall(r"[^\W\d_]+", rest)) <= 3:
        return None  # "Katrin Vogel, 0171 2223344" is who to call back, not what to say
    if ftype == "address" and (len(text) < 5 or not _ADDRESS_LIKE.search(text)):
        return None  # "same number I'm calling from" is no address: one has a number or street
    return FieldCandidate(
        type="text" if ftype == "text" else "address",
        value=text[:_FREE_TEXT_MAX],
        span=(0, len(text)),
        text=text,
    )


def accept(
    card: Card,
    topic: TopicState,
    und: Understanding,
    business: Business,
    state: ConversationState,
    now: datetime,
    fresh: bool,
) -> Accepted:
    """Fold this turn's candidates into the topic's fields.

    ``fresh`` is True when the topic started this turn: then every candidate counts as
    first-time input, never as a correction.
    """
    fields = dict(topic.fields)
    out = Accepted(fields=fields)
    asked = next((f for f in card.required_fields if f.name == topic.asked), None)
    free_refused = False
    if asked is not None and asked.type in ("text", "address"):
        # a free-text answer is the whole message: nothing in it is read as another field
        free = _free_text(und, asked.type)
        if free is not None:
            out.inputs[asked.name] = fields[asked.name] = free.value
            return out
        free_refused = True
    by_type: dict[str, list[FieldCandidate]] = {}
    for cand in und.fields:
        if free_refused and cand.type in ("text", "address"):
            continue  # what _free_text refused is not taken as free text another way
        by_type.setdefault(cand.type, []).append(cand)
    if und.signals.goodbye:  # "nein danke, schönen Abend" names nobody
        by_type.pop("person_name", None)
    if asked is not None and asked.type not in ("offered_slot", "choice"):
        # the answer to the question asked is that answer, not also a pick among the slots
        # offered ("Sam" to "Alex Rivera or Sam Rivera?" is the person, not Sam's slot)
        answers = by_type.get(asked.type, [])
        by_type["offered_slot"] = [
            c
            for c in by_type.get("offered_slot", [])
            if not any(c.span[0] < a.span[1] and a.span[0] < c.span[1] for a in answers)
        ]
    picked_slot = False
    # a slot picked from the offer settles date, time and staff for this turn
    for spec in sorted(card.required_fields, key=lambda f: f.type != "offered_slot"):
        ftype = spec.type
        if picked_slot and spec.name in _SLOT_INPUTS:
            continue
        cands = by_type.get(ftype, [])
        if not cands and ftype in ("text", "address") and topic.asked == spec.name:
            free = _free_text(und, ftype)
            cands = [free] if free else []
        if ftype == "choice" and spec.name == "appointment":
            cands = [c for c in by_type.get("offered_slot", [])] if topic.asked == spec.name else []
        if not cands:
            continue
        # with several fields of one type, the one we asked for takes the value
        same_type = [f for f in card.required_fields if f.type == ftype]
        if len(same_type) > 1 and topic.asked != spec.name:
            continue
        cand = cands[0]
        if ftype == "offered_slot" and cand.problem == "not_offered":
            continue  # a new wish instead of a pick: its date, time or staff searches again
        options = _ambiguous(cands, ftype, business, fields)
        if fields.get(spec.name) in options:
            continue  # "the haircut" again, once it is settled which: nothing new
        if len(options) > 1:
            # the words fit several items: ask which, never pick one. A detail no step
            # collects (the service of an appointment being moved, which the appointment
            # itself settles) is left out instead — but a staff member is a preference
            # that changes the search, so it is asked about wherever it is given
            collected = any(s.kind == "collect" and s.field == spec.name for s in card.steps)
            if collected or topic.asked == spec.name or ftype == "staff":
                out.invalid[spec.name] = "ambiguous"
                out.options[spec.name] = tuple(options)
                fields[which_key(spec.name)] = " ".join(options)  # asked again if unanswered
            continue
        if options:  # what the topic holds settles it: one of them fits
            cand = cand.model_copy(update={"value": options[0], "problem": ""})
        if ftype == "choice" and spec.name == "appointment":
            chosen = [a for a in state.found if a.start.isoformat() == cand.value]
            if cand.problem or not chosen:
                out.invalid[spec.name] = (
                    cand.problem if cand.problem not in ("", "not_offered") else "no_such_option"
                )
                continue
            value = chosen[0].id
        else:
            problem = _check(cand, ftype, business, fields, state, now)
            if (
                not problem
                and ftype == "phone"
                and "find_appointment" in card.allowed_actions
                and state.customer_phone
                and cand.value != state.customer_phone
            ):
                # appointments are found only under the number the customer is known by
                # (caller id, or the customer of this conversation): no one else's
                problem = "not_your_number"
            if problem:
                out.invalid[spec.name] = problem
                out.rejected[spec.name] = cand.value
                continue
            value = cand.value
        if ftype == "offered_slot":
            picked_slot = True
        fields.pop(which_key(spec.name), None)
        old = fields.get(spec.name)
        if old == value:
            continue
        out.inputs[spec.name] = value
        fields[spec.name] = value
        if old is not None and not fresh:
            out.corrected.add(spec.name)
    earliest = und.signals.earliest and "offered_slot" not in by_type
    if earliest:
        _earliest_day(card, und, business, fields, out, now, fresh)
    changed = [name for name in _SLOT_INPUTS if name in out.inputs]
    prefs = {
        "_part": und.part_of_day,
        "_after": und.after_time,
        "_before": und.before_time,
        "_earliest": "1" if earliest else "",
    }
    if any(prefs.values()):
        # a preference said now is the whole preference: "after 5" said earlier and "in
        # the morning" now means the morning, not an empty window between the two
        before = {k: fields.pop(k) for k in prefs if k in fields}
        said = {k: v for k, v in prefs.items() if v}
        fields.update(said)
        if said != before:
            changed.append("_part")
    if changed and not fresh and state.last_offered and "slot" not in out.inputs:
        # the search inputs changed after an offer: the offer is stale, search again from
        # the first search step the card collects (the correction rules take it back there)
        fields.pop("slot", None)
        first = next(
            (s.field for s in card.steps if s.kind == "collect" and s.field in _SLOT_INPUTS), None
        )
        if first is not None and first in fields:
            out.corrected.add(first)
    return out


def _earliest_day(
    card: Card,
    und: Understanding,
    business: Business,
    fields: dict[str, str],
    out: Accepted,
    now: datetime,
    fresh: bool,
) -> None:
    """With "as soon as possible" and no day said this turn, the day is the first open one."""
    spec = next((f for f in card.required_fields if f.type == "date"), None)
    if spec is None or any(c.type == "date" and not c.problem for c in und.fields):
        return
    today = now.date()
    day = next(
        (
            today + timedelta(days=i)
            for i in range(business.booking.horizon_days + 1)
            if business.hours_of(None, today + timedelta(days=i))
        ),
        None,
    )
    if day is None or fields.get(spec.name) == day.isoformat():
        return
    old = fields.get(spec.name)
    out.inputs[spec.name] = fields[spec.name] = day.isoformat()
    if old is not None and not fresh:
        out.corrected.add(spec.name)


__all__ = ["Accepted", "accept", "which_key"]
