"""Hypothesis strategies drawn from a card: values, customer turns, the world, outcomes.

Values are concrete and come from a :class:`Catalog` of what a customer can name at that
point of a conversation (the business's services, staff and open days, the slots it
offered), so a "usable" value is one the desk must accept and a refused one is one it must
refuse — the tests hold both to ``engine.fields``. Only what the extractors really emit is
drawn: a canonical value, or a ``problem`` code where the text clearly tried to give one
that cannot be used (``past``, ``invalid_phone``, ...). Free text is never refused, so it
has no refused values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from hypothesis import strategies as st

from machines.card import ALL_CHANNELS, Card

CONFIRM = "<confirm>"
"""What the desk asked for when its last question was the read-back (``View.asked``)."""

NAMES = ("Dana Whitfield", "Jo", "Maximilian Müller-Lüdenscheid", "Ana", "O'Brien")
EMAILS = ("dana@example.com", "jo@example.org")
TEXTS = (
    "the kitchen sink is blocked",
    "please call me back about my invoice",
    "I'll be ten minutes late",
    "the pipe under the bathroom sink drips",
)
ADDRESSES = ("12 Elm Street, Springfield", "Hauptstraße 5, Berlin")
TIMES = tuple(f"{h:02d}:{m:02d}" for h in range(7, 21) for m in (0, 30))
SIGNALS: Mapping[str, str] = {  # the Signals flags a turn may raise, and how one says it
    "affirm": "yes",
    "deny": "no",
    "wants_human": "can I talk to a person",
    "goodbye": "bye",
    "greeting": "hello",
    "thanks": "thanks",
    "correction": "sorry, I mean",
}
ERRORS: Mapping[str, tuple[str, ...]] = {
    "find_slots": ("no_slots",),
    "book": ("slot_taken", "not_offered"),
    "find_appointment": ("not_found", "not_verified"),
    "reschedule": ("slot_taken", "not_offered", "not_found", "not_verified"),
    "cancel": ("not_found", "already_cancelled", "not_verified"),
    "send_code": ("too_many_codes", "no_sms", "no_phone"),
    "check_code": ("wrong_code", "locked", "no_code", "expired"),
}
"""The error codes each action really returns; any other action fails with ``failed``."""

_PROBLEMS: Mapping[str, tuple[str, ...]] = {  # what the extractors flag, per field type
    "service": ("unknown_service",),
    "staff": ("unknown_staff",),
    "date": ("past", "impossible_date"),
    "offered_slot": ("no_such_option",),
    "choice": ("no_such_option",),
    "phone": ("invalid_phone",),
    "email": ("invalid_email",),
}


# ---------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Catalog:
    """What a customer can name at one point of a conversation."""

    today: date
    services: tuple[str, ...] = ()
    staff: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (staff id, the services they do)
    days: tuple[date, ...] = ()  # open and within the booking horizon
    closed: tuple[date, ...] = ()  # closed, or beyond the horizon: refused
    phones: tuple[str, ...] = ()  # E.164 numbers the desk accepts
    offered: tuple[str, ...] = ()  # ISO starts of the latest offer
    found: tuple[str, ...] = ()  # ISO starts of the customer's appointments, when looked up
    unoffered: tuple[str, ...] = ()  # ISO starts that are not in the latest offer
    choices: tuple[str, ...] = ()  # labels of other options shown


@dataclass(frozen=True, slots=True)
class Value:
    """A value for one field as an extractor reports it: canonical ``value``, or the
    ``problem`` with it; ``usable`` says whether the desk must accept it."""

    field: str
    type: str
    value: str = ""
    problem: str = ""
    usable: bool = True

    def describe(self) -> str:
        shown = self.value or f"<{self.problem}>"
        return f"{self.field}={shown}" + ("" if self.usable else " (unusable)")


def _values(
    card: Card, name: str, catalog: Catalog, usable: bool, fields: Mapping[str, str]
) -> list[Value]:
    """Every value of field ``name`` that is usable (or refused) given ``catalog``."""
    kind = card.field(name).type

    def v(value: str = "", problem: str = "") -> Value:
        return Value(name, kind, value, problem, usable)

    service = fields.get("service")
    if usable:
        texts: Mapping[str, Sequence[str]] = {
            "service": catalog.services,
            "time": TIMES,
            "person_name": NAMES,
            "phone": catalog.phones,
            "email": EMAILS,
            "address": ADDRESSES,
            "text": TEXTS,
            "boolean": ("yes", "no"),
            "offered_slot": catalog.offered,
            "choice": catalog.found or catalog.choices,
            "date": [d.isoformat() for d in catalog.days],
            "staff": [s for s, does in catalog.staff if not service or service in does] + ["any"],
        }
        return [v(x) for x in texts[kind]]
    out = [v(problem=p) for p in _PROBLEMS.get(kind, ())]
    if kind == "service":
        out.append(v("no_such_service"))
    elif kind == "staff":  # nobody of that name, or someone who does not do the service
        out += [v("nobody")] + [
            v(s) for s, does in catalog.staff if service in catalog.services and service not in does
        ]
    elif kind == "date":
        out += [v(d.isoformat()) for d in catalog.closed]
    elif kind in ("offered_slot", "choice"):
        out += [v(s) for s in catalog.unoffered]
    return out


def can_give(
    card: Card,
    name: str,
    catalog: Catalog,
    usable: bool = True,
    fields: Mapping[str, str] | None = None,
) -> bool:
    """Whether :func:`field_values` has anything to draw (no slot is usable before an
    offer; free text is never refused)."""
    return bool(_values(card, name, catalog, usable, fields or {}))


def field_values(
    card: Card,
    name: str,
    catalog: Catalog,
    usable: bool = True,
    fields: Mapping[str, str] | None = None,
) -> st.SearchStrategy[Value]:
    """A value for field ``name`` of ``card`` that the desk accepts (``usable``) or must
    refuse, given what can be named now (``catalog``) and the fields collected so far (a
    stylist must do the chosen service). Empty when there is none: see :func:`can_give`."""
    found = _values(card, name, catalog, usable, fields or {})
    return st.sampled_from(found) if found else st.nothing()


# ---------------------------------------------------------------------- turns


@dataclass(frozen=True, slots=True)
class Said:
    """What a customer says in one turn, abstractly; ``contrib.testing.decide`` makes it an
    ``Understanding``. ``topic`` names the card it is about ("" for the card under test)."""

    values: tuple[Value, ...] = ()
    signals: frozenset[str] = frozenset()  # names of the Signals flags that are on
    urgency: str = "none"
    topic: str = ""
    text: str = "hmm, let me think"
    problem: str = ""  # empty, emoji_only: the message cannot be read

    def describe(self) -> str:
        parts = [v.describe() for v in self.values] + sorted(self.signals)
        if self.urgency != "none":
            parts.append(f"urgency={self.urgency}")
        if self.problem:
            parts.append(f"an unreadable message ({self.problem})")
        if self.topic:
            parts.insert(0, f"about {self.topic}:")
        return " ".join(parts) or repr(self.text)


def signals() -> st.SearchStrategy[Said]:
    """A turn that signals something: yes, no, a human please, goodbye, urgency, ..."""
    return st.one_of(
        st.sampled_from(sorted(SIGNALS)).map(
            lambda s: Said(signals=frozenset({s}), text=SIGNALS[s])
        ),
        st.sampled_from(("urgent", "emergency")).map(lambda u: Said(urgency=u, text="quick!")),
        st.just(Said(signals=frozenset({"affirm", "deny"}), text="yes, no, well")),
    )


def chatter() -> st.SearchStrategy[Said]:
    """A turn that says nothing usable: small talk, or a message that cannot be read."""
    return st.sampled_from(
        (Said(), Said(text="", problem="empty"), Said(text="🙂", problem="emoji_only"))
    )


def mentions(
    card: Card,
    catalog: Catalog,
    fields: Mapping[str, str] | None = None,
    usable: bool | None = None,
) -> st.SearchStrategy[Said]:
    """One or two values for any of the card's fields — usable, refused, or either when
    ``usable`` is None (an early answer, a correction, a mistake) — sometimes flagged as a
    correction. Chatter when there is no such value."""
    kinds = (True, False) if usable is None else (usable,)
    options = [
        field_values(card, f.name, catalog, u, fields)
        for f in card.required_fields
        for u in kinds
        if can_give(card, f.name, catalog, u, fields)
    ]
    if not options:
        return chatter()
    return st.builds(
        lambda vs, fix: Said(
            values=tuple(vs), signals=frozenset({"correction"} if fix else ()), text="actually"
        ),
        st.lists(st.one_of(options), min_size=1, max_size=2),
        st.booleans(),
    )


def answers(
    card: Card, asked: str, catalog: Catalog, fields: Mapping[str, str], usable: bool = True
) -> st.SearchStrategy[Said]:
    """The answer to what the desk asked: a value for the field asked (``usable`` or
    refused), yes (or now and then no) to a read-back; with nothing asked, the request
    that opens the card, sometimes with values already in it."""
    if asked == CONFIRM:
        if not usable:
            return signals()
        yes, no = (
            Said(signals=frozenset({"affirm"}), text="yes"),
            Said(signals=frozenset({"deny"}), text="no"),
        )
        return st.sampled_from((yes, yes, yes, no))
    if asked in {f.name for f in card.required_fields}:
        if can_give(card, asked, catalog, usable, fields):
            return field_values(card, asked, catalog, usable, fields).map(
                lambda v: Said(values=(v,), text=v.value or "?")
            )
        return chatter() if usable else mentions(card, catalog, fields, usable=False)
    if not usable:
        return mentions(card, catalog, fields, usable=False)
    early = [
        f.name
        for f in card.required_fields
        if f.type not in ("text", "address") and can_give(card, f.name, catalog, True, fields)
    ]
    names = st.lists(st.sampled_from(early), unique=True, max_size=2) if early else st.just([])
    return names.flatmap(
        lambda ns: st.tuples(*(field_values(card, n, catalog, True, fields) for n in ns))
    ).map(lambda vs: Said(values=tuple(vs), text=f"I'd like help with {card.id}"))


def digressions(topics: Sequence[str]) -> st.SearchStrategy[Said]:
    """A turn about another of the business's topics (a question in the middle)."""
    return st.sampled_from(tuple(topics)).map(lambda t: Said(topic=t, text=f"about {t}"))


