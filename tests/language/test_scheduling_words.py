"""Words for scheduling: upper time bounds ("before 10", "bis 12 Uhr") and the lower
bounds they must not be confused with; the wording of a wall time the autumn change
repeats; the new offer and no-slot notes, grounded."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from language.extract import extract_before_time, extract_part_of_day, extract_times
from language.grounding import check_grounded
from language.render import render_plan
from language.templates import format_datetime, repeated_wall_time, zone_label
from language.types import PlanItem, ReplyPlan, Slot

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(
    ("text", "lang", "before", "after"),
    [
        ("before 10", "en", "10:00", ""),
        ("Can I come in before 9:30?", "en", "09:30", ""),
        ("no later than 4pm", "en", "16:00", ""),
        ("not after 5", "en", "17:00", ""),
        ("until 3", "en", "15:00", ""),
        ("between 2 and 4pm", "en", "16:00", "14:00"),
        ("from 10 to 2", "en", "14:00", "10:00"),
        ("vor 10 Uhr", "de", "10:00", ""),
        ("bis 12 Uhr", "de", "12:00", ""),
        ("spätestens um 11", "de", "11:00", ""),
        ("von 10 bis 12", "de", "12:00", "10:00"),
        ("zwischen 14 und 16 Uhr", "de", "16:00", "14:00"),
        # lower bounds, clock times, counts and dates are no upper bound
        ("not before 9", "en", "", "09:00"),
        ("nicht vor 9", "de", "", "09:00"),
        ("after 5", "en", "", "17:00"),
        ("nach 17 Uhr", "de", "", "17:00"),
        ("viertel vor zehn", "de", "", ""),
        ("ten before five", "en", "", ""),
        ("vor 2 Wochen", "de", "", ""),
        ("bis 12.12.", "de", "", ""),
        ("bis 12. Dezember", "de", "", ""),
        ("till friday", "en", "", ""),
        ("von 2 Kindern", "de", "", ""),
    ],
)
def test_upper_and_lower_time_bounds(text: str, lang: str, before: str, after: str) -> None:
    assert extract_before_time(text, lang) == before  # type: ignore[arg-type]
    assert extract_part_of_day(text, lang)[1] == after  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "lang"),
    [("before 10", "en"), ("vor 10 Uhr", "de"), ("bis 12 Uhr", "de"), ("no later than 4pm", "en")],
)
def test_a_bound_is_not_a_chosen_time(text: str, lang: str) -> None:
    assert extract_times(text, lang, NOW, "Europe/Berlin") == []  # type: ignore[arg-type]


CHICAGO = ZoneInfo("America/Chicago")
FIRST = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO)  # CDT
SECOND = FIRST.replace(fold=1)  # CST, an hour later


def test_a_repeated_wall_time_is_shown_with_its_zone() -> None:
    assert repeated_wall_time(FIRST) and repeated_wall_time(SECOND)
    assert format_datetime(FIRST, "en") == "Sun 1 Nov at 1:30 am CDT"
    assert format_datetime(SECOND, "en") == "Sun 1 Nov at 1:30 am CST"
    assert format_datetime(FIRST, "de") == "So., 01.11. um 01:30 Uhr (Sommerzeit)"
    assert format_datetime(SECOND, "de") == "So., 01.11. um 01:30 Uhr (Winterzeit)"
    # a zone whose short names are numbers gets words instead
    howe = datetime(2026, 4, 5, 1, 45, tzinfo=ZoneInfo("Australia/Lord_Howe"))
    assert zone_label(howe, "en") == "(daylight saving time)"
    assert zone_label(howe.replace(fold=1), "en") == "(standard time)"


@pytest.mark.parametrize(
    "moment",
    [
        FIRST.replace(hour=2, minute=30),  # after the change
        datetime(2026, 3, 8, 3, 0, tzinfo=CHICAGO),  # the morning the clocks went forward
        FIRST.astimezone(timezone(timedelta(hours=-5))),  # a fixed offset cannot tell
        FIRST.replace(tzinfo=None),
    ],
)
def test_a_wall_time_that_occurs_once_has_no_label(moment: datetime) -> None:
    assert not repeated_wall_time(moment) and zone_label(moment, "en") == ""
    assert format_datetime(moment, "en").endswith(("am", "pm"))


def _text(item: PlanItem, lang: str) -> str:
    plan = ReplyPlan(lang=lang, items=(item,))  # type: ignore[arg-type]
    text = render_plan(plan).text
    assert check_grounded(text, plan) == [], text
    return text


def test_two_slots_at_one_wall_time_read_differently_and_are_grounded() -> None:
    slots = tuple(
        Slot(start=s, end=s + timedelta(hours=1), staff="mike", staff_name="Mike", service="visit")
        for s in (FIRST, SECOND)
    )
    item = PlanItem(kind="offer_slots", slots=slots, data={"note": ""})
    assert _text(item, "en") == (
        "I have these times: 1) Sun 1 Nov at 1:30 am CDT with Mike,"
        " 2) Sun 1 Nov at 1:30 am CST with Mike. Which one suits you?"
    )
    assert "01:30 Uhr (Sommerzeit) bei Mike, 2) So., 01.11. um 01:30 Uhr (Winterzeit)" in _text(
        item, "de"
    )


def test_the_gap_note_without_its_facts_still_explains() -> None:
    start = datetime(2026, 3, 8, 3, 0, tzinfo=CHICAGO)
    slot = Slot(
        start=start,
        end=start + timedelta(hours=1),
        staff="mike",
        staff_name="Mike",
        service="visit",
    )
    item = PlanItem(kind="offer_slots", slots=(slot,), data={"note": "dst_gap"})
    assert _text(item, "en").startswith(
        "That time doesn't exist that night: the clocks go forward. The next free time is"
    )
    assert _text(item, "de").startswith(
        "Diese Uhrzeit gibt es in dieser Nacht nicht: Die Uhr wird vorgestellt."
    )
    # a wrong time in the explanation is not grounded
    full = PlanItem(
        kind="offer_slots",
        slots=(slot,),
        data={"note": "dst_gap", "date": "2026-03-08", "time": "02:30"},
    )
    plan = ReplyPlan(lang="en", items=(full,))
    assert check_grounded("There is no 2:45 am on Sun 8 Mar.", plan)
    assert not check_grounded("There is no 2:30 am on Sun 8 Mar.", plan)


def test_a_closed_note_without_the_horizon_falls_back_to_the_plain_wording() -> None:
    item = PlanItem(kind="no_slots", data={"note": "closed", "date": ""})
    assert _text(item, "en") == (
        "Sorry, I couldn't find a free time for that. Another day might work."
    )
