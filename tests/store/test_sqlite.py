"""What only the SQLite store has: URLs, migrations, the schema, locking across
connections, the trigger as the last line of defence, and the timestamp text format."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from piccolo.columns import Serial

from engine.ports import InboundEvent, SlotTaken
from store import DEFAULT_PATH, SqlStore, StoreError, open_store
from store.codec import from_stamp, to_stamp
from store.migrations import MIGRATIONS
from store.tables import TABLES

from .records import NOW, appointment, at


@pytest.fixture
async def sql(tmp_path: Path) -> AsyncIterator[SqlStore]:
    made = SqlStore(tmp_path / "t.db")
    await made.migrate()
    yield made
    await made.close()


@contextmanager
def raw(path: str) -> Iterator[sqlite3.Connection]:
    """A plain connection to the same file, as another process would have."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        yield connection
    finally:
        connection.close()


def event(msg_id: str) -> InboundEvent:
    return InboundEvent(
        business="salon", channel="sms", sender="+1", provider_msg_id=msg_id, received_at=NOW
    )


# URLs


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (None, DEFAULT_PATH),
        ("", DEFAULT_PATH),
        ("sqlite:///var/fd.db", "var/fd.db"),
        ("sqlite:////srv/fd.db", "/srv/fd.db"),
        ("data/fd.db", "data/fd.db"),
        ("/abs/fd.db", "/abs/fd.db"),
    ],
)
async def test_open_store_reads_sqlite_urls_and_paths(url: str | None, path: str) -> None:
    made = await open_store(url)
    assert isinstance(made, SqlStore) and made.path == path
    await made.close()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite:///:memory:", "MemoryStore"),
        ("sqlite://relative.db", "sqlite:///"),
        ("mysql://h/db", "unsupported"),
    ],
)
async def test_open_store_refuses_what_it_cannot_open(url: str, says: str) -> None:
    with pytest.raises(StoreError, match=says):
        await open_store(url)


# migrations and schema


async def test_migrations_are_recorded_and_idempotent(sql: SqlStore) -> None:
    latest = max(m.version for m in MIGRATIONS)
    assert await sql.schema_version() == latest
    await sql.migrate()
    with raw(sql.path) as db:
        versions = [v for (v,) in db.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == sorted(m.version for m in MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_fresh_file_has_version_zero(tmp_path: Path) -> None:
    fresh = SqlStore(tmp_path / "fresh.db")
    try:
        assert await fresh.schema_version() == 0
    finally:
        await fresh.close()


async def test_two_processes_may_migrate_at_once(tmp_path: Path) -> None:
    stores = [SqlStore(tmp_path / "t.db") for _ in range(3)]
    try:
        await asyncio.gather(*(s.migrate() for s in stores))
        assert [await s.schema_version() for s in stores] == [len(MIGRATIONS)] * 3
    finally:
        for s in stores:
            await s.close()


async def test_the_migrated_schema_matches_the_piccolo_tables(sql: SqlStore) -> None:
    with raw(sql.path) as db:
        for table in TABLES:
            info = db.execute(f'PRAGMA table_info("{table._meta.tablename}")').fetchall()
            found = [
                (name, kind, bool(notnull), bool(pk)) for _, name, kind, notnull, _, pk in info
            ]
            expected = [
                (
                    c._meta.db_column_name,
                    "INTEGER" if isinstance(c, Serial) else c.column_type,
                    not c._meta.null,
                    c._meta.primary_key,
                )
                for c in table._meta.columns
            ]
            assert found == expected, table._meta.tablename


# locking


async def test_two_stores_on_one_file_take_turns_to_write(tmp_path: Path) -> None:
    first, second = SqlStore(tmp_path / "t.db"), SqlStore(tmp_path / "t.db")
    await first.migrate()
    log: list[str] = []

    async def write(store: SqlStore, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.transaction("salon", name) as tx:
            log.append(f"{name} in")
            await tx.insert_appointment(appointment(name, 0, 30, staff=name))
            await asyncio.sleep(0.1)
            log.append(f"{name} out")

    try:
        await asyncio.gather(write(first, "a", 0), write(second, "b", 0.02))
        assert log == ["a in", "a out", "b in", "b out"]
        assert len(await second.list_appointments("salon")) == 2
    finally:
        await first.close()
        await second.close()


async def test_a_busy_database_is_a_store_error_not_a_hang(tmp_path: Path) -> None:
    store = SqlStore(tmp_path / "t.db", busy_timeout=0.1)
    await store.migrate()
    try:
        with raw(store.path) as other:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreError, match="locked"):
                await store.record_inbound(event("m1"))
            other.execute("ROLLBACK")
        assert await store.record_inbound(event("m1")) is True  # the store recovered
    finally:
        await store.close()


async def test_a_store_write_inside_its_transaction_fails_instead_of_deadlocking(
    sql: SqlStore,
) -> None:
    async def nested() -> None:
        async with sql.transaction("salon", "k"):
            await sql.record_inbound(event("m1"))

    with pytest.raises(StoreError, match="already holds"):
        await asyncio.wait_for(nested(), timeout=5)
    assert await sql.inbound_events() == []


async def test_reads_outside_the_transaction_see_committed_data_only(sql: SqlStore) -> None:
    async with sql.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 30))
        assert await sql.list_appointments("salon") == []
    assert [a.id for a in await sql.list_appointments("salon")] == ["a1"]


