"""The SQLite :class:`~engine.ports.Store`: piccolo's engine, parameterised SQL.

Why SQL rather than piccolo's query builder: piccolo binds each table class to one global
engine, while a process may hold several stores (tests, CLI tools); and the statements we
need — ``INSERT ... ON CONFLICT ... RETURNING``, partial-index upserts, leased claims — read
more plainly as SQL. The SQL avoids SQLite-only syntax so the PostgreSQL store can share
it (placeholders are compiled per engine by piccolo's ``QueryString``).

Transactions: SQLite has one writer per file, so the store has one write transaction at a
time (``store.db.Database.write``). That serialises every conversation's turns — more than
the port asks (one writer per conversation); on PostgreSQL it will be an advisory lock per
``(business, conversation_key)``. The store-level read methods see committed data only,
also when called inside a transaction, as in the in-memory store.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from aiosqlite import Connection

from engine.ports import (
    Appointment,
    ChannelKind,
    ConversationRow,
    Customer,
    EscalationRow,
    InboundEvent,
    MessageRow,
    OutboxRow,
    StoredTurn,
)
from store import migrations
from store import rows as record
from store.codec import dumps, loads, to_stamp
from store.db import Database, fetch
from store.errors import RecordNotFound, TransactionClosed

__all__ = ["SqlStore"]

_OUTBOX_STATUSES = ("pending", "sent", "dead")


def _interval(start: datetime, end: datetime) -> tuple[str, str]:
    start_at, end_at = to_stamp(start), to_stamp(end)
    if end_at <= start_at:
        raise ValueError(f"an appointment must end after it starts ({start} .. {end})")
    return start_at, end_at


def _found(rows: list[dict[str, Any]], what: str) -> None:
    if not rows:
        raise RecordNotFound(f"unknown {what}")


class _SqlTx:
    """The Tx of one write transaction; valid only inside its ``async with`` block."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._open = True

    async def _run(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        if not self._open:
            raise TransactionClosed("the transaction is closed")
        return await fetch(self._connection, sql, *args)

    async def conversation(
        self, business: str, channel: ChannelKind, sender: str, now: datetime
    ) -> ConversationRow:
        stamp = to_stamp(now)
        await self._run(
            'INSERT INTO "conversation" ("id", "business", "channel", "sender", "state", '
            '"last_hash", "turns", "created_at", "updated_at") '
            "VALUES ({}, {}, {}, {}, {}, '', 0, {}, {}) "
            'ON CONFLICT ("business", "channel", "sender") DO NOTHING',
            uuid.uuid4().hex, business, channel, sender, dumps({}), stamp, stamp,
        )  # fmt: skip
        rows = await self._run(
            'SELECT * FROM "conversation" WHERE "business" = {} AND "channel" = {} '
            'AND "sender" = {}',
            business, channel, sender,
        )  # fmt: skip
        return record.conversation(rows[0])

    async def save_conversation(
        self, conversation_id: str, state: dict[str, Any], last_hash: str, now: datetime
    ) -> None:
        rows = await self._run(
            'UPDATE "conversation" SET "state" = {}, "last_hash" = {}, "updated_at" = {} '
            'WHERE "id" = {} RETURNING "id"',
            dumps(state), last_hash, to_stamp(now), conversation_id,
        )  # fmt: skip
        _found(rows, f"conversation {conversation_id}")

    async def append_turn(self, turn: StoredTurn) -> None:
        rows = await self._run(
            'SELECT "id" FROM "conversation" WHERE "id" = {}', turn.conversation_id
        )
        _found(rows, f"conversation {turn.conversation_id}")
        await self._run(
            'INSERT INTO "turn" ("conversation_id", "seq", "provider_msg_id", "record", '
            '"hash", "prev_hash", "created_at") VALUES ({}, {}, {}, {}, {}, {}, {})',
            turn.conversation_id, turn.seq, turn.provider_msg_id, dumps(turn.record),
            turn.hash, turn.prev_hash, to_stamp(turn.created_at),
        )  # fmt: skip
        await self._run(
            'UPDATE "conversation" SET "turns" = "turns" + 1 WHERE "id" = {}',
            turn.conversation_id,
        )

    async def customer_by_phone(self, business: str, phone: str) -> Customer | None:
        if not phone:
            return None
        rows = await self._run(
            'SELECT * FROM "customer" WHERE "business" = {} AND "phone" = {}', business, phone
        )
        return record.customer(rows[0]) if rows else None

    async def customer(self, customer_id: str) -> Customer | None:
        rows = await self._run('SELECT * FROM "customer" WHERE "id" = {}', customer_id)
        return record.customer(rows[0]) if rows else None

    async def upsert_customer(self, business: str, name: str, phone: str, email: str) -> Customer:
        """One row per (business, phone); a known customer keeps what the new call leaves blank."""
        rows = await self._run(
            'INSERT INTO "customer" ("id", "business", "name", "phone", "email") '
            "VALUES ({}, {}, {}, {}, {}) "
            """ON CONFLICT ("business", "phone") WHERE "phone" <> '' DO UPDATE SET """
            """"name" = CASE WHEN excluded."name" <> '' THEN excluded."name" """
            """ELSE "customer"."name" END, """
            """"email" = CASE WHEN excluded."email" <> '' THEN excluded."email" """
            """ELSE "customer"."email" END """
            "RETURNING *",
            uuid.uuid4().hex, business, name, phone, email,
        )  # fmt: skip
        return record.customer(rows[0])

    async def appointments_between(
        self, business: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        rows = await self._run(
            'SELECT * FROM "appointment" WHERE "business" = {} AND "status" = \'booked\' '
            'AND "start_at" < {} AND {} < "end_at" ORDER BY "start_at", "id"',
            business, to_stamp(end), to_stamp(start),
        )  # fmt: skip
        return [record.appointment(r) for r in rows]

    async def appointments_of(self, business: str, customer_id: str) -> list[Appointment]:
        rows = await self._run(
            'SELECT * FROM "appointment" WHERE "business" = {} AND "customer_id" = {} '
            'ORDER BY "start_at", "id"',
            business, customer_id,
        )  # fmt: skip
        return [record.appointment(r) for r in rows]

    async def appointment(self, appointment_id: str) -> Appointment | None:
        rows = await self._run('SELECT * FROM "appointment" WHERE "id" = {}', appointment_id)
        return record.appointment(rows[0]) if rows else None

    async def appointment_by_key(self, idempotency_key: str) -> Appointment | None:
        if not idempotency_key:
            return None
        rows = await self._run(
            'SELECT * FROM "appointment" WHERE "idempotency_key" = {}', idempotency_key
        )
        return record.appointment(rows[0]) if rows else None

    async def insert_appointment(self, appointment: Appointment) -> None:
        a = appointment
        start_at, end_at = _interval(a.start, a.end)
        await self._run(
            'INSERT INTO "appointment" ("id", "business", "service", "staff", "start_at", '
            '"end_at", "customer_id", "customer_name", "customer_phone", "status", '
            '"conversation_id", "idempotency_key") '
            "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
            a.id, a.business, a.service, a.staff, start_at, end_at, a.customer_id,
            a.customer_name, a.customer_phone, a.status, a.conversation_id, a.idempotency_key,
        )  # fmt: skip

    async def move_appointment(
        self, appointment_id: str, start: datetime, end: datetime, staff: str
    ) -> None:
        start_at, end_at = _interval(start, end)
        rows = await self._run(
            'UPDATE "appointment" SET "start_at" = {}, "end_at" = {}, "staff" = {} '
            'WHERE "id" = {} RETURNING "id"',
            start_at, end_at, staff, appointment_id,
        )  # fmt: skip
        _found(rows, f"appointment {appointment_id}")

    async def cancel_appointment(self, appointment_id: str) -> None:
        rows = await self._run(
            'UPDATE "appointment" SET "status" = \'cancelled\' WHERE "id" = {} RETURNING "id"',
            appointment_id,
        )
        _found(rows, f"appointment {appointment_id}")

    async def insert_message(self, message: MessageRow) -> None:
        m = message
        await self._run(
            'INSERT INTO "message" ("id", "business", "conversation_id", "caller_name", '
            '"callback_number", "text", "created_at") VALUES ({}, {}, {}, {}, {}, {}, {})',
            m.id, m.business, m.conversation_id, m.caller_name, m.callback_number, m.text,
            to_stamp(m.created_at),
        )  # fmt: skip

    async def insert_escalation(self, escalation: EscalationRow) -> None:
        e = escalation
        await self._run(
            'INSERT INTO "escalation" ("id", "business", "conversation_id", "reason", '
            '"created_at", "status") VALUES ({}, {}, {}, {}, {}, {})',
            e.id, e.business, e.conversation_id, e.reason, to_stamp(e.created_at), e.status,
        )  # fmt: skip

    async def enqueue(self, row: OutboxRow) -> None:
        if not row.idempotency_key:
            raise ValueError("an outbox row needs an idempotency key")
        await self._run(
            'INSERT INTO "outbox" ("id", "business", "kind", "payload", "idempotency_key", '
            '"status", "attempts", "next_attempt_at", "last_error") '
            "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) "
            'ON CONFLICT ("idempotency_key") DO NOTHING',
            row.id, row.business, row.kind, dumps(row.payload), row.idempotency_key,
            row.status, row.attempts, to_stamp(row.next_attempt_at), row.last_error,
        )  # fmt: skip

    async def idempotent_result(self, key: str) -> dict[str, Any] | None:
        rows = await self._run('SELECT "result" FROM "idempotency" WHERE "key" = {}', key)
        return loads(rows[0]["result"]) if rows else None

    async def remember_result(self, key: str, result: dict[str, Any]) -> None:
        """The first result for a key stands; remembering again changes nothing."""
        await self._run(
            'INSERT INTO "idempotency" ("key", "result") VALUES ({}, {}) '
            'ON CONFLICT ("key") DO NOTHING',
            key, dumps(result),
        )  # fmt: skip


class SqlStore:
    """The store on one SQLite file. Call :meth:`migrate` once before use."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 5.0,
        outbox_lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.path = os.fspath(path)
        self._db = Database(self.path, busy_timeout)
        self._lease = outbox_lease

    async def migrate(self) -> None:
        await migrations.migrate(self._db)

    async def schema_version(self) -> int:
        return await migrations.current_version(self._db)

    async def close(self) -> None:
        """Close the connections; the store opens them again if used afterwards."""
        await self._db.close()

    async def _read(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return await self._db.read(sql, *args)

    async def record_inbound(self, event: InboundEvent) -> bool:
        e = event
        async with self._db.write() as connection:
            rows = await fetch(
                connection,
                'INSERT INTO "inbound_event" ("business", "channel", "sender", '
                '"provider_msg_id", "text", "payload", "received_at", "lang_hint", '
                '"customer_phone") VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) '
                'ON CONFLICT ("business", "provider_msg_id") DO NOTHING RETURNING "id"',
                e.business, e.channel, e.sender, e.provider_msg_id, e.text, dumps(e.payload),
                to_stamp(e.received_at), e.lang_hint, e.customer_phone,
            )  # fmt: skip
        return bool(rows)

    async def turn_for(self, business: str, provider_msg_id: str) -> StoredTurn | None:
        if not provider_msg_id:
            return None
        rows = await self._read(
            'SELECT t.* FROM "turn" AS t JOIN "conversation" AS c ON c."id" = t."conversation_id" '
            'WHERE c."business" = {} AND t."provider_msg_id" = {} ORDER BY t."id" LIMIT 1',
            business, provider_msg_id,
        )  # fmt: skip
        return record.turn(rows[0]) if rows else None

    @asynccontextmanager
    async def transaction(self, business: str, conversation_key: str) -> AsyncIterator[_SqlTx]:
        async with self._db.write() as connection:
            tx = _SqlTx(connection)
            try:
                yield tx
            finally:
                tx._open = False

    # read side

    async def list_appointments(self, business: str) -> list[Appointment]:
        rows = await self._read(
            'SELECT * FROM "appointment" WHERE "business" = {} ORDER BY "start_at", "id"',
            business,
        )
        return [record.appointment(r) for r in rows]

    async def find_conversation(
        self, business: str, channel: ChannelKind, sender: str
    ) -> ConversationRow | None:
        rows = await self._read(
            'SELECT * FROM "conversation" WHERE "business" = {} AND "channel" = {} '
            'AND "sender" = {}',
            business, channel, sender,
        )  # fmt: skip
        return record.conversation(rows[0]) if rows else None

    async def list_conversations(self, business: str | None = None) -> list[ConversationRow]:
        if business is None:
            rows = await self._read('SELECT * FROM "conversation" ORDER BY "created_at", "id"')
        else:
            rows = await self._read(
                'SELECT * FROM "conversation" WHERE "business" = {} ORDER BY "created_at", "id"',
                business,
            )
        return [record.conversation(r) for r in rows]

    async def list_messages(self, business: str) -> list[MessageRow]:
        rows = await self._read(
            'SELECT * FROM "message" WHERE "business" = {} ORDER BY "created_at", "id"', business
        )
        return [record.message(r) for r in rows]

    async def list_escalations(self, business: str) -> list[EscalationRow]:
        rows = await self._read(
            'SELECT * FROM "escalation" WHERE "business" = {} ORDER BY "created_at", "id"',
            business,
        )
        return [record.escalation(r) for r in rows]

    async def turns(self, conversation_id: str) -> list[StoredTurn]:
        rows = await self._read(
            'SELECT * FROM "turn" WHERE "conversation_id" = {} ORDER BY "seq"', conversation_id
        )
        return [record.turn(r) for r in rows]

    async def all_conversation_ids(self) -> list[str]:
        rows = await self._read('SELECT "id" FROM "conversation" ORDER BY "created_at", "id"')
        return [r["id"] for r in rows]

    async def outbox(self, status: str | None = None) -> list[OutboxRow]:
        if status is None:
            rows = await self._read('SELECT * FROM "outbox" ORDER BY "next_attempt_at", "id"')
        else:
            rows = await self._read(
                'SELECT * FROM "outbox" WHERE "status" = {} ORDER BY "next_attempt_at", "id"',
                status,
            )
        return [record.outbox(r) for r in rows]

    async def claim_outbox(
        self, now: datetime, limit: int, kinds: Sequence[str] | None = None
    ) -> list[OutboxRow]:
        """Lease due pending rows: attempts+1 and hidden until ``now + outbox_lease``.

        The lease stands for "in flight": a sender that dies mid-send leaves the row to be
        claimed again once the lease runs out. ``kinds`` limits the claim to the rows a
        drainer can send, so rows for other senders keep their attempts and their turn.
        """
        if limit <= 0 or (kinds is not None and not kinds):
            return []
        only = "" if kinds is None else (
            ' AND "kind" IN (' + ", ".join("{}" for _ in kinds) + ")")
        due_at, lease_until = to_stamp(now), to_stamp(now + self._lease)
        async with self._db.write() as connection:
            due = await fetch(
                connection,
                'SELECT "id" FROM "outbox" WHERE "status" = \'pending\' '
                'AND "next_attempt_at" <= {}' + only + ' ORDER BY "next_attempt_at", "id" '
                "LIMIT {}",
                due_at, *(kinds or ()), limit,
            )  # fmt: skip
            order = {row["id"]: place for place, row in enumerate(due)}
            claimed: list[dict[str, Any]] = []
            for row_id in order:
                claimed += await fetch(
                    connection,
                    'UPDATE "outbox" SET "attempts" = "attempts" + 1, "next_attempt_at" = {} '
                    'WHERE "id" = {} RETURNING *',
                    lease_until, row_id,
                )  # fmt: skip
        return [record.outbox(r) for r in sorted(claimed, key=lambda r: order[r["id"]])]

    async def mark_outbox(
        self, row_id: str, status: str, attempts: int, next_attempt_at: datetime, error: str
    ) -> None:
        if status not in _OUTBOX_STATUSES:
            raise ValueError(f"unknown outbox status {status!r}")
        async with self._db.write() as connection:
            rows = await fetch(
                connection,
                'UPDATE "outbox" SET "status" = {}, "attempts" = {}, "next_attempt_at" = {}, '
                '"last_error" = {} WHERE "id" = {} RETURNING "id"',
                status, attempts, to_stamp(next_attempt_at), error, row_id,
            )  # fmt: skip
        _found(rows, f"outbox row {row_id}")

    async def inbound_events(self, business: str | None = None) -> list[InboundEvent]:
        if business is None:
            rows = await self._read('SELECT * FROM "inbound_event" ORDER BY "received_at", "id"')
        else:
            rows = await self._read(
                'SELECT * FROM "inbound_event" WHERE "business" = {} ORDER BY "received_at", "id"',
                business,
            )
        return [record.inbound(r) for r in rows]
