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


def first(
    text: str, lang: str = "en", now: datetime = NOW, tz: str = "Europe/Berlin"
) -> tuple[str, str]:
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
        "2026-03-09",
        "",
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
        october_last = max(
            date(year, 10, d) for d in range(25, 32) if date(year, 10, d).weekday() == 6
        )
        march_second = [date(year, 3, d) for d in range(1, 15) if date(year, 3, d).weekday() == 6][
            1
        ]
        november_first = next(
            date(year, 11, d) for d in range(1, 8) if date(year, 11, d).weekday() == 6
        )
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
    ("Monday", "Montag"),
    ("Tuesday", "Dienstag"),
    ("Wednesday", "Mittwoch"),
    ("Thursday", "Donnerstag"),
    ("Friday", "Freitag"),
    ("Saturday", "Samstag"),
    ("Sunday", "Sonntag"),
]


@settings(max_examples=150, deadline=None)
@given(
    now=_NOWS,
    weekday=st.integers(0, 6),
    business=st.sampled_from(["Europe/Berlin", "America/Chicago"]),
    as_utc=st.booleans(),
)
def test_a_weekday_is_the_coming_one_and_english_next_is_next_weeks(
    now: datetime, weekday: int, business: str, as_utc: bool
) -> None:
    local_today = now.astimezone(ZoneInfo(business)).date()
    given_now = now.astimezone(ZoneInfo("UTC")) if as_utc else now
    english, german = _WEEKDAYS[weekday]
    for text, lang in (
        (f"nächsten {german}", "de"),
        (english, "en"),
        (f"on {english}", "en"),
        (f"am {german}", "de"),
    ):
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
    cases = [
        ("tomorrow", "en", 1),
        ("morgen", "de", 1),
        ("today", "en", 0),
        ("heute", "de", 0),
        ("day after tomorrow", "en", 2),
        ("übermorgen", "de", 2),
        ("in 2 weeks", "en", 14),
    ]
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


# ---------------------------------------------------------------- the wider grammar

# Thursday 26 March 2026 (NOW): this week runs Monday 23 - Sunday 29 March
WIDER_EN = [
    ("next Saturday", "2026-04-04"),  # this week's Saturday is still ahead: next week's
    ("next Friday", "2026-04-03"),
    ("this Saturday", "2026-03-28"),
    ("this coming Saturday", "2026-03-28"),
    ("next Monday", "2026-03-30"),  # the first Monday ahead is next week's anyway
    ("Saturday of next week", "2026-04-04"),
    ("Tuesday of the following week", "2026-03-31"),
    ("Friday of this week", "2026-03-27"),
    ("Wednesday after next", "2026-04-08"),
    ("sometime next week, Tuesday afternoon", "2026-03-31"),
    ("next week, maybe on Thursday", "2026-04-02"),
    ("the week after next, Monday", "2026-04-06"),
    ("Monday in two weeks", "2026-04-06"),
    ("in 3 weeks on Friday", "2026-04-17"),
    ("the 12th of next month", "2026-04-12"),
    ("12 of next month", "2026-04-12"),
    ("the 30th of this month", "2026-03-30"),
    ("the second Wednesday of May", "2026-05-13"),
    ("the last Friday of the month", "2026-03-27"),
    ("the last Monday of next month", "2026-04-27"),
    ("first Monday in June", "2026-06-01"),
    ("the last day of April", "2026-04-30"),
    ("the second last day of April", "2026-04-29"),
    ("Mon, April 6", "2026-04-06"),
    ("Saturday the 4th", "2026-04-04"),
    ("Wed 15th", "2026-04-15"),
    ("Sun, Apr 12", "2026-04-12"),
    ("on sat", "2026-03-28"),
    ("sat", "2026-03-28"),
    ("2 mondays from now", "2026-04-06"),
    ("a week from today", "2026-04-02"),
    ("ten days from now", "2026-04-05"),
    ("a fortnight hence", "2026-04-09"),
    ("tomorrow's", "2026-03-27"),
    ("Apr3", "2026-04-03"),
    ("the day after Easter", "2026-04-06"),
    ("2 days before Christmas", "2026-12-23"),
    ("christmas eve", "2026-12-24"),
    ("the ides of May", "2026-05-15"),
    ("Tuesday first, then we'll see", "2026-03-31"),  # not "a Tuesday that is the 1st"
    ("Mon at 3pm", "2026-03-30"),
    ("sat morning", "2026-03-28"),
]

