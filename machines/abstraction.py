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
from typing import TYPE_CHECKING

from rules.condition import And, Compare, Condition, Expr, Member, Not, Or, parse_condition
from rules.engine import RuleEngine
from rules.fixpoint import MAX_ROUNDS
from rules.ir import (
    Consequence,
    Emit,
    Escalate,
    Facts,
    FactType,
    Plan,
    Rule,
    RuleSet,
    Say,
    Scalar,
    Set,
)

from .card import Card
from .compile import CompiledMachine
from .facts import RAN, card_facts, invariant_facts
from .registry import DEFAULT_ACTIONS, ActionSpec, claims

if TYPE_CHECKING:
    from .trace import Outcome

MAX_ACTIONS = 8
"""Actions one turn may run (as ``engine.desk.MAX_ACTIONS_PER_TURN``)."""

CONFIRM_ASKED = "<confirm>"
"""``Config.asked`` when the last question was the read-back."""

_OTHER = "<other>"  # a text value equal to no literal a condition compares with
_STATEFUL_SAYS = frozenset({"ask", "invalid", "confirm"})  # what is said that a turn remembers
# facts this module computes itself; every other fact a rule reads is a free input
_MODELLED = frozenset(
    {
        "machine.state",
        "machine.card",
        "machine.terminal",
        "machine.fresh",
        "topic.active",
        "topic.active_done",
        "topic.active_oneshot",
        "topic.answered_expected",
        "counter.failed_attempts",
        "counter.unanswered",
        "turn.action_round",
    }
)
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
    ran: frozenset[str] = frozenset()  # tracked actions that succeeded in this topic
    skipped: tuple[str, str] | tuple[()] = ()  # a read-back passed by (step, rule), until
    # an action runs after it (confirm_skipped), it is confirmed, or the conversation goes back
    stale: frozenset[str] = frozenset()  # actions that failed, with nothing changed since
    _hash: int = field(default=0, init=False, compare=False, repr=False)  # configs are keys

    def __hash__(self) -> int:
        if not self._hash:
            object.__setattr__(
                self,
                "_hash",
                hash(
                    (
                        self.state,
                        self.fields,
                        self.failed,
                        self.unanswered,
                        self.asked,
                        self.fresh,
                        self.confirmed,
                        self.completed,
                        self.previous,
                        self.event,
                        self.ran,
                        self.skipped,
                        self.stale,
                    )
                )
                or 1,
            )
        return self._hash


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
    completing: int  # index of the last action step (else say step), -1 when none
    claims: dict[str, str] = field(default_factory=dict)  # reply item -> the commit saying it
    commits: frozenset[str] = frozenset()  # committing actions confirm_before does not list
    exempt: frozenset[str] = frozenset()  # committing actions that run once without a yes
    known: frozenset[str] = frozenset()  # fields the topic always starts with (from_opening)
    offered: dict[str, frozenset[str]] = field(default_factory=dict)  # choice -> its offers
    drops: dict[str, tuple[str, ...]] = field(default_factory=dict)  # action -> choices reset
    ran_tracked: frozenset[str] = frozenset()  # actions whose success Config.ran records
    results: frozenset[str] = frozenset()  # actions one of which a completed topic must have
    # run: its committing actions, or (committing nothing) all its actions
    retry: dict[str, frozenset[str]] = field(default_factory=dict)  # action -> retry_after
    unread: frozenset[str] = frozenset()  # fields whose value no rule or invariant reads
    steps_of: dict[str, frozenset[str]] = field(default_factory=dict)  # field -> its steps
    # (fields whose refusal only the rules of those steps read)
    always: frozenset[str] = frozenset()  # free facts read whatever the machine's state
    by_state: dict[str, frozenset[str]] = field(default_factory=dict)  # free facts read there
    base: tuple[Config, Facts] | None = None  # the facts turns from one config start with
    emits: dict[str, str | None] = field(default_factory=dict)  # rule -> the event it emits
    sets: dict[str, tuple[Set, ...]] = field(default_factory=dict)  # rule -> facts it sets
    acts: dict[str, tuple[Consequence, ...]] = field(default_factory=dict)  # rule -> the rest
    # what the explorer already holds, so a turn need not record it again: findings by
    # (kind, key), and rules whose event won, or lost once (the first loss is the shortest)
    found: set[tuple[str, str]] = field(default_factory=set)
    settled_rules: set[str] = field(default_factory=set)
    turns: dict[tuple[object, ...], list[Outcome]] = field(default_factory=dict)  # taken
    # take every turn, skipping none that another would repeat (the exploration is the same,
    # only slower: tests/machines/test_explore.py holds the two to one another)
    shortcuts: bool = True
    _read: tuple[str, ...] = ()
    _read_in: dict[str, tuple[str, ...]] = field(default_factory=dict)  # state -> names read
    _memo_in: dict[str, dict[tuple[Scalar | None, ...], list[Rule]]] = field(default_factory=dict)
    _prefixed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _inv_read: tuple[str, ...] = ()  # the facts invariants read, but verify.*
    _inv_history: tuple[str, ...] = ()  # the verify.* facts they read
    _inv_memo: dict[
        tuple[tuple[Scalar | None, ...], tuple[Scalar | None, ...]], list[tuple[str, Condition]]
    ] = field(default_factory=dict)

    @property
    def card(self) -> Card:
        return self.machine.card

    def match(self, facts: Facts) -> list[Rule]:
        """The engine's matches, remembered per machine state and value of the facts read
        by the rules that can hold in that state (a rule whose condition requires another
        state cannot match, whatever the facts it reads)."""
        state = str(facts["machine.state"])
        read = self._read_in.get(state)
        if read is None:
            read = self._read
        memo = self._memo_in.setdefault(state, {})
        key = tuple(map(facts.get, read))
        found = memo.get(key)
        if found is None:
            found = memo[key] = self.engine.match(facts)
        return found

    def index(self, state: str) -> int:
        return self.machine.states.index(state)

    def field_names(self, prefix: str) -> tuple[str, ...]:
        """``<prefix>.<field>`` for every field of the card (built once)."""
        names = self._prefixed.get(prefix)
        if names is None:
            names = self._prefixed[prefix] = tuple(f"{prefix}.{n}" for n in self.fields)
        return names

    def broken(self, facts: Facts, history: Facts) -> list[tuple[str, Condition]]:
        """The invariants that do not hold for ``facts`` and the ``verify.*`` facts in
        ``history``, remembered like matches."""
        key = (tuple(map(facts.get, self._inv_read)), tuple(map(history.get, self._inv_history)))
        found = self._inv_memo.get(key)
        if found is None:
            both = facts | history
            found = self._inv_memo[key] = [
                (n, c) for n, c in self.invariants if not c.evaluate(both)
            ]
        return found


