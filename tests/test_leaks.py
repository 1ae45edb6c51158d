"""The leak check every coroutine test runs (tests/leaks.py, ``no_leaked_tasks``)."""

from __future__ import annotations

import asyncio

from tests.leaks import tasks_left_running


async def test_a_task_still_sleeping_is_left_running_and_named() -> None:
    before = asyncio.all_tasks()
    sleeper = asyncio.create_task(asyncio.sleep(60), name="sleeper")
    assert await tasks_left_running(before) == {sleeper}
    sleeper.cancel()
    assert await tasks_left_running(before) == set()  # cancelled: it ends on the next tick


async def test_a_task_that_ends_within_the_grace_ticks_is_not_left_running() -> None:
    async def a_few_ticks() -> None:
        for _ in range(3):
            await asyncio.sleep(0)

    before = asyncio.all_tasks()
    asyncio.create_task(a_few_ticks())
    assert await tasks_left_running(before) == set()


async def test_tasks_running_before_and_the_checking_task_itself_do_not_count() -> None:
    earlier = asyncio.create_task(asyncio.sleep(60))
    before = asyncio.all_tasks()
    assert await tasks_left_running(before, ticks=0) == set()
    earlier.cancel()
    await asyncio.gather(earlier, return_exceptions=True)
