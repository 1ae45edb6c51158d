"""Slot buttons through a real desk: each offered slot's button says the slot in short
("Thu 10:00 am · Sam", "Do 10:00 · Dr. Weber"), and pressing it — the label coming back
as the customer's text — chooses exactly that slot: in English and German, among found
appointments, and in the hour the autumn change repeats. Ordinals keep working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from engine.audit import replay
from engine.brain import Brain
from engine.business import WEEKDAYS, Business
from engine.desk import Desk, Reply
from engine.ports import Appointment, AppointmentId, InboundEvent
from language.slot_labels import slot_labels
from language.types import LanguageBackend, Slot
from machines.loader import bundled_cards
from store.memory import MemoryStore
from tests.fakes.demo import demo_brains
from tests.language_layer import production_language

from .invariants import records

LA, BERLIN, CHICAGO = (
    ZoneInfo("America/Los_Angeles"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/Chicago"),
)
PHONE = "+15035550123"


def offline_language() -> LanguageBackend:
    return production_language()


class Chat:
    """One customer talking to a desk over the web chat, as the buttons would."""

    def __init__(
        self, brains: dict[str, Brain], slug: str, now: datetime, channel: str = "webchat"
    ) -> None:
        self.store = MemoryStore()
        self.desk = Desk(self.store, brains, offline_language())
        self.slug, self.now, self.channel, self.n = slug, now, channel, 0

    async def say(self, text: str) -> Reply:
        self.n += 1
        return await self.desk.handle(
            InboundEvent(
                business=self.slug,
                channel=self.channel,
                sender=PHONE,
                text=text,  # type: ignore[arg-type]
                provider_msg_id=f"m{self.n}",
                received_at=self.now,
                customer_phone=PHONE,
            )
        )

    async def offered(self, reply: Reply) -> tuple[Slot, ...]:
        """The slots (or found appointments) the reply's buttons stand for."""
        last = records(await self.store.turns(reply.conversation_id))[-1]
        assert last.decision is not None
        return next(i.slots for i in reversed(last.decision.plan.items) if i.slots)

    async def appointments(self) -> list[Appointment]:
        return await self.store.list_appointments(self.slug)


async def test_an_english_offer_has_a_button_per_slot_and_a_press_books_that_slot() -> None:
    chat = Chat(demo_brains(), "bloom-salon", datetime(2026, 11, 24, 8, 0, tzinfo=LA))
    offer = await chat.say("I'd like a men's haircut on Thursday")
    slots = await chat.offered(offer)
    assert len(slots) == 3 and len({s.staff for s in slots}) > 1
    assert offer.options == slot_labels(slots, "en", "America/Los_Angeles")
    assert all(" · " in o and not o[0].isdigit() and len(o) <= 20 for o in offer.options)
    assert "1) Thu 26 Nov at" in offer.text  # the reply still lists the offer in full
    asked = await chat.say(offer.options[1])
    assert "name" in asked.text.lower() and asked.options == ()
    readback = await chat.say("Dana Whitfield")
    assert readback.options == ("Yes", "No")
    booked = await chat.say("Yes")
    assert "You're booked" in booked.text
    [appt] = await chat.appointments()
    assert (appt.start, appt.staff) == (slots[1].start, slots[1].staff)


async def test_an_ordinal_still_chooses_by_position() -> None:
    chat = Chat(demo_brains(), "bloom-salon", datetime(2026, 11, 24, 8, 0, tzinfo=LA))
    slots = await chat.offered(await chat.say("I'd like a men's haircut on Thursday"))
    await chat.say("the third one")
    await chat.say("Dana Whitfield")
    await chat.say("yes")
    [appt] = await chat.appointments()
    assert appt.start == slots[2].start


async def test_a_german_button_stays_german_and_books_its_slot() -> None:
    chat = Chat(demo_brains(), "praxis-sommer", datetime(2026, 11, 24, 8, 0, tzinfo=BERLIN))
    offer = await chat.say("Ich möchte einen Termin für eine Kontrolluntersuchung am Donnerstag")
    slots = await chat.offered(offer)
    assert offer.options == slot_labels(slots, "de", "Europe/Berlin")
    assert offer.options[2].startswith("Do ") and "· Dr. " in offer.options[2], offer.options
    asked = await chat.say(offer.options[2])  # "Do 10:00 · Dr. Weber": "do" is English
    assert "Name" in asked.text and "name" not in asked.text, asked.text
    readback = await chat.say("Dana Weiß")
    assert readback.options == ("Ja", "Nein")
    await chat.say("Ja")
    [appt] = await chat.appointments()
    assert (appt.start, appt.staff) == (slots[2].start, slots[2].staff)


async def test_a_found_appointment_is_chosen_by_its_button() -> None:
    chat = Chat(
        demo_brains(), "bloom-salon", datetime(2026, 11, 24, 8, 0, tzinfo=LA), channel="sms"
    )
    async with chat.store.transaction("bloom-salon", "seed") as tx:
        customer = await tx.upsert_customer("bloom-salon", "Dana", PHONE, "")
        for day, staff in ((26, "alex"), (27, "sam")):
            start = datetime(2026, 11, day, 10, 0, tzinfo=LA)
            await tx.insert_appointment(
                Appointment(
                    id=AppointmentId(f"a{day}"),
                    business="bloom-salon",
                    service="mens_cut",
                    staff=staff,
                    start=start,
                    end=start + timedelta(minutes=30),
                    customer_id=customer.id,
                    customer_phone=PHONE,
                )
            )
    found = await chat.say("I need to cancel my appointment")
    assert found.options == ("Thu 10:00 am · Alex", "Fri 10:00 am · Sam"), found
    check = await chat.say("Fri 10:00 am · Sam")
    assert "Fri 27 Nov" in check.text and check.options == ("Yes", "No"), check.text
    await chat.say("yes")
    status = {a.id: a.status for a in await chat.appointments()}
    assert status == {"a26": "booked", "a27": "cancelled"}


@cache
def night_desk() -> dict[str, Brain]:
    """A desk in Chicago open around the clock: the autumn night has 1:30 twice."""
    b = Business.model_validate(
        {
            "slug": "night-desk",
            "name": "Night Desk",
            "timezone": "America/Chicago",
            "languages": ["en", "de"],
            "phone_region": "US",
            "hours": {d: {"open": [{"start": "00:00", "end": "23:59"}]} for d in WEEKDAYS},
            "staff": [{"id": "mike", "name": "Mike", "services": ["visit"]}],
            "services": [
                {"id": "visit", "name": {"en": "visit"}, "duration_min": 60, "price": {"en": "$1"}}
            ],
            "topics": [{"card": "book"}],
        }
    )
    return {"night-desk": Brain.build(b, bundled_cards())}


async def test_the_second_one_thirty_of_the_autumn_night_is_its_own_button() -> None:
    chat = Chat(night_desk(), "night-desk", datetime(2026, 10, 31, 12, 0, tzinfo=CHICAGO))
    offer = await chat.say("I'd like to book a visit tomorrow at 1:30 am")
    assert "Sun 1:30 am CDT" in offer.options and "Sun 1:30 am CST" in offer.options, offer
    await chat.say(" sun 1:30AM  cst ")
    await chat.say("Dana Whitfield")
    await chat.say("503 555 0123")
    await chat.say("yes")
    [appt] = await chat.appointments()
    assert appt.start == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)  # 1:30 CST, not CDT
    # replayed from the record (the offer read back with bare UTC offsets), the buttons
    # are the same: every decision is identical
    turns = await chat.store.turns(offer.conversation_id)
    assert replay(night_desk(), turns) == (len(turns), [])
