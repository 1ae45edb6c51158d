"""The values one decision reads and writes.

Everything here is frozen and JSON-serialisable: a :class:`Snapshot` goes into
``decide``, a :class:`Decision` comes out, and both are recorded in the audit so replay
can run the same decision again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from language.types import FieldCandidate, Lang, PlanItem, ReplyPlan, Slot
from machines.card import TERMINAL_STATES
from rules.ir import Scalar


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TopicState(_Value):
    """One topic instance: a card's machine position and the fields collected for it."""

    card: str
    state: str
    fields: dict[str, str] = Field(default_factory=dict)
    asked: str = ""  # the field asked for at the end of the last turn ("" if none)
    asked_confirm: bool = False  # the last turn read back a summary and asked for a yes
    since: datetime | None = None  # when the topic last moved

    @property
    def finished(self) -> bool:
        """The machine is in a terminal state (done, escalated, abandoned)."""
        return self.state in TERMINAL_STATES


class FoundAppointment(_Value):
    id: str
    service: str
    staff: str
    staff_name: str
    start: datetime
    end: datetime

    def slot(self) -> Slot:
        """The appointment's time, as a reply names it."""
        return Slot(
            start=self.start,
            end=self.end,
            staff=self.staff,
            staff_name=self.staff_name,
            service=self.service,
        )


class ConversationState(_Value):
    """The engine's memory of a conversation (stored as JSON with the conversation row)."""

    lang: Lang | None = None
    active: TopicState | None = None
    suspended: tuple[TopicState, ...] = ()  # interrupted topics; the last resumes first
    offered: tuple[Slot, ...] = ()  # every slot offered in this conversation
    last_offered: tuple[Slot, ...] = ()  # the latest offer, for "the second one"
    found: tuple[FoundAppointment, ...] = ()  # the customer's appointments, when looked up
    # the topics the last reply asked the customer to choose between (or offered), and the
    # values the message that prompted the question named (they fill the chosen topic)
    offered_topics: tuple[str, ...] = ()
    offered_fields: tuple[FieldCandidate, ...] = ()
    # the services the last message named when no task took them ("how much is a
    # balayage?"): a topic the next message enters without naming one starts with them
    recent_fields: tuple[FieldCandidate, ...] = ()
    # the one-shot topic that answered the last message (hours, faq): a short follow-up
    # naming only what its answer is about ("what about Sunday?") asks it again
    recent_topic: str = ""
    counters: dict[str, int] = Field(default_factory=dict)
    turn: int = 0
    ended: bool = False
    customer_id: str = ""
    customer_name: str = ""
    customer_phone: str = ""
    # the numbers this conversation has proven it speaks for: a caller id the channel
    # authenticates (SMS, WhatsApp, a voice call with a real caller id), or a number that
    # got a one-time code by SMS which the customer typed back. Appointments are found,
    # named, moved and cancelled only under one of these.
    verified_phones: tuple[str, ...] = ()

    def proven(self, phone: str) -> bool:
        """``phone`` is one of the numbers this conversation speaks for."""
        return bool(phone) and phone in self.verified_phones

    def slot_at(self, start: str) -> Slot | None:
        """The offered slot starting at ``start`` — from the latest offer that has one."""
        for slot in reversed(self.offered):
            if slot.start.isoformat() == start:
                return slot
        return None


class Snapshot(_Value):
    """Everything ``decide`` needs besides the understanding and the clock."""

    business: str
    conversation_id: str
    channel: Literal["cli", "webchat", "sms", "voice", "whatsapp", "telegram"]
    state: ConversationState
    customer_known: bool = False


class ActionCall(_Value):
    """A typed action the decision asks the shell to run."""

    name: str
    args: dict[str, str]
    key: str  # content-derived idempotency key


class ActionResult(_Value):
    """What an action did. Fed back into ``decide`` as ``action.<name>.*`` facts."""

    name: str
    key: str
    ok: bool
    error: str = ""  # a code: slot_taken, no_slots, not_found, not_offered, ...
    count: int = 0
    items: tuple[PlanItem, ...] = ()  # what the reply must say about it
    fields: dict[str, str] = Field(default_factory=dict)  # fields the action filled
    offered: tuple[Slot, ...] = ()  # slots it found (find_slots)
    # find_slots: the start of the one slot offered because the customer named exactly it
    # (day, time, staff) and it is free; it fills the topic's offered-slot field, and the
    # read-back and the yes still come before anything is booked
    asked: str = ""
    found: tuple[FoundAppointment, ...] = ()  # appointments it found (find_appointment)
    proven: str = ""  # check_code: the number the right code proved
    data: dict[str, Any] = Field(default_factory=dict)  # ids of rows it wrote, for audit


class FiringRecord(_Value):
    rule: str
    phase: str
    round: int
    matched: dict[str, Scalar | None]
    then: tuple[str, ...]
    reason: str = ""


class TransitionRecord(_Value):
    card: str
    source: str
    event: str
    target: str
    refused: bool = False
    rule: str = ""


class TopicSwitch(_Value):
    source: str  # "" when there was no active topic
    target: str
    confidence: float
    reasons: tuple[str, ...]  # the rules that decided it
    kind: Literal["new", "switch", "resume", "restart"]


class Decision(_Value):
    """The outcome of ``decide``: either an action to run first, or the whole turn."""

    pending: ActionCall | None  # run this, append its result, call decide again
    state: ConversationState
    plan: ReplyPlan
    firings: tuple[FiringRecord, ...]
    transitions: tuple[TransitionRecord, ...]
    switches: tuple[TopicSwitch, ...]
    actions: tuple[ActionCall, ...]  # every action planned, in order
    escalations: tuple[str, ...]
    facts: dict[str, Scalar]  # the facts at the end

    def digest(self) -> dict[str, Any]:
        """The parts replay compares: every decision, none of the incidental detail."""
        return {
            "pending": self.pending.model_dump(mode="json") if self.pending else None,
            "state": self.state.model_dump(mode="json"),
            "plan": self.plan.model_dump(mode="json"),
            "rules": [f.rule for f in self.firings],
            "transitions": [t.model_dump(mode="json") for t in self.transitions],
            "switches": [s.model_dump(mode="json") for s in self.switches],
            "actions": [a.model_dump(mode="json") for a in self.actions],
            "escalations": list(self.escalations),
        }


__all__ = [
    "ActionCall",
    "ActionResult",
    "ConversationState",
    "Decision",
    "FiringRecord",
    "FoundAppointment",
    "Snapshot",
    "TopicState",
    "TopicSwitch",
    "TransitionRecord",
]
