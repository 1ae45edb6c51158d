"""Ordered, idempotent schema migrations, recorded in ``schema_version``.

A migration is a version number, a name and a list of SQL statements. :func:`migrate`
applies each pending one in its own ``BEGIN IMMEDIATE`` transaction (SQLite DDL is
transactional), re-checking inside the transaction that nobody applied it meanwhile, so
several processes may start at once. Statements also use ``IF NOT EXISTS``.

The DDL is frozen text, not generated from ``store.tables`` at run time: a shipped
migration must never change when the Python classes do. Change the schema by appending a
migration and editing the table class; a test checks that they agree.

This list is for SQLite. PostgreSQL has its own (``store.migrations_pg``) with the same
version numbers and names (:data:`NAMES`; a test checks that they agree), where timestamps
are ``timestamptz`` columns and the double-booking rule is an exclusion constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from store.codec import to_stamp
from store.db import SLOT_TAKEN, Database, fetch, script

__all__ = ["MIGRATIONS", "NAMES", "Migration", "current_version", "migrate"]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


# Version -> name, for both databases. The name is recorded in ``schema_version``; only the
# version decides whether a migration has been applied.
NAMES = {
    1: "tables and unique indexes",
    2: "no double booking",
    3: "conversation inbox index",
    4: "erased turns",
    5: "dropped message bursts",
    6: "one-time codes",
}

_BOOTSTRAP = (
    'CREATE TABLE IF NOT EXISTS "schema_version" ("version" INTEGER PRIMARY KEY NOT NULL '
    "DEFAULT 0, \"name\" VARCHAR(255) NOT NULL DEFAULT '', "
    "\"applied_at\" VARCHAR(32) NOT NULL DEFAULT '')"
)

_TABLES = (
    """CREATE TABLE IF NOT EXISTS "inbound_event" (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "business" VARCHAR(64) NOT NULL DEFAULT '',
        "channel" VARCHAR(16) NOT NULL DEFAULT '',
        "sender" VARCHAR(255) NOT NULL DEFAULT '',
        "provider_msg_id" VARCHAR(255) NOT NULL DEFAULT '',
        "text" TEXT NOT NULL DEFAULT '',
        "payload" TEXT NOT NULL DEFAULT '{}',
        "received_at" VARCHAR(32) NOT NULL DEFAULT '',
        "lang_hint" VARCHAR(16) DEFAULT NULL,
        "customer_phone" VARCHAR(32) DEFAULT NULL)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "inbound_event_provider_msg"
        ON "inbound_event" ("business", "provider_msg_id")""",
    """CREATE INDEX IF NOT EXISTS "inbound_event_received"
        ON "inbound_event" ("business", "received_at")""",
    """CREATE TABLE IF NOT EXISTS "customer" (
        "id" VARCHAR(32) PRIMARY KEY NOT NULL DEFAULT '',
        "business" VARCHAR(64) NOT NULL DEFAULT '',
        "name" VARCHAR(255) NOT NULL DEFAULT '',
        "phone" VARCHAR(32) NOT NULL DEFAULT '',
        "email" VARCHAR(255) NOT NULL DEFAULT '')""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "customer_phone"
        ON "customer" ("business", "phone") WHERE "phone" <> ''""",
    """CREATE TABLE IF NOT EXISTS "conversation" (
        "id" VARCHAR(32) PRIMARY KEY NOT NULL DEFAULT '',
        "business" VARCHAR(64) NOT NULL DEFAULT '',
        "channel" VARCHAR(16) NOT NULL DEFAULT '',
        "sender" VARCHAR(255) NOT NULL DEFAULT '',
        "state" TEXT NOT NULL DEFAULT '{}',
        "last_hash" VARCHAR(64) NOT NULL DEFAULT '',
        "turns" INTEGER NOT NULL DEFAULT 0,
        "created_at" VARCHAR(32) NOT NULL DEFAULT '',
        "updated_at" VARCHAR(32) NOT NULL DEFAULT '')""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "conversation_sender"
        ON "conversation" ("business", "channel", "sender")""",
    """CREATE TABLE IF NOT EXISTS "turn" (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "conversation_id" VARCHAR(32) NOT NULL DEFAULT '',
        "seq" INTEGER NOT NULL DEFAULT 0,
        "provider_msg_id" VARCHAR(255) NOT NULL DEFAULT '',
        "record" TEXT NOT NULL DEFAULT '{}',
        "hash" VARCHAR(64) NOT NULL DEFAULT '',
        "prev_hash" VARCHAR(64) NOT NULL DEFAULT '',
        "created_at" VARCHAR(32) NOT NULL DEFAULT '')""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "turn_seq" ON "turn" ("conversation_id", "seq")""",
    """CREATE INDEX IF NOT EXISTS "turn_provider_msg" ON "turn" ("provider_msg_id")""",
    """CREATE TABLE IF NOT EXISTS "appointment" (
        "id" VARCHAR(32) PRIMARY KEY NOT NULL DEFAULT '',
        "business" VARCHAR(64) NOT NULL DEFAULT '',
        "service" VARCHAR(255) NOT NULL DEFAULT '',
        "staff" VARCHAR(255) NOT NULL DEFAULT '',
        "start_at" VARCHAR(32) NOT NULL DEFAULT '',
        "end_at" VARCHAR(32) NOT NULL DEFAULT '',
        "customer_id" VARCHAR(32) NOT NULL DEFAULT '',
        "customer_name" VARCHAR(255) NOT NULL DEFAULT '',
        "customer_phone" VARCHAR(32) NOT NULL DEFAULT '',
        "status" VARCHAR(16) NOT NULL DEFAULT 'booked',
        "conversation_id" VARCHAR(32) NOT NULL DEFAULT '',
        "idempotency_key" VARCHAR(255) NOT NULL DEFAULT '')""",
    """CREATE INDEX IF NOT EXISTS "appointment_staff_start"
        ON "appointment" ("business", "staff", "start_at")""",
    """CREATE INDEX IF NOT EXISTS "appointment_customer"
        ON "appointment" ("business", "customer_id")""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "appointment_idempotency_key"
        ON "appointment" ("idempotency_key") WHERE "idempotency_key" <> ''""",
    """CREATE TABLE IF NOT EXISTS "message" (
        "id" VARCHAR(32) PRIMARY KEY NOT NULL DEFAULT '',
        "business" VARCHAR(64) NOT NULL DEFAULT '',
        "conversation_id" VARCHAR(32) NOT NULL DEFAULT '',
        "caller_name" VARCHAR(255) NOT NULL DEFAULT '',
        "callback_number" VARCHAR(32) NOT NULL DEFAULT '',
        "text" TEXT NOT NULL DEFAULT '',
        "created_at" VARCHAR(32) NOT NULL DEFAULT '')""",
    """CREATE INDEX IF NOT EXISTS "message_created" ON "message" ("business", "created_at")""",
    """CREATE TABLE IF NOT EXISTS "escalation" (
        "id" VARCHAR(32) PRIMARY KEY NOT NULL DEFAULT '',
        "business" VARCHAR(64) NOT NULL DEFAULT '',
        "conversation_id" VARCHAR(32) NOT NULL DEFAULT '',
        "reason" TEXT NOT NULL DEFAULT '',
        "created_at" VARCHAR(32) NOT NULL DEFAULT '',
        "status" VARCHAR(16) NOT NULL DEFAULT 'open')""",
    """CREATE INDEX IF NOT EXISTS "escalation_created"
        ON "escalation" ("business", "created_at")""",
    """CREATE TABLE IF NOT EXISTS "outbox" (
        "id" VARCHAR(32) PRIMARY KEY NOT NULL DEFAULT '',
        "business" VARCHAR(64) NOT NULL DEFAULT '',
        "kind" VARCHAR(64) NOT NULL DEFAULT '',
        "payload" TEXT NOT NULL DEFAULT '{}',
        "idempotency_key" VARCHAR(255) UNIQUE NOT NULL DEFAULT '',
        "status" VARCHAR(16) NOT NULL DEFAULT 'pending',
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "next_attempt_at" VARCHAR(32) NOT NULL DEFAULT '',
        "last_error" TEXT NOT NULL DEFAULT '')""",
    """CREATE INDEX IF NOT EXISTS "outbox_due" ON "outbox" ("status", "next_attempt_at")""",
    """CREATE TABLE IF NOT EXISTS "idempotency" (
        "key" VARCHAR(255) PRIMARY KEY NOT NULL DEFAULT '',
        "result" TEXT NOT NULL DEFAULT '{}')""",
)

# A booked appointment may not overlap [start, end) of another booked one of the same
# business and staff member. Stamps are fixed-width UTC text, so < compares instants.
_OVERLAP = f"""
    SELECT RAISE(ABORT, '{SLOT_TAKEN}') WHERE EXISTS (
        SELECT 1 FROM "appointment" AS a
        WHERE a."business" = NEW."business" AND a."staff" = NEW."staff"
          AND a."status" = 'booked' AND a."id" <> NEW."id"
          AND a."start_at" < NEW."end_at" AND NEW."start_at" < a."end_at");
