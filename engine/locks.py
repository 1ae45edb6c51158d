"""One ``asyncio.Lock`` per key, kept only while the key is in use.

The desk queues one conversation's messages, and each store queues one conversation's
transactions, on a lock of that conversation's own: different conversations go ahead in
parallel, the turns of one take their turn in the order they asked (``asyncio.Lock`` wakes
its waiters first come, first served). A server sees an unbounded number of conversations,
so a key's lock lives only while a task holds it or waits for it: the entry counts its
users and the last one out removes it.

No I/O: this is plain ``asyncio`` bookkeeping, shared by ``engine.desk`` and ``store/``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

__all__ = ["KeyedLock"]

K = TypeVar("K", bound=Hashable)


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # tasks holding or waiting for the lock


class KeyedLock(Generic[K]):
    """A lock per key, created on first use and dropped when its last user leaves."""

    def __init__(self) -> None:
        self._entries: dict[K, _Entry] = {}

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        """Hold ``key``'s lock for the block. The caller is counted (and so takes its place
        in the queue) before the first ``await``; it is uncounted however the block ends,
        also when it is cancelled while still waiting."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]

    def __len__(self) -> int:
        """How many keys are in use (held or waited for)."""
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries
