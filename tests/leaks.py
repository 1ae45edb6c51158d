"""Which asyncio tasks a test left running (used by ``no_leaked_tasks`` in conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Set
from typing import Any

GRACE_TICKS = 10
"""Loop iterations a finished test's tasks get to end by themselves (a cancelled task
finishes on its next tick) before they count as leaked."""


async def tasks_left_running(
    before: Set[asyncio.Task[Any]], ticks: int = GRACE_TICKS
) -> set[asyncio.Task[Any]]:
    """The running loop's tasks that were not in ``before`` (nor the caller's own) and are
    still running after ``ticks`` iterations of the loop."""
    for tick in range(ticks + 1):
        left = {t for t in asyncio.all_tasks() - before - {asyncio.current_task()} if not t.done()}
        if not left or tick == ticks:
            return left
        await asyncio.sleep(0)
    return set()


def describe(tasks: Set[asyncio.Task[Any]]) -> str:
    return ", ".join(sorted(f"{t.get_name()} ({t.get_coro()!r})" for t in tasks))
