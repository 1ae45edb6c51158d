"""Checking a phase of rules that moves no machine: the conversation policy, say.

``frontdesk verify`` explores a card's machine turn by turn (``machines.verify``). What
happens *before* a card runs — which topic the turn enters, whether one is suspended — is
decided by a phase of rules that only set ``decision.*`` facts. A property of that phase
("a bare acknowledgement enters no topic that commits") is a :class:`PhaseProperty`: when
``given`` holds of the facts a turn starts the phase with, ``never`` must not hold of the
facts it ends with. :func:`check_phase` runs the phase for every combination of the values
a caller lets vary (:func:`vary`), on top of fixed facts, the way
``engine.turn.Turn.run_phase`` runs it (the same round loop; the first rule to set a fact
in a round wins, each rule fires once), and returns each property broken with
the facts that break it, fewest varied first.

``tests/machines/test_phase.py`` holds this phase runner to the engine's own on the demo
businesses' conversation policies. Pure: no I/O, no clock.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from rules.condition import Condition, parse_condition
from rules.engine import RuleEngine
from rules.errors import RuleCycle
from rules.fixpoint import MAX_ROUNDS, Step, resolve_ref, run_rounds
from rules.ir import Facts, FactSchema, Rule, Scalar, Set


@dataclass(frozen=True, slots=True)
class PhaseProperty:
    """When ``given`` holds before the phase, ``never`` must not hold after it."""

    kind: str  # the violation's name, as verify.KINDS names those of cards
    given: str  # a condition on the facts the phase starts from
    never: str  # a condition on the facts it ends with (decision.* included)
    meaning: str = ""  # what breaking it means, for the report


@dataclass(frozen=True, slots=True)
class PhaseViolation:
    kind: str
    message: str
    facts: tuple[tuple[str, Scalar], ...]  # the varied facts that break it
    fired: tuple[str, ...]  # the rules that fired, in order
    decided: tuple[tuple[str, Scalar], ...]  # the decision.* facts the phase set


def run_phase(
    engine: RuleEngine, facts: Facts, max_rounds: int = MAX_ROUNDS
) -> tuple[Facts, list[str]]:
    """The facts after one phase of ``engine``'s rules over ``facts``, and the rules fired.

    The engine's round loop (``rules.fixpoint.run_rounds``) runs it; only ``Set``
    consequences are applied (a phase without a topic moves no machine and plans nothing),
    as ``engine.turn.Turn.apply`` applies them. A phase still firing after ``max_rounds``
    rounds ends where it stands.
    """
    facts = dict(facts)
    order: list[str] = []

    def step(_: int, matched: list[Rule]) -> Step:
        order.extend(r.name for r in matched)
        before = dict(facts)
        _apply(matched, facts)
        return Step.SETTLED if facts == before else Step.CHANGED

    with contextlib.suppress(RuleCycle):  # still firing at the bound: it ends there
        run_rounds(engine.match, facts, step, max_rounds=max_rounds)
    return facts, order


def _apply(rules: Sequence[Rule], facts: Facts) -> None:
    written: set[str] = set()
    for r in rules:
        for c in r.then:
            if isinstance(c, Set) and c.name not in written:
                written.add(c.name)
                facts[c.name] = resolve_ref(c.value, facts)


def vary(values: Mapping[str, Sequence[Scalar | None]]) -> Iterator[Facts]:
    """Every combination of ``values`` (``None``: the fact is absent), fewest facts away
    from their first value first."""
    names = sorted(values)
    combos = list(itertools.product(*(range(len(values[n])) for n in names)))
    combos.sort(key=lambda c: (sum(i > 0 for i in c), c))
    for combo in combos:
        chosen = {n: values[n][i] for n, i in zip(names, combo, strict=True)}
        yield {n: v for n, v in chosen.items() if v is not None}


def check_phase(
    engine: RuleEngine,
    schema: FactSchema,
    fixed: Facts,
    values: Mapping[str, Sequence[Scalar | None]],
    properties: Sequence[PhaseProperty],
    max_rounds: int = MAX_ROUNDS,
) -> list[PhaseViolation]:
    """Each property broken by some combination of ``values`` over ``fixed``, with the
    first (simplest) combination that breaks it."""
    parsed: list[tuple[PhaseProperty, Condition, Condition]] = [
        (p, parse_condition(p.given, schema), parse_condition(p.never, schema)) for p in properties
    ]
    out: list[PhaseViolation] = []
    broken: set[str] = set()
    for chosen in vary(values):
        start = {**fixed, **chosen}
        pending = [(p, g, n) for p, g, n in parsed if p.kind not in broken and g.evaluate(start)]
        if not pending:
            continue
        end, fired = run_phase(engine, start, max_rounds)
        for prop, _, never in pending:
            if never.evaluate(end):
                broken.add(prop.kind)
                decided = tuple(sorted((k, v) for k, v in end.items() if k.startswith("decision.")))
                out.append(
                    PhaseViolation(
                        prop.kind,
                        f"{prop.meaning or prop.kind}: {prop.never!r} holds after "
                        f"the phase although {prop.given!r} held before it",
                        tuple(sorted(chosen.items())),
                        tuple(fired),
                        decided,
                    )
                )
    return out


__all__ = ["PhaseProperty", "PhaseViolation", "check_phase", "run_phase", "vary"]
