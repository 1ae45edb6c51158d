"""The scratchpad of one ``decide`` call: rounds of rules, the machine, planned actions.

A :class:`Turn` lives only inside one ``decide`` call. It drives the round loop of
``rules.fixpoint``: it records each round in the trace, applies its consequences with the
salience discipline (the first rule to set a fact or emit an event wins), fires machine
events, and consumes recorded action results in order; an action without a result yet
stops the call with :class:`NeedAction`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from language.types import PlanItem, Slot, Understanding
from machines.card import TERMINAL_STATES, VERIFY_ACTIONS, Card
from machines.errors import TransitionRefused
from rules.engine import RuleEngine
from rules.errors import FrontdeskError
from rules.fixpoint import MAX_ROUNDS, Step, resolve_ref, run_rounds
from rules.ir import Emit, Escalate, Facts, Plan, Rule, Say, Set

from . import replyplan
from .actions_args import action_call, escalate_call
from .brain import Brain, Topic
from .state import (
    ActionCall,
    ActionResult,
    ConversationState,
    FiringRecord,
    Snapshot,
    TopicState,
    TopicSwitch,
    TransitionRecord,
)


class ReplayMismatch(FrontdeskError):
    """A recorded action result does not answer the action this decision planned."""


def _describe(c: object) -> str:
    if isinstance(c, Emit):
        return f"emit {c.event}"
    if isinstance(c, Set):
        return f"set {c.name} = {c.value}"
    if isinstance(c, Plan):
        return f"plan {c.action}"
    if isinstance(c, Escalate):
        return f"escalate: {c.reason}"
    if isinstance(c, Say):
        return f"say {c.kind}{' ' + c.arg if c.arg else ''}"
    return repr(c)


class NeedAction(Exception):
    def __init__(self, call: ActionCall) -> None:
        self.call = call


@dataclass
class Turn:
    """The mutable scratchpad of one decide call (never escapes it)."""

    brain: Brain
    snap: Snapshot
    und: Understanding
    now: datetime
    results: tuple[ActionResult, ...]
    state: ConversationState
    facts: Facts
    lang: str
    said: list[tuple[Say, str]] = field(default_factory=list)  # (say, card at the time)
    items: list[PlanItem] = field(default_factory=list)
    firings: list[FiringRecord] = field(default_factory=list)
    transitions: list[TransitionRecord] = field(default_factory=list)
    switches: list[TopicSwitch] = field(default_factory=list)
    actions: list[ActionCall] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    used: int = 0  # results consumed
    start_asked: str = ""
    superseded: set[tuple[str, int]] = field(default_factory=set)  # (rule, consequence)
    rejected: dict[str, str] = field(default_factory=dict)  # field → the value refused
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field → ids to ask about

    # ------------------------------------------------------------------ rounds

    def record(self, phase: str, rnd: int, rules: list[Rule]) -> None:
        for r in rules:
            names = self.brain.rule_names.get(r.name, frozenset())
            self.firings.append(
                FiringRecord(
                    rule=r.name,
                    phase=phase,
                    round=rnd,
                    matched={n: self.facts.get(n) for n in sorted(names)},
                    then=tuple(_describe(c) for c in r.then),
                    reason=r.reason,
                )
            )

    def run_phase(self, phase: str, engine_rules: RuleEngine, topic: Topic | None) -> None:
        """Run ``engine_rules`` to a fixpoint (``rules.fixpoint.run_rounds``), each round
        recorded in the trace and applied by :meth:`apply`."""

        def step(rnd: int, matched: list[Rule]) -> Step:
            start = len(self.firings)
            self.record(phase, rnd, matched)
            before = dict(self.facts)
            self.superseded = set()
            try:
                moved = self.apply(matched, topic, phase)
            finally:
                self.mark_superseded(start)
            if moved:
                return Step.MOVED
            return Step.SETTLED if self.facts == before else Step.CHANGED

        run_rounds(engine_rules.match, self.facts, step, where=phase)

    def mark_superseded(self, start: int) -> None:
        """Show in the trace which consequences of this round did not take effect."""
        for i in range(start, len(self.firings)):
            f = self.firings[i]
            if any((f.rule, k) in self.superseded for k in range(len(f.then))):
                self.firings[i] = f.model_copy(
                    update={
                        "then": tuple(
                            text + (" (superseded)" if (f.rule, k) in self.superseded else "")
                            for k, text in enumerate(f.then)
                        )
                    }
                )

    def apply(self, rules: list[Rule], topic: Topic | None, phase: str) -> bool:
        """Apply one round's consequences; True when the machine changed state.

        Rules come sorted by salience, highest first: the first rule to set a fact or emit
        an event wins, and a transition supersedes what lower-salience rules of the same
        round would have said or planned in the state it left.
        """
        written: set[str] = set()
        event_rule: Rule | None = None
        for r in rules:
            for k, c in enumerate(r.then):
                if isinstance(c, Set):
                    if c.name in written:
                        self.superseded.add((r.name, k))
                        continue
                    written.add(c.name)
                    self.facts[c.name] = resolve_ref(c.value, self.facts)
                elif isinstance(c, Emit):
                    if event_rule is None:
                        event_rule = r
                    else:
                        self.superseded.add((r.name, k))
        moved = False
        if event_rule is not None and topic is not None:
            ev = next(c for c in event_rule.then if isinstance(c, Emit))
            moved = self.fire(topic, ev.event, event_rule.name)
        floor = event_rule.salience if moved and event_rule is not None else None
        for r in rules:
            if floor is not None and r.salience < floor:
                self.superseded.update(
                    (r.name, k) for k, c in enumerate(r.then) if not isinstance(c, Set | Emit)
                )
                continue  # superseded by the transition this round made
            for k, c in enumerate(r.then):
                if isinstance(c, Plan) and moved:
                    self.superseded.add((r.name, k))
                if isinstance(c, Say):
                    self.said.append((c, str(self.facts.get("machine.card", ""))))
                    self.items.append(self.item(c))
                    if c.kind == "invalid" and topic is not None and c.arg not in topic.collected:
                        self.facts.pop(f"invalid.{c.arg}", None)  # said once is enough
                elif isinstance(c, Escalate):
                    self.escalations.append(c.reason)
                    # a human takes over: start counting afresh, drop interrupted topics
                    self.count("unanswered", reset=True)
                    self.count("failed_attempts", reset=True)
                    self.state = self.state.model_copy(update={"suspended": ()})
                    self.plan(
                        escalate_call(
                            c.reason,
                            business=self.brain.business,
                            state=self.state,
                            lang=self.lang,
                            conversation=self.snap.conversation_id,
                        ),
                        topic,
                        phase,
                    )
                elif isinstance(c, Plan) and topic is not None and not moved:
                    self.plan(
                        action_call(
                            c.action,
                            topic.card.id,
                            business=self.brain.business,
                            state=self.state,
                            und=self.und,
                            lang=self.lang,
                            conversation=self.snap.conversation_id,
                        ),
                        topic,
                        phase,
                    )
        return moved

    def item(self, say: Say) -> PlanItem:
        """The reply-plan item ``say`` stands for, as this turn stands."""
        return replyplan.item(
            say,
            brain=self.brain,
            state=self.state,
            facts=self.facts,
            signals=self.und.signals,
            lang=self.lang,
            channel=self.snap.channel,
            items=self.items,
            start_asked=self.start_asked,
            choices=self.choices,
            rejected=self.rejected,
        )

    # ------------------------------------------------------------------ machine

    def fire(self, topic: Topic, event: str, rule: str) -> bool:
        active = self.state.active
        assert active is not None
        source = active.state
        try:
            target = topic.machine.fire(source, event)
        except TransitionRefused:
            self.transitions.append(
                TransitionRecord(
                    card=topic.card.id,
                    source=source,
                    event=event,
                    target=source,
                    refused=True,
                    rule=rule,
                )
            )
            return False
        self.transitions.append(
            TransitionRecord(
                card=topic.card.id, source=source, event=event, target=target, rule=rule
            )
        )
        fields = active.fields
        back = topic.card.step(target) if target not in TERMINAL_STATES else None
        if event in ("action_failed", "deny") and back is not None and back.kind == "collect":
            # returning to a question re-asks it: the answer that led here is dropped
            fields = {k: v for k, v in fields.items() if k != back.field}
            self.facts.pop(f"field.{back.field}", None)
        self.state = self.state.model_copy(
            update={
                "active": active.model_copy(
                    update={"state": target, "since": self.now, "fields": fields}
                )
            }
        )
        self.facts["machine.state"] = target
        self.facts["machine.fresh"] = True
        terminal = target in TERMINAL_STATES
        self.facts["machine.terminal"] = terminal
        self.facts["topic.active_done"] = terminal
        for name in [k for k in self.facts if k.startswith("action.")]:
            del self.facts[name]
        proving = source not in TERMINAL_STATES and topic.card.step(source).action in VERIFY_ACTIONS
        if event == "action_ok" and not proving:  # only a success ends a failure streak: were
            # a yes or an answer to, or a code sent or checked, each would restart it
            self.count("failed_attempts", reset=True)
        if event == "action_failed":
            self.count("failed_attempts")
            self.facts["counter.failed_attempts"] = self.state.counters.get("failed_attempts", 0)
        for name in [k for k in self.facts if k.startswith("corrected.")]:
            self.facts[name] = False
        if source != target and source not in TERMINAL_STATES:
            left = topic.card.step(source)
            if left.kind == "collect":  # a refusal of the question we left is stale now;
                self.facts.pop(f"invalid.{left.field}", None)  # one for a later step is not
        return source != target

    def count(self, name: str, reset: bool = False) -> None:
        counters = dict(self.state.counters)
        counters[name] = 0 if reset else counters.get(name, 0) + 1
        self.state = self.state.model_copy(update={"counters": counters})
        self.facts[f"counter.{name}"] = counters[name]

    # ------------------------------------------------------------------ actions

    def plan(self, call: ActionCall, topic: Topic | None, phase: str) -> None:
        self.actions.append(call)
        if self.used >= len(self.results):
            raise NeedAction(call)
        result = self.results[self.used]
        if result.name != call.name or result.key != call.key:
            raise ReplayMismatch(
                f"action #{self.used} planned {call.name} [{call.key}] "
                f"but the result is for {result.name} [{result.key}]"
            )
        self.used += 1
        self.facts["turn.action_round"] = self.used
        self.consume(result)

    def consume(self, result: ActionResult) -> None:
        prefix = f"action.{result.name}"
        self.facts[f"{prefix}.ok"] = result.ok
        self.facts[f"{prefix}.failed"] = not result.ok
        self.facts[f"{prefix}.count"] = result.count
        if result.error:
            self.facts[f"{prefix}.error"] = result.error
        self.items.extend(result.items)
        update: dict[str, object] = {}
        if result.offered:
            update["offered"] = self.state.offered + result.offered
            update["last_offered"] = result.offered
        if result.found:
            update["found"] = result.found
        if "customer_id" in result.data:
            update["customer_id"] = str(result.data["customer_id"])
        if result.ok and result.proven and not self.state.proven(result.proven):
            update["verified_phones"] = (*self.state.verified_phones, result.proven)
        active = self.state.active
        if result.offered and active is not None:
            active = self._drop_stale_choices(active, result.offered)
            update["active"] = active
        filled = dict(result.fields)
        if result.asked and active is not None:
            filled |= self._asked_slot(active, result.asked)
        if filled and active is not None:
            fields = dict(active.fields) | filled
            update["active"] = active.model_copy(update={"fields": fields})
            for k, v in filled.items():
                if not k.startswith("_"):
                    self.facts[f"field.{k}"] = v
        if update:
            self.state = self.state.model_copy(update=update)
        if self.state.active is not None:
            self.facts["policy.late_change"] = late_change(self, self.state.active.fields)
            topic = self.brain.topics.get(self.state.active.card)
            if topic is not None:
                proven_facts(self.facts, topic.card, self.state.active.fields, self.state)

    def _asked_slot(self, active: TopicState, start: str) -> dict[str, str]:
        """The slot the customer named, found free, as the value of the topic's offered-slot
        fields: chosen as if picked from a one-slot offer (it is in the offer)."""
        topic = self.brain.topics.get(active.card)
        if topic is None:
            return {}
        return {f.name: start for f in topic.card.required_fields if f.type == "offered_slot"}

    def _drop_stale_choices(self, active: TopicState, offered: tuple[Slot, ...]) -> TopicState:
        """A new offer replaces the last one: a slot chosen from an earlier offer that the
        new one does not hold (it was just taken, or the search changed) is chosen again."""
        topic = self.brain.topics.get(active.card)
        if topic is None:
            return active
        fresh = {s.start.isoformat() for s in offered}
        stale = [
            f.name
            for f in topic.card.required_fields
            if f.type == "offered_slot"
            and f.name in active.fields
            and active.fields[f.name] not in fresh
        ]
        for name in stale:
            self.facts.pop(f"field.{name}", None)
        if not stale:
            return active
        return active.model_copy(
            update={"fields": {k: v for k, v in active.fields.items() if k not in stale}}
        )


def proven_facts(
    facts: Facts, card: Card, fields: dict[str, str], state: ConversationState
) -> None:
    """``proven.<field>`` for each phone field of the card: its number is one this
    conversation speaks for (a caller id the channel vouches for, or a code typed back)."""
    for fld in card.required_fields:
        if fld.type == "phone":
            facts[f"proven.{fld.name}"] = state.proven(fields.get(fld.name, ""))


def late_change(t: Turn, fields: dict[str, str]) -> bool:
    window = t.brain.business.changes.late_window_hours
    chosen = [a for a in t.state.found if a.id == fields.get("appointment")]
    if not window or not chosen:
        return False
    return (chosen[0].start - t.now).total_seconds() < window * 3600


__all__ = ["MAX_ROUNDS", "NeedAction", "ReplayMismatch", "Turn", "late_change", "proven_facts"]
