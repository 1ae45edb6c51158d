"""How values are written to and read from the store's TEXT columns.

Timestamps are UTC in one fixed-width ISO-8601 form, ``2024-05-01T09:00:00.000000Z``, so
that comparing the strings compares the instants (the SQLite double-booking trigger and
every ``ORDER BY`` rely on it). JSON is written with sorted keys and no spaces, so the
same value is always the same text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

__all__ = ["dumps", "from_stamp", "loads", "to_stamp"]


def to_stamp(moment: datetime) -> str:
    """An aware datetime as fixed-width UTC text; a naive one is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: the store needs aware datetimes")
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def from_stamp(text: str) -> datetime:
    """The aware UTC datetime of a stamp written by :func:`to_stamp`."""
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)


def dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(text)
    return value
