"""What only the PostgreSQL store has: URLs, migrations under a lock, the schema, the
exclusion constraint as the last line of defence, savepoints, advisory locks across
processes (here: separate pools), ``SKIP LOCKED`` claims, and the test helper's rules.

Each test runs on a fresh schema (``tests.pg``); skipped when PostgreSQL does not answer.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import asyncpg
import pytest
from piccolo.columns import Integer, Serial, Text, Varchar

import tests.pg
from engine.ports import InboundEvent, OutboxRow, SlotTaken
from store import DuplicateRecord, PgStore, StoreError, migrations_pg, open_store
from store import migrations as sqlite_migrations
from store.migrations import NAMES
from store.postgres import conversation_lock_key
from store.tables import TABLES, Stamp
from tests.pg import fresh_pg_schema, fresh_pg_store, need_pg

from .records import NOW, appointment, at


@pytest.fixture
async def pg() -> AsyncIterator[PgStore]:
    async with fresh_pg_store() as store:
        yield store


@asynccontextmanager
async def raw(store: PgStore) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection to the store's schema, as another program would have."""
    settings = {"search_path": f'"{store.schema}", public'}
    connection = await asyncpg.connect(store.dsn, server_settings=settings)
    try:
        yield connection
    finally:
        await connection.close()


def outbox(id: str, minutes: int = 0) -> OutboxRow:
    return OutboxRow(
        id=id,
        business="salon",
        kind="reply",
        payload={"n": id},
        idempotency_key=f"key-{id}",
        next_attempt_at=at(minutes),
    )


# URLs and connecting


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+asyncpg"])
async def test_open_store_opens_postgresql_urls(scheme: str) -> None:
    dsn = need_pg()
    made = await open_store(scheme + "://" + dsn.partition("://")[2])
    try:
        assert isinstance(made, PgStore) and made.dsn == dsn
        assert made.schema is None
        await made.schema_version()  # the pool is open and answers
    finally:
        await made.close()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (
            "postgresql://postgres@127.0.0.1:1/test",
            "cannot connect to PostgreSQL at postgresql://postgres@127.0.0.1:1/test: ",
        ),
        ("postgresql://postgres:s3cret@127.0.0.1:1/test", r"postgres:\*\*\*@127.0.0.1:1"),
        ("postgresql://postgres@127.0.0.1:1/test?password=s3cret", r"password=\*\*\*"),
        ("postgresql://postgres@127.0.0.1:notaport/test", "cannot connect"),
        ("postgresql://postgres@host.invalid/test", "cannot connect"),
    ],
)
async def test_an_unreachable_server_or_bad_url_is_a_one_line_store_error(
    url: str, says: str
) -> None:
    with pytest.raises(StoreError, match=says) as refused:
        await open_store(url)
    message = str(refused.value)
    assert "\n" not in message and "s3cret" not in message


async def test_an_unknown_database_is_a_store_error() -> None:
    dsn = need_pg()
    with pytest.raises(StoreError, match='database "fd_no_such_db" does not exist'):
        await open_store(dsn.rsplit("/", 1)[0] + "/fd_no_such_db")


def test_bad_arguments_are_refused_before_connecting() -> None:
    with pytest.raises(StoreError, match="not a PostgreSQL URL"):
        PgStore("mysql://h/db")
    with pytest.raises(ValueError, match="schema"):
        PgStore("postgresql://h/db", schema='x"; DROP TABLE y; --')
    with pytest.raises(ValueError, match="max_size >= 2"):
        PgStore("postgresql://h/db", max_size=1)


async def test_data_survives_closing_and_reopening_the_pool(pg: PgStore) -> None:
    async with pg.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 30))
    await pg.close()
    assert [a.id for a in await pg.list_appointments("salon")] == ["a1"]  # reopened


# migrations and schema


def test_both_databases_have_the_same_migrations() -> None:
    def listed(migrations: tuple[sqlite_migrations.Migration, ...]) -> list[tuple[int, str]]:
        return [(m.version, m.name) for m in migrations]

    assert listed(migrations_pg.MIGRATIONS) == listed(sqlite_migrations.MIGRATIONS)
    assert listed(migrations_pg.MIGRATIONS) == sorted(sqlite_migrations.NAMES.items())


