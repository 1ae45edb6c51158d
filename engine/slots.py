"""Availability search: which appointment slots can be offered.

Pure: the business, the existing appointments and ``now`` come in as values; no clock is
read.

Working time. A member's working time on a day is :func:`engine.hours.open_intervals_on`
for that member (their hours within the business's, closures applied, wall times turned
into instants by that module's DST rules) less their time off, all as real instants (POSIX
seconds). Candidate starts step through each working interval in *real* minutes from its
opening, so no start ever falls in the spring-forward gap (no such instant exists), and in
the repeated autumn hour both of its instants are candidates: two distinct slots whose
``start`` carries its own UTC offset (``fold``), which the templates show with the zone
("1:30 am CDT", "1:30 am CST"). A slot ends, in real time, by the end of its interval.

Busy time. Booked appointments (but ``exclude``, the one being moved) are grouped per
staff member and sorted by start once per call; a day takes its member's appointments
around it by bisection. Each is padded by the larger of two buffers, the service being
booked and the one booked already, so the gap between two appointments is what either of
them needs.

Choice. The first day with anything free is offered (the requested day, else the next
days up to the booking horizon), preferring the requested person, then anyone who does the
service; "anyone" spreads the offer over the staff, least booked first. Times on a day with
plenty free are spaced an hour apart, except for "as soon as possible" (``earliest``), which
gets the first free starts. The offer's ``note`` says why it is not simply what was asked:

* ``other_staff``: the requested person has nothing; others who do the service do;
* ``other_day``: nothing on the requested day; a later day's slots (not said for
  ``earliest``, where the day was only where the search started);
* ``dst_gap``: the preferred time does not exist on that day (the clocks go forward); the
  nearest real times of the requested person are offered;
* ``closed`` (no slots): the business has no opening hours at all between ``now`` (plus
  the minimum notice) and the horizon; ``reopens`` is its first open day after it;
* ``away`` (no slots): the business is open, but nobody who does the service works in that
  time (time off); ``reopens`` is the first day one of them works again.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

from language.types import Slot

from .business import Business, Staff
from .hours import open_intervals_on, wall_instant
from .ports import Appointment

# local wall-clock bounds of a part of the day, minutes since midnight, end exclusive
PARTS: dict[str, tuple[int, int]] = {
    "morning": (0, 12 * 60),
    "afternoon": (12 * 60, 17 * 60),
    "evening": (17 * 60, 23 * 60 + 59),
}
NOTES = ("", "other_day", "other_staff", "dst_gap", "closed", "away")
REOPEN_LOOKAHEAD_DAYS = 366

_START = attrgetter("start")

Span = tuple[float, float]  # [start, end) in POSIX seconds


@dataclass(frozen=True)
class SlotQuery:
    service: str
    staff: str = ""  # "" or "any" for anyone
    day: date | None = None
    at: time | None = None  # a preferred start time
    part: str = ""  # morning / afternoon / evening
    after: time | None = None  # start at or after this local time
    before: time | None = None  # start before this local time
    exclude: str = ""  # an appointment id to ignore (the one being moved)
    count: int = 3
    earliest: bool = False  # "as soon as possible": the first free starts, not spread out


@dataclass(frozen=True)
class SlotOffer:
    slots: tuple[Slot, ...]
    note: str = ""  # one of NOTES; the module docstring says when
    reopens: date | None = None  # with "closed" / "away": the first day open again
    # False when the search stopped at ``through`` having found nothing for the requested
    # staff: appointments beyond it may change the answer, so search again with them
    complete: bool = True


def wall_time_exists(day: date, wall: time, tz: ZoneInfo) -> bool:
    """Whether ``wall`` exists on ``day`` in ``tz`` (it does not in the spring-forward gap)."""
    local = datetime.combine(day, wall, tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    return (back.hour, back.minute, back.second) == (wall.hour, wall.minute, wall.second)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


class _Calendar:
    """One member's booked appointments, sorted by start; :meth:`around` bisects."""

    __slots__ = ("appointments", "reach")

    def __init__(self, appointments: list[Appointment]) -> None:
        appointments.sort(key=_START)  # the store returns them sorted: linear
        self.appointments = appointments
        self.reach: list[datetime] = []  # prefix maximum of the ends, filled on demand

    def around(self, lo: datetime, hi: datetime) -> list[Appointment]:
        """The appointments overlapping ``[lo, hi)``."""
        appointments, reach = self.appointments, self.reach
        stop = bisect_left(appointments, hi, key=_START)
        for i in range(len(reach), stop):
            end = appointments[i].end
            reach.append(end if not reach or end > reach[-1] else reach[-1])
        first = bisect_right(reach, lo, 0, stop)  # before it, everything ended by lo
        return [a for a in appointments[first:stop] if a.end > lo]


