"""What every command shares: exit statuses, JSON and text output, and ids by prefix."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rules.errors import FrontdeskError

EXIT_OK, EXIT_DIFF, EXIT_USAGE = 0, 1, 2
EXIT_PIPE = 141  # stdout closed early (`frontdesk ... | head`): as a program SIGPIPE ended
EXIT_INTERRUPTED = 130  # Ctrl-C

MIN_PREFIX = 4  # the shortest id prefix taken for a whole id


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def local(dt: datetime, tz: str) -> str:
    """A stored (aware) time in the business's timezone, ISO-8601 with its offset."""
    return dt.astimezone(ZoneInfo(tz)).isoformat()


def quoted(text: str) -> str:
    """Text as one line in double quotes (what a customer wrote, what the desk said)."""
    return json.dumps(text, ensure_ascii=False)


class UnknownId(FrontdeskError):
    """No row has the id, or an id prefix names no row."""


class AmbiguousId(FrontdeskError):
    """An id prefix names more than one row."""


def resolve_id(given: str, ids: Iterable[str], what: str) -> str:
    """The one id among ``ids`` that is ``given`` or starts with it (a prefix of at least
    4 characters, as text listings and audits show ids whole but people type less).
    Raises :class:`UnknownId` or :class:`AmbiguousId` (listing the matches)."""
    known = list(ids)
    if given in known:
        return given
    if len(given) < MIN_PREFIX:
        raise UnknownId(
            f"no {what} {given!r} (an id prefix needs at least {MIN_PREFIX} characters)"
        )
    matches = sorted({i for i in known if i.startswith(given)})
    if not matches:
        raise UnknownId(f"no {what} {given!r}")
    if len(matches) > 1:
        shown = ", ".join(matches[:10]) + (
            f", ... ({len(matches)} in all)" if len(matches) > 10 else ""
        )
        raise AmbiguousId(
            f"{given!r} is the start of {len(matches)} {what} ids: {shown}; give more of it"
        )
    return matches[0]


__all__ = [
    "EXIT_DIFF",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_USAGE",
    "MIN_PREFIX",
    "AmbiguousId",
    "UnknownId",
    "local",
    "one_line",
    "print_json",
    "quoted",
    "resolve_id",
]