WIDER_DE = [
    ("nächsten Samstag", "2026-03-28"),  # in German the coming one
    ("Samstag nach dem nächsten", "2026-04-04"),
    ("übernächsten Dienstag", "2026-04-07"),
    ("Dienstag in zwei Wochen", "2026-04-07"),
    ("in drei Wochen am Freitag", "2026-04-17"),
    ("nächste Woche irgendwann, vielleicht Mittwoch", "2026-04-01"),
    ("Mittwoch der übernächsten Woche", "2026-04-08"),
    ("am 12. nächsten Monats", "2026-04-12"),
    ("am 12. des nächsten Monats", "2026-04-12"),
    ("zweiter Mittwoch im Mai", "2026-05-13"),
    ("am letzten Freitag im Monat", "2026-03-27"),
    ("letzter Tag im April", "2026-04-30"),
    ("Sa., 4. April", "2026-04-04"),
    ("Do, 16.4.", "2026-04-16"),
    ("am Sa.", "2026-03-28"),
    ("So.", "2026-03-29"),
    ("am 12ten", "2026-04-12"),
    ("12te April", "2026-04-12"),
    ("am 14.04", "2026-04-14"),
    ("14.04", "2026-04-14"),
    ("am Tag nach Ostern", "2026-04-06"),
    ("Heiligabend", "2026-12-24"),
    ("Haben Sie an Heiligabend offen?", "2026-12-24"),  # a German holiday said with a verb
]


@pytest.mark.parametrize(("text", "expected"), WIDER_EN)
def test_wider_english_grammar(text: str, expected: str) -> None:
    assert first(text, "en") == (expected, "")


@pytest.mark.parametrize(("text", "expected"), WIDER_DE)
def test_wider_german_grammar(text: str, expected: str) -> None:
    assert first(text, "de") == (expected, "")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Friday, April 9", "en"),  # 9 April 2026 is a Thursday: which one is meant?
        ("Fr., 9. April", "de"),
        ("a year after Christmas", "en"),
        ("I sat down and read the sun", "en"),  # "sat", "sun" are words here
        ("Das mache ich so.", "de"),
        ("in the upcoming two days", "en"),  # a range, not a day
    ],
)
def test_no_date_rather_than_a_wrong_one(text: str, lang: str) -> None:
    assert [
        c
        for c in extract_dates(text, lang, NOW, "Europe/Berlin")  # type: ignore[arg-type]
        if not c.problem
    ] == []


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("no sorry, I meant Tuesday, not Wednesday", "en", "2026-03-31"),
        ("not Wednesday, Tuesday", "en", "2026-03-31"),
        ("Wednesday doesn't work, how about Tuesday?", "en", "2026-03-31"),
        ("Tuesday instead of Wednesday", "en", "2026-03-31"),
        ("no, I can't do tomorrow, book it on Tuesday", "en", "2026-03-31"),
        ("Monday? no, make it Tuesday", "en", "2026-03-31"),
        ("today, that's April 2nd, no wait", "en", "2026-04-02"),
        ("tomorrow, which is the 3rd of April", "en", "2026-04-03"),
        ("nein, ich meinte Dienstag, nicht Mittwoch", "de", "2026-03-31"),
        ("Mittwoch passt mir nicht, lieber Dienstag", "de", "2026-03-31"),
        ("lieber Dienstag statt Mittwoch", "de", "2026-03-31"),
    ],
)
def test_a_correction_ranks_the_wanted_day_first(text: str, lang: str, expected: str) -> None:
    assert first(text, lang) == (expected, "")


_EN_DAY_PHRASES = st.sampled_from(
    [
        "today",
        "tomorrow",
        "tonight",
        "the day after tomorrow",
        "Monday",
        "on Friday",
        "next Tuesday",
        "this Sunday",
        "Saturday next week",
        "Wednesday after next",
        "next week",
        "in 3 days",
        "in two weeks",
        "the 3rd",
        "on the 31st",
        "the 20th of next month",
        "March 3",
        "3/4",
        "12/31",
        "the first Tuesday of October",
        "last Friday of the month",
        "Thu 15th",
        "Fri, Sep 20",
        "2 fridays from now",
        "a week hence",
        "christmas",
        "the day after Easter",
        "Feb 29",
        "the 30th of this month",
        "sat",
        "the ides of March",
    ]
)
_DE_DAY_PHRASES = st.sampled_from(
    [
        "heute",
        "morgen",
        "übermorgen",
        "Montag",
        "am Freitag",
        "nächsten Dienstag",
        "übernächsten Mittwoch",
        "Mittwoch in zwei Wochen",
        "nächste Woche",
        "in 3 Tagen",
        "am 3.",
        "am dritten",
        "3. März",
        "14.2.",
        "am 10.10",
        "erster Dienstag im Oktober",
        "letzter Montag im März",
        "Sa., 21. Sept",
        "am 20. nächsten Monats",
        "Weihnachten",
        "So.",
        "Do.",
    ]
)
_FILLER = st.sampled_from(["", "can I come ", "ok ", "Termin ", "maybe ", "or ", ", "])


