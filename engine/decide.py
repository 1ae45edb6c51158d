"""The pure decision core: ``decide(brain, snapshot, understanding, now, results)``.

Same inputs, same output: no I/O, no clock, no randomness. One call runs three phases of
forward chaining (conversation policy → the active card's rules → after policy). When the
rules plan an action whose result is not among ``results`` yet, decide stops and returns
it as ``pending``; the shell runs it and calls decide again with the result appended.
Replay calls decide once with every recorded result and must get the recorded decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from language.types import PlanItem, ReplyPlan, Understanding
from machines.errors import TransitionRefused
from rules.errors import RuleCycle
from rules.ir import Emit, Escalate, Facts, Plan, Ref, Rule, Say, Scalar, Set

from . import replyplan
from .actions_args import action_call, escalate_call
from .brain import Brain, Topic
from .fields import accept
from .hours import is_open
from .state import (
    ActionCall,
    ActionResult,
    ConversationState,
    Decision,
    FiringRecord,
    Snapshot,
    TopicState,
    TopicSwitch,
    TransitionRecord,
)

MAX_ROUNDS = 64


def resolve_ref(value: Scalar | Ref, facts: Facts) -> Scalar:
    return facts.get(value.name, "") if isinstance(value, Ref) else value


class ReplayMismatch(Exception):
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


class _NeedAction(Exception):
    def __init__(self, call: ActionCall) -> None:
        self.call = call


@dataclass
class _Turn:
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

    # ------------------------------------------------------------------ rounds

    def record(self, phase: str, rnd: int, rules: list[Rule]) -> None:
        for r in rules:
            names = self.brain.rule_names.get(r.name, frozenset())
            self.firings.append(FiringRecord(
                rule=r.name, phase=phase, round=rnd,
                matched={n: self.facts.get(n) for n in sorted(names)},
                then=tuple(_describe(c) for c in r.then), reason=r.reason,
            ))

    def run_phase(self, phase: str, engine_rules: object, topic: Topic | None) -> None:
        fired: set[str] = set()
        for rnd in range(MAX_ROUNDS):
            matched = [r for r in engine_rules.match(self.facts)  # type: ignore[attr-defined]
                       if r.name not in fired]
            if not matched:
                return
            fired.update(r.name for r in matched)
            start = len(self.firings)
            self.record(phase, rnd, matched)
            before = dict(self.facts)
            self.superseded = set()
            try:
                moved = self.apply(matched, topic, phase)
            finally:
                self.mark_superseded(start)
            if moved:
                fired.clear()  # a new machine state is a new context: rules may fire again
            elif self.facts == before:
                return  # nothing changed, so the next round would match the same rules
        raise RuleCycle(f"rules did not reach a fixpoint in {MAX_ROUNDS} rounds in {phase}: "
                        + ", ".join(sorted(fired)))

    def mark_superseded(self, start: int) -> None:
        """Show in the trace which consequences of this round did not take effect."""
        for i in range(start, len(self.firings)):
            f = self.firings[i]
            if any((f.rule, k) in self.superseded for k in range(len(f.then))):
                self.firings[i] = f.model_copy(update={"then": tuple(
                    text + (" (superseded)" if (f.rule, k) in self.superseded else "")
                    for k, text in enumerate(f.then))})

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
                self.superseded.update((r.name, k) for k, c in enumerate(r.then)
                                       if not isinstance(c, Set | Emit))
                continue  # superseded by the transition this round made
            for k, c in enumerate(r.then):
                if isinstance(c, Plan) and moved:
                    self.superseded.add((r.name, k))
                if isinstance(c, Say):
                    self.said.append((c, str(self.facts.get("machine.card", ""))))
                    self.items.append(replyplan.item(self, c))
                    if c.kind == "invalid" and topic is not None and c.arg not in {
                            s.field for s in topic.card.steps if s.kind == "collect"}:
                        self.facts.pop(f"invalid.{c.arg}", None)  # said once is enough
                elif isinstance(c, Escalate):
                    self.escalations.append(c.reason)
                    # a human takes over: start counting afresh, drop interrupted topics
                    self.count("unanswered", reset=True)
                    self.count("failed_attempts", reset=True)
                    self.state = self.state.model_copy(update={"suspended": ()})
                    self.plan(escalate_call(self, c.reason), topic, phase)
                elif isinstance(c, Plan) and topic is not None and not moved:
                    self.plan(action_call(self, topic, c.action), topic, phase)
        return moved

    # ------------------------------------------------------------------ machine

    def fire(self, topic: Topic, event: str, rule: str) -> bool:
        active = self.state.active
        assert active is not None
        source = active.state
        try:
            target = topic.machine.fire(source, event)
        except TransitionRefused:
            self.transitions.append(TransitionRecord(card=topic.card.id, source=source,
                                                     event=event, target=source,
                                                     refused=True, rule=rule))
            return False
        self.transitions.append(TransitionRecord(card=topic.card.id, source=source,
                                                 event=event, target=target, rule=rule))
        fields = active.fields
        back = topic.card.step(target) if target not in ("done", "escalated", "abandoned") \
            else None
        if event in ("action_failed", "deny") and back is not None and back.kind == "collect":
            # returning to a question re-asks it: the answer that led here is dropped
            fields = {k: v for k, v in fields.items() if k != back.field}
            self.facts.pop(f"field.{back.field}", None)
        self.state = self.state.model_copy(update={"active": active.model_copy(
            update={"state": target, "since": self.now, "fields": fields})})
        self.facts["machine.state"] = target
        self.facts["machine.fresh"] = True
        terminal = target in ("done", "escalated", "abandoned")
        self.facts["machine.terminal"] = terminal
        self.facts["topic.active_done"] = terminal
        for name in [k for k in self.facts if k.startswith("action.")]:
            del self.facts[name]
        if event in ("advance", "action_ok", "confirm"):
            self.count("failed_attempts", reset=True)
        if event == "action_failed":
            self.count("failed_attempts")
            self.facts["counter.failed_attempts"] = self.state.counters.get("failed_attempts", 0)
        for name in [k for k in self.facts if k.startswith("corrected.")]:
            self.facts[name] = False
        if source != target:  # what was refused belonged to the question we left
            asked = {s.field for s in topic.card.steps if s.kind == "collect"}
            for name in [k for k in self.facts if k.startswith("invalid.")]:
                if name.removeprefix("invalid.") in asked:
                    del self.facts[name]
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
            raise _NeedAction(call)
        result = self.results[self.used]
        if result.name != call.name or result.key != call.key:
            raise ReplayMismatch(f"action #{self.used} planned {call.name} [{call.key}] "
                                 f"but the result is for {result.name} [{result.key}]")
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
        active = self.state.active
        if result.fields and active is not None:
            fields = dict(active.fields) | result.fields
            update["active"] = active.model_copy(update={"fields": fields})
            for k, v in result.fields.items():
                if not k.startswith("_"):
                    self.facts[f"field.{k}"] = v
        if update:
            self.state = self.state.model_copy(update=update)
        if self.state.active is not None:
            self.facts["policy.late_change"] = _late_change(self, self.state.active.fields)


# ---------------------------------------------------------------------- facts


def _base_facts(brain: Brain, snap: Snapshot, und: Understanding, now: datetime,
                state: ConversationState) -> Facts:
    b = brain.business
    sig = und.signals
    open_now = is_open(b, now)
    facts: Facts = {
        "turn.empty": bool(und.problem),
        "turn.lang": und.lang,
        "turn.first": state.turn == 0,
        "turn.action_round": 0,
        "channel.kind": snap.channel,
        "channel.voice": snap.channel == "voice",
        "customer.known": snap.customer_known,
        "customer.has_phone": bool(state.customer_phone),
        "customer.has_name": bool(state.customer_name),
        "clock.business_open": open_now,
        "clock.hour": now.hour,
        "clock.weekday": now.weekday(),
        "signal.affirm": sig.affirm,
        "signal.deny": sig.deny,
        "signal.wants_human": sig.wants_human,
        "signal.goodbye": sig.goodbye,
        "signal.greeting": sig.greeting,
        "signal.thanks": sig.thanks,
        "signal.correction": sig.correction,
        "signal.urgency": sig.urgency,
        "signal.hazard": sig.hazard,
        "business.has_emergency": "emergency" in brain.topics,
        "business.has_human": "human" in brain.topics,
        "business.has_message": "message" in brain.topics,
        "policy.emergency_message": (not open_now) and b.emergency.after_hours_take_message,
        "policy.late_change": False,
    }
    if und.problem:
        facts["turn.problem"] = und.problem
    for name, value in state.counters.items():
        facts[f"counter.{name}"] = value
    return facts


def _topic_facts(t: _Turn) -> None:
    brain, und, state = t.brain, t.und, t.state
    allowed = {tid for tid, tp in brain.topics.items() if t.snap.channel in tp.card.channels}
    scores = {s.topic: s.score for s in und.topics if s.topic in allowed}
    f = t.facts
    for k in [k for k in f if k.startswith(("topic.", "machine."))]:
        del f[k]
    floor = brain.settings.min_topic_score
    eligible = {tid: sc for tid, sc in scores.items()
                if sc >= max(floor, brain.topics[tid].card.classifier.min_score or 0.0)}
    best = max(eligible.items(), key=lambda kv: kv[1], default=None)
    if not und.problem:
        if best is not None:
            candidate, score = best
        elif "out_of_scope" in brain.topics:
            candidate, score = "out_of_scope", max(scores.values(), default=0.0)
        else:
            candidate, score = "", 0.0
        if candidate:
            f["topic.candidate"] = candidate
            f["topic.candidate_score"] = round(score, 4)
            f["topic.candidate_oneshot"] = brain.topics[candidate].card.oneshot
    active = state.active
    if active is not None:
        card = brain.topics[active.card].card
        done = active.state in ("done", "escalated", "abandoned")
        f["topic.active"] = active.card
        f["topic.active_oneshot"] = card.oneshot
        f["topic.active_done"] = done
        f["topic.active_score"] = round(scores.get(active.card, 0.0), 4)
        f["topic.candidate_is_active"] = f.get("topic.candidate") == active.card
        f["topic.margin"] = round(float(f.get("topic.candidate_score", 0.0))
                                  - float(f["topic.active_score"]), 4)
        idle = (t.now - active.since).total_seconds() if active.since else 0.0
        f["topic.idle_seconds"] = max(0, int(idle))
        f["topic.answered_expected"] = _answers(t, active)
        f["machine.card"] = active.card
        f["machine.state"] = active.state
        f["machine.terminal"] = done
    if state.suspended:
        f["topic.suspended"] = state.suspended[-1].card


def _answers(t: _Turn, active: TopicState) -> bool:
    """Does this message answer the question the active topic asked?"""
    und = t.und
    if active.asked_confirm:
        return und.signals.affirm or und.signals.deny or bool(und.fields)
    if not active.asked:
        return False
    card = t.brain.topics[active.card].card
    try:
        ftype = card.field(active.asked).type
    except KeyError:
        return False
    if ftype in ("text", "address"):
        return bool(und.text.strip()) and not und.problem and not und.signals.wants_human
    if ftype == "choice":
        ftype = "offered_slot"
    return any(c.type == ftype for c in und.fields)


# ---------------------------------------------------------------------- topics


def _switch(t: _Turn) -> None:
    target = t.facts.get("decision.topic")
    active = t.state.active
    if not isinstance(target, str) or not target or target not in t.brain.topics:
        return
    reasons = tuple(fr.rule for fr in t.firings if fr.phase == "conversation"
                    and any(x.startswith("set decision.topic") for x in fr.then))
    confidence = float(t.facts.get("topic.candidate_score", 0.0))
    if active is not None and active.card == target and active.state not in (
            "done", "escalated", "abandoned"):
        return
    suspended = list(t.state.suspended)
    resumed = next((s for s in reversed(suspended) if s.card == target), None)
    if active is not None and active.state not in ("done", "escalated", "abandoned") \
            and t.facts.get("decision.suspend") and t.brain.topics[active.card].card.interruptible:
        suspended.append(active)
    if resumed is not None:
        suspended.remove(resumed)
        new, kind = resumed.model_copy(update={"since": t.now}), "resume"
    else:
        first = t.brain.topics[target].card.steps[0].id
        new = TopicState(card=target, state=first, since=t.now, fields=_prefill(t, target))
        kind = "restart" if active is not None and active.card == target else (
            "switch" if active is not None else "new")
    t.switches.append(TopicSwitch(source=active.card if active else "", target=target,
                                  confidence=round(confidence, 4), reasons=reasons,
                                  kind=kind))  # type: ignore[arg-type]
    t.state = t.state.model_copy(update={"active": new, "suspended": tuple(suspended)})


def _prefill(t: _Turn, card_id: str) -> dict[str, str]:
    """What we already know about the customer fills a new topic's fields."""
    card = t.brain.topics[card_id].card
    known = {"person_name": t.state.customer_name, "phone": t.state.customer_phone}
    out: dict[str, str] = {}
    for f in card.required_fields:
        value = known.get(f.type, "")
        if value and f.name in ("name", "phone"):
            out[f.name] = value
    return out


