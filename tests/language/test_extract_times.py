"""Clock times and part-of-day preferences, English and German."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------- the wider grammar


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("afternoon 2", "en", "14:00"),
        ("the afternoon 12:45", "en", "12:45"),
        ("morning 9:15", "en", "09:15"),
        ("evening 6", "en", "18:00"),
        ("in the evening 5:45", "en", "17:45"),
        ("tonight at 9", "en", "21:00"),
        ("tonight at 7 o'clock", "en", "19:00"),
        ("in the evening at seven", "en", "19:00"),
        ("this afternoon at 4:10", "en", "16:10"),
        ("tomorrow evening at 6", "en", "18:00"),
        ("Friday morning at 11", "en", "11:00"),
        ("at 6 tomorrow evening", "en", "18:00"),
        ("10 tomorrow morning", "en", "10:00"),
        ("11 tomorrow", "en", "11:00"),
        ("4 o'clock in the afternoon", "en", "16:00"),
        ('4 o"clock in the afternoon', "en", "16:00"),
        ("12 in the afternoon", "en", "12:00"),
        ("half past 12 in the afternoon", "en", "12:30"),
        ("quarter to 1 in the afternoon", "en", "12:45"),
        ("a quarter past noon", "en", "12:15"),
        ("ten past noon", "en", "12:10"),
        ("20 to noon", "en", "11:40"),
        ("45 minutes past 2 pm", "en", "14:45"),
        ("10 minutes to 5pm", "en", "16:50"),
        ("25 minutes after 4pm", "en", "16:25"),
        ("16h45", "en", "16:45"),
        ("at 17h", "en", "17:00"),
        ("at 1130", "en", "11:30"),
        ("around 945", "en", "09:45"),
        ("415 pm", "en", "16:15"),
        ("at 630 in the evening", "en", "18:30"),
        ("4:40p", "en", "16:40"),
        ("10:20a", "en", "10:20"),
        ("ten twenty a m", "en", "10:20"),
        ("5 in the PM", "en", "17:00"),
        ("4ish pm", "en", "16:00"),
        ("in a couple of hours", "en", "12:00"),
        ("in 2h", "en", "12:00"),
        ("nachmittags um 3", "de", "15:00"),
        ("abends um 8", "de", "20:00"),
        ("morgens um 9", "de", "09:00"),
        ("heute abend um 7", "de", "19:00"),
        ("morgen früh um 8", "de", "08:00"),
        ("um 17h30", "de", "17:30"),
        ("halb fünf Uhr nachmittags", "de", "16:30"),
        ("viertel nach drei Uhr", "de", "15:15"),
        ("um 16 Uhr am Nachmittag", "de", "16:00"),
        ("in ein paar Stunden", "de", "12:00"),
        ("3:45 in the evening", "en", "15:45"),  # the evening says pm
        ("this evening at 2", "en", "14:00"),
        ("eleven thirty in the morning", "en", "11:30"),
        ("one thirty in the afternoon", "en", "13:30"),
        ("two oh five in the afternoon", "en", "14:05"),
        ("12 at night", "en", "00:00"),
        ("abends um 2", "de", "14:00"),
    ],
)
def test_wider_times(text: str, lang: str, expected: str) -> None:
    assert times(text, lang)[:1] == [expected]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("tonight at 12", "en"),  # noon or midnight?
        ("12 in the evening", "en"),
        ("this morning at 12", "en"),
        ("morning 3:30 pm", "en"),  # says two things
        ("15:00 in the morning", "en"),
        ("75 minutes past 3 pm", "en"),
        ("call me at 555", "en"),
        ("I live at 1030 Main Street", "en"),
        ("for 2h", "en"),
        ("I'd like 3 appointments", "en"),
        ("two three in the afternoon", "en"),
        ("4a", "en"),
    ],
)
def test_a_time_that_contradicts_itself_is_not_read(text: str, lang: str) -> None:
    assert times(text, lang) == []


def test_a_time_already_gone_today_is_past() -> None:
    from language.extract import extract_all
    from language.types import UnderstandContext

    ctx = UnderstandContext(now=NOW, timezone="Europe/Berlin", languages=("en",))
    found = [c for c in extract_all("today at 9am", ctx, "en") if c.type == "time"]
    assert [(c.value, c.problem) for c in found] == [("", "past")]
    later = [c for c in extract_all("today at 3pm", ctx, "en") if c.type == "time"]
    assert [(c.value, c.problem) for c in later] == [("15:00", "")]
    tomorrow = [c for c in extract_all("tomorrow at 9am", ctx, "en") if c.type == "time"]
    assert [(c.value, c.problem) for c in tomorrow] == [("09:00", "")]


def test_a_part_of_day_that_settles_a_time_is_no_separate_preference() -> None:
    assert extract_part_of_day("tonight at 8", "en") == ("", "")
    assert extract_part_of_day("afternoon 3", "en") == ("", "")
    assert extract_part_of_day("abends um 7", "de") == ("", "")
    assert extract_part_of_day("tomorrow afternoon, any time", "en") == ("afternoon", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no, 4pm not 3pm", "16:00"),
        ("3pm doesn't work, 5pm?", "17:00"),
        ("at 3pm, no sorry, make it at 4pm", "16:00"),
        ("instead of 10am, 11am", "11:00"),
    ],
)
def test_a_corrected_time_ranks_first(text: str, expected: str) -> None:
    assert times(text)[:1] == [expected]


_HOUR12 = st.integers(1, 12)
_MINUTE = st.sampled_from([None, 0, 5, 15, 30, 45, 59])
_PM = st.sampled_from(["pm", "PM", "p.m.", " pm", " p.m.", " p m", "p", " in the pm"])
_AM = st.sampled_from(["am", "AM", "a.m.", " am", " a.m.", " a m", "a", " in the am"])
_AROUND = st.sampled_from(
    [
        "{}",
        "at {}",
        "around {}",
        "tomorrow at {}",
        "{} on Friday",
        "can I come {} please",
        "Friday {}",
        "{} tomorrow",
        "@ {}",
        "this morning at {}",
        "tonight at {}",
        "this afternoon at {}",
    ]
)


def _clock(hour: int, minute: int | None, suffix: str) -> str:
    return f"{hour}{suffix}" if minute is None else f"{hour}:{minute:02d}{suffix}"


@settings(max_examples=300, deadline=None)
@given(hour=_HOUR12, minute=_MINUTE, pm=_PM, am=_AM, around=_AROUND)
def test_am_and_pm_decide_the_half_of_the_day(
    hour: int, minute: int | None, pm: str, am: str, around: str
) -> None:
    if minute is None and (pm == "p" or am == "a"):
        pm, am = "pm", "am"  # a lone "3p" is read only after "at"
    for suffix, afternoon in ((pm, True), (am, False)):
        text = around.format(_clock(hour, minute, suffix))
        for value in times(text):
            hh = int(value[:2])
            assert (hh >= 12) == afternoon, (text, value)
            assert hh % 12 == hour % 12, (text, value)


_PARTS = {
    "morning": (0, 12),
    "afternoon": (12, 24),
    "evening": (12, 24),
}
_PART_FORMS = st.sampled_from(
    [
        ("{p} {h}", "en"),
        ("in the {p} {h}", "en"),
        ("{h} in the {p}", "en"),
        ("this {p} at {h}", "en"),
        ("tomorrow {p} at {h}", "en"),
        ("{h} tomorrow {p}", "en"),
        ("{h} o'clock in the {p}", "en"),
        ("Friday {p} at {h}:30", "en"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(hour=_HOUR12, part=st.sampled_from(sorted(_PARTS)), form=_PART_FORMS)
def test_a_time_read_with_a_part_of_the_day_lies_in_it(
    hour: int, part: str, form: tuple[str, str]
) -> None:
    text = form[0].format(p=part, h=hour)
    low, high = _PARTS[part]
    for value in times(text, form[1]):
        assert low <= int(value[:2]) < high, (text, value)
        assert int(value[:2]) % 12 == hour % 12, (text, value)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60), lang=st.sampled_from(["en", "de"]))
def test_any_text_gives_well_formed_times(text: str, lang: str) -> None:
    for found in extract_times(text, lang, NOW, "Europe/Berlin"):  # type: ignore[arg-type]
        assert text[found.span[0] : found.span[1]] == found.text
        hh, mm = found.value.split(":")
        assert 0 <= int(hh) <= 23 and 0 <= int(mm) <= 59