"""

_CONVERSATION_INBOX = (
    # a turn looks for its conversation's earlier messages that are still unanswered
    """CREATE INDEX IF NOT EXISTS "inbound_event_conversation"
        ON "inbound_event" ("business", "channel", "sender", "received_at")""",
)

_NO_DOUBLE_BOOKING = (
    f"""CREATE TRIGGER IF NOT EXISTS "appointment_no_overlap_insert"
        BEFORE INSERT ON "appointment" WHEN NEW."status" = 'booked'
        BEGIN {_OVERLAP} END""",
    f"""CREATE TRIGGER IF NOT EXISTS "appointment_no_overlap_update"
        BEFORE UPDATE OF "business", "staff", "start_at", "end_at", "status"
        ON "appointment" WHEN NEW."status" = 'booked'
        BEGIN {_OVERLAP} END""",
)

# retention and erasure: a turn whose personal parts were replaced by a tombstone says when
_ERASED_TURNS = (
    'ALTER TABLE "turn" ADD COLUMN "erased_at" VARCHAR(32) DEFAULT NULL',
    """CREATE INDEX IF NOT EXISTS "turn_created" ON "turn" ("created_at")""",
)

_DROPPED_BURSTS = (
    """CREATE TABLE IF NOT EXISTS "dropped_burst" (
        "id" VARCHAR(32) PRIMARY KEY NOT NULL DEFAULT '',
        "business" VARCHAR(64) NOT NULL DEFAULT '',
        "channel" VARCHAR(16) NOT NULL DEFAULT '',
        "budget" VARCHAR(16) NOT NULL DEFAULT '',
        "sender" VARCHAR(255) NOT NULL DEFAULT '',
        "provider_msg_id" VARCHAR(255) NOT NULL DEFAULT '',
        "text" TEXT NOT NULL DEFAULT '',
        "messages" INTEGER NOT NULL DEFAULT 0,
        "first_at" VARCHAR(32) NOT NULL DEFAULT '',
        "last_at" VARCHAR(32) NOT NULL DEFAULT '')""",
    """CREATE INDEX IF NOT EXISTS "dropped_burst_business"
        ON "dropped_burst" ("business", "first_at")""",
)

# the one-time codes that prove a typed phone number (hashed; the code is never stored)
_CODES = (
    """CREATE TABLE IF NOT EXISTS "verification_code" (
        "id" VARCHAR(32) PRIMARY KEY NOT NULL DEFAULT '',
        "business" VARCHAR(64) NOT NULL DEFAULT '',
        "conversation_id" VARCHAR(32) NOT NULL DEFAULT '',
        "phone" VARCHAR(32) NOT NULL DEFAULT '',
        "salt" VARCHAR(64) NOT NULL DEFAULT '',
        "digest" VARCHAR(64) NOT NULL DEFAULT '',
        "sent" INTEGER NOT NULL DEFAULT 0,
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "used" INTEGER NOT NULL DEFAULT 0,
        "created_at" VARCHAR(32) NOT NULL DEFAULT '',
        "expires_at" VARCHAR(32) NOT NULL DEFAULT '')""",
    """CREATE INDEX IF NOT EXISTS "verification_code_conversation"
        ON "verification_code" ("business", "conversation_id", "created_at")""",
    """CREATE INDEX IF NOT EXISTS "verification_code_phone"
        ON "verification_code" ("business", "phone", "created_at")""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, NAMES[1], _TABLES),
    Migration(2, NAMES[2], _NO_DOUBLE_BOOKING),  # two triggers
    Migration(3, NAMES[3], _CONVERSATION_INBOX),
    Migration(4, NAMES[4], _ERASED_TURNS),
    Migration(5, NAMES[5], _DROPPED_BURSTS),
    Migration(6, NAMES[6], _CODES),
)


async def current_version(db: Database) -> int:
    """The highest applied migration; 0 for an empty database."""
    async with db.write() as connection:
        await script(connection, _BOOTSTRAP)
    rows = await db.read('SELECT MAX("version") AS v FROM "schema_version"')
    return int(rows[0]["v"] or 0)


async def migrate(db: Database, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Switch the file to WAL and apply the pending migrations in order; the new version."""
    await db.use_wal()
    for migration in sorted(migrations, key=lambda m: m.version):
        async with db.write() as connection:
            await script(connection, _BOOTSTRAP)
            applied = await fetch(
                connection,
                'SELECT 1 AS done FROM "schema_version" WHERE "version" = {}',
                migration.version,
            )
            if applied:
                continue
            for statement in migration.statements:
                await script(connection, statement)
            await fetch(
                connection,
                'INSERT INTO "schema_version" ("version", "name", "applied_at") '
                "VALUES ({}, {}, {})",
                migration.version,
                migration.name,
                to_stamp(datetime.now(UTC)),
            )
    return await current_version(db)