def _enter_card(t: _Turn, fresh_topic: bool, take_fields: bool = True) -> Topic | None:
    """Load the active topic's facts and fold this turn's fields into it."""
    active = t.state.active
    if active is None:
        return None
    topic = t.brain.topics[active.card]
    f = t.facts
    f["topic.active"] = active.card
    f["machine.card"] = active.card
    f["machine.state"] = active.state
    done = active.state in ("done", "escalated", "abandoned")
    f["machine.terminal"] = done
    f["topic.active_done"] = done
    f["topic.active_oneshot"] = topic.card.oneshot
    f["machine.fresh"] = fresh_topic
    for k in [k for k in f if k.startswith(("field.", "input.", "invalid.", "corrected."))]:
        del f[k]
    if not done and not t.und.problem and take_fields:
        acc = accept(topic.card, active, t.und, t.brain.business, t.state, t.now, fresh_topic)
        t.state = t.state.model_copy(update={"active": active.model_copy(
            update={"fields": acc.fields})})
        for k, v in acc.inputs.items():
            f[f"input.{k}"] = v
        for k, v in acc.invalid.items():
            f[f"invalid.{k}"] = v
        t.rejected.update(acc.rejected)
        for k in acc.corrected:
            f[f"corrected.{k}"] = True
        if acc.invalid:
            t.count("failed_attempts")
        prefs = {"_part": t.und.part_of_day, "_after": t.und.after_time}
        if any(prefs.values()) and t.state.active is not None:
            fields_now = dict(t.state.active.fields)
            fields_now.update({k: v for k, v in prefs.items() if v})
            t.state = t.state.model_copy(update={"active": t.state.active.model_copy(
                update={"fields": fields_now})})
    fields = t.state.active.fields if t.state.active else {}
    for k, v in fields.items():
        if not k.startswith("_"):
            f[f"field.{k}"] = v
    for fld in topic.card.required_fields:
        f.setdefault(f"corrected.{fld.name}", False)
    f["policy.late_change"] = _late_change(t, fields)
    return topic