def utterances(card: Card, catalog: Catalog, topics: Sequence[str] = ()) -> st.SearchStrategy[Said]:
    """Any one turn a customer might take about ``card``, not knowing what was asked."""
    kinds = [
        answers(card, "", catalog, {}),
        mentions(card, catalog),
        signals(),
        chatter(),
        answers(card, CONFIRM, catalog, {}),
    ]
    if topics:
        kinds.append(digressions(topics))
    return st.one_of(kinds)


def conversations(
    card: Card, catalog: Catalog, topics: Sequence[str] = (), max_turns: int = 12
) -> st.SearchStrategy[list[Said]]:
    """Sequences of turns drawn up front (so the catalog is fixed: no slot offered yet)."""
    return st.lists(utterances(card, catalog, topics), min_size=1, max_size=max_turns)


# ---------------------------------------------------------------------- the world


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did: ok or not, the error code, and how many things it found."""

    ok: bool
    error: str = ""
    count: int = 0


def action_outcomes(action: str) -> st.SearchStrategy[Outcome]:
    """A success (finding one to three things) or one of the failures the action returns."""
    failures = [Outcome(False, e) for e in ERRORS.get(action, ("failed",))]
    return st.one_of(
        st.integers(1, 3).map(lambda n: Outcome(True, count=n)), st.sampled_from(failures)
    )


@dataclass(frozen=True, slots=True)
class World:
    """The circumstances of one conversation: the channel, who writes, whether the
    business is open, and how each action behaves — it always works, always fails (a full
    calendar, an unknown number) or is flaky (either, drawn each time)."""

    channel: str
    customer: str  # "new", "caller" (a number from caller id) or "known" (name and phone)
    open: bool
    behaviour: tuple[tuple[str, str], ...]  # (action, "works" | "flaky" | "fails")

    def outcome(
        self, action: str, draw: Callable[[st.SearchStrategy[Outcome]], Outcome]
    ) -> Outcome:
        how = dict(self.behaviour).get(action, "works")
        if how == "works":
            return Outcome(True, count=1)
        if how == "fails":
            return Outcome(False, ERRORS.get(action, ("failed",))[0])
        return draw(action_outcomes(action))

    def describe(self) -> str:
        odd = [f"{a} {how}" for a, how in self.behaviour if how != "works"]
        return (
            f"{self.channel}, {self.customer} customer, business "
            f"{'open' if self.open else 'closed'}" + "".join(f", {o}" for o in odd)
        )


def worlds(card: Card, actions: Sequence[str]) -> st.SearchStrategy[World]:
    """The worlds a conversation about ``card`` can happen in: the channels it is used on,
    and a behaviour for each of ``actions``."""
    channels = [c for c in ALL_CHANNELS if c in card.channels]
    names = sorted(set(actions))
    behaviour = st.lists(
        st.sampled_from(("works", "flaky", "fails")), min_size=len(names), max_size=len(names)
    ).map(lambda hows: tuple(zip(names, hows, strict=True)))
    return st.builds(
        World,
        channel=st.sampled_from(channels),
        customer=st.sampled_from(("new", "caller", "known")),
        open=st.booleans(),
        behaviour=behaviour,
    )


__all__ = [
    "ADDRESSES",
    "CONFIRM",
    "EMAILS",
    "ERRORS",
    "NAMES",
    "SIGNALS",
    "TEXTS",
    "TIMES",
    "Catalog",
    "Outcome",
    "Said",
    "Value",
    "World",
    "action_outcomes",
    "answers",
    "can_give",
    "chatter",
    "conversations",
    "digressions",
    "field_values",
    "mentions",
    "signals",
    "utterances",
    "worlds",
]
