"""Scheduling in depth: staff time off, closures over the whole horizon, DST gaps and the
repeated hour, parts of the day from what the customer says, and a property test over
generated schedules, calendars and timezones.

The property test checks every offered slot against an oracle written here, independent
of ``engine.hours``: a wall time on a local day names the first instant of that day whose
wall clock reads it or later (so a time in the spring-forward gap is the jump, a repeated
time its first occurrence), found by walking the day minute by minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.business_files import ConfigError, load_business_text, load_businesses
from adapters.wiring import repo_path
from engine.actions import ActionContext, run_action
from engine.actions_args import idempotency_key
from engine.business import WEEKDAYS, Business
from engine.desk import Desk
from engine.ports import Appointment, AppointmentId, CustomerId, InboundEvent
from engine.slots import NOTES, SlotOffer, SlotQuery, find_slots
from engine.state import ActionCall, ActionResult, ConversationState
from language.grounding import check_grounded
from language.render import render_plan
from language.templates import format_slot, format_time
from language.types import Lang, LanguageBackend, PlanItem, ReplyPlan, Slot
from store.memory import MemoryStore
from tests.fakes.demo import demo_brains
from tests.language_layer import production_language

from .invariants import records

DEMOS = load_businesses(repo_path("examples", "businesses"), {})
BLOOM, PRAXIS = DEMOS["bloom-salon"], DEMOS["praxis-sommer"]
BERLIN, CHICAGO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/Chicago")


def business(
    tz: str = "America/Chicago",
    hours: tuple[tuple[str, str], ...] = (("00:00", "23:59"),),
    **extra: Any,
) -> Business:
    """A small validated business: every day open ``hours``, one member, one service."""
    data: dict[str, Any] = {
        "slug": "night-desk",
        "name": "Night Desk",
        "timezone": tz,
        "languages": ["en", "de"],
        "phone_region": "US",
        "hours": {d: {"open": [{"start": s, "end": e} for s, e in hours]} for d in WEEKDAYS},
        "staff": [{"id": "mike", "name": "Mike", "services": ["visit"]}],
        "services": [
            {"id": "visit", "name": {"en": "visit"}, "duration_min": 60, "price": {"en": "$1"}}
        ],
        "topics": [{"card": "book"}],
    }
    data.update(extra)
    return Business.model_validate(data)


def at(tz: ZoneInfo, day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, fold=fold), tzinfo=tz)


def real_minutes(s: Slot) -> float:
    return (s.end.timestamp() - s.start.timestamp()) / 60


def is_real(moment: datetime) -> bool:
    """The local datetime is exactly what its instant reads in its zone (wall, offset, fold)."""
    back = datetime.fromtimestamp(moment.timestamp(), moment.tzinfo)
    return (back.replace(tzinfo=None), back.utcoffset(), back.fold) == (
        moment.replace(tzinfo=None),
        moment.utcoffset(),
        moment.fold,
    )


def wording(plan_item: PlanItem, lang: Lang) -> str:
    plan = ReplyPlan(lang=lang, items=(plan_item,))
    text = render_plan(plan).text
    assert check_grounded(text, plan) == [], text
    return text


_ids = iter(range(10**9))


def appt(
    staff: str, start: datetime, minutes: int, service: str = "visit", status: str = "booked"
) -> Appointment:
    n = next(_ids)
    return Appointment(
        id=AppointmentId(f"a{n}"),
        business="x",
        service=service,
        staff=staff,
        start=start.astimezone(UTC),
        end=start.astimezone(UTC) + timedelta(minutes=minutes),
        customer_id=CustomerId(f"c{n}"),
        status=status,
    )  # type: ignore[arg-type]


# ------------------------------------------------------------------------- configuration

SHOP = """\
slug: tiny-shop
name: Tiny Shop
timezone: Europe/Berlin
languages: [en]
phone_region: DE
hours:
  mon: {open: [{start: 09:00, end: 12:00}, {start: 13:00, end: 17:00}]}
  tue: {open: [{start: 09:00, end: 12:00}, {start: 12:00, end: 14:00}]}
staff:
  - id: ann
    name: Ann
    services: [cut]
    time_off:
TIME_OFF
services:
  - id: cut
    name: {en: cut}
    duration_min: DURATION
    price: {en: $10}
topics:
  - card: book