def _late_change(t: _Turn, fields: dict[str, str]) -> bool:
    window = t.brain.business.changes.late_window_hours
    chosen = [a for a in t.state.found if a.id == fields.get("appointment")]
    if not window or not chosen:
        return False
    return (chosen[0].start - t.now).total_seconds() < window * 3600


# ---------------------------------------------------------------------- decide


def decide(brain: Brain, snap: Snapshot, und: Understanding, now: datetime,
           results: tuple[ActionResult, ...] = ()) -> Decision:
    """Decide one turn. Pure: the same arguments always give the same Decision."""
    state = snap.state.model_copy(update={"lang": und.lang, "turn": snap.state.turn + 1})
    t = _Turn(brain=brain, snap=snap, und=und, now=now, results=results, state=state,
              facts=_base_facts(brain, snap, und, now, state), lang=und.lang)
    t.start_asked = state.active.asked if state.active else ""
    pending: ActionCall | None = None
    try:
        _topic_facts(t)
        t.run_phase("conversation", brain.conversation, None)
        before = t.state.active
        _switch(t)
        switched = t.state.active is not before
        _track_unanswered(t, switched)
        _track_out_of_scope(t)
        topic = _enter_card(t, fresh_topic=switched)
        if topic is not None:
            t.run_phase("card", topic.rules, topic)
        _refresh_after_facts(t)
        t.run_phase("after", brain.after, None)
        if t.facts.get("decision.resume") and t.state.suspended:
            _resume(t)
    except _NeedAction as need:
        pending = need.call
    if t.facts.get("decision.end"):
        t.state = t.state.model_copy(update={"ended": True})
    t.state = _remember_question(t)
    plan = ReplyPlan(lang=t.lang, items=tuple(t.items),  # type: ignore[arg-type]
                     business_name=brain.business.name,
                     options=replyplan.options(t), end_conversation=bool(
                         t.facts.get("decision.end")))
    return Decision(
        pending=pending, state=t.state, plan=plan, firings=tuple(t.firings),
        transitions=tuple(t.transitions), switches=tuple(t.switches),
        actions=tuple(t.actions), escalations=tuple(t.escalations),
        facts={k: v for k, v in sorted(t.facts.items())},
    )


