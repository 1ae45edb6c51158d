"""Errors raised by ``machines/``: an invalid document or card, a refused transition.

Each is a :class:`rules.errors.FrontdeskError`, so one ``except FrontdeskError`` at a
boundary catches all of ours and nothing else. Problems are collected, not raised one at a
time: an owner fixing a card wants every mistake at once, each as ``file:line: message``
like a compiler prints them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rules.errors import FrontdeskError


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One mistake in one document; ``line`` is 1-based, 0 when no line is known."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line > 0:
            return f"{self.file}:{self.line}: {self.message}"
        return f"{self.file}: {self.message}"


class InvalidDocument(FrontdeskError):
    """A YAML document that cannot be read: bad syntax, a tag, a duplicate key."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.problems)  # args rebuild the error (pickling, copying)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class InvalidCard(InvalidDocument):
    """A card (or a set of cards) that failed validation; every problem found is listed."""


class TransitionRefused(FrontdeskError):
    """A compiled machine refused an event in a state; the machine did not move."""

    def __init__(self, event: str, state: str, card: str) -> None:
        self.event = event
        self.state = state
        self.card = card
        super().__init__(event, state, card)

    def __str__(self) -> str:
        return f"card '{self.card}' refuses event '{self.event}' in state '{self.state}'"


__all__ = ["InvalidCard", "InvalidDocument", "Problem", "TransitionRefused"]
