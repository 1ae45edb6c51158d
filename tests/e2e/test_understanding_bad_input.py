"""Odd first messages and stray answers, through a real desk with the server's language layer.

Mixed languages in one message, a message that is only a date or only a name, "yes", "no"
or "ok" at every point of every booking, typos in service and staff names, a time outside
opening hours, "the second one" with no offer on the table: each gets a sensible reply,
changes nothing it should not, and its turn's record says why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from engine.ports import InboundEvent
from tests.dbs import database_url

SALON = ZoneInfo("America/Los_Angeles")
PRAXIS = ZoneInfo("Europe/Berlin")
TUESDAY = datetime(2026, 11, 24, 10, 0)


@pytest.fixture
async def app(tmp_path: Any, language: Any) -> AsyncIterator[Any]:
    async with database_url(tmp_path) as db:
        app = await open_app(
            Settings(db=db, businesses=repo_path("examples", "businesses")), language=language
        )
        yield app
        await app.close()


class Chat:
    def __init__(self, app: Any, business: str, sender: str, channel: str = "webchat") -> None:
        self.app, self.business, self.sender, self.n = app, business, sender, 0
        self.channel = channel
        self.now = TUESDAY.replace(tzinfo=SALON if business != "praxis-sommer" else PRAXIS)

    async def say(self, text: str) -> tuple[str, dict[str, Any]]:
        self.n += 1
        msg_id = f"{self.sender}-{self.n}"
        reply = await self.app.desk.handle(
            InboundEvent(
                business=self.business,
                channel=self.channel,
                sender=self.sender,
                text=text,
                provider_msg_id=msg_id,
                received_at=self.now,
                customer_phone=self.sender if self.channel == "sms" else "",
            )
        )
        stored = await self.app.desk.store.turn_for(self.business, msg_id)
        assert reply.text.strip() and "Traceback" not in reply.text
        return reply.text, stored.record

    async def active(self, record: dict[str, Any]) -> str:
        active = (record["decision"] or {}).get("state", {}).get("active")
        return active["card"] if active else ""


def _understood(record: dict[str, Any], ftype: str) -> list[str]:
    return [f["value"] for f in record["understanding"]["fields"] if f["type"] == ftype]


def _plan(record: dict[str, Any]) -> list[str]:
    return [i["kind"] for i in (record["decision"] or {}).get("plan", {}).get("items", [])]


def _rules(record: dict[str, Any]) -> list[str]:
    return [f["rule"] for f in (record["decision"] or {}).get("firings", [])]


async def _nothing_changed(app: Any) -> None:
    for business in ("bloom-salon", "praxis-sommer", "rapid-rooter"):
        assert await app.store.list_appointments(business) == []


async def test_only_a_date_or_a_time_opens_a_booking_with_it(app: Any) -> None:
    chat = Chat(app, "bloom-salon", "+15035550301")
    text, record = await chat.say("tomorrow at 3pm")
    assert await chat.active(record) == "book"
    assert "What would you like to book?" in text  # the day and time are kept
    assert {f["type"] for f in record["understanding"]["fields"]} >= {"date", "time"}


async def test_only_a_name_at_the_first_turn_is_met_with_a_question(app: Any) -> None:
    chat = Chat(app, "bloom-salon", "+15035550302")
    text, record = await chat.say("Jordan Mills")
    assert await chat.active(record) not in ("book", "reschedule", "cancel")
    assert text.endswith("?") or "help" in text
    await _nothing_changed(app)


@pytest.mark.parametrize("word", ["yes", "ok", "no", "ja", "sure", "thanks"])
async def test_a_bare_answer_as_the_first_message_opens_nothing_that_commits(
    app: Any, word: str
) -> None:
    chat = Chat(app, "bloom-salon", f"+1503555031{len(word)}")
    text, record = await chat.say(word)
    assert await chat.active(record) not in ("book", "reschedule", "cancel")
    assert {"topic.acknowledged", "topic.no_thanks"} & set(_rules(record)), _rules(record)
    await _nothing_changed(app)


async def test_yes_no_and_ok_at_every_step_of_a_booking_change_nothing_early(app: Any) -> None:
    steps = ["I'd like a men's haircut", "Friday afternoon", "the first one", "Robin Lee"]
    for k in range(len(steps) + 1):
        for word in ("ok", "no", "yes"):
            chat = Chat(app, "bloom-salon", f"+150355504{k}{len(word)}")
            for step in steps[:k]:
                await chat.say(step)
            text, record = await chat.say(word)
            booked = [
                a
                for a in await app.store.list_appointments("bloom-salon")
                if a.customer_phone == chat.sender
            ]
            # only a yes to the read-back (after every step) may book
            assert booked == [] or (k == len(steps) and word == "yes"), (k, word, text)
            assert _plan(record), (k, word)


async def test_typos_in_service_and_staff_names_are_read_or_asked_about(app: Any) -> None:
    chat = Chat(app, "bloom-salon", "+15035550320")
    text, record = await chat.say("can I book a balyage with Jordn on friday")
    assert await chat.active(record) == "book"
    assert _understood(record, "service") == ["balayage"]
    await _nothing_changed(app)


async def test_a_time_outside_opening_hours_is_not_booked(app: Any) -> None:
    chat = Chat(app, "bloom-salon", "+15035550321")
    text, record = await chat.say("I'd like a blowout on Friday at 11pm")
    assert await chat.active(record) == "book"
    assert "11:00 pm" not in text  # never offered or read back
    await _nothing_changed(app)


async def test_the_second_one_with_no_offer_on_the_table(app: Any) -> None:
    chat = Chat(app, "bloom-salon", "+15035550322")
    text, record = await chat.say("the second one")
    assert await chat.active(record) not in ("reschedule", "cancel")
    assert not _understood(record, "offered_slot")
    await _nothing_changed(app)


async def test_mixed_languages_in_one_message(app: Any) -> None:
    chat = Chat(app, "praxis-sommer", "+4915112345601")
    text, record = await chat.say("Hallo, I need a Zahnreinigung next Monday bitte")
    assert await chat.active(record) == "book"
    assert _understood(record, "service") == ["cleaning"]
    await _nothing_changed(app)


@pytest.mark.parametrize(
    ("business", "text", "said"),
    [
        ("bloom-salon", "are you a bot?", "automated assistant of Bloom Hair Studio"),
        ("praxis-sommer", "Sind Sie ein Computer?", "digitale Assistent von Zahnarztpraxis"),
    ],
)
async def test_the_desk_says_it_is_an_assistant_when_asked(
    app: Any, business: str, text: str, said: str
) -> None:
    chat = Chat(app, business, "+15035550330" if business == "bloom-salon" else "+4915112345630")
    reply, record = await chat.say(text)
    assert said in reply
    assert record["understanding"]["signals"]["asks_identity"] is True
    await _nothing_changed(app)


async def test_a_service_asked_about_is_the_one_a_booking_right_after_takes(app: Any) -> None:
    chat = Chat(app, "bloom-salon", "+15035550331")
    await chat.say("hey do you do balayage? how much is it")
    text, record = await chat.say("ok can I book one for saturday morning")
    active = (record["decision"] or {})["state"]["active"]
    assert active["card"] == "book" and active["fields"]["service"] == "balayage", text
    assert "Sat" in text  # the times of that Saturday morning are offered
    await _nothing_changed(app)


async def test_nothing_on_file_under_the_caller_s_number_invites_no_other_number(app: Any) -> None:
    # an SMS comes with its sender's number: appointments are found under that one only,
    # so the reply offers a booking and does not ask for a number it would refuse
    chat = Chat(app, "bloom-salon", "+15035550332", channel="sms")
    text, _ = await chat.say("I need to cancel my appointment")
    assert "+1 503-555-0332" in text and "book a new one?" in text
    assert "another number, just tell me" not in text
    text, _ = await chat.say("503 555 0199")
    assert "only look up appointments under the number" in text
    assert "What phone number" not in text  # not asked for the number it just refused
    await _nothing_changed(app)


async def test_a_message_is_neither_a_yes_nor_the_callback_details_and_bye_is_no_name(
    app: Any,
) -> None:
    chat = Chat(app, "praxis-sommer", "+4915112345631")
    await chat.say("Ich möchte eine Nachricht hinterlassen")
    for answer in ("ja", "Katrin Vogel, 0171 2223344"):  # asked what to pass on
        text, record = await chat.say(answer)
        active = (record["decision"] or {})["state"]["active"]
        assert "message" not in active["fields"], (answer, active["fields"])
        assert "ausrichten" in text
    assert active["fields"].get("phone") == "+491712223344"  # the number is kept, though
    await chat.say("Ich bringe das Röntgenbild mit")
    text, record = await chat.say("nein danke, schönen Abend")  # asked for the name
    active = (record["decision"] or {})["state"]["active"]
    assert "name" not in active["fields"], active["fields"]
    assert await app.store.list_messages("praxis-sommer") == []  # nothing passed on


async def test_the_hours_answer_the_day_asked_about_first_and_name_closures_soon(app: Any) -> None:
    chat = Chat(app, "praxis-sommer", "+4915112345632")
    chat.now = datetime(2026, 12, 14, 10, 0, tzinfo=PRAXIS)
    text, _ = await chat.say("Haben Sie an Heiligabend offen?")
    assert text.startswith("Am Do., 24.12.: geschlossen.")
    assert "Geschlossen haben wir am Do., 24.12., Fr., 25.12., Do., 31.12., Fr., 01.01." in text
    chat = Chat(app, "bloom-salon", "+15035550333")
    text, _ = await chat.say("what time do you close on saturday?")
    assert text.startswith("On Sat 28 Nov: 9:00 am to 5:00 pm.")


async def test_a_short_follow_up_asks_the_last_answer_again_about_what_it_names(app: Any) -> None:
    chat = Chat(app, "bloom-salon", "+15035550334")
    await chat.say("what are your hours on saturday?")
    text, record = await chat.say("what about sunday")  # a day: the hours again
    assert text.startswith("On Sun 29 Nov: closed."), text
    assert record["decision"]["facts"]["topic.follow_up"] is True
    await chat.say("how much is a men's cut?")
    text, _ = await chat.say("and a kids cut?")  # a service: the price again
    assert text.startswith("kids cut"), text
    text, record = await chat.say("saturday morning?")  # a day after a price: a booking?
    assert "book" in text and record["decision"]["state"]["offered_topics"] == ["book"]
    await _nothing_changed(app)


async def test_a_new_booking_names_the_same_service_already_held_and_a_move_takes_it(
    app: Any,
) -> None:
    chat = Chat(app, "praxis-sommer", "+4915112345633", channel="sms")
    for text in ("Ich brauche eine Füllung am Donnerstag um 11", "Max Meier", "ja"):
        reply, _ = await chat.say(text)
    assert "gebucht" in reply
    # said in words the topic model reads as a new booking: the one held is named first
    reply, _ = await chat.say("Ich kann am Donnerstag doch nicht, lieber Freitag, Füllung")
    assert reply.startswith("Sie haben bereits einen Termin: Füllung am Do., 26.11.")
    reply, record = await chat.say("ja, bitte verschieben")
    assert await chat.active(record) == "reschedule", reply
    booked = [a for a in await app.store.list_appointments("praxis-sommer") if a.status == "booked"]
    assert len(booked) == 1  # nothing booked twice


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Hallo, kann ich mit jemandem von der Abrechnung sprechen?", "+49 30 1234568"),
        ("Ich möchte mit der Rezeption sprechen", "+49 30 1234567"),
    ],
)
async def test_a_person_asked_for_by_department_is_that_department(
    app: Any, text: str, phone: str
) -> None:
    reply, record = await Chat(app, "praxis-sommer", "+4915112345634").say(text)
    assert phone in reply, reply


async def test_an_address_is_an_address_and_a_name_may_end_in_an_initial(app: Any) -> None:
    chat = Chat(app, "rapid-rooter", "+13125550335", channel="sms")
    chat.now = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    for text in ("I need a drain cleaning on Friday", "the first one"):
        await chat.say(text)
    text, record = await chat.say("Mark S")
    assert (record["decision"] or {})["state"]["active"]["fields"]["name"] == "Mark S"
    text, record = await chat.say("same number im calling from")  # asked for the address
    assert "address" not in (record["decision"] or {})["state"]["active"]["fields"]
    assert "address" in text
    text, record = await chat.say("1450 W Addison St, Chicago")
    assert (record["decision"] or {})["state"]["active"]["fields"]["address"] == (
        "1450 W Addison St, Chicago"
    )


async def test_an_emergency_is_answered_at_once_without_a_question_which_topic(app: Any) -> None:
    chat = Chat(app, "praxis-sommer", "+4915112345635")
    text, record = await chat.say(
        "hallo, ich hab seit gestern zahnschmerzen und die backe ist dick geschwollen"
    )
    assert "+49 30 1234567" in text and "Möchten Sie" not in text, text
    assert "topic.unsure" not in _rules(record)
