"""Availability search (``engine.slots.find_slots``) on the demo businesses.

Every offered slot must be bookable for real: the right staff, the service's duration in
real minutes, inside that staff member's hours (breaks and closures respected), clear of
every booked appointment plus buffer, after ``now + min_notice``, and a wall time that
exists in the business's timezone — also on the days the clocks change. The property
tests vary the demo data (hours, closures, buffers, calendars) with Hypothesis; the unit
tests pin the preferences (time, part of day, staff) and the alternatives offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from adapters.business_files import load_businesses
from adapters.wiring import repo_path
from engine.business import WEEKDAYS, Business, DayHours, Interval
from engine.ports import Appointment, AppointmentId, CustomerId
from engine.slots import NOTES, SlotOffer, SlotQuery, asked_slot, find_slots
from language.types import Slot

DEMOS = load_businesses(repo_path("examples", "businesses"), {})
BLOOM, PRAXIS, ROOTER = DEMOS["bloom-salon"], DEMOS["praxis-sommer"], DEMOS["rapid-rooter"]
# 2026-11-24 is a Tuesday; bloom is closed Sundays and Mondays
TUESDAY = date(2026, 11, 24)


def at(b: Business, day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, fold=fold), tzinfo=ZoneInfo(b.timezone))


_ids = iter(range(10**9))


def appt(
    b: Business,
    staff: str,
    start: datetime,
    minutes: int,
    status: str = "booked",
    service: str = "",
) -> Appointment:
    n = next(_ids)
    return Appointment(
        id=AppointmentId(f"a{n}"),
        business=b.slug,
        service=service or b.services[0].id,
        staff=staff,
        start=start.astimezone(UTC),
        end=(start.astimezone(UTC) + timedelta(minutes=minutes)),
        customer_id=CustomerId(f"c{n}"),
        status=status,
    )  # type: ignore[arg-type]


def every_day(*spans: tuple[time, time]) -> dict[str, DayHours]:
    return {d: DayHours(open=tuple(Interval(start=s, end=e) for s, e in spans)) for d in WEEKDAYS}


def real_minutes(slot: Slot) -> float:
    return (slot.end.astimezone(UTC) - slot.start.astimezone(UTC)).total_seconds() / 60


def exists(moment: datetime, tz: ZoneInfo) -> bool:
    """The wall time survives a round trip through UTC (it is not in a DST gap)."""
    back = moment.astimezone(UTC).astimezone(tz)
    return (back.replace(tzinfo=None), back.utcoffset()) == (
        moment.replace(tzinfo=None),
        moment.utcoffset(),
    )


# ---------------------------------------------------------------------- the invariants


def check_offer(
    b: Business, q: SlotQuery, appointments: Sequence[Appointment], now: datetime, offer: SlotOffer
) -> None:
    """Everything that must hold for any offer, whatever the data."""
    tz = ZoneInfo(b.timezone)
    service = b.service(q.service)
    buffer = timedelta(minutes=service.buffer_min)
    earliest = now.astimezone(UTC) + timedelta(minutes=b.booking.min_notice_min)
    horizon = now.astimezone(tz).date() + timedelta(days=b.booking.horizon_days)
    assert len(offer.slots) <= q.count
    # instants, not wall times: the repeated autumn hour has two slots at one wall time
    instants = [s.start.astimezone(UTC) for s in offer.slots]
    assert len(set(instants)) == len(offer.slots), "the same time offered twice"
    assert instants == sorted(instants)
    assert offer.note in NOTES
    if not offer.slots:
        assert offer.note in ("", "closed", "away")
    else:
        assert offer.note not in ("closed", "away") and offer.reopens is None
    for s in offer.slots:
        member = b.staff_member(s.staff)
        where = f"{s.start.isoformat()} with {s.staff}"
        assert s.service == q.service and s.staff_name == member.name
        assert q.service in member.services, f"{where}: {s.staff} does not do {q.service}"
        assert (
            s.start.tzinfo is not None and s.start.utcoffset() == s.start.astimezone(tz).utcoffset()
        ), f"{where}: not in the business timezone"
        assert exists(s.start, tz) and exists(s.end, tz), f"{where}: no such local time"
        assert real_minutes(s) == service.duration_min, f"{where}: {real_minutes(s)} min"
        assert s.start.astimezone(UTC) >= earliest, f"{where}: before now + min notice"
        day = s.start.astimezone(tz).date()
        assert day <= horizon
        assert not b.is_closed_on(day), f"{where}: the business is closed that day"
        local_start = s.start.astimezone(tz)
        local_end = s.end.astimezone(tz)
        assert local_end.date() == day, f"{where}: runs past midnight"
        assert any(
            iv.start <= local_start.time() and local_end.time() <= iv.end
            for iv in b.hours_of(member, day)
        ), f"{where}-{local_end.time()}: outside {s.staff}'s hours {b.hours_of(member, day)}"
        for a in appointments:
            if a.staff != s.staff or a.status != "booked" or a.id == q.exclude:
                continue
            assert (
                s.end.astimezone(UTC) <= a.start - buffer
                or s.start.astimezone(UTC) >= a.end + buffer
            ), f"{where}: clashes with {a.start.isoformat()}-{a.end.isoformat()} (+{buffer})"
        if q.part:
            lo, hi = {
                "morning": (time(0), time(12)),
                "afternoon": (time(12), time(17)),
                "evening": (time(17), time(23, 59)),
            }[q.part]
            assert lo <= local_start.time() < hi, f"{where}: not in the {q.part}"
        if q.after is not None:
            assert local_start.time() >= q.after
        if q.before is not None:
            assert local_start.time() < q.before
    wanted = q.staff not in ("", "any")
    if wanted and offer.note != "other_staff":
        assert all(s.staff == q.staff for s in offer.slots) or offer.note == "other_day"
    if offer.note == "other_staff":
        assert wanted and any(s.staff != q.staff for s in offer.slots)
    if q.day is not None:
        if offer.note == "other_day":
            assert all(s.start.astimezone(tz).date() > q.day for s in offer.slots)
        else:
            assert all(s.start.astimezone(tz).date() == q.day for s in offer.slots)


# ---------------------------------------------------------------------- property tests

# weeks around each DST change of the demo timezones, and an ordinary week
BASE_DAYS = (TUESDAY, date(2027, 3, 12), date(2027, 3, 26), date(2026, 10, 23), date(2026, 10, 30))
QUARTERS = st.integers(0, 24 * 4 - 1).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def week_hours(draw: st.DrawFn) -> dict[str, DayHours]:
    """Random opening hours: per weekday up to two intervals on a 15-minute grid."""
    out: dict[str, DayHours] = {}
    for d in WEEKDAYS:
        cuts = sorted(set(draw(st.lists(QUARTERS, min_size=0, max_size=4))))
        if len(cuts) % 2:
            cuts = cuts[:-1]
        out[d] = DayHours(
            open=tuple(Interval(start=cuts[i], end=cuts[i + 1]) for i in range(0, len(cuts), 2))
        )
    return out


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Business, SlotQuery, list[Appointment], datetime]:
    b = draw(st.sampled_from(sorted(DEMOS.values(), key=lambda b: b.slug)))
    base = draw(st.sampled_from(BASE_DAYS))
    update: dict[str, object] = {}
    if draw(st.booleans()):
        update["hours"] = draw(week_hours())
    if draw(st.booleans()):
        update["closures"] = tuple(
            base + timedelta(days=d) for d in draw(st.lists(st.integers(0, 10), max_size=4))
        )
    if draw(st.booleans()):
        buffer = draw(st.sampled_from([5, 10, 15, 30]))
        update["services"] = tuple(s.model_copy(update={"buffer_min": buffer}) for s in b.services)
    if draw(st.booleans()):  # one staff member works their own, shorter hours
        member = draw(st.sampled_from(b.staff))
        own = member.model_copy(update={"hours": draw(week_hours())})
        update["staff"] = tuple(own if m.id == member.id else m for m in b.staff)
    if draw(st.booleans()):
        update["booking"] = b.booking.model_copy(
            update={
                "min_notice_min": draw(st.sampled_from([0, 30, 60, 240, 24 * 60])),
                "slot_step_min": draw(st.sampled_from([5, 15, 30])),
            }
        )
    b = b.model_copy(update=update)
    tz = ZoneInfo(b.timezone)
    now = (
        datetime.combine(base, time(0), tzinfo=tz).astimezone(UTC)
        + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
    ).astimezone(tz)
    service = draw(st.sampled_from(b.services)).id
    appointments = []
    for _ in range(draw(st.integers(0, 25))):
        start = datetime.combine(
            now.date() + timedelta(days=draw(st.integers(0, 8))), draw(QUARTERS), tzinfo=tz
        )
        appointments.append(
            appt(
                b,
                draw(st.sampled_from(b.staff)).id,
                start,
                draw(st.sampled_from([15, 30, 45, 60, 90, 150])),
                draw(st.sampled_from(["booked", "booked", "cancelled"])),
            )
        )
    q = SlotQuery(
        service=service,
        staff=draw(st.sampled_from(["", "any", *(m.id for m in b.staff)])),
        day=draw(st.none() | st.integers(-1, 20).map(lambda n: now.date() + timedelta(days=n))),
        at=draw(st.none() | QUARTERS),
        part=draw(st.sampled_from(["", "", "morning", "afternoon", "evening"])),
        after=draw(st.none() | QUARTERS),
        exclude=draw(st.sampled_from(["", *(a.id for a in appointments)])),
        count=draw(st.integers(1, 6)),
    )
    return b, q, appointments, now


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_offered_slot_is_bookable(scenario) -> None:
    b, q, appointments, now = scenario
    check_offer(b, q, appointments, now, find_slots(b, q, appointments, now))


@settings(max_examples=60, deadline=None)
@given(
    b=st.sampled_from([BLOOM, PRAXIS, ROOTER]),
    days=st.integers(0, 40),
    minute=st.integers(0, 24 * 60 - 1),
)
def test_an_empty_calendar_always_has_something_within_two_weeks(b, days, minute) -> None:
    now = at(b, TUESDAY, 0) + timedelta(days=days, minutes=minute)
    for service in b.services:
        q = SlotQuery(service=service.id)
        offer = find_slots(b, q, [], now)
        assert offer.slots, f"{b.slug}: nothing for {service.id} from {now}"
        check_offer(b, q, [], now, offer)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_asked_slot_is_exactly_what_was_asked_and_offered(scenario) -> None:
    """Whatever the calendar: the slot read back instead of a list is one the search
    offered, on the very day, at the very wall time, with the very person asked for —
    and when the search offered such a slot (and nothing else moved), it is read back."""
    b, q, appointments, now = scenario
    offer = find_slots(b, q, appointments, now)
    asked = asked_slot(q, offer)
    exact = [
        s
        for s in offer.slots
        if q.day is not None
        and q.at is not None
        and s.start.date() == q.day
        and s.start.time().replace(fold=0) == q.at
        and q.staff in ("", "any", s.staff)
    ]
    if asked is None:
        assert not exact or offer.note or len({s.start.timestamp() for s in exact}) > 1
    else:
        assert asked in offer.slots and asked in exact and offer.note == ""


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 5), st.booleans())
def test_a_free_slot_asked_for_by_its_day_and_time_is_read_back(
    scenario, pick: int, with_staff: bool
) -> None:
    """Whatever the calendar: ask for a slot the search has free, by its day and wall time
    (and its person, or anyone), and that slot is what comes back to be read back."""
    b, q, appointments, now = scenario
    first = find_slots(
        b,
        SlotQuery(service=q.service, staff=q.staff, day=q.day, exclude=q.exclude),
        appointments,
        now,
    )
    assume(first.slots)
    free = first.slots[pick % len(first.slots)]
    wall = free.start.time().replace(fold=0)
    tz = ZoneInfo(b.timezone)
    day = free.start.date()
    assume(
        datetime.combine(day, wall, tzinfo=tz).utcoffset()
        == datetime.combine(day, wall, tzinfo=tz).replace(fold=1).utcoffset()
    )
    ask = SlotQuery(
        service=q.service,
        staff=free.staff if with_staff else "",
        day=day,
        at=wall,
        exclude=q.exclude,
        count=q.count,
    )
    got = asked_slot(ask, find_slots(b, ask, appointments, now))
    assert got is not None
    assert (got.start, got.start.time()) == (free.start, wall)
    assert not with_staff or got.staff == free.staff


def test_the_asked_slot_when_free_and_none_when_not() -> None:
    thursday = TUESDAY + timedelta(days=2)
    now = at(BLOOM, TUESDAY, 10)
    q = SlotQuery(service="blowout", day=thursday, at=time(13))
    free = asked_slot(q, find_slots(BLOOM, q, [], now))
    assert free is not None and (free.start, free.staff) == (at(BLOOM, thursday, 13), "sam")
    taken = [appt(BLOOM, "sam", at(BLOOM, thursday, 12, 30), 60)]
    offer = find_slots(BLOOM, q, taken, now)
    assert asked_slot(q, offer) is None and offer.slots  # the neighbours are offered
    for other in (
        SlotQuery(service="blowout", day=thursday, part="afternoon"),  # no time
        SlotQuery(service="blowout", day=thursday, at=time(20)),  # after hours
        SlotQuery(service="blowout", at=time(13)),  # no day
        SlotQuery(service="mens_cut", day=thursday, at=time(13), staff="alex"),
    ):
        busy = [appt(BLOOM, "alex", at(BLOOM, thursday, 9), 10 * 60)]  # Sam is free
        found = find_slots(BLOOM, other, busy, now)
        assert found.slots and asked_slot(other, found) is None, other


def test_a_wall_time_the_autumn_night_has_twice_is_not_read_back() -> None:
    chicago = ZoneInfo("America/Chicago")
    b = BLOOM.model_copy(
        update={
            "timezone": "America/Chicago",
            "hours": every_day((time(0), time(23, 59))),
            "booking": BLOOM.booking.model_copy(update={"min_notice_min": 0}),
        }
    )
    night = date(2026, 11, 1)  # 1:30 comes twice
    q = SlotQuery(service="blowout", day=night, at=time(1, 30), staff="sam")
    offer = find_slots(b, q, [], datetime(2026, 10, 31, 12, 0, tzinfo=chicago))
    assert sum(1 for s in offer.slots if s.start.time() == time(1, 30)) == 2
    assert asked_slot(q, offer) is None


# ---------------------------------------------------------------------- constraints


def test_slots_keep_clear_of_booked_appointments_and_their_buffer() -> None:
    b = BLOOM.model_copy(
        update={"services": tuple(s.model_copy(update={"buffer_min": 15}) for s in BLOOM.services)}
    )
    day = TUESDAY + timedelta(days=1)
    taken = [appt(b, "sam", at(b, day, 10), 60), appt(b, "alex", at(b, day, 9), 10 * 60)]
    cancelled = appt(b, "sam", at(b, day, 14), 60, status="cancelled")
    q = SlotQuery(service="mens_cut", day=day, count=6, at=time(10))
    offer = find_slots(b, q, [*taken, cancelled], at(b, TUESDAY, 10))
    check_offer(b, q, [*taken, cancelled], at(b, TUESDAY, 10), offer)
    starts = {s.start.time() for s in offer.slots}
    assert {s.staff for s in offer.slots} == {"sam"}  # Alex is booked all day
    # 10:00-11:00 booked, 15 min buffer: a 30-min cut may start at 09:15 at the latest
    # and at 11:15 at the earliest
    assert time(9, 15) in starts and time(11, 15) in starts
    assert not starts & {time(9, 30), time(9, 45), time(10), time(10, 30), time(11)}
    late = find_slots(
        b,
        SlotQuery(service="mens_cut", day=day, at=time(14), staff="sam"),
        [*taken, cancelled],
        at(b, TUESDAY, 10),
    )
    assert time(14) in {s.start.time() for s in late.slots}  # a cancelled one frees the time


def test_the_appointment_being_moved_does_not_block_its_own_time() -> None:
    day = TUESDAY + timedelta(days=1)
    mine = appt(BLOOM, "sam", at(BLOOM, day, 11), 30)
    q = SlotQuery(service="mens_cut", staff="sam", day=day, at=time(11))
    assert time(11) not in {
        s.start.time() for s in find_slots(BLOOM, q, [mine], at(BLOOM, TUESDAY, 10)).slots
    }
    moved = SlotQuery(service="mens_cut", staff="sam", day=day, at=time(11), exclude=mine.id)
    assert at(BLOOM, day, 11) in {
        s.start for s in find_slots(BLOOM, moved, [mine], at(BLOOM, TUESDAY, 10)).slots
    }


def test_breaks_closures_and_closed_weekdays_are_never_offered() -> None:
    monday = date(2026, 11, 30)
    q = SlotQuery(service="checkup", day=monday, count=6, at=time(12, 30))
    offer = find_slots(PRAXIS, q, [], at(PRAXIS, TUESDAY, 9))
    check_offer(PRAXIS, q, [], at(PRAXIS, TUESDAY, 9), offer)
    for s in offer.slots:  # the lunch break 12:30-13:30
        assert s.end.time() <= time(12, 30) or s.start.time() >= time(13, 30)
    christmas = date(2026, 12, 24)  # a yearly closure, a Thursday
    offer = find_slots(
        PRAXIS, SlotQuery(service="checkup", day=christmas), [], at(PRAXIS, TUESDAY, 9)
    )
    assert offer.note == "other_day"
    assert offer.slots[0].start.date() == date(2026, 12, 28)  # Sat, Sun, 25, 26 closed
    closed = PRAXIS.model_copy(update={"closures": (date(2026, 11, 25),)})
    offer = find_slots(
        closed, SlotQuery(service="checkup", day=date(2026, 11, 25)), [], at(PRAXIS, TUESDAY, 9)
    )
    assert offer.note == "other_day" and offer.slots[0].start.date() == date(2026, 11, 26)
    sunday = find_slots(
        BLOOM, SlotQuery(service="mens_cut", day=date(2026, 11, 29)), [], at(BLOOM, TUESDAY, 9)
    )
    assert sunday.note == "other_day" and sunday.slots[0].start.date() == date(2026, 12, 1)


def test_nothing_before_now_plus_the_minimum_notice() -> None:
    now = at(BLOOM, TUESDAY, 10, 7)
    offer = find_slots(BLOOM, SlotQuery(service="mens_cut", day=TUESDAY, count=6), [], now)
    assert offer.slots[0].start == at(BLOOM, TUESDAY, 11, 15)  # 60 min notice, 15 min grid
    notice = BLOOM.model_copy(
        update={"booking": BLOOM.booking.model_copy(update={"min_notice_min": 24 * 60})}
    )
    offer = find_slots(notice, SlotQuery(service="mens_cut", day=TUESDAY), [], now)
    assert offer.note == "other_day" and offer.slots[0].start >= now + timedelta(days=1)
    past = find_slots(
        BLOOM, SlotQuery(service="mens_cut", day=TUESDAY - timedelta(days=1)), [], now
    )
    assert past.slots == ()


def test_staff_with_their_own_hours_are_offered_only_then() -> None:
    short = {d: DayHours(open=(Interval(start=time(13), end=time(15)),)) for d in WEEKDAYS}
    sam = BLOOM.staff_member("sam").model_copy(update={"hours": short})
    b = BLOOM.model_copy(update={"staff": tuple(sam if m.id == "sam" else m for m in BLOOM.staff)})
    q = SlotQuery(service="blowout", day=TUESDAY + timedelta(days=1), count=6)
    offer = find_slots(b, q, [], at(b, TUESDAY, 9))
    check_offer(b, q, [], at(b, TUESDAY, 9), offer)
    assert offer.slots and all(
        time(13) <= s.start.time() and s.end.time() <= time(15) for s in offer.slots
    )


def test_only_staff_who_do_the_service() -> None:
    for service, able in (
        ("balayage", {"jordan"}),
        ("kids_cut", {"sam"}),
        ("root_color", {"alex", "jordan"}),
    ):
        seen: set[str] = set()
        for hour in (9, 11, 13, 15):
            q = SlotQuery(service=service, day=TUESDAY + timedelta(days=1), at=time(hour))
            seen |= {s.staff for s in find_slots(BLOOM, q, [], at(BLOOM, TUESDAY, 9)).slots}
        assert seen and seen <= able
    alex_busy = [appt(BLOOM, "alex", at(BLOOM, TUESDAY + timedelta(days=1), 9), 10 * 60)]
    q = SlotQuery(service="root_color", day=TUESDAY + timedelta(days=1))
    assert {s.staff for s in find_slots(BLOOM, q, alex_busy, at(BLOOM, TUESDAY, 9)).slots} == {
        "jordan"
    }
    nobody = find_slots(
        BLOOM, SlotQuery(service="balayage", staff="sam"), [], at(BLOOM, TUESDAY, 9)
    )
    assert all(s.staff == "jordan" for s in nobody.slots)


# ---------------------------------------------------------------------- preferences


def test_a_preferred_time_comes_first_or_nearest() -> None:
    day = TUESDAY + timedelta(days=1)
    q = SlotQuery(service="mens_cut", day=day, at=time(15))
    offer = find_slots(BLOOM, q, [], at(BLOOM, TUESDAY, 9))
    assert offer.note == "" and time(15) in {s.start.time() for s in offer.slots}
    busy = [appt(BLOOM, m, at(BLOOM, day, 14, 30), 60) for m in ("alex", "sam")]
    offer = find_slots(BLOOM, q, busy, at(BLOOM, TUESDAY, 9))
    # 14:30-15:30 is booked for both: 15:30 is the nearest free start
    assert time(15, 30) in {s.start.time() for s in offer.slots}
    check_offer(BLOOM, q, busy, at(BLOOM, TUESDAY, 9), offer)


@pytest.mark.parametrize(
    ("part", "lo", "hi"),
    [
        ("morning", time(9), time(12)),
        ("afternoon", time(12), time(17)),
        ("evening", time(17), time(19)),
    ],
)
def test_a_part_of_the_day_is_honoured(part, lo, hi) -> None:
    q = SlotQuery(service="mens_cut", day=TUESDAY + timedelta(days=1), part=part, count=6)
    offer = find_slots(BLOOM, q, [], at(BLOOM, TUESDAY, 9))
    assert offer.slots and offer.note == ""
    assert all(lo <= s.start.time() < hi for s in offer.slots)
    after = SlotQuery(service="mens_cut", day=TUESDAY + timedelta(days=1), after=time(16))
    assert all(
        s.start.time() >= time(16)
        for s in find_slots(BLOOM, after, [], at(BLOOM, TUESDAY, 9)).slots
    )


def test_a_specific_staff_member_is_honoured() -> None:
    day = TUESDAY + timedelta(days=1)
    for staff in ("alex", "sam"):
        q = SlotQuery(service="mens_cut", staff=staff, day=day, count=6)
        offer = find_slots(BLOOM, q, [], at(BLOOM, TUESDAY, 9))
        assert offer.note == "" and offer.slots
        assert {s.staff for s in offer.slots} == {staff}
    q = SlotQuery(service="mens_cut", staff="sam")  # no day: Sam's first free day
    offer = find_slots(BLOOM, q, [], at(BLOOM, TUESDAY, 9))
    assert offer.note == "" and {s.staff for s in offer.slots} == {"sam"}


def test_a_booked_up_staff_member_gives_other_staff_alternatives() -> None:
    day = TUESDAY + timedelta(days=1)
    sam_full = [appt(BLOOM, "sam", at(BLOOM, day, 9), 10 * 60)]
    q = SlotQuery(service="mens_cut", staff="sam", day=day)
    offer = find_slots(BLOOM, q, sam_full, at(BLOOM, TUESDAY, 9))
    assert offer.note == "other_staff"
    assert offer.slots and {s.staff for s in offer.slots} == {"alex"}
    assert all(s.start.date() == day for s in offer.slots)
    check_offer(BLOOM, q, sam_full, at(BLOOM, TUESDAY, 9), offer)


def test_a_full_day_gives_other_day_alternatives() -> None:
    day = TUESDAY + timedelta(days=1)
    full = [appt(BLOOM, m, at(BLOOM, day, 9), 10 * 60) for m in ("alex", "sam")]
    q = SlotQuery(service="mens_cut", day=day, at=time(10))
    offer = find_slots(BLOOM, q, full, at(BLOOM, TUESDAY, 9))
    assert offer.note == "other_day"
    assert offer.slots and all(s.start.date() == day + timedelta(days=1) for s in offer.slots)
    check_offer(BLOOM, q, full, at(BLOOM, TUESDAY, 9), offer)
    # the same when the one wanted staff member is booked up too
    q = SlotQuery(service="mens_cut", staff="alex", day=day)
    offer = find_slots(BLOOM, q, full, at(BLOOM, TUESDAY, 9))
    assert offer.note == "other_day" and offer.slots[0].start.date() > day


# ---------------------------------------------------------------------- DST

DST_DAYS = [
    (PRAXIS, date(2027, 3, 28)),  # Berlin: 02:00 -> 03:00
    (PRAXIS, date(2026, 10, 25)),  # Berlin: 03:00 -> 02:00
    (ROOTER, date(2027, 3, 14)),  # Chicago: 02:00 -> 03:00
    (ROOTER, date(2026, 11, 1)),  # Chicago: 02:00 -> 01:00
]


@pytest.mark.parametrize(
    ("base", "day"), DST_DAYS, ids=lambda v: str(v) if isinstance(v, date) else v.slug
)
def test_on_dst_days_every_slot_exists_and_lasts_its_duration(base, day) -> None:
    b = base.model_copy(update={"hours": every_day((time(0), time(23, 45)))})
    tz = ZoneInfo(b.timezone)
    now = at(b, day - timedelta(days=1), 12)
    for service in b.services:
        q = SlotQuery(service=service.id, day=day, count=200)
        offer = find_slots(b, q, [], now)
        check_offer(b, q, [], now, offer)
        assert offer.note == "" and offer.slots
        for s in offer.slots:
            assert exists(s.start, tz) and exists(s.end, tz)
            assert real_minutes(s) == service.duration_min
        # one slot per existing 15-minute step whose end still lies within the day
        starts = {s.start.astimezone(UTC) for s in offer.slots}
        first = at(b, day, 0).astimezone(UTC)
        close = at(b, day, 23, 45).astimezone(UTC)
        duration = timedelta(minutes=service.duration_min)
        expected = set()
        moment = first
        while moment + duration <= close:
            expected.add(moment)
            moment += timedelta(minutes=15)
        missing = expected - starts
        # the hour the clocks skip or repeat is offered once, on the local grid
        assert all(m.astimezone(tz).fold == 1 or m.astimezone(tz).minute % 15 for m in missing), (
            sorted(m.astimezone(tz).isoformat() for m in missing)
        )


@pytest.mark.parametrize(("base", "day"), DST_DAYS[::2], ids=["berlin", "chicago"])
def test_no_slot_starts_in_the_spring_forward_gap(base, day) -> None:
    b = base.model_copy(update={"hours": every_day((time(1), time(4)))})
    now = at(b, day - timedelta(days=1), 12)
    service = min(b.services, key=lambda s: s.duration_min).id
    offer = find_slots(b, SlotQuery(service=service, day=day, count=20), [], now)
    walls = [s.start.astimezone(ZoneInfo(b.timezone)).time() for s in offer.slots]
    assert walls and not [w for w in walls if time(2) <= w < time(3)]
    assert time(1, 45) in walls and time(3) in walls


def test_in_the_repeated_hour_a_slot_is_real_time_consistent() -> None:
    b = ROOTER.model_copy(update={"hours": every_day((time(0), time(4)))})
    day = date(2026, 11, 1)
    q = SlotQuery(service="diagnostic", day=day, count=50)
    offer = find_slots(b, q, [], at(b, day - timedelta(days=1), 12))
    check_offer(b, q, [], at(b, day - timedelta(days=1), 12), offer)
    tz = ZoneInfo(b.timezone)
    # 01:30 CDT + 60 real minutes is 01:30 CST: the same wall time, one hour later
    s = next(s for s in offer.slots if s.start.astimezone(tz).time() == time(1, 30))
    assert s.start.utcoffset() == timedelta(hours=-5) and s.end.utcoffset() == timedelta(hours=-6)
    assert real_minutes(s) == 60
    # a booking in the repeated hour blocks only the real time it takes
    booked = appt(b, "mike", at(b, day, 1, 0, fold=1), 60)  # 01:00-02:00 CST
    q = SlotQuery(service="diagnostic", staff="mike", day=day, count=50)
    offer = find_slots(b, q, [booked], at(b, day - timedelta(days=1), 12))
    check_offer(b, q, [booked], at(b, day - timedelta(days=1), 12), offer)
    assert at(b, day, 0) in {s.start for s in offer.slots}  # 00:00-01:00 CDT is free


def test_a_slot_across_the_spring_forward_gap_still_ends_by_closing_time() -> None:
    b = PRAXIS.model_copy(update={"hours": every_day((time(0), time(3, 30)))})
    day = date(2027, 3, 28)
    q = SlotQuery(service="root_canal", day=day, count=50)  # 90 minutes
    now = at(b, day - timedelta(days=1), 12)
    check_offer(b, q, [], now, find_slots(b, q, [], now))


def test_the_minimum_notice_is_real_time_across_the_spring_forward_gap() -> None:
    b = PRAXIS.model_copy(update={"hours": every_day((time(0), time(23, 45)))})
    now = at(b, date(2027, 3, 28), 1, 30)  # 00:30 UTC; the clocks jump at 01:00 UTC
    offer = find_slots(b, SlotQuery(service="checkup"), [], now)
    first = offer.slots[0].start.astimezone(UTC)
    assert first - now.astimezone(UTC) >= timedelta(minutes=b.booking.min_notice_min)