def _track_unanswered(t: _Turn, switched: bool) -> None:
    active = t.state.active
    if switched:
        t.count("unanswered", reset=True)
        return
    if active is None or not (active.asked or active.asked_confirm):
        return
    if t.facts.get("topic.answered_expected"):
        t.count("unanswered", reset=True)
    else:
        t.count("unanswered")


def _track_out_of_scope(t: _Turn) -> None:
    active = t.state.active
    if active is not None and active.card == "out_of_scope" and t.switches:
        t.count("out_of_scope")
    elif t.switches:
        t.count("out_of_scope", reset=True)


def _refresh_after_facts(t: _Turn) -> None:
    active = t.state.active
    f = t.facts
    f["topic.suspended"] = t.state.suspended[-1].card if t.state.suspended else ""
    if not f["topic.suspended"]:
        del f["topic.suspended"]
    if active is not None:
        done = active.state in ("done", "escalated", "abandoned")
        f["topic.active_done"] = done
        f["machine.state"] = active.state
        f["machine.card"] = active.card


def _resume(t: _Turn) -> None:
    suspended = list(t.state.suspended)
    back = suspended.pop()
    previous = t.state.active
    t.switches.append(TopicSwitch(source=previous.card if previous else "", target=back.card,
                                  confidence=1.0, reasons=("after.resume",), kind="resume"))
    t.state = t.state.model_copy(update={"active": back.model_copy(update={"since": t.now}),
                                         "suspended": tuple(suspended)})
    # what the customer said belonged to the digression, not to the resumed topic
    topic = _enter_card(t, fresh_topic=True, take_fields=False)
    if topic is not None:
        t.run_phase("card", topic.rules, topic)


def _remember_question(t: _Turn) -> ConversationState:
    active = t.state.active
    if active is None:
        return t.state
    asked, confirm = "", False
    for say, card in t.said:
        if card != active.card:
            continue
        if say.kind in ("ask", "invalid"):
            asked, confirm = say.arg, False
        elif say.kind == "confirm":
            asked, confirm = "", True
    if active.state in ("done", "escalated", "abandoned"):
        asked, confirm = "", False
    return t.state.model_copy(update={"active": active.model_copy(
        update={"asked": asked, "asked_confirm": confirm})})

__all__ = ["ReplayMismatch", "decide"]
