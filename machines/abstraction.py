"""What the model checker abstracts a conversation with a card to.

A conversation is too rich to enumerate, so the checker abstracts what a customer can say
in one turn to a few values per fact that a rule reads: each field given (valid), given
but unusable (invalid) or not given; each signal on or off; every other fact a condition
mentions over the literals it is compared with. A fact no rule or invariant mentions
cannot change a decision and is left out, which keeps the space small.

Between turns a conversation is a :class:`Config`: the machine's state, which fields are
collected (present or absent: values are abstract, so a condition comparing a field's
value with a literal sees a value equal to none of them), the counters the rules read
(saturated above the largest threshold they are compared with), what was asked last, and
what the checks track of the history. A :class:`Model` is a card's machine with the
compiled rules of its phase of a turn, prepared for exploration (``machines.explore``).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rules.condition import And, Compare, Condition, Expr, Member, Not, Or, parse_condition
from rules.engine import RuleEngine
from rules.ir import Facts, FactType, Rule, RuleSet, Say, Scalar

from .card import Card
from .compile import CompiledMachine
from .facts import card_facts, invariant_facts
from .registry import DEFAULT_ACTIONS, ActionSpec

MAX_ROUNDS = 64
"""Rounds of rules one phase may take (as ``engine.turn.MAX_ROUNDS``)."""

MAX_ACTIONS = 8
"""Actions one turn may run (as ``engine.desk.MAX_ACTIONS_PER_TURN``)."""

CONFIRM_ASKED = "<confirm>"
"""``Config.asked`` when the last question was the read-back."""

_OTHER = "<other>"  # a text value equal to no literal a condition compares with
_STATEFUL_SAYS = frozenset({"ask", "invalid", "confirm"})  # what is said that a turn remembers
# facts this module computes itself; every other fact a rule reads is a free input
_MODELLED = frozenset({
    "machine.state", "machine.card", "machine.terminal", "machine.fresh", "topic.active",
    "topic.active_done", "topic.active_oneshot", "topic.answered_expected",
    "counter.failed_attempts", "counter.unanswered", "turn.action_round",
})
_MODELLED_PREFIXES = ("field.", "input.", "invalid.", "corrected.", "action.", "verify.")


@dataclass(frozen=True, slots=True)
class Config:
    """Where a conversation with the card stands between two turns."""

    state: str
    fields: frozenset[str] = frozenset()  # the fields collected so far
    failed: int = 0  # counter.failed_attempts, saturated above the largest threshold read
    unanswered: int = 0  # counter.unanswered, saturated likewise
    asked: str = ""  # the field asked for last, CONFIRM_ASKED, or ""
    fresh: bool = False  # the topic starts with the next turn
    confirmed: bool = False  # verify.confirmed
    completed: bool = False  # the completing action step was passed
    previous: str = ""  # verify.previous (kept only when an invariant reads it)
    event: str = ""  # verify.event (likewise)


@dataclass(frozen=True, slots=True)
class Input:
    """What the customer says in one turn, abstractly."""

    facts: tuple[tuple[str, Scalar], ...] = ()  # free facts that differ from their default
    field: str = ""  # the field a value was given for
    valid: bool = True  # the value can be used (else it is refused: invalid.<field>)
    resume: bool = False  # the topic resumes after a digression (nothing new is said)

    def describe(self) -> str:
        parts = [f"{name}={_show(value)}" for name, value in self.facts]
        if self.field:
            parts.append(f"gives {self.field}" if self.valid else f"gives an unusable {self.field}")
        if self.resume:
            parts.append("comes back to the topic after a digression")
        return ", ".join(parts) or "says nothing that matters"


# ---------------------------------------------------------------------- the model


@dataclass
class Model:
    """A card with the rules that run with it, prepared for exploration."""

    machine: CompiledMachine
    engine: RuleEngine
    rules: tuple[Rule, ...]
    fixed: Facts  # facts constant for the business (business.has_human, ...)
    actions: Mapping[str, ActionSpec]
    max_rounds: int
    max_actions: int
    invariants: tuple[tuple[str, Condition], ...]
    domains: tuple[tuple[str, tuple[Scalar | None, ...]], ...]  # free facts and their values
    fields: tuple[str, ...]  # fields the customer may give
    tracked: frozenset[str]  # fields whose presence a rule, an action or an invariant reads
    prefill: tuple[str, ...]  # fields a new topic may start with
    collected: frozenset[str]  # fields some collect step asks for
    caps: dict[str, int]  # counter -> saturation value (0: not tracked)
    history: bool  # an invariant reads verify.previous / verify.event
    completing: int  # index of the last action step, -1 when none
    always: frozenset[str] = frozenset()  # free facts read whatever the machine's state
    by_state: dict[str, frozenset[str]] = field(default_factory=dict)  # free facts read there
    _read: tuple[str, ...] = ()
    _memo: dict[tuple[Scalar | None, ...], list[Rule]] = field(default_factory=dict)
    _prefixed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _inv_read: tuple[str, ...] = ()
    _inv_memo: dict[tuple[Scalar | None, ...], list[tuple[str, Condition]]] = field(
        default_factory=dict)

    @property
    def card(self) -> Card:
        return self.machine.card

    def match(self, facts: Facts) -> list[Rule]:
        """The engine's matches, remembered per value of the facts the rules read."""
        key = tuple(map(facts.get, self._read))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self.engine.match(facts)
        return found

    def index(self, state: str) -> int:
        return self.machine.states.index(state)

    def field_names(self, prefix: str) -> tuple[str, ...]:
        """``<prefix>.<field>`` for every field of the card (built once)."""
        names = self._prefixed.get(prefix)
        if names is None:
            names = self._prefixed[prefix] = tuple(f"{prefix}.{n}" for n in self.fields)
        return names

    def broken(self, facts: Facts) -> list[tuple[str, Condition]]:
        """The invariants that do not hold for ``facts``, remembered like matches."""
        key = tuple(map(facts.get, self._inv_read))
        found = self._inv_memo.get(key)
        if found is None:
            found = self._inv_memo[key] = [(n, c) for n, c in self.invariants
                                           if not c.evaluate(facts)]
        return found


