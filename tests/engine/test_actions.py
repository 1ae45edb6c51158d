"""The typed actions (``engine.actions``) against the in-memory store.

Booking checks before it books (only offered slots, only free ones) and is idempotent by
its call's key; messages are stored and queued for every configured delivery; cancel and
reschedule change the appointment; find_appointment sees only the caller's own future
bookings.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.business_files import load_businesses
from adapters.wiring import repo_path
from engine.actions import (
    CODE_DAY,
    CODE_WINDOW,
    CODES_PER_NUMBER,
    CODES_PER_NUMBER_PER_DAY,
    ActionContext,
    run_action,
)
from engine.actions_args import idempotency_key
from engine.business import Business, MessageDelivery, WebhookDelivery
from engine.ports import Appointment, AppointmentId, Tx
from engine.state import ActionCall, ActionResult, ConversationState, FoundAppointment
from language.types import Slot
from store.memory import MemoryStore

DEMOS = load_businesses(repo_path("examples", "businesses"), {})
BLOOM = DEMOS["bloom-salon"]
TZ = ZoneInfo(BLOOM.timezone)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)  # a Tuesday
WED = date(2026, 11, 25)
PHONE = "+15035550101"
# a conversation that has proven it speaks for PHONE (a caller id, or a code typed back):
# appointments are looked up, cancelled and moved only under a proven number
PROVEN = ConversationState(verified_phones=(PHONE,))


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def slot(hour: int, staff: str = "sam", service: str = "mens_cut", day: date = WED) -> Slot:
    minutes = BLOOM.service(service).duration_min
    start = local(day, hour)
    return Slot(
        start=start,
        end=start + timedelta(minutes=minutes),
        staff=staff,
        staff_name=BLOOM.staff_member(staff).name,
        service=service,
    )


def call(action: str, **args: str) -> ActionCall:
    return ActionCall(name=action, args=args, key=idempotency_key(BLOOM.slug, action, args))


def book_call(s: Slot, name: str = "Jamie Rivera", phone: str = PHONE) -> ActionCall:
    return call(
        "book",
        service=s.service,
        staff=s.staff,
        start=s.start.isoformat(),
        end=s.end.isoformat(),
        name=name,
        phone=phone,
        email="",
        lang="en",
    )


def ctx(
    tx: Tx,
    state: ConversationState | None = None,
    business: Business = BLOOM,
    conversation: str = "conv-1",
    now: datetime = NOW,
) -> ActionContext:
    return ActionContext(
        business=business,
        tx=tx,
        now=now,
        conversation_id=conversation,
        state=state or ConversationState(),
        channel="webchat",
        lang="en",
    )


async def run(
    store: MemoryStore, c: ActionCall, state: ConversationState | None = None, **kw: Any
) -> ActionResult:
    async with store.transaction(BLOOM.slug, kw.pop("key", "webchat:guest")) as tx:
        return await run_action(c, ctx(tx, state, **kw))


async def existing(
    store: MemoryStore, s: Slot, phone: str = "+15035550999", status: str = "booked"
) -> Appointment:
    """An appointment made elsewhere (another conversation, the salon's own calendar)."""
    async with store.transaction(BLOOM.slug, "seed") as tx:
        customer = await tx.upsert_customer(BLOOM.slug, "Someone Else", phone, "")
        a = Appointment(
            id=AppointmentId(f"seed-{s.start:%d%H%M}-{s.staff}"),
            business=BLOOM.slug,
            service=s.service,
            staff=s.staff,
            start=s.start.astimezone(UTC),
            end=s.end.astimezone(UTC),
            customer_id=customer.id,
            customer_name=customer.name,
            customer_phone=phone,
            status=status,
        )  # type: ignore[arg-type]
        await tx.insert_appointment(a)
        if status == "cancelled":
            await tx.cancel_appointment(a.id)
        return a


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


# ---------------------------------------------------------------------- book


async def test_book_refuses_a_slot_not_offered_in_the_conversation(store) -> None:
    offered = ConversationState(offered=(slot(9), slot(10)))
    for unoffered in (slot(11), slot(9, staff="alex"), slot(9, day=WED + timedelta(days=1))):
        result = await run(store, book_call(unoffered), offered)
        assert not result.ok and result.error == "not_offered"
        assert [i.kind for i in result.items] == ["slot_taken"]
    assert await store.list_appointments(BLOOM.slug) == []
    # a refusal is not remembered: once offered, the same call books
    offered = ConversationState(offered=(slot(11),))
    assert (await run(store, book_call(slot(11)), offered)).ok


async def test_book_writes_the_appointment_and_the_customer(store) -> None:
    s = slot(9)
    result = await run(store, book_call(s), ConversationState(offered=(s,)))
    assert result.ok and result.error == ""
    assert [i.kind for i in result.items] == ["booked"]
    assert result.items[0].data["staff"] == "Sam" and result.items[0].slots == (s,)
    [a] = await store.list_appointments(BLOOM.slug)
    assert a.id == result.data["appointment_id"]
    assert (a.service, a.staff, a.status) == ("mens_cut", "sam", "booked")
    assert a.start == s.start and a.end == s.end and a.start.tzinfo == UTC
    assert (a.customer_name, a.customer_phone) == ("Jamie Rivera", PHONE)
    assert a.conversation_id == "conv-1" and a.idempotency_key == book_call(s).key
    async with store.transaction(BLOOM.slug, "check") as tx:
        customer = await tx.customer_by_phone(BLOOM.slug, PHONE)
    assert customer is not None and customer.id == result.data["customer_id"]


async def test_booking_twice_with_the_same_key_is_one_appointment(store) -> None:
    s = slot(9)
    state = ConversationState(offered=(s,))
    first = await run(store, book_call(s), state)
    again = await run(store, book_call(s), state)  # a retried turn: the stored result
    other = await run(
        store, book_call(s), state, key="sms:+15035550101", conversation="conv-2"
    )  # the same booking from another conversation
    assert first.ok and again.ok and other.ok
    assert (
        first.data["appointment_id"] == again.data["appointment_id"] == other.data["appointment_id"]
    )
    assert len(await store.list_appointments(BLOOM.slug)) == 1


async def test_book_is_idempotent_even_without_the_stored_result(store) -> None:
    """The handler itself finds the appointment by key (say, the result row was lost)."""
    from engine.actions import HANDLERS

    s = slot(9)
    state = ConversationState(offered=(s,))
    async with store.transaction(BLOOM.slug, "a") as tx:
        first = await HANDLERS["book"](book_call(s), ctx(tx, state))
    async with store.transaction(BLOOM.slug, "a") as tx:
        again = await HANDLERS["book"](book_call(s), ctx(tx, state))
    assert first.ok and again.ok
    assert first.data["appointment_id"] == again.data["appointment_id"]
    assert len(await store.list_appointments(BLOOM.slug)) == 1


async def _customer(store: MemoryStore, name: str, email: str) -> str:
    async with store.transaction(BLOOM.slug, "calendar") as tx:
        return (await tx.upsert_customer(BLOOM.slug, name, PHONE, email)).id


async def test_a_booking_under_a_number_not_proven_changes_and_reveals_no_customer(
    store,
) -> None:
    """A web chat books under someone's number without proving it: the booking is made
    (the business's calendar), but their name and e-mail stay, and their id is not given
    to the conversation — not on a retry from elsewhere either."""
    dana = await _customer(store, "Dana Whitfield", "dana@example.com")
    s = slot(9)
    c = call("book", service=s.service, staff=s.staff, start=s.start.isoformat(),
             end=s.end.isoformat(), name="Mallory", phone=PHONE, email="m@example.org",
             lang="en")  # fmt: skip
    result = await run(store, c, ConversationState(offered=(s,)))
    assert result.ok and "customer_id" not in result.data
    again = await run(store, c, ConversationState(offered=(s,)), conversation="conv-9")
    assert again.ok and "customer_id" not in again.data
    async with store.transaction(BLOOM.slug, "check") as tx:
        customer = await tx.customer_by_phone(BLOOM.slug, PHONE)
    assert customer is not None
    assert (customer.id, customer.name, customer.email) == (
        dana,
        "Dana Whitfield",
        "dana@example.com",
    )
    [a] = await store.list_appointments(BLOOM.slug)
    assert (a.customer_id, a.customer_name, a.customer_phone) == (dana, "Mallory", PHONE)


async def test_an_unproven_booking_fills_in_nothing_a_customer_lacks(store) -> None:
    """Not even an empty name or e-mail: a stranger would choose the name the customer
    is later greeted by."""
    kept = await _customer(store, "", "")
    s = slot(9)
    result = await run(store, book_call(s), ConversationState(offered=(s,)))
    assert result.ok and "customer_id" not in result.data
    async with store.transaction(BLOOM.slug, "check") as tx:
        customer = await tx.customer_by_phone(BLOOM.slug, PHONE)
    assert customer is not None and (customer.id, customer.name, customer.email) == (kept, "", "")


async def test_a_booking_under_a_proven_number_updates_its_customer(store) -> None:
    dana = await _customer(store, "Dana Whitfield", "dana@example.com")
    s = slot(9)
    state = PROVEN.model_copy(update={"offered": (s,)})
    result = await run(store, book_call(s, name="Dana Quinn"), state)
    assert result.ok and result.data["customer_id"] == dana
    again = await run(store, book_call(s, name="Dana Quinn"), state, conversation="conv-9")
    assert again.ok and again.data["customer_id"] == dana
    async with store.transaction(BLOOM.slug, "check") as tx:
        customer = await tx.customer_by_phone(BLOOM.slug, PHONE)
    assert customer is not None and customer.name == "Dana Quinn"
    assert customer.email == "dana@example.com"  # a blank leaves it


@pytest.mark.parametrize(("taken_at", "minutes"), [(9, 0), (8, 45), (9, 15)])
async def test_book_refuses_a_slot_taken_meanwhile(store, taken_at, minutes) -> None:
    s = slot(9)  # 09:00-09:30 with Sam
    start = local(WED, taken_at, minutes)
    await existing(
        store,
        Slot(
            start=start,
            end=start + timedelta(minutes=30),
            staff="sam",
            staff_name="Sam",
            service="mens_cut",
        ),
    )
    result = await run(store, book_call(s), ConversationState(offered=(s,)))
    assert not result.ok and result.error == "slot_taken"
    assert [i.kind for i in result.items] == ["slot_taken"]
    assert len(await store.list_appointments(BLOOM.slug)) == 1
    # a failed booking is not remembered under its key: once free, it books
    async with store.transaction(BLOOM.slug, "check") as tx:
        assert await tx.idempotent_result(book_call(s).key) is None


async def test_book_ignores_other_staff_and_cancelled_appointments(store) -> None:
    s = slot(9)
    await existing(store, slot(9, staff="alex"))
    await existing(store, s, phone="+15035550998", status="cancelled")
    result = await run(store, book_call(s), ConversationState(offered=(s,)))
    assert result.ok


# ---------------------------------------------------------------------- take_message


def _message_call(**extra: str) -> ActionCall:
    return call(
        "take_message",
        name="Morgan Blake",
        phone="+15035550104",
        message="Please call me back about a wedding party",
        topic="message",
        lang="en",
        **extra,
    )


@pytest.mark.parametrize("delivery", ["none", "file", "webhook", "both"])
async def test_take_message_stores_it_and_queues_each_delivery(store, delivery) -> None:
    hook = WebhookDelivery(url="https://example.test/hook", secret="s3cret-s3cret")
    messages = {
        "none": MessageDelivery(),
        "file": MessageDelivery(file="var/m.jsonl"),
        "webhook": MessageDelivery(webhook=hook),
        "both": MessageDelivery(file="var/m.jsonl", webhook=hook),
    }[delivery]
    b = BLOOM.model_copy(update={"messages": messages})
    c = _message_call()
    result = await run(store, c, business=b)
    assert result.ok and [i.kind for i in result.items] == ["message_taken"]
    [m] = await store.list_messages(BLOOM.slug)
    assert m.id == result.data["message_id"] and m.conversation_id == "conv-1"
    assert (m.caller_name, m.callback_number) == ("Morgan Blake", "+15035550104")
    assert m.text == "Please call me back about a wedding party"
    assert m.created_at == NOW
    rows = {r.kind: r for r in await store.outbox()}
    want = {
        "none": set(),
        "file": {"message_file"},
        "webhook": {"message_webhook"},
        "both": {"message_file", "message_webhook"},
    }[delivery]
    assert set(rows) == want
    for kind, row in rows.items():
        assert row.status == "pending" and row.business == BLOOM.slug
        assert row.idempotency_key == f"{c.key}:{kind}"
        assert row.payload["message"]["message_id"] == m.id
        assert row.payload["message"]["callback_number"] == "+15035550104"
        assert row.payload["message"]["text"] == m.text
    if "message_file" in rows:
        assert rows["message_file"].payload["path"] == "var/m.jsonl"
    if "message_webhook" in rows:
        assert rows["message_webhook"].payload["url"] == "https://example.test/hook"
        assert "s3cret" not in str(rows["message_webhook"].payload)  # never the secret


async def test_take_message_twice_with_the_same_key_is_one_message(store) -> None:
    b = BLOOM.model_copy(update={"messages": MessageDelivery(file="var/m.jsonl")})
    first = await run(store, _message_call(), business=b)
    again = await run(store, _message_call(), business=b)
    assert first.data == again.data
    assert len(await store.list_messages(BLOOM.slug)) == 1
    assert len(await store.outbox()) == 1


# ---------------------------------------------------------------------- find, cancel, move


async def _mine(store: MemoryStore, s: Slot, phone: str = PHONE) -> str:
    result = await run(
        store,
        book_call(s, phone=phone),
        ConversationState(offered=(s,)),
        now=s.start - timedelta(days=1),
    )
    assert result.ok
    return str(result.data["appointment_id"])


async def test_find_appointment_finds_only_future_bookings_of_that_phone(store) -> None:
    past = await _mine(store, slot(9, day=date(2026, 11, 20)))
    upcoming = await _mine(store, slot(9))
    later = await _mine(store, slot(14, staff="alex", day=date(2026, 11, 27)))
    gone = await _mine(store, slot(16, day=date(2026, 11, 28)))
    await run(
        store,
        call("cancel", appointment=gone, lang="en"),
        ConversationState(
            verified_phones=(PHONE,),
            found=(
                FoundAppointment(
                    id=gone,
                    service="mens_cut",
                    staff="sam",
                    staff_name="Sam",
                    start=local(date(2026, 11, 28), 16),
                    end=local(date(2026, 11, 28), 16, 30),
                ),
            ),
        ),
    )
    await _mine(store, slot(11), phone="+15035550777")  # someone else's
    assert {past, upcoming, later, gone}

    result = await run(store, call("find_appointment", phone=PHONE, lang="en"), PROVEN)
    assert result.ok and result.count == 2
    assert [f.id for f in result.found] == [upcoming, later]  # soonest first
    assert result.found[0].start == local(WED, 9) and result.found[0].start.tzinfo is not None
    assert result.found[1].staff_name == "Alex"
    assert result.fields == {}  # two: the customer must choose
    assert [i.kind for i in result.items] == ["appointment"]

    # only one left in the future: it is chosen at once
    result = await run(
        store,
        call("find_appointment", phone=PHONE, lang="en"),
        PROVEN,
        now=local(date(2026, 11, 26), 9),
    )
    assert [f.id for f in result.found] == [later] and result.fields == {"appointment": later}

    for phone in ("+15035550000", ""):
        nothing = await run(
            store,
            call("find_appointment", phone=phone, lang="en"),
            ConversationState(verified_phones=(phone,) if phone else ()),
        )
        assert not nothing.ok and nothing.error == "not_found"
        assert [i.kind for i in nothing.items] == ["no_appointment"]
    after_all = await run(
        store,
        call("find_appointment", phone=PHONE, lang="en"),
        PROVEN,
        now=local(date(2026, 12, 1), 9),
    )
    assert not after_all.ok and after_all.error == "not_found"


async def _found(store: MemoryStore, phone: str = PHONE) -> ConversationState:
    proven = ConversationState(verified_phones=(phone,))
    result = await run(store, call("find_appointment", phone=phone, lang="en"), proven)
    assert result.ok
    return proven.model_copy(update={"found": result.found})


async def test_cancel_cancels_the_chosen_appointment(store) -> None:
    mine = await _mine(store, slot(9))
    state = await _found(store)
    refused = await run(store, call("cancel", appointment="not-found", lang="en"), state)
    assert not refused.ok and refused.error == "not_found"
    result = await run(store, call("cancel", appointment=mine, lang="en"), state)
    assert result.ok and [i.kind for i in result.items] == ["cancelled"]
    [a] = await store.list_appointments(BLOOM.slug)
    assert a.id == mine and a.status == "cancelled"
    # the time is free again
    s = slot(9)
    assert (
        await run(store, book_call(s, phone="+15035550777"), ConversationState(offered=(s,)))
    ).ok


async def test_an_appointment_kept_without_its_number_is_cancelled_for_its_customer(store) -> None:
    """A row made elsewhere (the salon's calendar) may keep no copy of the number: the
    customer's number is the one it was found under, proven, and the one told."""
    s = slot(9)
    async with store.transaction(BLOOM.slug, "calendar") as tx:
        customer = await tx.upsert_customer(BLOOM.slug, "Jamie Rivera", PHONE, "")
        await tx.insert_appointment(
            Appointment(
                id=AppointmentId("from-the-calendar"),
                business=BLOOM.slug,
                service=s.service,
                staff=s.staff,
                start=s.start.astimezone(UTC),
                end=s.end.astimezone(UTC),
                customer_id=customer.id,
            )
        )
    state = await _found(store)
    stranger = state.model_copy(update={"verified_phones": ("+15035550777",)})
    refused = await run(store, call("cancel", appointment="from-the-calendar"), stranger)
    assert not refused.ok and refused.error == "not_verified"
    result = await run(store, call("cancel", appointment="from-the-calendar"), state)
    assert result.ok and [i.kind for i in result.items] == ["cancelled"]
    [notice] = [r for r in await store.outbox() if r.idempotency_key.startswith("notify:")]
    assert notice.payload["to"] == PHONE and notice.payload["channel"] == "sms"


async def test_cancel_needs_an_appointment_found_in_the_conversation(store) -> None:
    mine = await _mine(store, slot(9))
    result = await run(store, call("cancel", appointment=mine, lang="en"))
    assert not result.ok and result.error == "not_found"
    [a] = await store.list_appointments(BLOOM.slug)
    assert a.status == "booked"


async def test_cancel_retried_answers_the_same_and_cancels_once(store) -> None:
    mine = await _mine(store, slot(9))
    state = await _found(store)
    first = await run(store, call("cancel", appointment=mine, lang="en"), state)
    again = await run(store, call("cancel", appointment=mine, lang="en"), state)
    assert first.ok and again.ok and first.items == again.items


async def test_cancel_of_an_appointment_cancelled_elsewhere_says_so(store) -> None:
    mine = await _mine(store, slot(9))
    state = await _found(store)
    async with store.transaction(BLOOM.slug, "staff-calendar") as tx:  # the salon cancels it
        await tx.cancel_appointment(mine)
    result = await run(store, call("cancel", appointment=mine, lang="en"), state)
    assert not result.ok and result.error == "already_cancelled"
    assert [i.kind for i in result.items] == ["already_cancelled"]
    [a] = await store.list_appointments(BLOOM.slug)
    assert a.status == "cancelled"


async def test_an_appointment_of_another_business_is_not_found_and_not_touched(store) -> None:
    other = (
        DEMOS["brightsmile-dental"]
        if "brightsmile-dental" in DEMOS
        else next(b for slug, b in DEMOS.items() if slug != BLOOM.slug)
    )
    mine = await _mine(store, slot(9))
    state = await _found(store)
    for action, extra in (
        ("cancel", {}),
        (
            "reschedule",
            {"start": slot(15).start.isoformat(), "end": slot(15).end.isoformat(), "staff": "sam"},
        ),
    ):
        state_here = state.model_copy(update={"offered": (slot(15),)})
        async with store.transaction(other.slug, "x") as tx:
            result = await run_action(
                ActionCall(
                    name=action,
                    args={"appointment": mine, "lang": "en", **extra},
                    key=idempotency_key(other.slug, action, {"appointment": mine}),
                ),
                ctx(tx, state_here, business=other),
            )
        assert not result.ok and result.error == "not_found", action
    [a] = await store.list_appointments(BLOOM.slug)
    assert a.status == "booked" and a.start == slot(9).start


async def test_reschedule_moves_the_appointment_to_an_offered_slot(store) -> None:
    mine = await _mine(store, slot(9))
    found = await _found(store)
    new = slot(15, staff="alex", day=date(2026, 11, 27))
    state = found.model_copy(update={"offered": (new,)})
    move = call(
        "reschedule",
        appointment=mine,
        start=new.start.isoformat(),
        end=new.end.isoformat(),
        staff="alex",
        lang="en",
    )
    not_offered = call(
        "reschedule",
        appointment=mine,
        start=slot(16).start.isoformat(),
        end=slot(16).end.isoformat(),
        staff="sam",
        lang="en",
    )
    refused = await run(store, not_offered, state)
    assert not refused.ok and refused.error == "not_offered"
    result = await run(store, move, state)
    assert result.ok and [i.kind for i in result.items] == ["rescheduled"]
    [a] = await store.list_appointments(BLOOM.slug)
    assert a.id == mine and a.status == "booked"
    assert (a.start, a.end, a.staff) == (new.start, new.end, "alex")
    assert (await run(store, move, state)).data == result.data  # retried: the same result
    assert len(await store.list_appointments(BLOOM.slug)) == 1


async def test_reschedule_into_a_taken_slot_is_refused(store) -> None:
    mine = await _mine(store, slot(9))
    target = slot(15, staff="alex", day=date(2026, 11, 27))
    await existing(store, target)
    state = (await _found(store)).model_copy(update={"offered": (target,)})
    result = await run(
        store,
        call(
            "reschedule",
            appointment=mine,
            start=target.start.isoformat(),
            end=target.end.isoformat(),
            staff="alex",
            lang="en",
        ),
        state,
    )
    assert not result.ok and result.error == "slot_taken"
    a = next(a for a in await store.list_appointments(BLOOM.slug) if a.id == mine)
    assert (a.start, a.staff) == (slot(9).start, "sam")  # unchanged


# ---------------------------------------------------------------------- the slot asked for


def _find(**args: str) -> ActionCall:
    return call("find_slots", service="blowout", lang="en", **args)


async def test_a_free_slot_named_by_day_and_time_comes_back_alone_to_be_read_back(store) -> None:
    thursday = date(2026, 11, 26)
    result = await run(store, _find(date=thursday.isoformat(), time="13:00"))
    one = slot(13, service="blowout", day=thursday)
    assert result.ok and result.offered == (one,) and result.asked == one.start.isoformat()
    assert [(i.kind, i.slots) for i in result.items] == [("slot_free", (one,))]


async def test_a_taken_or_unclear_slot_gets_the_offer(store) -> None:
    thursday = date(2026, 11, 26)
    await existing(store, slot(13, service="blowout", day=thursday))
    for args in (
        {"date": thursday.isoformat(), "time": "13:00"},  # taken
        {"date": thursday.isoformat(), "part": "afternoon"},  # no time
        {"time": "13:00"},
    ):  # no day
        result = await run(store, _find(**args))
        assert result.ok and result.asked == "" and len(result.offered) == 3, args
        assert [i.kind for i in result.items] == ["offer_slots"]
        assert slot(13, service="blowout", day=thursday).start not in {
            s.start for s in result.offered
        }


async def test_the_slot_read_back_is_booked_only_if_still_free(store) -> None:
    """Check-before-book holds for it: it counts as offered, and taken meanwhile it is
    refused at commit."""
    thursday = date(2026, 11, 26)
    found = await run(store, _find(date=thursday.isoformat(), time="13:00"))
    state = ConversationState(offered=found.offered, last_offered=found.offered)
    await existing(store, found.offered[0], phone="+15035550888")
    refused = await run(store, book_call(found.offered[0]), state)
    assert not refused.ok and refused.error == "slot_taken"


# ---------------------------------------------------------------------- codes


@settings(max_examples=30, deadline=None)
@given(gaps=st.lists(st.integers(min_value=0, max_value=6 * 60), min_size=1, max_size=30))
def test_codes_to_one_number_are_capped_per_hour_and_per_day(gaps: list[int]) -> None:
    """Requests for codes to one number, each from a new conversation, minutes apart: one
    is refused exactly when CODES_PER_NUMBER were sent to it in the last hour or
    CODES_PER_NUMBER_PER_DAY in the last day; a refused one counts for nothing."""
    asyncio.run(_codes_over_time(gaps))


async def _codes_over_time(gaps: list[int]) -> None:
    store, now, sent = MemoryStore(), NOW, list[datetime]()
    for i, gap in enumerate(gaps):
        now += timedelta(minutes=gap)
        in_hour = sum(1 for t in sent if t >= now - CODE_WINDOW)
        in_day = sum(1 for t in sent if t >= now - CODE_DAY)
        result = await run(store, call("send_code", phone=PHONE), conversation=f"c{i}", now=now)
        refused = in_hour >= CODES_PER_NUMBER or in_day >= CODES_PER_NUMBER_PER_DAY
        assert result.ok is not refused and result.error == ("too_many_codes" if refused else "")
        if not refused:
            sent.append(now)
    assert len(await store.list_codes(BLOOM.slug)) == len(sent)


async def test_the_eleventh_code_of_a_day_is_refused_and_the_next_day_allowed(store) -> None:
    for i in range(CODES_PER_NUMBER_PER_DAY):  # two hours apart: never the hourly cap
        at = NOW + timedelta(hours=2 * i)
        assert (await run(store, call("send_code", phone=PHONE), conversation=f"c{i}", now=at)).ok
    late = NOW + timedelta(hours=2 * CODES_PER_NUMBER_PER_DAY)
    refused = await run(store, call("send_code", phone=PHONE), conversation="x", now=late)
    assert not refused.ok and refused.error == "too_many_codes"
    other = await run(store, call("send_code", phone="+15035550102"), conversation="y", now=late)
    assert other.ok  # another number has its own count
    day_on = NOW + CODE_DAY + timedelta(minutes=1)  # the first has aged out
    assert (await run(store, call("send_code", phone=PHONE), conversation="z", now=day_on)).ok