async def test_data_survives_closing_and_reopening(sql: SqlStore) -> None:
    async with sql.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 30))
    await sql.close()
    again = SqlStore(sql.path)
    try:
        await again.migrate()
        assert [a.id for a in await again.list_appointments("salon")] == ["a1"]
    finally:
        await again.close()


# the trigger and the stored text


async def test_the_trigger_guards_writes_that_bypass_the_store(sql: SqlStore) -> None:
    async with sql.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 60))
        await tx.cancel_appointment("a1")
        await tx.insert_appointment(appointment("a2", 30, 90))
    with raw(sql.path) as db, pytest.raises(sqlite3.IntegrityError, match="slot_taken"):
        db.execute("UPDATE appointment SET status = 'booked' WHERE id = 'a1'")
    async with sql.transaction("salon", "k") as tx:
        await tx.cancel_appointment("a2")
    with raw(sql.path) as db:
        db.execute("UPDATE appointment SET status = 'booked' WHERE id = 'a1'")  # free now


async def test_slot_taken_keeps_the_driver_error_as_its_cause(sql: SqlStore) -> None:
    async with sql.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 60))
        with pytest.raises(SlotTaken) as refused:
            await tx.insert_appointment(appointment("a2", 0, 60))
    assert isinstance(refused.value.__cause__, sqlite3.IntegrityError)


async def test_rows_hold_fixed_width_utc_text_and_sorted_json(sql: SqlStore) -> None:
    plus2 = timezone(timedelta(hours=2))
    async with sql.transaction("salon", "k") as tx:
        conv = await tx.conversation("salon", "sms", "+1", at(0).astimezone(plus2))
        await tx.save_conversation(conv.id, {"b": 1, "a": {"d": 2, "c": 3}}, "h", at(1))
        await tx.insert_appointment(appointment("a1", 0, 30))
    with raw(sql.path) as db:
        state, created = db.execute("SELECT state, created_at FROM conversation").fetchone()
        start, end = db.execute("SELECT start_at, end_at FROM appointment").fetchone()
    assert state == '{"a":{"c":3,"d":2},"b":1}'
    assert (created, start, end) == (
        "2024-05-06T09:00:00.000000Z",
        "2024-05-06T09:00:00.000000Z",
        "2024-05-06T09:30:00.000000Z",
    )


aware = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(9998, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))]),
)


@given(aware, aware)
def test_stamps_sort_like_the_instants_they_name(a: datetime, b: datetime) -> None:
    assert len(to_stamp(a)) == len(to_stamp(b)) == 27
    assert (to_stamp(a) < to_stamp(b)) == (a < b)
    assert from_stamp(to_stamp(a)) == a
    assert from_stamp(to_stamp(a)).tzinfo == UTC
