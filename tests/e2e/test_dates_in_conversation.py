"""Dates, times and choices said the way customers say them, through a real desk.

Real parts throughout (as in ``test_conversations``): the MiniLM-based offline language
layer, the compiled cards and rules, the SQL store. The desk's decisions are read from the
recorded turns, the booking from the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from engine.ports import InboundEvent
from tests.dbs import database_url

SALON = ZoneInfo("America/Los_Angeles")  # bloom-salon: Tue-Fri 9-19, Sat 9-17
PRAXIS = ZoneInfo("Europe/Berlin")  # praxis-sommer: Mon-Thu 8-12:30 and 13:30-18, Fri 8-14


@pytest.fixture
async def app(tmp_path: Any, language: Any) -> AsyncIterator[Any]:
    async with database_url(tmp_path) as db:
        settings = Settings(db=db, businesses=repo_path("examples", "businesses"))
        app = await open_app(settings, language=language)
        yield app
        await app.close()


class Chat:
    """One customer talking to one business at a fixed moment."""

    def __init__(self, app: Any, business: str, now: datetime, sender: str) -> None:
        self.app, self.business, self.now, self.sender = app, business, now, sender
        self.n = 0

    async def say(self, text: str) -> tuple[list[str], list[datetime], str]:
        """The plan's item kinds, the slots it offers (local starts) and the reply text."""
        self.n += 1
        msg_id = f"{self.sender}-{self.n}"
        reply = await self.app.desk.handle(
            InboundEvent(
                business=self.business,
                channel="webchat",
                sender=self.sender,
                text=text,
                provider_msg_id=msg_id,
                received_at=self.now,
                customer_phone=self.sender,
            )
        )
        stored = await self.app.desk.store.turn_for(self.business, msg_id)
        items = (stored.record["decision"] or {}).get("plan", {}).get("items", [])
        kinds = [i["kind"] for i in items]
        tz = self.now.tzinfo
        offered = [
            datetime.fromisoformat(s["start"]).astimezone(tz)
            for i in items
            if i["kind"] == "offer_slots"
            for s in i.get("slots", [])
        ]
        return kinds, offered, reply.text

    async def booked(self) -> list[datetime]:
        return [
            a.start.astimezone(self.now.tzinfo)
            for a in await self.app.store.list_appointments(self.business)
            if a.status == "booked" and a.customer_phone == self.sender
        ]


async def test_the_earliest_you_can_fit_me_in_offers_the_first_free_times(app: Any) -> None:
    # Monday 23 November 2026, 10:00: the salon is closed on Mondays and opens Tuesday at 9
    chat = Chat(app, "bloom-salon", datetime(2026, 11, 23, 10, 0, tzinfo=SALON), "+15035550171")
    kinds, offered, _ = await chat.say(
        "I'd like a men's cut with Alex, what's the earliest you can fit me in?"
    )
    assert "offer_slots" in kinds and "invalid" not in kinds
    # the first free starts of the first open day, not spread over it
    assert offered[0] == datetime(2026, 11, 24, 9, 0, tzinfo=SALON)
    assert offered == sorted(offered) and all(s.date() == date(2026, 11, 24) for s in offered)
    assert offered[-1] - offered[0] < timedelta(hours=1)
    kinds, _, _ = await chat.say("the first one")
    assert kinds == ["ask"]
    await chat.say("Dana Whitfield")
    kinds, _, _ = await chat.say("yes")
    assert "booked" in kinds
    assert await chat.booked() == [datetime(2026, 11, 24, 9, 0, tzinfo=SALON)]


async def test_so_bald_wie_moeglich_searches_from_now(app: Any) -> None:
    # Tuesday 24 November 2026, 11:10: an hour's notice makes 12:10 the first possible
    # start, where an hour's cleaning runs into the lunch break (12:30-13:30)
    chat = Chat(app, "praxis-sommer", datetime(2026, 11, 24, 11, 10, tzinfo=PRAXIS), "+4930555017")
    kinds, offered, _ = await chat.say("Ich brauche eine Zahnreinigung, so bald wie möglich")
    assert "offer_slots" in kinds
    assert offered[0] == datetime(2026, 11, 24, 13, 30, tzinfo=PRAXIS)
    assert offered == sorted(offered) and offered[-1] - offered[0] < timedelta(hours=1)


async def test_a_correction_of_the_day_is_a_new_search_not_an_option(app: Any) -> None:
    # Tuesday 24 November 2026
    chat = Chat(app, "bloom-salon", datetime(2026, 11, 24, 10, 0, tzinfo=SALON), "+15035550172")
    await chat.say("I'd like a men's cut with Alex")
    kinds, offered, _ = await chat.say("Wednesday")
    assert {s.date() for s in offered} == {date(2026, 11, 25)}
    kinds, offered, text = await chat.say("no sorry, I meant Thursday, not Wednesday")
    assert "offer_slots" in kinds and "invalid" not in kinds, text
    assert "Sorry" not in text
    assert offered and {s.date() for s in offered} == {date(2026, 11, 26)}
    second = offered[1]
    await chat.say("the second one")
    kinds, _, text = await chat.say("Dana Whitfield")
    assert "confirm" in kinds and "Thu 26 Nov" in text, text
    await chat.say("yes")
    assert await chat.booked() == [second]


async def test_sometime_next_week_tuesday_afternoon_is_next_weeks_tuesday(app: Any) -> None:
    # Tuesday 24 November 2026: next week's Tuesday is 1 December
    chat = Chat(app, "bloom-salon", datetime(2026, 11, 24, 10, 0, tzinfo=SALON), "+15035550173")
    await chat.say("I'd like a men's cut with Sam")
    kinds, offered, _ = await chat.say("sometime next week, Tuesday afternoon")
    assert "offer_slots" in kinds
    assert offered and all(s.date() == date(2026, 12, 1) and s.hour >= 12 for s in offered)


async def test_a_bare_number_is_the_offered_hour_before_the_option_number(app: Any) -> None:
    # Tuesday 24 November 2026, 7:00: the offer for Thursday around 10 starts before 10
    chat = Chat(app, "bloom-salon", datetime(2026, 11, 24, 7, 0, tzinfo=SALON), "+15035550174")
    await chat.say("I'd like a men's cut with Alex")
    _, offered, _ = await chat.say("Thursday morning")
    assert len(offered) == 3 and datetime(2026, 11, 26, 10, 0, tzinfo=SALON) not in offered
    # "10" is no option of three, and no offer is at 10: it is 10 o'clock, searched for
    _, _, text = await chat.say("10")
    assert "Thu 26 Nov at 10:00 am with Alex is free" in text, text
    kinds, _, text = await chat.say("Dana Whitfield")
    assert "confirm" in kinds and "10:00 am" in text, text
    # while "2" of three is the second option
    other = Chat(chat.app, "bloom-salon", chat.now, "+15035550176")
    await other.say("I'd like a men's cut with Alex")
    _, offered, _ = await other.say("Thursday morning")
    kinds, _, _ = await other.say("2")
    await other.say("Sam Lee")
    kinds, _, text = await other.say("yes")
    assert await other.booked() == [offered[1]], text


async def test_afternoon_3_is_3pm(app: Any) -> None:
    chat = Chat(app, "bloom-salon", datetime(2026, 11, 24, 7, 0, tzinfo=SALON), "+15035550175")
    await chat.say("I'd like a men's cut with Alex")
    kinds, offered, text = await chat.say("Friday, afternoon 3")
    # 3 pm on Friday is free: that very slot is read back (not a list around it)
    assert offered == [] and "Fri 27 Nov at 3:00 pm with Alex is free" in text, text
