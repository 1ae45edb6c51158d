"""Model checking a card: every reachable conversation, or the shortest one that goes wrong.

:func:`verify` explores, breadth first, every configuration (machine state, collected
fields, counters, what was asked last: ``machines.abstraction``) that abstract customer
inputs (``machines.explore``) can reach through the card's real machine and compiled
rules (``machines.abstract_turn``), and checks:

* in every turn — no action runs before the fields it needs are collected
  (``action_before_fields``); every field an action needs is asked by some step or known
  from the opening message (``field_never_asked``); a ``confirm_before`` action runs only
  after a fresh yes (``action_unconfirmed``), and so does every action the registry says
  commits, unless the card exempts it, and then once (``commit_unconfirmed``); a yes
  agrees to one commit; a read-back passed by is a fault once an action it guards runs
  (``confirm_skipped``); a "no" and a failed action never move forward
  (``deny_moves_forward``, ``failure_moves_forward``), and a "no" never brings back the
  same read-back (``deny_ignored``); ``done`` only after the completing step did its work,
  or, skipped, after the card committed something (``done_without_action``); only an
  action's success says what a commit did (``claim_without_commit``); a choice among
  options is asked for only after an action offered them in the topic
  (``choice_before_options``); an action that failed does not run again before a field
  that could help changed (``retry_unchanged``); no rules of equal salience emit
  different events (``salience_tie``); the rules reach a fixpoint within the rounds and
  actions a turn may take (``rule_cycle``); no rule emits an event the machine refuses
  (``refused_event``); the card's ``invariants`` hold whenever facts change
  (``invariant``);
* over the whole graph — every state is entered (``unreachable_state``); from every
  configuration a conversation can rest in, ``done`` (``dead_end``) and ``escalated``
  (``escalation_unreachable``) can still be reached; every collect step asks its question
  in some conversation (``step_never_asks``); no rule's event is overridden by a
  different event every time it matches (``contradictory_rules``); every ``skip_if`` and
  ``auto_escalate_if`` the card writes holds in some conversation
  (``condition_never_holds``); every action the card allows runs in some conversation
  (``action_never_runs``); no cycle of turns that each end in a failure (a value refused,
  an action failed) avoids the handover (``failure_unbounded``).

Breadth first means the first conversation that breaks a check is a shortest one (in
turns); it is the counterexample (``machines.trace``). A card whose space exceeds
``max_states`` stops with :class:`StateLimitExceeded` naming the bound instead of running
on. A "resting" configuration is one a conversation waits in between turns; a new topic
always takes its first turn, so its starting point is not one. Pure: the caller measures
time.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rules.condition import And, Compare, Expr, Member, Not, Or
from rules.engine import RuleEngine, compile_rules
from rules.errors import FrontdeskError
from rules.ir import RuleSet, Scalar
from rules.policies import DEFAULT_POLICY, PolicySettings, guardrails_policy

from .abstraction import MAX_ACTIONS, MAX_ROUNDS, Config, Model, build_model, initial_configs
from .card import TERMINAL_STATES, Card
from .checks import did_you_mean
from .compile import CompiledMachine, compile_card
from .explore import turns
from .facts import card_facts
from .registry import DEFAULT_ACTIONS, ActionSpec, offer_states
from .rulegen import card_rules
from .trace import Finding, Loss, Trace, format_counterexample, retold, trace_dict

DEFAULT_MAX_STATES = 50_000
"""Configurations explored per card before giving up (``frontdesk verify --max-states``)."""

_POLICY_EXITS = frozenset({"escalated", "abandoned"})
"""Terminal states a card need not reach by itself: escalation has its own check (from
every state a conversation rests in), and abandoning takes only a goodbye."""

KINDS: dict[str, str] = {
    "unreachable_state": "a state no conversation ever enters",
    "dead_end": "a step from which the card can never complete",
    "escalation_unreachable": "a step from which no conversation reaches escalation",
    "action_before_fields": "an action runs before the fields it needs are collected",
    "field_never_asked": "an action the card confirms needs a field no step asks for",
    "step_never_asks": "a collect step never asks its question",
    "action_unconfirmed": "an action the card confirms runs without a fresh yes",
    "confirm_skipped": "a confirm step is passed without a read-back",
    "deny_moves_forward": "a 'no' to a read-back moves the conversation forward",
    "failure_moves_forward": "a failed action moves the conversation forward",
    "done_without_action": "the card completes without its completing action succeeding",
    "contradictory_rules": "a rule's event is overridden by a different event every time",
    "salience_tie": "rules of equal salience emit different events from the same facts",
    "rule_cycle": "the rules do not reach a fixpoint in one turn",
    "invariant": "an invariant of the card does not hold",
    "condition_never_holds": "a skip_if or auto_escalate_if condition never holds",
    "refused_event": "a rule emits an event the machine refuses",
    "claim_without_commit": "a reply claims a commit (booked...) that no action's success made",
    "commit_unconfirmed": "a committing action runs without a yes that confirm_before missed",
    "action_never_runs": "an action the card allows never runs in any conversation",
    "choice_before_options": "a choice is asked for before anything was offered to choose from",
    "failure_unbounded": "failures can repeat for ever without a handover",
    "retry_unchanged": "a failed action runs again with nothing changed that could help",
    "deny_ignored": "a 'no' to the read-back brings back the same read-back",
    "unverified_lookup": "appointments are looked up, moved or cancelled for an unproven number",
}
"""Every kind of violation, with what it means."""


class StateLimitExceeded(FrontdeskError):
    """A card's state space is larger than the bound it was given."""

    def __init__(self, card: str, limit: int, transitions: int) -> None:
        self.card = card
        self.limit = limit
        self.transitions = transitions
        super().__init__(card, limit, transitions)

    def __str__(self) -> str:
        return (
            f"card '{self.card}': more than {self.limit} states (the bound --max-states "
            f"{self.limit}) after {self.transitions} transitions; not proven — raise the "
            "bound or split the card"
        )


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str
    message: str
    counterexample: tuple[Trace, ...]  # the shortest conversation that shows it

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "counterexample": [
                trace_dict(n, s) for n, s in enumerate(self.counterexample, start=1)
            ],
        }


