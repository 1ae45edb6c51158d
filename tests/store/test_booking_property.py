"""Property: the store accepts exactly the bookings a plain overlap check accepts.

For random sequences of inserts, moves and cancellations (random staff, start, length;
each in its own transaction or all in one), every store's decisions equal those of a
reference model written from the rule itself — a booked appointment may not overlap
``[start, end)`` of another booked one of the same staff member — and no two booked
appointments of one staff member overlap afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.ports import SlotTaken, Tx
from store import PgStore, SqlStore
from store.memory import MemoryStore
from store.ports import Storage
from tests.pg import drop_schema, need_pg

from .records import appointment, at


@dataclass(frozen=True)
class Insert:
    staff: str
    start: int
    length: int


@dataclass(frozen=True)
class Move:
    pick: int  # which existing appointment, modulo their number
    staff: str
    start: int
    length: int


@dataclass(frozen=True)
class Cancel:
    pick: int


Op = Insert | Move | Cancel
Booking = tuple[str, int, int, str]  # staff, start, end, status

staffs = st.sampled_from(["ana", "ben"])
starts = st.integers(0, 8).map(lambda quarter: quarter * 15)  # adjacency is common
lengths = st.sampled_from([15, 30, 45, 60])
ops = st.lists(
    st.one_of(
        st.builds(Insert, staffs, starts, lengths),
        st.builds(Move, st.integers(0, 40), staffs, starts, lengths),
        st.builds(Cancel, st.integers(0, 40)),
    ),
    max_size=25,
)


def clashes(rows: dict[str, Booking], own_id: str, wanted: Booking) -> bool:
    staff, start, end, status = wanted
    return status == "booked" and any(
        other_id != own_id and s == staff and other == "booked" and b < end and start < e
        for other_id, (s, b, e, other) in rows.items()
    )


def reference(sequence: list[Op]) -> tuple[list[bool], dict[str, Booking]]:
    """The rule, written plainly: which operations succeed, and what is booked after."""
    rows: dict[str, Booking] = {}
    accepted: list[bool] = []
    for n, op in enumerate(sequence):
        if isinstance(op, Insert):
            wanted = (op.staff, op.start, op.start + op.length, "booked")
            ok = not clashes(rows, f"a{n}", wanted)
            if ok:
                rows[f"a{n}"] = wanted
        elif not rows:
            ok = True  # nothing to move or cancel: the op is skipped
        else:
            target = sorted(rows)[op.pick % len(rows)]
            staff, start, end, status = rows[target]
            if isinstance(op, Cancel):
                wanted = (staff, start, end, "cancelled")
            else:
                wanted = (op.staff, op.start, op.start + op.length, status)
            ok = not clashes(rows, target, wanted)
            if ok:
                rows[target] = wanted
        accepted.append(ok)
    return accepted, rows


def global_id(local: str, business: str) -> str:
    return f"{local}@{business[:16]}"  # ids are unique across businesses


async def apply(tx: Tx, business: str, n: int, op: Op, known: list[str]) -> bool:
    try:
        if isinstance(op, Insert):
            start, end = op.start, op.start + op.length
            await tx.insert_appointment(
                appointment(global_id(f"a{n}", business), start, end, op.staff, business)
            )
            known.append(f"a{n}")
        elif known:
            target = global_id(sorted(known)[op.pick % len(known)], business)
            if isinstance(op, Cancel):
                await tx.cancel_appointment(target)
            else:
                await tx.move_appointment(target, at(op.start), at(op.start + op.length), op.staff)
    except SlotTaken:
        return False
    return True


async def run(
    store: Storage, sequence: list[Op], one_transaction: bool
) -> tuple[list[bool], dict[str, Booking]]:
    business = uuid.uuid4().hex  # examples share the database, never a business
    known: list[str] = []
    accepted: list[bool] = []
    try:
        if one_transaction:
            async with store.transaction(business, "k") as tx:
                for n, op in enumerate(sequence):
                    accepted.append(await apply(tx, business, n, op, known))
        else:
            for n, op in enumerate(sequence):
                async with store.transaction(business, "k") as tx:
                    accepted.append(await apply(tx, business, n, op, known))
        stored = await store.list_appointments(business)
    finally:
        await store.close()
    minutes = {at(m): m for m in range(0, 400)}
    rows = {
        a.id.split("@")[0]: (a.staff, minutes[a.start], minutes[a.end], a.status) for a in stored
    }
    return accepted, rows


@pytest.fixture(scope="module")
def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("property") / "bookings.db"

    async def prepare() -> None:
        store = SqlStore(path)
        await store.migrate()
        await store.close()

    asyncio.run(prepare())
    yield path


@pytest.fixture(scope="module")
def pg_schema() -> Iterator[tuple[str, str]]:
    """One migrated schema for all examples (each example books in its own business)."""
    dsn = need_pg()
    schema = f"t_{uuid.uuid4().hex}"

    async def prepare() -> None:
        store = PgStore(dsn, schema=schema)
        await store.migrate()
        await store.close()

    asyncio.run(prepare())
    try:
        yield dsn, schema
    finally:
        asyncio.run(drop_schema(dsn, schema))


def made(kind: str, request: pytest.FixtureRequest) -> Storage:
    """A store of the kind on the module's shared database (fixtures looked up lazily, so
    the PostgreSQL one is only asked for — and maybe skipped — by its own examples)."""
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SqlStore(request.getfixturevalue("sqlite_file"))
    dsn, schema = request.getfixturevalue("pg_schema")
    return PgStore(dsn, schema=schema)


@pytest.mark.parametrize("kind", ["memory", "sqlite", "postgresql"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=ops, one_transaction=st.booleans())
@example(  # the edges: adjacent on both sides, a move onto an edge, a cancel freeing a slot
    sequence=[
        Insert("ana", 30, 30),
        Insert("ana", 60, 15),
        Insert("ana", 0, 30),
        Insert("ana", 45, 30),
        Move(0, "ana", 75, 30),
        Cancel(1),
        Insert("ana", 50, 25),
    ],
    one_transaction=False,
)
def test_the_store_books_exactly_what_the_overlap_rule_allows(
    kind: str, request: pytest.FixtureRequest, sequence: list[Op], one_transaction: bool
) -> None:
    accepted, rows = asyncio.run(run(made(kind, request), sequence, one_transaction))
    assert (accepted, rows) == reference(sequence)
    booked = [(s, b, e) for s, b, e, status in rows.values() if status == "booked"]
    for i, (s1, b1, e1) in enumerate(booked):
        for s2, b2, e2 in booked[i + 1 :]:
            assert s1 != s2 or e1 <= b2 or e2 <= b1