async def test_migrations_are_recorded_and_idempotent(pg: PgStore) -> None:
    assert await pg.schema_version() == len(migrations_pg.MIGRATIONS)
    await pg.migrate()
    async with raw(pg) as db:
        rows = await db.fetch(
            'SELECT "version", "name", "applied_at" FROM "schema_version" ORDER BY 1'
        )
        tables = await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", pg.schema)
    assert [(r["version"], r["name"]) for r in rows] == sorted(sqlite_migrations.NAMES.items())
    assert all(r["applied_at"].tzinfo is not None for r in rows)
    # every table is in the store's schema
    assert {r["tablename"] for r in tables} == {t._meta.tablename for t in TABLES}


async def test_an_unmigrated_schema_has_version_zero_and_is_not_created() -> None:
    async with fresh_pg_store(migrate=False) as fresh:
        assert await fresh.schema_version() == 0
        async with raw(fresh) as db:
            assert (
                await db.fetchval(
                    "SELECT count(*) FROM pg_namespace WHERE nspname = $1", fresh.schema
                )
                == 0
            )


async def test_several_processes_may_migrate_at_once() -> None:
    async with fresh_pg_schema() as (dsn, schema):
        stores = [PgStore(dsn, schema=schema) for _ in range(4)]
        try:
            await asyncio.gather(*(s.migrate() for s in stores))
            assert [await s.schema_version() for s in stores] == [max(NAMES)] * 4
            async with raw(stores[0]) as db:
                assert await db.fetchval('SELECT count(*) FROM "schema_version"') == max(NAMES)
        finally:
            for s in stores:
                await s.close()


def _expected_type(column: object) -> str:
    if isinstance(column, Stamp):
        return "timestamp with time zone"
    if isinstance(column, Integer | Serial):
        return "integer"
    assert isinstance(column, Varchar | Text)  # every string is TEXT on PostgreSQL
    return "text"


async def test_the_migrated_schema_matches_the_piccolo_tables(pg: PgStore) -> None:
    async with raw(pg) as db:
        for table in TABLES:
            name = table._meta.tablename
            rows = await db.fetch(
                """SELECT c.column_name, c.data_type, c.character_maximum_length,
                          c.is_nullable = 'NO' AS not_null,
                          EXISTS (SELECT 1 FROM information_schema.key_column_usage k
                                  JOIN information_schema.table_constraints t
                                    ON t.constraint_name = k.constraint_name
                                   AND t.table_schema = k.table_schema
                                  WHERE t.constraint_type = 'PRIMARY KEY'
                                    AND k.table_schema = c.table_schema
                                    AND k.table_name = c.table_name
                                    AND k.column_name = c.column_name) AS pk
                   FROM information_schema.columns c
                   WHERE c.table_schema = $1 AND c.table_name = $2
                   ORDER BY c.ordinal_position""",
                pg.schema, name,
            )  # fmt: skip
            found = [
                (r["column_name"],
                 r["data_type"] + (f"({r['character_maximum_length']})"
                                   if r["character_maximum_length"] else ""),
                 r["not_null"], r["pk"])
                for r in rows
            ]  # fmt: skip
            expected = [
                (c._meta.db_column_name, _expected_type(c), not c._meta.null, c._meta.primary_key)
                for c in table._meta.columns
            ]
            assert found == expected, name


async def test_timestamps_are_timestamptz_and_json_is_our_canonical_text(pg: PgStore) -> None:
    plus2 = timezone(timedelta(hours=2))
    async with pg.transaction("salon", "k") as tx:
        conv = await tx.conversation("salon", "sms", "+1", at(0).astimezone(plus2))
        await tx.save_conversation(conv.id, {"b": 1, "a": {"d": 2, "c": 3.0}}, "h", at(1))
    async with raw(pg) as db:
        state, created = await db.fetchrow('SELECT "state", "created_at" FROM "conversation"')
    assert state == '{"a":{"c":3.0,"d":2},"b":1}'
    assert isinstance(created, datetime) and created == NOW


# the exclusion constraint


