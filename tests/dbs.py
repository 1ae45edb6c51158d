"""The database a test runs on: SQLite by default, PostgreSQL when the suite is run again
with ``FRONTDESK_TEST_DB=postgresql`` (``scripts/test.sh`` does both).

:func:`database_url` hands a test the URL of a fresh, empty database — a file in the
test's temporary directory, or a new PostgreSQL database created for the test and dropped
after it — so tests that start ``frontdesk`` processes or open the app by URL run
unchanged on both. On PostgreSQL the server is ``FRONTDESK_TEST_PG`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``); when it does not answer, the test
fails with the reason rather than quietly running on SQLite.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def kind() -> str:
    """``sqlite`` or ``postgresql``: which database this run of the suite is about."""
    chosen = os.environ.get("FRONTDESK_TEST_DB", "sqlite").strip().lower() or "sqlite"
    if chosen not in ("sqlite", "postgresql"):
        raise ValueError(f"FRONTDESK_TEST_DB must be sqlite or postgresql, not {chosen!r}")
    return chosen


def server_dsn() -> str:
    return os.environ.get("FRONTDESK_TEST_PG") or DEFAULT_PG


def _with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A new PostgreSQL database for one test; dropped (connections and all) afterwards."""
    import asyncpg

    name = f"fd_test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(_with_database(server_dsn(), "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _with_database(server_dsn(), name)
    finally:
        admin = await asyncpg.connect(_with_database(server_dsn(), "postgres"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def database_url(tmp_path: Path, which: str | None = None) -> AsyncIterator[str]:
    """The URL of a fresh database of this run's kind (or of ``which``)."""
    if (which or kind()) == "postgresql":
        async with fresh_postgres() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / f'fd-{uuid.uuid4().hex[:8]}.db'}"


@contextmanager
def database_url_sync(tmp_path: Path, which: str | None = None) -> Iterator[str]:
    """:func:`database_url` for synchronous fixtures (the command-line tests)."""
    if (which or kind()) != "postgresql":
        yield f"sqlite:///{tmp_path / f'fd-{uuid.uuid4().hex[:8]}.db'}"
        return
    # not fresh_postgres() across two event loops: closing the first loop would finalise
    # its suspended generator, dropping the database at once
    name = f"fd_test_{uuid.uuid4().hex[:16]}"
    admin = _with_database(server_dsn(), "postgres")
    run_sql(admin, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server_dsn(), name)
    finally:
        run_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_sql(url: str, sql: str, *args: object) -> str:
    """One statement on a PostgreSQL database, synchronously; its status ("UPDATE 1")."""
    import asyncpg

    async def go() -> str:
        conn = await asyncpg.connect(url)
        try:
            return str(await conn.execute(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(go())


def copy_postgres(url: str, name: str) -> str:
    """A copy of a PostgreSQL database nobody is connected to (``CREATE DATABASE ...
    TEMPLATE``); the copy's URL. The caller drops it."""
    source = urlsplit(url).path.lstrip("/")
    run_sql(
        _with_database(server_dsn(), "postgres"), f'CREATE DATABASE "{name}" TEMPLATE "{source}"'
    )
    return _with_database(server_dsn(), name)


__all__ = [
    "DEFAULT_PG",
    "copy_postgres",
    "database_url",
    "database_url_sync",
    "fresh_postgres",
    "kind",
    "run_sql",
    "server_dsn",
]
