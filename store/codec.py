"""How values are written to and read from the store's columns.

On SQLite a timestamp is TEXT: UTC in one fixed-width ISO-8601 form,
``2024-05-01T09:00:00.000000Z``, so that comparing the strings compares the instants (the
SQLite double-booking trigger and every ``ORDER BY`` rely on it). On PostgreSQL it is a
``timestamptz`` column, written and read as an aware UTC ``datetime`` (asyncpg converts).
:func:`from_stamp` reads both. JSON is written with sorted keys and no spaces, so the same
value is always the same text (on both databases: see ``store.migrations_pg``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

__all__ = ["dumps", "from_stamp", "loads", "spent", "to_stamp", "utc"]


def utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is refused (``ValueError``)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: the store needs aware datetimes")
    return moment.astimezone(UTC)


def to_stamp(moment: datetime) -> str:
    """An aware datetime as fixed-width UTC text; a naive one is refused."""
    return utc(moment).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_stamp(value: str | datetime) -> datetime:
    """The aware UTC datetime of a stamp: text written by :func:`to_stamp` (SQLite) or a
    datetime from the driver (PostgreSQL ``timestamptz``)."""
    if isinstance(value, datetime):
        return utc(value)
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)


def dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(text)
    return value


def spent(payload: dict[str, Any], status: str) -> dict[str, Any] | None:
    """The payload of an outbox row that carries a secret (``payload["secret"]``, e.g. a
    one-time code) once it is ``sent`` or ``dead``: its ``text`` blanked, so the secret is
    not kept. ``None`` when nothing is to change."""
    if status not in ("sent", "dead") or not payload.get("secret") or not payload.get("text"):
        return None
    return payload | {"text": ""}