async def test_the_exclusion_constraint_guards_writes_that_bypass_the_store(pg: PgStore) -> None:
    async with pg.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 60, 120))
    insert = (
        'INSERT INTO "appointment" ("id", "business", "staff", "start_at", "end_at", '
        '"status") VALUES ($1, $2, $3, $4, $5, $6)'
    )
    async with raw(pg) as db:
        with pytest.raises(
            asyncpg.exceptions.ExclusionViolationError, match=migrations_pg.EXCLUSION
        ):
            await db.execute(insert, "x", "salon", "ana", at(90), at(150), "booked")
        await db.execute(insert, "before", "salon", "ana", at(0), at(60), "booked")  # touching
        await db.execute(insert, "after", "salon", "ana", at(120), at(180), "booked")
        await db.execute(insert, "ben", "salon", "ben", at(60), at(120), "booked")
        await db.execute(insert, "barber", "barber", "ana", at(60), at(120), "booked")
        await db.execute(insert, "old", "salon", "ana", at(60), at(120), "cancelled")
        with pytest.raises(asyncpg.exceptions.ExclusionViolationError):
            await db.execute('UPDATE "appointment" SET "status" = \'booked\' WHERE "id" = \'old\'')
        await db.execute('UPDATE "appointment" SET "status" = \'cancelled\' WHERE "id" = \'a1\'')
        await db.execute('UPDATE "appointment" SET "status" = \'booked\' WHERE "id" = \'old\'')
    booked = sorted(a.id for a in await pg.list_appointments("salon") if a.status == "booked")
    assert booked == ["after", "before", "ben", "old"]


async def test_slot_taken_keeps_the_driver_error_and_the_transaction_goes_on(
    pg: PgStore,
) -> None:
    async with pg.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 60))
        with pytest.raises(SlotTaken) as refused:
            await tx.insert_appointment(appointment("a2", 30, 90))
        with pytest.raises(SlotTaken) as moved:
            await tx.move_appointment("a1", at(0), at(30), "ana")  # fine: only itself
            await tx.insert_appointment(appointment("a3", 30, 60))
            await tx.move_appointment("a3", at(0), at(45), "ana")
        conv = await tx.conversation("salon", "sms", "+1", NOW)  # later writes still work
        await tx.save_conversation(conv.id, {"after": "refusals"}, "h", NOW)
    assert isinstance(refused.value.__cause__, asyncpg.exceptions.ExclusionViolationError)
    assert isinstance(moved.value.__cause__, asyncpg.exceptions.ExclusionViolationError)
    by_id = {a.id: a for a in await pg.list_appointments("salon")}
    assert sorted(by_id) == ["a1", "a3"]
    assert (by_id["a1"].end, by_id["a3"].start) == (at(30), at(30))
    [saved] = await pg.list_conversations()
    assert saved.state == {"after": "refusals"}


async def test_other_driver_errors_are_translated_with_their_cause(pg: PgStore) -> None:
    async with pg.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 30, idempotency_key="book:1"))
        with pytest.raises(DuplicateRecord) as duplicate:
            await tx.insert_appointment(appointment("a2", 60, 90, idempotency_key="book:1"))
        with pytest.raises(StoreError) as unstorable:  # PostgreSQL text cannot hold NUL
            await tx.insert_appointment(appointment("a3", 60, 90, staff="x\x00y"))
        await tx.insert_appointment(appointment("a4", 60, 90))
    assert isinstance(duplicate.value.__cause__, asyncpg.exceptions.UniqueViolationError)
    assert isinstance(unstorable.value.__cause__, asyncpg.exceptions.PostgresError)
    assert [a.id for a in await pg.list_appointments("salon")] == ["a1", "a4"]


async def test_simultaneous_overlapping_bookings_end_in_slot_taken_not_a_deadlock(
    pg: PgStore,
) -> None:
    """Each transaction finds the other's uncommitted booking; PostgreSQL fails one of them
    with a deadlock after 1 s, and the store retries that write: it is then refused."""
    second_waits = asyncio.Event()

    async def first() -> None:
        async with pg.transaction("salon", "sms:+1") as tx:
            await tx.insert_appointment(appointment("a1", 0, 60))
            second_waits.set()
            await asyncio.sleep(0.3)  # the second insert is now waiting for a1
            await tx.insert_appointment(appointment("a3", 60, 120))  # waits for a2: a cycle

    async def second() -> str:
        await second_waits.wait()
        try:
            async with pg.transaction("salon", "sms:+2") as tx:
                await tx.insert_appointment(appointment("a2", 30, 90))
        except SlotTaken as e:
            assert isinstance(e.__cause__, asyncpg.exceptions.ExclusionViolationError)
            return "refused"
        return "booked"

    _, outcome = await asyncio.wait_for(asyncio.gather(first(), second()), timeout=20)
    assert outcome == "refused"
    assert [a.id for a in await pg.list_appointments("salon")] == ["a1", "a3"]


