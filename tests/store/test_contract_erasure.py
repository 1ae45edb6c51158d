"""Store contract, part 3: the erasure writes (``store.ports.Privacy``) that retention and
the right to erasure run: what each deletes, blanks or tombstones, by age, by sender, by
number or by id, and that it stays within its business and may be run again.

Every test runs against each store implementation (see ``conftest.store``).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from engine.ports import EscalationRow, InboundEvent, MessageRow, OutboxRow, StoredTurn
from store.ports import Storage

from .records import NOW, appointment, at


def inbound(mid: str, channel: Any, sender: str, minutes: int, **kw: Any) -> InboundEvent:
    return InboundEvent(
        business=kw.pop("business", "salon"),
        channel=channel,
        sender=sender,
        text="hello",
        provider_msg_id=mid,
        received_at=at(minutes),
        **kw,
    )


async def test_inbound_events_are_deleted_by_age_by_sender_or_by_caller_id(
    store: Storage,
) -> None:
    for event in (
        inbound("old", "sms", "+1555", -10),
        inbound("web", "webchat", "s1", 0),
        inbound("called", "voice", "anonymous", 0, customer_phone="+1777"),
        inbound("wa", "whatsapp", "1555", 5),
        inbound("barber", "sms", "+1555", -10, business="barber"),
    ):
        assert await store.record_inbound(event)
    assert await store.delete_inbound("salon") == 0  # neither a moment, a sender nor a number
    assert await store.delete_inbound("salon", before=at(-10)) == 0  # not before it
    assert await store.delete_inbound("salon", before=at(-5)) == 1
    mine = [("webchat", "s1"), ("sms", "+1555"), ("sms", "s1")]
    assert await store.delete_inbound("salon", senders=mine) == 1  # "web": channel and sender
    assert await store.delete_inbound("salon", phone="+1777") == 1  # "called": the caller id
    assert await store.delete_inbound("salon", before=at(-5), senders=mine, phone="+1777") == 0
    assert [e.provider_msg_id for e in await store.inbound_events("salon")] == ["wa"]
    assert [e.provider_msg_id for e in await store.inbound_events("barber")] == ["barber"]


def message(id: str, minutes: int, business: str = "salon") -> MessageRow:
    return MessageRow(
        id=id,
        business=business,
        conversation_id="c1",
        caller_name="Ann",
        callback_number="+1555",
        text="please call back",
        created_at=at(minutes),
    )


async def test_messages_are_deleted_by_age_or_by_id(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        for row in (
            message("m1", 1),
            message("m2", 5),
            message("m3", 9),
            message("mx", 1, "barber"),
        ):
            await tx.insert_message(row)
    assert await store.delete_messages("salon") == 0
    assert await store.delete_messages("salon", before=at(5)) == 1  # "m1"
    assert await store.delete_messages("salon", ids=["m3", "mx", "nope"]) == 1  # "mx" elsewhere
    assert await store.delete_messages("salon", before=at(5), ids=["m3"]) == 0
    assert [m.id for m in await store.list_messages("salon")] == ["m2"]
    assert [m.id for m in await store.list_messages("barber")] == ["mx"]


def queued(id: str, minutes: int, business: str = "salon") -> OutboxRow:
    return OutboxRow(
        id=id,
        business=business,
        kind="reply",
        payload={"channel": "sms", "to": "+1555", "text": "hi"},
        idempotency_key=f"key-{id}",
        next_attempt_at=at(minutes),
    )


async def test_outbox_rows_are_deleted_when_done_and_due_before_or_by_id_in_any_status(
    store: Storage,
) -> None:
    rows = {
        "pending": queued("pending", -10),
        "sent": queued("sent", -10),
        "dead": queued("dead", 0),
        "sent-later": queued("sent-later", 10),
        "barber": queued("barber", -10, "barber"),
    }
    async with store.transaction("salon", "k") as tx:
        for row in rows.values():
            await tx.enqueue(row)
    for id, status in (("sent", "sent"), ("dead", "dead"), ("sent-later", "sent")):
        await store.mark_outbox(id, status, 1, rows[id].next_attempt_at, "")
    await store.mark_outbox("barber", "sent", 1, at(-10), "")
    assert await store.delete_outbox("salon") == 0
    assert await store.delete_outbox("salon", before=at(5)) == 2  # never a pending row
    assert {r.id for r in await store.outbox()} == {"pending", "sent-later", "barber"}
    assert await store.delete_outbox("salon", ids=["pending", "barber"]) == 1  # any status
    assert await store.delete_outbox("salon", before=at(5), ids=["pending"]) == 0
    assert {r.id for r in await store.outbox()} == {"sent-later", "barber"}


def escalation(id: str, conversation: str, minutes: int, business: str = "salon") -> EscalationRow:
    return EscalationRow(
        id=id, business=business, conversation_id=conversation, reason="x", created_at=at(minutes)
    )


async def test_escalations_are_deleted_by_age_or_by_conversation(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        for row in (
            escalation("e1", "c1", 1),
            escalation("e2", "c2", 10),
            escalation("e3", "c1", 10),
            escalation("e4", "c1", 1, "barber"),
        ):
            await tx.insert_escalation(row)
    assert await store.delete_escalations("salon") == 0
    assert await store.delete_escalations("salon", before=at(5)) == 1  # "e1"
    assert await store.delete_escalations("salon", conversation_ids=["c1", "nope"]) == 1
    assert await store.delete_escalations("salon", before=at(5), conversation_ids=["c1"]) == 0
    assert [e.id for e in await store.list_escalations("salon")] == ["e2"]
    assert [e.id for e in await store.list_escalations("barber")] == ["e4"]


async def test_an_anonymised_conversation_forgets_its_sender_and_state_once(
    store: Storage,
) -> None:
    async with store.transaction("salon", "k") as tx:
        conv = await tx.conversation("salon", "sms", "+1555", NOW)
        other = await tx.conversation("salon", "sms", "+1999", NOW)
        for cid in (conv.id, other.id):
            await tx.save_conversation(cid, {"customer_phone": "+1555"}, "hash", at(1))
    assert await store.anonymise_conversation(conv.id) is True
    assert await store.anonymise_conversation(conv.id) is False  # once
    assert await store.anonymise_conversation("nope") is False
    rows = {c.id: c for c in await store.list_conversations("salon")}
    assert (rows[conv.id].sender, rows[conv.id].state) == (f"erased:{conv.id}", {})
    assert (rows[conv.id].channel, rows[conv.id].last_hash) == ("sms", "hash")  # chain kept
    assert (rows[other.id].sender, rows[other.id].state) == ("+1999", {"customer_phone": "+1555"})
    async with store.transaction("salon", "k") as tx:  # the sender writes again: a new one
        again = await tx.conversation("salon", "sms", "+1555", at(2))
    assert again.id not in (conv.id, other.id) and again.state == {}


def turn(conversation_id: str, seq: int) -> StoredTurn:
    return StoredTurn(
        conversation_id=conversation_id,
        seq=seq,
        provider_msg_id=f"m{seq}",
        record={"seq": seq, "event": {"sender": "+1555"}},
        hash=f"h{seq}",
        prev_hash=f"h{seq - 1}" if seq else "",
        created_at=at(seq),
    )


async def test_erased_turns_keep_their_place_and_hash_and_lose_their_message_id(
    store: Storage,
) -> None:
    async with store.transaction("salon", "k") as tx:
        conv = await tx.conversation("salon", "sms", "+1555", NOW)
        for seq in range(3):
            await tx.append_turn(turn(conv.id, seq), {})
    stored = await store.turns(conv.id)
    assert await store.turns_to_erase("salon", at(2)) == stored[:2]
    assert await store.turns_to_erase("barber", at(9)) == []
    tomb = {"seq": 0, "erased": "digest"}
    changed = stored[1].model_copy(update={"record": tomb, "hash": "someone else's"})
    gone = [stored[0].model_copy(update={"record": tomb}), changed]
    assert await store.erase_turns(gone, at(30)) == 1  # a turn whose hash differs is left
    assert await store.erase_turns(gone, at(40)) == 0  # erased once
    after = await store.turns(conv.id)
    assert (after[0].record, after[0].provider_msg_id, after[0].hash) == (tomb, "", "h0")
    assert after[0].erased_at == at(30) and after[0].erased_at.tzinfo == UTC
    assert after[1:] == stored[1:]
    assert await store.turn_for("salon", "m0") is None
    assert await store.turn_for("salon", "m1") == stored[1]
    assert await store.turns_to_erase("salon", at(9)) == stored[1:]


async def test_a_forgotten_customer_goes_and_their_bookings_stay_without_them(
    store: Storage,
) -> None:
    async with store.transaction("salon", "k") as tx:
        ann = await tx.upsert_customer("salon", "Ann", "+1555", "ann@example.org")
        ben = await tx.upsert_customer("salon", "Ben", "+1999", "")
        elsewhere = await tx.upsert_customer("barber", "Ann", "+1555", "")
        for row in (
            appointment(
                "mine", 0, 30, customer_id=ann.id, customer_name="Ann", customer_phone="+1555"
            ),
            appointment("by-number", 30, 60, customer_id="", customer_phone="+1555"),
            appointment(
                "bens", 60, 90, customer_id=ben.id, customer_name="Ben", customer_phone="+1999"
            ),
            appointment(
                "barber", 0, 30, "ana", "barber", customer_id=elsewhere.id, customer_phone="+1555"
            ),
        ):
            await tx.insert_appointment(row)
    assert await store.forget_customer("salon", ann.id, "+1555") is True
    assert await store.forget_customer("salon", ann.id, "+1555") is False  # gone stays gone
    assert await store.forget_customer("salon", elsewhere.id, "") is False  # another business
    booked = {a.id: a for a in await store.list_appointments("salon")}
    assert {i: (a.customer_name, a.customer_phone) for i, a in booked.items()} == {
        "mine": ("", ""),
        "by-number": ("", ""),
        "bens": ("Ben", "+1999"),
    }
    assert all(a.status == "booked" for a in booked.values())  # the bookings stay
    assert [c.id for c in await store.list_customers("salon")] == [ben.id]
    assert [c.id for c in await store.list_customers("barber")] == [elsewhere.id]
    [theirs] = await store.list_appointments("barber")
    assert theirs.customer_phone == "+1555"
    # only a number (bookings made without a customer row): they lose it, Ben's row stays
    assert await store.forget_customer("salon", "", "+1999") is False
    [bens] = [a for a in await store.list_appointments("salon") if a.id == "bens"]
    assert (bens.customer_name, bens.customer_phone) == ("", "")
    assert [c.id for c in await store.list_customers("salon")] == [ben.id]
