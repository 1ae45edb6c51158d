"""The rate limits of ``frontdesk serve``: budgets that protect the business, not the attacker.

A message is charged to up to three budgets, each a sliding window:

- its **sender** (a phone number, a chat, a web-chat session): ``per_sender``;
- its **client address**, for traffic nobody signs (the web chat and its page):
  ``per_address``, shared by every business;
- its business's **channel**: ``per_business`` on each channel separately, so anonymous
  web chat can never use up what signed SMS, voice, WhatsApp or Telegram have.

Over any of them, the sender's first message gets a polite reply (``warn``) and the rest are
dropped (``drop``) until there is room again. Drops against one budget form a
:class:`Burst`: the server records a burst once and updates its count, instead of a turn per
dropped message.

Nothing here does I/O or reads the clock unless no ``now`` is given. The state is pruned as
it goes: an entry untouched for a whole window is gone, so a flood of distinct senders or
addresses costs memory for one window's worth of them only.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from engine.ports import InboundEvent

Verdict = Literal["ok", "warn", "drop"]
Budget = Literal["sender", "address", "channel"]
Key = tuple[str, ...]


@dataclass(eq=False)
class Burst:
    """Messages dropped in a row against one budget. ``first``, ``last_at`` and
    ``written``/``written_at``/``writing`` are the server's: the first dropped message,
    the arrival of the latest, and what it has recorded so far."""

    business: str
    channel: str
    budget: Budget
    started: float
    last: float
    count: int = 0
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    written: int = 0
    written_at: float = float("-inf")
    writing: bool = False
    first: InboundEvent | None = None
    last_at: datetime | None = None


@dataclass(frozen=True)
class Admission:
    verdict: Verdict
    budget: Budget | None = None  # the budget that was used up (None when ok)
    burst: Burst | None = None  # the burst a dropped message counts in


class _Recent:
    """Keys with a moment each, oldest-touched first: what has not been touched for a
    window is dropped from the front in amortised constant time."""

    def __init__(self) -> None:
        self.items: OrderedDict[Key, float] = OrderedDict()

    def touch(self, key: Key, now: float) -> None:
        self.items[key] = now
        self.items.move_to_end(key)

    def expired(self, before: float) -> list[Key]:
        gone: list[Key] = []
        while self.items:
            key, at = next(iter(self.items.items()))
            if at > before:
                break
            del self.items[key]
            gone.append(key)
        return gone


@dataclass
class RateLimiter:
    per_sender: int = 20  # messages per window from one sender
    per_business: int = 600  # messages per window to one business, on each channel
    per_address: int = 60  # messages per window from one client address (unsigned traffic)
    window_s: float = 60.0
    _seen: dict[Key, deque[float]] = field(default_factory=dict)
    _touched: _Recent = field(default_factory=_Recent)
    _warned: _Recent = field(default_factory=_Recent)
    _bursts: dict[Key, Burst] = field(default_factory=dict)
    _dropping: _Recent = field(default_factory=_Recent)  # burst keys by their last drop
    _ended: list[Burst] = field(default_factory=list)

    def check(
        self,
        business: str,
        sender: str,
        now: float | None = None,
        *,
        channel: str = "",
        address: str = "",
    ) -> Verdict:
        return self.admit(business, sender, now, channel=channel, address=address).verdict

    def admit(
        self,
        business: str,
        sender: str,
        now: float | None = None,
        *,
        channel: str = "",
        address: str = "",
    ) -> Admission:
        """Charge one message from ``sender`` on ``channel`` to ``business``; ``address``:
        the client address of unsigned traffic ("" for a signed channel)."""
        now = time.monotonic() if now is None else now
        self._prune(now)
        budgets: list[tuple[Budget, Key, int]] = [
            ("sender", ("sender", business, channel, sender), self.per_sender)
        ]
        if address:
            budgets.append(("address", ("address", address), self.per_address))
        budgets.append(("channel", ("channel", business, channel), self.per_business))
        over: tuple[Budget, Key] | None = None
        for budget, key, limit in budgets:
            q = self._seen.get(key)
            if q is None:
                q = self._seen[key] = deque()
            self._touched.touch(key, now)
            while q and q[0] <= now - self.window_s:
                q.popleft()
            if over is None and len(q) >= limit:
                over = (budget, key)
        who = ("warned", business, channel, sender)
        if over is None:
            for _, key, _ in budgets:
                self._seen[key].append(now)
                self._end(key)
            self._warned.items.pop(who, None)
            return Admission("ok")
        budget, key = over
        if who not in self._warned.items:
            self._warned.touch(who, now)
            return Admission("warn", budget)
        self._warned.touch(who, now)
        burst = self._bursts.get(key)
        if burst is None:
            burst = self._bursts[key] = Burst(business, channel, budget, started=now, last=now)
        burst.count += 1
        burst.last = now
        self._dropping.touch(key, now)
        return Admission("drop", budget, burst)

    def ended(self) -> list[Burst]:
        """The bursts that have ended since the last call (their budget had room again, or
        nothing was dropped for a window); each is handed out once."""
        ended, self._ended = self._ended, []
        return ended

    def open_bursts(self) -> list[Burst]:
        return list(self._bursts.values())

    def size(self) -> int:
        """How many entries the limiter holds (senders, addresses, channels, warnings,
        bursts): bounded by what was touched within one window."""
        return len(self._seen) + len(self._warned.items) + len(self._bursts)

    def _end(self, key: Key) -> None:
        burst = self._bursts.pop(key, None)
        self._dropping.items.pop(key, None)
        if burst is not None:
            self._ended.append(burst)

    def _prune(self, now: float) -> None:
        before = now - self.window_s
        for key in self._touched.expired(before):
            del self._seen[key]  # every moment in it is older than the window
            self._end(key)
        self._warned.expired(before)
        for key in self._dropping.expired(before):
            self._end(key)


@dataclass
class KeyedWindow:
    """At most ``limit`` events per key in any ``window_s`` (e.g. new web-chat sessions per
    client address); pruned like the rate limiter."""

    limit: int
    window_s: float
    _seen: dict[Key, deque[float]] = field(default_factory=dict)
    _touched: _Recent = field(default_factory=_Recent)

    def take(self, key: str, now: float | None = None) -> bool:
        """Count one event for ``key``; False (and nothing counted) when it has no room."""
        now = time.monotonic() if now is None else now
        for gone in self._touched.expired(now - self.window_s):
            del self._seen[gone]
        q = self._seen.setdefault((key,), deque())
        self._touched.touch((key,), now)
        while q and q[0] <= now - self.window_s:
            q.popleft()
        if len(q) >= self.limit:
            return False
        q.append(now)
        return True

    def size(self) -> int:
        return len(self._seen)


__all__ = ["Admission", "Budget", "Burst", "KeyedWindow", "RateLimiter", "Verdict"]
