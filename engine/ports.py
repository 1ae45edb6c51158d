"""The ports the engine needs from the outside world, as Protocols, and the records that
cross them.

``store/`` implements :class:`Store` for SQLite and PostgreSQL (piccolo) and in memory
(``store.memory``, for fast tests). The engine never imports ``store/``: the composition
root (``adapters/``) hands it a Store.
"""

from __future__ import annotations

import re
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Literal, NewType, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rules.errors import FrontdeskError

ConversationId = NewType("ConversationId", str)
CustomerId = NewType("CustomerId", str)
AppointmentId = NewType("AppointmentId", str)

# Characters no database text column can hold: lone surrogates (undecodable bytes; not
# UTF-8) and NUL (PostgreSQL text refuses it).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

ChannelKind = Literal["cli", "webchat", "sms", "voice", "whatsapp", "telegram"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InboundEvent(_Record):
    """One customer message from any channel, normalised. Every one is recorded."""

    business: str  # business slug (the tenant)
    channel: ChannelKind
    sender: str  # channel-specific sender id (phone number, chat id, session id)
    text: str = ""
    payload: dict[str, str] = Field(default_factory=dict)  # e.g. a button's value
    provider_msg_id: str  # unique per provider message; duplicates are one turn
    received_at: datetime  # timezone-aware
    lang_hint: str | None = None
    customer_phone: str | None = None  # caller id, when the channel knows it

    @field_validator("text", "sender", "provider_msg_id", "customer_phone")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        """Lone surrogates (undecodable bytes) cannot be stored as UTF-8, NUL cannot be
        stored in PostgreSQL text: each becomes U+FFFD, and every other character is kept."""
        if value is not None and _UNSTORABLE.search(value):
            value = _UNSTORABLE.sub("\ufffd", value)
        return value


class Customer(_Record):
    id: CustomerId
    business: str
    name: str = ""
    phone: str = ""
    email: str = ""


class Appointment(_Record):
    id: AppointmentId
    business: str
    service: str
    staff: str
    start: datetime  # timezone-aware (UTC in the store; converted at the edges)
    end: datetime
    customer_id: CustomerId
    customer_name: str = ""
    customer_phone: str = ""
    status: Literal["booked", "cancelled"] = "booked"
    conversation_id: str = ""
    idempotency_key: str = ""


class ConversationRow(_Record):
    id: ConversationId
    business: str
    channel: ChannelKind
    sender: str
    state: dict[str, Any]  # the engine's ConversationState, as JSON
    last_hash: str  # hash of the last TurnRecord ("" before the first)
    turns: int
    created_at: datetime
    updated_at: datetime


class MessageRow(_Record):
    id: str
    business: str
    conversation_id: str
    caller_name: str
    callback_number: str
    text: str
    created_at: datetime


class EscalationRow(_Record):
    id: str
    business: str
    conversation_id: str
    reason: str
    created_at: datetime
    status: Literal["open", "resolved"] = "open"


class OutboxRow(_Record):
    """A message to send. A payload with ``"secret": True`` (a one-time code) has its
    ``text`` blanked by the store once the row is sent or dead."""

    id: str
    business: str
    kind: str  # "reply", "message_webhook", "message_file", ...
    payload: dict[str, Any]
    idempotency_key: str
    status: Literal["pending", "sent", "dead"] = "pending"
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str = ""


class DroppedBurst(_Record):
    """Messages dropped by a rate limit after its polite warning, counted: one row per
    burst (a run of drops against one budget), not one per message. The first dropped
    message is kept; ``count`` and ``last_at`` grow while the burst lasts."""

    id: str
    business: str
    channel: ChannelKind
    budget: str  # the budget that was used up: "sender", "address" or "channel"
    sender: str  # the first dropped message's sender
    provider_msg_id: str  # ... its provider id
    text: str  # ... its text
    count: int  # messages dropped in the burst
    first_at: datetime
    last_at: datetime


class CodeRow(_Record):
    """A one-time code sent (or, for a number nobody has, only counted) to prove a phone
    number in one conversation. The code itself is never stored: ``digest`` is its salted
    HMAC-SHA-256."""

    id: str
    business: str
    conversation_id: str
    phone: str
    salt: str
    digest: str
    sent: bool  # a text went out (a customer has the number)
    attempts: int = 0  # codes typed back against it
    used: bool = False  # typed back right once: it proves nothing more
    created_at: datetime
    expires_at: datetime


class StoredTurn(_Record):
    """A committed turn: the audit record (as JSON) and its place in the chain."""

    conversation_id: str
    seq: int
    provider_msg_id: str
    record: dict[str, Any]
    hash: str
    prev_hash: str
    created_at: datetime
    erased_at: datetime | None = None  # personal parts replaced by a tombstone (retention)


class SlotTaken(FrontdeskError):
    """The database refused an overlapping appointment (trigger / exclusion constraint)."""


class Tx(Protocol):
    """One turn's unit of work: everything written here commits or rolls back together."""

    enqueued: int  # outbox rows written so far (the desk wakes the drainer after commit)

    async def conversation(
        self, business: str, channel: ChannelKind, sender: str, now: datetime
    ) -> ConversationRow: ...  # loads or creates

    async def save_conversation(
        self, conversation_id: str, state: dict[str, Any], last_hash: str, now: datetime
    ) -> None: ...

    async def append_turn(self, turn: StoredTurn, state: dict[str, Any]) -> None:
        """Add ``turn`` (a turn number is used once) and count it in its conversation; the
        same write leaves the conversation in ``state``, its last hash the turn's and its
        update time the turn's: what a turn commits, in one statement."""
        ...

    async def customer_by_phone(self, business: str, phone: str) -> Customer | None: ...

    async def customer(self, customer_id: str) -> Customer | None: ...

    async def upsert_customer(
        self, business: str, name: str, phone: str, email: str
    ) -> Customer: ...  # one row per (business, phone): retried content is one customer

    async def appointments_between(
        self, business: str, start: datetime, end: datetime
    ) -> list[Appointment]: ...  # booked ones overlapping [start, end)

    async def appointments_of(self, business: str, customer_id: str) -> list[Appointment]: ...

    async def appointment_by_key(self, idempotency_key: str) -> Appointment | None: ...

    async def appointment(self, appointment_id: str) -> Appointment | None: ...

    async def insert_appointment(self, appointment: Appointment) -> None: ...  # SlotTaken

    async def move_appointment(
        self, appointment_id: str, start: datetime, end: datetime, staff: str
    ) -> None: ...  # SlotTaken

    async def cancel_appointment(self, appointment_id: str) -> None: ...

    async def insert_message(self, message: MessageRow) -> None: ...

    async def insert_escalation(self, escalation: EscalationRow) -> None: ...

    async def enqueue(self, row: OutboxRow) -> None:
        """Add ``row`` (ignored if its idempotency key exists); counted in ``enqueued``."""
        ...

    async def earlier_unanswered(self, event: InboundEvent, limit: int = 20) -> list[InboundEvent]:
        """Recorded events of ``event``'s conversation (business, channel, sender) received
        before it that have no committed turn yet, oldest first: another worker took them
        in and has not got the conversation's lock yet (or died)."""
        ...

    async def insert_code(self, row: CodeRow) -> None: ...

    async def latest_code(
        self, business: str, conversation_id: str, phone: str
    ) -> CodeRow | None: ...  # the newest code of the conversation for the number

    async def code_attempt(self, code_id: str, used: bool) -> None:
        """Count one code typed back against ``code_id``; ``used``: it was the right one."""
        ...

    async def codes_sent(
        self, business: str, since: datetime, conversation_id: str = "", phone: str = ""
    ) -> int:
        """Codes created at or after ``since`` in the conversation, or for the number."""
        ...

    async def idempotent_result(self, key: str) -> dict[str, Any] | None: ...

    async def remember_result(self, key: str, result: dict[str, Any]) -> None: ...


class Store(Protocol):
    """The persistence port: what the desk needs to take in an event and run its turn.

    Implementations: SQLite/PostgreSQL and in memory (``store/``), which also offer the
    listings, the outbox administration and migrations to the edges (``store.ports``).
    """

    async def record_inbound(self, event: InboundEvent) -> bool:
        """Record the raw inbound event in its own transaction; False if already seen."""
        ...

    async def turn_for(self, business: str, provider_msg_id: str) -> StoredTurn | None: ...

    def transaction(self, business: str, conversation_key: str) -> AbstractAsyncContextManager[Tx]:
        """A transaction holding the per-conversation lock (one writer per conversation)."""
        ...

    async def find_conversation(
        self, business: str, channel: ChannelKind, sender: str
    ) -> ConversationRow | None:
        """The committed conversation, read before the write lock is taken (the desk
        understands the message meanwhile); ``None`` before its first turn."""
        ...

    async def unanswered_inbound(self, before: datetime, limit: int) -> list[InboundEvent]:
        """Recorded events received before ``before`` that have no committed turn (their
        worker died mid-turn), oldest first, at most ``limit``."""
        ...
