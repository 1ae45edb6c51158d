"""Availability search: which appointment slots can be offered.

Pure: the business, the existing appointments and ``now`` come in as values. Local wall
times are built per calendar day in the business timezone and checked to exist (a slot in
the spring-forward gap is skipped), so offers are right on both sides of a DST change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from language.types import Slot

from .business import Business, Staff
from .ports import Appointment

_PARTS = {"morning": (time(0), time(12)), "afternoon": (time(12), time(17)),
          "evening": (time(17), time(23, 59))}


@dataclass(frozen=True)
class SlotQuery:
    service: str
    staff: str = ""  # "" or "any" for anyone
    day: date | None = None
    at: time | None = None  # a preferred start time
    part: str = ""  # morning / afternoon / evening
    after: time | None = None
    exclude: str = ""  # an appointment id to ignore (the one being moved)
    count: int = 3


@dataclass(frozen=True)
class SlotOffer:
    slots: tuple[Slot, ...]
    note: str = ""  # "" | "other_day" | "other_staff"


def _local(day: date, t: time, tz: ZoneInfo) -> datetime | None:
    """The aware local datetime for a wall time, or None when it does not exist (DST gap)."""
    dt = datetime.combine(day, t, tzinfo=tz)
    back = dt.astimezone(UTC).astimezone(tz)
    if (back.hour, back.minute) != (t.hour, t.minute):
        return None
    return dt


def _busy(appointments: Sequence[Appointment], staff: str, exclude: str,
          buffer: timedelta) -> list[tuple[datetime, datetime]]:
    return [(a.start - buffer, a.end + buffer) for a in appointments
            if a.staff == staff and a.status == "booked" and a.id != exclude]


def _fits(start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]) -> bool:
    return all(end <= s or start >= e for s, e in busy)


def _day_slots(b: Business, member: Staff, service_id: str, day: date, q: SlotQuery,
               appointments: Sequence[Appointment], earliest: datetime) -> list[Slot]:
    tz = ZoneInfo(b.timezone)
    service = b.service(service_id)
    duration = timedelta(minutes=service.duration_min)
    step = timedelta(minutes=b.booking.slot_step_min)
    busy = _busy(appointments, member.id, q.exclude, timedelta(minutes=service.buffer_min))
    out: list[Slot] = []
    earliest_utc = earliest.astimezone(UTC)
    for interval in b.hours_of(member, day):
        wall = datetime.combine(day, interval.start)
        last = datetime.combine(day, interval.end)
        # compare real instants (UTC): wall-clock arithmetic is off by an hour across DST
        closes = datetime.combine(day, interval.end, tzinfo=tz).astimezone(UTC)
        while wall < last:
            t = wall.time()
            wall += step
            if q.after and t < q.after:
                continue
            if q.part and not (_PARTS[q.part][0] <= t < _PARTS[q.part][1]):
                continue
            start = _local(day, t, tz)
            if start is None or start.astimezone(UTC) < earliest_utc:
                continue
            end_utc = start.astimezone(UTC) + duration
            if end_utc > closes:
                continue
            end = end_utc.astimezone(tz)
            if not _fits(start, end, busy):
                continue
            out.append(Slot(start=start, end=end, staff=member.id, staff_name=member.name,
                            service=service_id))
    return out


def _pick(slots: list[Slot], q: SlotQuery, load: dict[str, int]) -> list[Slot]:
    """Choose what to offer: the preferred time first, spread over the day and the staff.

    Times are chosen first (nearest the preferred time, or earliest, spaced by an hour
    when the day has plenty); for each time, the staff member used least in this offer
    so far and least booked overall takes it, so "anyone is fine" spreads the work.
    """
    by_time: dict[datetime, list[Slot]] = {}
    for s in slots:
        by_time.setdefault(s.start, []).append(s)
    if q.at is not None:
        wanted = q.at.hour * 60 + q.at.minute
        times = sorted(by_time, key=lambda t: (t.date(), abs(t.hour * 60 + t.minute - wanted), t))
    else:
        times = sorted(by_time)
    plenty = len(times) > q.count * 4
    picked: list[datetime] = []
    for t in times:
        if picked and q.at is None and plenty and abs(t - picked[-1]) < timedelta(minutes=60):
            continue
        picked.append(t)
        if len(picked) == q.count:
            break
    used: dict[str, int] = {}
    chosen: list[Slot] = []
    for t in sorted(picked):
        s = min(by_time[t], key=lambda s: (used.get(s.staff, 0), load.get(s.staff, 0), s.staff))
        used[s.staff] = used.get(s.staff, 0) + 1
        chosen.append(s)
    return chosen


def find_slots(b: Business, q: SlotQuery, appointments: Sequence[Appointment],
               now: datetime) -> SlotOffer:
    """Up to ``q.count`` bookable slots, honouring every constraint of the business."""
    tz = ZoneInfo(b.timezone)
    local_now = now.astimezone(tz)
    earliest = local_now + timedelta(minutes=b.booking.min_notice_min)
    able = [m for m in b.staff if q.service in m.services]
    wanted = [m for m in able if m.id == q.staff] if q.staff not in ("", "any") else able
    load: dict[str, int] = {m.id: 0 for m in able}
    for a in appointments:
        if a.status == "booked" and a.staff in load:
            load[a.staff] += 1
    horizon = local_now.date() + timedelta(days=b.booking.horizon_days)

    def search(members: list[Staff], days: list[date]) -> list[Slot]:
        for day in days:
            found: list[Slot] = []
            for m in sorted(members, key=lambda m: (load[m.id], m.id)):
                found += _day_slots(b, m, q.service, day, q, appointments, earliest)
            if found:
                return _pick(found, q, load)
        return []

    start_day = q.day or local_now.date()
    if start_day < local_now.date():
        return SlotOffer(())
    following = [start_day + timedelta(days=i) for i in range(1, 15)]
    following = [d for d in following if d <= horizon]
    if q.day is not None:
        exact = search(wanted, [q.day])
        if exact:
            return SlotOffer(tuple(exact))
        if wanted != able:
            others = search(able, [q.day])
            if others:
                return SlotOffer(tuple(others), "other_staff")
        later = search(wanted, following) or search(able, following)
        return SlotOffer(tuple(later), "other_day" if later else "")
    days = [start_day] + following
    found = search(wanted, days)
    if not found and wanted != able:
        found = search(able, days)
        return SlotOffer(tuple(found), "other_staff" if found else "")
    return SlotOffer(tuple(found))


__all__ = ["SlotOffer", "SlotQuery", "find_slots"]
