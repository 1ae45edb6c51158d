"""Running a desk: the database schema (``db``), the outbox of outbound deliveries
(``outbox``: list, retry, drain) and answering events a dead worker left (``recover``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta

from store import open_store
from store.ports import OutboxQueue

from ..net import outbound_of
from ..outbox import drainer_for
from ..settings import Settings
from ..wiring import load_brains, open_app
from .output import EXIT_OK, EXIT_USAGE, print_json, resolve_id


async def db(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_store(settings.db)
    try:
        if args.db_command == "migrate":
            await store.migrate()
        version = await store.schema_version()
        print(f"schema version {version}")
        return EXIT_OK
    finally:
        await store.close()


async def outbox(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_store(settings.db)
    try:
        await store.migrate()
        if args.outbox_command == "retry":
            return await _retry(args, store)
        if args.outbox_command == "drain":
            return await _drain(args, settings, store)
        rows = [r for r in await store.outbox() if r.status in ("pending", "dead")]
        if args.json:
            print_json([r.model_dump(mode="json") for r in rows])
        else:
            for r in rows:
                print(
                    f"{r.id} {r.status} {r.kind} attempts={r.attempts} "
                    f"next={r.next_attempt_at.isoformat()} {r.last_error}".rstrip()
                )
            print(f"{len(rows)} pending or dead")
        return EXIT_OK
    finally:
        await store.close()


async def _retry(args: argparse.Namespace, store: OutboxQueue) -> int:
    """Re-queue one row (by its id or a unique prefix of it), or every dead row."""
    if bool(args.id) == bool(args.dead):
        print("error: outbox retry needs a row ID or --dead", file=sys.stderr)
        return EXIT_USAGE
    now = datetime.now(UTC)
    try:
        try:
            count = await store.requeue_outbox(args.id, args.dead, now)
        except LookupError:
            if args.dead:
                raise
            # not a whole id: a prefix of one (the lookup of every id only then)
            row = resolve_id(args.id, [r.id for r in await store.outbox()], "outbox row")
            count = await store.requeue_outbox(row, False, now)
    except (LookupError, ValueError) as e:  # an unknown or already sent row
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"re-queued {count} row{'s' if count != 1 else ''}")
    return EXIT_OK


async def _drain(args: argparse.Namespace, settings: Settings, store: OutboxQueue) -> int:
    """Send due outbox rows; with ``--once`` one pass, else until interrupted."""
    businesses = {k: b.business for k, b in load_brains(settings).items()}
    drainer = drainer_for(store, businesses, outbound=outbound_of(settings))
    while True:
        counts = await drainer.drain_once(datetime.now(UTC))
        if counts:
            print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())), flush=True)
        if args.once:
            return EXIT_OK
        if not counts:
            await asyncio.sleep(args.interval)


async def recover(args: argparse.Namespace, settings: Settings) -> int:
    """Answer recorded inbound events whose turn never committed (a worker died)."""
    app = await open_app(settings)
    try:
        cutoff = datetime.now(UTC) - timedelta(seconds=args.older_than)
        answered = await app.desk.recover(cutoff, limit=args.limit)
        print(f"answered {answered} event{'s' if answered != 1 else ''}")
        return EXIT_OK
    finally:
        await app.close()


__all__ = ["db", "outbox", "recover"]
