"""A turn's bookkeeping (``engine.turn.Turn``) through a real desk: the slot the customer
named by day and time, found free, fills the topic's offered-slot field, so that very slot
is read back — and the read-back and an explicit yes still come before anything is
booked or moved. Offline language layer, in-memory store.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from engine.desk import Desk, Reply
from engine.ports import Appointment, AppointmentId, InboundEvent
from engine.state import TopicState
from language.embedding import HashingEmbedder
from language.offline import OfflineBackend
from store.memory import MemoryStore
from tests.fakes.demo import demo_brains

from .invariants import records

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=LA)  # a Tuesday
THU_1PM = datetime(2026, 11, 26, 13, 0, tzinfo=LA)
PHONE = "+15035550123"


@cache
def offline_language() -> OfflineBackend:
    return OfflineBackend(embedder=HashingEmbedder())


class Chat:
    def __init__(self, customer: str | None = None) -> None:
        self.store = MemoryStore()
        self.desk = Desk(self.store, demo_brains(), offline_language())
        self.customer, self.n = customer, 0
        self.reply: Reply | None = None

    async def say(self, text: str) -> Reply:
        self.n += 1
        self.reply = await self.desk.handle(
            InboundEvent(
                business="bloom-salon",
                channel="webchat",
                sender=PHONE,
                text=text,
                provider_msg_id=f"m{self.n}",
                received_at=NOW,
                customer_phone=self.customer,
            )
        )
        return self.reply

    async def last(self) -> tuple[list[str], TopicState | None, list[str]]:
        """The last turn: its plan's kinds, the topic after it, the actions it ran."""
        assert self.reply is not None
        record = records(await self.store.turns(self.reply.conversation_id))[-1]
        assert record.decision is not None
        return (
            [i.kind for i in record.decision.plan.items],
            record.decision.state.active,
            [a.name for a in record.decision.actions],
        )

    async def booked(self) -> list[Appointment]:
        return [
            a for a in await self.store.list_appointments("bloom-salon") if a.status == "booked"
        ]

    async def seed(
        self, start: datetime, staff: str = "sam", phone: str = "+15035550999", minutes: int = 45
    ) -> None:
        async with self.store.transaction("bloom-salon", "seed") as tx:
            customer = await tx.upsert_customer("bloom-salon", "Someone", phone, "")
            await tx.insert_appointment(
                Appointment(
                    id=AppointmentId(f"seed-{start:%d%H%M}"),
                    business="bloom-salon",
                    service="blowout",
                    staff=staff,
                    start=start,
                    end=start + timedelta(minutes=minutes),
                    customer_id=customer.id,
                    customer_name="Someone",
                    customer_phone=phone,
                )
            )


async def test_the_slot_named_and_free_is_read_back_and_booked_only_after_yes() -> None:
    chat = Chat()
    first = await chat.say("I'd like to book a blowout on Thursday at 1pm")
    assert first.text == "Thu 26 Nov at 1:00 pm with Sam is free. May I have your name, please?"
    plan, topic, _ = await chat.last()
    assert plan == ["slot_free", "ask"]
    assert topic is not None and topic.fields["slot"] == THU_1PM.isoformat()
    await chat.say("Jan Richter")
    readback = await chat.say("503 555 0199")
    assert "blowout on Thu 26 Nov at 1:00 pm with Sam" in readback.text
    assert "Name: Jan Richter" in readback.text and readback.options == ("Yes", "No")
    assert await chat.booked() == []  # nothing before the yes
    await chat.say("yes")
    [appt] = await chat.booked()
    assert (appt.start, appt.staff, appt.service, appt.customer_name) == (
        THU_1PM,
        "sam",
        "blowout",
        "Jan Richter",
    )


async def test_a_known_customer_hears_the_read_back_at_once_with_the_time_said_once() -> None:
    chat = Chat(customer=PHONE)
    async with chat.store.transaction("bloom-salon", "seed") as tx:
        await tx.upsert_customer("bloom-salon", "Dana Whitfield", PHONE, "")
    reply = await chat.say("I'd like to book a blowout on Thursday at 1pm")
    assert reply.text.count("1:00 pm") == 1 and reply.text.startswith("Let me check")
    assert reply.options == ("Yes", "No")
    assert await chat.booked() == []


async def test_no_to_the_read_back_books_nothing_and_asks_for_the_day_again() -> None:
    chat = Chat(customer=PHONE)
    async with chat.store.transaction("bloom-salon", "seed") as tx:
        await tx.upsert_customer("bloom-salon", "Dana Whitfield", PHONE, "")
    await chat.say("I'd like to book a blowout on Thursday at 1pm")
    await chat.say("no")
    _, topic, _ = await chat.last()
    assert topic is not None and topic.state == "date"
    assert await chat.booked() == []


async def test_a_taken_time_gets_the_neighbours_to_choose_from() -> None:
    chat = Chat()
    await chat.seed(THU_1PM)
    reply = await chat.say("I'd like to book a blowout on Thursday at 1pm")
    plan, topic, _ = await chat.last()
    assert "offer_slots" in plan and "slot_free" not in plan
    assert topic is not None and "slot" not in topic.fields
    assert "Which one suits you?" in reply.text


async def test_a_part_of_the_day_gets_a_choice() -> None:
    chat = Chat()
    await chat.say("I'd like to book a blowout on Thursday afternoon")
    plan, topic, _ = await chat.last()
    assert "offer_slots" in plan and topic is not None and "slot" not in topic.fields


async def test_taken_between_the_read_back_and_the_yes_it_is_not_booked() -> None:
    chat = Chat(customer=PHONE)
    async with chat.store.transaction("bloom-salon", "seed") as tx:
        await tx.upsert_customer("bloom-salon", "Dana Whitfield", PHONE, "")
    await chat.say("I'd like to book a blowout on Thursday at 1pm")
    await chat.seed(THU_1PM, phone="+15035550777")  # someone else, meanwhile
    reply = await chat.say("yes")
    assert "just been taken" in reply.text
    assert [a.customer_phone for a in await chat.booked()] == ["+15035550777"]


async def test_moved_to_the_time_named_when_it_is_free() -> None:
    chat = Chat(customer=PHONE)
    await chat.seed(THU_1PM, phone=PHONE)
    reply = await chat.say("I need to reschedule my appointment to Friday at 10")
    friday_10 = datetime(2026, 11, 27, 10, 0, tzinfo=LA)
    assert "would change to blowout on Fri 27 Nov at 10:00 am with Sam" in reply.text, reply.text
    assert "9:45" not in reply.text and "10:15" not in reply.text
    assert [a.start for a in await chat.booked()] == [THU_1PM]  # not before the yes
    await chat.say("yes")
    assert [a.start for a in await chat.booked()] == [friday_10]