@dataclass(frozen=True, slots=True)
class Report:
    card: str
    states: int  # configurations reached
    transitions: int  # turns explored (one per input and sequence of action results)
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        return {
            "card": self.card,
            "states": self.states,
            "transitions": self.transitions,
            "ok": self.ok,
            "violations": [v.to_dict() for v in self.violations],
        }


def card_rulesets(card: Card, policy: PolicySettings = DEFAULT_POLICY) -> tuple[RuleSet, ...]:
    """The rules of a card's phase of a turn: its generated rules and the guardrails."""
    return (card_rules(card), guardrails_policy(policy, offer_states(card)))


def compile_subject(
    card: Card, policy: PolicySettings = DEFAULT_POLICY, backend: str = "durable"
) -> tuple[CompiledMachine, RuleEngine, tuple[RuleSet, ...]]:
    """A card's machine and compiled rules, built the way ``engine.brain.Brain`` builds them."""
    rulesets = card_rulesets(card, policy)
    schema = card_facts([f.name for f in card.required_fields], card.allowed_actions)
    return compile_card(card), compile_rules(rulesets, schema, backend=backend), rulesets


def verify(
    machine: CompiledMachine,
    engine: RuleEngine,
    rulesets: Sequence[RuleSet],
    *,
    fixed: Mapping[str, Scalar] | None = None,
    actions: Mapping[str, ActionSpec] = DEFAULT_ACTIONS,
    max_states: int = DEFAULT_MAX_STATES,
    max_rounds: int = MAX_ROUNDS,
    max_actions: int = MAX_ACTIONS,
    first: bool = False,
) -> Report:
    """Explore every configuration of ``machine`` under ``engine`` and check it.

    ``engine`` is compiled from ``rulesets`` (the card's rules and the business's
    guardrails); ``fixed`` holds facts constant for the business (``business.has_human``).
    Raises :class:`StateLimitExceeded` past ``max_states`` configurations. With ``first``
    the exploration stops at the first violation found in a turn (a shortest one of its
    kind), for callers that only ask *whether* a card is sound; the checks of the whole
    graph run only when no turn broke one.
    """
    model = build_model(machine, engine, rulesets, fixed, actions, max_rounds, max_actions)
    # The exploration makes millions of small objects and keeps many of them, which makes
    # the cycle collector rescan an ever larger heap (a third of the time); what it makes
    # holds no reference cycles, so reference counting frees it and the collector can rest.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Explorer(model, max_states, first).run()
    finally:
        if collecting:
            gc.enable()


