"""Rows to records: how a database row (a dict) becomes an ``engine.ports`` record.

The same functions serve both databases: a timestamp column is fixed-width UTC text on
SQLite and a ``timestamptz`` (an aware datetime from asyncpg) on PostgreSQL; either comes
back as an aware UTC datetime (``store.codec.from_stamp``). JSON columns become fresh dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.ports import (
    Appointment,
    CodeRow,
    ConversationRow,
    Customer,
    DroppedBurst,
    EscalationRow,
    InboundEvent,
    MessageRow,
    OutboxRow,
    StoredTurn,
)
from store.codec import from_stamp, loads

__all__ = [
    "appointment",
    "code",
    "conversation",
    "customer",
    "dropped",
    "escalation",
    "inbound",
    "message",
    "outbox",
    "turn",
]

Row = Mapping[str, Any]


def conversation(row: Row) -> ConversationRow:
    return ConversationRow(
        id=row["id"],
        business=row["business"],
        channel=row["channel"],
        sender=row["sender"],
        state=loads(row["state"]),
        last_hash=row["last_hash"],
        turns=row["turns"],
        created_at=from_stamp(row["created_at"]),
        updated_at=from_stamp(row["updated_at"]),
    )


def turn(row: Row) -> StoredTurn:
    return StoredTurn(
        conversation_id=row["conversation_id"],
        seq=row["seq"],
        provider_msg_id=row["provider_msg_id"],
        record=loads(row["record"]),
        hash=row["hash"],
        prev_hash=row["prev_hash"],
        created_at=from_stamp(row["created_at"]),
        erased_at=from_stamp(row["erased_at"]) if row.get("erased_at") else None,
    )


def customer(row: Row) -> Customer:
    return Customer(
        id=row["id"],
        business=row["business"],
        name=row["name"],
        phone=row["phone"],
        email=row["email"],
    )


def appointment(row: Row) -> Appointment:
    return Appointment(
        id=row["id"],
        business=row["business"],
        service=row["service"],
        staff=row["staff"],
        start=from_stamp(row["start_at"]),
        end=from_stamp(row["end_at"]),
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        customer_phone=row["customer_phone"],
        status=row["status"],
        conversation_id=row["conversation_id"],
        idempotency_key=row["idempotency_key"],
    )


def message(row: Row) -> MessageRow:
    return MessageRow(
        id=row["id"],
        business=row["business"],
        conversation_id=row["conversation_id"],
        caller_name=row["caller_name"],
        callback_number=row["callback_number"],
        text=row["text"],
        created_at=from_stamp(row["created_at"]),
    )


def escalation(row: Row) -> EscalationRow:
    return EscalationRow(
        id=row["id"],
        business=row["business"],
        conversation_id=row["conversation_id"],
        reason=row["reason"],
        created_at=from_stamp(row["created_at"]),
        status=row["status"],
    )


def outbox(row: Row) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        business=row["business"],
        kind=row["kind"],
        payload=loads(row["payload"]),
        idempotency_key=row["idempotency_key"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=from_stamp(row["next_attempt_at"]),
        last_error=row["last_error"],
    )


def code(row: Row) -> CodeRow:
    return CodeRow(
        id=row["id"],
        business=row["business"],
        conversation_id=row["conversation_id"],
        phone=row["phone"],
        salt=row["salt"],
        digest=row["digest"],
        sent=bool(row["sent"]),
        attempts=row["attempts"],
        used=bool(row["used"]),
        created_at=from_stamp(row["created_at"]),
        expires_at=from_stamp(row["expires_at"]),
    )


def inbound(row: Row) -> InboundEvent:
    return InboundEvent(
        business=row["business"],
        channel=row["channel"],
        sender=row["sender"],
        text=row["text"],
        payload=loads(row["payload"]),
        provider_msg_id=row["provider_msg_id"],
        received_at=from_stamp(row["received_at"]),
        lang_hint=row["lang_hint"],
        customer_phone=row["customer_phone"],
    )


def dropped(row: Row) -> DroppedBurst:
    return DroppedBurst(
        id=row["id"],
        business=row["business"],
        channel=row["channel"],
        budget=row["budget"],
        sender=row["sender"],
        provider_msg_id=row["provider_msg_id"],
        text=row["text"],
        count=row["messages"],
        first_at=from_stamp(row["first_at"]),
        last_at=from_stamp(row["last_at"]),
    )
