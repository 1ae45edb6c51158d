"""``KeyedLock``: one holder per key, first come first served, no entry left behind."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.locks import KeyedLock


async def test_one_key_is_held_by_one_task_at_a_time_in_the_order_asked() -> None:
    locks: KeyedLock[str] = KeyedLock()
    order: list[str] = []

    async def user(name: str) -> None:
        async with locks.hold("k"):
            order.append(f"{name} in")
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            order.append(f"{name} out")

    await asyncio.gather(user("a"), user("b"), user("c"))
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert len(locks) == 0


async def test_other_keys_do_not_wait() -> None:
    locks: KeyedLock[str] = KeyedLock()
    async with locks.hold("a"):
        assert "a" in locks
        async with asyncio.timeout(1):
            async with locks.hold("b"):
                assert len(locks) == 2
        assert "b" not in locks
    assert len(locks) == 0


async def test_a_waiter_is_counted_before_its_first_await_and_uncounted_when_cancelled() -> None:
    locks: KeyedLock[str] = KeyedLock()
    async with locks.hold("k"):
        waiter = asyncio.create_task(_hold_once(locks, "k"))
        await asyncio.sleep(0)  # the waiter runs up to the lock and queues
    assert "k" in locks  # the holder has left; the queued waiter keeps the entry
    await waiter
    assert len(locks) == 0
    async with locks.hold("k"):
        waiter = asyncio.create_task(_hold_once(locks, "k"))
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        assert "k" in locks  # still held here
    assert len(locks) == 0


async def test_the_entry_goes_when_the_block_raises() -> None:
    locks: KeyedLock[tuple[str, str]] = KeyedLock()
    try:
        async with locks.hold(("bloom", "sms:+1")):
            raise KeyError("boom")
    except KeyError:
        pass
    assert len(locks) == 0


async def _hold_once(locks: KeyedLock[str], key: str) -> None:
    async with locks.hold(key):
        await asyncio.sleep(0)


# one task: its key, how many times it yields while holding, the tick it is cancelled at
_TASK = st.tuples(st.sampled_from("abc"), st.integers(0, 3), st.none() | st.integers(0, 8))


@settings(max_examples=200, deadline=None)
@given(st.lists(_TASK, max_size=12))
def test_any_interleaving_excludes_queues_in_order_and_leaves_no_entry(
    plan: list[tuple[str, int, int | None]],
) -> None:
    asyncio.run(_interleave(plan))


async def _interleave(plan: list[tuple[str, int, int | None]]) -> None:
    locks: KeyedLock[str] = KeyedLock()
    holder: dict[str, int] = {}
    entered: dict[str, list[int]] = defaultdict(list)

    async def user(index: int, key: str, steps: int) -> None:
        async with locks.hold(key):
            assert key not in holder, f"task {index} entered {key} held by {holder.get(key)}"
            holder[key] = index
            entered[key].append(index)
            try:
                for _ in range(steps):
                    await asyncio.sleep(0)
            finally:
                del holder[key]

    tasks = [asyncio.create_task(user(i, key, steps)) for i, (key, steps, _) in enumerate(plan)]
    for tick in range(10):
        for task, (_, _, cancel_at) in zip(tasks, plan, strict=True):
            if cancel_at == tick:
                task.cancel()
        await asyncio.sleep(0)
        live = {key for task, (key, _, _) in zip(tasks, plan, strict=True) if not task.done()}
        assert all(key in live for key in "abc" if key in locks), "an entry outlived its users"
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for outcome in outcomes:  # a broken promise inside a task fails the property here
        if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
            raise outcome

    assert len(locks) == 0
    for key, indexes in entered.items():
        assert indexes == sorted(indexes), f"{key} was not first come, first served"
