"""Opening hours: the demo businesses' weeks, closures, DST days, and is_open/interval agreement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.business_files import load_businesses
from engine.business import WEEKDAYS, Business
from engine.hours import is_open, next_opening, open_intervals_on, week_summary

DEMO = load_businesses(Path(__file__).resolve().parents[2] / "examples" / "businesses", {})
PRAXIS, BLOOM, ROOTER = DEMO["praxis-sommer"], DEMO["bloom-salon"], DEMO["rapid-rooter"]
BERLIN, LA, CHICAGO = (
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/Los_Angeles"),
    ZoneInfo("America/Chicago"),
)


def night_business(tz: str, *intervals: tuple[str, str]) -> Business:
    """A business open every day across the small hours, where DST changes happen."""
    week = {day: {"open": [{"start": s, "end": e} for s, e in intervals]} for day in WEEKDAYS}
    data: dict[str, Any] = {
        "slug": "night-owl",
        "name": "Night Owl",
        "timezone": tz,
        "languages": ["en"],
        "phone_region": "DE",
        "hours": week,
        "staff": [{"id": "x", "name": "X", "services": ["s"]}],
        "services": [{"id": "s", "name": {"en": "s"}, "duration_min": 30, "price": {"en": "1"}}],
        "topics": [{"card": "book"}],
    }
    return Business.model_validate(data)


def at(tz: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=tz)


def duration(span: tuple[datetime, datetime]) -> timedelta:
    """Elapsed time (subtracting two datetimes of one zone would give wall-clock time)."""
    return span[1].astimezone(UTC) - span[0].astimezone(UTC)


def wall(spans: list[tuple[datetime, datetime]]) -> list[tuple[str, str]]:
    return [(f"{s:%H:%M%z}", f"{e:%H:%M%z}") for s, e in spans]


# ------------------------------------------------------------------------- praxis-sommer


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ((2025, 3, 3, 7, 59), False),  # Monday, before opening
        ((2025, 3, 3, 8, 0), True),
        ((2025, 3, 3, 12, 29), True),
        ((2025, 3, 3, 12, 30), False),  # lunch break
        ((2025, 3, 3, 13, 29), False),
        ((2025, 3, 3, 13, 30), True),
        ((2025, 3, 6, 17, 59), True),  # Thursday
        ((2025, 3, 6, 18, 0), False),
        ((2025, 3, 7, 13, 59), True),  # Friday, no break
        ((2025, 3, 7, 14, 0), False),
        ((2025, 3, 8, 10, 0), False),  # Saturday
        ((2025, 3, 9, 10, 0), False),  # Sunday
        ((2025, 12, 24, 10, 0), False),  # Wednesday, closed every year
        ((2025, 12, 26, 10, 0), False),
        ((2025, 12, 29, 10, 0), True),
        ((2025, 12, 31, 10, 0), False),
        ((2026, 1, 1, 10, 0), False),
        ((2026, 1, 2, 10, 0), True),
    ],
)
def test_praxis_opening_hours(moment: tuple[int, ...], expected: bool) -> None:
    assert is_open(PRAXIS, at(BERLIN, *moment)) is expected


def test_praxis_intervals_are_aware_local_times() -> None:
    spans = open_intervals_on(PRAXIS, date(2025, 3, 3))
    assert spans == [
        (at(BERLIN, 2025, 3, 3, 8), at(BERLIN, 2025, 3, 3, 12, 30)),
        (at(BERLIN, 2025, 3, 3, 13, 30), at(BERLIN, 2025, 3, 3, 18)),
    ]
    assert all(s.tzinfo is BERLIN and e.tzinfo is BERLIN for s, e in spans)
    assert wall(open_intervals_on(PRAXIS, date(2025, 7, 4))) == [("08:00+0200", "14:00+0200")]
    assert open_intervals_on(PRAXIS, date(2025, 12, 25)) == []


def test_a_moment_in_another_timezone_is_judged_in_the_business_timezone() -> None:
    assert is_open(PRAXIS, datetime(2025, 3, 3, 7, 30, tzinfo=UTC))  # 08:30 in Berlin
    assert is_open(PRAXIS, datetime(2025, 7, 7, 6, 30, tzinfo=UTC))  # 08:30 CEST
    assert not is_open(PRAXIS, datetime(2025, 7, 7, 5, 30, tzinfo=UTC))  # 07:30 CEST
    minus_one = timezone(timedelta(hours=-1))
    assert is_open(PRAXIS, datetime(2025, 7, 7, 14, 30, tzinfo=minus_one))  # 17:30 CEST
    assert not is_open(PRAXIS, datetime(2025, 7, 7, 15, 30, tzinfo=minus_one))  # 18:30 CEST


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ((2025, 3, 3, 12, 45), (2025, 3, 3, 13, 30)),  # during the break
        ((2025, 3, 3, 10, 0), (2025, 3, 3, 13, 30)),  # while open: the next interval
        ((2025, 3, 7, 15, 0), (2025, 3, 10, 8, 0)),  # Friday afternoon → Monday
        ((2025, 12, 23, 19, 0), (2025, 12, 29, 8, 0)),  # over Christmas
        ((2025, 12, 30, 18, 30), (2026, 1, 2, 8, 0)),  # over New Year
        ((2025, 3, 3, 8, 0), (2025, 3, 3, 8, 0)),  # exactly at opening
    ],
)
def test_praxis_next_opening(moment: tuple[int, ...], expected: tuple[int, ...]) -> None:
    assert next_opening(PRAXIS, at(BERLIN, *moment)) == at(BERLIN, *expected)


def test_next_opening_looks_only_fourteen_days_ahead() -> None:
    start = date(2025, 8, 1)
    closed_3_weeks = PRAXIS.model_copy(
        update={"closures": tuple(start + timedelta(days=n) for n in range(21))}
    )
    assert next_opening(closed_3_weeks, at(BERLIN, 2025, 7, 31, 19)) is None
    closed_12_days = PRAXIS.model_copy(
        update={"closures": tuple(start + timedelta(days=n) for n in range(12))}
    )
    assert next_opening(closed_12_days, at(BERLIN, 2025, 7, 31, 19)) == at(BERLIN, 2025, 8, 13, 8)
    assert next_opening(PRAXIS.model_copy(update={"hours": {}}), at(BERLIN, 2025, 1, 6, 9)) is None


def test_praxis_week_in_german_and_english() -> None:
    long_day = "08:00–12:30, 13:30–18:00"
    assert week_summary(PRAXIS, "de") == [
        ("Montag", long_day),
        ("Dienstag", long_day),
        ("Mittwoch", long_day),
        ("Donnerstag", long_day),
        ("Freitag", "08:00–14:00"),
        ("Samstag", "geschlossen"),
        ("Sonntag", "geschlossen"),
    ]
    assert week_summary(PRAXIS, "en")[4:] == [
        ("Friday", "08:00–14:00"),
        ("Saturday", "closed"),
        ("Sunday", "closed"),
    ]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_open(PRAXIS, datetime(2025, 3, 3, 9, 0))


# ------------------------------------------------------------------- bloom, rapid-rooter


def test_bloom_week() -> None:
    assert week_summary(BLOOM, "en") == [
        ("Monday", "closed"),
        ("Tuesday", "09:00–19:00"),
        ("Wednesday", "09:00–19:00"),
        ("Thursday", "09:00–19:00"),
        ("Friday", "09:00–19:00"),
        ("Saturday", "09:00–17:00"),
        ("Sunday", "closed"),
    ]
    assert not is_open(BLOOM, at(LA, 2025, 3, 10, 12))  # Monday
    assert is_open(BLOOM, at(LA, 2025, 3, 11, 9))
    assert is_open(BLOOM, datetime(2025, 3, 11, 16, 0, tzinfo=UTC))  # 09:00 PDT
    assert not is_open(BLOOM, datetime(2025, 3, 11, 15, 59, tzinfo=UTC))
    assert not is_open(BLOOM, at(LA, 2025, 3, 15, 17))  # Saturday closes at 17:00
    assert next_opening(BLOOM, at(LA, 2025, 3, 8, 17, 30)) == at(LA, 2025, 3, 11, 9)


def test_rapid_rooter_week() -> None:
    assert week_summary(ROOTER, "en") == [
        ("Monday", "07:00–18:00"),
        ("Tuesday", "07:00–18:00"),
        ("Wednesday", "07:00–18:00"),
        ("Thursday", "07:00–18:00"),
        ("Friday", "07:00–18:00"),
        ("Saturday", "08:00–12:00"),
        ("Sunday", "closed"),
    ]
    assert is_open(ROOTER, at(CHICAGO, 2025, 11, 1, 11, 59))  # Saturday
    assert not is_open(ROOTER, at(CHICAGO, 2025, 11, 1, 12))
    # the weekend the clocks go back: Monday still opens at 07:00 local (now UTC-6)
    assert next_opening(ROOTER, at(CHICAGO, 2025, 11, 1, 12)) == at(CHICAGO, 2025, 11, 3, 7)
    assert next_opening(ROOTER, at(CHICAGO, 2025, 11, 1, 12)).utcoffset() == timedelta(hours=-6)


# --------------------------------------------------------------------------------- DST


def test_spring_forward_day_intervals_exist_in_local_time() -> None:
    spring = date(2025, 3, 30)  # Berlin: 02:00 CET → 03:00 CEST
    assert wall(open_intervals_on(night_business("Europe/Berlin", ("01:00", "04:00")), spring)) == [
        ("01:00+0100", "04:00+0200")
    ]
    # a start inside the gap opens when the clock jumps; an interval inside it disappears
    assert wall(open_intervals_on(night_business("Europe/Berlin", ("02:30", "05:00")), spring)) == [
        ("03:00+0200", "05:00+0200")
    ]
    assert open_intervals_on(night_business("Europe/Berlin", ("02:15", "02:45")), spring) == []
    assert wall(open_intervals_on(night_business("Europe/Berlin", ("00:30", "02:30")), spring)) == [
        ("00:30+0100", "03:00+0200")
    ]


def test_fall_back_day_takes_a_repeated_time_at_its_first_occurrence() -> None:
    autumn = date(2025, 10, 26)  # Berlin: 03:00 CEST → 02:00 CET
    spans = open_intervals_on(night_business("Europe/Berlin", ("01:00", "04:00")), autumn)
    assert wall(spans) == [("01:00+0200", "04:00+0100")]
    assert duration(spans[0]) == timedelta(hours=4)
    assert wall(open_intervals_on(night_business("Europe/Berlin", ("02:30", "05:00")), autumn)) == [
        ("02:30+0200", "05:00+0100")
    ]
    late = night_business("Europe/Berlin", ("00:00", "02:30"))
    assert is_open(late, datetime(2025, 10, 26, 0, 15, tzinfo=UTC))  # 02:15 CEST, first pass
    assert not is_open(late, datetime(2025, 10, 26, 1, 15, tzinfo=UTC))  # 02:15 CET, second pass


def test_half_hour_dst_and_midnight_gaps() -> None:
    # Lord Howe Island moves its clocks by 30 minutes; Santiago skips midnight
    howe = open_intervals_on(
        night_business("Australia/Lord_Howe", ("01:00", "03:00")), date(2025, 10, 5)
    )
    assert duration(howe[0]) == timedelta(hours=1, minutes=30)
    santiago = open_intervals_on(
        night_business("America/Santiago", ("00:00", "02:00")), date(2025, 9, 7)
    )
    assert wall(santiago) == [("01:00-0300", "02:00-0300")]


# ---------------------------------------------------------------------------- properties

BUSINESSES = [
    PRAXIS,
    BLOOM,
    ROOTER,
    night_business("Europe/Berlin", ("00:30", "02:30"), ("02:45", "04:00"), ("22:00", "23:59")),
    night_business("America/Chicago", ("01:00", "02:30"), ("01:30", "03:15")),
    night_business("Australia/Lord_Howe", ("01:45", "02:15"), ("02:20", "03:00")),
    night_business("America/Santiago", ("00:00", "00:30"), ("23:00", "23:30")),
]
TRANSITIONS = [
    datetime(2025, 3, 30, 1, tzinfo=UTC),
    datetime(2025, 10, 26, 1, tzinfo=UTC),  # EU
    datetime(2025, 3, 9, 8, tzinfo=UTC),
    datetime(2025, 11, 2, 7, tzinfo=UTC),  # US Central
    datetime(2025, 3, 9, 10, tzinfo=UTC),
    datetime(2025, 11, 2, 9, tzinfo=UTC),  # US Pacific
    datetime(2025, 4, 5, 15, tzinfo=UTC),
    datetime(2025, 10, 4, 15, 30, tzinfo=UTC),  # Lord Howe
    datetime(2025, 4, 6, 3, tzinfo=UTC),
    datetime(2025, 9, 7, 4, tzinfo=UTC),  # Santiago
    datetime(2025, 12, 24, 12, tzinfo=UTC),
]
ZONES = [UTC, BERLIN, CHICAGO, LA, timezone(timedelta(hours=5, minutes=30))]

moments = st.one_of(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    st.builds(
        lambda t, d: t + d,
        st.sampled_from(TRANSITIONS),
        st.timedeltas(min_value=timedelta(hours=-30), max_value=timedelta(hours=30)),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BUSINESSES), moments, st.sampled_from(ZONES))
def test_is_open_iff_inside_an_interval_of_its_local_day(
    business: Business,
    moment: datetime,
    zone: timezone | ZoneInfo,
) -> None:
    asked = moment.astimezone(zone)
    day = moment.astimezone(ZoneInfo(business.timezone)).date()
    inside = any(
        s.astimezone(UTC) <= moment < e.astimezone(UTC) for s, e in open_intervals_on(business, day)
    )
    assert is_open(business, asked) is inside


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BUSINESSES), moments)
def test_is_open_agrees_with_the_wall_clock_where_the_wall_clock_is_unambiguous(
    business: Business,
    moment: datetime,
) -> None:
    tz = ZoneInfo(business.timezone)
    local = moment.astimezone(tz)
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return  # a repeated wall time: the module docstring's first-occurrence rule applies
    wall_time = local.time()
    expected = any(iv.start <= wall_time < iv.end for iv in business.hours_of(None, local.date()))
    assert is_open(business, moment) is expected


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(BUSINESSES), moments)
def test_intervals_are_ordered_disjoint_and_exist_locally(
    business: Business, moment: datetime
) -> None:
    tz = ZoneInfo(business.timezone)
    day = moment.astimezone(tz).date()
    spans = open_intervals_on(business, day)
    instants = [x.astimezone(UTC) for span in spans for x in span]
    assert instants == sorted(instants) and len(set(instants)) == len(instants)
    for start, end in spans:
        assert start.tzinfo is tz and end.tzinfo is tz
        assert start.date() == day
        for x in (start, end):  # a real local time: survives a round trip through UTC
            assert x.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == x.replace(tzinfo=None)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(BUSINESSES), moments)
def test_next_opening_is_the_first_opening_at_or_after(
    business: Business, moment: datetime
) -> None:
    found = next_opening(business, moment)
    if found is None:
        return
    assert moment <= found <= moment + timedelta(days=14)
    assert is_open(business, found)
    assert not is_open(business, found - timedelta(microseconds=1))
    # nothing opens in between: every moment from `moment` up to `found` that is open
    # belongs to an interval that started before `moment`
    day = moment.astimezone(ZoneInfo(business.timezone)).date()
    for offset in range(16):
        for start, _ in open_intervals_on(business, day + timedelta(days=offset)):
            assert not moment <= start.astimezone(UTC) < found.astimezone(UTC)