"""


def shop(time_off: str = "      - 2026-12-24", duration: int = 30) -> str:
    return SHOP.replace("TIME_OFF", time_off).replace("DURATION", str(duration))


def refused(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_business_text(text, "shop.yaml", {})
    return list(caught.value.problems)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_time_off_is_read_as_whole_days_or_local_moments() -> None:
    text = shop(
        "      - {start: 2026-12-01, end: 2026-12-05}\n"
        "      - 2026-12-24\n"
        '      - {start: "2026-12-10 13:00", end: "2026-12-10T17:30"}\n'
        '      - {start: 2026-12-14, end: "2026-12-15 12:00"}'
    )
    ann = load_business_text(text, "shop.yaml", {}).staff_member("ann")
    assert [(x.begins, x.ends) for x in ann.time_off] == [
        (datetime(2026, 12, 1), datetime(2026, 12, 6)),  # the end date is included
        (datetime(2026, 12, 24), datetime(2026, 12, 25)),
        (datetime(2026, 12, 10, 13), datetime(2026, 12, 10, 17, 30)),
        (datetime(2026, 12, 14), datetime(2026, 12, 15, 12)),
    ]


def test_overlapping_time_off_names_both_entries_at_the_second_ones_line() -> None:
    text = shop(
        "      - {start: 2026-12-01, end: 2026-12-05}\n"
        "      - 2026-12-24\n"
        '      - {start: "2026-12-05 13:00", end: "2026-12-06 10:00"}'
    )
    [problem] = refused(text)
    where = line_of(text, "2026-12-05 13:00")
    assert problem.startswith(f"shop.yaml:{where}: staff[0].time_off[2]: ")
    assert "time_off[0] (2026-12-01 – 2026-12-05)" in problem
    assert "time_off[2] (2026-12-05 13:00 – 2026-12-06 10:00)" in problem
    # touching is not overlapping: back at work the moment the next time off begins
    load_business_text(
        shop(
            "      - {start: 2026-12-01, end: 2026-12-05}\n"
            '      - {start: "2026-12-06 00:00", end: "2026-12-06 10:00"}'
        ),
        "shop.yaml",
        {},
    )


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ('{start: "2026-12-10 13:00", end: "2026-12-10 10:00"}', "the end must be after the start"),
        ("{start: 2026-12-10, end: 2026-12-09}", "the end must be after the start"),
        ('{start: "2026-12-10 13:00", end: "2026-12-10 13:00"}', "the end must be after the start"),
        ('{start: "2026-12-10 13:00+01:00", end: "2026-12-10 15:00"}', "drop the UTC offset"),
        ('{start: "next tuesday", end: "2026-12-10 15:00"}', "is not a date or a local time"),
        ("{start: 20261210, end: 2026-12-11}", "write a date as 2026-12-01"),
    ],
)
def test_a_time_off_entry_that_is_not_a_span_is_refused_at_its_line(
    entry: str, reason: str
) -> None:
    text = shop(f"      - 2026-12-24\n      - {entry}")
    [problem] = refused(text)
    assert problem.startswith(f"shop.yaml:{line_of(text, entry)}: staff[0].time_off[1]")
    assert reason in problem


def test_a_service_longer_than_any_opening_window_is_refused() -> None:
    text = shop(duration=301)
    [problem] = refused(text)
    assert problem.startswith(
        f"shop.yaml:{line_of(text, 'duration_min')}: services[0].duration_min: "
    )
    # Tuesday's 09:00-12:00 and 12:00-14:00 touch: one window of 300 minutes
    assert problem.endswith(
        "service 'cut' takes 301 min, longer than any opening window of the staff who do it"
        " (the longest is 300 min: ann on tue 09:00–14:00)"
    )
    assert load_business_text(shop(duration=300), "shop.yaml", {}).services[0].duration_min == 300


def test_a_service_nobody_does_is_refused() -> None:
    text = shop().replace(
        "topics:",
        "  - id: dye\n    name: {en: dye}\n    duration_min: 30\n    price: {en: $10}\ntopics:",
    )
    [problem] = refused(text)
    assert problem.startswith(f"shop.yaml:{line_of(text, 'id: dye')}: services[1].id: ")
    assert "service 'dye' is done by no staff member" in problem


def test_staff_own_hours_count_for_the_longest_window() -> None:
    with pytest.raises(ValidationError, match="longest is 120 min: ann on mon 09:00–11:00"):
        business(
            hours=(("08:00", "18:00"),),
            staff=[
                {
                    "id": "ann",
                    "name": "Ann",
                    "services": ["visit"],
                    "hours": {"mon": {"open": [{"start": "09:00", "end": "11:00"}]}},
                }
            ],
            services=[
                {"id": "visit", "name": {"en": "visit"}, "duration_min": 150, "price": {"en": "$1"}}
            ],
        )


# ------------------------------------------------------------------------------ time off

TUESDAY = date(2026, 11, 24)
WED, THU = TUESDAY + timedelta(days=1), TUESDAY + timedelta(days=2)
LA = ZoneInfo("America/Los_Angeles")


def with_time_off(b: Business, staff: str, *entries: Any) -> Business:
    data = b.model_dump()
    for m in data["staff"]:
        if m["id"] == staff:
            m["time_off"] = list(entries)
    return Business.model_validate(data)


def test_no_slot_falls_in_time_off() -> None:
    b = with_time_off(
        BLOOM,
        "sam",
        {"start": WED, "end": WED},
        {"start": "2026-11-26 13:00", "end": "2026-11-26 15:00"},
    )
    now = at(LA, TUESDAY, 8)
    # the kids cut is Sam's alone: nothing on his day off, then his Thursday around the gap
    offer = find_slots(b, SlotQuery(service="kids_cut", day=WED, count=6), [], now)
    assert offer.note == "other_day" and offer.slots
    thursday = find_slots(b, SlotQuery(service="kids_cut", day=THU, count=10, at=time(13)), [], now)
    starts = [s.start.time() for s in thursday.slots]
    assert time(12, 30) in starts and time(15) in starts
    assert all(s.end.time() <= time(13) or s.start.time() >= time(15) for s in thursday.slots)
    # asked for by name on his day off: the others who do it are offered instead
    named = find_slots(b, SlotQuery(service="mens_cut", staff="sam", day=WED), [], now)
    assert named.note == "other_staff" and {s.staff for s in named.slots} == {"alex"}


def test_time_off_is_wall_time_across_a_dst_change() -> None:
    # off from 01:30 to 03:00 on the night the clocks go back: 01:30 CDT to 03:00 CST
    b = business(
        staff=[
            {
                "id": "mike",
                "name": "Mike",
                "services": ["visit"],
                "time_off": [{"start": "2026-11-01 01:30", "end": "2026-11-01 03:00"}],
            }
        ]
    )
    offer = find_slots(
        b,
        SlotQuery(service="visit", day=date(2026, 11, 1), count=200),
        [],
        at(CHICAGO, date(2026, 10, 31), 12),
    )
    off_from = at(CHICAGO, date(2026, 11, 1), 1, 30).timestamp()
    off_to = at(CHICAGO, date(2026, 11, 1), 3).timestamp()
    assert offer.slots
    assert all(s.end.timestamp() <= off_from or s.start.timestamp() >= off_to for s in offer.slots)
    assert off_to - off_from == 150 * 60  # two and a half real hours


# ---------------------------------------------------------- nothing in the whole horizon

NOW_BLOOM = at(LA, TUESDAY, 10)


def closed_for(b: Business, first: date, last: date) -> Business:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return b.model_copy(update={"closures": tuple(days)})


def test_a_closure_over_the_whole_horizon_says_closed_and_when_it_opens_again() -> None:
    horizon = TUESDAY + timedelta(days=BLOOM.booking.horizon_days)  # Sat 23 Jan 2027
    b = closed_for(BLOOM, TUESDAY, horizon + timedelta(days=2))  # to Mon 25 Jan
    for q in (
        SlotQuery(service="mens_cut"),
        SlotQuery(service="balayage", staff="jordan"),
        SlotQuery(service="mens_cut", day=WED, at=time(10)),
    ):
        offer = find_slots(b, q, [], NOW_BLOOM)
        # Sun 24 and Mon 25 are closed weekdays anyway: Tuesday 26 January it opens
        assert offer == SlotOffer((), "closed", date(2027, 1, 26))
    # open on the horizon's last day: an ordinary offer
    b = closed_for(BLOOM, TUESDAY, horizon - timedelta(days=1))
    assert (
        find_slots(b, SlotQuery(service="mens_cut"), [], NOW_BLOOM).slots[0].start.date() == horizon
    )


def test_no_opening_hours_at_all_says_closed_without_a_date() -> None:
    b = BLOOM.model_copy(update={"hours": {}})
    assert find_slots(b, SlotQuery(service="mens_cut"), [], NOW_BLOOM) == SlotOffer((), "closed")


def test_staff_away_over_the_whole_horizon_says_away_and_when_they_are_back() -> None:
    b = with_time_off(BLOOM, "jordan", {"start": "2026-11-01", "end": "2027-02-28"})
    offer = find_slots(b, SlotQuery(service="balayage"), [], NOW_BLOOM)
    assert offer == SlotOffer((), "away", date(2027, 3, 2))  # Mon 1 March is a closed day


def test_a_fully_booked_horizon_is_no_closure() -> None:
    b = BLOOM.model_copy(update={"booking": BLOOM.booking.model_copy(update={"horizon_days": 1})})
    full = [appt("jordan", at(LA, day, 9), 10 * 60, "balayage") for day in (TUESDAY, WED)]
    assert find_slots(b, SlotQuery(service="balayage"), full, NOW_BLOOM) == SlotOffer(())


@pytest.mark.parametrize(
    ("note", "reopens", "en", "de"),
    [
        (
            "closed",
            "2027-01-26",
            "Sorry, we have no free appointments in the next 60 days: we're closed, and we open"
            " again on Tue 26 Jan.",
            "Leider haben wir in den nächsten 60 Tagen keine freien Termine: Wir haben geschlossen"
            " und sind ab Di., 26.01. wieder für Sie da.",
        ),
        (
            "closed",
            "",
            "Sorry, we have no free appointments in the next 60 days: we're closed.",
            "Leider haben wir in den nächsten 60 Tagen keine freien Termine: Wir haben in dieser"
            " Zeit geschlossen.",
        ),
        (
            "away",
            "2027-03-02",
            "Sorry, there are no free appointments for that in the next 60 days: the staff who do"
            " it are away and back on Tue 2 Mar.",
            "Leider gibt es dafür in den nächsten 60 Tagen keine freien Termine: Die zuständigen"
            " Mitarbeiter sind erst ab Di., 02.03. wieder da.",
        ),
    ],
)
def test_the_reply_says_so_plainly_in_both_languages(
    note: str, reopens: str, en: str, de: str
) -> None:
    item = PlanItem(
        kind="no_slots", data={"date": "", "note": note, "days": "60", "reopens": reopens}
    )
    assert wording(item, "en") == en
    assert wording(item, "de") == de
    # and a reply that names another day is caught by the grounding check
    plan = ReplyPlan(lang="en", items=(item,))
    assert check_grounded(
        en.replace("Tue 26 Jan", "Wed 27 Jan").replace("Tue 2 Mar", "Wed 3 Mar")
        + " See you on Fri 29 Jan.",
        plan,
    )


def find_call(b: Business, **args: str) -> ActionCall:
    full = {
        "service": "",
        "staff": "",
        "date": "",
        "time": "",
        "part": "",
        "after": "",
        "exclude": "",
        "lang": "en",
        **args,
    }
    return ActionCall(name="find_slots", args=full, key=idempotency_key(b.slug, "find_slots", full))


async def run_find(store: MemoryStore, b: Business, now: datetime, **args: str) -> ActionResult:
    async with store.transaction(b.slug, "webchat:guest") as tx:
        ctx = ActionContext(
            business=b,
            tx=tx,
            now=now,
            conversation_id="c1",
            state=ConversationState(),
            channel="webchat",
            lang="en",
        )
        return await run_action(find_call(b, **args), ctx)


async def test_the_find_slots_action_reports_the_closure_and_writes_nothing() -> None:
    store = MemoryStore()
    b = closed_for(BLOOM, TUESDAY, TUESDAY + timedelta(days=70))
    before = await store.list_appointments(b.slug), await store.outbox()
    result = await run_find(store, b, NOW_BLOOM, service="mens_cut")
    assert (result.ok, result.error) == (False, "no_slots")
    [item] = result.items
    assert item.kind == "no_slots" and item.data == {
        "date": "",
        "note": "closed",
        "days": "60",
        "reopens": "2027-02-03",
    }
    assert "we're closed, and we open again on Wed 3 Feb" in wording(item, "en")
    assert (await store.list_appointments(b.slug), await store.outbox()) == before


# ---------------------------------------------------------------------------------- DST

SPRING = [
    ("Europe/Berlin", date(2026, 3, 29)),
    ("America/Chicago", date(2026, 3, 8)),
    ("Europe/Berlin", date(2027, 3, 28)),
    ("America/Chicago", date(2027, 3, 14)),
]
AUTUMN = [("Europe/Berlin", date(2026, 10, 25)), ("America/Chicago", date(2026, 11, 1))]
# the wall time the change skips or repeats: Berlin 02:00-03:00, Chicago 02:00-03:00 in
# spring and 01:00-02:00 in autumn
REPEATED = {"Europe/Berlin": 2, "America/Chicago": 1}


@pytest.mark.parametrize(("tz", "day"), SPRING + AUTUMN, ids=lambda v: str(v))
def test_every_slot_on_a_dst_day_is_a_real_local_time_of_its_real_length(
    tz: str, day: date
) -> None:
    zone = ZoneInfo(tz)
    b = business(tz)
    offer = find_slots(
        b, SlotQuery(service="visit", day=day, count=500), [], at(zone, day - timedelta(days=1), 12)
    )
    assert offer.note == "" and offer.slots
    starts = [s.start.timestamp() for s in offer.slots]
    # one slot every 15 real minutes from midnight while a visit still ends by 23:59
    first, close = at(zone, day, 0).timestamp(), at(zone, day, 23, 59).timestamp()
    assert starts == [first + 900 * i for i in range(int((close - 3600 - first) // 900) + 1)]
    shown: set[str] = set()
    for s in offer.slots:
        assert is_real(s.start) and is_real(s.end)
        assert real_minutes(s) == 60
        assert s.start.astimezone(zone).replace(tzinfo=None) == s.start.replace(tzinfo=None)
        text = format_slot(s, "en")
        assert format_time(s.start.time(), "en") in text
        assert text not in shown, f"two slots read the same: {text}"
        shown.add(text)


@pytest.mark.parametrize(("tz", "day"), SPRING, ids=lambda v: str(v))
def test_nothing_is_offered_in_the_spring_forward_gap(tz: str, day: date) -> None:
    b = business(tz)
    offer = find_slots(
        b,
        SlotQuery(service="visit", day=day, count=500),
        [],
        at(ZoneInfo(tz), day - timedelta(days=1), 12),
    )
    walls = {s.start.time().replace(fold=0) for s in offer.slots}
    assert not [w for w in walls if time(2) <= w < time(3)]
    assert {time(1, 45), time(3)} <= walls
    assert len(offer.slots) == (23 * 60 - 1 - 60) // 15 + 1  # a 23-hour day


@pytest.mark.parametrize(("tz", "day"), AUTUMN, ids=lambda v: str(v))
def test_the_repeated_hour_is_offered_twice_and_told_apart(tz: str, day: date) -> None:
    zone = ZoneInfo(tz)
    hour = REPEATED[tz]
    b = business(tz)
    now = at(zone, day - timedelta(days=1), 12)
    offer = find_slots(b, SlotQuery(service="visit", day=day, at=time(hour, 30), count=2), [], now)
    first, second = offer.slots
    assert offer.note == "" and first.start.time() == second.start.time() == time(hour, 30)
    assert second.start.timestamp() - first.start.timestamp() == 3600
    assert first.start.utcoffset() == second.start.utcoffset() + timedelta(hours=1)  # type: ignore[operator]
    item = PlanItem(kind="offer_slots", slots=offer.slots, data={"note": ""})
    names = {"Europe/Berlin": ("CEST", "CET"), "America/Chicago": ("CDT", "CST")}[tz]
    en, de = wording(item, "en"), wording(item, "de")
    assert f"{hour}:30 am {names[0]} with Mike" in en and f"{hour}:30 am {names[1]} with Mike" in en
    assert f"0{hour}:30 Uhr (Sommerzeit) bei Mike" in de
    assert f"0{hour}:30 Uhr (Winterzeit) bei Mike" in de
    # a booking in the first of the two blocks only that one
    taken = [appt("mike", first.start, 30)]
    again = find_slots(
        b, SlotQuery(service="visit", day=day, at=time(hour, 30), count=2), taken, now
    )
    assert second.start.timestamp() in {s.start.timestamp() for s in again.slots}
    assert first.start.timestamp() not in {s.start.timestamp() for s in again.slots}


@pytest.mark.parametrize(("tz", "day"), SPRING[:2], ids=lambda v: str(v))
def test_a_time_in_the_gap_gets_the_nearest_real_times_and_an_explanation(
    tz: str, day: date
) -> None:
    zone = ZoneInfo(tz)
    b = business(tz)
    offer = find_slots(
        b,
        SlotQuery(service="visit", day=day, at=time(2, 30)),
        [],
        at(zone, day - timedelta(days=1), 12),
    )
    assert offer.note == "dst_gap"
    assert [s.start.time() for s in offer.slots] == [time(1, 45), time(3), time(3, 15)]
    data = {"note": "dst_gap", "date": day.isoformat(), "time": "02:30"}
    item = PlanItem(kind="offer_slots", slots=offer.slots, data=data)
    weekday = "Sun " + str(day.day) + " Mar"
    assert wording(item, "en").startswith(
        f"There is no 2:30 am on {weekday}: the clocks go forward that night, so that time"
        " doesn't exist. I have these times: 1) "
    )
    assert wording(item, "de").startswith(
        f"02:30 Uhr gibt es am So., {day.day:02d}.03. nicht: In dieser Nacht wird die Uhr"
        " vorgestellt. Ich habe folgende Termine frei: 1) "
    )
    # the same time the night before exists: no note
    before = find_slots(
        b,
        SlotQuery(service="visit", day=day - timedelta(days=1), at=time(2, 30)),
        [],
        at(zone, day - timedelta(days=2), 12),
    )
    assert before.note == "" and before.slots[1].start.time() == time(2, 30)


async def test_the_find_slots_action_carries_the_gap_to_the_reply() -> None:
    b = business("America/Chicago")
    day = date(2026, 3, 8)
    result = await run_find(
        MemoryStore(),
        b,
        at(CHICAGO, day - timedelta(days=1), 12),
        service="visit",
        date=day.isoformat(),
        time="02:30",
    )
    [item] = result.items
    assert item.data == {"note": "dst_gap", "date": "2026-03-08", "time": "02:30"}
    assert "There is no 2:30 am on Sun 8 Mar: the clocks go forward" in wording(item, "en")


# ----------------------------------------------------------- parts of the day, end to end

PARTS = [
    (
        "bloom-salon",
        "en",
        "I'd like a men's haircut on Wednesday morning",
        {"part": "morning"},
        (time(0), time(12)),
    ),
    (
        "bloom-salon",
        "en",
        "I'd like a men's haircut on Wednesday in the afternoon",
        {"part": "afternoon"},
        (time(12), time(17)),
    ),
    (
        "bloom-salon",
        "en",
        "Can I get a men's haircut Wednesday evening?",
        {"part": "evening"},
        (time(17), time(23, 59)),
    ),
    (
        "bloom-salon",
        "en",
        "A men's haircut on Wednesday after 5 please",
        {"after": "17:00"},
        (time(17), time(23, 59)),
    ),
    (
        "bloom-salon",
        "en",
        "I need a men's haircut on Wednesday before 10",
        {"before": "10:00"},
        (time(0), time(10)),
    ),
    (
        "praxis-sommer",
        "de",
        "Ich möchte eine Kontrolluntersuchung am Mittwoch vormittags",
        {"part": "morning"},
        (time(0), time(12)),
    ),
    (
        "praxis-sommer",
        "de",
        "Ich möchte eine Kontrolluntersuchung am Mittwoch nachmittags",
        {"part": "afternoon"},
        (time(12), time(17)),
    ),
    (
        "praxis-sommer",
        "de",
        "Eine Kontrolluntersuchung am Mittwoch, gern abends",
        {"part": "evening"},
        (time(17), time(23, 59)),
    ),
    (
        "praxis-sommer",
        "de",
        "Ich möchte eine Kontrolluntersuchung am Mittwoch nach 17 Uhr",
        {"after": "17:00"},
        (time(17), time(23, 59)),
    ),
    (
        "praxis-sommer",
        "de",
        "Kontrolluntersuchung am Mittwoch, aber bitte vor 10 Uhr",
        {"before": "10:00"},
        (time(0), time(10)),
    ),
]


def offline_language() -> LanguageBackend:
    return production_language()


@pytest.mark.parametrize(
    ("slug", "lang", "text", "args", "window"), PARTS, ids=[p[2] for p in PARTS]
)
async def test_a_part_of_the_day_said_in_words_bounds_the_offer(
    slug: str, lang: str, text: str, args: dict[str, str], window: tuple[time, time]
) -> None:
    store = MemoryStore()
    desk = Desk(store, demo_brains(), offline_language())
    b = DEMOS[slug]
    now = at(ZoneInfo(b.timezone), TUESDAY, 8)
    sender = "+15035550123"
    reply = await desk.handle(
        InboundEvent(
            business=slug,
            channel="sms",
            sender=sender,
            text=text,
            provider_msg_id=f"{sender}-{text}",
            received_at=now,
        )
    )
    [record] = records(await store.turns(reply.conversation_id))
    assert record.decision is not None
    [(call, result)] = [
        (c, r)
        for c, r in zip(record.decision.actions, record.results, strict=True)
        if c.name == "find_slots"
    ]
    assert {k: call.args.get(k, "") for k in args} == args
    assert call.args["date"] == WED.isoformat()
    assert result.ok and result.offered
    for s in result.offered:
        assert window[0] <= s.start.time() < window[1] and s.start.date() == WED
        assert format_time(s.start.time(), lang) in reply.text  # type: ignore[arg-type]


async def test_a_new_part_of_the_day_replaces_the_one_said_before() -> None:
    """ "after 5", then "actually in the morning": the morning, not an empty window."""
    store = MemoryStore()
    desk = Desk(store, demo_brains(), offline_language())
    now = at(ZoneInfo(DEMOS["bloom-salon"].timezone), TUESDAY, 8)
    sender = "+15035550124"
    for n, text in enumerate(
        (
            "I'd like a men's haircut on Wednesday after 5",
            "actually, in the morning would be better",
        )
    ):
        reply = await desk.handle(
            InboundEvent(
                business="bloom-salon",
                channel="sms",
                sender=sender,
                text=text,
                provider_msg_id=f"{sender}-{n}",
                received_at=now,
            )
        )
    last = records(await store.turns(reply.conversation_id))[-1]
    assert last.decision is not None
    [call] = [c for c in last.decision.actions if c.name == "find_slots"]
    assert (call.args["part"], call.args["after"]) == ("morning", "")
    [result] = [r for r in last.results if r.name == "find_slots"]
    assert result.offered and all(s.start.time() < time(12) for s in result.offered)


# --------------------------------------------------------------------- property test

ZONES = (
    "Europe/Berlin",
    "America/Chicago",
    "America/Los_Angeles",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
)
# days near the changes of the DST zones above (Lord Howe moves by half an hour)
BASE_DAYS = (
    date(2026, 3, 27),
    date(2026, 10, 23),
    date(2026, 3, 6),
    date(2026, 10, 30),
    date(2026, 4, 3),
    date(2026, 10, 2),
    date(2026, 7, 15),
    date(2027, 3, 12),
)
GRID = st.integers(0, 24 * 4 - 1).map(lambda q: time(q // 4, q % 4 * 15))


# the days the clocks change, per zone
CHANGES = {
    "Europe/Berlin": (date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28)),
    "America/Chicago": (date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14)),
    "America/Los_Angeles": (date(2026, 3, 8), date(2026, 11, 1)),
    "Australia/Lord_Howe": (date(2026, 4, 5), date(2026, 10, 4)),
}


@st.composite
def day_hours(draw: st.DrawFn, night: bool = False) -> list[dict[str, str]]:
    """Up to two intervals (a break between them), often across the night's small hours."""
    cuts = sorted(set(draw(st.lists(GRID, min_size=0, max_size=4))))
    if night or draw(st.booleans()):
        cuts = sorted(set([time(0), time(4), *cuts[2:]]))  # the hours the clocks change
    if len(cuts) % 2:
        cuts = cuts[:-1]
    return [
        {"start": f"{cuts[i]:%H:%M}", "end": f"{cuts[i + 1]:%H:%M}"} for i in range(0, len(cuts), 2)
    ]


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Business, SlotQuery, list[Appointment], datetime]:
    tz_name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(tz_name)
    # half the time: the night the clocks change, asked about the evening before
    change = draw(st.none() | st.sampled_from(CHANGES[tz_name])) if tz_name in CHANGES else None
    if change is not None:
        base = change - timedelta(days=1)
    else:
        base = draw(st.sampled_from(BASE_DAYS)) + timedelta(days=draw(st.integers(-2, 2)))
    night = change is not None
    services = [
        {
            "id": f"s{i}",
            "name": {"en": f"s{i}"},
            "price": {"en": "$1"},
            "duration_min": draw(st.sampled_from([15, 30, 45, 60, 90, 120])),
            "buffer_min": draw(st.sampled_from([0, 0, 5, 10, 15, 30])),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    members: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 3))):
        does = draw(st.lists(st.sampled_from([s["id"] for s in services]), min_size=1, unique=True))
        member: dict[str, Any] = {"id": f"m{i}", "name": f"Member {i}", "services": does}
        if draw(st.booleans()):
            member["hours"] = {d: {"open": draw(day_hours(night))} for d in WEEKDAYS}
        offs: list[dict[str, str]] = []
        moment = datetime.combine(base, time(0)) + timedelta(
            minutes=15 * draw(st.integers(-4 * 24, 4 * 24 * 4))
        )
        for _ in range(draw(st.integers(0, 3))):
            length = timedelta(minutes=15 * draw(st.integers(1, 4 * 24 * 2)))
            whole = draw(st.booleans())
            if whole:
                if moment.time() != time(0):
                    moment = datetime.combine(moment.date() + timedelta(days=1), time(0))
                offs.append(
                    {
                        "start": moment.date().isoformat(),
                        "end": (moment + length).date().isoformat(),
                    }
                )
                moment = datetime.combine((moment + length).date(), time(0)) + timedelta(days=1)
            else:
                offs.append(
                    {
                        "start": f"{moment:%Y-%m-%d %H:%M}",
                        "end": f"{moment + length:%Y-%m-%d %H:%M}",
                    }
                )
                moment += length
            moment += timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 3)))
        member["time_off"] = offs
        members.append(member)
    for s in services:  # every service done by someone
        if not any(s["id"] in m["services"] for m in members):
            members[0]["services"].append(s["id"])
    data: dict[str, Any] = {
        "slug": "generated",
        "name": "Generated",
        "timezone": tz_name,
        "languages": ["en"],
        "phone_region": "US",
        "hours": {d: {"open": draw(day_hours(night))} for d in WEEKDAYS},
        "closures": [
            (base + timedelta(days=d)).isoformat()
            for d in draw(st.lists(st.integers(-1, 12), max_size=4))
        ],
        "closures_yearly": draw(st.lists(st.sampled_from(["03-29", "11-01", "12-25"]), max_size=1)),
        "staff": members,
        "services": services,
        "topics": [{"card": "book"}],
        "booking": {
            "horizon_days": draw(st.integers(1, 20)),
            "min_notice_min": draw(st.sampled_from([0, 30, 60, 240, 24 * 60])),
            "slot_step_min": draw(st.sampled_from([5, 10, 15, 30])),
        },
    }
    try:
        b = Business.model_validate(data)
    except ValidationError:  # a service longer than every window of its staff
        assume(False)
        raise
    now = datetime.fromtimestamp(
        datetime.combine(base, time(0), tzinfo=tz).timestamp()
        + draw(st.integers(0, (1 if night else 3) * 24 * 3600)),
        tz,
    )
    appointments = []
    start0 = datetime.combine(base, time(0), tzinfo=tz).timestamp()
    for _ in range(draw(st.integers(0, 30))):
        start = datetime.fromtimestamp(start0 + 300 * draw(st.integers(0, 12 * 24 * 12)), UTC)
        appointments.append(
            appt(
                draw(st.sampled_from(b.staff)).id,
                start,
                draw(st.sampled_from([15, 30, 45, 60, 90, 150])),
                draw(st.sampled_from([s.id for s in b.services])),
                draw(st.sampled_from(["booked", "booked", "cancelled"])),
            )
        )
    q = SlotQuery(
        service=draw(st.sampled_from(b.services)).id,
        staff=draw(st.sampled_from(["", "any", "nobody", *(m.id for m in b.staff)])),
        day=draw(
            st.none() | st.just(change)
            if change is not None
            else st.none() | st.integers(-1, 22).map(lambda n: now.date() + timedelta(days=n))
        ),
        at=draw(st.none() | GRID | st.sampled_from([time(1, 30), time(2, 15), time(2, 30)])),
        part=draw(st.sampled_from(["", "", "morning", "afternoon", "evening"])),
        after=draw(st.none() | st.none() | GRID),
        before=draw(st.none() | st.none() | GRID),
        exclude=draw(st.sampled_from(["", *(a.id for a in appointments)])),
        count=draw(st.integers(1, 6)),
    )
    return b, q, appointments, now


