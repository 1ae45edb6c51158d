"""Store contract, part 2: customers, appointments, messages, escalations, outbox, results.

Every test runs against each store implementation (see ``conftest.store``).
"""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest

from engine.ports import (
    CodeRow,
    DroppedBurst,
    EscalationRow,
    MessageRow,
    OutboxRow,
    SlotTaken,
)
from store.ports import Storage

from .records import NOW, appointment, at

# customers


async def test_upsert_keeps_one_customer_per_phone(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        ann = await tx.upsert_customer("salon", "Ann", "+1555", "")
        again = await tx.upsert_customer("salon", "Ann", "+1555", "")
        assert again == ann
    async with store.transaction("salon", "k") as tx:
        filled = await tx.upsert_customer("salon", "", "+1555", "ann@example.org")
        renamed = await tx.upsert_customer("salon", "Anne", "+1555", "")
        elsewhere = await tx.upsert_customer("barber", "Ann", "+1555", "")
        assert (filled.id, filled.name, filled.email) == (ann.id, "Ann", "ann@example.org")
        assert (renamed.id, renamed.name, renamed.email) == (ann.id, "Anne", "ann@example.org")
        assert elsewhere.id != ann.id
        assert await tx.customer_by_phone("salon", "+1555") == renamed
        assert await tx.customer(ann.id) == renamed
        assert await tx.customer("nope") is None
        assert await tx.customer_by_phone("salon", "+1999") is None


async def test_customers_without_a_phone_are_not_merged(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        first = await tx.upsert_customer("salon", "Ann", "", "")
        second = await tx.upsert_customer("salon", "Ann", "", "")
        assert first.id != second.id
        assert await tx.customer_by_phone("salon", "") is None
        assert await tx.customer(second.id) == second


# appointments


async def test_appointments_round_trip_in_utc(store: Storage) -> None:
    plus2 = timezone(timedelta(hours=2))
    local = appointment("a1", 0, 45, customer_name="Ann", idempotency_key="book:1")
    local = local.model_copy(update={"start": local.start.astimezone(plus2)})
    async with store.transaction("salon", "k") as tx:
        await tx.insert_appointment(local)
        assert await tx.appointment_by_key("book:1") == local
    [stored] = await store.list_appointments("salon")
    assert stored == local
    assert stored.start.tzinfo == UTC and stored.end.tzinfo == UTC
    assert stored.start.utcoffset() == timedelta(0)


async def test_an_overlapping_booking_is_refused(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 60, 120))
        for start, end in [(60, 120), (30, 61), (119, 180), (70, 80), (0, 240)]:
            with pytest.raises(SlotTaken):
                await tx.insert_appointment(appointment(f"x{start}-{end}", start, end))
    assert [a.id for a in await store.list_appointments("salon")] == ["a1"]


async def test_adjacent_other_staff_other_business_and_cancelled_do_not_clash(
    store: Storage,
) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 60, 120))
        await tx.insert_appointment(appointment("before", 0, 60))
        await tx.insert_appointment(appointment("after", 120, 180))
        await tx.insert_appointment(appointment("ben", 60, 120, staff="ben"))
        await tx.insert_appointment(appointment("elsewhere", 60, 120, business="barber"))
        await tx.insert_appointment(appointment("old", 60, 120, status="cancelled"))
        await tx.cancel_appointment("a1")
        await tx.insert_appointment(appointment("a2", 60, 120))  # the cancelled slot is free
        with pytest.raises(SlotTaken):
            await tx.insert_appointment(appointment("a3", 150, 200))
    booked = [a.id for a in await store.list_appointments("salon") if a.status == "booked"]
    assert sorted(booked) == ["a2", "after", "before", "ben"]


async def test_moving_onto_a_taken_slot_is_refused(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 60))
        await tx.insert_appointment(appointment("a2", 60, 120))
        with pytest.raises(SlotTaken):
            await tx.move_appointment("a2", at(30), at(90), "ana")
        await tx.move_appointment("a2", at(30), at(90), "ben")  # another staff member is free
        await tx.move_appointment("a1", at(30), at(90), "ana")  # overlaps only its old self
        with pytest.raises(SlotTaken):
            await tx.move_appointment("a1", at(0), at(60), "ben")
    by_id = {a.id: a for a in await store.list_appointments("salon")}
    assert (by_id["a1"].start, by_id["a1"].end, by_id["a1"].staff) == (at(30), at(90), "ana")
    assert (by_id["a2"].start, by_id["a2"].staff) == (at(30), "ben")


