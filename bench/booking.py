"""Benchmark: booking — availability search, and booking turns across worker processes.

    python -m bench.booking [--section availability|workers|all] [--rounds N] [--seed S]

``availability``: a generated business with 10 staff (two part-time, one on holiday,
per-service buffers, a lunch break) and 5,000 booked appointments over its 60-day
horizon (seeded, so every run measures the same calendar). Times the pure
``engine.slots.find_slots`` for a mix of queries — anyone, a named staff member, a given
day, a part of the day, a preferred time — and the ``find_slots`` action end to end on
SQLite (``store.SqlStore`` on a temporary file, the appointments inserted through a
``Tx``; the action reads the calendar and searches). Prints p50/p95/p99 in ms as a table,
no assertions. The target for the pure search is p50 <= 5 ms.

``workers``: booking turns per second with 4 worker processes on PostgreSQL. A fresh
database is made on ``FRONTDESK_BENCH_PG`` (default the local server), 240 SMS booking
conversations with bloom-salon (ask, day, "the first one", name, "yes") are shared among
four ``bench.fleet`` processes — the real desk, offline language layer and PostgreSQL
store, each answering its conversations concurrently — and the time from the start signal
to the last reply is measured. Prints turns/s, bookings/s and the latencies under that
load; the database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from bench.stats import percentile
from engine.business import Business
from engine.hours import open_intervals_on
from engine.ports import Appointment, AppointmentId, CustomerId, InboundEvent, Store
from engine.slots import SlotQuery, find_slots

SLUG = "bench-clinic"
TIMEZONE = "America/Chicago"
STAFF = 10
APPOINTMENTS = 5_000
NOW = datetime(2026, 11, 23, 7, 30, tzinfo=ZoneInfo(TIMEZONE))  # a Monday morning


def _row(name: str, ms: list[float]) -> str:
    return (
        f"| {name:<40} | {len(ms):>6} | {percentile(ms, 50):>8.3f} | {percentile(ms, 95):>8.3f} | "
        f"{percentile(ms, 99):>8.3f} | {1000 / statistics.mean(ms):>9.0f} |"
    )


def _header() -> str:
    return (
        "| measure                                  |  calls |  p50 ms  |  p95 ms  |"
        "  p99 ms  | per second |\n"
        "|------------------------------------------|-------:|---------:|---------:|"
        "---------:|----------:|"
    )


# ------------------------------------------------------------------------------ the data


def make_business(staff: int = STAFF) -> Business:
    """A busy practice: long weekdays with a lunch break, Saturday mornings, a holiday."""
    weekday = {"open": [{"start": "07:00", "end": "12:30"}, {"start": "13:00", "end": "20:00"}]}
    services = [
        ("consult", 30, 0),
        ("short", 30, 5),
        ("standard", 45, 5),
        ("long", 60, 10),
        ("treatment", 90, 15),
    ]
    members: list[dict[str, Any]] = []
    for i in range(staff):
        does = [s for j, (s, _, _) in enumerate(services) if (i + j) % 4 != 3]
        member: dict[str, Any] = {"id": f"s{i:02d}", "name": f"Staff {i:02d}", "services": does}
        if i in (3, 7):  # part-time: mornings only, no Saturday
            member["hours"] = {
                d: {"open": [{"start": "07:00", "end": "12:30"}]}
                for d in ("mon", "tue", "wed", "thu", "fri")
            }
        if i == 5:
            member["time_off"] = [
                {"start": "2026-12-21", "end": "2027-01-03"},
                {"start": "2026-11-25 13:00", "end": "2026-11-25 20:00"},
            ]
        members.append(member)
    return Business.model_validate(
        {
            "slug": SLUG,
            "name": "Bench Clinic",
            "timezone": TIMEZONE,
            "languages": ["en"],
            "phone_region": "US",
            "hours": {
                **{d: weekday for d in ("mon", "tue", "wed", "thu", "fri")},
                "sat": {"open": [{"start": "08:00", "end": "18:00"}]},
            },
            "closures": ["2026-11-26", "2026-12-25"],
            "closures_yearly": ["01-01"],
            "staff": members,
            "services": [
                {
                    "id": s,
                    "name": {"en": s},
                    "duration_min": d,
                    "price": {"en": "$1"},
                    "buffer_min": buf,
                }
                for s, d, buf in services
            ],
            "booking": {"horizon_days": 60, "min_notice_min": 60, "slot_step_min": 15},
            "topics": [{"card": "book"}],
        }
    )


def make_appointments(
    b: Business, count: int = APPOINTMENTS, seed: int = 7, now: datetime = NOW
) -> list[Appointment]:
    """``count`` booked appointments over the horizon, sorted by start, within working
    hours, none overlapping another of the same member or its own buffer."""
    rng = random.Random(seed)
    tz = ZoneInfo(b.timezone)
    buffers = {s.id: s.buffer_min for s in b.services}
    durations = {s.id: s.duration_min for s in b.services}
    step = timedelta(minutes=b.booking.slot_step_min)
    today = now.astimezone(tz).date()
    made: list[Appointment] = []
    for offset in range(b.booking.horizon_days + 1):
        day = today + timedelta(days=offset)
        for member in b.staff:
            for start, end in open_intervals_on(b, day, member):
                t = start.astimezone(UTC)
                while True:
                    room = (end.astimezone(UTC) - t) / timedelta(minutes=1)
                    fitting = [s for s in member.services if durations[s] <= room]
                    if not fitting:
                        break
                    service = rng.choice(fitting)
                    length = timedelta(minutes=durations[service])
                    if rng.random() < 0.9:
                        made.append(
                            Appointment(
                                id=AppointmentId(f"b{len(made):05d}"),
                                business=b.slug,
                                service=service,
                                staff=member.id,
                                start=t,
                                end=t + length,
                                customer_id=CustomerId(f"c{rng.randrange(2000):04d}"),
                            )
                        )
                        t += length + timedelta(minutes=buffers[service])
                        t += (step - (t - start.astimezone(UTC)) % step) % step
                    else:
                        t += step
    if len(made) < count:
        raise SystemExit(f"only {len(made)} appointments fit; make the business bigger")
    chosen = rng.sample(made, count)
    return sorted(chosen, key=lambda a: (a.start, a.id))


def make_queries(b: Business, seed: int = 11) -> list[tuple[str, SlotQuery]]:
    """The mix timed: (kind, query)."""
    rng = random.Random(seed)
    today = NOW.date()
    out: list[tuple[str, SlotQuery]] = []
    for _ in range(50):
        service = rng.choice(b.services).id
        able = [m.id for m in b.staff if service in m.services]
        day = today + timedelta(days=rng.randrange(1, b.booking.horizon_days))
        out += [
            ("anyone, first free", SlotQuery(service=service)),
            ("a named staff member", SlotQuery(service=service, staff=rng.choice(able))),
            ("a given day", SlotQuery(service=service, day=day)),
            (
                "a given day and time",
                SlotQuery(service=service, day=day, at=clock(rng.randrange(8, 19), 0)),
            ),
            (
                "a part of the day",
                SlotQuery(service=service, part=rng.choice(["morning", "afternoon", "evening"])),
            ),
            (
                "after / before a time",
                SlotQuery(service=service, after=clock(17), before=clock(19))
                if rng.random() < 0.5
                else SlotQuery(service=service, before=clock(10)),
            ),
        ]
    return out


async def seed(store: Store, appointments: Sequence[Appointment], batch: int = 500) -> None:
    """Insert the appointments through the store's transactions (any ``Store``)."""
    for i in range(0, len(appointments), batch):
        async with store.transaction(SLUG, "bench-seed") as tx:
            for a in appointments[i : i + batch]:
                await tx.insert_appointment(a)


