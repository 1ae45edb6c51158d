"""One turn of a card over abstract facts: the step the model checker takes.

The step is the card phase of ``engine.decide`` driven by the *real* pieces: the card's
compiled machine (:meth:`CompiledMachine.fire`) and the compiled rule engine a turn uses
(the card's generated rules plus the business's guardrail policy, matched by the same
``RuleEngine``). Only the bookkeeping around them is restated here, because ``machines/``
may not import ``engine/``: the round loop and salience discipline of ``engine.turn.Turn``
(the first rule to emit an event wins; a transition re-arms every rule and supersedes
what lower rules of the round said or planned), the consequences of a transition
(``machine.fresh``, dropped action results, counters, the field a step going back to a
question drops) and how ``decide`` folds a customer's field into facts and counts
unanswered questions and failed attempts. ``tests/machines/test_explore_conformance.py``
runs ``Turn.run_phase`` beside this step on the same facts and requires the same rules,
moves, actions, replies and counters, so the two cannot drift apart silently.

Each action the rules plan branches: it may succeed or fail (an over-approximation: the
checker does not know which actions can fail), the way ``decide`` stops at an action and
is called again with its result. While the turn runs, the per-turn checks are made and
reported as :class:`Finding` s; what the whole exploration needs is gathered in the
:class:`Outcome`.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from rules.ir import Emit, Escalate, Facts, Plan, Ref, Rule, Say, Set

from .abstraction import CONFIRM_ASKED, Config, Input, Model
from .card import TERMINAL_STATES
from .errors import TransitionRefused
from .trace import Finding, Loss, Move, Outcome, Trace

_VALUE = "<value>"  # the abstract value of a field that is present


class _NeedOutcome(Exception):
    """The turn planned one action more than the outcomes chosen for it."""


def outcomes(model: Model, config: Config, inp: Input) -> Iterator[Outcome]:
    """Every way a turn with ``inp`` from ``config`` can go: one per sequence of action
    results the rules ask for (each action succeeds or fails)."""
    pending: list[tuple[bool, ...]] = [()]
    while pending:
        chosen = pending.pop()
        try:
            yield _Turn(model, config, inp, chosen).run()
        except _NeedOutcome:
            pending += [chosen + (False,), chosen + (True,)]


def start_facts(model: Model, config: Config, inp: Input) -> Facts:
    """The facts the card phase of a turn with ``inp`` from ``config`` starts from."""
    turn = _Turn(model, config, inp, ())
    turn.begin()
    return dict(turn.facts)


@dataclass
class _Turn:
    """The card phase of one ``engine.decide`` call over abstract facts."""

    model: Model
    start: Config
    inp: Input
    results: tuple[bool, ...]
    facts: Facts = field(default_factory=dict)
    state: str = ""
    fields: set[str] = field(default_factory=set)
    failed: int = 0
    unanswered: int = 0
    confirmed: bool = False
    completed: bool = False
    previous: str = ""
    event: str = ""
    used: int = 0  # action results consumed
    actions_run: int = 0
    fired_all: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    actions: list[tuple[str, bool]] = field(default_factory=list)
    says: list[str] = field(default_factory=list)
    said: list[Say] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    entered: set[str] = field(default_factory=set)
    won: set[str] = field(default_factory=set)
    lost: list[Loss] = field(default_factory=list)
    held: set[str] = field(default_factory=set)
    action_facts: list[str] = field(default_factory=list)  # action.* facts now asserted

    # ------------------------------------------------------------------ setup

    def begin(self) -> None:
        m, c, inp = self.model, self.start, self.inp
        self.state, self.fields = c.state, set(c.fields)
        self.failed, self.unanswered = c.failed, c.unanswered
        self.confirmed, self.completed = c.confirmed, c.completed
        self.previous, self.event = c.previous, c.event
        fresh = c.fresh or inp.resume
        f: Facts = dict(m.fixed)
        f.update(inp.facts)
        f["policy.late_change"] = bool(f.get("policy.late_change", False))
        # decide: _track_unanswered, before the card's facts are loaded
        answered = self._answers()
        if fresh:
            self.unanswered = 0
        elif c.asked:
            self.unanswered = 0 if answered else self._count("counter.unanswered",
                                                                self.unanswered + 1)
        card = m.card
        f["topic.active"] = f["machine.card"] = card.id
        f["machine.state"] = self.state
        f["machine.terminal"] = f["topic.active_done"] = False
        f["topic.active_oneshot"] = card.oneshot
        f["topic.answered_expected"] = answered
        f["machine.fresh"] = fresh
        # decide: _enter_card folds this turn's field into the topic
        if inp.field and not inp.resume:
            if inp.valid:
                if inp.field in self.fields and not fresh:
                    f[f"corrected.{inp.field}"] = True
                if inp.field in m.tracked:
                    self.fields.add(inp.field)
                f[f"input.{inp.field}"] = _VALUE
                self.confirmed = False  # a value changed after the read-back
            else:
                f[f"invalid.{inp.field}"] = "invalid"
                self.failed = self._count("counter.failed_attempts", self.failed + 1)
        for name in self.fields:
            f[f"field.{name}"] = _VALUE
        for name in m.field_names("corrected"):
            f.setdefault(name, False)
        f["counter.failed_attempts"] = self.failed
        f["counter.unanswered"] = self.unanswered
        f["turn.action_round"] = 0
        self.facts = f

    def _answers(self) -> bool:
        """decide._answers: did this message answer the question the topic asked?"""
        asked, inp = self.start.asked, self.inp
        if inp.resume:
            return False
        if asked == CONFIRM_ASKED:
            return bool(dict(inp.facts).get("signal.affirm") or dict(inp.facts).get("signal.deny")
                        or inp.field)
        return bool(asked) and inp.field == asked

    def _count(self, name: str, value: int) -> int:
        return min(value, self.model.caps.get(name, 0))

    # ------------------------------------------------------------------ rounds

    def run(self) -> Outcome:
        self.begin()
        self.entered.add(self.state)
        self.observe("the turn begins")
        settled = self.rounds()
        end = self.finish() if settled else None
        return Outcome(trace=self.trace(), end=end, findings=self.findings, entered=self.entered,
                       asked={s.arg for s in self.said if s.kind in ("ask", "invalid")},
                       won=self.won, lost=self.lost, held=self.held)

    def rounds(self) -> bool:
        """engine.turn.Turn.run_phase: True when the phase reached a fixpoint.

        Right after a transition nothing has fired yet, so what follows depends only on the
        facts the rules and invariants read and on what the checks track; when those recur
        within the turn, the same results repeat the same rounds forever (the engine stops
        at its round or action bound), so the loop is reported at once.
        """
        fired: set[str] = set()
        seen: dict[tuple[object, ...], int] = {self.situation(): 0}  # -> moves made by then
        for _ in range(self.model.max_rounds):
            holding = self.model.match(self.facts)
            self.held.update(r.name for r in holding)
            matched = [r for r in holding if r.name not in fired]
            if not matched:
                return True
            fired.update(r.name for r in matched)
            self.fired_all += [r.name for r in matched]
            before = dict(self.facts)
            try:
                moved = self.apply(matched)
            except _Cycle as cycle:
                self.finding("rule_cycle", "actions", str(cycle))
                return False
            self.observe("after the rules " + ", ".join(r.name for r in matched))
            if moved:
                fired.clear()
                now = self.situation()
                if now in seen:
                    moves = self.moves[seen[now]:]
                    loop = " -> ".join([moves[0].source] + [m.target for m in moves])
                    self.finding("rule_cycle", "loop",
                                 f"the rules go round in a loop within one turn and never "
                                 f"reach a fixpoint (the engine stops after "
                                 f"{self.model.max_actions} actions or "
                                 f"{self.model.max_rounds} rounds): {loop}")
                    return False
                seen[now] = len(self.moves)
            elif self.facts == before:
                return True
        names = ", ".join(sorted(dict.fromkeys(self.fired_all[-12:])))
        self.finding("rule_cycle", "rounds",
                     f"the rules do not reach a fixpoint: still firing after "
                     f"{self.model.max_rounds} rounds in one turn (last: {names})")
        return False

    def apply(self, rules: list[Rule]) -> bool:
        """engine.turn.Turn.apply: one round's consequences, highest salience first."""
        written: set[str] = set()
        event_rule: Rule | None = None
        for r in rules:
            for c in r.then:
                if isinstance(c, Set):
                    if c.name not in written:
                        written.add(c.name)
                        value = c.value
                        self.facts[c.name] = (self.facts.get(value.name, "")
                                              if isinstance(value, Ref) else value)
                elif isinstance(c, Emit) and event_rule is None:
                    event_rule = r
        conflicts = self.conflicts(rules, event_rule)
        moved = False
        if event_rule is not None:
            ev = next(c for c in event_rule.then if isinstance(c, Emit))
            moved = self.fire(ev.event, event_rule.name)
        self.record(conflicts)
        floor = event_rule.salience if moved and event_rule is not None else None
        for r in rules:
            if floor is not None and r.salience < floor:
                continue
            for c in r.then:
                if isinstance(c, Say):
                    self.said.append(c)
                    self.says.append(f"{c.kind} {c.arg}".strip())
                    if c.kind == "invalid" and c.arg not in self.model.collected:
                        self.facts.pop(f"invalid.{c.arg}", None)
                elif isinstance(c, Escalate):
                    self.unanswered = 0
                    self.failed = 0
                    self.facts["counter.unanswered"] = self.facts["counter.failed_attempts"] = 0
                    self.plan("escalate", outcome=True)
                elif isinstance(c, Plan) and not moved:
                    self.plan(c.action)
        return moved

    def conflicts(self, rules: list[Rule], event_rule: Rule | None
                  ) -> list[tuple[Rule, str, Rule, str]]:
        """Rules whose event loses to a different one (leading elsewhere) in this round."""
        if event_rule is None:
            return []
        winner = next(c.event for c in event_rule.then if isinstance(c, Emit))
        self.won.add(event_rule.name)
        out = []
        for r in rules:
            if r is event_rule:
                continue
            event = next((c.event for c in r.then if isinstance(c, Emit)), None)
            if event is None or event == winner or self._target(event) == self._target(winner):
                continue
            out.append((r, event, event_rule, winner))
        return out

    def record(self, conflicts: list[tuple[Rule, str, Rule, str]]) -> None:
        """Note each lost event, and each tie no salience decides, with the round that did it."""
        for r, event, winner, winner_event in conflicts:
            self.lost.append(Loss(r.name, event, winner.name, winner_event, self.trace()))
            if r.salience == winner.salience:
                self.finding(
                    "salience_tie", f"{winner.name}|{r.name}",
                    f"rules {winner.name} ({winner_event}) and {r.name} ({event}) match the "
                    f"same facts with the same salience {r.salience}: which event happens "
                    "is decided by the rules' names, not by the card")

    def _target(self, event: str) -> str | None:
        try:
            return self.model.machine.fire(self.state, event)
        except TransitionRefused:
            return None

    def situation(self) -> tuple[object, ...]:
        m = self.model
        return (tuple(map(self.facts.get, m._read)), tuple(map(self.facts.get, m._inv_read)),
                frozenset(self.fields), self.confirmed, self.completed, self.previous,
                self.event)

    # ------------------------------------------------------------------ the machine

    def fire(self, event: str, rule: str) -> bool:
        """engine.turn.Turn.fire: move the machine; True when it changed state."""
        m, source = self.model, self.state
        try:
            target = m.machine.fire(source, event)
        except TransitionRefused:
            self.moves.append(Move(rule, event, source, source, refused=True))
            self.finding("refused_event", f"{rule}|{event}|{source}",
                         f"rule {rule} emits '{event}' in state '{source}', which the machine "
                         "does not accept there")
            return False
        self.moves.append(Move(rule, event, source, target))
        self.entered.add(target)
        card = m.card
        back = card.step(target) if target not in TERMINAL_STATES else None
        if event in ("action_failed", "deny") and back is not None and back.kind == "collect" \
                and back.field is not None:
            if back.field in self.fields:
                self.confirmed = False
            self.fields.discard(back.field)
            self.facts.pop(f"field.{back.field}", None)
        self.state = target
        self.direction(rule, event, source, target)
        f = self.facts
        f["machine.state"] = target
        f["machine.fresh"] = True
        terminal = target in TERMINAL_STATES
        f["machine.terminal"] = f["topic.active_done"] = terminal
        for name in self.action_facts:
            f.pop(name, None)
        self.action_facts.clear()
        if event in ("advance", "action_ok", "confirm"):
            self.failed = 0
            f["counter.failed_attempts"] = 0
        if event == "action_failed":
            self.failed = self._count("counter.failed_attempts", self.failed + 1)
            f["counter.failed_attempts"] = self.failed
        for name in m.field_names("corrected"):
            f[name] = False
        if source != target and source not in TERMINAL_STATES:
            left = card.step(source)
            if left.kind == "collect":
                f.pop(f"invalid.{left.field}", None)
        self.track(event, source, target)
        return source != target

    def direction(self, rule: str, event: str, source: str, target: str) -> None:
        """A "no" or a failure must not move the conversation on; a read-back must be read."""
        m = self.model
        if source in TERMINAL_STATES or target in ("escalated", "abandoned"):
            return
        ahead = target == "done" or m.index(target) > m.index(source)
        if event == "deny" and ahead:
            self.finding("deny_moves_forward", source,
                         f"a 'no' to the read-back of step '{source}' moves the conversation "
                         f"forward to '{target}' (on_deny), as if the customer had said yes")
        elif event == "action_failed" and ahead:
            action = m.card.step(source).action
            self.finding("failure_moves_forward", source,
                         f"when action '{action}' fails, step '{source}' moves forward to "
                         f"'{target}' (on_fail), as if it had succeeded")
        elif event == "advance" and m.card.step(source).kind == "confirm":
            self.finding("confirm_skipped", source,
                         f"confirm step '{source}' is passed without a read-back (by {rule}): "
                         "nothing is read back for a yes or a no")

    def track(self, event: str, source: str, target: str) -> None:
        """What the checks remember of the machine's history (verify.* facts)."""
        m = self.model
        if event == "confirm":
            self.confirmed = True
        elif event in ("deny",) or event.startswith("correct_") or (
                event == "action_failed" and source != target):
            self.confirmed = False
        if m.completing >= 0:
            if source != target and source not in TERMINAL_STATES \
                    and m.index(source) == m.completing and event in ("advance", "action_ok"):
                self.completed = True
            elif target not in TERMINAL_STATES and m.index(target) <= m.completing:
                self.completed = False
        if m.history:
            self.previous, self.event = source, event
        if target == "done" and m.completing >= 0 and not self.completed:
            step = m.card.steps[m.completing]
            self.finding("done_without_action", step.id,
                         f"the card reaches 'done' without its completing action "
                         f"'{step.action}' (step '{step.id}') having succeeded")

    # ------------------------------------------------------------------ actions

    def plan(self, action: str, outcome: bool | None = None) -> None:
        """engine.turn.Turn.plan: the shell runs the action; here it succeeds or fails."""
        if self.actions_run >= self.model.max_actions:
            raise _Cycle(f"the turn plans more than {self.model.max_actions} actions "
                         f"(the most one turn may run): {action} again after "
                         + ", ".join(f"{a} {'ok' if ok else 'failed'}" for a, ok in self.actions))
        if action != "escalate":
            self.check_action(action)
        self.actions_run += 1
        if outcome is None:
            if self.used >= len(self.results):
                raise _NeedOutcome
            outcome = self.results[self.used]
            self.used += 1
        self.actions.append((action, outcome))
        f = self.facts
        f["turn.action_round"] = self.actions_run
        prefix = f"action.{action}"
        f[f"{prefix}.ok"] = outcome
        f[f"{prefix}.failed"] = not outcome
        f[f"{prefix}.count"] = 1 if outcome else 0
        self.action_facts += [f"{prefix}.ok", f"{prefix}.failed", f"{prefix}.count"]
        if not outcome:
            f[f"{prefix}.error"] = "failed"
            self.action_facts.append(f"{prefix}.error")

    def check_action(self, action: str) -> None:
        m = self.model
        card = m.card
        spec = m.actions.get(action)
        needs = spec.needs if spec is not None else ()
        missing = [n for n in needs if n not in self.fields]
        asked = [n for n in missing if n in m.collected]
        if asked:
            self.finding("action_before_fields", action,
                         f"action '{action}' runs in state '{self.state}' before "
                         f"{_fields(asked)} {'is' if len(asked) == 1 else 'are'} collected")
        never = [n for n in missing if n not in m.collected]
        if never and action in card.confirm_before:
            it = "it" if len(never) == 1 else "them"
            self.finding("field_never_asked", action,
                         f"action '{action}' needs {_fields(never)}, which no step asks for: "
                         f"it runs without {it} unless the customer happens to say {it}")
        if action in card.confirm_before and not self.confirmed:
            self.finding("action_unconfirmed", action,
                         f"action '{action}' runs in state '{self.state}' without an explicit "
                         "yes to a read-back of the current values (the card lists it in "
                         "confirm_before)")
        self.observe(f"when {action} is about to run", action=action)

    # ------------------------------------------------------------------ checks

    def observe(self, when: str, action: str = "") -> None:
        """Check the card's invariants on the facts as they stand."""
        if not self.model.invariants:
            return
        facts = self.facts
        facts["verify.confirmed"] = self.confirmed
        if action:
            facts["verify.action"] = action
        if self.model.history and self.event:
            facts["verify.previous"], facts["verify.event"] = self.previous, self.event
        broken = self.model.broken(facts)
        for key in ("verify.confirmed", "verify.action", "verify.previous", "verify.event"):
            facts.pop(key, None)
        for name, cond in broken:
            self.finding("invariant", name,
                         f"invariant '{name}' ({cond.text}) does not hold {when}, in "
                         f"state '{self.state}'")

    def finding(self, kind: str, key: str, message: str) -> None:
        self.findings.append(Finding(kind, key, message, self.trace()))

    def trace(self) -> Trace:
        return Trace(input=self.inp, fired=tuple(self.fired_all), moves=tuple(self.moves),
                    actions=tuple(self.actions), says=tuple(self.says), end=self.state)

    def finish(self) -> Config:
        """decide._remember_question, and the configuration the next turn starts from."""
        asked = ""
        for say in self.said:
            if say.kind in ("ask", "invalid"):
                asked = say.arg
            elif say.kind == "confirm":
                asked = CONFIRM_ASKED
        if self.state in TERMINAL_STATES:
            return Config(state=self.state)  # nothing happens after the end
        return replace(self.start, state=self.state, fields=frozenset(self.fields),
                       failed=self.failed, unanswered=self.unanswered, asked=asked,
                       fresh=False, confirmed=self.confirmed, completed=self.completed,
                       previous=self.previous, event=self.event)


def _fields(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        return f"field {quoted[0]}"
    return f"fields {', '.join(quoted[:-1])} and {quoted[-1]}"


class _Cycle(Exception):
    """The turn would run more actions than one turn may."""


__all__ = ["outcomes", "start_facts"]
