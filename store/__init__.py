"""Persistence: piccolo tables, migrations and the stores: ``engine.ports.Store`` and the
store-side ports of ``store.ports``, on SQLite, PostgreSQL and in memory.

SQLite is the embedded default (:class:`SqlStore`); PostgreSQL (:class:`PgStore`, asyncpg)
is for several server processes sharing one database. Both run the same SQL
(``store.sql``); what differs is the connection layer (``store.db`` / ``store.postgres``)
and the migrations (``store.migrations`` / ``store.migrations_pg``).
:func:`open_store` turns a database URL into a store.
"""

from __future__ import annotations

from store.errors import DuplicateRecord, RecordNotFound, StoreError, TransactionClosed
from store.ports import OutboxQueue, Records, Storage
from store.postgres import SCHEMES as PG_SCHEMES
from store.postgres import PgStore
from store.sqlite import SqlStore

__all__ = [
    "DEFAULT_PATH",
    "DuplicateRecord",
    "OutboxQueue",
    "PgStore",
    "RecordNotFound",
    "Records",
    "SqlStore",
    "Storage",
    "StoreError",
    "TransactionClosed",
    "open_store",
]

DEFAULT_PATH = "./frontdesk.db"


async def open_store(url: str | None = None) -> Storage:
    """The store for a URL; call ``await store.migrate()`` before use.

    ``None`` is ``./frontdesk.db``; ``sqlite:///relative.db`` and ``sqlite:////abs.db``
    follow the usual URL convention; a string without a scheme is a file path.
    ``postgresql://user:password@host:port/database`` (or ``postgres://``,
    ``postgresql+asyncpg://``) opens a :class:`PgStore` and its connection pool here, so an
    unreachable server is a :class:`StoreError` now, with a one-line reason.
    """
    if url is None or not url.strip():
        return SqlStore(DEFAULT_PATH)
    scheme, sep, rest = url.partition("://")
    if not sep:
        path = url
    elif scheme.lower() == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise StoreError(f"bad SQLite URL {url!r}: use sqlite:///path/to/file.db")
        path = rest[1:]
    elif scheme.lower() in PG_SCHEMES:
        store = PgStore(url)
        await store.open()
        return store
    else:
        raise StoreError(f"unsupported database URL scheme {scheme!r}")
    if path == ":memory:":
        raise StoreError(
            "an in-memory SQLite database does not work here (the store's read and write "
            "connections would each see their own empty database); use "
            "store.memory.MemoryStore"
        )
    return SqlStore(path)