# ------------------------------------------------------------------------------ sections


async def availability(rounds: int = 3, seed_value: int = 7) -> None:
    from engine.actions import ActionContext, run_action
    from engine.state import ActionCall, ConversationState
    from store import SqlStore

    b = make_business()
    appointments = make_appointments(b, seed=seed_value)
    queries = make_queries(b)
    per_kind: dict[str, list[float]] = {}
    found = 0
    for _ in range(rounds):
        for kind, q in queries:
            t0 = time.perf_counter()
            offer = find_slots(b, q, appointments, NOW)
            per_kind.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
            found += bool(offer.slots)
    everything = [ms for values in per_kind.values() for ms in values]

    action_ms: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = SqlStore(os.path.join(tmp, "bench.db"))
        await store.migrate()
        try:
            t0 = time.perf_counter()
            await seed(store, appointments)
            seed_s = time.perf_counter() - t0
            state = ConversationState()
            for _ in range(rounds):
                for n, (_, q) in enumerate(queries):
                    args = {
                        "service": q.service,
                        "staff": q.staff,
                        "date": q.day.isoformat() if q.day else "",
                        "time": q.at.isoformat("minutes") if q.at else "",
                        "part": q.part,
                        "after": q.after.isoformat("minutes") if q.after else "",
                        "before": q.before.isoformat("minutes") if q.before else "",
                        "exclude": "",
                        "lang": "en",
                    }
                    call = ActionCall(name="find_slots", args=args, key=f"find_slots:{n}")
                    t0 = time.perf_counter()
                    async with store.transaction(SLUG, f"bench-{n}") as tx:
                        ctx = ActionContext(
                            business=b,
                            tx=tx,
                            now=NOW,
                            conversation_id="",
                            state=state,
                            channel="webchat",
                            lang="en",
                        )
                        await run_action(call, ctx)
                    action_ms.append((time.perf_counter() - t0) * 1000)
        finally:
            await store.close()

    print(
        f"## availability: {len(b.staff)} staff, {len(appointments):,} booked appointments "
        f"over {b.booking.horizon_days} days\n"
    )
    print(_header())
    for kind, values in per_kind.items():
        print(_row(f"find_slots: {kind}", values))
    print(_row("find_slots: all queries", everything))
    print(_row("find_slots action on SQLite (end to end)", action_ms))
    print(
        f"\n{len(queries)} queries x {rounds} rounds; {found}/{len(everything)} found slots; "
        f"seeding {len(appointments):,} appointments into SQLite took {seed_s:.1f} s; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )


WORKER_SCRIPTS = ("a men's cut with Alex", "a blowout with Sam", "to book balayage with Jordan")
CHOICES = ("the first one", "the second one", "the third one")
FIRST = ("Dana", "Jamie", "Morgan", "Riley", "Casey", "Avery", "Quinn", "Harper", "Rowan", "Emery")
LAST = ("Whitfield", "Rivera", "Blake", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Novak")


def booking_conversations(count: int, days: int = 40) -> list[list[InboundEvent]]:
    """``count`` SMS booking conversations with bloom-salon, each ending in "yes".

    Each of the three staff members is asked for on each of ``days`` days, first for the
    first offered time, then the second, then the third, so conversations rarely want the
    same slot; those that do (answered at the same moment) hear it was just taken.
    """
    tz = ZoneInfo("America/Los_Angeles")
    now = datetime(2026, 11, 23, 8, 0, tzinfo=tz)
    # the salon opens Tuesday to Saturday
    open_days = [
        d
        for d in (now.date() + timedelta(days=k) for k in range(1, 3 * days))
        if d.weekday() in (1, 2, 3, 4, 5)
    ][:days]
    out = []
    for i in range(count):
        phone = f"+1503556{i:04d}"
        ask = WORKER_SCRIPTS[i % len(WORKER_SCRIPTS)]
        day = open_days[(i // len(WORKER_SCRIPTS)) % days]
        choice = CHOICES[(i // (len(WORKER_SCRIPTS) * days)) % len(CHOICES)]
        texts = (
            f"I'd like {ask}",
            f"on {day:%B} {day.day}",
            choice,
            f"{FIRST[i % 10]} {LAST[(i // 10) % 8]}",
            "yes",
        )
        out.append(
            [
                InboundEvent(
                    business="bloom-salon",
                    channel="sms",
                    sender=phone,
                    text=text,
                    provider_msg_id=f"bench-{i}-{n}",
                    customer_phone=phone,
                    received_at=now + timedelta(seconds=n),
                )
                for n, text in enumerate(texts)
            ]
        )
    return out


async def workers(processes: int = 4, conversations: int = 240) -> None:
    """Booking conversations answered by ``processes`` ``bench.fleet`` worker processes
    against one fresh PostgreSQL database: turns per second and bookings per second."""
    import asyncpg

    from adapters.wiring import repo_path
    from store import open_store

    server = os.environ.get("FRONTDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"frontdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path="/" + name))
    tmp = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    try:
        store = await open_store(url)
        await store.migrate()
        await store.close()
        convs = booking_conversations(conversations)
        go = tmp / "go"
        procs = []
        for k in range(processes):
            jobs = tmp / f"w{k}.json"
            jobs.write_text(
                json.dumps([e.model_dump(mode="json") for c in convs[k::processes] for e in c])
            )
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.fleet",
                        "--db",
                        url,
                        "--jobs",
                        str(jobs),
                        "--out",
                        str(tmp / f"w{k}.out"),
                        "--ready",
                        str(tmp / f"w{k}.ready"),
                        "--go",
                        str(go),
                    ],
                    cwd=repo_path(),
                    stdout=subprocess.DEVNULL,
                    env=dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false"),
                )
            )
        while not all((tmp / f"w{k}.ready").exists() for k in range(processes)):
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker died while starting")
            await asyncio.sleep(0.05)
        started = time.perf_counter()
        go.touch()
        for p in procs:
            await asyncio.to_thread(p.wait)
        elapsed = time.perf_counter() - started
        answers = [
            json.loads(line)
            for k in range(processes)
            for line in (tmp / f"w{k}.out").read_text().splitlines()
        ]
        confirms = [a for a in answers if a["provider_msg_id"].endswith("-4")]
        booked = [a for a in confirms if "You're booked" in a["text"]]
        taken = [a for a in confirms if "just been taken" in a["text"]]
        check = await open_store(url)
        appointments = [
            a for a in await check.list_appointments("bloom-salon") if a.status == "booked"
        ]
        await check.close()
        print(
            f"## workers: {processes} processes, {conversations} booking conversations "
            f"(5 turns each, all at once), PostgreSQL 15, offline language layer"
        )
        print(
            f"turns answered: {len(answers)} in {elapsed:.1f} s = "
            f"{len(answers) / elapsed:.1f} turns/s"
        )
        print(
            f"booking turns (the 'yes'): {len(confirms)}, booked {len(booked)} "
            f"({len(appointments)} appointments in the database) = "
            f"{len(booked) / elapsed:.1f} bookings/s; {len(taken)} heard the slot was just "
            f"taken, {len(confirms) - len(booked) - len(taken)} other replies"
        )
        for label, ms in (
            ("turn latency under this load", [a["ms"] for a in answers]),
            ("booking-turn latency", [a["ms"] for a in confirms]),
        ):
            print(
                f"{label}: p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
                f"p99 {percentile(ms, 99):.0f} ms (every conversation in flight at once, so "
                "this is mostly waiting for the CPU)"
            )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--section", choices=("availability", "workers", "all"), default="all")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated calendar")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--conversations", type=int, default=240)
    args = parser.parse_args(argv)
    if args.section in ("availability", "all"):
        asyncio.run(availability(args.rounds, args.seed))
    if args.section in ("workers", "all"):
        asyncio.run(workers(args.processes, args.conversations))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "availability",
    "booking_conversations",
    "main",
    "make_appointments",
    "make_business",
    "make_queries",
    "seed",
    "workers",
]