# ---------------------------------------------------------------------- exploration


class _Explorer:
    def __init__(self, model: Model, max_states: int, first: bool = False) -> None:
        self.model = model
        self.max_states = max_states
        self.first = first
        self.parent: dict[Config, tuple[Config, Trace] | None] = {}
        self.depth: dict[Config, int] = {}
        self.edges: dict[Config, set[Config]] = {}
        self.transitions = 0
        self.found: dict[tuple[str, str], tuple[Config, Finding]] = {}
        self.entered: dict[str, tuple[Config, Trace] | None] = {}
        self.asked: set[str] = set()
        self.won: set[str] = set()
        self.lost: dict[str, tuple[Config, Loss]] = {}
        self.held: set[str] = set()
        self.planned: set[str] = set()
        self.failing: dict[Config, dict[Config, Trace]] = {}  # failed turns between resting

    def run(self) -> Report:
        queue: deque[Config] = deque()
        for config in initial_configs(self.model):
            self.parent[config] = None
            self.depth[config] = 0
            self.entered.setdefault(config.state, None)
            queue.append(config)
        while queue:
            config = queue.popleft()
            for out in turns(self.model, config):
                self.transitions += 1
                for f in out.findings:
                    if (f.kind, f.key) not in self.found:
                        self.found[(f.kind, f.key)] = (
                            config,
                            replace(f, trace=retold(f.trace, out.input)),
                        )
                        self.model.found.add((f.kind, f.key))
                if self.first and self.found:
                    queue.clear()
                    break
                for state in out.entered:
                    if state not in self.entered:
                        self.entered[state] = (config, out.step)
                self.asked |= out.asked
                self.won |= out.won
                self.held |= out.held
                for loss in out.lost:
                    if loss.rule not in self.lost:
                        self.lost[loss.rule] = (
                            config,
                            replace(loss, trace=retold(loss.trace, out.input)),
                        )
                self.model.settled_rules |= out.won
                self.model.settled_rules.update(loss.rule for loss in out.lost)
                self.planned.update(a for a, _ in out.trace.actions)
                if out.end is None:
                    continue
                if out.failed and out.end.state not in TERMINAL_STATES:
                    into = self.failing.setdefault(config, {})
                    if out.end not in into:
                        into[out.end] = out.step
                self.edges.setdefault(config, set()).add(out.end)
                if out.end in self.parent:
                    continue
                if len(self.parent) >= self.max_states:
                    raise StateLimitExceeded(self.model.card.id, self.max_states, self.transitions)
                self.parent[out.end] = (config, out.step)
                self.depth[out.end] = self.depth[config] + 1
                if out.end.state not in TERMINAL_STATES:
                    queue.append(out.end)
        violations: tuple[Violation, ...]
        if self.first and self.found:
            c, f = next(iter(self.found.values()))
            violations = (Violation(f.kind, f.message, tuple(self.path(c) + [f.trace])),)
        else:
            violations = tuple(self.violations())
        return Report(
            card=self.model.card.id,
            states=len(self.parent),
            transitions=self.transitions,
            violations=violations,
        )

    def path(self, config: Config) -> list[Trace]:
        steps: list[Trace] = []
        link = self.parent[config]
        while link is not None:
            config, step = link
            steps.append(step)
            link = self.parent[config]
        return steps[::-1]

    # ------------------------------------------------------------------ checks

    def violations(self) -> list[Violation]:
        out = [
            Violation(f.kind, f.message, tuple(self.path(c) + [f.trace]))
            for c, f in self.found.values()
        ]
        out += self.unreachable()
        if "done" in self.entered:  # else 'done' is unreachable, which says it all
            out += self.stuck(
                "done",
                "dead_end",
                "step '{state}' is a dead end: once a conversation rests there "
                "(as below), no sequence of inputs completes the card; only "
                "escalation or abandoning leaves it",
            )
        out += self.stuck(
            "escalated",
            "escalation_unreachable",
            "escalation is unreachable from step '{state}': once a conversation "
            "rests there (as below), no sequence of inputs hands it to a human",
        )
        out += self.never_asked()
        out += self.overridden()
        out += self.never_holds()
        out += self.never_runs()
        out += self.endless_failure()
        order = list(KINDS)
        return sorted(out, key=lambda v: (order.index(v.kind), len(v.counterexample), v.message))

    def unreachable(self) -> list[Violation]:
        machine = self.model.machine
        out = []
        for state in machine.states:
            if state in self.entered or state in _POLICY_EXITS:
                continue
            into = sorted(
                {t.source for t in machine.transitions if t.target == state and t.source != state}
            )
            lead = "leads" if len(into) == 1 else "lead"
            how = f" (only {', '.join(repr(s) for s in into)} {lead} there)" if into else ""
            out.append(
                Violation(
                    "unreachable_state",
                    f"state '{state}' is never entered by any conversation{how}",
                    (),
                )
            )
        return out

    def stuck(self, goal: str, kind: str, message: str) -> list[Violation]:
        """Resting configurations from which ``goal`` cannot be reached, one per state."""
        reverse: dict[Config, list[Config]] = {}
        for source, targets in self.edges.items():
            for target in targets:
                reverse.setdefault(target, []).append(source)
        can = {c for c in self.parent if c.state == goal}
        todo = list(can)
        while todo:
            for source in reverse.get(todo.pop(), ()):
                if source not in can:
                    can.add(source)
                    todo.append(source)
        worst: dict[str, Config] = {}
        for config in self.parent:
            if config.state in TERMINAL_STATES or config.fresh or config in can:
                continue  # a new topic always takes its first turn: it does not rest there
            worst.setdefault(config.state, config)  # the first found is a nearest one
        states = self.model.machine.states
        return [
            Violation(kind, message.format(state=state), tuple(self.path(config)))
            for state, config in sorted(worst.items(), key=lambda kv: states.index(kv[0]))
        ]

    def never_asked(self) -> list[Violation]:
        out = []
        for step in self.model.card.steps:
            if step.kind != "collect" or step.field in self.asked:
                continue
            link = self.entered.get(step.id)
            if step.id not in self.entered:
                continue  # reported as unreachable
            path = [] if link is None else self.path(link[0]) + [link[1]]
            out.append(
                Violation(
                    "step_never_asks",
                    f"step '{step.id}' never asks for '{step.field}': every conversation passes "
                    "it without putting its question",
                    tuple(path),
                )
            )
        return out

    def overridden(self) -> list[Violation]:
        out = []
        for rule, (config, loss) in sorted(self.lost.items()):
            if rule in self.won:
                continue
            out.append(
                Violation(
                    "contradictory_rules",
                    f"rule {rule} emits '{loss.event}', but whenever it matches a rule emits a "
                    f"different event from the same facts (first {loss.winner}: "
                    f"'{loss.winner_event}'), so '{loss.event}' can never happen there",
                    tuple(self.path(config) + [loss.trace]),
                )
            )
        return out

    def never_runs(self) -> list[Violation]:
        """Actions the card allows that no conversation runs (a step deleted or skipped)."""
        return [
            Violation(
                "action_never_runs",
                f"action '{action}' is in allowed_actions but no conversation runs it"
                " (no step runs it, or every conversation passes that step by)",
                (),
            )
            for action in self.model.card.allowed_actions
            if action not in self.planned
        ]

    def endless_failure(self) -> list[Violation]:
        """A cycle of failed turns (a value refused, an action failing) between resting
        configurations: the counters that should hand the conversation over come back to
        where they were, so the failures can go on for ever. The nearest one is shown."""
        cyclic = _cyclic(self.failing)
        if not cyclic:
            return []
        start = next(c for c in self.parent if c in cyclic)  # breadth first: a nearest one
        lap = _shortest_cycle(self.failing, start, cyclic)
        states = " -> ".join([start.state] + [t.end for t in lap])
        return [
            Violation(
                "failure_unbounded",
                f"failures never end in a handover: from step '{start.state}' the last "
                f"{len(lap)} turn(s) below ({states}), each with a refused value or a failed "
                "action, can repeat for ever — they leave the failure counters where they found "
                "them, so no escalation ever fires",
                tuple(self.path(start) + lap),
            )
        ]

    def never_holds(self) -> list[Violation]:
        """Conditions the card's author wrote (skip_if, auto_escalate_if) that never hold."""
        card, model = self.model.card, self.model
        written = [
            (f"{card.id}.{s.id}.skip", f"skip_if of step '{s.id}'", s.skip_if)
            for s in card.steps
            if s.skip_if
        ]
        written += [
            (f"{card.id}.escalate.{i}", f"auto_escalate_if #{i}", e.when)
            for i, e in enumerate(card.auto_escalate_if, start=1)
        ]
        names = {r.name for r in model.rules}
        out = []
        for rule, what, text in written:
            if rule not in names or rule in self.held:
                continue
            out.append(
                Violation(
                    "condition_never_holds",
                    f"{what} ({text!r}) never holds in any conversation{self.state_hint(rule)}",
                    (),
                )
            )
        return out

    def state_hint(self, rule: str) -> str:
        states = self.model.machine.states
        for name, values in _state_literals(self.model.engine.condition(rule).root):
            for value in values:
                if value not in states:
                    close = did_you_mean(str(value), states)
                    return (
                        f"; it compares {name} with '{value}', which is no state of the card{close}"
                    )
        return ""