async def test_moving_or_cancelling_an_unknown_appointment_fails(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        with pytest.raises(LookupError):
            await tx.move_appointment("nope", at(0), at(30), "ana")
        with pytest.raises(LookupError):
            await tx.cancel_appointment("nope")


async def test_an_appointment_must_end_after_it_starts(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        with pytest.raises(ValueError):
            await tx.insert_appointment(appointment("a1", 30, 30))
        await tx.insert_appointment(appointment("a2", 0, 30))
        with pytest.raises(ValueError):
            await tx.move_appointment("a2", at(30), at(0), "ana")
        with pytest.raises(ValueError):
            await tx.appointments_between("salon", NOW.replace(tzinfo=None), at(30))


async def test_an_idempotency_key_names_one_appointment(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 30, idempotency_key="book:1"))
        with pytest.raises(ValueError):
            await tx.insert_appointment(appointment("a2", 60, 90, idempotency_key="book:1"))
        with pytest.raises(ValueError):
            await tx.insert_appointment(appointment("a1", 120, 150))  # same id
        await tx.insert_appointment(appointment("a3", 60, 90))  # empty keys never clash
        await tx.insert_appointment(appointment("a4", 90, 120))
        assert await tx.appointment_by_key("") is None
        assert await tx.appointment_by_key("nope") is None
        found = await tx.appointment_by_key("book:1")
        assert found is not None and found.id == "a1"


async def test_appointments_between_and_of_a_customer(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 60, customer_id="ann"))
        await tx.insert_appointment(appointment("a2", 120, 180, customer_id="bob"))
        await tx.insert_appointment(appointment("a3", 60, 120, staff="ben", customer_id="ann"))
        await tx.insert_appointment(appointment("a4", 30, 90, staff="cy", customer_id="ann"))
        await tx.cancel_appointment("a4")
        await tx.insert_appointment(appointment("a5", 0, 60, business="barber", customer_id="ann"))
        between = await tx.appointments_between("salon", at(60), at(120))
        assert [a.id for a in between] == ["a3"]  # [start, end): a1 ends and a2 starts at edges
        between = await tx.appointments_between("salon", at(59), at(121))
        assert [a.id for a in between] == ["a1", "a3", "a2"]  # ordered by start
        assert [a.id for a in await tx.appointments_of("salon", "ann")] == ["a1", "a4", "a3"]
        assert await tx.appointments_of("salon", "nobody") == []
    listed = await store.list_appointments("salon")
    assert [a.id for a in listed] == ["a1", "a4", "a3", "a2"]
    assert [a.status for a in listed] == ["booked", "cancelled", "booked", "booked"]


# messages and escalations


def message(id: str, minutes: int) -> MessageRow:
    return MessageRow(
        id=id,
        business="salon",
        conversation_id="c1",
        caller_name="Ann",
        callback_number="+1555",
        text="please call back",
        created_at=at(minutes),
    )


async def test_messages_and_escalations_are_listed_oldest_first(store: Storage) -> None:
    escalation = EscalationRow(
        id="e1", business="salon", conversation_id="c1", reason="angry", created_at=at(3)
    )
    async with store.transaction("salon", "k") as tx:
        await tx.insert_message(message("m2", 5))
        await tx.insert_message(message("m1", 1))
        await tx.insert_escalation(escalation)
        with pytest.raises(ValueError):
            await tx.insert_message(message("m1", 9))
        with pytest.raises(ValueError):
            await tx.insert_escalation(escalation)
    assert [m.id for m in await store.list_messages("salon")] == ["m1", "m2"]
    assert (await store.list_messages("salon"))[0] == message("m1", 1)
    assert await store.list_escalations("salon") == [escalation]
    assert await store.list_messages("barber") == []
    assert await store.list_escalations("barber") == []


# outbox


def outbox(id: str, key: str, minutes: int = 0, **payload: object) -> OutboxRow:
    return OutboxRow(
        id=id,
        business="salon",
        kind="reply",
        payload={"text": "hi", **payload},
        idempotency_key=key,
        next_attempt_at=at(minutes),
    )