def _subtract(
    spans: list[tuple[float, float, float]], off: list[Span]
) -> list[tuple[float, float, float]]:
    """``(grid anchor, start, end)`` spans less the ``off`` intervals (anchors kept)."""
    out: list[tuple[float, float, float]] = []
    for anchor, start, end in spans:
        pieces = [(start, end)]
        for o_start, o_end in off:
            pieces = [
                p
                for s, e in pieces
                for p in ((s, min(e, o_start)), (max(s, o_end), e))
                if p[0] < p[1]
            ]
        out.extend((anchor, s, e) for s, e in pieces)
    return out


class _Search:
    """One call's search state: the indexed calendars, caches, and the constraints."""

    def __init__(
        self, b: Business, q: SlotQuery, appointments: Sequence[Appointment], now: datetime
    ) -> None:
        self.b, self.q = b, q
        self.tz = ZoneInfo(b.timezone)
        service = b.service(q.service)
        self.duration = service.duration_min * 60
        self.step = b.booking.slot_step_min * 60
        self.earliest = now.timestamp() + b.booking.min_notice_min * 60
        own = service.buffer_min * 60
        self.pads = {s.id: max(own, s.buffer_min * 60) for s in b.services}
        self.own_pad = own
        self.max_pad = max(self.pads.values(), default=own)
        self.able = [m for m in b.staff if q.service in m.services]
        groups: dict[str, list[Appointment]] = {m.id: [] for m in self.able}
        for a in appointments:
            if a.status == "booked":
                group = groups.get(a.staff)
                if group is not None and a.id != q.exclude:
                    group.append(a)
        self.load = {staff: len(group) for staff, group in groups.items()}
        self.calendars = {staff: _Calendar(group) for staff, group in groups.items()}
        lo, hi = 0, 24 * 60
        if q.part:
            lo, hi = PARTS[q.part]
        if q.after is not None:
            lo = max(lo, _minutes(q.after))
        if q.before is not None:
            hi = min(hi, _minutes(q.before))
        bounded = q.part or q.after is not None or q.before is not None
        self.wall_bounds = (lo, hi) if bounded else None
        self._local: dict[float, datetime] = {}
        self._spans: dict[tuple[str, date], list[tuple[float, float, float]]] = {}
        self._off: dict[str, list[Span]] = {}

    def local(self, t: float) -> datetime:
        """The instant ``t`` as an aware local datetime (``fold`` set in the repeated hour)."""
        moment = self._local.get(t)
        if moment is None:
            moment = self._local[t] = datetime.fromtimestamp(t, self.tz)
        return moment

    def time_off(self, member: Staff) -> list[Span]:
        off = self._off.get(member.id)
        if off is None:
            off = self._off[member.id] = [
                (
                    wall_instant(x.begins, self.tz).timestamp(),
                    wall_instant(x.ends, self.tz).timestamp(),
                )
                for x in member.time_off
            ]
        return off

    def spans(self, member: Staff | None, day: date) -> list[tuple[float, float, float]]:
        """Working time on a local day: ``(grid anchor, start, end)``, ordered, disjoint."""
        key = (member.id if member is not None and member.hours is not None else "", day)
        spans = self._spans.get(key)
        if spans is None:
            spans = self._spans[key] = [
                (s.timestamp(), s.timestamp(), e.timestamp())
                for s, e in open_intervals_on(self.b, day, member)
            ]
        if member is not None and member.time_off and spans:
            spans = _subtract(spans, self.time_off(member))
        return spans

    def busy(self, staff: str, lo: float, hi: float) -> list[Span]:
        """Padded busy intervals of ``staff`` around ``[lo, hi)``: sorted, merged."""
        near = self.calendars[staff].around(
            datetime.fromtimestamp(lo - self.max_pad, UTC),
            datetime.fromtimestamp(hi + self.max_pad, UTC),
        )
        out: list[Span] = []
        for start, end in sorted(
            (
                a.start.timestamp() - (pad := self.pads.get(a.service, self.own_pad)),
                a.end.timestamp() + pad,
            )
            for a in near
        ):
            if out and start <= out[-1][1]:
                if end > out[-1][1]:
                    out[-1] = (out[-1][0], end)
            else:
                out.append((start, end))
        return out

    def wanted_wall(self, t: float) -> bool:
        if self.wall_bounds is None:
            return True
        moment = self.local(t)
        minute = moment.hour * 60 + moment.minute
        return self.wall_bounds[0] <= minute < self.wall_bounds[1]

    def day_slots(self, member: Staff, day: date) -> list[tuple[float, str]]:
        """Every free start of ``member`` on ``day``: ``(instant, staff id)``."""
        spans = self.spans(member, day)
        if not spans:
            return []
        duration, step, earliest = self.duration, self.step, self.earliest
        busy = self.busy(member.id, spans[0][1], spans[-1][2])
        out: list[tuple[float, str]] = []
        i, n = 0, len(busy)
        for anchor, start, end in spans:
            first = max(start, earliest)
            t = anchor + math.ceil((first - anchor) / step) * step if first > anchor else anchor
            while t + duration <= end:
                if self.wanted_wall(t):
                    while i < n and busy[i][1] <= t:
                        i += 1
                    if i == n or busy[i][0] >= t + duration:
                        out.append((t, member.id))
                t += step
        return out

    def search(self, members: list[Staff], days: list[date]) -> list[tuple[float, str]]:
        """What to offer on the first of ``days`` where any of ``members`` is free."""
        order = sorted(members, key=lambda m: (self.load[m.id], m.id))
        for day in days:
            found: list[tuple[float, str]] = []
            for m in order:
                found += self.day_slots(m, day)
            if found:
                return self.pick(found)
        return []

    def works(self, members: Sequence[Staff | None], days: list[date], after: float) -> bool:
        """Whether any of ``members`` (None: the business) has working time ending after
        ``after`` on one of ``days``."""
        return any(span[2] > after for day in days for m in members for span in self.spans(m, day))

    def first_day(self, members: Sequence[Staff | None], start: date) -> date | None:
        for i in range(REOPEN_LOOKAHEAD_DAYS):
            day = start + timedelta(days=i)
            if any(self.spans(m, day) for m in members):
                return day
        return None

    def pick(self, found: list[tuple[float, str]]) -> list[tuple[float, str]]:
        """Choose what to offer: the preferred time first, spread over the day and the staff.

        Times are chosen first (nearest the preferred wall time, or earliest, spaced by an
        hour when the day has plenty); for each time, the staff member used least in this
        offer so far and least booked overall takes it, so "anyone is fine" spreads the
        work. Two instants with the same wall time (the repeated hour) are two times.
        """
        q = self.q
        by_time: dict[float, list[str]] = {}
        for t, staff in found:
            by_time.setdefault(t, []).append(staff)
        if q.at is not None:
            wanted = _minutes(q.at)

            def nearness(t: float) -> tuple[date, int, float]:
                moment = self.local(t)
                return moment.date(), abs(moment.hour * 60 + moment.minute - wanted), t

            times = sorted(by_time, key=nearness)
        else:
            times = sorted(by_time)
        plenty = len(times) > q.count * 4
        picked: list[float] = []
        for t in times:
            if picked and q.at is None and plenty and not q.earliest and abs(t - picked[-1]) < 3600:
                continue
            picked.append(t)
            if len(picked) == q.count:
                break
        used: dict[str, int] = {}
        chosen: list[tuple[float, str]] = []
        for t in sorted(picked):
            staff = min(by_time[t], key=lambda s: (used.get(s, 0), self.load.get(s, 0), s))
            used[staff] = used.get(staff, 0) + 1
            chosen.append((t, staff))
        return chosen

    def slots(self, found: list[tuple[float, str]]) -> tuple[Slot, ...]:
        names = {m.id: m.name for m in self.able}
        return tuple(
            Slot(
                start=self.local(t),
                end=datetime.fromtimestamp(t + self.duration, self.tz),
                staff=staff,
                staff_name=names[staff],
                service=self.q.service,
            )
            for t, staff in found
        )