def build_model(machine: CompiledMachine, engine: RuleEngine, rulesets: Sequence[RuleSet],
                fixed: Mapping[str, Scalar] | None = None,
                actions: Mapping[str, ActionSpec] = DEFAULT_ACTIONS,
                max_rounds: int = MAX_ROUNDS, max_actions: int = MAX_ACTIONS) -> Model:
    """Prepare ``machine`` and the rules of its card phase for exploration.

    ``engine`` must be compiled from ``rulesets`` (as ``engine.brain.Topic`` holds them);
    ``fixed`` are facts that do not vary within the business being checked.
    """
    card = machine.card
    names = [f.name for f in card.required_fields]
    schema = card_facts(names, card.allowed_actions)
    proof = invariant_facts(names, card.allowed_actions)
    rules = tuple(r for rs in rulesets for r in rs.rules)
    conditions = {r.name: engine.condition(r.name) for r in rules}
    invariants = tuple((inv.name, parse_condition(inv.holds, proof)) for inv in card.invariants)
    # the facts that can change a decision: those read by a rule that does more than word a
    # reply, and those an invariant reads
    relevant: dict[str, FactType] = {}
    literals: dict[str, set[Scalar]] = {}
    deciding = [conditions[r.name] for r in rules if any(
        not isinstance(c, Say) or c.kind in _STATEFUL_SAYS for c in r.then)]
    for cond in deciding + [c for _, c in invariants]:
        relevant.update(cond.types)
        _literals(cond.root, literals)
    fixed_facts = dict(fixed or {})
    free = sorted(n for n in relevant if n not in fixed_facts and n not in _MODELLED
                  and not n.startswith(_MODELLED_PREFIXES))
    domains = tuple((n, _domain(schema.get(n, relevant[n]), literals.get(n, set())))
                    for n in free)
    read = sorted({n for c in conditions.values() for n in c.names})
    # which free facts a turn can depend on, given the states it passes through
    free_set = set(free)
    always = {n for _, c in invariants for n in c.names} & free_set
    by_state: dict[str, set[str]] = {}
    for cond in deciding:
        reads = cond.names & free_set
        states = _guard(cond.root)
        if states is None:
            always |= reads
        else:
            for state in states:
                by_state.setdefault(state, set()).update(reads)
    needed = {n for a in card.allowed_actions if a in actions for n in actions[a].needs}
    tracked = frozenset(n for n in names if f"field.{n}" in relevant or n in needed
                        or any(s.kind == "collect" and s.field == n for s in card.steps))
    caps = {name: _cap(literals.get(name, set())) if name in relevant else 0
            for name in ("counter.failed_attempts", "counter.unanswered")}
    prefill = tuple(f.name for f in card.required_fields if f.name in tracked and (
        (f.from_opening and f.type == "text")
        or (f.name, f.type) in (("name", "person_name"), ("phone", "phone"))))
    steps = card.steps
    completing = max((i for i, s in enumerate(steps) if s.kind == "action"), default=-1)
    return Model(
        machine=machine, engine=engine, rules=rules, fixed=fixed_facts, actions=actions,
        max_rounds=max_rounds, max_actions=max_actions, invariants=invariants,
        domains=domains, fields=tuple(names), tracked=tracked, prefill=prefill,
        collected=frozenset(s.field for s in steps if s.kind == "collect" and s.field),
        caps=caps, history=any(c.names & {"verify.previous", "verify.event"}
                               for _, c in invariants),
        completing=completing, always=frozenset(always),
        by_state={k: frozenset(v) for k, v in by_state.items()}, _read=tuple(read),
        _inv_read=tuple(sorted({n for _, c in invariants for n in c.names})),
    )


