"""Forward chaining to a fixpoint, recording every firing for the audit.

The loop is generic over what consequences mean: each round, every rule that holds and
has not fired yet in this run fires, in salience order, and ``apply`` — supplied by the
caller — turns the facts and those rules into the next facts. Refraction (a rule fires at
most once per run) is what makes the loop terminate on ordinary rule sets; ``max_rounds``
catches the rest and raises ``RuleCycle`` naming the rules still firing.

The trace is the owner-readable record: which rule fired in which round, on which facts
(the values of the names its condition mentions; ``None`` for a name absent from the
facts), doing what, and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .engine import RuleEngine
from .errors import RuleCycle
from .ir import Facts, Firing, Ref, Rule, Scalar

Apply = Callable[[Facts, Sequence[Rule]], Facts]
"""Interprets one round's rules (highest salience first) and returns the new facts."""

TRACE_ROUNDS_IN_CYCLE = 3
"""How many of the last rounds a ``RuleCycle`` names."""


@dataclass(frozen=True)
class Round:
    """One round of chaining: the facts the rules matched on and the firings."""

    number: int
    facts: Facts
    fired: tuple[Firing, ...]


def resolve_ref(value: Scalar | Ref, facts: Facts) -> Scalar | None:
    """The value a ``Set`` assigns: a literal, or another fact's value (None if absent)."""
    if isinstance(value, Ref):
        return facts.get(value.name)
    return value


def run_rounds(engine: RuleEngine, facts: Facts, apply: Apply, *, max_rounds: int = 32,
               already_fired: frozenset[str] = frozenset()) -> tuple[Facts, list[Round]]:
    """Chain until no new rule holds; the final facts and every round that fired.

    Rules named in ``already_fired`` count as fired in this run (a caller resuming a run
    after performing an action passes the names it has seen fire).
    """
    fired = set(already_fired)
    rounds: list[Round] = []
    current = dict(facts)
    number = 0
    while True:
        rules = [r for r in engine.match(current) if r.name not in fired]
        if not rules:
            return current, rounds
        number += 1
        if number > max_rounds:
            last = rounds[-TRACE_ROUNDS_IN_CYCLE:]
            names = tuple(dict.fromkeys(f.rule for rnd in last for f in rnd.fired))
            shown = "; ".join(f"round {rnd.number}: {', '.join(f.rule for f in rnd.fired)}"
                              for rnd in last)
            raise RuleCycle(f"rules still firing after {max_rounds} rounds ({shown}; next: "
                            f"{', '.join(r.name for r in rules)})", names)
        firings = tuple(
            Firing(rule=r.name, round=number,
                   matched={n: current.get(n) for n in sorted(engine.condition(r.name).names)},
                   then=r.then, reason=r.reason)
            for r in rules
        )
        rounds.append(Round(number, dict(current), firings))
        fired.update(r.name for r in rules)
        current = dict(apply(dict(current), rules))


def run_to_fixpoint(engine: RuleEngine, facts: Facts, apply: Apply, *, max_rounds: int = 32,
                    already_fired: frozenset[str] = frozenset()) -> tuple[Facts, list[Firing]]:
    """Chain until no new rule holds; the final facts and every firing, in order."""
    final, rounds = run_rounds(engine, facts, apply, max_rounds=max_rounds,
                               already_fired=already_fired)
    return final, [f for rnd in rounds for f in rnd.fired]


__all__ = ["Apply", "Round", "resolve_ref", "run_rounds", "run_to_fixpoint"]
