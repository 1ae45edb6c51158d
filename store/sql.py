"""The SQL both databases share: the Tx of one turn and the store's read side, written once.

Each statement is written with ``{}`` placeholders and compiled per database by piccolo's
:class:`~piccolo.querystring.QueryString` (``?`` on SQLite, ``$n`` on PostgreSQL), so the
text must not contain literal braces. What differs between the databases is behind a
:class:`Link` — one connection as this module sees it:

- ``run(sql, *args)``: run one statement, return its rows as dicts, driver errors
  translated (``SlotTaken``, ``DuplicateRecord``, ``StoreError``, the driver's error as
  ``__cause__``);
- ``guarded(sql, *args)``: the same for a write that a constraint may refuse, in such a way
  that the transaction stays usable after the refusal. SQLite undoes only the failed
  statement anyway; PostgreSQL aborts the whole transaction on any error, so there it runs
  inside a SAVEPOINT;
- ``stamp(moment)``: a datetime as the database wants the parameter (UTC text on SQLite,
  an aware UTC datetime for ``timestamptz`` on PostgreSQL); naive datetimes are refused.

:class:`SqlStoreBase` holds everything of the store's ports that is one statement in the
same words on both databases; a subclass supplies the connections (``_reading``,
``_writing``), ``transaction`` (locking differs), ``claim_outbox`` (PostgreSQL claims with
``FOR UPDATE SKIP LOCKED``), the migrations and ``close``.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal, Protocol

from piccolo.querystring import QueryString

from engine.ports import (
    Appointment,
    ChannelKind,
    CodeRow,
    ConversationRow,
    Customer,
    DroppedBurst,
    EscalationRow,
    InboundEvent,
    MessageRow,
    OutboxRow,
    StoredTurn,
    Tx,
)
from store import rows as record
from store.codec import dumps, loads, spent
from store.erasure import SqlErasure
from store.errors import DuplicateRecord, RecordNotFound, TransactionClosed

__all__ = ["OUTBOX_STATUSES", "Link", "SqlStoreBase", "SqlTx", "compiled", "found"]

OUTBOX_STATUSES = ("pending", "sent", "dead")

Rows = list[dict[str, Any]]


class Link(Protocol):
    """One database connection, as the shared SQL uses it (see the module docstring)."""

    async def run(self, sql: str, *args: Any) -> Rows: ...

    async def guarded(self, sql: str, *args: Any) -> Rows: ...

    def stamp(self, moment: datetime) -> Any: ...


def compiled(
    sql: str, args: Sequence[Any], engine: Literal["sqlite", "postgres"]
) -> tuple[str, list[Any]]:
    """``sql`` with its ``{}`` placeholders as the database's own (``?``, ``$n``), and the
    parameters. The store passes plain values only, never a nested ``QueryString``, so
    the text depends on the statement and the number of parameters alone: it is compiled
    once per statement, not at every run."""
    return _template(sql, len(args), engine), list(args)


@lru_cache(maxsize=512)
def _template(sql: str, n: int, engine: str) -> str:
    text, _ = QueryString(sql, *([None] * n)).compile_string(engine_type=engine)
    return text


def one_of(values: Sequence[Any]) -> str:
    """The placeholders of an ``IN`` list, one per value: ``({}, {}, {})``."""
    return "(" + ", ".join("{}" for _ in values) + ")"


def found(rows: Rows, what: str) -> None:
    """An update that named no row is an unknown id."""
    if not rows:
        raise RecordNotFound(f"unknown {what}")


def _interval(link: Link, start: datetime, end: datetime) -> tuple[Any, Any]:
    start_at, end_at = link.stamp(start), link.stamp(end)  # refuses naive datetimes
    if end <= start:
        raise ValueError(f"an appointment must end after it starts ({start} .. {end})")
    return start_at, end_at


class SqlTx:
    """The Tx of one write transaction; valid only inside its ``async with`` block."""

    def __init__(self, link: Link) -> None:
        self._link = link
        self._open = True
        self.enqueued = 0

    def close(self) -> None:
        self._open = False

    def _live(self) -> Link:
        if not self._open:
            raise TransactionClosed("the transaction is closed")
        return self._link

    async def _run(self, sql: str, *args: Any) -> Rows:
        return await self._live().run(sql, *args)

    async def _guarded(self, sql: str, *args: Any) -> Rows:
        return await self._live().guarded(sql, *args)

    def _stamp(self, moment: datetime) -> Any:
        return self._link.stamp(moment)

    async def conversation(
        self, business: str, channel: ChannelKind, sender: str, now: datetime
    ) -> ConversationRow:
        select = (
            'SELECT * FROM "conversation" WHERE "business" = {} AND "channel" = {} '
            'AND "sender" = {}'
        )
        rows = await self._run(select, business, channel, sender)
        if not rows:  # the first turn: make it (another transaction may just have done so)
            stamp = self._stamp(now)
            await self._run(
                'INSERT INTO "conversation" ("id", "business", "channel", "sender", "state", '
                '"last_hash", "turns", "created_at", "updated_at") '
                "VALUES ({}, {}, {}, {}, {}, '', 0, {}, {}) "
                'ON CONFLICT ("business", "channel", "sender") DO NOTHING',
                uuid.uuid4().hex, business, channel, sender, dumps({}), stamp, stamp,
            )  # fmt: skip
            rows = await self._run(select, business, channel, sender)
        return record.conversation(rows[0])

    async def save_conversation(
        self, conversation_id: str, state: dict[str, Any], last_hash: str, now: datetime
    ) -> None:
        rows = await self._run(
            'UPDATE "conversation" SET "state" = {}, "last_hash" = {}, "updated_at" = {} '
            'WHERE "id" = {} RETURNING "id"',
            dumps(state), last_hash, self._stamp(now), conversation_id,
        )  # fmt: skip
        found(rows, f"conversation {conversation_id}")

    async def append_turn(self, turn: StoredTurn, state: dict[str, Any]) -> None:
        # the turn first (a turn number is used once: a refused one changes nothing, and
        # ON CONFLICT leaves the transaction usable without a savepoint's two round trips),
        # then the count, which also proves the conversation exists, and the state
        added = await self._run(
            'INSERT INTO "turn" ("conversation_id", "seq", "provider_msg_id", "record", '
            '"hash", "prev_hash", "created_at") VALUES ({}, {}, {}, {}, {}, {}, {}) '
            'ON CONFLICT ("conversation_id", "seq") DO NOTHING RETURNING "id"',
            turn.conversation_id, turn.seq, turn.provider_msg_id, dumps(turn.record),
            turn.hash, turn.prev_hash, self._stamp(turn.created_at),
        )  # fmt: skip
        if not added:
            raise DuplicateRecord(
                f"conversation {turn.conversation_id} already has a turn {turn.seq}"
            )
        rows = await self._run(
            'UPDATE "conversation" SET "turns" = "turns" + 1, "state" = {}, '
            '"last_hash" = {}, "updated_at" = {} WHERE "id" = {} RETURNING "id"',
            dumps(state), turn.hash, self._stamp(turn.created_at), turn.conversation_id,
        )  # fmt: skip
        found(rows, f"conversation {turn.conversation_id}")

    async def earlier_unanswered(self, event: InboundEvent, limit: int = 20) -> list[InboundEvent]:
        rows = await self._run(
            'SELECT e.* FROM "inbound_event" AS e WHERE e."business" = {} AND e."channel" = {} '
            'AND e."sender" = {} AND e."received_at" < {} '
            'AND NOT EXISTS (SELECT 1 FROM "turn" AS t JOIN "conversation" AS c '
            'ON c."id" = t."conversation_id" WHERE c."business" = e."business" '
            'AND t."provider_msg_id" = e."provider_msg_id") '
            'ORDER BY e."received_at", e."id" LIMIT {}',
            event.business, event.channel, event.sender, self._stamp(event.received_at),
            max(0, limit),
        )  # fmt: skip
        return [record.inbound(r) for r in rows]

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
            business, self._stamp(end), self._stamp(start),
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
        start_at, end_at = _interval(self._link, a.start, a.end)
        await self._guarded(  # SlotTaken, or a duplicate id or key
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
        start_at, end_at = _interval(self._link, start, end)
        rows = await self._guarded(  # SlotTaken
            'UPDATE "appointment" SET "start_at" = {}, "end_at" = {}, "staff" = {} '
            'WHERE "id" = {} RETURNING "id"',
            start_at, end_at, staff, appointment_id,
        )  # fmt: skip
        found(rows, f"appointment {appointment_id}")

    async def cancel_appointment(self, appointment_id: str) -> None:
        rows = await self._run(
            'UPDATE "appointment" SET "status" = \'cancelled\' WHERE "id" = {} RETURNING "id"',
            appointment_id,
        )
        found(rows, f"appointment {appointment_id}")

    async def insert_message(self, message: MessageRow) -> None:
        m = message
        await self._guarded(
            'INSERT INTO "message" ("id", "business", "conversation_id", "caller_name", '
            '"callback_number", "text", "created_at") VALUES ({}, {}, {}, {}, {}, {}, {})',
            m.id, m.business, m.conversation_id, m.caller_name, m.callback_number, m.text,
            self._stamp(m.created_at),
        )  # fmt: skip

    async def insert_escalation(self, escalation: EscalationRow) -> None:
        e = escalation
        await self._guarded(
            'INSERT INTO "escalation" ("id", "business", "conversation_id", "reason", '
            '"created_at", "status") VALUES ({}, {}, {}, {}, {}, {})',
            e.id, e.business, e.conversation_id, e.reason, self._stamp(e.created_at), e.status,
        )  # fmt: skip

    async def enqueue(self, row: OutboxRow) -> None:
        if not row.idempotency_key:
            raise ValueError("an outbox row needs an idempotency key")
        # A known key is ignored. A known id with a new key is refused (DuplicateRecord) but
        # not guarded: ids are fresh uuids, and every turn enqueues, so on PostgreSQL the
        # savepoint would cost two round trips per turn for a write that cannot clash.
        await self._run(
            'INSERT INTO "outbox" ("id", "business", "kind", "payload", "idempotency_key", '
            '"status", "attempts", "next_attempt_at", "last_error") '
            "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) "
            'ON CONFLICT ("idempotency_key") DO NOTHING',
            row.id, row.business, row.kind, dumps(row.payload), row.idempotency_key,
            row.status, row.attempts, self._stamp(row.next_attempt_at), row.last_error,
        )  # fmt: skip
        self.enqueued += 1

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

    async def insert_code(self, row: CodeRow) -> None:
        c = row
        await self._guarded(
            'INSERT INTO "verification_code" ("id", "business", "conversation_id", "phone", '
            '"salt", "digest", "sent", "attempts", "used", "created_at", "expires_at") '
            "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
            c.id, c.business, c.conversation_id, c.phone, c.salt, c.digest, int(c.sent),
            c.attempts, int(c.used), self._stamp(c.created_at), self._stamp(c.expires_at),
        )  # fmt: skip

    async def latest_code(self, business: str, conversation_id: str, phone: str) -> CodeRow | None:
        rows = await self._run(
            'SELECT * FROM "verification_code" WHERE "business" = {} '
            'AND "conversation_id" = {} AND "phone" = {} '
            'ORDER BY "created_at" DESC, "id" DESC LIMIT 1',
            business, conversation_id, phone,
        )  # fmt: skip
        return record.code(rows[0]) if rows else None

    async def code_attempt(self, code_id: str, used: bool) -> None:
        rows = await self._run(
            'UPDATE "verification_code" SET "attempts" = "attempts" + 1, '
            '"used" = CASE WHEN {} = 1 THEN 1 ELSE "used" END WHERE "id" = {} RETURNING "id"',
            int(used), code_id,
        )  # fmt: skip
        found(rows, f"code {code_id}")

    async def codes_sent(
        self, business: str, since: datetime, conversation_id: str = "", phone: str = ""
    ) -> int:
        sql = 'SELECT COUNT(*) AS n FROM "verification_code" WHERE "business" = {} '
        sql += 'AND "created_at" >= {}'
        args: list[Any] = [business, self._stamp(since)]
        if conversation_id:
            sql += ' AND "conversation_id" = {}'
            args.append(conversation_id)
        if phone:
            sql += ' AND "phone" = {}'
            args.append(phone)
        rows = await self._run(sql, *args)
        return int(rows[0]["n"])


class SqlStoreBase(SqlErasure, ABC):
    """The store methods (``engine.ports.Store`` and ``store.ports``) that are the same SQL
    on SQLite and PostgreSQL.

    Store-level reads see committed data only (also when called inside a transaction, as in
    the in-memory store); store-level writes are one short transaction each.
    """

    # what a subclass supplies

    @abstractmethod
    def _reading(self) -> AbstractAsyncContextManager[Link]:
        """A connection outside any transaction: each statement sees the last commit."""

    @abstractmethod
    def _writing(self) -> AbstractAsyncContextManager[Link]:
        """A connection for a store-level write, committed when the block ends."""

    @abstractmethod
    def transaction(self, business: str, conversation_key: str) -> AbstractAsyncContextManager[Tx]:
        """A turn's transaction, holding the per-conversation lock."""

    @abstractmethod
    async def claim_outbox(
        self, now: datetime, limit: int, kinds: Sequence[str] | None = None
    ) -> list[OutboxRow]: ...

    @abstractmethod
    async def migrate(self) -> None: ...

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def close(self) -> None: ...

    # shared

    async def _read(self, sql: str, *args: Any) -> Rows:
        async with self._reading() as link:
            return await link.run(sql, *args)

    async def record_inbound(self, event: InboundEvent) -> bool:
        e = event
        async with self._writing() as link:
            rows = await link.run(
                'INSERT INTO "inbound_event" ("business", "channel", "sender", '
                '"provider_msg_id", "text", "payload", "received_at", "lang_hint", '
                '"customer_phone") VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) '
                'ON CONFLICT ("business", "provider_msg_id") DO NOTHING RETURNING "id"',
                e.business, e.channel, e.sender, e.provider_msg_id, e.text, dumps(e.payload),
                link.stamp(e.received_at), e.lang_hint, e.customer_phone,
            )  # fmt: skip
        return bool(rows)

    async def save_dropped(self, burst: DroppedBurst) -> None:
        b = burst
        async with self._writing() as link:
            await link.run(
                'INSERT INTO "dropped_burst" ("id", "business", "channel", "budget", "sender", '
                '"provider_msg_id", "text", "messages", "first_at", "last_at") '
                "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
                'ON CONFLICT ("id") DO UPDATE SET "messages" = excluded."messages", '
                '"last_at" = excluded."last_at"',
                b.id, b.business, b.channel, b.budget, b.sender, b.provider_msg_id, b.text,
                b.count, link.stamp(b.first_at), link.stamp(b.last_at),
            )  # fmt: skip

    async def list_dropped(self, business: str) -> list[DroppedBurst]:
        rows = await self._read(
            'SELECT * FROM "dropped_burst" WHERE "business" = {} ORDER BY "first_at", "id"',
            business,
        )
        return [record.dropped(row) for row in rows]

    async def turn_for(self, business: str, provider_msg_id: str) -> StoredTurn | None:
        if not provider_msg_id:
            return None
        rows = await self._read(
            'SELECT t.* FROM "turn" AS t JOIN "conversation" AS c ON c."id" = t."conversation_id" '
            'WHERE c."business" = {} AND t."provider_msg_id" = {} ORDER BY t."id" LIMIT 1',
            business, provider_msg_id,
        )  # fmt: skip
        return record.turn(rows[0]) if rows else None

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

    async def outbox_depth(self, statuses: Sequence[str]) -> dict[str, int]:
        depth = dict.fromkeys(statuses, 0)
        if statuses:
            rows = await self._read(
                'SELECT "status", COUNT(*) AS "rows" FROM "outbox" WHERE "status" IN '
                + one_of(statuses)
                + ' GROUP BY "status"',
                *statuses,
            )
            depth.update((r["status"], int(r["rows"])) for r in rows)
        return depth

    async def mark_outbox(
        self, row_id: str, status: str, attempts: int, next_attempt_at: datetime, error: str
    ) -> None:
        if status not in OUTBOX_STATUSES:
            raise ValueError(f"unknown outbox status {status!r}")
        async with self._writing() as link:
            rows = await link.run(
                'UPDATE "outbox" SET "status" = {}, "attempts" = {}, "next_attempt_at" = {}, '
                '"last_error" = {} WHERE "id" = {} RETURNING "id", "payload"',
                status, attempts, link.stamp(next_attempt_at), error, row_id,
            )  # fmt: skip
            found(rows, f"outbox row {row_id}")
            blanked = spent(loads(rows[0]["payload"]), status)
            if blanked is not None:  # a secret (a one-time code) is not kept once delivered
                await link.run(
                    'UPDATE "outbox" SET "payload" = {} WHERE "id" = {}', dumps(blanked), row_id
                )

    async def requeue_outbox(self, row_id: str | None, dead: bool, now: datetime) -> int:
        """Send again: one pending or dead row by id, or (``dead=True``) every dead row.

        The rows become pending with no attempts, due at ``now``; ``last_error`` is kept.
        A sent row is refused (``ValueError``), an unknown id is ``RecordNotFound``. Returns
        how many rows were re-queued. A pending row still leased by a drainer may then be
        sent twice; receivers deduplicate by the idempotency key.
        """
        requeue_arguments(row_id, dead)
        set_pending = (
            'UPDATE "outbox" SET "status" = \'pending\', "attempts" = 0, "next_attempt_at" = {} '
        )
        async with self._writing() as link:
            if row_id is None:
                rows = await link.run(
                    set_pending + 'WHERE "status" = \'dead\' RETURNING "id"', link.stamp(now)
                )
                return len(rows)
            rows = await link.run(
                set_pending + 'WHERE "id" = {} AND "status" <> \'sent\' RETURNING "id"',
                link.stamp(now), row_id,
            )  # fmt: skip
            if not rows:
                status = await link.run('SELECT "status" FROM "outbox" WHERE "id" = {}', row_id)
                found(status, f"outbox row {row_id}")
                raise ValueError(requeue_sent_message(row_id))
        return len(rows)

    async def unanswered_inbound(self, before: datetime, limit: int) -> list[InboundEvent]:
        """Recorded events received before ``before`` with no committed turn (their worker
        died mid-turn), oldest first, at most ``limit``."""
        if limit <= 0:
            return []
        async with self._reading() as link:
            rows = await link.run(
                'SELECT e.* FROM "inbound_event" AS e WHERE e."received_at" < {} '
                'AND NOT EXISTS (SELECT 1 FROM "turn" AS t JOIN "conversation" AS c '
                'ON c."id" = t."conversation_id" WHERE c."business" = e."business" '
                'AND t."provider_msg_id" = e."provider_msg_id") '
                'ORDER BY e."received_at", e."id" LIMIT {}',
                link.stamp(before), limit,
            )  # fmt: skip
        return [record.inbound(r) for r in rows]

    async def inbound_events(self, business: str | None = None) -> list[InboundEvent]:
        if business is None:
            rows = await self._read('SELECT * FROM "inbound_event" ORDER BY "received_at", "id"')
        else:
            rows = await self._read(
                'SELECT * FROM "inbound_event" WHERE "business" = {} ORDER BY "received_at", "id"',
                business,
            )
        return [record.inbound(r) for r in rows]


def requeue_arguments(row_id: str | None, dead: bool) -> None:
    """Exactly one of a row id and ``dead=True``."""
    if (row_id is None) == (not dead):
        raise ValueError("requeue_outbox takes either a row id or dead=True, not both or neither")


def requeue_sent_message(row_id: str) -> str:
    return f"outbox row {row_id} was sent already; only pending or dead rows can be re-queued"
