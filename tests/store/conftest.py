"""One ``store`` fixture, parametrised over every store implementation.

The contract tests run against each; a behaviour that differs between them is a bug in one.
The ``postgresql`` variant runs on a fresh schema per test and is skipped when PostgreSQL
does not answer (failed instead when it is required: see ``tests.pg``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from store import SqlStore
from store.memory import MemoryStore
from store.ports import Storage
from tests.pg import fresh_pg_store


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "postgresql":
        async with fresh_pg_store() as pg:
            yield pg
        return
    made: Storage = MemoryStore() if request.param == "memory" else SqlStore(tmp_path / "t.db")
    await made.migrate()
    yield made
    await made.close()
