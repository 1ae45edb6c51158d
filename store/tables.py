"""The piccolo tables: the schema as Python, one class per table.

Every table is scoped by ``business`` (the tenant slug) except the ones keyed by a global
idempotency key. Timestamps are :class:`Stamp` columns: on SQLite ``VARCHAR(32)`` holding
UTC in one fixed-width format (``store.codec.to_stamp``) so that string order is time
order — the SQLite double-booking trigger compares them as strings — and no driver
converts them behind our back (piccolo's SQLite engine parses declared ``TIMESTAMP``
columns itself); on PostgreSQL real ``timestamptz`` columns. JSON is ``TEXT`` written with
sorted keys, on both.

Rules piccolo cannot express portably are raw SQL in ``store.migrations`` and
``store.migrations_pg``: multi-column and partial unique indexes (table-level
``Unique``/``Check`` break piccolo on SQLite), the double-booking trigger (SQLite) and
exclusion constraint (PostgreSQL). The migrations hold the frozen DDL; a test per database
checks that the migrated schema and these classes agree column for column.

The classes are not bound to an engine: the stores run parameterised SQL on their own
connections, because piccolo binds a table to one global engine and a process may open
several stores (tests, tools).
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import Integer, Serial, Text, Varchar
from piccolo.table import Table

__all__ = [
    "AppointmentTable",
    "ConversationTable",
    "CustomerTable",
    "DroppedBurstTable",
    "EscalationTable",
    "IdempotencyTable",
    "InboundEventTable",
    "MessageTable",
    "OutboxTable",
    "SchemaVersionTable",
    "Stamp",
    "TABLES",
    "TurnTable",
    "VerificationCodeTable",
]

_ID = 32  # uuid4().hex
_SLUG = 64
_STAMP = 32  # len("2024-05-01T09:00:00.000000Z") == 27


class Stamp(Varchar):
    """A moment: fixed-width UTC text on SQLite, ``timestamptz`` on PostgreSQL."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(length=_STAMP, **kwargs)


class InboundEventTable(Table, tablename="inbound_event"):
    """Every inbound message, recorded before anything else; unique per provider id."""

    id = Serial(primary_key=True)
    business = Varchar(length=_SLUG)
    channel = Varchar(length=16)
    sender = Varchar(length=255)
    provider_msg_id = Varchar(length=255)
    text = Text()
    payload = Text(default="{}")
    received_at = Stamp()
    lang_hint = Varchar(length=16, null=True, default=None)
    customer_phone = Varchar(length=32, null=True, default=None)


class CustomerTable(Table, tablename="customer"):
    """One row per (business, phone) when the phone is known."""

    id = Varchar(length=_ID, primary_key=True)
    business = Varchar(length=_SLUG)
    name = Varchar(length=255)
    phone = Varchar(length=32)
    email = Varchar(length=255)


class ConversationTable(Table, tablename="conversation"):
    """One per (business, channel, sender); holds the engine's state as JSON."""

    id = Varchar(length=_ID, primary_key=True)
    business = Varchar(length=_SLUG)
    channel = Varchar(length=16)
    sender = Varchar(length=255)
    state = Text(default="{}")
    last_hash = Varchar(length=64)
    turns = Integer(default=0)
    created_at = Stamp()
    updated_at = Stamp()


class TurnTable(Table, tablename="turn"):
    """The audit chain: one TurnRecord per turn, hashed and linked to the previous one."""

    id = Serial(primary_key=True)
    conversation_id = Varchar(length=_ID)
    seq = Integer()
    provider_msg_id = Varchar(length=255)
    record = Text(default="{}")
    hash = Varchar(length=64)
    prev_hash = Varchar(length=64)
    created_at = Stamp()
    erased_at = Stamp(null=True, default=None)  # personal parts replaced by a tombstone


class AppointmentTable(Table, tablename="appointment"):
    """Bookings; a trigger refuses overlapping booked rows of one staff member."""

    id = Varchar(length=_ID, primary_key=True)
    business = Varchar(length=_SLUG)
    service = Varchar(length=255)
    staff = Varchar(length=255)
    start_at = Stamp()
    end_at = Stamp()
    customer_id = Varchar(length=_ID)
    customer_name = Varchar(length=255)
    customer_phone = Varchar(length=32)
    status = Varchar(length=16, default="booked")
    conversation_id = Varchar(length=_ID)
    idempotency_key = Varchar(length=255)


class MessageTable(Table, tablename="message"):
    """A message taken for the owner ("please call me back")."""

    id = Varchar(length=_ID, primary_key=True)
    business = Varchar(length=_SLUG)
    conversation_id = Varchar(length=_ID)
    caller_name = Varchar(length=255)
    callback_number = Varchar(length=32)
    text = Text()
    created_at = Stamp()


class EscalationTable(Table, tablename="escalation"):
    """A hand-over to a human."""

    id = Varchar(length=_ID, primary_key=True)
    business = Varchar(length=_SLUG)
    conversation_id = Varchar(length=_ID)
    reason = Text()
    created_at = Stamp()
    status = Varchar(length=16, default="open")


class OutboxTable(Table, tablename="outbox"):
    """Side effects to perform after commit (replies, webhooks); drained with retries."""

    id = Varchar(length=_ID, primary_key=True)
    business = Varchar(length=_SLUG)
    kind = Varchar(length=64)
    payload = Text(default="{}")
    idempotency_key = Varchar(length=255, unique=True)
    status = Varchar(length=16, default="pending")
    attempts = Integer(default=0)
    next_attempt_at = Stamp()
    last_error = Text()


class IdempotencyTable(Table, tablename="idempotency"):
    """The result of an action, by its idempotency key: a retried action returns it."""

    key = Varchar(length=255, primary_key=True)
    result = Text(default="{}")


class DroppedBurstTable(Table, tablename="dropped_burst"):
    """Messages a rate limit dropped after its warning: one row per burst, with a count."""

    id = Varchar(length=_ID, primary_key=True)
    business = Varchar(length=_SLUG)
    channel = Varchar(length=16)
    budget = Varchar(length=16)
    sender = Varchar(length=255)
    provider_msg_id = Varchar(length=255)
    text = Text()
    messages = Integer(default=0)  # how many were dropped ("count" is a Table method)
    first_at = Stamp()
    last_at = Stamp()


class VerificationCodeTable(Table, tablename="verification_code"):
    """One-time codes that prove a typed phone number in one conversation: the code's
    salted HMAC, never the code; how often it was tried, whether it was used."""

    id = Varchar(length=_ID, primary_key=True)
    business = Varchar(length=_SLUG)
    conversation_id = Varchar(length=_ID)
    phone = Varchar(length=32)
    salt = Varchar(length=64)
    digest = Varchar(length=64)
    sent = Integer(default=0)
    attempts = Integer(default=0)
    used = Integer(default=0)
    created_at = Stamp()
    expires_at = Stamp()


class SchemaVersionTable(Table, tablename="schema_version"):
    """Applied migrations."""

    version = Integer(primary_key=True)
    name = Varchar(length=255)
    applied_at = Stamp()


TABLES: tuple[type[Table], ...] = (
    InboundEventTable,
    CustomerTable,
    ConversationTable,
    TurnTable,
    AppointmentTable,
    MessageTable,
    EscalationTable,
    OutboxTable,
    IdempotencyTable,
    DroppedBurstTable,
    VerificationCodeTable,
    SchemaVersionTable,
)
