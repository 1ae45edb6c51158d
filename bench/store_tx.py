"""Benchmark: what one turn's write transaction costs on SQLite and on PostgreSQL.

    python -m bench.store_tx [--turns N] [--pg DSN] [--concurrency C]

A "turn" here is the store work of a real turn without the engine: load or create the
conversation, append the turn record with the state it leaves, enqueue the reply, remember an action
result — and, for "booking", also insert an appointment (a SAVEPOINT on PostgreSQL).
Prints p50/p95 per transaction, one after another, and the throughput of ``C`` different
conversations at once (PostgreSQL runs them in parallel; SQLite has one writer). The
PostgreSQL part runs in a fresh schema, dropped afterwards; it is skipped when ``--pg`` is
not given and ``FRONTDESK_TEST_PG`` is unset.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.stats import percentile
from engine.ports import Appointment, AppointmentId, CustomerId, OutboxRow, Store, StoredTurn
from store.ports import Storage

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RECORD = {
    "understanding": {"text": "a cut tomorrow at 3", "intent": "book"},
    "decision": {"rules": ["r1", "r2", "r3"], "plan": {"items": ["ask"]}},
    "n": 1.5,
}


async def turn(store: Store, sender: str, n: int, booking: bool) -> None:
    async with store.transaction("bench", f"sms:{sender}") as tx:
        conv = await tx.conversation("bench", "sms", sender, NOW)
        if booking:
            start = NOW + timedelta(minutes=30 * n)
            await tx.insert_appointment(
                Appointment(
                    id=AppointmentId(uuid.uuid4().hex),
                    business="bench",
                    service="cut",
                    staff=sender,
                    start=start,
                    end=start + timedelta(minutes=30),
                    customer_id=CustomerId("c1"),
                )
            )
            await tx.remember_result(f"book:{sender}:{n}", {"ok": True})
        await tx.append_turn(
            StoredTurn(
                conversation_id=conv.id,
                seq=conv.turns + 1,
                provider_msg_id=f"{sender}-{n}",
                record=RECORD,
                hash=f"h{n}",
                prev_hash=conv.last_hash,
                created_at=NOW,
            ),
            {"topic": "book", "n": n},
        )
        await tx.enqueue(
            OutboxRow(
                id=uuid.uuid4().hex,
                business="bench",
                kind="reply",
                payload={"text": "ok"},
                idempotency_key=f"reply:{sender}:{n}",
                next_attempt_at=NOW,
            )
        )


async def measure(name: str, store: Storage, turns: int, concurrency: int) -> None:
    await store.migrate()
    for booking in (False, True):
        sender = uuid.uuid4().hex[:12]
        await turn(store, sender, 0, booking)  # warm: connections, prepared statements
        times = []
        for n in range(1, turns + 1):
            started = time.perf_counter()
            await turn(store, sender, n, booking)
            times.append((time.perf_counter() - started) * 1000)
        label = "booking turn" if booking else "plain turn"
        print(
            f"| {name:<10} | {label:<13} | {percentile(times, 50):>7.2f} | {percentile(times, 95):>7.2f} "
            f"| {1000 / statistics.mean(times):>9.0f} |"
        )
    senders = [uuid.uuid4().hex[:12] for _ in range(concurrency)]
    per = max(1, turns // concurrency)
    started = time.perf_counter()

    async def run(sender: str) -> None:
        for n in range(per):
            await turn(store, sender, n, False)

    await asyncio.gather(*(run(s) for s in senders))
    elapsed = time.perf_counter() - started
    print(
        f"| {name:<10} | {concurrency} at once   |         |         "
        f"| {per * concurrency / elapsed:>9.0f} |"
    )


async def main(turns: int, dsn: str | None, concurrency: int) -> None:
    from store import PgStore, SqlStore

    print("| store      | transaction   | p50 ms  | p95 ms  | per second |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SqlStore(Path(tmp) / "bench.db")
        try:
            await measure("SQLite", sqlite, turns, concurrency)
        finally:
            await sqlite.close()
    if dsn:
        import asyncpg

        schema = f"bench_{uuid.uuid4().hex[:12]}"
        pg = PgStore(dsn, schema=schema, max_size=max(2, concurrency))
        try:
            await measure("PostgreSQL", pg, turns, concurrency)
        finally:
            await pg.close()
            connection = await asyncpg.connect(pg.dsn)
            try:
                await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            finally:
                await connection.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--pg", default=os.environ.get("FRONTDESK_TEST_PG"))
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.pg, args.concurrency))
