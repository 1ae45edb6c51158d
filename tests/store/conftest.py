"""One ``store`` fixture, parametrised over every Store implementation.

The contract tests run against each; a behaviour that differs between them is a bug in one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.memory import MemoryStore
from engine.ports import Store
from store import SqlStore


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SqlStore(tmp_path / "t.db")
    await made.migrate()
    yield made
    await made.close()
