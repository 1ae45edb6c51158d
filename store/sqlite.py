"""The SQLite store (:class:`~store.ports.Storage`): one file, piccolo's engine, the shared SQL.

Why SQL rather than piccolo's query builder: piccolo binds each table class to one global
engine, while a process may hold several stores (tests, CLI tools); and the statements we
need — ``INSERT ... ON CONFLICT ... RETURNING``, partial-index upserts, leased claims — read
more plainly as SQL. The statements live in ``store.sql`` and run unchanged on PostgreSQL
(``store.postgres``); this module adds what is SQLite's own: the connections, the locking
and the outbox claim.

Transactions: SQLite has one writer per file, so the store has one write transaction at a
time (``store.db.Database.write``). That serialises every conversation's turns — more than
the port asks (one writer per conversation), which PostgreSQL does with an advisory lock
per ``(business, conversation_key)``. The store-level read methods see committed data
only, also when called inside a transaction, as in the in-memory store.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from engine.ports import OutboxRow
from store import migrations
from store import rows as record
from store.codec import to_stamp
from store.db import Database, SqliteLink, fetch
from store.sql import SqlStoreBase, SqlTx, one_of

__all__ = ["SqlStore"]


class SqlStore(SqlStoreBase):
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

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[SqliteLink]:
        yield SqliteLink(await self._db.reader())

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[SqliteLink]:
        async with self._db.write() as connection:
            yield SqliteLink(connection)

    @asynccontextmanager
    async def transaction(self, business: str, conversation_key: str) -> AsyncIterator[SqlTx]:
        async with self._db.write() as connection:
            tx = SqlTx(SqliteLink(connection))
            try:
                yield tx
            finally:
                tx.close()

    async def claim_outbox(
        self, now: datetime, limit: int, kinds: Sequence[str] | None = None
    ) -> list[OutboxRow]:
        """Lease due pending rows: attempts+1 and hidden until ``now + outbox_lease``.

        The lease stands for "in flight": a sender that dies mid-send leaves the row to be
        claimed again once the lease runs out. ``kinds`` limits the claim to the rows a
        drainer can send, so rows for other senders keep their attempts and their turn.
        The one writer makes the select-then-update safe against other drainers.
        """
        if limit <= 0 or (kinds is not None and not kinds):
            return []
        only = "" if kinds is None else (' AND "kind" IN ' + one_of(kinds))
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
