"""The store in memory, for fast tests and engine benchmarks: the engine's
:class:`~engine.ports.Store` and the store-side ports (:mod:`store.ports`).

It keeps the same contract as the SQL store (``store/``), checked by one shared test suite:
the same uniqueness rules, the same double-booking rule (:class:`SlotTaken`), the same
JSON round trip for ``dict`` columns (so a value the database could not store fails here
too) and UTC datetimes on the way out.

Transactions stage their writes in an overlay over the committed tables; reads inside the
transaction see the overlay. On a clean exit the overlay is applied in one synchronous step,
on an exception it is dropped. One conversation's transactions are serialised by a
:class:`~engine.locks.KeyedLock` on ``(business, conversation_key)``; transactions of different
conversations run concurrently and are checked optimistically: if anything committed since
a transaction began, its writes are replayed against the new committed state at commit,
with every constraint checked again (an overlap raises :class:`SlotTaken` at the end of
the ``async with``), and a write whose result would differ (the same customer upserted by
two conversations at once) raises :class:`TransactionConflict`. Reads are not re-checked.

Errors: :class:`SlotTaken` for an overlap, ``LookupError`` for an unknown id, ``ValueError``
for a duplicate key or an invalid value, ``RuntimeError`` for use of a closed transaction.
This module imports only the standard library, pydantic and the engine's ports and lock.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from engine.locks import KeyedLock
from engine.ports import (
    Appointment,
    ChannelKind,
    CodeRow,
    ConversationId,
    ConversationRow,
    Customer,
    CustomerId,
    DroppedBurst,
    EscalationRow,
    InboundEvent,
    MessageRow,
    OutboxRow,
    SlotTaken,
    StoredTurn,
)

from .codec import spent
from .errors import RecordNotFound, StoreError
from .migrations import NAMES

__all__ = ["MemoryStore", "TransactionConflict"]

K = TypeVar("K")
V = TypeVar("V")

_OUTBOX_STATUSES = ("pending", "sent", "dead")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: the store needs aware datetimes")
    return moment.astimezone(UTC)


def _interval(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise ValueError(f"an appointment must end after it starts ({start} .. {end})")
    return start, end


def _json(value: dict[str, Any]) -> dict[str, Any]:
    """A private copy as the database would give it back (sorted keys, JSON types only)."""
    copied: dict[str, Any] = json.loads(json.dumps(value, sort_keys=True))
    return copied


def _overlaps(a: Appointment, b: Appointment) -> bool:
    return (
        a.id != b.id
        and a.business == b.business
        and a.staff == b.staff
        and a.status == "booked"
        and b.status == "booked"
        and a.start < b.end
        and b.start < a.end
    )


class TransactionConflict(StoreError, RuntimeError):
    """Two conversations' transactions wrote the same row (say, one customer's); the later
    commit is refused, as a serialisable database would, and the turn may be retried."""


class _Layer(Generic[K, V]):
    """A dict seen through a layer of staged writes (no deletes: nothing is ever deleted)."""

    def __init__(self, base: dict[K, V]) -> None:
        self._base = base
        self._staged: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        if key in self._staged:
            return self._staged[key]
        return self._base.get(key)

    def __contains__(self, key: K) -> bool:
        return key in self._staged or key in self._base

    def __setitem__(self, key: K, value: V) -> None:
        self._staged[key] = value

    def values(self) -> Iterator[V]:
        for key, value in self._base.items():
            yield self._staged.get(key, value)
        for key, value in self._staged.items():
            if key not in self._base:
                yield value

    def apply(self) -> None:
        self._base.update(self._staged)


class _Tables:
    """The committed state: rows by id plus the indexes the unique rules need."""

    def __init__(self) -> None:
        self.inbound: dict[tuple[str, str], InboundEvent] = {}
        self.conversations: dict[str, ConversationRow] = {}
        self.conversation_ids: dict[tuple[str, str, str], str] = {}
        self.turns: dict[str, dict[int, StoredTurn]] = {}
        self.turn_ids: dict[tuple[str, str], tuple[str, int]] = {}
        self.customers: dict[str, Customer] = {}
        self.customer_ids: dict[tuple[str, str], str] = {}
        self.appointments: dict[str, Appointment] = {}
        self.appointment_ids: dict[str, str] = {}
        self.messages: dict[str, MessageRow] = {}
        self.escalations: dict[str, EscalationRow] = {}
        self.outbox: dict[str, OutboxRow] = {}
        self.outbox_ids: dict[str, str] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.dropped: dict[str, DroppedBurst] = {}
        self.codes: dict[str, CodeRow] = {}


class _View:
    """The tables as one transaction sees them; every write checks the store's rules."""

    def __init__(self, tables: _Tables) -> None:
        self.conversations = _Layer(tables.conversations)
        self.conversation_ids = _Layer(tables.conversation_ids)
        self.turns = _Layer(tables.turns)
        self.turn_ids = _Layer(tables.turn_ids)
        self.customers = _Layer(tables.customers)
        self.customer_ids = _Layer(tables.customer_ids)
        self.appointments = _Layer(tables.appointments)
        self.appointment_ids = _Layer(tables.appointment_ids)
        self.messages = _Layer(tables.messages)
        self.escalations = _Layer(tables.escalations)
        self.outbox = _Layer(tables.outbox)
        self.outbox_ids = _Layer(tables.outbox_ids)
        self.results = _Layer(tables.results)
        self.codes = _Layer(tables.codes)

    def apply(self) -> None:
        for layer in vars(self).values():
            layer.apply()

    # conversations and turns

    def conversation(
        self, business: str, channel: ChannelKind, sender: str, now: datetime, new_id: str
    ) -> ConversationRow:
        known = self.conversation_ids.get((business, channel, sender))
        if known is not None:
            row = self.conversations.get(known)
            assert row is not None
            return row
        row = ConversationRow(
            id=ConversationId(new_id),
            business=business,
            channel=channel,
            sender=sender,
            state={},
            last_hash="",
            turns=0,
            created_at=_utc(now),
            updated_at=_utc(now),
        )
        self.conversations[row.id] = row
        self.conversation_ids[(business, channel, sender)] = row.id
        return row

    def save_conversation(
        self, conversation_id: str, state: dict[str, Any], last_hash: str, now: datetime
    ) -> None:
        row = self._conversation(conversation_id)
        self.conversations[conversation_id] = row.model_copy(
            update={"state": _json(state), "last_hash": last_hash, "updated_at": _utc(now)}
        )

    def append_turn(self, turn: StoredTurn, state: dict[str, Any]) -> None:
        row = self._conversation(turn.conversation_id)
        chain = dict(self.turns.get(turn.conversation_id) or {})
        if turn.seq in chain:
            raise ValueError(f"turn {turn.seq} of conversation {turn.conversation_id} exists")
        chain[turn.seq] = turn
        self.turns[turn.conversation_id] = chain
        if turn.provider_msg_id and (row.business, turn.provider_msg_id) not in self.turn_ids:
            self.turn_ids[(row.business, turn.provider_msg_id)] = (turn.conversation_id, turn.seq)
        self.conversations[row.id] = row.model_copy(update={"turns": row.turns + 1})
        self.save_conversation(row.id, state, turn.hash, turn.created_at)

    def _conversation(self, conversation_id: str) -> ConversationRow:
        row = self.conversations.get(conversation_id)
        if row is None:
            raise LookupError(f"unknown conversation {conversation_id}")
        return row

    # customers

    def customer_by_phone(self, business: str, phone: str) -> Customer | None:
        known = self.customer_ids.get((business, phone)) if phone else None
        return None if known is None else self.customers.get(known)

    def upsert_customer(
        self, business: str, name: str, phone: str, email: str, new_id: str
    ) -> Customer:
        found = self.customer_by_phone(business, phone)
        if found is not None:
            found = found.model_copy(
                update={"name": name or found.name, "email": email or found.email}
            )
            self.customers[found.id] = found
            return found
        created = Customer(
            id=CustomerId(new_id), business=business, name=name, phone=phone, email=email
        )
        self.customers[created.id] = created
        if phone:
            self.customer_ids[(business, phone)] = created.id
        return created

    # appointments

    def appointments_between(
        self, business: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        start, end = _utc(start), _utc(end)
        found = [
            a
            for a in self.appointments.values()
            if a.business == business and a.status == "booked" and a.start < end and start < a.end
        ]
        return sorted(found, key=lambda a: (a.start, a.id))

    def appointments_of(self, business: str, customer_id: str) -> list[Appointment]:
        found = [
            a
            for a in self.appointments.values()
            if a.business == business and a.customer_id == customer_id
        ]
        return sorted(found, key=lambda a: (a.start, a.id))

    def appointment(self, appointment_id: str) -> Appointment | None:
        return self.appointments.get(appointment_id)

    def appointment_by_key(self, idempotency_key: str) -> Appointment | None:
        known = self.appointment_ids.get(idempotency_key) if idempotency_key else None
        return None if known is None else self.appointments.get(known)

    def insert_appointment(self, appointment: Appointment) -> None:
        # The order of the checks is the database's: the overlap trigger runs before the
        # unique constraints.
        appointment = self._checked(appointment)
        if appointment.id in self.appointments:
            raise ValueError(f"appointment {appointment.id} exists")
        key = appointment.idempotency_key
        if key and key in self.appointment_ids:
            raise ValueError(f"an appointment with idempotency key {key!r} exists")
        self.appointments[appointment.id] = appointment
        if key:
            self.appointment_ids[key] = appointment.id

    def move_appointment(
        self, appointment_id: str, start: datetime, end: datetime, staff: str
    ) -> None:
        _interval(start, end)
        current = self._appointment(appointment_id)
        moved = current.model_copy(update={"start": start, "end": end, "staff": staff})
        self.appointments[appointment_id] = self._checked(moved)

    def cancel_appointment(self, appointment_id: str) -> None:
        current = self._appointment(appointment_id)
        self.appointments[appointment_id] = current.model_copy(update={"status": "cancelled"})

    def _appointment(self, appointment_id: str) -> Appointment:
        found = self.appointments.get(appointment_id)
        if found is None:
            raise LookupError(f"unknown appointment {appointment_id}")
        return found

    def _checked(self, appointment: Appointment) -> Appointment:
        start, end = _interval(appointment.start, appointment.end)
        appointment = appointment.model_copy(update={"start": start, "end": end})
        if any(_overlaps(appointment, other) for other in self.appointments.values()):
            raise SlotTaken(f"{appointment.staff or 'the slot'} is taken at {start.isoformat()}")
        return appointment

    # messages, escalations, outbox, idempotency

    def insert_message(self, message: MessageRow) -> None:
        if message.id in self.messages:
            raise ValueError(f"message {message.id} exists")
        self.messages[message.id] = message.model_copy(
            update={"created_at": _utc(message.created_at)}
        )

    def insert_escalation(self, escalation: EscalationRow) -> None:
        if escalation.id in self.escalations:
            raise ValueError(f"escalation {escalation.id} exists")
        self.escalations[escalation.id] = escalation.model_copy(
            update={"created_at": _utc(escalation.created_at)}
        )

    def enqueue(self, row: OutboxRow) -> None:
        if not row.idempotency_key:
            raise ValueError("an outbox row needs an idempotency key")
        if row.idempotency_key in self.outbox_ids:
            return
        if row.id in self.outbox:
            raise ValueError(f"outbox row {row.id} exists")
        self.outbox[row.id] = row
        self.outbox_ids[row.idempotency_key] = row.id

    def remember_result(self, key: str, result: dict[str, Any]) -> None:
        if key not in self.results:
            self.results[key] = _json(result)

    # one-time codes

    def insert_code(self, row: CodeRow) -> None:
        if row.id in self.codes:
            raise ValueError(f"code {row.id} exists")
        self.codes[row.id] = row.model_copy(
            update={"created_at": _utc(row.created_at), "expires_at": _utc(row.expires_at)}
        )

    def code_attempt(self, code_id: str, used: bool) -> None:
        row = self.codes.get(code_id)
        if row is None:
            raise RecordNotFound(f"code {code_id}")
        self.codes[code_id] = row.model_copy(
            update={"attempts": row.attempts + 1, "used": row.used or used}
        )


def _fresh_copy(value: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(value)


class _MemoryTx:
    """One transaction: reads through the overlay, writes staged and logged for replay."""

    def __init__(self, tables: _Tables) -> None:
        self._view = _View(tables)
        self._inbound = tables.inbound  # recorded outside transactions: read as committed
        self._log: list[tuple[Callable[[_View], object], object]] = []
        self._open = True
        self.enqueued = 0

    def _write(self, op: Callable[[_View], V]) -> V:
        self._check_open()
        result = op(self._view)
        self._log.append((op, result))
        return result

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError("the transaction is closed")

    async def conversation(
        self, business: str, channel: ChannelKind, sender: str, now: datetime
    ) -> ConversationRow:
        new_id = uuid.uuid4().hex
        row = self._write(lambda v: v.conversation(business, channel, sender, now, new_id))
        return row.model_copy(update={"state": _fresh_copy(row.state)})

    async def save_conversation(
        self, conversation_id: str, state: dict[str, Any], last_hash: str, now: datetime
    ) -> None:
        state = _json(state)
        self._write(lambda v: v.save_conversation(conversation_id, state, last_hash, now))

    async def append_turn(self, turn: StoredTurn, state: dict[str, Any]) -> None:
        turn = turn.model_copy(
            update={"record": _json(turn.record), "created_at": _utc(turn.created_at)}
        )
        state = _json(state)
        self._write(lambda v: v.append_turn(turn, state))

    async def earlier_unanswered(self, event: InboundEvent, limit: int = 20) -> list[InboundEvent]:
        self._check_open()
        before = _utc(event.received_at)
        waiting = [
            e
            for key, e in self._inbound.items()
            if (e.business, e.channel, e.sender) == (event.business, event.channel, event.sender)
            and e.received_at < before
            and self._view.turn_ids.get(key) is None
        ]
        return [
            e.model_copy(update={"payload": dict(e.payload)})
            for e in sorted(waiting, key=lambda e: e.received_at)[: max(0, limit)]
        ]

    async def customer_by_phone(self, business: str, phone: str) -> Customer | None:
        self._check_open()
        return self._view.customer_by_phone(business, phone)

    async def customer(self, customer_id: str) -> Customer | None:
        self._check_open()
        return self._view.customers.get(customer_id)

    async def upsert_customer(self, business: str, name: str, phone: str, email: str) -> Customer:
        new_id = uuid.uuid4().hex
        return self._write(lambda v: v.upsert_customer(business, name, phone, email, new_id))

    async def appointments_between(
        self, business: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        self._check_open()
        return self._view.appointments_between(business, start, end)

    async def appointments_of(self, business: str, customer_id: str) -> list[Appointment]:
        self._check_open()
        return self._view.appointments_of(business, customer_id)

    async def appointment(self, appointment_id: str) -> Appointment | None:
        self._check_open()
        return self._view.appointment(appointment_id)

    async def appointment_by_key(self, idempotency_key: str) -> Appointment | None:
        self._check_open()
        return self._view.appointment_by_key(idempotency_key)

    async def insert_appointment(self, appointment: Appointment) -> None:
        self._write(lambda v: v.insert_appointment(appointment))

    async def move_appointment(
        self, appointment_id: str, start: datetime, end: datetime, staff: str
    ) -> None:
        self._write(lambda v: v.move_appointment(appointment_id, start, end, staff))

    async def cancel_appointment(self, appointment_id: str) -> None:
        self._write(lambda v: v.cancel_appointment(appointment_id))

    async def insert_message(self, message: MessageRow) -> None:
        self._write(lambda v: v.insert_message(message))

    async def insert_escalation(self, escalation: EscalationRow) -> None:
        self._write(lambda v: v.insert_escalation(escalation))

    async def enqueue(self, row: OutboxRow) -> None:
        row = row.model_copy(
            update={"payload": _json(row.payload), "next_attempt_at": _utc(row.next_attempt_at)}
        )
        self._write(lambda v: v.enqueue(row))
        self.enqueued += 1

    async def insert_code(self, row: CodeRow) -> None:
        self._write(lambda v: v.insert_code(row))

    async def latest_code(self, business: str, conversation_id: str, phone: str) -> CodeRow | None:
        self._check_open()
        mine = [
            c
            for c in self._view.codes.values()
            if c.business == business and c.conversation_id == conversation_id and c.phone == phone
        ]
        return max(mine, key=lambda c: (c.created_at, c.id), default=None)

    async def code_attempt(self, code_id: str, used: bool) -> None:
        self._write(lambda v: v.code_attempt(code_id, used))

    async def codes_sent(
        self, business: str, since: datetime, conversation_id: str = "", phone: str = ""
    ) -> int:
        self._check_open()
        since = _utc(since)
        return sum(
            1
            for c in self._view.codes.values()
            if c.business == business
            and c.created_at >= since
            and (not conversation_id or c.conversation_id == conversation_id)
            and (not phone or c.phone == phone)
        )

    async def idempotent_result(self, key: str) -> dict[str, Any] | None:
        self._check_open()
        found = self._view.results.get(key)
        return None if found is None else _fresh_copy(found)

    async def remember_result(self, key: str, result: dict[str, Any]) -> None:
        result = _json(result)
        self._write(lambda v: v.remember_result(key, result))


class MemoryStore:
    """The whole store in dicts; see the module docstring for the transaction model."""

    def __init__(self, *, outbox_lease: timedelta = timedelta(seconds=60)) -> None:
        self._tables = _Tables()
        self._version = 0  # bumped by every commit; a stale transaction replays its log
        self._locks: KeyedLock[tuple[str, str]] = KeyedLock()
        self._lease = outbox_lease

    async def migrate(self) -> None:
        return None

    async def schema_version(self) -> int:
        """Memory has no schema to migrate: always the newest."""
        return max(NAMES)

    async def close(self) -> None:
        return None

    async def record_inbound(self, event: InboundEvent) -> bool:
        key = (event.business, event.provider_msg_id)
        if key in self._tables.inbound:
            return False
        self._tables.inbound[key] = event.model_copy(
            update={"payload": dict(event.payload), "received_at": _utc(event.received_at)}
        )
        self._version += 1
        return True

    async def save_dropped(self, burst: DroppedBurst) -> None:
        kept = self._tables.dropped.get(burst.id)
        update: dict[str, object] = {
            "first_at": _utc(burst.first_at),
            "last_at": _utc(burst.last_at),
        }
        if kept is not None:  # as the databases: only the count and the last moment change
            update = {"count": burst.count, "last_at": _utc(burst.last_at)}
        self._tables.dropped[burst.id] = (kept or burst).model_copy(update=update)
        self._version += 1

    async def list_dropped(self, business: str) -> list[DroppedBurst]:
        found = [d for d in self._tables.dropped.values() if d.business == business]
        return sorted(found, key=lambda d: (d.first_at, d.id))

    async def turn_for(self, business: str, provider_msg_id: str) -> StoredTurn | None:
        place = self._tables.turn_ids.get((business, provider_msg_id))
        if place is None:
            return None
        return self._turn_copy(self._tables.turns[place[0]][place[1]])

    @asynccontextmanager
    async def transaction(self, business: str, conversation_key: str) -> AsyncIterator[_MemoryTx]:
        async with self._locks.hold((business, conversation_key)):
            began = self._version
            tx = _MemoryTx(self._tables)
            try:
                yield tx
            finally:
                tx._open = False
            self._commit(tx, began)

    def _commit(self, tx: _MemoryTx, began: int) -> None:
        if not tx._log:
            return
        view = tx._view
        if self._version != began:  # someone committed meanwhile: check everything again
            view = _View(self._tables)
            for op, result in tx._log:
                if op(view) != result:
                    raise TransactionConflict(
                        "a concurrent transaction changed a row this one wrote; retry the turn"
                    )
        view.apply()
        self._version += 1

    # read side

    async def list_appointments(self, business: str) -> list[Appointment]:
        found = [a for a in self._tables.appointments.values() if a.business == business]
        return sorted(found, key=lambda a: (a.start, a.id))

    async def find_conversation(
        self, business: str, channel: ChannelKind, sender: str
    ) -> ConversationRow | None:
        for c in self._tables.conversations.values():
            if (c.business, c.channel, c.sender) == (business, channel, sender):
                return c.model_copy(update={"state": _fresh_copy(c.state)})
        return None

    async def list_conversations(self, business: str | None = None) -> list[ConversationRow]:
        found = [
            c.model_copy(update={"state": _fresh_copy(c.state)})
            for c in self._tables.conversations.values()
            if business is None or c.business == business
        ]
        return sorted(found, key=lambda c: (c.created_at, c.id))

    async def list_messages(self, business: str) -> list[MessageRow]:
        found = [m for m in self._tables.messages.values() if m.business == business]
        return sorted(found, key=lambda m: (m.created_at, m.id))

    async def list_escalations(self, business: str) -> list[EscalationRow]:
        found = [e for e in self._tables.escalations.values() if e.business == business]
        return sorted(found, key=lambda e: (e.created_at, e.id))

    async def turns(self, conversation_id: str) -> list[StoredTurn]:
        chain = self._tables.turns.get(conversation_id, {})
        return [self._turn_copy(chain[seq]) for seq in sorted(chain)]

    async def all_conversation_ids(self) -> list[str]:
        return [c.id for c in await self.list_conversations()]

    async def outbox(self, status: str | None = None) -> list[OutboxRow]:
        found = [
            self._outbox_copy(r)
            for r in self._tables.outbox.values()
            if status is None or r.status == status
        ]
        return sorted(found, key=lambda r: (r.next_attempt_at, r.id))

    async def outbox_depth(self, statuses: Sequence[str]) -> dict[str, int]:
        depth = dict.fromkeys(statuses, 0)
        for r in self._tables.outbox.values():
            if r.status in depth:
                depth[r.status] += 1
        return depth

    async def claim_outbox(
        self, now: datetime, limit: int, kinds: Sequence[str] | None = None
    ) -> list[OutboxRow]:
        """Lease due pending rows (of ``kinds``, when given): attempts+1 and hidden until
        ``now + outbox_lease``; a sender that dies mid-send gets them back after the lease."""
        now = _utc(now)
        due = [
            r
            for r in await self.outbox("pending")
            if r.next_attempt_at <= now and (kinds is None or r.kind in kinds)
        ][: max(limit, 0)]
        claimed = []
        for row in due:
            leased = row.model_copy(
                update={"attempts": row.attempts + 1, "next_attempt_at": now + self._lease}
            )
            self._tables.outbox[row.id] = leased
            claimed.append(self._outbox_copy(leased))
        self._version += 1
        return claimed

    async def mark_outbox(
        self, row_id: str, status: str, attempts: int, next_attempt_at: datetime, error: str
    ) -> None:
        if status not in _OUTBOX_STATUSES:
            raise ValueError(f"unknown outbox status {status!r}")
        row = self._tables.outbox.get(row_id)
        if row is None:
            raise LookupError(f"unknown outbox row {row_id}")
        update: dict[str, Any] = {
            "status": status,
            "attempts": attempts,
            "next_attempt_at": _utc(next_attempt_at),
            "last_error": error,
        }
        blanked = spent(row.payload, status)
        if blanked is not None:  # a secret (a one-time code) is not kept once delivered
            update["payload"] = blanked
        self._tables.outbox[row_id] = row.model_copy(update=update)
        self._version += 1

    async def requeue_outbox(self, row_id: str | None, dead: bool, now: datetime) -> int:
        """Send again: one pending or dead row by id, or every dead row (``dead=True``)."""
        if (row_id is None) == (not dead):
            raise ValueError(
                "requeue_outbox takes either a row id or dead=True, not both or neither"
            )
        now = _utc(now)
        if row_id is None:
            chosen = [r for r in self._tables.outbox.values() if r.status == "dead"]
        else:
            row = self._tables.outbox.get(row_id)
            if row is None:
                raise LookupError(f"unknown outbox row {row_id}")
            if row.status == "sent":
                raise ValueError(
                    f"outbox row {row_id} was sent already; only pending or dead rows can be "
                    "re-queued"
                )
            chosen = [row]
        for row in chosen:
            self._tables.outbox[row.id] = row.model_copy(
                update={"status": "pending", "attempts": 0, "next_attempt_at": now}
            )
        self._version += 1
        return len(chosen)

    async def inbound_events(self, business: str | None = None) -> list[InboundEvent]:
        found = [
            e.model_copy(update={"payload": dict(e.payload)})
            for e in self._tables.inbound.values()
            if business is None or e.business == business
        ]
        return sorted(found, key=lambda e: e.received_at)  # stable: ties keep arrival order

    async def unanswered_inbound(self, before: datetime, limit: int) -> list[InboundEvent]:
        before = _utc(before)
        waiting = [
            e
            for key, e in self._tables.inbound.items()
            if key not in self._tables.turn_ids and e.received_at < before
        ]
        return [
            e.model_copy(update={"payload": dict(e.payload)})
            for e in sorted(waiting, key=lambda e: e.received_at)[: max(0, limit)]
        ]

    # retention and erasure (store.ports.Privacy)

    async def turns_to_erase(self, business: str, before: datetime) -> list[StoredTurn]:
        before = _utc(before)
        found = [
            self._turn_copy(t)
            for cid, chain in self._tables.turns.items()
            if (c := self._tables.conversations.get(cid)) is not None and c.business == business
            for t in chain.values()
            if t.created_at < before and t.erased_at is None
        ]
        return sorted(found, key=lambda t: (t.conversation_id, t.seq))

    async def erase_turns(self, erased: Sequence[StoredTurn], at: datetime) -> int:
        count = 0
        for t in erased:
            chain = self._tables.turns.get(t.conversation_id, {})
            current = chain.get(t.seq)
            if current is None or current.hash != t.hash or current.erased_at is not None:
                continue
            business = self._tables.conversations[t.conversation_id].business
            self._tables.turn_ids.pop((business, current.provider_msg_id), None)
            chain[t.seq] = current.model_copy(
                update={"record": _json(t.record), "provider_msg_id": "", "erased_at": _utc(at)}
            )
            count += 1
        self._version += 1
        return count

    async def delete_inbound(
        self,
        business: str,
        before: datetime | None = None,
        senders: Sequence[tuple[str, str]] = (),
        phone: str = "",
    ) -> int:
        wanted = set(senders)
        gone = [
            key
            for key, e in self._tables.inbound.items()
            if e.business == business
            and (
                (before is not None and e.received_at < _utc(before))
                or (e.channel, e.sender) in wanted
                or (phone and e.customer_phone == phone)
            )
        ]
        for key in gone:
            del self._tables.inbound[key]
        self._version += 1
        return len(gone)

    async def delete_dropped(
        self, business: str, before: datetime | None = None, senders: Sequence[tuple[str, str]] = ()
    ) -> int:
        wanted = set(senders)
        gone = [
            d.id
            for d in self._tables.dropped.values()
            if d.business == business
            and (
                (before is not None and d.last_at < _utc(before)) or (d.channel, d.sender) in wanted
            )
        ]
        for i in gone:
            del self._tables.dropped[i]
        self._version += 1
        return len(gone)

    async def list_codes(self, business: str) -> list[CodeRow]:
        found = [c for c in self._tables.codes.values() if c.business == business]
        return sorted(found, key=lambda c: (c.created_at, c.id))

    async def delete_codes(
        self, business: str, before: datetime | None = None, phone: str = ""
    ) -> int:
        gone = [
            c.id
            for c in self._tables.codes.values()
            if c.business == business
            and (
                (before is not None and c.expires_at < _utc(before)) or (phone and c.phone == phone)
            )
        ]
        for i in gone:
            del self._tables.codes[i]
        self._version += 1
        return len(gone)

    async def delete_messages(
        self, business: str, before: datetime | None = None, ids: Sequence[str] = ()
    ) -> int:
        gone = [
            m.id
            for m in self._tables.messages.values()
            if m.business == business
            and ((before is not None and m.created_at < _utc(before)) or m.id in ids)
        ]
        for i in gone:
            del self._tables.messages[i]
        self._version += 1
        return len(gone)

    async def delete_outbox(
        self, business: str, before: datetime | None = None, ids: Sequence[str] = ()
    ) -> int:
        gone = [
            r
            for r in self._tables.outbox.values()
            if r.business == business
            and (
                (before is not None and r.status != "pending" and r.next_attempt_at < _utc(before))
                or r.id in ids
            )
        ]
        for r in gone:
            del self._tables.outbox[r.id]
            self._tables.outbox_ids.pop(r.idempotency_key, None)
        self._version += 1
        return len(gone)

    async def delete_escalations(
        self, business: str, before: datetime | None = None, conversation_ids: Sequence[str] = ()
    ) -> int:
        gone = [
            e.id
            for e in self._tables.escalations.values()
            if e.business == business
            and (
                (before is not None and e.created_at < _utc(before))
                or e.conversation_id in conversation_ids
            )
        ]
        for i in gone:
            del self._tables.escalations[i]
        self._version += 1
        return len(gone)

    async def anonymise_conversation(self, conversation_id: str) -> bool:
        row = self._tables.conversations.get(conversation_id)
        erased = f"erased:{conversation_id}"
        if row is None or row.sender == erased:
            return False
        self._tables.conversation_ids.pop((row.business, row.channel, row.sender), None)
        self._tables.conversation_ids[(row.business, row.channel, erased)] = conversation_id
        self._tables.conversations[conversation_id] = row.model_copy(
            update={"sender": erased, "state": {}}
        )
        self._version += 1
        return True

    async def list_customers(self, business: str) -> list[Customer]:
        found = [c for c in self._tables.customers.values() if c.business == business]
        return sorted(found, key=lambda c: (c.phone, c.id))

    async def forget_customer(self, business: str, customer_id: str, phone: str) -> bool:
        for a in list(self._tables.appointments.values()):
            if a.business == business and (
                (customer_id and a.customer_id == customer_id)
                or (phone and a.customer_phone == phone)
            ):
                self._tables.appointments[a.id] = a.model_copy(
                    update={"customer_name": "", "customer_phone": ""}
                )
        row = self._tables.customers.get(customer_id)
        self._version += 1
        if row is None or row.business != business:
            return False
        del self._tables.customers[customer_id]
        self._tables.customer_ids.pop((row.business, row.phone), None)
        return True

    @staticmethod
    def _turn_copy(turn: StoredTurn) -> StoredTurn:
        return turn.model_copy(update={"record": _fresh_copy(turn.record)})

    @staticmethod
    def _outbox_copy(row: OutboxRow) -> OutboxRow:
        return row.model_copy(update={"payload": _fresh_copy(row.payload)})