# transactions and locks


async def test_reads_outside_the_transaction_see_committed_data_only(pg: PgStore) -> None:
    async with pg.transaction("salon", "k") as tx:
        await tx.insert_appointment(appointment("a1", 0, 30))
        assert await pg.list_appointments("salon") == []
        assert await pg.record_inbound(
            InboundEvent(
                business="salon", channel="sms", sender="+1", provider_msg_id="m1", received_at=NOW
            )
        )  # a store-level write inside a transaction commits on its own
    assert [a.id for a in await pg.list_appointments("salon")] == ["a1"]


async def test_a_failed_transaction_gives_its_connection_back() -> None:
    async with fresh_pg_store(min_size=1, max_size=2) as small:
        for n in range(3):
            with pytest.raises(SlotTaken):
                async with small.transaction("salon", "k") as tx:
                    await tx.insert_appointment(appointment(f"a{n}", 0, 30))
                    raise SlotTaken("the turn fails after writing")
        async with small.transaction("salon", "k") as tx:
            await tx.insert_appointment(appointment("kept", 0, 30))
        assert [a.id for a in await small.list_appointments("salon")] == ["kept"]


async def test_the_conversation_lock_holds_across_processes() -> None:
    """Two stores with their own pools stand for two processes: the second turn of one
    conversation waits for the first; another conversation's turn does not wait."""
    async with fresh_pg_schema() as (dsn, schema):
        first, second = PgStore(dsn, schema=schema), PgStore(dsn, schema=schema)
        await first.migrate()
        log: list[str] = []

        async def turn(store: PgStore, sender: str, name: str, delay: float) -> None:
            await asyncio.sleep(delay)
            async with store.transaction("salon", f"sms:{sender}") as tx:
                log.append(f"{name} in")
                await tx.conversation("salon", "sms", sender, NOW)
                await asyncio.sleep(0.2)
                log.append(f"{name} out")

        try:
            await asyncio.gather(turn(first, "+1", "a", 0), turn(second, "+1", "b", 0.05))
            assert log == ["a in", "a out", "b in", "b out"]
            log.clear()
            await asyncio.gather(turn(first, "+1", "a", 0), turn(second, "+2", "b", 0.05))
            assert log == ["a in", "b in", "a out", "b out"]
        finally:
            await first.close()
            await second.close()


async def test_turns_waiting_in_one_process_hold_no_pooled_connection() -> None:
    async with fresh_pg_store(max_size=2) as store:
        inside = asyncio.Event()
        release = asyncio.Event()

        async def long_turn() -> None:
            async with store.transaction("salon", "sms:+1") as tx:
                await tx.conversation("salon", "sms", "+1", NOW)
                inside.set()
                await release.wait()

        async def queued_turn() -> None:
            async with store.transaction("salon", "sms:+1"):
                pass

        running = [asyncio.create_task(long_turn())]
        try:
            await inside.wait()
            running += [asyncio.create_task(queued_turn()) for _ in range(5)]
            await asyncio.sleep(0.1)
            # five turns wait for the first, yet the pool's second connection is free
            assert await asyncio.wait_for(store.list_conversations(), timeout=2) == []
        finally:
            release.set()
            await asyncio.wait_for(asyncio.gather(*running), timeout=10)


