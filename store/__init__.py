"""Persistence: piccolo tables, migrations and the SQL implementation of ``engine.ports.Store``.

SQLite is the embedded default; PostgreSQL is planned (the SQL is kept portable and the
migrations note what differs). :func:`open_store` turns a database URL into a store.
"""

from __future__ import annotations

from engine.ports import Store
from store.errors import DuplicateRecord, RecordNotFound, StoreError, TransactionClosed
from store.sqlite import SqlStore

__all__ = [
    "DEFAULT_PATH",
    "DuplicateRecord",
    "RecordNotFound",
    "SqlStore",
    "StoreError",
    "TransactionClosed",
    "open_store",
]

DEFAULT_PATH = "./frontdesk.db"


async def open_store(url: str | None = None) -> Store:
    """The store for a URL; call ``await store.migrate()`` before use.

    Async because a PostgreSQL store will open its connection pool here.

    ``None`` is ``./frontdesk.db``; ``sqlite:///relative.db`` and ``sqlite:////abs.db``
    follow the usual URL convention; a string without a scheme is a file path.
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
    elif scheme.lower() in ("postgres", "postgresql", "postgresql+asyncpg"):
        raise StoreError("PostgreSQL support is not available yet; use a SQLite URL or path")
    else:
        raise StoreError(f"unsupported database URL scheme {scheme!r}")
    if path == ":memory:":
        raise StoreError(
            "an in-memory SQLite database does not work here (the store's read and write "
            "connections would each see their own empty database); use "
            "engine.memory.MemoryStore"
        )
    return SqlStore(path)