@cache
def _day_minutes(tz_name: str, day: date) -> tuple[list[float], list[float]]:
    """For a local day: ``first[w]`` the first instant whose wall clock reads minute ``w``
    or later, walked minute by minute; and the day's [start, end) instants."""
    tz = ZoneInfo(tz_name)
    t = datetime.combine(day, time(0)).replace(tzinfo=UTC).timestamp() - 16 * 3600
    first: list[float] = []
    day_start = day_end = 0.0
    while True:
        local = datetime.fromtimestamp(t, tz)
        if local.date() > day:
            day_end = t
            break
        if local.date() == day:
            if not first:
                day_start = t
            wall = local.hour * 60 + local.minute
            while len(first) <= wall:
                first.append(t)
        t += 60
    while len(first) <= 24 * 60:
        first.append(day_end)
    return first, [day_start, day_end]


def _instant(tz_name: str, moment: datetime) -> float:
    """A naive local date-time as the first instant reading it (or later) on its day."""
    first, _ = _day_minutes(tz_name, moment.date())
    return first[moment.hour * 60 + moment.minute]


def _minute(t: time) -> int:
    return t.hour * 60 + t.minute


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(schedules())
def test_every_offered_slot_is_bookable_for_any_schedule(
    scenario: tuple[Business, SlotQuery, Sequence[Appointment], datetime],
) -> None:
    b, q, appointments, now = scenario
    tz = ZoneInfo(b.timezone)
    offer = find_slots(b, q, appointments, now)
    today = now.astimezone(tz).date()
    horizon = today + timedelta(days=b.booking.horizon_days)
    earliest = now.timestamp() + b.booking.min_notice_min * 60
    service = b.service(q.service)
    buffers = {s.id: s.buffer_min * 60 for s in b.services}
    assert offer.note in NOTES and len(offer.slots) <= q.count
    starts = [s.start.timestamp() for s in offer.slots]
    assert starts == sorted(set(starts)), "offered twice or out of order"
    shown = [format_slot(s, "en") for s in offer.slots]
    assert len(set(shown)) == len(shown), f"two slots read the same: {shown}"
    for s in offer.slots:
        member = b.staff_member(s.staff)
        start, end = s.start.timestamp(), s.end.timestamp()
        where = f"{s.start.isoformat()} with {s.staff}"
        # (e) the member does the service; the slot is that service's real length
        assert q.service in member.services and s.service == q.service
        assert end - start == service.duration_min * 60, where
        # (d) a real local time, shown as its wall time
        assert is_real(s.start) and is_real(s.end), where
        assert s.start.tzinfo == tz or s.start.utcoffset() == s.start.astimezone(tz).utcoffset()
        assert format_time(s.start.time(), "en") in format_slot(s, "en")
        # (c) not before now + notice, not beyond the horizon
        day = s.start.date()
        assert start >= earliest and today <= day <= horizon, where
        # (b) within the member's working hours that day; no closure, no time off
        assert not b.is_closed_on(day), where
        intervals = [
            (
                _instant(b.timezone, datetime.combine(day, iv.start)),
                _instant(b.timezone, datetime.combine(day, iv.end)),
            )
            for iv in b.hours_of(member, day)
        ]
        assert any(lo <= start and end <= hi for lo, hi in _merged(intervals)), (
            f"{where}: outside {b.hours_of(member, day)}"
        )
        for off in member.time_off:
            off_from = _instant(b.timezone, off.begins)
            off_to = _instant(b.timezone, off.ends)
            assert end <= off_from or start >= off_to, f"{where}: in time off {off.shown()}"
        # (a) clear of every booked appointment of the member, with the larger buffer
        for a in appointments:
            if a.staff != s.staff or a.status != "booked" or a.id == q.exclude:
                continue
            pad = max(buffers[q.service], buffers.get(a.service, 0))
            assert end <= a.start.timestamp() - pad or start >= a.end.timestamp() + pad, (
                f"{where}: clashes with {a.start.isoformat()}-{a.end.isoformat()} +{pad}s"
            )
        # the customer's constraints
        wall = _minute(s.start.time())
        if q.part:
            lo, hi = {"morning": (0, 720), "afternoon": (720, 1020), "evening": (1020, 1439)}[
                q.part
            ]
            assert lo <= wall < hi, where
        if q.after is not None:
            assert wall >= _minute(q.after), where
        if q.before is not None:
            assert wall < _minute(q.before), where
    # the notes say what happened
    if offer.slots:
        days = {s.start.date() for s in offer.slots}
        assert len(days) == 1 and offer.note not in ("closed", "away")
        if q.day is not None:
            assert (min(days) > q.day) if offer.note == "other_day" else (days == {q.day})
        if offer.note == "dst_gap":
            assert q.at is not None and not _exists(tz, min(days), q.at)
        elif q.at is not None and offer.note == "":
            assert _exists(tz, min(days), q.at)
        named = q.staff not in ("", "any")
        if offer.note == "other_staff":
            assert named and all(s.staff != q.staff for s in offer.slots)
        elif named and offer.note != "other_day":
            assert {s.staff for s in offer.slots} == {q.staff}
    elif offer.note in ("closed", "away"):
        able = [m for m in b.staff if q.service in m.services]
        members: list[Any] = [None] if offer.note == "closed" else able
        for i in range(b.booking.horizon_days + 1):
            day = today + timedelta(days=i)
            for m in members:
                for iv in b.hours_of(m, day):
                    pieces = [
                        (
                            _instant(b.timezone, datetime.combine(day, iv.start)),
                            _instant(b.timezone, datetime.combine(day, iv.end)),
                        )
                    ]
                    for o in m.time_off if m is not None else ():
                        off_from, off_to = (
                            _instant(b.timezone, o.begins),
                            _instant(b.timezone, o.ends),
                        )
                        pieces = [
                            p
                            for lo, hi in pieces
                            for p in ((lo, min(hi, off_from)), (max(lo, off_to), hi))
                            if p[0] < p[1]
                        ]
                    assert all(hi <= earliest for _, hi in pieces), (
                        f"{offer.note}, but {m} works on {day}"
                    )
        if offer.reopens is not None:
            assert offer.reopens > horizon


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _exists(tz: ZoneInfo, day: date, wall: time) -> bool:
    local = datetime.combine(day, wall, tzinfo=tz)
    return datetime.fromtimestamp(local.timestamp(), tz).time() == wall