async def test_turns_that_read_through_the_store_never_exhaust_the_pool() -> None:
    """More concurrent turns than connections, each reading through the store while its
    transaction holds a connection (as the desk does): all of them finish."""
    async with fresh_pg_store(max_size=3) as store:

        async def turn(n: int) -> None:
            async with store.transaction("salon", f"sms:+{n}") as tx:
                await tx.conversation("salon", "sms", f"+{n}", NOW)
                await asyncio.sleep(0.01)
                await store.turn_for("salon", f"m{n}")  # another connection, meanwhile
                await store.record_inbound(
                    InboundEvent(
                        business="salon",
                        channel="sms",
                        sender=f"+{n}",
                        provider_msg_id=f"m{n}",
                        received_at=NOW,
                    )
                )

        await asyncio.wait_for(asyncio.gather(*(turn(n) for n in range(12))), timeout=20)
        assert len(await store.list_conversations()) == 12


def test_the_conversation_lock_key_is_stable_across_processes() -> None:
    key = conversation_lock_key("s", "salon", "sms:+1")
    assert -(2**63) <= key < 2**63
    assert key == 3399284675509592098  # pinned: processes of two releases must agree
    code = "from store.postgres import conversation_lock_key as k; print(k('s', 'salon', 'sms:+1'))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert int(out.stdout) == key
    assert conversation_lock_key("s", "salon", "sms:+2") != key
    assert conversation_lock_key("t", "salon", "sms:+1") != key
    assert conversation_lock_key(None, "salon", "sms:+1") != key


# the outbox


async def test_a_claim_skips_rows_another_drainer_holds_instead_of_waiting(pg: PgStore) -> None:
    async with pg.transaction("salon", "k") as tx:
        for n in range(1, 5):
            await tx.enqueue(outbox(f"o{n}", n))
    async with raw(pg) as other:
        holding = other.transaction()
        await holding.start()
        await other.fetch('SELECT "id" FROM "outbox" WHERE "id" IN (\'o1\', \'o3\') FOR UPDATE')
        claimed = await asyncio.wait_for(pg.claim_outbox(at(10), limit=10), timeout=5)
        assert [(r.id, r.attempts) for r in claimed] == [("o2", 1), ("o4", 1)]
        await holding.rollback()
    assert [r.id for r in await pg.claim_outbox(at(10), limit=10)] == ["o1", "o3"]


async def test_concurrent_drainers_claim_disjoint_rows() -> None:
    async with fresh_pg_schema() as (dsn, schema):
        stores = [PgStore(dsn, schema=schema, max_size=4) for _ in range(3)]
        await stores[0].migrate()
        try:
            async with stores[0].transaction("salon", "k") as tx:
                for n in range(120):
                    await tx.enqueue(outbox(f"o{n:03d}", n % 7))

            async def drain(store: PgStore) -> list[str]:
                got: list[str] = []
                while rows := await store.claim_outbox(at(10), limit=3):
                    got += [r.id for r in rows]
                return got

            claims = await asyncio.gather(*(drain(s) for s in stores for _ in range(3)))
            everything = [row_id for claim in claims for row_id in claim]
            assert sorted(everything) == [f"o{n:03d}" for n in range(120)]  # each once
            assert {r.attempts for r in await stores[0].outbox()} == {1}
        finally:
            for s in stores:
                await s.close()


# what the database cannot hold


async def test_text_with_nul_is_stored(pg: PgStore) -> None:
    event = InboundEvent(
        business="salon",
        channel="sms",
        sender="+1\x00",
        text="a\x00b",
        provider_msg_id="m\x00",
        received_at=NOW,
        customer_phone="+1\x00",
    )
    assert await pg.record_inbound(event)
    [stored] = await pg.inbound_events()
    assert (stored.text, stored.sender) == ("a\ufffdb", "+1\ufffd")


# the test helper


def test_the_helper_skips_without_postgresql_unless_it_is_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tests.pg, "DEFAULT_DSN", "postgresql://postgres@127.0.0.1:1/test")
    monkeypatch.delenv("FRONTDESK_TEST_PG", raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert tests.pg.pg_dsn() is None
    with pytest.raises(pytest.skip.Exception, match="does not answer"):
        need_pg()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required"):
        need_pg()
    monkeypatch.delenv("CI")
    monkeypatch.setenv("FRONTDESK_TEST_PG", "postgresql://postgres@127.0.0.1:1/other")
    with pytest.raises(pytest.fail.Exception, match="127.0.0.1:1/other"):
        need_pg()
