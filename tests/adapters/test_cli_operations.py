"""``frontdesk outbox`` (list, retry, drain), ``recover`` and ``db`` as real subprocesses,
on the run's database (SQLite, or PostgreSQL in the PostgreSQL pass)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.ports import InboundEvent, OutboxRow
from store import open_store
from tests.dbs import database_url
from tests.fakes.cli import environment, frontdesk

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def row(i: int, kind: str = "message_file", **payload: object) -> OutboxRow:
    return OutboxRow(
        id=f"row{i}",
        business="bloom-salon",
        kind=kind,
        payload=payload,
        idempotency_key=f"key-{i}",
        next_attempt_at=NOW,
    )


async def run(env: dict[str, str], *args: str):
    return await asyncio.to_thread(frontdesk, env, *args)


async def test_outbox_lists_retries_and_drains(tmp_path: Path) -> None:
    out = tmp_path / "messages.jsonl"
    message = {"caller_name": "Morgan Blake", "text": "call me back"}
    async with database_url(tmp_path) as db:
        env = environment(db, tmp_path / "cache")
        store = await open_store(db)
        try:
            await store.migrate()
            async with store.transaction("bloom-salon", "seed") as tx:
                for i in range(3):
                    await tx.enqueue(row(i, path=str(out), message=dict(message, n=i)))
            await store.mark_outbox("row0", "dead", 6, NOW, "webhook answered 503")
            await store.mark_outbox("row1", "dead", 6, NOW, "webhook answered 503")
            await store.mark_outbox("row2", "sent", 1, NOW, "")
        finally:
            await store.close()

        listed = await run(env, "outbox", "--json")
        assert listed.returncode == 0, listed.stderr
        assert {(r["id"], r["status"]) for r in json.loads(listed.stdout)} == {
            ("row0", "dead"),
            ("row1", "dead"),
        }
        text = await run(env, "outbox")
        assert "row0 dead message_file attempts=6" in text.stdout
        assert "webhook answered 503" in text.stdout and "2 pending or dead" in text.stdout

        for args, says in (
            (("outbox", "retry"), "needs a row ID or --dead"),
            (("outbox", "retry", "row0", "--dead"), "needs a row ID or --dead"),
            (("outbox", "retry", "nope"), "nope"),
            (("outbox", "retry", "row2"), "sent"),
        ):
            refused = await run(env, *args)
            assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
            assert says in refused.stderr and "Traceback" not in refused.stderr

        one = await run(env, "outbox", "retry", "row0")
        assert one.returncode == 0 and "re-queued 1 row" in one.stdout
        rest = await run(env, "outbox", "retry", "--dead")
        assert rest.returncode == 0 and "re-queued 1 row" in rest.stdout
        after = {r["id"]: r for r in json.loads((await run(env, "outbox", "--json")).stdout)}
        assert {k: (v["status"], v["attempts"]) for k, v in after.items()} == {
            "row0": ("pending", 0),
            "row1": ("pending", 0),
        }

        drained = await run(env, "outbox", "drain", "--once")
        assert drained.returncode == 0 and "sent=2" in drained.stdout, drained.stderr
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        assert sorted(m["n"] for m in lines) == [0, 1]
        assert json.loads((await run(env, "outbox", "--json")).stdout) == []


async def test_recover_answers_an_event_whose_turn_never_committed(tmp_path: Path) -> None:
    event = InboundEvent(
        business="bloom-salon",
        channel="sms",
        sender="+15035550188",
        text="What are your opening hours?",
        provider_msg_id="SMlost",
        received_at=datetime.now(UTC) - timedelta(minutes=5),
        customer_phone="+15035550188",
    )
    async with database_url(tmp_path) as db:
        env = environment(db, tmp_path / "cache")
        store = await open_store(db)
        try:
            await store.migrate()
            assert await store.record_inbound(event)  # recorded; then the worker died
        finally:
            await store.close()
        recent = await run(env, "recover", "--older-than", "3600")
        assert recent.returncode == 0 and "answered 0 events" in recent.stdout, recent.stderr
        done = await run(env, "recover", "--older-than", "60")
        assert done.returncode == 0 and "answered 1 event" in done.stdout, done.stderr
        again = await run(env, "recover", "--older-than", "60")
        assert "answered 0 events" in again.stdout
        store = await open_store(db)
        try:
            turn = await store.turn_for("bloom-salon", "SMlost")
            assert turn is not None and "hours" in json.dumps(turn.record).lower()
            [reply] = [r for r in await store.outbox() if r.kind == "reply"]
            assert reply.payload["to"] == "+15035550188" and reply.status == "pending"
        finally:
            await store.close()


async def test_db_migrate_and_check_report_the_schema_version(tmp_path: Path) -> None:
    from store.migrations import MIGRATIONS

    latest = max(m.version for m in MIGRATIONS)
    async with database_url(tmp_path) as db:
        env = environment(db, tmp_path / "cache")
        before = await run(env, "db", "check")
        assert before.returncode == 0 and before.stdout.strip() == "schema version 0", before
        for _ in range(2):  # migrating again changes nothing
            migrated = await run(env, "db", "migrate")
            assert migrated.returncode == 0
            assert migrated.stdout.strip() == f"schema version {latest}", migrated.stderr
        checked = await run(env, "db", "check")
        assert checked.stdout.strip() == f"schema version {latest}"


async def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    for url in ("postgresql://postgres@127.0.0.1:1/nothing", "mysql://x@y/z"):
        done = await run(environment(url, tmp_path / "cache"), "db", "check")
        assert done.returncode == 2, (url, done.stdout, done.stderr)
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


async def test_outbox_retry_takes_a_unique_id_prefix_and_names_the_rows_of_an_ambiguous_one(
    tmp_path: Path,
) -> None:
    async with database_url(tmp_path) as db:
        env = environment(db, tmp_path / "cache")
        store = await open_store(db)
        try:
            await store.migrate()
            async with store.transaction("bloom-salon", "seed") as tx:
                for name in ("feed01", "feed02", "beef01"):
                    await tx.enqueue(
                        row(0, path=str(tmp_path / "m.jsonl")).model_copy(
                            update={"id": name, "idempotency_key": f"key-{name}"}
                        )
                    )
            for name in ("feed01", "feed02", "beef01"):
                await store.mark_outbox(name, "dead", 6, NOW, "webhook answered 503")
        finally:
            await store.close()
        ambiguous = await run(env, "outbox", "retry", "feed")
        assert ambiguous.returncode == 2 and "Traceback" not in ambiguous.stderr
        assert ambiguous.stderr.strip() == (
            "error: 'feed' is the start of 2 outbox row ids: feed01, feed02; give more of it"
        )
        short = await run(env, "outbox", "retry", "bee")
        assert short.returncode == 2 and "at least 4 characters" in short.stderr
        one = await run(env, "outbox", "retry", "beef")
        assert one.returncode == 0 and "re-queued 1 row" in one.stdout, one.stderr
        listed = {
            r["id"]: r["status"] for r in json.loads((await run(env, "outbox", "--json")).stdout)
        }
        assert listed == {"beef01": "pending", "feed01": "dead", "feed02": "dead"}
