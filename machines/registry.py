"""The actions a card may name: the fields each reads, what it does, what only it may say.

A card refers to behaviour only by name (``action: book``); the loader checks every such
name against a registry of :class:`ActionSpec`, checks that the card declares every field
the action reads with the type the action reads it as (a phone is a phone), so a typo, a
missing or a mistyped field fails at load time, not in a conversation. ``frontdesk verify``
reads the rest: an action that *commits* (books, moves, cancels, stores a message, raises
an alert) runs only after an explicit yes to a read-back unless the card declares a
reviewed exemption; the reply items that report a commit (``booked``...) come only from
that action's success, never from a rule or a say step; and a choice among options
(offered slots, found appointments) is asked for only after the action that *offers*
them succeeded. The engine implements exactly these actions (a test holds
``engine.actions`` to this registry); :data:`DEFAULT_ACTIONS` is used by ``frontdesk cards
check``, the checker and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from machines.card import FieldType

if TYPE_CHECKING:
    from .card import Card

Effect = Literal["read", "prove", "commit", "handover"]
"""``read``: looks something up and changes nothing; ``prove``: proves the customer speaks
for a phone number (texts a one-time code, checks the code typed back; never waits for a
yes, and runs again each time, never replayed from a stored result); ``commit``: changes
the business's records in the customer's name (needs a yes); ``handover``: hands the
conversation to a person (never waits for a yes)."""


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    needs: tuple[str, ...] = ()  # field names the action reads
    description: str = ""
    types: tuple[FieldType, ...] = ()  # the type of each field in ``needs``, in order
    effect: Effect = "read"
    claims: tuple[str, ...] = ()  # reply items only this action's result may say
    offers: FieldType | None = None  # the choice its success offers options for
    # a needed field the action can do without when another is there instead: (needed,
    # instead) — a search for a new time takes the service from the appointment it moves
    instead: tuple[tuple[str, str], ...] = ()
    # fields the action also reads when the card has them, with the type it reads them as
    reads: tuple[tuple[str, FieldType], ...] = ()
    # when it fails, what must change before it can succeed: one of these fields (a booking
    # refused for its slot is refused again for the same slot); () for a failure that may
    # pass by itself (a message store that was down)
    retry_after: tuple[str, ...] = ()
    # the topic the desk offers instead when the action finds nothing (nothing on file under
    # the caller's number: a new booking); the customer's answer is read while the topic of
    # the card that ran it is still open
    failure_offers: str = ""

    def __post_init__(self) -> None:
        if self.types and len(self.types) != len(self.needs):
            raise ValueError(f"action {self.name}: one type per needed field")

    @property
    def commits(self) -> bool:
        return self.effect == "commit"

    def missing(self, present: set[str] | frozenset[str]) -> list[str]:
        """The needed fields absent from ``present`` that nothing there stands in for."""
        alternatives = dict(self.instead)
        return [
            n for n in self.needs if n not in present and alternatives.get(n, "\0") not in present
        ]

    def type_of(self, field: str) -> FieldType | None:
        """The type the action reads ``field`` as (None: it does not read it)."""
        if field in self.needs and self.types:
            return self.types[self.needs.index(field)]
        return dict(self.reads).get(field)


def _registry(*specs: ActionSpec) -> Mapping[str, ActionSpec]:
    return MappingProxyType({spec.name: spec for spec in specs})


DEFAULT_ACTIONS: Mapping[str, ActionSpec] = _registry(
    ActionSpec(
        "find_slots",
        ("service",),
        "search free slots for the service",
        ("service",),
        offers="offered_slot",
        instead=(("service", "appointment"),),
        reads=(("date", "date"), ("time", "time"), ("staff", "staff"), ("appointment", "choice")),
        retry_after=("service", "date", "time", "staff", "appointment"),
    ),
    ActionSpec(
        "book",
        ("service", "slot", "name", "phone"),
        "book the offered slot",
        ("service", "offered_slot", "person_name", "phone"),
        "commit",
        ("booked",),
        reads=(("email", "email"),),
        retry_after=("slot",),
    ),
    ActionSpec(
        "find_appointment",
        ("phone",),
        "look up the customer's upcoming appointments",
        ("phone",),
        offers="choice",
        retry_after=("phone",),
        failure_offers="book",
    ),
    ActionSpec(
        "send_code",
        ("phone",),
        "text a one-time code to the number (only when a customer has it; the reply is "
        "the same either way)",
        ("phone",),
        "prove",
    ),
    ActionSpec(
        "check_code",
        ("phone", "code"),
        "check the code the customer typed back; a right one proves the number",
        ("phone", "text"),
        "prove",
        retry_after=("code",),
    ),
    ActionSpec(
        "reschedule",
        ("appointment", "slot"),
        "move an appointment to an offered slot",
        ("choice", "offered_slot"),
        "commit",
        ("rescheduled",),
        retry_after=("appointment", "slot"),
    ),
    ActionSpec(
        "cancel",
        ("appointment",),
        "cancel an appointment",
        ("choice",),
        "commit",
        ("cancelled", "already_cancelled"),
        retry_after=("appointment",),
    ),
    ActionSpec(
        "answer_faq",
        (),
        "answer from the business's FAQ and knowledge",
        reads=(("service", "service"),),
    ),
    ActionSpec(
        "business_hours",
        (),
        "state the opening hours in the business's timezone",
        reads=(("date", "date"),),
    ),
    ActionSpec(
        "take_message",
        ("name", "phone", "message"),
        "take a message for the business",
        ("person_name", "phone", "text"),
        "commit",
        ("message_taken",),
    ),
    ActionSpec("transfer", (), "transfer to a human or department", effect="handover"),
    ActionSpec("escalate", (), "hand the conversation to a human", effect="handover"),
    ActionSpec(
        "emergency",
        (),
        "alert the business to an emergency and give safety advice",
        effect="commit",
    ),
    ActionSpec("end_conversation", (), "close the conversation (voice: hang up)"),
)

SAY_WORDINGS: tuple[str, ...] = (
    "greet",
    "goodbye",
    "smalltalk",
    "out_of_scope",
    "anything_else",
    "offer_help",
    "clarify",
    "fallback",
    "safety",
    "late_fee",
    "resume",
)
"""What a ``say`` step may say: wording that reports no action's result. The claims of the
committing actions (``booked``...) are known too, so a card that says one loads and
``frontdesk verify`` shows the conversation in which the claim is false; any other key
is refused at load."""


def offer_states(
    card: Card, actions: Mapping[str, ActionSpec] = DEFAULT_ACTIONS
) -> tuple[str, ...]:
    """The states in which a card can leave a topic on offer while it stays open: where an
    action that offers one when it finds nothing (a lookup offers a new booking) goes on
    failing — its ``on_fail`` step, else its own. Only there does the card's turn read the
    customer's answer to that offer; () for a card that never offers one."""
    states = [
        step.on_fail or step.id
        for step in card.steps
        if step.action is not None
        and step.action in actions
        and actions[step.action].failure_offers
    ]
    return tuple(dict.fromkeys(states))


def claims(actions: Mapping[str, ActionSpec]) -> dict[str, str]:
    """Each reply item only a committing action may say -> that action."""
    return {claim: spec.name for spec in actions.values() if spec.commits for claim in spec.claims}


__all__ = ["ActionSpec", "DEFAULT_ACTIONS", "Effect", "SAY_WORDINGS", "claims"]