# ---------------------------------------------- the action reads only the weeks it needs


@st.composite
def calendars(draw: st.DrawFn) -> tuple[SlotQuery, list[Appointment], datetime]:
    """Bloom with a busy calendar: each member booked solid on random days."""
    now = at(LA, TUESDAY, 8) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
    booked: list[Appointment] = []
    for member in ("alex", "sam", "jordan"):
        for offset in draw(st.lists(st.integers(0, 61), unique=True, max_size=50)):
            day = now.date() + timedelta(days=offset)
            booked.append(appt(member, at(LA, day, 9), 10 * 60, "womens_cut"))
    q = SlotQuery(
        service=draw(st.sampled_from(["mens_cut", "kids_cut", "balayage"])),
        staff=draw(st.sampled_from(["", "sam", "alex", "jordan"])),
        day=draw(st.none() | st.integers(0, 60).map(lambda n: now.date() + timedelta(days=n))),
        count=BLOOM.booking.offer_count,
    )
    return q, booked, now


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars())
def test_the_action_offers_what_a_search_of_the_whole_calendar_offers(
    scenario: tuple[SlotQuery, list[Appointment], datetime],
) -> None:
    q, booked, now = scenario

    async def through_the_action() -> ActionResult:
        store = MemoryStore()
        async with store.transaction(BLOOM.slug, "seed") as tx:
            for a in booked:
                await tx.insert_appointment(a.model_copy(update={"business": BLOOM.slug}))
        return await run_find(
            store,
            BLOOM,
            now,
            service=q.service,
            staff=q.staff,
            date=q.day.isoformat() if q.day else "",
        )

    result = asyncio.run(through_the_action())
    whole = find_slots(BLOOM, q, booked, now)
    assert [s.start for s in result.offered] == [s.start for s in whole.slots]
    assert (result.items[0].data.get("note", "") if result.items else "") == whole.note
