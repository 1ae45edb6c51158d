"""What only the in-memory store has: different conversations' transactions run at the same
time, so their commits are checked against each other."""

from __future__ import annotations

import asyncio

import pytest

from engine.ports import SlotTaken
from store.memory import MemoryStore, TransactionConflict

from .records import NOW, appointment


async def test_different_conversations_do_not_wait_for_each_other() -> None:
    store = MemoryStore()
    log: list[str] = []

    async def turn_of(sender: str) -> None:
        async with store.transaction("salon", f"sms:{sender}") as tx:
            log.append(f"{sender} in")
            await tx.conversation("salon", "sms", sender, NOW)
            await asyncio.sleep(0.01)
            log.append(f"{sender} out")

    await asyncio.gather(turn_of("+1"), turn_of("+2"))
    assert log == ["+1 in", "+2 in", "+1 out", "+2 out"]
    assert len(await store.list_conversations()) == 2
    assert len(store._locks) == 0  # a lock lives only while someone holds or waits for it


async def test_a_write_that_a_concurrent_commit_changed_is_refused() -> None:
    store = MemoryStore()

    async def upsert(key: str, name: str, delay: float) -> str:
        async with store.transaction("salon", key) as tx:
            customer = await tx.upsert_customer("salon", name, "+1555", "")
            await asyncio.sleep(delay)
            return customer.id

    first, second = await asyncio.gather(
        upsert("sms:+1555", "Ann", 0.0),
        upsert("voice:+1555", "Anne", 0.01),
        return_exceptions=True,
    )
    assert isinstance(second, TransactionConflict)
    async with store.transaction("salon", "k") as tx:
        found = await tx.customer_by_phone("salon", "+1555")
    assert found is not None and (found.id, found.name) == (first, "Ann")


async def test_a_stale_booking_is_refused_at_commit_and_nothing_of_it_is_kept() -> None:
    store = MemoryStore()
    with pytest.raises(SlotTaken):
        async with store.transaction("salon", "sms:+1") as early:
            await early.insert_appointment(appointment("a1", 0, 60))
            await early.remember_result("book:a1", {"ok": True})
            async with store.transaction("salon", "sms:+2") as late:
                await late.insert_appointment(appointment("a2", 30, 90))
            # `late` has committed; `early` is replayed at its end and its booking clashes
    assert [a.id for a in await store.list_appointments("salon")] == ["a2"]
    async with store.transaction("salon", "k") as tx:
        assert await tx.idempotent_result("book:a1") is None