@settings(max_examples=300, deadline=None)
@given(
    now=_NOWS,
    business=st.sampled_from(["Europe/Berlin", "America/Chicago"]),
    parts=st.lists(
        st.tuples(_FILLER, st.one_of(_EN_DAY_PHRASES, _DE_DAY_PHRASES)), min_size=1, max_size=3
    ),
    lang=st.sampled_from(["en", "de"]),
)
def test_a_usable_date_is_never_before_today(
    now: datetime, business: str, parts: list[tuple[str, str]], lang: str
) -> None:
    text = " ".join(filler + phrase for filler, phrase in parts)
    local_today = now.astimezone(ZoneInfo(business)).date()
    for found in extract_dates(text, lang, now, business):  # type: ignore[arg-type]
        assert text[found.span[0] : found.span[1]] == found.text
        if found.problem:
            assert found.value == ""
            continue
        assert date.fromisoformat(found.value) >= local_today, (text, found)


@settings(max_examples=200, deadline=None)
@given(now=_NOWS, text=st.text(max_size=80), lang=st.sampled_from(["en", "de"]))
def test_any_text_gives_valid_dates_never_in_the_past(now: datetime, text: str, lang: str) -> None:
    local_today = now.astimezone(BERLIN).date()
    for found in extract_dates(text, lang, now, "Europe/Berlin"):  # type: ignore[arg-type]
        assert found.problem or date.fromisoformat(found.value) >= local_today


_PRE_EN = st.sampled_from(["", "on ", "next ", "this ", "this coming ", "coming ", "for "])
_PRE_DE = st.sampled_from(["", "am ", "nächsten ", "kommenden ", "diesen ", "übernächsten "])


@settings(max_examples=200, deadline=None)
@given(
    now=_NOWS,
    weekday=st.integers(0, 6),
    pre_en=_PRE_EN,
    pre_de=_PRE_DE,
    tail=st.sampled_from(["", " at 3pm", " morning", " please", " or so", " um 10 Uhr"]),
)
def test_a_weekday_name_yields_that_weekday(
    now: datetime, weekday: int, pre_en: str, pre_de: str, tail: str
) -> None:
    english, german = _WEEKDAYS[weekday]
    for text, lang in (
        (f"{pre_en}{english}{tail}", "en"),
        (f"{pre_de}{german}{tail}", "de"),
        (f"{pre_en}{english[:3]}{tail}", "en"),
    ):
        found = extract_dates(text, lang, now, "Europe/Berlin")  # type: ignore[arg-type]
        if pre_en == "" and text.startswith(english[:3]) and len(text) > 3 and tail:
            continue  # "sat please": a short form followed by a word may be that word
        assert found, text
        assert date.fromisoformat(found[0].value).weekday() == weekday, (text, found[0])


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("on Christmas Eve", "en", "2026-12-24"),
        ("are you open on Easter Monday?", "en", "2026-04-06"),
        ("Christmas at 10am", "en", "2026-12-25"),
        ("a week before Christmas", "en", "2026-12-18"),
        ("an Heiligabend", "de", "2026-12-24"),
        ("am Ostermontag", "de", "2026-04-06"),
        ("zwei Tage nach Pfingsten", "de", "2026-05-26"),
        ("Karfreitag", "de", "2026-04-03"),
    ],
)
def test_holidays(text: str, lang: str, expected: str) -> None:
    assert first(text, lang) == (expected, "")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I need my hair done for a Christmas party", "en"),
        ("before Christmas", "en"),
        ("Easter eggs", "en"),
        ("new year's eve party", "en"),
        ("vor Weihnachten", "de"),
        ("bis Ostern", "de"),
        ("zu Weihnachten", "de"),
        ("Weihnachtsfeier", "de"),
    ],
)
def test_a_holiday_as_a_deadline_or_a_thing_is_no_day(text: str, lang: str) -> None:
    assert extract_dates(text, lang, NOW, "Europe/Berlin") == []  # type: ignore[arg-type]
