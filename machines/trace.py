"""What one turn did, and how a counterexample reads.

A :class:`Trace` records a turn of the model checker in the order things happened — the
customer's abstract input, the rules that fired, the machine's moves, the actions and
their results — so that a violation can be shown as the numbered conversation that leads
to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .abstraction import Config, Input


@dataclass(frozen=True, slots=True)
class Move:
    """One event the rules fired at the machine."""

    rule: str
    event: str
    source: str
    target: str
    refused: bool = False

    def describe(self) -> str:
        if self.refused:
            return f"{self.source} --{self.event}--> REFUSED (by {self.rule})"
        return f"{self.source} --{self.event}--> {self.target} (by {self.rule})"


@dataclass(frozen=True, slots=True)
class Trace:
    """What one turn did, in order, for a counterexample."""

    input: Input
    fired: tuple[str, ...]  # rule names, in firing order
    moves: tuple[Move, ...]
    actions: tuple[tuple[str, bool], ...]  # (action, ok)
    says: tuple[str, ...]
    end: str  # the machine state after the turn (or where it stood when a check failed)


@dataclass(frozen=True, slots=True)
class Finding:
    """A check that failed inside one turn: its kind, what it concerns, and where."""

    kind: str
    key: str  # what the finding concerns (an action, an invariant, a rule)
    message: str
    trace: Trace  # the turn up to the failure


@dataclass(frozen=True, slots=True)
class Loss:
    """A rule whose event was overridden in a round by another rule's different event."""

    rule: str
    event: str
    winner: str
    winner_event: str
    trace: Trace  # the turn up to that round


@dataclass
class Outcome:
    """One way a turn from a configuration can go."""

    trace: Trace
    end: Config | None  # None when the turn never settled (a cycle)
    findings: list[Finding]
    entered: set[str]  # machine states the turn started in or entered (rules matched there)
    asked: set[str]  # fields asked for in the turn
    won: set[str]  # rules whose event took effect
    lost: list[Loss]
    held: set[str]  # rules whose condition held in some round
    failed: bool = False  # the turn ended in a failure: a value refused, an action failed
    said: Input | None = None  # the input, when another input took this very turn first

    @property
    def input(self) -> Input:
        return self.said if self.said is not None else self.trace.input

    @property
    def step(self) -> Trace:
        """The turn's trace, with the input that took it."""
        return retold(self.trace, self.input)


def retold(trace: Trace, said: Input) -> Trace:
    """``trace`` as taken with ``said`` (a turn that starts alike goes alike)."""
    return trace if trace.input == said else replace(trace, input=said)


def trace_dict(number: int, step: Trace) -> dict[str, Any]:
    return {
        "step": number,
        "input": step.input.describe(),
        "facts": dict(step.input.facts),
        "field": step.input.field,
        "valid": step.input.valid,
        "resume": step.input.resume,
        "rules": list(step.fired),
        "events": [m.describe() for m in step.moves],
        "actions": [f"{a} {'ok' if ok else 'failed'}" for a, ok in step.actions],
        "says": list(step.says),
        "state": step.end,
    }


def format_counterexample(steps: Sequence[Trace], indent: str = "    ") -> str:
    """A counterexample as numbered turns: input → rules fired → events → state."""
    if not steps:
        return f"{indent}(no conversation reaches it)"
    lines = []
    for number, step in enumerate(steps, start=1):
        lines.append(f"{indent}{number}. customer {step.input.describe()}")
        lines.append(f"{indent}   rules: {', '.join(step.fired) or '-'}")
        if step.moves:
            lines.append(f"{indent}   events: {'; '.join(m.describe() for m in step.moves)}")
        if step.actions:
            lines.append(
                f"{indent}   actions: "
                + ", ".join(f"{a} {'ok' if ok else 'failed'}" for a, ok in step.actions)
            )
        lines.append(f"{indent}   state: {step.end}")
    return "\n".join(lines)


__all__ = [
    "Finding",
    "Loss",
    "Move",
    "Outcome",
    "Trace",
    "format_counterexample",
    "retold",
    "trace_dict",
]