def find_slots(
    b: Business,
    q: SlotQuery,
    appointments: Sequence[Appointment],
    now: datetime,
    *,
    through: date | None = None,
) -> SlotOffer:
    """Up to ``q.count`` bookable slots, honouring every constraint of the business.

    ``appointments`` may be in any order (sorted by start is fastest) and need only cover
    the days searched, plus a day either side for buffers. ``through`` stops the search at
    that local day (before the horizon) for a caller that fetched only the first days'
    appointments; the offer says when that was not enough (``complete=False``).
    """
    s = _Search(b, q, appointments, now)
    today = now.astimezone(s.tz).date()
    horizon = today + timedelta(days=b.booking.horizon_days)
    last = horizon if through is None else max(today, min(horizon, through))
    start_day = q.day or today
    if start_day < today or start_day > horizon:
        return SlotOffer(())
    wanted = [m for m in s.able if m.id == q.staff] if q.staff not in ("", "any") else s.able
    following = [start_day + timedelta(days=i) for i in range(1, (last - start_day).days + 1)]
    found: list[tuple[float, str]] = []
    note = ""
    if q.day is not None:
        found = s.search(wanted, [q.day])
        if not found and wanted != s.able:
            found, note = s.search(s.able, [q.day]), "other_staff"
        if not found:
            found, note = s.search(wanted, following), "other_day"
            if not found and last < horizon:
                return SlotOffer((), complete=False)
            found = found or s.search(s.able, following)
    else:
        found = s.search(wanted, [start_day, *following])
        if not found and last < horizon:
            return SlotOffer((), complete=False)
        if not found and wanted != s.able:
            found, note = s.search(s.able, [start_day, *following]), "other_staff"
    if not found:
        days = [today + timedelta(days=i) for i in range((horizon - today).days + 1)]
        if s.works(s.able, days, s.earliest):
            return SlotOffer(())
        after = horizon + timedelta(days=1)
        if not s.works([None], days, s.earliest):
            return SlotOffer((), "closed", s.first_day([None], after))
        return SlotOffer((), "away", s.first_day(s.able, after))
    if q.earliest and note == "other_day":
        note = ""  # the first free day was asked for: that it is not the first open day is no news
    if q.at is not None and not note:
        day = s.local(found[0][0]).date()
        if not wall_time_exists(day, q.at, s.tz):
            note = "dst_gap"
    return SlotOffer(s.slots(found), note)


def asked_slot(q: SlotQuery, offer: SlotOffer) -> Slot | None:
    """The offered slot at exactly the day and wall time the query asks for (and with the
    staff member it asks for, if any), when the offer has it as asked: the customer named
    that slot and it is free, so it is read back rather than listed among neighbours.

    None when the query names no day or no time, when the offer had to move away from
    what was asked (another day, another person, a time the clocks skip), or when the
    wall time is there twice (the hour the clocks go back): then the offer is the answer.
    """
    if q.day is None or q.at is None or offer.note:
        return None
    at = (q.at.hour, q.at.minute)
    hits = [
        s
        for s in offer.slots
        if s.start.date() == q.day
        and (s.start.hour, s.start.minute) == at
        and q.staff in ("", "any", s.staff)
    ]
    return hits[0] if len({s.start.timestamp() for s in hits}) == 1 else None


__all__ = [
    "NOTES",
    "PARTS",
    "SlotOffer",
    "SlotQuery",
    "asked_slot",
    "find_slots",
    "wall_time_exists",
]
