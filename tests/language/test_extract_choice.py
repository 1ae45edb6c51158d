"""Choosing among offered slots by position, time, weekday and staff (EN/DE)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from language.extract import choose_offered
from language.types import Slot

LA = ZoneInfo("America/Los_Angeles")


def _slot(day: int, hour: int, minute: int, staff: str, name: str) -> Slot:
    start = datetime(2026, 3, day, hour, minute, tzinfo=LA)
    return Slot(
        start=start,
        end=start + timedelta(hours=1),
        staff=staff,
        staff_name=name,
        service="womens_cut",
    )


# Thursday 10:00 with Alex, Thursday 15:00 with Sam, Friday 11:30 with Alex
OFFERED = (
    _slot(26, 10, 0, "alex", "Alex"),
    _slot(26, 15, 0, "sam", "Sam"),
    _slot(27, 11, 30, "alex", "Alex"),
)
FIRST, SECOND, THIRD = (s.start.isoformat() for s in OFFERED)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("the first one", "en", FIRST),
        ("the first", "en", FIRST),
        ("first please", "en", FIRST),
        ("the second one", "en", SECOND),
        ("I'll take the second", "en", SECOND),
        ("number 2", "en", SECOND),
        ("option 3", "en", THIRD),
        ("2", "en", SECOND),
        ("two please", "en", SECOND),
        ("#3", "en", THIRD),
        ("the 2nd", "en", SECOND),
        ("the last one", "en", THIRD),
        ("the last", "en", THIRD),
        ("the earlier one", "en", FIRST),
        ("the latest", "en", THIRD),
        ("den zweiten", "de", SECOND),
        ("den ersten bitte", "de", FIRST),
        ("erste", "de", FIRST),
        ("die letzte", "de", THIRD),
        ("Nummer 3", "de", THIRD),
        ("den dritten Termin", "de", THIRD),
        ("the 3pm", "en", SECOND),
        ("the 3 pm one", "en", SECOND),
        ("3 o'clock", "en", SECOND),
        ("at 3", "en", SECOND),
        ("11:30", "en", THIRD),
        ("half past eleven", "en", THIRD),
        ("um 15 Uhr", "de", SECOND),
        ("um drei", "de", SECOND),
        ("halb zwölf", "de", THIRD),
        ("Friday's", "en", THIRD),
        ("the Friday one", "en", THIRD),
        ("am Freitag", "de", THIRD),
        ("with Sam", "en", SECOND),
        ("Sam's", "en", SECOND),
        ("Thursday at 10", "en", FIRST),
        ("the second one on Thursday", "en", SECOND),
        ("Thursday with Sam", "en", SECOND),
        ("the 27th", "en", THIRD),
        ("any of them", "en", FIRST),
        ("whichever", "en", FIRST),
    ],
)
def test_choices(text: str, lang: str, expected: str) -> None:
    found = choose_offered(text, lang, OFFERED)  # type: ignore[arg-type]
    assert found is not None
    assert (found.value, found.problem) == (expected, "")
    assert found.type == "offered_slot"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("the fifth", "en"),
        ("the fourth one", "en"),
        ("number 7", "en"),
        ("den fünften", "de"),
    ],
)
def test_clear_pick_of_a_position_not_offered(text: str, lang: str) -> None:
    found = choose_offered(text, lang, OFFERED)  # type: ignore[arg-type]
    assert found is not None
    assert (found.value, found.problem) == ("", "no_such_option")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("5pm", "en"),
        ("at 9am", "en"),
        ("Monday", "en"),
        ("am Montag", "de"),
        ("um 17 Uhr", "de"),
        ("Friday with Sam", "en"),
        ("actually can I move it to Monday?", "en"),
        ("no sorry, I meant Tuesday, not Thursday", "en"),
        ("nein, lieber Montag, nicht Donnerstag", "de"),
    ],
)
def test_a_day_time_or_person_not_offered_is_a_new_wish_not_a_pick(text: str, lang: str) -> None:
    found = choose_offered(text, lang, OFFERED)  # type: ignore[arg-type]
    assert found is not None
    assert (found.value, found.problem) == ("", "not_offered")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no sorry, I meant Friday, not Thursday", THIRD),
        ("not Thursday, Friday", THIRD),
        ("Thursday doesn't work, Friday?", THIRD),
        ("not with Alex, with Sam", SECOND),
        ("not at 10, at 3", SECOND),
    ],
)
def test_a_correction_picks_what_it_names_not_what_it_negates(text: str, expected: str) -> None:
    found = choose_offered(text, "en", OFFERED)
    assert found is not None
    assert found.value == expected


# Thursday 10:00 with Alex, Thursday 14:00 with Sam, Friday 09:30 with Alex
BY_CLOCK = (
    _slot(26, 10, 0, "alex", "Alex"),
    _slot(26, 14, 0, "sam", "Sam"),
    _slot(27, 9, 30, "alex", "Alex"),
)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("10", "en", BY_CLOCK[0]),  # an offer at 10:00: the clock, not option 10
        ("2", "en", BY_CLOCK[1]),  # an offer at 2 pm: the clock, not option 2
        ("great, 10 then", "en", BY_CLOCK[0]),
        ("14", "de", BY_CLOCK[1]),
        ("3", "en", BY_CLOCK[2]),  # no offer at 3: option 3
        ("ja, die 1 bitte", "de", BY_CLOCK[0]),
    ],
)
def test_a_bare_number_is_an_offered_hour_before_an_option_number(
    text: str, lang: str, expected: Slot
) -> None:
    found = choose_offered(text, lang, BY_CLOCK)  # type: ignore[arg-type]
    assert found is not None
    assert (found.value, found.problem) == (expected.start.isoformat(), "")


@pytest.mark.parametrize(
    "text", ["my first visit", "hello", "the 24th", "can you do something else?", "yes"]
)
def test_no_choice(text: str) -> None:
    assert choose_offered(text, "en", OFFERED) is None


def test_several_matches_pick_the_first_with_low_confidence() -> None:
    found = choose_offered("the Thursday one", "en", OFFERED)
    assert found is not None
    assert found.value == FIRST
    assert found.confidence <= 0.5


def test_yes_picks_the_only_offer() -> None:
    found = choose_offered("yes, sounds good", "en", OFFERED[:1])
    assert found is not None and found.value == FIRST
    assert choose_offered("ja, passt", "de", OFFERED[1:2]) is not None
    assert choose_offered("no", "en", OFFERED[:1]) is None


def test_nothing_offered() -> None:
    assert choose_offered("the first one", "en", ()) is None


def test_value_is_the_slot_start_and_span_points_into_text() -> None:
    text = "OK, the SECOND one please"
    found = choose_offered(text, "en", OFFERED)
    assert found is not None
    assert datetime.fromisoformat(found.value) == OFFERED[1].start
    assert text[found.span[0] : found.span[1]] == found.text


_HOURS = st.lists(st.integers(8, 18), min_size=1, max_size=5, unique=True)


@settings(max_examples=200, deadline=None)
@given(
    hours=_HOURS,
    number=st.integers(1, 12),
    filler=st.sampled_from(["{}", "great, {} then", "{} please", "ok {}"]),
)
def test_a_bare_number_is_an_offered_hour_else_an_option(
    hours: list[int], number: int, filler: str
) -> None:
    offered = tuple(_slot(26, h, 0, "alex", "Alex") for h in sorted(hours))
    found = choose_offered(filler.format(number), "en", offered)
    at_that_hour = [s for s in offered if s.start.hour % 12 == number % 12]
    if at_that_hour:
        assert found is not None and found.value == at_that_hour[0].start.isoformat()
    elif number <= len(offered):
        assert found is not None and found.value == offered[number - 1].start.isoformat()
    else:  # no such option: a number that can be an hour is a wish for that hour
        problem = "not_offered" if 1 <= number <= 23 else "no_such_option"
        assert found is not None and found.problem == problem


@pytest.mark.parametrize("text", ["7", "great, 9 then", "10"])
def test_a_bare_number_beyond_the_options_is_an_hour_to_search_for(text: str) -> None:
    offered = tuple(_slot(26, h, 0, "alex", "Alex") for h in (13, 14, 15))
    found = choose_offered(text, "en", offered)
    assert found is not None and (found.value, found.problem) == ("", "not_offered")
