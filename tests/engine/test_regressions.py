"""Engine bugs found by the property tests, each pinned by the conversation that showed it."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.desk import Desk
from engine.ports import Appointment, AppointmentId, InboundEvent
from store.memory import MemoryStore
from tests.fakes.conversation import LA, NOW, code_sent_to, said, typed
from tests.fakes.demo import demo_brains
from tests.fakes.scripted_language import ScriptedLanguage

from .invariants import records

BRAINS = demo_brains()


def pick(k: int):
    return lambda text, ctx: said(("offered_slot", ctx.offered[k].start.isoformat()))


async def talk(desk: Desk, language: ScriptedLanguage, sender: str, *script, first: int = 0) -> str:
    reply = None
    for i, item in enumerate(script, start=first):
        language.push(item)
        reply = await desk.handle(
            InboundEvent(
                business="bloom-salon",
                channel="webchat",
                sender=sender,
                text="…",
                provider_msg_id=f"{sender}-{i}",
                received_at=NOW,
            )
        )
    assert reply is not None
    return reply.conversation_id


async def _seed_danas_appointment(store: MemoryStore) -> None:
    async with store.transaction("bloom-salon", "seed") as tx:
        c = await tx.upsert_customer("bloom-salon", "Dana", "+15035550123", "")
        start = datetime(2025, 3, 7, 10, 0, tzinfo=LA)
        await tx.insert_appointment(
            Appointment(
                id=AppointmentId("a1"),
                business="bloom-salon",
                service="mens_cut",
                staff="alex",
                start=start,
                end=start + timedelta(minutes=30),
                customer_id=c.id,
            )
        )


def _desk() -> tuple[MemoryStore, ScriptedLanguage, Desk]:
    store, language = MemoryStore(), ScriptedLanguage()
    return store, language, Desk(store, BRAINS, language)


async def test_a_staff_change_at_the_read_back_searches_again() -> None:
    store, language, desk = _desk()
    cid = await talk(
        desk,
        language,
        "a",
        said(("service", "womens_cut")),
        said(("date", "2025-03-05")),
        pick(0),
        said(("person_name", "Dana Whitfield")),
        said(("phone", "+15035550123")),
        said(("staff", "sam")),
        pick(0),
        said(affirm=True),
    )
    recs = records(await store.turns(cid))
    assert "offer_slots" in [i.kind for i in recs[5].decision.plan.items]
    assert all(c.args["start"] for r in recs for c in r.decision.actions if c.name == "book")
    [appt] = await store.list_appointments("bloom-salon")
    assert appt.staff == "sam"


async def test_a_picked_slot_is_the_one_from_the_latest_offer() -> None:
    store, language, desk = _desk()
    await talk(
        desk,
        language,
        "b",
        said(("service", "kids_cut")),
        said(("date", "2025-03-05")),
        said(("service", "balayage")),
        pick(0),
        said(("person_name", "Dana Whitfield")),
        said(("phone", "+15035550123")),
        said(affirm=True),
    )
    [appt] = await store.list_appointments("bloom-salon")
    assert (appt.service, appt.staff) == ("balayage", "jordan")


async def test_booking_a_slot_again_after_cancelling_it_books_it() -> None:
    store, language, desk = _desk()
    booking = (
        said(("service", "womens_cut")),
        said(("date", "2025-03-05")),
        pick(0),
        said(("person_name", "Dana Whitfield")),
        said(("phone", "+15035550123")),
        said(affirm=True),
    )
    await talk(desk, language, "c1", *booking)
    # a web chat proves the number with the code texted to it before anything is looked up
    await talk(desk, language, "c2", said(("phone", "+15035550123"), topic="cancel"))
    code = await code_sent_to(store, "+15035550123")
    await talk(desk, language, "c2", typed(code), said(affirm=True, topic="cancel"), first=1)
    cid = await talk(desk, language, "c3", *booking)
    last = records(await store.turns(cid))[-1]
    assert "booked" in [i.kind for i in last.decision.plan.items]
    assert sorted(a.status for a in await store.list_appointments("bloom-salon")) == [
        "booked",
        "cancelled",
    ]


async def test_a_resumed_reschedule_does_not_move_an_appointment_cancelled_meanwhile() -> None:
    store, language, desk = _desk()
    await _seed_danas_appointment(store)
    await talk(desk, language, "d", said(("phone", "+15035550123"), topic="reschedule"))
    code = await code_sent_to(store, "+15035550123")  # the number proven first
    cid = await talk(
        desk,
        language,
        "d",
        typed(code, topic="reschedule"),
        said(topic="cancel"),
        said(affirm=True, topic="cancel"),
        said(("date", "2025-03-05"), topic="reschedule"),
        pick(0),
        said(affirm=True, topic="reschedule"),
        first=1,
    )
    [appt] = await store.list_appointments("bloom-salon")
    kinds = [i.kind for r in records(await store.turns(cid)) for i in r.decision.plan.items]
    assert appt.status == "cancelled" and "cancelled" in kinds
    assert "rescheduled" not in kinds


async def test_appointments_are_found_only_under_the_callers_own_number() -> None:
    store, language, desk = _desk()
    await _seed_danas_appointment(store)
    # a stranger calling from another number names Dana's number
    language.push(
        said(topic="cancel"),
        said(("phone", "+15035550123"), topic="cancel"),
        said(affirm=True, topic="cancel"),
    )
    for i in range(3):
        reply = await desk.handle(
            InboundEvent(
                business="bloom-salon",
                channel="sms",
                sender="+15035559999",
                text="…",
                provider_msg_id=f"x-{i}",
                received_at=NOW,
                customer_phone="+15035559999",
            )
        )
    kinds = [
        i.kind
        for r in records(await store.turns(reply.conversation_id))
        for i in r.decision.plan.items
    ]
    assert "appointment" not in kinds and "cancelled" not in kinds
    [appt] = await store.list_appointments("bloom-salon")
    assert appt.status == "booked"


def test_undecodable_text_is_made_storable_and_keeps_every_other_character() -> None:
    event = InboundEvent(
        business="bloom-salon",
        channel="sms",
        sender="+1\udcff",
        text="ja\udcff\udcfe bitte 😀",
        provider_msg_id="p",
        received_at=NOW,
    )
    assert event.text == "ja\ufffd\ufffd bitte 😀" and event.sender == "+1\ufffd"
    event.text.encode("utf-8")  # storable


async def test_a_refused_day_given_with_the_service_is_said_when_the_day_is_asked() -> None:
    # "a cut tomorrow" on a Saturday: tomorrow is Sunday, when the salon is closed
    store, language, desk = _desk()
    saturday = datetime(2025, 3, 8, 8, 0, tzinfo=LA)
    language.push(said(("service", "mens_cut"), ("date", "2025-03-09")))
    reply = await desk.handle(
        InboundEvent(
            business="bloom-salon",
            channel="webchat",
            sender="e",
            text="…",
            provider_msg_id="e-0",
            received_at=saturday,
        )
    )
    [rec] = records(await store.turns(reply.conversation_id))
    items = [(i.kind, i.data.get("problem", "")) for i in rec.decision.plan.items]
    assert ("invalid", "closed") in items and ("ask", "") in items
