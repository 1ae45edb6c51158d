"""Retention and the right to erasure on SQLite and PostgreSQL: the store's side of
:class:`store.ports.Privacy`, written once for both databases (see ``store.sql``).

Each method is one short write transaction (or a read). What is erased and why is decided
at the edge (``adapters.privacy``); the store only deletes rows, blanks columns and puts
tombstones (``engine.audit.tombstone``) in the place of turn records, keeping their hashes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from engine.ports import CodeRow, Customer, StoredTurn
from store import rows as record
from store.codec import dumps

__all__ = ["SqlErasure"]

Rows = list[dict[str, Any]]


async def _delete(link: Any, table: str, business: str, where: str, *args: Any) -> int:
    """Delete ``business``'s rows of ``table`` that match ``where`` (its ``{}`` take
    ``args``); how many. ``table`` and ``where`` are this module's constants, never input."""
    rows = await link.run(
        f'DELETE FROM "{table}" WHERE "business" = {{}} AND {where} RETURNING "id"',
        business,
        *args,
    )
    return len(rows)


class SqlErasure(ABC):
    """Mixed into ``store.sql.SqlStoreBase``."""

    @abstractmethod
    def _writing(self) -> AbstractAsyncContextManager[Any]: ...

    @abstractmethod
    def _reading(self) -> AbstractAsyncContextManager[Any]: ...

    async def _read(self, sql: str, *args: Any) -> Rows:
        async with self._reading() as link:
            rows: Rows = await link.run(sql, *args)
        return rows

    async def turns_to_erase(self, business: str, before: datetime) -> list[StoredTurn]:
        async with self._reading() as link:
            rows = await link.run(
                'SELECT t.* FROM "turn" AS t JOIN "conversation" AS c '
                'ON c."id" = t."conversation_id" WHERE c."business" = {} '
                'AND t."created_at" < {} AND t."erased_at" IS NULL '
                'ORDER BY t."conversation_id", t."seq"',
                business, link.stamp(before),
            )  # fmt: skip
        return [record.turn(r) for r in rows]

    async def erase_turns(self, erased: Sequence[StoredTurn], at: datetime) -> int:
        count = 0
        async with self._writing() as link:
            for t in erased:
                rows = await link.run(
                    'UPDATE "turn" SET "record" = {}, "provider_msg_id" = \'\', '
                    '"erased_at" = {} WHERE "conversation_id" = {} AND "seq" = {} '
                    'AND "hash" = {} AND "erased_at" IS NULL RETURNING "id"',
                    dumps(t.record), link.stamp(at), t.conversation_id, t.seq, t.hash,
                )  # fmt: skip
                count += len(rows)
        return count

    async def delete_inbound(
        self,
        business: str,
        before: datetime | None = None,
        senders: Sequence[tuple[str, str]] = (),
        phone: str = "",
    ) -> int:
        count = 0
        async with self._writing() as link:
            if before is not None:
                count += await _delete(
                    link, "inbound_event", business, '"received_at" < {}', link.stamp(before)
                )
            for channel, sender in senders:
                count += await _delete(
                    link,
                    "inbound_event",
                    business,
                    '"channel" = {} AND "sender" = {}',
                    channel,
                    sender,
                )
            if phone:
                count += await _delete(
                    link, "inbound_event", business, '"customer_phone" = {}', phone
                )
        return count

    async def delete_dropped(
        self, business: str, before: datetime | None = None, senders: Sequence[tuple[str, str]] = ()
    ) -> int:
        count = 0
        async with self._writing() as link:
            if before is not None:
                count += await _delete(
                    link, "dropped_burst", business, '"last_at" < {}', link.stamp(before)
                )
            for channel, sender in senders:
                count += await _delete(
                    link,
                    "dropped_burst",
                    business,
                    '"channel" = {} AND "sender" = {}',
                    channel,
                    sender,
                )
        return count

    async def list_codes(self, business: str) -> list[CodeRow]:
        rows = await self._read(
            'SELECT * FROM "verification_code" WHERE "business" = {} ORDER BY "created_at", "id"',
            business,
        )
        return [record.code(r) for r in rows]

    async def delete_codes(
        self, business: str, before: datetime | None = None, phone: str = ""
    ) -> int:
        count = 0
        async with self._writing() as link:
            if before is not None:
                count += await _delete(
                    link, "verification_code", business, '"expires_at" < {}', link.stamp(before)
                )
            if phone:
                count += await _delete(link, "verification_code", business, '"phone" = {}', phone)
        return count

    async def delete_messages(
        self, business: str, before: datetime | None = None, ids: Sequence[str] = ()
    ) -> int:
        count = 0
        async with self._writing() as link:
            if before is not None:
                count += await _delete(
                    link, "message", business, '"created_at" < {}', link.stamp(before)
                )
            for i in ids:
                count += await _delete(link, "message", business, '"id" = {}', i)
        return count

    async def delete_outbox(
        self, business: str, before: datetime | None = None, ids: Sequence[str] = ()
    ) -> int:
        """Sent or dead rows due before ``before``, and the rows ``ids`` (any status)."""
        count = 0
        async with self._writing() as link:
            if before is not None:
                count += await _delete(
                    link,
                    "outbox",
                    business,
                    '"status" <> \'pending\' AND "next_attempt_at" < {}',
                    link.stamp(before),
                )
            for i in ids:
                count += await _delete(link, "outbox", business, '"id" = {}', i)
        return count

    async def delete_escalations(
        self, business: str, before: datetime | None = None, conversation_ids: Sequence[str] = ()
    ) -> int:
        count = 0
        async with self._writing() as link:
            if before is not None:
                count += await _delete(
                    link, "escalation", business, '"created_at" < {}', link.stamp(before)
                )
            for cid in conversation_ids:
                count += await _delete(link, "escalation", business, '"conversation_id" = {}', cid)
        return count

    async def anonymise_conversation(self, conversation_id: str) -> bool:
        async with self._writing() as link:
            rows = await link.run(
                'UPDATE "conversation" SET "sender" = {}, "state" = {} '
                'WHERE "id" = {} AND "sender" <> {} RETURNING "id"',
                f"erased:{conversation_id}", dumps({}), conversation_id,
                f"erased:{conversation_id}",
            )  # fmt: skip
        return bool(rows)

    async def list_customers(self, business: str) -> list[Customer]:
        rows = await self._read(
            'SELECT * FROM "customer" WHERE "business" = {} ORDER BY "phone", "id"', business
        )
        return [record.customer(r) for r in rows]

    async def forget_customer(self, business: str, customer_id: str, phone: str) -> bool:
        """Delete the customer row; their appointments keep the booking, not the person."""
        async with self._writing() as link:
            await link.run(
                'UPDATE "appointment" SET "customer_name" = \'\', "customer_phone" = \'\' '
                'WHERE "business" = {} AND (("customer_id" = {} AND "customer_id" <> \'\') '
                'OR ("customer_phone" = {} AND "customer_phone" <> \'\'))',
                business, customer_id, phone,
            )  # fmt: skip
            rows = await link.run(
                'DELETE FROM "customer" WHERE "business" = {} AND "id" = {} RETURNING "id"',
                business, customer_id,
            )  # fmt: skip
        return bool(rows)
