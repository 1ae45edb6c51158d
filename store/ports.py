"""What a store offers besides the engine's port: the records people and tools read, the
outbox the drainers work through, and the store's own lifetime.

The engine's :class:`~engine.ports.Store` holds only what a turn needs. Listings, the
outbox's administration and migrations are used by the edges alone (the CLI, the HTTP
app, the drainer, benchmarks, tests), so their protocols live here, beside the stores that
implement them: :class:`~store.sqlite.SqlStore`, :class:`~store.postgres.PgStore` and
:class:`~store.memory.MemoryStore`. Each caller types against the narrowest one it uses;
:class:`Storage` is all of them, what :func:`store.open_store` returns and the composition
root holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

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
    Store,
    StoredTurn,
)

__all__ = ["DropLog", "OutboxQueue", "Privacy", "Records", "Storage"]


class Records(Protocol):
    """The read side (CLI, web chat history, dashboard, replay): committed rows only."""

    async def list_appointments(self, business: str) -> list[Appointment]: ...

    async def list_conversations(self, business: str | None = None) -> list[ConversationRow]: ...

    async def list_messages(self, business: str) -> list[MessageRow]: ...

    async def list_escalations(self, business: str) -> list[EscalationRow]: ...

    async def turns(self, conversation_id: str) -> list[StoredTurn]: ...

    async def all_conversation_ids(self) -> list[str]: ...

    async def inbound_events(self, business: str | None = None) -> list[InboundEvent]: ...

    async def list_dropped(self, business: str) -> list[DroppedBurst]:
        """The bursts of messages a rate limit dropped, oldest first (one row per burst)."""
        ...


class DropLog(Protocol):
    """Where the HTTP server counts the messages a rate limit dropped after its warning."""

    async def save_dropped(self, burst: DroppedBurst) -> None:
        """Insert the burst, or (same id) update its ``count`` and ``last_at``."""
        ...


class OutboxQueue(Protocol):
    """The outbox as the drainers and the operator see it (a turn only adds rows, through
    :meth:`engine.ports.Tx.enqueue`)."""

    async def outbox(self, status: str | None = None) -> list[OutboxRow]: ...

    async def outbox_depth(self, statuses: Sequence[str]) -> dict[str, int]:
        """How many rows have each of ``statuses`` (0 for none), counted, not loaded."""
        ...

    async def claim_outbox(
        self, now: datetime, limit: int, kinds: Sequence[str] | None = None
    ) -> list[OutboxRow]: ...  # only rows of ``kinds`` (every kind when None)

    async def mark_outbox(
        self, row_id: str, status: str, attempts: int, next_attempt_at: datetime, error: str
    ) -> None: ...

    async def requeue_outbox(self, row_id: str | None, dead: bool, now: datetime) -> int:
        """Send again: the pending or dead row ``row_id``, or every dead row (``dead=True``;
        give exactly one of the two). The rows become pending with no attempts, due at
        ``now``, ``last_error`` kept. A sent row is refused (``ValueError``), an unknown id
        is a ``LookupError``. Returns how many rows were re-queued."""
        ...


class Privacy(Protocol):
    """Retention and erasure (``adapters.privacy`` decides what; these only do it). Every
    method is its own short transaction and may be run again: what is gone stays gone."""

    async def turns_to_erase(self, business: str, before: datetime) -> list[StoredTurn]:
        """The business's turns created before ``before`` not erased yet, in chain order."""
        ...

    async def erase_turns(self, erased: Sequence[StoredTurn], at: datetime) -> int:
        """Store each turn's ``record`` (a tombstone) in place of its record, blank its
        provider message id and mark it erased at ``at``; a turn whose hash changed
        meanwhile, or that is erased already, is left alone. How many were erased."""
        ...

    async def delete_inbound(
        self,
        business: str,
        before: datetime | None = None,
        senders: Sequence[tuple[str, str]] = (),
        phone: str = "",
    ) -> int:
        """Delete inbound events received before ``before``, from any (channel, sender) of
        ``senders``, or whose caller id is ``phone``; how many."""
        ...

    async def delete_dropped(
        self, business: str, before: datetime | None = None, senders: Sequence[tuple[str, str]] = ()
    ) -> int:
        """Delete the bursts of dropped messages whose last message came before ``before``,
        or whose (channel, sender) is one of ``senders``; how many."""
        ...

    async def list_codes(self, business: str) -> list[CodeRow]:
        """The business's one-time code rows, oldest first (``created_at``, then id)."""
        ...

    async def delete_codes(
        self, business: str, before: datetime | None = None, phone: str = ""
    ) -> int:
        """Delete the one-time code rows that expired before ``before``, or that were
        made for the number ``phone``; how many."""
        ...

    async def delete_messages(
        self, business: str, before: datetime | None = None, ids: Sequence[str] = ()
    ) -> int: ...

    async def delete_outbox(
        self, business: str, before: datetime | None = None, ids: Sequence[str] = ()
    ) -> int:
        """Sent or dead rows due before ``before`` (never a pending one), and rows ``ids``."""
        ...

    async def delete_escalations(
        self, business: str, before: datetime | None = None, conversation_ids: Sequence[str] = ()
    ) -> int:
        """Hand-overs created before ``before``, or of the conversations ``conversation_ids``
        (a reason may name the caller's number)."""
        ...

    async def anonymise_conversation(self, conversation_id: str) -> bool:
        """Its sender becomes ``erased:<id>`` (nobody reaches it again) and its state
        empty; False when it was anonymised already (or unknown)."""
        ...

    async def list_customers(self, business: str) -> list[Customer]: ...

    async def forget_customer(self, business: str, customer_id: str, phone: str) -> bool:
        """Delete the customer row and blank name and phone on their appointments (by id
        or by phone); False when there was no such row."""
        ...


class Storage(Store, Records, OutboxQueue, Privacy, DropLog, Protocol):
    """A whole store: the engine's port, the records, the outbox, and its lifetime."""

    async def migrate(self) -> None: ...

    async def schema_version(self) -> int:
        """The newest migration applied (``migrate`` brings it to ``max(migrations.NAMES)``)."""
        ...

    async def close(self) -> None: ...