def build_model(
    machine: CompiledMachine,
    engine: RuleEngine,
    rulesets: Sequence[RuleSet],
    fixed: Mapping[str, Scalar] | None = None,
    actions: Mapping[str, ActionSpec] = DEFAULT_ACTIONS,
    max_rounds: int = MAX_ROUNDS,
    max_actions: int = MAX_ACTIONS,
) -> Model:
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
    deciding = [
        conditions[r.name]
        for r in rules
        if any(not isinstance(c, Say) or c.kind in _STATEFUL_SAYS for c in r.then)
    ]
    for cond in deciding + [c for _, c in invariants]:
        relevant.update(cond.types)
        _literals(cond.root, literals)
    fixed_facts = dict(fixed or {})
    free = sorted(
        n
        for n in relevant
        if n not in fixed_facts and n not in _MODELLED and not n.startswith(_MODELLED_PREFIXES)
    )
    domains = tuple((n, _domain(schema.get(n, relevant[n]), literals.get(n, set()))) for n in free)
    read = sorted({n for c in conditions.values() for n in c.names})
    guards = {name: _guard(c.root) for name, c in conditions.items()}
    read_in = {
        state: tuple(
            sorted(
                {
                    n
                    for name, c in conditions.items()
                    if guards[name] is None or state in guards[name]  # type: ignore[operator]
                    for n in c.names
                }
                | {"machine.state"}
            )
        )
        for state in machine.states
    }
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
    tracked = frozenset(
        n
        for n in names
        if f"field.{n}" in relevant
        or n in needed
        or any(s.kind == "collect" and s.field == n for s in card.steps)
    )
    caps = {
        name: _cap(literals.get(name, set())) if name in relevant else 0
        for name in ("counter.failed_attempts", "counter.unanswered")
    }
    prefill = tuple(
        f.name
        for f in card.required_fields
        if f.name in tracked
        and (
            (f.from_opening and f.type == "text")
            or (f.name, f.type) in (("name", "person_name"), ("phone", "phone"))
        )
    )
    steps = card.steps
    # the step that does what the card is for: its last action, else its last say step
    completing = max((i for i, s in enumerate(steps) if s.kind == "action"), default=-1)
    if completing < 0:
        completing = max((i for i, s in enumerate(steps) if s.kind == "say"), default=-1)
    allowed = [actions[a] for a in card.allowed_actions if a in actions]
    exempt = {e.action for e in card.confirm_exempt}
    # a choice field lists the options some allowed action offers; a new offer replaces the
    # last one, so a choice made from it is made again (engine.turn._drop_stale_choices)
    offered = {
        f.name: frozenset(a.name for a in allowed if a.offers == _offer_type(f.type))
        for f in card.required_fields
        if _offer_type(f.type) and any(s.kind == "collect" and s.field == f.name for s in steps)
    }
    drops = {
        a.name: tuple(
            f.name
            for f in card.required_fields
            if f.type == a.offers and f.type == "offered_slot" and f.name in tracked
        )
        for a in allowed
        if a.offers
    }
    results = frozenset(a.name for a in allowed if a.commits) or frozenset(a.name for a in allowed)
    ran_tracked = {a for names in offered.values() for a in names} | results
    ran_tracked |= {
        n.removeprefix(RAN) for _, c in invariants for n in c.names if n.startswith(RAN)
    }
    inv_names = {n for _, c in invariants for n in c.names}
    collected = frozenset(s.field for s in steps if s.kind == "collect" and s.field)
    unread = frozenset(
        n
        for n in names
        if n not in tracked
        and not any(f"{p}.{n}" in relevant for p in ("field", "input", "corrected", "invalid"))
    )
    steps_of: dict[str, frozenset[str]] = {}
    for n in names:  # the states whose rules read the refusal of a collected field
        readers = [guards[r.name] for r in rules if f"invalid.{n}" in conditions[r.name].names]
        if (
            n in collected
            and f"invalid.{n}" not in inv_names
            and all(g is not None for g in readers)
        ):
            steps_of[n] = frozenset(x for g in readers if g is not None for x in g)
    return Model(
        machine=machine,
        engine=engine,
        rules=rules,
        fixed=fixed_facts,
        actions=actions,
        max_rounds=max_rounds,
        max_actions=max_actions,
        invariants=invariants,
        domains=domains,
        fields=tuple(names),
        tracked=tracked,
        prefill=prefill,
        collected=collected,
        caps=caps,
        history=any(c.names & {"verify.previous", "verify.event"} for _, c in invariants),
        completing=completing,
        claims=claims(actions),
        commits=frozenset(
            a.name
            for a in allowed
            if a.commits and a.name not in exempt and a.name not in card.confirm_before
        ),
        exempt=frozenset(a.name for a in allowed if a.commits and a.name in exempt),
        known=frozenset(
            f.name for f in card.required_fields if f.from_opening and f.type == "text"
        ),
        offered=offered,
        drops={k: v for k, v in drops.items() if v},
        ran_tracked=frozenset(ran_tracked),
        results=results,
        retry={a.name: frozenset(a.retry_after) for a in allowed if a.retry_after},
        unread=unread,
        steps_of=steps_of,
        always=frozenset(always),
        by_state={k: frozenset(v) for k, v in by_state.items()},
        emits={r.name: next((c.event for c in r.then if isinstance(c, Emit)), None) for r in rules},
        sets={r.name: tuple(c for c in r.then if isinstance(c, Set)) for r in rules},
        acts={
            r.name: tuple(c for c in r.then if isinstance(c, Say | Escalate | Plan)) for r in rules
        },
        _read=tuple(read),
        _read_in=read_in,
        _inv_read=tuple(sorted(n for n in inv_names if not n.startswith("verify."))),
        _inv_history=tuple(sorted(n for n in inv_names if n.startswith("verify."))),
    )


def _offer_type(kind: str) -> str:
    """The type of option an action must offer for a field of type ``kind`` ("" if none)."""
    return kind if kind in ("offered_slot", "choice") else ""


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
    "CONFIRM_ASKED",
    "MAX_ACTIONS",
    "MAX_ROUNDS",
    "Config",
    "Input",
    "Model",
    "build_model",
    "initial_configs",
]
