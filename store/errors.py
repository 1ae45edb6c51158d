"""The store's errors, translated from the driver at the boundary (``raise ... from e``).

They also derive from the builtin the in-memory store raises for the same case
(``LookupError``, ``ValueError``, ``RuntimeError``), so one contract test holds for both.
A refused overlap is :class:`engine.ports.SlotTaken`, which the engine knows.
"""

from __future__ import annotations

from rules.errors import FrontdeskError

__all__ = ["DuplicateRecord", "RecordNotFound", "StoreError", "TransactionClosed"]


class StoreError(FrontdeskError):
    """The database failed or refused a request (busy, not migrated, bad URL, ...)."""


class RecordNotFound(StoreError, LookupError):
    """An update named a row that does not exist."""


class DuplicateRecord(StoreError, ValueError):
    """A unique rule refused a row (same id, same key, same turn number)."""


class TransactionClosed(StoreError, RuntimeError):
    """A transaction object was used after its ``async with`` block ended."""