def _cyclic(graph: Mapping[Config, Mapping[Config, Trace]]) -> set[Config]:
    """The nodes of ``graph`` that lie on a cycle (Tarjan's strongly connected components,
    iteratively: a component with two nodes or a self-loop is a cycle)."""
    index: dict[Config, int] = {}
    low: dict[Config, int] = {}
    on_stack: set[Config] = set()
    stack: list[Config] = []
    out: set[Config] = set()
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[Config, Any]] = [(root, iter(graph.get(root, {})))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, {}))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, {}):
                    out.update(component)
    return out


def _shortest_cycle(
    graph: Mapping[Config, Mapping[Config, Trace]], start: Config, within: set[Config]
) -> list[Trace]:
    """The turns of a shortest cycle from ``start`` back to it, breadth first."""
    back: dict[Config, tuple[Config, Trace]] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt, trace in graph.get(node, {}).items():
            if nxt not in within:
                continue
            if nxt == start:
                lap = [trace]
                while node != start:
                    node, step = back[node]
                    lap.append(step)
                return lap[::-1]
            if nxt not in back:
                back[nxt] = (node, trace)
                queue.append(nxt)
    raise AssertionError("start lies on no cycle")  # _cyclic said it does


def _state_literals(node: Expr) -> list[tuple[str, tuple[Scalar, ...]]]:
    if isinstance(node, Compare) and node.name == "machine.state":
        return [(node.name, (node.value,))]
    if isinstance(node, Member) and node.name == "machine.state":
        return [(node.name, node.values)]
    if isinstance(node, Not):
        return _state_literals(node.operand)
    if isinstance(node, And | Or):
        return [x for o in node.operands for x in _state_literals(o)]
    return []


__all__ = [
    "DEFAULT_MAX_STATES",
    "KINDS",
    "Report",
    "StateLimitExceeded",
    "Violation",
    "card_rulesets",
    "compile_subject",
    "format_counterexample",
    "verify",
]
