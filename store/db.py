"""The SQLite connection layer: one file, one write connection, one read connection.

piccolo's ``SQLiteEngine`` supplies the connections (its kwargs, dict rows) and
:class:`~piccolo.querystring.QueryString` compiles our ``{}`` placeholders to ``?``.
:class:`SqliteLink` is a connection as the shared SQL of ``store.sql`` uses it; the
PostgreSQL counterpart is ``store.postgres.PgLink``. We do not use piccolo's transactions:
they open a new connection — a new thread under aiosqlite — per transaction and per query
outside one (about 20 ms per write transaction against 0.4 ms here), start ``DEFERRED``,
travel in a ``ContextVar`` that child tasks inherit, and leave the connection open when
``BEGIN`` or ``COMMIT`` fails.

- **One writer.** SQLite allows one writer per file. :meth:`Database.write` holds an
  ``asyncio.Lock`` (one writer per process, no busy-waiting in the event loop) and runs
  ``BEGIN IMMEDIATE`` (the file's write lock is taken up front, so another process waits
  through the busy timeout instead of failing when a read would upgrade to a write).
- **Busy timeout** is ``sqlite3.connect(timeout=...)``, passed through piccolo's kwargs.
- **Reads** outside a transaction use the read connection in autocommit mode: in WAL mode
  each statement sees the last commit and never waits for the writer.
- **Errors** from the driver are translated here, once: the trigger's ``slot_taken`` to
  :class:`engine.ports.SlotTaken`, other constraint failures to ``DuplicateRecord``, the
  rest to ``StoreError``. A failed statement undoes only itself (SQLite's ``ABORT``), so a
  refused write needs no savepoint: ``SqliteLink.guarded`` is ``run``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Any

from aiosqlite import Connection
from piccolo.engine.sqlite import SQLiteEngine

from engine.ports import SlotTaken
from store.codec import to_stamp
from store.errors import DuplicateRecord, StoreError
from store.sql import compiled

__all__ = ["SLOT_TAKEN", "Database", "SqliteLink", "fetch", "script", "translated"]

SLOT_TAKEN = "slot_taken"  # the message of the double-booking trigger's RAISE(ABORT, ...)


@contextmanager
def translated() -> Iterator[None]:
    """Turn a driver error into ours, keeping the original as the cause."""
    try:
        yield
    except sqlite3.IntegrityError as e:
        if SLOT_TAKEN in str(e):
            raise SlotTaken("the staff member is already booked at that time") from e
        raise DuplicateRecord(str(e)) from e
    except sqlite3.Error as e:
        raise StoreError(f"database error: {e}") from e


async def fetch(connection: Connection, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one parameterised statement (``{}`` placeholders, no literal braces); its rows."""
    text, params = compiled(sql, args, "sqlite")
    with translated():
        rows = await connection.execute_fetchall(text, params)
    return list(rows)  # type: ignore[arg-type]  # piccolo's row factory makes dicts


async def script(connection: Connection, sql: str) -> None:
    """Run one statement without parameters (DDL, PRAGMA); braces are allowed here."""
    with translated():
        await connection.execute_fetchall(sql)


class SqliteLink:
    """A SQLite connection as ``store.sql`` uses it: ``?`` placeholders, stamps as text."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    async def run(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return await fetch(self.connection, sql, *args)

    async def guarded(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return await fetch(self.connection, sql, *args)  # a failed statement undoes itself

    def stamp(self, moment: datetime) -> str:
        return to_stamp(moment)


class Database:
    """One SQLite file. Open lazily, :meth:`close` when done (aiosqlite threads are not daemons)."""

    def __init__(self, path: str, busy_timeout: float) -> None:
        self.engine = SQLiteEngine(path=path, timeout=busy_timeout)
        self._busy_timeout = busy_timeout
        self._write_lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()
        self._connections: dict[str, Connection] = {}  # "reader", "writer"; opened lazily
        self._writing: asyncio.Task[Any] | None = None

    async def _connection(self, role: str) -> Connection:
        async with self._open_lock:
            if role not in self._connections:
                with translated():
                    self._connections[role] = await self.engine.get_connection()
            return self._connections[role]

    async def reader(self) -> Connection:
        """The connection for statements outside any transaction: they see committed data."""
        return await self._connection("reader")

    async def read(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """A statement outside any transaction: it sees committed data only."""
        return await fetch(await self.reader(), sql, *args)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        """The write transaction: lock, ``BEGIN IMMEDIATE``, commit, or roll back on error."""
        if self._writing is not None and self._writing is asyncio.current_task():
            raise StoreError(
                "this task already holds the write transaction: inside store.transaction() "
                "use the Tx, not the Store's writing methods"
            )
        async with self._write_lock:
            connection = await self._connection("writer")
            await script(connection, "BEGIN IMMEDIATE")
            self._writing = asyncio.current_task()
            try:
                yield connection
            except BaseException:
                await self._rollback(connection)
                raise
            finally:
                self._writing = None
            try:
                await script(connection, "COMMIT")
            except StoreError:
                await self._rollback(connection)
                raise

    async def use_wal(self) -> None:
        """Switch the file to write-ahead logging (it stays so; not inside a transaction).

        When several processes open a fresh file at once, SQLite may refuse the switch with
        "database is locked" at once, without waiting through the busy timeout (it does so
        when waiting could deadlock); the switch is then tried again until the timeout.
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self._busy_timeout
        async with self._write_lock:
            connection = await self._connection("writer")
            while True:
                try:
                    await script(connection, "PRAGMA journal_mode=WAL")
                    return
                except StoreError as e:
                    if "locked" not in str(e) or loop.time() >= give_up:
                        raise
                await asyncio.sleep(0.01)

    @staticmethod
    async def _rollback(connection: Connection) -> None:
        if connection.in_transaction:  # some errors end the transaction themselves
            await script(connection, "ROLLBACK")

    async def close(self) -> None:
        async with self._write_lock, self._open_lock:
            connections, self._connections = self._connections, {}
            for connection in connections.values():
                await connection.close()