def _literals(node: Expr, into: dict[str, set[Scalar]]) -> None:
    if isinstance(node, Compare):
        into.setdefault(node.name, set()).add(node.value)
    elif isinstance(node, Member):
        into.setdefault(node.name, set()).update(node.values)
    elif isinstance(node, Not):
        _literals(node.operand, into)
    elif isinstance(node, And | Or):
        for o in node.operands:
            _literals(o, into)


def _guard(node: Expr) -> set[str] | None:
    """The machine states a condition can hold in, when a top-level conjunct says so."""
    parts = node.operands if isinstance(node, And) else (node,)
    states: set[str] | None = None
    for part in parts:
        found: set[str] | None = None
        if isinstance(part, Compare) and part.name == "machine.state" and part.op == "==":
            found = {str(part.value)}
        elif isinstance(part, Member) and part.name == "machine.state":
            found = {str(v) for v in part.values}
        if found is not None:
            states = found if states is None else states & found
    return states


def _domain(kind: FactType, literals: set[Scalar]) -> tuple[Scalar | None, ...]:
    """A few values of a free fact that together decide every comparison made with it."""
    if kind is FactType.BOOL:
        return (False, True)
    if kind is FactType.STR:
        texts = sorted(str(v) for v in literals)
        return (None, *texts, _OTHER)
    numbers = sorted({float(v) if kind is FactType.FLOAT else int(v) for v in literals} | {0})
    points: set[Scalar] = set()
    for v in numbers:
        points.update({v - 1, v, v + 1})
    return tuple(sorted(points))


def _cap(literals: set[Scalar]) -> int:
    """Counting up to this value decides every comparison a condition makes with a counter."""
    return max((int(v) for v in literals), default=0) + 1


def _show(value: Scalar | None) -> str:
    if value is None:
        return "absent"
    return str(value).lower() if isinstance(value, bool) else str(value)


# ---------------------------------------------------------------------- inputs


def initial_configs(model: Model) -> list[Config]:
    """A new topic: its first step, with any subset of the fields it can start with."""
    start = model.machine.initial
    out = []
    for size in range(len(model.prefill) + 1):
        for chosen in itertools.combinations(model.prefill, size):
            out.append(Config(state=start, fields=frozenset(chosen), fresh=True))
    return out


__all__ = [
    "CONFIRM_ASKED", "MAX_ACTIONS", "MAX_ROUNDS", "Config", "Input", "Model", "build_model",
    "initial_configs",
]
