"""Store contract, part 1: inbound events, conversations, turns and transactions.

Every test runs against each store implementation (see ``conftest.store``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta, timezone
from typing import Any

import pytest

from engine.ports import (
    CustomerId,
    EscalationRow,
    InboundEvent,
    MessageRow,
    OutboxRow,
    SlotTaken,
    StoredTurn,
)
from store.ports import Storage

from .records import NOW, appointment, at


def inbound(msg_id: str, business: str = "salon", minutes: int = 0, **kw: Any) -> InboundEvent:
    return InboundEvent(
        business=business,
        channel="sms",
        sender="+15550001",
        text="hello",
        provider_msg_id=msg_id,
        received_at=at(minutes),
        **kw,
    )


def turn(conversation_id: str, seq: int, msg_id: str = "", **record: object) -> StoredTurn:
    return StoredTurn(
        conversation_id=conversation_id,
        seq=seq,
        provider_msg_id=msg_id or f"m{seq}",
        record={"seq": seq, **record},
        hash=f"h{seq}",
        prev_hash=f"h{seq - 1}" if seq else "",
        created_at=at(seq),
    )


class Boom(Exception):
    pass


# inbound events


async def test_migrate_twice_is_harmless(store: Storage) -> None:
    await store.migrate()
    assert await store.list_conversations() == []


async def test_record_inbound_refuses_a_duplicate_provider_id(store: Storage) -> None:
    event = inbound("m1", payload={"button": "yes"}, lang_hint="de", customer_phone="+1555")
    assert await store.record_inbound(event) is True
    assert await store.record_inbound(event.model_copy(update={"text": "again"})) is False
    assert await store.record_inbound(inbound("m1", business="barber")) is True  # per business
    assert await store.inbound_events("salon") == [event]
    assert len(await store.inbound_events()) == 2


async def test_inbound_events_are_ordered_by_arrival_and_returned_in_utc(store: Storage) -> None:
    plus2 = timezone(timedelta(hours=2))
    late = inbound("late", minutes=10)
    early = inbound("early").model_copy(update={"received_at": NOW.astimezone(plus2)})
    tie = inbound("tie")
    for event in (late, early, tie):
        await store.record_inbound(event)
    found = await store.inbound_events("salon")
    assert [e.provider_msg_id for e in found] == ["early", "tie", "late"]
    assert all(e.received_at.tzinfo == UTC for e in found)
    assert found[0].received_at == NOW


async def test_record_inbound_commits_even_when_the_turn_fails(store: Storage) -> None:
    assert await store.record_inbound(inbound("m1"))
    with pytest.raises(Boom):
        async with store.transaction("salon", "sms:+15550001") as tx:
            await tx.conversation("salon", "sms", "+15550001", NOW)
            raise Boom
    assert [e.provider_msg_id for e in await store.inbound_events()] == ["m1"]
    assert await store.list_conversations() == []


async def test_a_naive_datetime_is_refused(store: Storage) -> None:
    naive = inbound("m1").model_copy(update={"received_at": NOW.replace(tzinfo=None)})
    with pytest.raises(ValueError):
        await store.record_inbound(naive)


# conversations


async def test_conversation_is_loaded_or_created_once(store: Storage) -> None:
    async with store.transaction("salon", "sms:+1") as tx:
        first = await tx.conversation("salon", "sms", "+1", NOW)
        again = await tx.conversation("salon", "sms", "+1", at(5))
        other = await tx.conversation("salon", "webchat", "+1", NOW)
    assert first == again
    assert (first.state, first.last_hash, first.turns) == ({}, "", 0)
    assert first.created_at == NOW and first.created_at.tzinfo == UTC
    assert other.id != first.id
    async with store.transaction("salon", "sms:+1") as tx:
        assert await tx.conversation("salon", "sms", "+1", at(9)) == first
    # same created_at: ordered by id
    assert [c.id for c in await store.list_conversations("salon")] == sorted([first.id, other.id])
    assert await store.list_conversations("barber") == []
    assert sorted(await store.all_conversation_ids()) == sorted([first.id, other.id])


async def test_saved_state_round_trips_and_is_a_copy(store: Storage) -> None:
    state = {"topic": "booking", "fields": {"service": "cut", "n": 2}, "done": [1, 2]}
    async with store.transaction("salon", "k") as tx:
        conv = await tx.conversation("salon", "sms", "+1", NOW)
        await tx.save_conversation(conv.id, state, "abc", at(1))
        state["topic"] = "changed after saving"
    [saved] = await store.list_conversations()
    assert saved.state == {"topic": "booking", "fields": {"service": "cut", "n": 2}, "done": [1, 2]}
    assert (saved.last_hash, saved.updated_at, saved.created_at) == ("abc", at(1), NOW)
    saved.state["topic"] = "mutated by a reader"
    [again] = await store.list_conversations()
    assert again.state["topic"] == "booking"


async def test_saving_an_unknown_conversation_fails(store: Storage) -> None:
    with pytest.raises(LookupError):
        async with store.transaction("salon", "k") as tx:
            await tx.save_conversation("nope", {}, "", NOW)


async def test_state_that_is_not_json_is_refused(store: Storage) -> None:
    with pytest.raises(TypeError):
        async with store.transaction("salon", "k") as tx:
            conv = await tx.conversation("salon", "sms", "+1", NOW)
            await tx.save_conversation(conv.id, {"when": NOW}, "", NOW)


# turns


async def test_turns_append_in_order_and_are_found_by_provider_id(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        conv = await tx.conversation("salon", "sms", "+1", NOW)
        await tx.append_turn(turn(conv.id, 0, "m0", reply="hi"), {})
        await tx.append_turn(turn(conv.id, 1, "m1", reply="ok"), {})
    [row] = await store.list_conversations()
    assert row.turns == 2
    stored = await store.turns(conv.id)
    assert [(t.seq, t.hash, t.prev_hash) for t in stored] == [(0, "h0", ""), (1, "h1", "h0")]
    assert stored[1].record == {"seq": 1, "reply": "ok"}
    assert stored[1].created_at == at(1) and stored[1].created_at.tzinfo == UTC
    assert await store.turn_for("salon", "m1") == stored[1]
    assert await store.turn_for("barber", "m1") is None
    assert await store.turn_for("salon", "m9") is None
    assert await store.turns("nope") == []


async def test_a_turn_number_is_used_once(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        conv = await tx.conversation("salon", "sms", "+1", NOW)
        await tx.append_turn(turn(conv.id, 0), {})
        with pytest.raises(ValueError):
            await tx.append_turn(turn(conv.id, 0, "other"), {})
    assert [t.provider_msg_id for t in await store.turns(conv.id)] == ["m0"]
    assert (await store.list_conversations())[0].turns == 1


async def test_a_turn_with_its_state_leaves_the_conversation_in_it(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        conv = await tx.conversation("salon", "sms", "+1", NOW)
        await tx.append_turn(turn(conv.id, 0), {"topic": "book", "n": 1})
        state = {"topic": "book", "n": 2}
        await tx.append_turn(turn(conv.id, 1), state)
        state["n"] = 99  # the state as it was when the turn was appended is what is kept
    [row] = await store.list_conversations()
    assert (row.turns, row.state, row.last_hash) == (2, {"topic": "book", "n": 2}, "h1")
    assert (row.updated_at, row.created_at) == (at(1), NOW)
    # a refused turn number leaves the conversation as it was
    async with store.transaction("salon", "k") as tx:
        with pytest.raises(ValueError):
            await tx.append_turn(turn(conv.id, 1, "again"), {"topic": "other"})
    [row] = await store.list_conversations()
    assert (row.turns, row.state, row.last_hash) == (2, {"topic": "book", "n": 2}, "h1")


async def test_a_turn_needs_its_conversation(store: Storage) -> None:
    with pytest.raises(LookupError):
        async with store.transaction("salon", "k") as tx:
            await tx.append_turn(turn("nope", 0), {})


# transactions


async def test_an_exception_rolls_back_every_write(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        kept = await tx.conversation("salon", "sms", "+1", NOW)
    with pytest.raises(Boom):
        async with store.transaction("salon", "k") as tx:
            conv = await tx.conversation("salon", "sms", "+2", NOW)
            await tx.save_conversation(kept.id, {"x": 1}, "changed", at(1))
            await tx.append_turn(turn(conv.id, 0), {})
            await tx.append_turn(turn(kept.id, 0), {})
            customer = await tx.upsert_customer("salon", "Ann", "+2", "")
            await tx.insert_appointment(appointment("a1", 0, 30, customer_id=customer.id))
            await tx.insert_message(
                MessageRow(
                    id="msg1",
                    business="salon",
                    conversation_id=conv.id,
                    caller_name="Ann",
                    callback_number="+2",
                    text="call me",
                    created_at=NOW,
                )
            )
            await tx.insert_escalation(
                EscalationRow(
                    id="e1", business="salon", conversation_id=conv.id, reason="x", created_at=NOW
                )
            )
            await tx.enqueue(
                OutboxRow(
                    id="o1",
                    business="salon",
                    kind="reply",
                    payload={},
                    idempotency_key="k1",
                    next_attempt_at=NOW,
                )
            )
            await tx.remember_result("r1", {"ok": True})
            assert await tx.customer_by_phone("salon", "+2") == customer  # visible inside
            raise Boom
    assert await store.list_conversations() == [kept]
    assert await store.turns(kept.id) == []
    assert await store.list_appointments("salon") == []
    assert await store.list_messages("salon") == []
    assert await store.list_escalations("salon") == []
    assert await store.outbox() == []
    async with store.transaction("salon", "k") as tx:
        assert await tx.customer_by_phone("salon", "+2") is None
        assert await tx.idempotent_result("r1") is None


async def test_a_refused_write_does_not_spoil_the_transaction(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 30))
        with pytest.raises(SlotTaken):
            await tx.insert_appointment(appointment("a2", 15, 45))
        await tx.insert_appointment(appointment("a3", 30, 60))
    assert [a.id for a in await store.list_appointments("salon")] == ["a1", "a3"]


async def test_one_conversation_runs_one_transaction_at_a_time(store: Storage) -> None:
    log: list[str] = []

    async def turn_of(name: str) -> None:
        async with store.transaction("salon", "sms:+1") as tx:
            log.append(f"{name} in")
            await tx.conversation("salon", "sms", "+1", NOW)
            await asyncio.sleep(0.02)
            log.append(f"{name} out")

    await asyncio.gather(turn_of("a"), turn_of("b"), turn_of("c"))
    assert log == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert len(await store.list_conversations()) == 1


async def test_concurrent_bookings_of_one_slot_let_exactly_one_through(store: Storage) -> None:
    async def book(key: str, appointment_id: str) -> str:
        try:
            async with store.transaction("salon", key) as tx:
                await tx.insert_appointment(appointment(appointment_id, 0, 60))
                await asyncio.sleep(0.02)
        except SlotTaken:
            return "refused"
        return "booked"

    outcomes = await asyncio.gather(book("sms:+1", "a1"), book("sms:+2", "a2"))
    assert sorted(outcomes) == ["booked", "refused"]
    assert len(await store.list_appointments("salon")) == 1


async def test_a_transaction_cannot_be_used_after_its_block(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        pass
    with pytest.raises(RuntimeError):
        await tx.conversation("salon", "sms", "+1", NOW)
    with pytest.raises(RuntimeError):
        await tx.customer(CustomerId("c1"))


async def test_unanswered_inbound_lists_events_without_a_committed_turn(store: Storage) -> None:
    for msg_id, minutes in [("answered", 0), ("late", 20), ("lost", 5), ("other", 1)]:
        await store.record_inbound(inbound(msg_id, minutes=minutes))
    await store.record_inbound(inbound("answered", business="barber", minutes=2))
    async with store.transaction("salon", "k") as tx:
        conv = await tx.conversation("salon", "sms", "+15550001", NOW)
        await tx.append_turn(turn(conv.id, 1, "answered"), {})
    with pytest.raises(Boom):  # a turn that never committed answers nothing
        async with store.transaction("salon", "k") as tx:
            await tx.append_turn(turn(conv.id, 2, "other"), {})
            raise Boom
    waiting = await store.unanswered_inbound(at(10), limit=10)
    # oldest first; the barber's "answered" has no turn of its own business
    assert [(e.business, e.provider_msg_id) for e in waiting] == [
        ("salon", "other"),
        ("barber", "answered"),
        ("salon", "lost"),
    ]
    assert all(e.received_at.tzinfo == UTC for e in waiting)
    assert [e.provider_msg_id for e in await store.unanswered_inbound(at(10), limit=1)] == ["other"]
    assert await store.unanswered_inbound(at(10), limit=0) == []
    assert await store.unanswered_inbound(at(1), limit=10) == []  # strictly before


async def test_earlier_unanswered_lists_the_conversation_s_older_waiting_events(
    store: Storage,
) -> None:
    for msg_id, minutes in [("done", 0), ("waiting", 1), ("also", 2), ("mine", 3), ("later", 4)]:
        await store.record_inbound(inbound(msg_id, minutes=minutes))
    await store.record_inbound(
        inbound("other-sender", minutes=1).model_copy(update={"sender": "+15550002"})
    )
    await store.record_inbound(inbound("other-business", business="barber", minutes=1))
    async with store.transaction("salon", "sms:+15550001") as tx:
        conv = await tx.conversation("salon", "sms", "+15550001", NOW)
        await tx.append_turn(turn(conv.id, 1, "done"), {})
    mine = inbound("mine", minutes=3)
    async with store.transaction("salon", "sms:+15550001") as tx:
        waiting = await tx.earlier_unanswered(mine)
        assert [e.provider_msg_id for e in waiting] == ["waiting", "also"]  # oldest first
        assert [e.provider_msg_id for e in await tx.earlier_unanswered(mine, limit=1)] == [
            "waiting"
        ]
        # a turn written in this transaction answers its event for the rest of it
        await tx.append_turn(turn(conv.id, 2, "waiting"), {})
        assert [e.provider_msg_id for e in await tx.earlier_unanswered(mine)] == ["also"]


async def test_long_values_from_a_channel_are_stored_alike_everywhere(store: Storage) -> None:
    """What a channel delivers may be long: every store keeps it whole, none refuses it."""
    long_id, sender, caller = "M" * 600, "s" * 700, "+1" + "5" * 300
    event = InboundEvent(
        business="salon",
        channel="sms",
        sender=sender,
        text="x" * 5000,
        provider_msg_id=long_id,
        received_at=at(0),
        customer_phone=caller,
    )
    assert await store.record_inbound(event)
    async with store.transaction("salon", f"sms:{sender}") as tx:
        conv = await tx.conversation("salon", "sms", sender, NOW)
        await tx.append_turn(turn(conv.id, 1, long_id), {})
        customer = await tx.upsert_customer("salon", "N" * 400, caller, "e" * 300 + "@x.org")
        await tx.insert_appointment(
            appointment(
                "a-long",
                0,
                30,
                customer_id=customer.id,
                customer_name="N" * 400,
                customer_phone=caller,
            )
        )
        await tx.enqueue(
            OutboxRow(
                id="o-long",
                business="salon",
                kind="reply",
                payload={},
                idempotency_key=f"reply:salon:{long_id}",
                next_attempt_at=NOW,
            )
        )
    [stored] = await store.inbound_events("salon")
    assert stored == event.model_copy(update={"received_at": event.received_at.astimezone(UTC)})
    found = await store.turn_for("salon", long_id)
    assert found is not None and found.conversation_id == conv.id
    [appt] = await store.list_appointments("salon")
    assert appt.customer_phone == caller and appt.customer_name == "N" * 400
    [row] = await store.outbox()
    assert row.idempotency_key == f"reply:salon:{long_id}"
