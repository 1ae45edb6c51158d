"""Forward chaining to a fixpoint: the one round loop the engine and the model checker drive.

Each round matches the rules on the current facts, and every rule that holds and has not
fired since the last new context fires: the round's rules, highest salience first, go to
the caller's ``apply``, which interprets them (sets facts, moves a machine, plans an
action, says something, records the trace) and tells the loop what came of it, a
:class:`Step`:

- ``SETTLED``: nothing changed, so the next round would match the same rules: stop;
- ``CHANGED``: the facts changed: chain on (refraction: a rule fires once per context);
- ``MOVED``: a new context (a machine changed state): every rule may fire again.

The loop also stops when no rule that has not fired holds. After ``max_rounds`` rounds it
raises ``RuleCycle`` naming the rules still firing. ``apply`` changes ``facts`` in place
(the loop matches the same mapping every round) and may raise to stop the loop early;
what is traced, and what the consequences mean, is the caller's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum

from .errors import RuleCycle
from .ir import Facts, Ref, Rule, Scalar

MAX_ROUNDS = 64
"""Rounds of rules one phase of a turn may take."""


class Step(Enum):
    """What one round's consequences did."""

    SETTLED = "settled"
    CHANGED = "changed"
    MOVED = "moved"


Match = Callable[[Facts], Sequence[Rule]]
"""The rules whose condition holds for the facts, highest salience first
(``RuleEngine.match``)."""

Apply = Callable[[int, list[Rule]], Step]
"""Applies one round's rules (the round's number from 0, the rules highest salience first)."""


def resolve_ref(value: Scalar | Ref, facts: Facts) -> Scalar:
    """The value a ``Set`` assigns: a literal, or another fact's value ("" if absent)."""
    if isinstance(value, Ref):
        return facts.get(value.name, "")
    return value


def run_rounds(
    match: Match, facts: Facts, apply: Apply, *, max_rounds: int = MAX_ROUNDS, where: str = ""
) -> int:
    """Chain until no new rule holds or a round changes nothing; the rounds that fired.

    ``where`` names the phase in the ``RuleCycle`` message.
    """
    fired: set[str] = set()
    rules: list[Rule] = []
    for number in range(max_rounds):
        rules = [r for r in match(facts) if r.name not in fired]
        if not rules:
            return number
        fired.update(r.name for r in rules)
        step = apply(number, rules)
        if step is Step.MOVED:
            fired.clear()  # a new machine state is a new context: rules may fire again
        elif step is Step.SETTLED:
            return number + 1
    # after a move every rule is armed again: the ones the last round fired are still firing
    still = tuple(sorted(fired.union(r.name for r in rules)))
    raise RuleCycle(
        f"rules did not reach a fixpoint in {max_rounds} rounds"
        + (f" in {where}" if where else "")
        + ": "
        + ", ".join(still),
        still,
    )


__all__ = ["MAX_ROUNDS", "Apply", "Match", "Step", "resolve_ref", "run_rounds"]
