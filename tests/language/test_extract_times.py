"""Clock times and part-of-day preferences, English and German."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from language.extract import extract_dates, extract_part_of_day, extract_times

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 26, 10, 0, tzinfo=BERLIN)


def times(text: str, lang: str = "en", now: datetime = NOW) -> list[str]:
    return [c.value for c in extract_times(text, lang, now, "Europe/Berlin")]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3pm", "15:00"),
        ("3 pm", "15:00"),
        ("3 p.m.", "15:00"),
        ("11am", "11:00"),
        ("12pm", "12:00"),
        ("12am", "00:00"),
        ("15:00", "15:00"),
        ("3:30", "15:30"),
        ("9:45", "09:45"),
        ("08:00", "08:00"),
        ("at 3", "15:00"),
        ("at three", "15:00"),
        ("at 9", "09:00"),
        ("at 10", "10:00"),
        ("around 4", "16:00"),
        ("noon", "12:00"),
        ("at midday", "12:00"),
        ("midnight", "00:00"),
        ("half past two", "14:30"),
        ("half past eleven", "11:30"),
        ("quarter past ten", "10:15"),
        ("a quarter to four", "15:45"),
        ("ten to five", "16:50"),
        ("twenty past nine", "09:20"),
        ("3 o'clock", "15:00"),
        ("eleven o'clock", "11:00"),
        ("three thirty pm", "15:30"),
        ("at three thirty", "15:30"),
        ("at 8 in the morning", "08:00"),
        ("at 7 in the evening", "19:00"),
        ("9 tonight", "21:00"),
        ("tomorrow at 3pm please", "15:00"),
    ],
)
def test_english_times(text: str, expected: str) -> None:
    assert times(text, "en")[:1] == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("um 15 Uhr", "15:00"),
        ("15 Uhr", "15:00"),
        ("um 3", "15:00"),
        ("um drei", "15:00"),
        ("3 Uhr", "15:00"),
        ("um 9 Uhr", "09:00"),
        ("um 15:30", "15:30"),
        ("um 14.30 Uhr", "14:30"),
        ("10 Uhr 30", "10:30"),
        ("um halb drei", "14:30"),
        ("halb zehn", "09:30"),
        ("halb eins", "12:30"),
        ("viertel nach zehn", "10:15"),
        ("viertel vor vier", "15:45"),
        ("dreiviertel vier", "15:45"),
        ("zehn nach drei", "15:10"),
        ("fünf vor halb drei", "14:25"),
        ("um 8 Uhr morgens", "08:00"),
        ("um 3 Uhr nachmittags", "15:00"),
        ("um 7 abends", "19:00"),
        ("um 12 Uhr mittags", "12:00"),
        ("gegen 16 Uhr", "16:00"),
        ("zwanzig Uhr", "20:00"),
        ("um ein Uhr", "13:00"),
        ("um eins", "13:00"),
        ("morgen um halb drei", "14:30"),
    ],
)
def test_german_times(text: str, expected: str) -> None:
    assert times(text, "de")[:1] == [expected]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("after 5", "en"),
        ("after 5pm", "en"),
        ("before 10", "en"),
        ("5pm or later", "en"),
        ("nach 16 Uhr", "de"),
        ("ab 14 Uhr", "de"),
        ("bis 12 Uhr", "de"),
        ("from 2 to 4 hours", "en"),
        ("I have 3 kids", "en"),
        ("half an hour", "en"),
        ("call me at 5035550140", "en"),
        ("14.03.2027", "de"),
        ("am 3. Dezember", "de"),
        ("at one of your locations", "en"),
        ("hello", "en"),
        ("zwischen 14 und 16 Uhr", "de"),
        ("between 2 and 4pm", "en"),
        ("Ich bitte um eine Zahnreinigung", "de"),
        ("um 2 Termine zu buchen", "de"),
    ],
)
def test_not_a_chosen_time(text: str, lang: str) -> None:
    assert times(text, lang) == []


def test_bare_hour_rule_is_less_confident_than_explicit() -> None:
    [guessed] = extract_times("at 3", "en", NOW, "Europe/Berlin")
    [explicit] = extract_times("at 3pm", "en", NOW, "Europe/Berlin")
    assert guessed.value == explicit.value == "15:00"
    assert guessed.confidence < explicit.confidence == 1.0


def test_relative_time_counts_real_minutes_across_dst() -> None:
    # 01:30 on the night Berlin jumps from 02:00 to 03:00: two hours later is 04:30
    night = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    assert times("in 2 hours", "en", night) == ["04:30"]
    assert times("in einer halben Stunde", "de", NOW) == ["10:30"]


def test_date_and_time_come_from_one_sentence() -> None:
    text = "morgen um halb drei"
    [day] = extract_dates(text, "de", NOW, "Europe/Berlin")
    [clock] = extract_times(text, "de", NOW, "Europe/Berlin")
    assert (day.value, clock.value) == ("2026-03-27", "14:30")
    assert text[clock.span[0] : clock.span[1]] == clock.text


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("after 5", "en", ("", "17:00")),
        ("any time after 3pm", "en", ("", "15:00")),
        ("after 10", "en", ("", "10:00")),
        ("later than 4", "en", ("", "16:00")),
        ("5pm or later", "en", ("", "17:00")),
        ("nach 16 Uhr", "de", ("", "16:00")),
        ("ab 14 Uhr", "de", ("", "14:00")),
        ("nach halb drei", "de", ("", "14:30")),
        ("vormittags", "de", ("morning", "")),
        ("am liebsten morgens", "de", ("morning", "")),
        ("morgen früh", "de", ("morning", "")),
        ("nachmittags nach 15 Uhr", "de", ("afternoon", "15:00")),
        ("am Abend", "de", ("evening", "")),
        ("heute Abend", "de", ("evening", "")),
        ("in the morning", "en", ("morning", "")),
        ("before noon", "en", ("morning", "")),
        ("in the afternoon", "en", ("afternoon", "")),
        ("after lunch", "en", ("afternoon", "")),
        ("in the evening", "en", ("evening", "")),
        ("tonight", "en", ("evening", "")),
        ("Good morning!", "en", ("", "")),
        ("Guten Abend", "de", ("", "")),
        ("morgen", "de", ("", "")),
        ("viertel nach zehn", "de", ("", "")),
        ("ten after three", "en", ("", "")),
        ("at 3pm", "en", ("", "")),
        ("between 2 and 4pm", "en", ("", "14:00")),
        ("zwischen 14 und 16 Uhr", "de", ("", "14:00")),
        ("from 10 to 2", "en", ("", "10:00")),
        ("am liebsten vormittags, aber nicht vor 9", "de", ("morning", "09:00")),
    ],
)
def test_part_of_day(text: str, lang: str, expected: tuple[str, str]) -> None:
    assert extract_part_of_day(text, lang) == expected  # type: ignore[arg-type]
