"""The checks across the sections of a business file, every one at once.

A business file's fields are checked by their models one by one; what spans sections — a
staff member doing a service that is not in ``services``, an emergency transfer to a
department that does not exist, two entries with one id, overlapping time off, a service
nobody does or one longer than every working window of its staff — is checked here, over
the data as written, so a file with a mistake in one section still has its other sections
cross-checked in the same run. Each part that is needed is validated on its own; a part
that does not validate is left out (its own problem is reported by its model), so a check
never reports a consequence of another mistake.

:func:`cross_check` is pure: plain data in, ``(path, reason)`` pairs out. :class:`Business`
runs it over itself, and the config loader over the file's data whatever else is wrong.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from .business import WEEKDAYS, DayHours, Path, TimeOff, Weekday, time_off_overlaps, week_hours
from .business import windows as _windows

_X = TypeVar("_X")


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """``"did you mean 'x'?"`` for the closest of ``choices``, or ``""``."""
    if not isinstance(word, str):
        return ""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else ""


def unknown(what: str, word: object, choices: Sequence[str], none: str = "none") -> str:
    """``unknown service 'colr' (did you mean 'color'? services: color, cut)``."""
    hint = did_you_mean(word, choices)
    listed = ", ".join(choices) or none
    return f"unknown {what} {word!r} ({hint + ' ' if hint else ''}{what}s: {listed})"


def cross_check(data: Mapping[str, Any]) -> list[tuple[Path, str]]:
    """Every problem across sections of one business's ``data`` (a file's mapping, or a
    model's dump), each at the path of the entry that is wrong."""
    return [
        *_duplicates(data),
        *_staff_services(data),
        *_departments(data),
        *_time_off(data),
        *_schedule(data),
    ]


# ---------------------------------------------------------------------- references


def _entries(data: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = data.get(key)
    if not isinstance(value, list | tuple):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, Mapping)]


def _ids(data: Mapping[str, Any], key: str) -> list[str]:
    return list(
        dict.fromkeys(e["id"] for _, e in _entries(data, key) if isinstance(e.get("id"), str))
    )


_KINDS = {
    "services": "service",
    "staff": "staff member",
    "departments": "department",
    "faq": "FAQ entry",
}


def _duplicates(data: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    for key, what in _KINDS.items():
        first: dict[str, int] = {}
        for i, entry in _entries(data, key):
            ident = entry.get("id")
            if not isinstance(ident, str):
                continue
            if ident in first:
                yield (
                    (key, i, "id"),
                    (f"duplicate {what} id {ident!r} ({key}[{first[ident]}] has it too)"),
                )
            else:
                first[ident] = i
    cards: dict[str, int] = {}
    for i, use in _entries(data, "topics"):
        card = use.get("card")
        if not isinstance(card, str):
            continue
        if card in cards:
            yield (
                ("topics", i, "card"),
                (
                    f"card {card!r} is used twice (topics[{cards[card]}] "
                    "too); put both changes in one entry"
                ),
            )
        else:
            cards[card] = i


def _staff_services(data: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    if not isinstance(data.get("services"), list | tuple):
        return  # the services section itself is wrong: nothing to check against
    services = _ids(data, "services")
    for i, member in _entries(data, "staff"):
        refs = member.get("services")
        if not isinstance(refs, list | tuple):
            continue
        for j, ref in enumerate(refs):
            if isinstance(ref, str) and ref not in services:
                yield (
                    ("staff", i, "services", j),
                    (f"staff {member.get('id')!r} names an {unknown('service', ref, services)}"),
                )


def _departments(data: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    emergency = data.get("emergency")
    if not isinstance(emergency, Mapping):
        return
    departments = _ids(data, "departments")
    for key in ("during_hours_transfer", "after_hours_transfer"):
        ref = emergency.get(key)
        if isinstance(ref, str) and ref not in departments:
            yield ("emergency", key), unknown("department", ref, departments, "none defined")


# ---------------------------------------------------------------------- schedules


def _valid(adapter: TypeAdapter[_X], value: object) -> _X | None:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


_HOURS = TypeAdapter(dict[Weekday, DayHours])
_TIME_OFF = TypeAdapter(TimeOff)
_DURATION = TypeAdapter(int)


def _time_off(data: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    for i, member in _entries(data, "staff"):
        entries = member.get("time_off")
        if not isinstance(entries, list | tuple):
            continue
        valid = [
            (j, off) for j, raw in enumerate(entries) if (off := _valid(_TIME_OFF, raw)) is not None
        ]
        for path, reason in time_off_overlaps(member.get("id"), valid):
            yield ("staff", i, *path), reason


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _schedule(data: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    """Services nobody does, and services longer than any window their staff work in.

    A window is a stretch of working time in the regular week (breaks split a day into
    windows); closures and time off are not counted, they are not the typical week.
    Skipped when the hours it needs (the business's, or a doer's own) do not validate.
    """
    hours = _valid(_HOURS, data.get("hours"))
    if hours is None or not isinstance(data.get("staff"), list | tuple):
        return
    staff: list[tuple[str, set[str], dict[Weekday, DayHours] | None]] = []
    for _, member in _entries(data, "staff"):
        own = member.get("hours")
        own_hours = None if own is None else _valid(_HOURS, own)
        refs = member.get("services")
        if (own is not None and own_hours is None) or not isinstance(refs, list | tuple):
            return  # a malformed member: its own problem is reported, nothing certain here
        staff.append((str(member.get("id")), {r for r in refs if isinstance(r, str)}, own_hours))
    for i, service in _entries(data, "services"):
        ident = service.get("id")
        duration = _valid(_DURATION, service.get("duration_min"))
        if not isinstance(ident, str):
            continue
        doers = [m for m in staff if ident in m[1]]
        if not doers:
            yield (
                ("services", i, "id"),
                (
                    f"service {ident!r} is done by no staff member"
                    " (add it to the services of someone who does it)"
                ),
            )
            continue
        longest, where = 0, ""
        for member_id, _, own_hours in doers:
            for weekday in WEEKDAYS:
                for start, end in _windows(week_hours(hours, own_hours, weekday)):
                    if end - start > longest:
                        longest = end - start
                        where = f"{member_id} on {weekday} {_clock(start)}–{_clock(end)}"
        if longest == 0:
            yield (
                ("services", i, "duration_min"),
                (
                    f"service {ident!r}: the staff who do it"
                    f" ({', '.join(m[0] for m in doers)}) have no working hours in the week"
                ),
            )
        elif duration is not None and duration > longest:
            yield (
                ("services", i, "duration_min"),
                (
                    f"service {ident!r} takes {duration} min, longer than any"
                    f" opening window of the staff who do it (the longest is {longest} min:"
                    f" {where})"
                ),
            )


__all__ = ["cross_check", "did_you_mean", "unknown"]
