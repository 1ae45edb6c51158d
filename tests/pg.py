"""PostgreSQL for tests: which server, whether to skip, and a fresh schema per test.

- ``FRONTDESK_TEST_PG`` names the server (a DSN). Unset, :data:`DEFAULT_DSN` is tried.
- When the server does not answer, tests that need it are skipped with the reason —
  unless PostgreSQL was asked for: ``FRONTDESK_TEST_PG`` is set, or ``CI=true``. Then they
  fail, so a CI run can never pass by skipping the PostgreSQL half.
- Every test gets its own schema (``t_<uuid hex>``), dropped with CASCADE afterwards, so
  tests never see each other's rows and need no cleanup of their own.

Use :func:`fresh_pg_store` for a migrated store, :func:`fresh_pg_schema` for a schema that
several stores (standing in for several processes) open themselves, :func:`need_pg` in a
test or fixture that only needs the DSN.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest

from store.postgres import PgStore, redacted

__all__ = [
    "DEFAULT_DSN",
    "drop_schema",
    "fresh_pg_schema",
    "fresh_pg_store",
    "need_pg",
    "pg_dsn",
    "pg_required",
    "pg_unavailable",
]

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"
PROBE_TIMEOUT = 3.0  # seconds to wait for the server to answer


def _configured() -> str:
    return os.environ.get("FRONTDESK_TEST_PG", "").strip() or DEFAULT_DSN


def pg_required() -> bool:
    """Whether an unreachable PostgreSQL fails the tests instead of skipping them."""
    return bool(os.environ.get("FRONTDESK_TEST_PG", "").strip()) or (
        os.environ.get("CI", "").strip().lower() == "true"
    )


@functools.cache
def _probe(dsn: str) -> str | None:
    """None when the server answers ``SELECT 1``, else why not (probed once per process).

    Runs in its own thread with its own event loop, so it works from sync code and from
    inside a running loop alike.
    """
    outcome: list[str | None] = []

    async def ask() -> None:
        connection = await asyncpg.connect(dsn, timeout=PROBE_TIMEOUT)
        try:
            await connection.fetchval("SELECT 1")
        finally:
            await connection.close()

    def probe() -> None:
        try:
            asyncio.run(ask())
            outcome.append(None)
        except Exception as e:  # any failure is the answer "not usable"
            outcome.append(" ".join(f"{type(e).__name__}: {e}".split()))

    thread = threading.Thread(target=probe, name="pg-probe")
    thread.start()
    thread.join()
    return outcome[0]


def pg_unavailable() -> str | None:
    """Why the test PostgreSQL cannot be used, or None when it answers."""
    reason = _probe(_configured())
    if reason is None:
        return None
    return f"PostgreSQL at {redacted(_configured())} does not answer ({reason})"


def pg_dsn() -> str | None:
    """The DSN of the test PostgreSQL when it answers, else None."""
    return None if pg_unavailable() else _configured()


def need_pg() -> str:
    """The DSN, or skip the calling test (fail it when PostgreSQL is required)."""
    reason = pg_unavailable()
    if reason is None:
        return _configured()
    if pg_required():
        pytest.fail(f"{reason}; it is required (FRONTDESK_TEST_PG is set or CI=true)")
    pytest.skip(f"{reason}; set FRONTDESK_TEST_PG to a reachable DSN to run this test")


async def drop_schema(dsn: str, schema: str) -> None:
    """Drop a test schema and everything in it."""
    connection = await asyncpg.connect(dsn, timeout=PROBE_TIMEOUT)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_pg_schema() -> AsyncIterator[tuple[str, str]]:
    """``(dsn, schema)`` of a new schema name, not created (``PgStore.migrate`` creates it);
    dropped with CASCADE afterwards. Skips or fails as :func:`need_pg` says."""
    dsn = need_pg()
    schema = f"t_{uuid.uuid4().hex}"
    try:
        yield dsn, schema
    finally:
        await drop_schema(dsn, schema)


@asynccontextmanager
async def fresh_pg_store(*, migrate: bool = True, **options: Any) -> AsyncIterator[PgStore]:
    """A :class:`PgStore` on a fresh schema, migrated unless ``migrate=False``; closed and
    its schema dropped afterwards. ``options`` go to ``PgStore`` (``max_size``, ...)."""
    async with fresh_pg_schema() as (dsn, schema):
        store = PgStore(dsn, schema=schema, **options)
        try:
            if migrate:
                await store.migrate()
            yield store
        finally:
            await store.close()