async def test_enqueue_ignores_a_known_idempotency_key(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.enqueue(outbox("o1", "reply:1", n=1))
        await tx.enqueue(outbox("o2", "reply:1", n=2))
    async with store.transaction("salon", "k") as tx:
        await tx.enqueue(outbox("o3", "reply:1", n=3))
        with pytest.raises(ValueError):
            await tx.enqueue(outbox("o4", ""))
    assert await store.outbox() == [outbox("o1", "reply:1", n=1)]


async def test_a_transaction_counts_the_rows_it_enqueues(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        assert tx.enqueued == 0
        await tx.conversation("salon", "sms", "+15035550100", at(0))
        assert tx.enqueued == 0  # other writes are not counted
        await tx.enqueue(outbox("o1", "k1", n=1))
        await tx.enqueue(outbox("o2", "k2", n=2))
        assert tx.enqueued == 2
    async with store.transaction("salon", "k") as tx:
        assert tx.enqueued == 0  # per transaction


async def test_outbox_depth_counts_the_rows_of_each_status(store: Storage) -> None:
    assert await store.outbox_depth(("pending", "dead")) == {"pending": 0, "dead": 0}
    async with store.transaction("salon", "k") as tx:
        for n in range(1, 6):
            await tx.enqueue(outbox(f"o{n}", f"k{n}", n))
    await store.mark_outbox("o1", "sent", 1, at(5), "")
    await store.mark_outbox("o2", "dead", 6, at(5), "gone")
    depth = await store.outbox_depth(("pending", "dead", "sent"))
    assert depth == {"pending": 3, "dead": 1, "sent": 1}
    assert depth == {s: len(await store.outbox(s)) for s in ("pending", "dead", "sent")}
    assert await store.outbox_depth(()) == {}


async def test_claim_leases_due_rows_and_mark_settles_them(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.enqueue(outbox("late", "k-late", 10))
        await tx.enqueue(outbox("o2", "k2", 2))
        await tx.enqueue(outbox("o1", "k1", 1))
        await tx.enqueue(outbox("o3", "k3", 3))
    claimed = await store.claim_outbox(at(5), limit=2)
    assert [(r.id, r.attempts, r.status) for r in claimed] == [
        ("o1", 1, "pending"),
        ("o2", 1, "pending"),
    ]
    assert all(r.next_attempt_at > at(5) for r in claimed)  # leased: in flight
    assert [r.id for r in await store.claim_outbox(at(5), limit=10)] == ["o3"]
    assert await store.claim_outbox(at(5), limit=10) == []
    assert await store.claim_outbox(at(5), limit=0) == []

    await store.mark_outbox("o1", "sent", 1, at(5), "")
    await store.mark_outbox("o2", "pending", 1, at(20), "timeout")
    await store.mark_outbox("o3", "dead", 5, at(5), "gave up")
    assert [r.id for r in await store.outbox("sent")] == ["o1"]
    assert [r.id for r in await store.outbox("dead")] == ["o3"]
    retry = [r for r in await store.outbox("pending") if r.id == "o2"][0]
    assert (retry.attempts, retry.last_error, retry.next_attempt_at) == (1, "timeout", at(20))

    much_later = at(24 * 60)
    again = await store.claim_outbox(much_later, limit=10)
    assert [(r.id, r.attempts) for r in again] == [("late", 1), ("o2", 2)]
    assert all(r.next_attempt_at.tzinfo == UTC and r.payload == {"text": "hi"} for r in again)


async def test_mark_outbox_checks_its_arguments(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.enqueue(outbox("o1", "k1"))
    with pytest.raises(ValueError):
        await store.mark_outbox("o1", "lost", 1, NOW, "")
    with pytest.raises(LookupError):
        await store.mark_outbox("nope", "sent", 1, NOW, "")


async def test_a_secret_is_blanked_once_its_row_is_sent_or_dead(store: Storage) -> None:
    """A row marked ``secret`` (a one-time code) loses its text when it is sent or dead —
    not while it may still be tried — and keeps the rest; other rows keep their text."""
    async with store.transaction("salon", "k") as tx:
        for n in (1, 2, 3, 4):
            await tx.enqueue(outbox(f"o{n}", f"k{n}", n, secret=n < 4, to="+1555"))
    await store.mark_outbox("o1", "sent", 1, at(5), "")
    await store.mark_outbox("o2", "dead", 6, at(5), "gone")
    await store.mark_outbox("o3", "pending", 1, at(9), "timeout")
    await store.mark_outbox("o4", "sent", 1, at(5), "")
    by_id = {r.id: r for r in await store.outbox()}
    assert by_id["o1"].payload == {"text": "", "secret": True, "to": "+1555"}
    assert by_id["o2"].payload == {"text": "", "secret": True, "to": "+1555"}
    assert by_id["o2"].last_error == "gone" and by_id["o2"].status == "dead"
    assert by_id["o3"].payload == {"text": "hi", "secret": True, "to": "+1555"}
    assert by_id["o4"].payload == {"text": "hi", "secret": False, "to": "+1555"}


# idempotent results


async def test_the_first_remembered_result_stands(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        assert await tx.idempotent_result("book:1") is None
        await tx.remember_result("book:1", {"ok": True, "id": "a1", "slots": [1, 2]})
        await tx.remember_result("book:1", {"ok": False})
        result = await tx.idempotent_result("book:1")
        assert result == {"ok": True, "id": "a1", "slots": [1, 2]}
        result["ok"] = "mutated by a reader"
    async with store.transaction("salon", "k") as tx:
        assert await tx.idempotent_result("book:1") == {"ok": True, "id": "a1", "slots": [1, 2]}


async def test_claim_can_be_limited_to_the_kinds_a_drainer_sends(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.enqueue(outbox("o1", "k1", 1))
        await tx.enqueue(outbox("o2", "k2", 2).model_copy(update={"kind": "message_file"}))
    assert await store.claim_outbox(at(5), limit=10, kinds=[]) == []
    assert [r.id for r in await store.claim_outbox(at(5), limit=10, kinds=["message_file"])] == [
        "o2"
    ]
    untouched = [r for r in await store.outbox("pending") if r.id == "o1"][0]
    assert untouched.attempts == 0
    assert [r.id for r in await store.claim_outbox(at(5), limit=10, kinds=None)] == ["o1"]


# re-queueing


async def test_requeue_sends_a_dead_or_pending_row_again(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        for n in (1, 2, 3):
            await tx.enqueue(outbox(f"o{n}", f"k{n}", n))
    await store.mark_outbox("o1", "dead", 5, at(1), "gave up")
    await store.mark_outbox("o2", "pending", 2, at(30), "timeout")
    assert await store.requeue_outbox("o1", False, at(60)) == 1
    assert await store.requeue_outbox("o2", False, at(60)) == 1
    by_id = {r.id: r for r in await store.outbox()}
    assert [
        (by_id[i].status, by_id[i].attempts, by_id[i].next_attempt_at, by_id[i].last_error)
        for i in ("o1", "o2", "o3")
    ] == [
        ("pending", 0, at(60), "gave up"),  # the last error is kept
        ("pending", 0, at(60), "timeout"),
        ("pending", 0, at(3), ""),  # untouched
    ]
    assert by_id["o1"].next_attempt_at.tzinfo == UTC
    assert [r.id for r in await store.claim_outbox(at(60), limit=10)] == ["o3", "o1", "o2"]


async def test_requeue_all_dead_rows(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        for n in (1, 2, 3, 4):
            await tx.enqueue(outbox(f"o{n}", f"k{n}", n))
    await store.mark_outbox("o1", "dead", 5, at(1), "gone")
    await store.mark_outbox("o3", "dead", 5, at(1), "gone")
    await store.mark_outbox("o4", "sent", 1, at(1), "")
    assert await store.requeue_outbox(None, True, at(9)) == 2
    assert await store.outbox("dead") == []
    assert [(r.id, r.attempts, r.next_attempt_at) for r in await store.outbox("pending")] == [
        ("o2", 0, at(2)),
        ("o1", 0, at(9)),
        ("o3", 0, at(9)),
    ]
    assert [r.id for r in await store.outbox("sent")] == ["o4"]
    assert await store.requeue_outbox(None, True, at(9)) == 0  # none left


async def test_requeue_refuses_sent_rows_unknown_ids_and_unclear_requests(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.enqueue(outbox("o1", "k1"))
    await store.mark_outbox("o1", "sent", 1, at(1), "")
    with pytest.raises(ValueError, match="sent"):
        await store.requeue_outbox("o1", False, at(5))
    with pytest.raises(LookupError):
        await store.requeue_outbox("nope", False, at(5))
    with pytest.raises(ValueError):
        await store.requeue_outbox(None, False, at(5))
    with pytest.raises(ValueError):
        await store.requeue_outbox("o1", True, at(5))
    with pytest.raises(ValueError):
        await store.requeue_outbox(None, True, NOW.replace(tzinfo=None))
    [row] = await store.outbox()
    assert (row.status, row.attempts, row.next_attempt_at) == ("sent", 1, at(1))


# dropped bursts


async def test_a_dropped_burst_is_one_row_whose_count_and_last_moment_grow(
    store: Storage,
) -> None:
    plus2 = timezone(timedelta(hours=2))
    burst = DroppedBurst(
        id="b1",
        business="salon",
        channel="webchat",
        budget="address",
        sender="session-1",
        provider_msg_id="web-session-1-7",
        text="hello?",
        count=1,
        first_at=NOW.astimezone(plus2),
        last_at=NOW,
    )
    await store.save_dropped(burst)
    later = burst.model_copy(
        update={"count": 40, "last_at": NOW + timedelta(seconds=3), "text": "not kept"}
    )
    await store.save_dropped(later)
    other = burst.model_copy(update={"id": "b2", "business": "barber"})
    await store.save_dropped(other)
    [row] = await store.list_dropped("salon")
    assert row == burst.model_copy(
        update={"count": 40, "first_at": NOW, "last_at": NOW + timedelta(seconds=3)}
    )
    assert row.first_at.tzinfo == UTC
    assert [d.id for d in await store.list_dropped("barber")] == ["b2"]
    assert await store.list_dropped("nobody") == []


async def test_dropped_bursts_are_deleted_by_their_last_moment_or_by_their_sender(
    store: Storage,
) -> None:
    def burst(id: str, business: str, channel: str, sender: str, last: timedelta) -> DroppedBurst:
        return DroppedBurst.model_validate(
            {
                "id": id,
                "business": business,
                "channel": channel,
                "budget": "sender",
                "sender": sender,
                "provider_msg_id": f"m-{id}",
                "text": "hello?",
                "count": 3,
                "first_at": NOW - timedelta(hours=2),
                "last_at": NOW + last,
            }
        )

    ongoing = burst("b1", "salon", "sms", "+1555", timedelta(seconds=3))  # began long ago
    ended = burst("b2", "salon", "webchat", "session-1", -timedelta(hours=1))
    elsewhere = burst("b3", "barber", "sms", "+1555", -timedelta(hours=1))
    whatsapp = burst("b4", "salon", "whatsapp", "1555", timedelta(0))
    for b in (ongoing, ended, elsewhere, whatsapp):
        await store.save_dropped(b)
    assert await store.delete_dropped("salon", before=NOW) == 1  # by the last message
    assert [d.id for d in await store.list_dropped("salon")] == ["b1", "b4"]
    mine = [("sms", "+1555"), ("webchat", "session-1"), ("sms", "+1999")]
    assert await store.delete_dropped("salon", senders=mine) == 1
    assert await store.delete_dropped("salon", before=NOW, senders=mine) == 0  # gone stays gone
    assert await store.list_dropped("salon") == [whatsapp]  # another channel, same digits
    assert await store.list_dropped("barber") == [elsewhere]  # another business
    assert await store.delete_dropped("salon", before=NOW + timedelta(seconds=1)) == 1
    assert await store.delete_dropped("nobody", before=NOW, senders=mine) == 0


# one-time codes (proving a typed phone number)


def code(id: str, conversation: str = "conv", phone: str = "+1555", minutes: int = 0) -> CodeRow:
    return CodeRow(
        id=id,
        business="salon",
        conversation_id=conversation,
        phone=phone,
        salt=f"salt-{id}",
        digest=f"digest-{id}",
        sent=id != "unsent",
        created_at=at(minutes),
        expires_at=at(minutes + 10),
    )


async def test_the_latest_code_of_a_conversation_and_number_comes_back_as_stored(
    store: Storage,
) -> None:
    plus2 = timezone(timedelta(hours=2))
    first = code("c1")
    later = code("c2", minutes=1)
    later = later.model_copy(update={"created_at": later.created_at.astimezone(plus2)})
    async with store.transaction("salon", "k") as tx:
        for row in (first, later, code("unsent", minutes=2, phone="+1999"), code("c3", "other")):
            await tx.insert_code(row)
        latest = await tx.latest_code("salon", "conv", "+1555")
        assert latest == later and latest is not None
        assert latest.created_at.utcoffset() == timedelta(0) and not latest.used
        assert (await tx.latest_code("salon", "conv", "+1999")) == code(
            "unsent", minutes=2, phone="+1999"
        )
        assert await tx.latest_code("salon", "nobody", "+1555") is None
        assert await tx.latest_code("barber", "conv", "+1555") is None


async def test_a_code_counts_its_attempts_and_stays_used(store: Storage) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.insert_code(code("c1"))
        await tx.code_attempt("c1", used=False)
        await tx.code_attempt("c1", used=True)
        await tx.code_attempt("c1", used=False)
        with pytest.raises(LookupError):
            await tx.code_attempt("nope", used=True)
    async with store.transaction("salon", "k") as tx:
        row = await tx.latest_code("salon", "conv", "+1555")
        assert row is not None and (row.attempts, row.used) == (3, True)


async def test_codes_are_counted_since_a_moment_per_conversation_and_per_number(
    store: Storage,
) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.insert_code(code("old", minutes=-61))
        await tx.insert_code(code("c1", minutes=-60))
        await tx.insert_code(code("c2", phone="+1999"))
        await tx.insert_code(code("c3", conversation="other"))
        since = at(-60)
        assert await tx.codes_sent("salon", since) == 3
        assert await tx.codes_sent("salon", since, conversation_id="conv") == 2
        assert await tx.codes_sent("salon", since, phone="+1555") == 2
        assert await tx.codes_sent("salon", since, conversation_id="conv", phone="+1999") == 1
        assert await tx.codes_sent("barber", since) == 0


async def test_a_code_written_in_a_failed_transaction_is_not_kept(store: Storage) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction("salon", "k") as tx:
            await tx.insert_code(code("c1"))
            raise RuntimeError("the turn failed")
    async with store.transaction("salon", "k") as tx:
        assert await tx.latest_code("salon", "conv", "+1555") is None


async def test_codes_are_listed_and_deleted_by_their_expiry_or_by_their_number(
    store: Storage,
) -> None:
    async with store.transaction("salon", "k") as tx:
        await tx.insert_code(code("late", minutes=5))  # expires at(15)
        await tx.insert_code(code("early", minutes=-20))  # expires at(-10)
        await tx.insert_code(code("unsent", "other", phone="+1999"))  # expires at(10)
        await tx.insert_code(code("c4", minutes=1).model_copy(update={"business": "barber"}))
        await tx.code_attempt("late", used=True)
    listed = await store.list_codes("salon")
    assert [c.id for c in listed] == ["early", "unsent", "late"]  # oldest first
    assert listed[2] == code("late", minutes=5).model_copy(update={"attempts": 1, "used": True})
    assert listed[0].expires_at.tzinfo == UTC
    assert await store.list_codes("nobody") == []
    assert await store.delete_codes("salon", before=at(-10)) == 0  # expiry is not before it
    assert await store.delete_codes("salon", before=at(10)) == 1  # by expiry: "early"
    assert await store.delete_codes("salon", phone="+1555") == 1  # by the number: "late"
    assert await store.delete_codes("salon", before=at(10), phone="+1555") == 0  # gone stays gone
    assert [c.id for c in await store.list_codes("salon")] == ["unsent"]
    assert [c.id for c in await store.list_codes("barber")] == ["c4"]  # another business
    assert await store.delete_codes("salon") == 0  # neither a moment nor a number: nothing
    assert await store.delete_codes("salon", phone="+1999") == 1
    assert await store.list_codes("salon") == []
    async with store.transaction("salon", "k") as tx:  # the limits forget what is deleted
        assert await tx.codes_sent("barber", at(-60)) == 1
        assert await tx.latest_code("salon", "other", "+1999") is None
