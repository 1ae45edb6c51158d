"""Dates in English and German, resolved in the business timezone (tables + properties)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from language.extract import extract_dates

BERLIN = ZoneInfo("Europe/Berlin")
CHICAGO = ZoneInfo("America/Chicago")
# Thursday 26 March 2026, 10:00 in Berlin — three days before the spring DST change
NOW = datetime(2026, 3, 26, 10, 0, tzinfo=BERLIN)


def first(text: str, lang: str = "en", now: datetime = NOW, tz: str = "Europe/Berlin") -> tuple[str, str]:
    found = extract_dates(text, lang, now, tz)  # type: ignore[arg-type]
    assert found, f"no date in {text!r}"
    return found[0].value, found[0].problem


EN_CASES = [
    ("today", "2026-03-26"),
    ("can I come in today?", "2026-03-26"),
    ("tomorrow", "2026-03-27"),
    ("tmrw at 3", "2026-03-27"),
    ("the day after tomorrow", "2026-03-28"),
    ("Monday", "2026-03-30"),
    ("on Monday", "2026-03-30"),
    ("Thursday", "2026-04-02"),  # today is Thursday: a bare weekday means next week's
    ("this Thursday", "2026-03-26"),
    ("next Tuesday", "2026-03-31"),
    ("next Thursday", "2026-04-02"),
    ("this Friday", "2026-03-27"),
    ("Friday's fine", "2026-03-27"),
    ("Monday next week", "2026-03-30"),
    ("next week Wednesday", "2026-04-01"),
    ("Monday after next", "2026-04-06"),
    ("in 3 days", "2026-03-29"),
    ("in two weeks", "2026-04-09"),
    ("in a week", "2026-04-02"),
    ("in a fortnight", "2026-04-09"),
    ("in 2 months", "2026-05-26"),
    ("the 3rd", "2026-04-03"),
    ("on the 28th", "2026-03-28"),
    ("on the 26th", "2026-03-26"),
    ("on the third", "2026-04-03"),
    ("the 3rd of next month", "2026-04-03"),
    ("March 30", "2026-03-30"),
    ("April 3", "2026-04-03"),
    ("May 3 at 2pm", "2026-05-03"),
    ("3 May", "2026-05-03"),
    ("April 3rd, 2027", "2027-04-03"),
    ("3 April", "2026-04-03"),
    ("the 3rd of April", "2026-04-03"),
    ("third of April", "2026-04-03"),
    ("October 5", "2026-10-05"),
    ("4/14", "2026-04-14"),
    ("14/4", "2026-04-14"),  # only day/month is possible
    ("12/1/2026", "2026-12-01"),
    ("2026-12-01", "2026-12-01"),
    ("sometime next week", "2026-03-30"),
    ("tonight", "2026-03-26"),
]

DE_CASES = [
    ("heute", "2026-03-26"),
    ("morgen", "2026-03-27"),
    ("Morgen um halb drei", "2026-03-27"),
    ("morgen früh", "2026-03-27"),
    ("übermorgen", "2026-03-28"),
    ("uebermorgen", "2026-03-28"),
    ("heute Morgen", "2026-03-26"),
    ("am Freitag", "2026-03-27"),
    ("Montag", "2026-03-30"),
    ("nächsten Dienstag", "2026-03-31"),
    ("naechsten Dienstag", "2026-03-31"),
    ("kommenden Donnerstag", "2026-04-02"),
    ("diesen Freitag", "2026-03-27"),
    ("übernächsten Montag", "2026-04-06"),
    ("Mittwoch nächste Woche", "2026-04-01"),
    ("am 3.", "2026-04-03"),
    ("am dritten", "2026-04-03"),
    ("am 30.", "2026-03-30"),
    ("3. Dezember", "2026-12-03"),
    ("am 3. Dezember 2026", "2026-12-03"),
    ("dritten Dezember", "2026-12-03"),
    ("14.4.", "2026-04-14"),
    ("14.04.2027", "2027-04-14"),
    ("14.4.27", "2027-04-14"),
    ("in 3 Tagen", "2026-03-29"),
    ("in zwei Wochen", "2026-04-09"),
    ("in einer Woche", "2026-04-02"),
    ("nächste Woche", "2026-03-30"),
    ("irgendwann in der nächsten Woche", "2026-03-30"),
    ("am 4. April", "2026-04-04"),
    ("Der 14. passt mir gut", "2026-04-14"),
    ("4/14", "2026-04-14"),  # impossible as day/month, so month/day
]


@pytest.mark.parametrize(("text", "expected"), EN_CASES)
def test_english_dates(text: str, expected: str) -> None:
    assert first(text, "en") == (expected, "")


@pytest.mark.parametrize(("text", "expected"), DE_CASES)
def test_german_dates(text: str, expected: str) -> None:
    assert first(text, "de") == (expected, "")


@pytest.mark.parametrize(
    ("text", "lang", "problem"),
    [
        ("yesterday", "en", "past"),
        ("the day before yesterday", "en", "past"),
        ("last Monday", "en", "past"),
        ("March 3", "en", "past"),
        ("3/2/2026", "en", "past"),
        ("2025-12-01", "en", "past"),
        ("gestern", "de", "past"),
        ("vorgestern", "de", "past"),
        ("letzten Montag", "de", "past"),
        ("1.3.2026", "de", "past"),
        ("30 February", "en", "impossible_date"),
        ("February 30th", "en", "impossible_date"),
        ("the 32nd", "en", "impossible_date"),
        ("31.04.", "de", "impossible_date"),
        ("30. Februar", "de", "impossible_date"),
        ("2026-02-29", "en", "impossible_date"),
        ("4/31", "en", "impossible_date"),
    ],
)
def test_problem_dates_have_no_value(text: str, lang: str, problem: str) -> None:
    assert first(text, lang) == ("", problem)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Guten Morgen", "de"),
        ("am Morgen", "de"),
        ("jeden Morgen", "de"),
        ("may I come at 3", "en"),
        ("um 14.30 Uhr", "de"),
        ("call me at 0151 23456789", "en"),
        ("I have 3 kids", "en"),
        ("hello", "en"),
        ("", "en"),
        ("am ersten Termin", "de"),
        ("der 2. Versuch", "de"),
        ("half past two", "en"),
        ("the first one", "en"),
        ("the second", "en"),
    ],
)
def test_no_date(text: str, lang: str) -> None:
    assert extract_dates(text, lang, NOW, "Europe/Berlin") == []  # type: ignore[arg-type]


def test_span_and_text_point_into_the_original() -> None:
    text = "Could we do NEXT Tuesday instead?"
    [found] = extract_dates(text, "en", NOW, "Europe/Berlin")
    assert text[found.span[0] : found.span[1]] == found.text == "NEXT Tuesday"
    assert found.type == "date"


def test_negated_mention_ranks_below_the_wanted_one() -> None:
    found = extract_dates("not Monday but Tuesday", "en", NOW, "Europe/Berlin")
    assert [c.value for c in found] == ["2026-03-31", "2026-03-30"]
    assert found[0].confidence > found[1].confidence


def test_next_week_is_low_confidence_monday() -> None:
    [found] = extract_dates("next week", "en", NOW, "Europe/Berlin")
    assert found.value == "2026-03-30"
    assert found.confidence <= 0.5


def test_local_date_is_used_not_utc() -> None:
    # 23:30 in Chicago on Sunday is already Monday in UTC
    now = datetime(2026, 3, 8, 23, 30, tzinfo=CHICAGO)
    assert first("tomorrow", now=now.astimezone(ZoneInfo("UTC")), tz="America/Chicago") == (
        "2026-03-09", ""
    )
    assert first("today", now=now, tz="America/Chicago") == ("2026-03-08", "")


def test_yearless_date_takes_the_nearer_year() -> None:
    december = datetime(2026, 12, 20, 9, 0, tzinfo=BERLIN)
    assert first("January 5", now=december) == ("2027-01-05", "")
    assert first("5. Januar", "de", now=december) == ("2027-01-05", "")
    assert first("December 18", now=december) == ("", "past")


def test_several_dates_are_all_reported() -> None:
    found = extract_dates("either Monday or the 3rd of April", "en", NOW, "Europe/Berlin")
    assert {c.value for c in found} == {"2026-03-30", "2026-04-03"}


# ---------------------------------------------------------------- properties


def _dst_days() -> list[date]:
    """Days around the DST changes in Berlin (last Sundays of March/October) and Chicago
    (second Sunday of March, first Sunday of November), 2024-2030."""
    days: list[date] = []
    for year in range(2024, 2031):
        march_last = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
        october_last = max(date(year, 10, d) for d in range(25, 32) if date(year, 10, d).weekday() == 6)
        march_second = [date(year, 3, d) for d in range(1, 15) if date(year, 3, d).weekday() == 6][1]
        november_first = next(date(year, 11, d) for d in range(1, 8) if date(year, 11, d).weekday() == 6)
        for pivot in (march_last, october_last, march_second, november_first):
            days.extend(pivot + timedelta(days=k) for k in range(-2, 3))
    return days


_ZONES = st.sampled_from([BERLIN, CHICAGO])
_NEAR_DST = st.builds(
    lambda day, clock, zone: datetime.combine(day, clock, tzinfo=zone),
    st.sampled_from(_dst_days()),
    st.times(),
    _ZONES,
)
_ANY_TIME = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=_ZONES
)
_NOWS = st.one_of(_NEAR_DST, _ANY_TIME)
_WEEKDAYS = [
    ("Monday", "Montag"), ("Tuesday", "Dienstag"), ("Wednesday", "Mittwoch"),
    ("Thursday", "Donnerstag"), ("Friday", "Freitag"), ("Saturday", "Samstag"),
    ("Sunday", "Sonntag"),
]


@settings(max_examples=150, deadline=None)
@given(now=_NOWS, weekday=st.integers(0, 6), business=st.sampled_from(["Europe/Berlin", "America/Chicago"]),
       as_utc=st.booleans())
def test_a_weekday_is_the_coming_one_and_english_next_is_next_weeks(
    now: datetime, weekday: int, business: str, as_utc: bool
) -> None:
    local_today = now.astimezone(ZoneInfo(business)).date()
    given_now = now.astimezone(ZoneInfo("UTC")) if as_utc else now
    english, german = _WEEKDAYS[weekday]
    for text, lang in ((f"nächsten {german}", "de"), (english, "en"), (f"on {english}", "en"),
                       (f"am {german}", "de")):
        [found] = extract_dates(text, lang, given_now, business)  # type: ignore[arg-type]
        day = date.fromisoformat(found.value)
        assert 1 <= (day - local_today).days <= 7
        assert day.weekday() == weekday
    [found] = extract_dates(f"next {english}", "en", given_now, business)
    day = date.fromisoformat(found.value)
    next_monday = local_today + timedelta(days=7 - local_today.weekday())
    assert day.weekday() == weekday
    assert next_monday <= day < next_monday + timedelta(days=7)


@settings(max_examples=150, deadline=None)
@given(now=_NOWS, business=st.sampled_from(["Europe/Berlin", "America/Chicago"]))
def test_relative_days_follow_the_local_calendar(now: datetime, business: str) -> None:
    local_today = now.astimezone(ZoneInfo(business)).date()
    cases = [("tomorrow", "en", 1), ("morgen", "de", 1), ("today", "en", 0), ("heute", "de", 0),
             ("day after tomorrow", "en", 2), ("übermorgen", "de", 2), ("in 2 weeks", "en", 14)]
    for text, lang, days in cases:
        [found] = extract_dates(text, lang, now, business)  # type: ignore[arg-type]
        assert found.value == (local_today + timedelta(days=days)).isoformat()


@settings(max_examples=100, deadline=None)
@given(now=_NOWS, day=st.integers(1, 31))
def test_day_of_month_is_never_in_the_past(now: datetime, day: int) -> None:
    local_today = now.astimezone(BERLIN).date()
    [found] = extract_dates(f"am {day}.", "de", now, "Europe/Berlin")
    resolved = date.fromisoformat(found.value)
    assert resolved >= local_today
    assert resolved.day == day
    assert (resolved - local_today).days < 93


def test_wall_clock_time_does_not_matter_across_dst() -> None:
    # 00:30 and 23:30 on the day Berlin springs forward
    for clock in (time(0, 30), time(23, 30)):
        now = datetime.combine(date(2026, 3, 29), clock, tzinfo=BERLIN)
        assert first("tomorrow", now=now) == ("2026-03-30", "")
        assert first("next Sunday", now=now) == ("2026-04-05", "")
