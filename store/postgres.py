"""The PostgreSQL store (:class:`~store.ports.Storage`): an asyncpg pool and the shared SQL.

The statements are those of ``store.sql`` (compiled to ``$n`` placeholders by piccolo's
``QueryString``); this module adds what is PostgreSQL's own:

- **Connections.** One asyncpg pool (``min_size``/``max_size``), opened by :meth:`open` or
  on first use, closed by :meth:`close`. With ``schema=...`` every pooled connection gets
  ``search_path = "<schema>", public`` at connect time, and :meth:`migrate` creates the
  schema (the tests use a fresh schema per test).
- **Transactions.** :meth:`PgStore.transaction` acquires a connection (transactions hold
  at most ``max_size - 1``: one is kept for store-level reads and writes, which a turn may
  make while its transaction runs), begins, and takes
  ``pg_advisory_xact_lock(k)`` with ``k`` a stable 64-bit hash of (schema, business,
  conversation key): one conversation's turns are serialised across any number of
  processes, different conversations run in parallel, and the lock ends with the
  transaction. Within one process the turns of a conversation first queue on their own
  ``asyncio.Lock`` (an ``engine.locks.KeyedLock``: first come, first served, and a waiting
  turn holds no pooled connection); the advisory lock then only orders processes.
- **Refused writes.** PostgreSQL aborts the whole transaction on any error, so the writes a
  constraint may refuse (``SqlTx`` calls them through ``Link.guarded``) run inside a
  SAVEPOINT of their own: an overlap becomes
  :class:`engine.ports.SlotTaken` and the turn's transaction goes on.
- **Errors.** ``ExclusionViolationError`` -> ``SlotTaken``, ``UniqueViolationError`` ->
  ``DuplicateRecord``, every other driver or connection error -> ``StoreError``; the
  driver's error is the ``__cause__``.
- **Outbox claim.** One ``UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)``: drainers
  in several processes never claim the same row and never wait for each other.
- Store-level writes (``record_inbound``, ``mark_outbox``, ...) are single statements in
  autocommit; store-level reads use another pooled connection, so they see committed data
  only.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg import Connection, Pool

from engine.locks import KeyedLock
from engine.ports import OutboxRow, SlotTaken
from store import migrations_pg
from store import rows as record
from store.codec import utc
from store.errors import DuplicateRecord, StoreError
from store.sql import SqlStoreBase, SqlTx, compiled, one_of

__all__ = ["SCHEMES", "PgLink", "PgStore", "conversation_lock_key", "redacted", "translated"]

SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")

# a guarded write that loses a deadlock is tried again until this many seconds have passed
# since its first try (a count gave up too early when many transactions raced on a busy host)
_DEADLOCK_PATIENCE_S = 15.0
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

# What connecting can raise: refused or unknown host (OSError), timeout, a bad DSN
# (ValueError, asyncpg's ClientConfigurationError), the server saying no (PostgresError).
_CONNECT_ERRORS = (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def _keep_session(connection: Connection) -> None:
    """The pool's reset on release, instead of asyncpg's ``SELECT pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL``: a round trip per use of a connection, for session
    state the store never creates (it sets no settings after connect, opens no cursors,
    listens to nothing, takes only transaction-level advisory locks in the pool; migrations
    run on a connection of their own). asyncpg still rolls back an open transaction first.
    """


@contextmanager
def translated() -> Iterator[None]:
    """Turn a driver error into ours, keeping the original as the cause."""
    try:
        yield
    except asyncpg.exceptions.ExclusionViolationError as e:
        raise SlotTaken("the staff member is already booked at that time") from e
    except asyncpg.exceptions.UniqueViolationError as e:
        raise DuplicateRecord(_one_line(e)) from e
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as e:
        raise StoreError(f"database error: {_one_line(e)}") from e


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def redacted(dsn: str) -> str:
    """The DSN without its password (in the user part or a ``password=`` parameter)."""
    try:
        parts = urlsplit(dsn)
        if parts.password is not None:
            user, _, host = parts.netloc.rpartition("@")
            parts = parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}")
        if "password=" in parts.query:
            query = re.sub(r"(^|&)password=[^&]*", r"\1password=***", parts.query)
            parts = parts._replace(query=query)
        return urlunsplit(parts)
    except ValueError:
        return "<unparsable URL>"


def conversation_lock_key(schema: str | None, business: str, conversation_key: str) -> int:
    """The advisory-lock key of a conversation: a stable signed 64-bit hash (blake2b).

    Stable across processes and runs (Python's ``hash()`` of a str is salted per process).
    The schema is part of it, so stores in different schemas of one database never wait
    for each other; a collision only makes two conversations take turns.
    """
    text = json.dumps([schema or "", business, conversation_key])
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PgLink:
    """An asyncpg connection as ``store.sql`` uses it: ``$n`` placeholders, datetime stamps."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    async def run(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """One statement (``{}`` placeholders, no literal braces); its rows as dicts."""
        text, params = compiled(sql, args, "postgres")
        with translated():
            found = await self.connection.fetch(text, *params)
        return [dict(row) for row in found]

    async def guarded(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """:meth:`run` inside a SAVEPOINT: a refused write leaves the transaction usable.
        (Only a turn's transaction guards its writes: ``SqlTx`` exists only inside one.)

        Two transactions inserting overlapping bookings at the same moment each find the
        other's uncommitted row while checking the exclusion constraint and wait for each
        other; PostgreSQL breaks the deadlock after ``deadlock_timeout`` (1 s by default) by
        failing one. The failed statement is rolled back to its savepoint and tried again:
        it then waits for the other transaction and is refused (``SlotTaken``) if that one
        commits, or succeeds if it rolls back.
        """
        text, params = compiled(sql, args, "postgres")
        give_up = time.monotonic() + _DEADLOCK_PATIENCE_S
        with translated():
            while True:
                await self.connection.execute("SAVEPOINT guarded")
                try:
                    rows = await self.connection.fetch(text, *params)
                except BaseException as e:
                    with suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                        await self.connection.execute("ROLLBACK TO SAVEPOINT guarded")
                    if (
                        isinstance(e, asyncpg.exceptions.DeadlockDetectedError)
                        and time.monotonic() < give_up
                    ):
                        continue
                    raise
                await self.connection.execute("RELEASE SAVEPOINT guarded")
                return [dict(row) for row in rows]

    def stamp(self, moment: datetime) -> datetime:
        return utc(moment)  # for timestamptz; naive datetimes are refused


class PgStore(SqlStoreBase):
    """The store on PostgreSQL. ``await open()`` (or first use) connects; call
    :meth:`migrate` once before use; :meth:`close` closes the pool.

    ``dsn``: ``postgresql://user:password@host:port/database`` (``postgres://`` and
    ``postgresql+asyncpg://`` are accepted). ``schema``: keep the tables in this schema
    (created by :meth:`migrate`) instead of the connection's default.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 10,
        connect_timeout: float = 10.0,
        outbox_lease: timedelta = timedelta(seconds=60),
    ) -> None:
        scheme, sep, rest = dsn.partition("://")
        if not sep or scheme.lower() not in SCHEMES:
            raise StoreError(f"not a PostgreSQL URL: {redacted(dsn)!r}")
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"bad schema name {schema!r}: letters, digits and _ only")
        if not 1 <= min_size <= max_size or max_size < 2:
            raise ValueError("the pool needs 1 <= min_size <= max_size and max_size >= 2")
        self.dsn = f"postgresql://{rest}"
        self.schema = schema
        self._sizes = (min_size, max_size)
        self._connect_timeout = connect_timeout
        self._lease = outbox_lease
        self._pool: Pool | None = None
        self._open_lock = asyncio.Lock()
        self._turns: KeyedLock[int] = KeyedLock()  # this process's queue per conversation
        # A turn may call the store's own reads and writes while its transaction holds a
        # connection (the desk looks up the turn of a duplicate event under the lock): with
        # every connection held by a transaction those would wait forever. So transactions
        # get at most max_size - 1 connections; one is always left for the short ones.
        self._transactions = asyncio.Semaphore(max_size - 1)

    def __repr__(self) -> str:
        return f"PgStore({redacted(self.dsn)!r}, schema={self.schema!r})"

    # connections

    async def open(self) -> None:
        """Open the pool now (``StoreError`` with a one-line reason if that fails)."""
        await self._ready()

    def _settings(self) -> dict[str, str]:
        settings = {"application_name": "frontdesk"}
        if self.schema is not None:
            settings["search_path"] = f'"{self.schema}", public'
        return settings

    def _cannot_connect(self, error: BaseException) -> StoreError:
        return StoreError(
            f"cannot connect to PostgreSQL at {redacted(self.dsn)}: {_one_line(error)}"
        )

    async def _ready(self) -> Pool:
        async with self._open_lock:
            if self._pool is None:
                min_size, max_size = self._sizes
                try:
                    self._pool = await asyncpg.create_pool(
                        self.dsn, min_size=min_size, max_size=max_size,
                        timeout=self._connect_timeout, server_settings=self._settings(),
                        reset=_keep_session,
                    )  # fmt: skip
                except _CONNECT_ERRORS as e:
                    raise self._cannot_connect(e) from e
            return self._pool

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        pool = await self._ready()
        with translated():
            connection = await pool.acquire()
        try:
            yield connection
        finally:
            with translated():
                await pool.release(connection)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[PgLink]:
        async with self._connection() as connection:
            yield PgLink(connection)

    _writing = _reading  # one statement each, in autocommit

    async def close(self) -> None:
        """Close the pool (waits for connections in use); it reopens if used afterwards."""
        async with self._open_lock:
            pool, self._pool = self._pool, None
            if pool is not None:
                await pool.close()

    # schema

    async def migrate(self) -> None:
        """Apply the pending migrations (on a connection of its own: the migration lock is
        session-level, and pooled connections are handed on without a reset)."""
        pool = await self._ready()
        try:
            connection = await asyncpg.connect(
                self.dsn, timeout=self._connect_timeout, server_settings=self._settings()
            )
        except _CONNECT_ERRORS as e:
            raise self._cannot_connect(e) from e
        try:
            with translated():
                applied = await migrations_pg.migrate(connection, self.schema)
        finally:
            with suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                await connection.close()
        if applied:  # pooled connections may hold prepared statements of the old schema
            await pool.expire_connections()

    async def schema_version(self) -> int:
        async with self._connection() as connection:
            with translated():
                return await migrations_pg.current_version(connection, self.schema)

    # transactions

    @asynccontextmanager
    async def transaction(self, business: str, conversation_key: str) -> AsyncIterator[SqlTx]:
        key = conversation_lock_key(self.schema, business, conversation_key)
        async with self._turns.hold(key), self._transactions, self._connection() as connection:
            tx = SqlTx(PgLink(connection))
            try:
                with translated():
                    # one round trip: BEGIN and the lock as one simple query (the key is
                    # our own integer, so it can be written into the text)
                    await connection.execute(f"BEGIN; SELECT pg_advisory_xact_lock({int(key)})")
                yield tx
            except BaseException:
                tx.close()
                # a broken connection cannot roll back: the server does, the pool replaces it
                # (and the pool rolls back a transaction still open on release)
                with suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                    await connection.execute("ROLLBACK")
                raise
            tx.close()
            with translated():
                await connection.execute("COMMIT")

    # the outbox

    async def claim_outbox(
        self, now: datetime, limit: int, kinds: Sequence[str] | None = None
    ) -> list[OutboxRow]:
        """Lease due pending rows: attempts+1 and hidden until ``now + outbox_lease``.

        One statement: the due rows are locked ``FOR UPDATE SKIP LOCKED``, so concurrent
        drainers get disjoint rows without waiting; a row another drainer has just leased
        fails the re-check of ``next_attempt_at <= now`` and is skipped too. Returned in due
        order (``next_attempt_at``, id, as they were before the lease).
        """
        if limit <= 0 or (kinds is not None and not kinds):
            return []
        only = "" if kinds is None else (' AND "kind" IN ' + one_of(kinds))
        async with self._writing() as link:
            claimed = await link.run(
                'UPDATE "outbox" SET "attempts" = "outbox"."attempts" + 1, '
                '"next_attempt_at" = {} '
                'FROM (SELECT "id", "next_attempt_at" AS "due_at" FROM "outbox" '
                'WHERE "status" = \'pending\' AND "next_attempt_at" <= {}' + only + " "
                'ORDER BY "next_attempt_at", "id" LIMIT {} FOR UPDATE SKIP LOCKED) AS "due" '
                'WHERE "outbox"."id" = "due"."id" RETURNING "outbox".*, "due"."due_at"',
                link.stamp(now + self._lease), link.stamp(now), *(kinds or ()), limit,
            )  # fmt: skip
        claimed.sort(key=lambda r: (r["due_at"], r["id"]))
        return [record.outbox(r) for r in claimed]
