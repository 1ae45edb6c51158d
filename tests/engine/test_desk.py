"""The desk shell: one turn per inbound event however it is delivered, the "just taken"
reply with fresh offers, a cancel that finds the appointment already gone, the probe
points, and recovery of events whose turn never committed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from engine.desk import Desk
from store.memory import MemoryStore
from tests.fakes.conversation import (
    NOW,
    code_sent_to,
    event,
    said,
    talk,
    typed,
    up_to_confirm,
)
from tests.fakes.demo import demo_brains
from tests.fakes.scripted_language import ScriptedLanguage

from .invariants import records

BRAINS = demo_brains()


async def test_the_loser_of_a_slot_hears_it_was_just_taken_and_gets_fresh_offers() -> None:
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    a = await talk(desk, language, "+15035550001", *up_to_confirm("+15035550001"))
    b = await talk(desk, language, "+15035550002", *up_to_confirm("+15035550002"))
    won = await talk(desk, language, "+15035550001", said(affirm=True), first=5)
    lost = await talk(desk, language, "+15035550002", said(affirm=True), first=5)
    [appt] = await store.list_appointments("bloom-salon")
    assert appt.customer_phone == "+15035550001"
    last = records(await store.turns(b.conversation_id))[-1]
    kinds = [i.kind for i in last.decision.plan.items]
    assert "slot_taken" in kinds and "offer_slots" in kinds and "booked" not in kinds
    # the taken slot is no longer the customer's choice: they choose again, no read-back
    assert "confirm" not in kinds and "slot" not in last.decision.state.active.fields
    fresh = [s for i in last.decision.plan.items if i.kind == "offer_slots" for s in i.slots]
    assert fresh and all(s.start != appt.start or s.staff != appt.staff for s in fresh)
    assert "just been taken" in lost.text
    assert won.conversation_id == a.conversation_id


async def test_one_event_delivered_twice_at_once_is_one_turn_and_one_reply() -> None:
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    language.push(said(("service", "mens_cut")), said(("service", "mens_cut")))
    first, second = await asyncio.gather(
        desk.handle(event("+15035550003", 0)), desk.handle(event("+15035550003", 0))
    )
    assert first.text == second.text and sorted([first.duplicate, second.duplicate]) == [
        False,
        True,
    ]
    assert len(await store.turns(first.conversation_id)) == 1
    assert len([r for r in await store.outbox() if r.kind == "reply"]) == 1


async def test_a_cancel_of_an_appointment_cancelled_meanwhile_says_so() -> None:
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    await talk(desk, language, "+15035550004", *up_to_confirm("+15035550004"), said(affirm=True))
    [appt] = await store.list_appointments("bloom-salon")
    # the customer, from a web chat: the number is proven by the code texted to it
    language.push(said(("phone", "+15035550004"), topic="cancel"))
    await desk.handle(event("chat-5", 0, channel="webchat"))
    language.push(typed(await code_sent_to(store, "+15035550004")))
    found = await desk.handle(event("chat-5", 1, channel="webchat"))
    assert "I found your appointment" in found.text
    async with store.transaction("bloom-salon", "staff") as tx:  # the salon cancels it
        await tx.cancel_appointment(appt.id)
    language.push(said(affirm=True, topic="cancel"))
    reply = await desk.handle(event("chat-5", 2, channel="webchat"))
    kinds = [
        i.kind for i in records(await store.turns(found.conversation_id))[-1].decision.plan.items
    ]
    assert "already_cancelled" in kinds and "cancelled" not in kinds
    assert "already cancelled" in reply.text


async def test_the_probe_sees_each_point_of_a_turn_in_order() -> None:
    store, language = MemoryStore(), ScriptedLanguage()
    seen: list[str] = []
    desk = Desk(store, BRAINS, language, probe=seen.append)
    await talk(
        desk, language, "+15035550006", said(("service", "mens_cut")), said(("date", "2025-03-05"))
    )
    assert seen[:4] == ["recorded", "understood", "before_commit", "committed"]
    assert seen[4:] == ["recorded", "understood", "acted", "before_commit", "committed"]


async def test_the_outbox_is_said_to_be_ready_once_a_turn_with_a_reply_row_commits() -> None:
    store, language = MemoryStore(), ScriptedLanguage()
    seen: list[str] = []
    desk = Desk(store, BRAINS, language, probe=seen.append)
    pending: list[int] = []

    def ready() -> None:
        seen.append("outbox_ready")
        pending.append(len(store._tables.outbox))  # what is committed at that moment

    desk.outbox_ready = ready
    await talk(desk, language, "+15035550016", said(("service", "mens_cut")))
    assert seen == ["recorded", "understood", "before_commit", "outbox_ready", "committed"]
    assert pending == [1]  # the reply row had committed
    seen.clear()
    await desk.handle(event("+15035550016", 0))  # the same message again: nothing new
    assert "outbox_ready" not in seen
    language.push(said(("date", "2025-03-05")))
    await desk.handle(event("+15035550016", 1), direct=True)  # the caller delivers the reply
    assert "outbox_ready" not in seen and "committed" in seen


async def test_two_messages_of_one_conversation_arriving_at_once_are_answered_in_order() -> None:
    """The first message is held after it is recorded (a slow disk, a busy database):
    the second, arriving meanwhile, waits its turn instead of overtaking it, and is
    understood on the state the first left."""
    store, language = MemoryStore(), ScriptedLanguage()
    held: list[str] = []

    async def slow_first(point: str) -> None:
        if point == "recorded" and not held:
            held.append(point)
            await asyncio.sleep(0.2)

    desk = Desk(store, BRAINS, language, probe=slow_first)
    language.push(said(("service", "mens_cut"), ("staff", "alex")))
    language.push(said(("date", "2025-03-05")))
    first, second = await asyncio.gather(
        desk.handle(event("+15035550011", 0)), desk.handle(event("+15035550011", 1))
    )
    turns = await store.turns(first.conversation_id)
    assert [t.provider_msg_id for t in turns] == ["+15035550011-0", "+15035550011-1"]
    [offer] = [i for i in records(turns)[-1].decision.plan.items if i.kind == "offer_slots"]
    assert offer.slots and all(s.staff == "alex" for s in offer.slots)
    assert second.conversation_id == first.conversation_id
    assert len(desk._lines) == 0  # nothing left behind once the line is empty


async def test_a_message_taken_in_by_another_worker_is_answered_first_and_in_order() -> None:
    """Two workers (two desks, one store): worker A records the first message and is slow
    to get the conversation's lock; worker B, with the second message, answers the first
    one before its own, so the turns are in order and the second is understood on the
    state the first left. A then finds its message answered: one turn, one reply each."""
    store = MemoryStore()
    a_language, b_language = ScriptedLanguage(), ScriptedLanguage()
    held, go = asyncio.Event(), asyncio.Event()

    async def slow(point: str) -> None:
        if point == "understood" and not held.is_set():
            held.set()
            await go.wait()

    a = Desk(store, BRAINS, a_language, probe=slow)
    b = Desk(store, BRAINS, b_language)
    a_language.push(said(("service", "mens_cut"), ("staff", "alex")))
    b_language.push(said(("date", "2025-03-05")))  # B's early look at its own message
    b_language.push(said(("service", "mens_cut"), ("staff", "alex")))  # the first, under lock
    b_language.push(said(("date", "2025-03-05")))  # its own again, on the new state
    first = asyncio.create_task(a.handle(event("+15035550014", 0)))
    await held.wait()
    second = await b.handle(event("+15035550014", 1, NOW + timedelta(seconds=1)))
    go.set()
    again = await first
    turns = await store.turns(second.conversation_id)
    assert [t.provider_msg_id for t in turns] == ["+15035550014-0", "+15035550014-1"]
    [offer] = [i for i in records(turns)[-1].decision.plan.items if i.kind == "offer_slots"]
    assert offer.slots and all(s.staff == "alex" for s in offer.slots)
    assert again.duplicate and again.text == records(turns)[0].reply.text
    replies = [r.payload["in_reply_to"] for r in await store.outbox()]
    assert sorted(replies) == ["+15035550014-0", "+15035550014-1"]


async def test_conversations_do_not_wait_for_each_other() -> None:
    store, language = MemoryStore(), ScriptedLanguage()
    order: list[str] = []

    async def slow_first(point: str) -> None:
        if point == "recorded" and not order:
            order.append("held")
            await asyncio.sleep(0.2)
        if point == "committed":
            order.append("committed")

    desk = Desk(store, BRAINS, language, probe=slow_first)
    language.push(said(("service", "mens_cut")))
    language.push(said(("service", "mens_cut")))
    slow = asyncio.create_task(desk.handle(event("+15035550012", 0)))
    await asyncio.sleep(0.05)
    await desk.handle(event("+15035550013", 0))  # another customer: not held up
    assert not slow.done()
    await slow
    assert order == ["held", "committed", "committed"]


async def test_recover_answers_events_whose_turn_never_committed() -> None:
    store, language = MemoryStore(), ScriptedLanguage()

    def die(point: str) -> None:
        if point == "before_commit":
            raise SystemExit("the worker died")  # not an Exception: the desk cannot catch it

    dying = Desk(store, BRAINS, language, probe=die)
    language.push(said(("service", "mens_cut")))
    with pytest.raises(SystemExit):
        await dying.handle(event("+15035550007", 0))
    [lost] = await store.inbound_events("bloom-salon")
    assert await store.turn_for("bloom-salon", lost.provider_msg_id) is None
    assert await store.outbox() == []

    desk = Desk(store, BRAINS, language)
    language.push(said(("service", "mens_cut")))
    assert await desk.recover(older_than=NOW - timedelta(minutes=1)) == 0  # too recent
    assert await desk.recover(older_than=NOW + timedelta(minutes=1)) == 1
    assert await desk.recover(older_than=NOW + timedelta(minutes=1)) == 0  # answered now
    turn = await store.turn_for("bloom-salon", lost.provider_msg_id)
    assert turn is not None
    [reply] = await store.outbox()
    assert reply.kind == "reply" and reply.payload["in_reply_to"] == lost.provider_msg_id


async def test_the_late_change_fee_is_heard_before_the_yes_and_its_rule_is_in_the_audit() -> None:
    """bloom-salon (DEMO.md): a cancellation less than 24 hours ahead is allowed, but the
    customer hears the $25 fee before confirming; the named rule shows in the audit."""
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    await talk(desk, language, "+15035550009", *up_to_confirm("+15035550009"), said(affirm=True))
    [appt] = await store.list_appointments("bloom-salon")
    late = appt.start - timedelta(hours=20)  # the day before, inside the 24-hour window
    # the customer, from a web chat: the number is proven by the code texted to it
    language.push(said(("phone", "+15035550009"), topic="cancel"))
    await desk.handle(event("chat-10", 0, at=late, channel="webchat"))
    language.push(typed(await code_sent_to(store, "+15035550009")))
    asked = await desk.handle(event("chat-10", 1, at=late, channel="webchat"))
    language.push(said(affirm=True, topic="cancel"))
    at = late + timedelta(minutes=1)
    done = await desk.handle(event("chat-10", 2, at=at, channel="webchat"))
    _, first, second = records(await store.turns(asked.conversation_id))
    assert [i.kind for i in first.decision.plan.items][-2:] == ["late_fee", "confirm"]
    assert "changes.late_fee_notice" in [f.rule for f in first.decision.firings]
    assert "$25" in asked.text and "24 hours" in asked.text
    assert "cancelled" in [i.kind for i in second.decision.plan.items]
    assert "has been cancelled" in done.text

    # outside the window no fee is mentioned
    store, language = MemoryStore(), ScriptedLanguage()
    desk = Desk(store, BRAINS, language)
    await talk(desk, language, "+15035550009", *up_to_confirm("+15035550009"), said(affirm=True))
    early_at = NOW + timedelta(minutes=10)
    language.push(said(("phone", "+15035550009"), topic="cancel"))
    await desk.handle(event("chat-10", 0, at=early_at, channel="webchat"))
    language.push(typed(await code_sent_to(store, "+15035550009")))
    early = await desk.handle(event("chat-10", 1, at=early_at, channel="webchat"))
    assert "I found your appointment" in early.text
    _, rec = records(await store.turns(early.conversation_id))
    assert "late_fee" not in [i.kind for i in rec.decision.plan.items]
    assert "changes.late_fee_notice" not in [f.rule for f in rec.decision.firings]
