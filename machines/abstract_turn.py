"""One turn of a card over abstract facts: the step the model checker takes.

The step is the card phase of ``engine.decide`` driven by the *real* pieces: the card's
compiled machine (:meth:`CompiledMachine.fire`), the compiled rule engine a turn uses
(the card's generated rules plus the business's guardrail policy, matched by the same
``RuleEngine``) and the round loop that chains them (``rules.fixpoint.run_rounds``). Only
the bookkeeping around them is restated here, because ``machines/`` may not import
``engine/``: the salience discipline of ``engine.turn.Turn.apply`` (the first rule to emit
an event wins; a transition supersedes what lower rules of the round said or planned,
and re-arms every rule), the consequences of a transition
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

from dataclasses import replace

from rules.errors import RuleCycle
from rules.fixpoint import Step, resolve_ref, run_rounds
from rules.ir import Escalate, Facts, Plan, Rule, Say

from .abstraction import CONFIRM_ASKED, Config, Input, Model
from .card import PROVEN, TERMINAL_STATES, VERIFY_ACTIONS, Card
from .errors import TransitionRefused
from .facts import RAN
from .trace import Finding, Loss, Move, Outcome, Trace

_VALUE = "<value>"  # the abstract value of a field that is present


class _NeedOutcome(Exception):
    """The turn planned one action more than the outcomes chosen for it."""


def outcomes(model: Model, config: Config, inp: Input) -> list[Outcome]:
    """Every way a turn with ``inp`` from ``config`` can go: one per sequence of action
    results the rules ask for (each action succeeds or fails).

    A turn depends only on what it starts from that something reads — the facts the rules
    and invariants read, and what the checks track — so turns that start alike (the same
    question answered from two configurations that differ only in what no rule reads, a
    value nothing reads) are taken once and remembered (:meth:`_Turn.key`); each
    remembered turn is handed back with the input that led to it.
    """
    first = _Turn(model, config, inp, ())
    first.begin()
    key = first.key()
    known = model.turns.get(key) if model.shortcuts else None
    if known is None:
        known = []
        pending: list[tuple[bool, ...]] = [()]
        while pending:
            chosen = pending.pop()
            turn = first if not chosen else _Turn(model, config, inp, chosen)
            try:
                known.append(turn.run(begun=turn is first))
            except _NeedOutcome:
                pending += [chosen + (False,), chosen + (True,)]
        if len(model.turns) >= _REMEMBERED:
            model.turns.clear()
        model.turns[key] = known
    return [_with_input(out, inp) for out in known]


_REMEMBERED = 200_000  # turns remembered per card at most (then forgotten, and retaken)


def _with_input(out: Outcome, inp: Input) -> Outcome:
    """A remembered turn as it goes for ``inp`` (its traces are retold with ``inp`` only
    where the explorer keeps one: ``Outcome.step``, ``machines.trace.retold``)."""
    if out.trace.input == inp:
        return out
    return Outcome(
        out.trace,
        out.end,
        out.findings,
        out.entered,
        out.asked,
        out.won,
        out.lost,
        out.held,
        _failed(out.trace.actions, inp),
        inp,
    )


def _failed(actions: tuple[tuple[str, bool], ...] | list[tuple[str, bool]], inp: Input) -> bool:
    """A failed turn ends in a failure: its last action failed, or it ran none and the
    value given was refused (a success after a failure starts the count again)."""
    done = [ok for a, ok in actions if a != "escalate"]
    return not done[-1] if done else bool(inp.field) and not inp.valid and not inp.resume


def start_facts(model: Model, config: Config, inp: Input) -> Facts:
    """The facts the card phase of a turn with ``inp`` from ``config`` starts from."""
    turn = _Turn(model, config, inp, ())
    turn.begin()
    return dict(turn.facts)


class _Turn:
    """The card phase of one ``engine.decide`` call over abstract facts."""

    __slots__ = (
        "model",
        "start",
        "inp",
        "results",
        "facts",
        "state",
        "fields",
        "failed",
        "unanswered",
        "confirmed",
        "completed",
        "previous",
        "event",
        "ran",
        "skipped",
        "stale",
        "used",
        "actions_run",
        "fired_all",
        "moves",
        "actions",
        "says",
        "said",
        "findings",
        "entered",
        "won",
        "lost",
        "held",
        "action_facts",
        "corrected",
        "dirty",
        "denied",
    )

    def __init__(self, model: Model, start: Config, inp: Input, results: tuple[bool, ...]) -> None:
        self.model, self.start, self.inp, self.results = model, start, inp, results
        self.facts: Facts = {}
        self.state = ""
        self.fields: set[str] = set()
        self.failed = self.unanswered = 0
        self.confirmed = self.completed = False
        self.previous = self.event = ""
        self.ran: set[str] = set()  # tracked actions that succeeded in the topic
        self.skipped: tuple[str, str] | tuple[()] = ()  # a read-back passed by, and by whom
        self.stale: set[str] = set()  # failed actions, nothing changed since
        self.used = 0  # action results consumed
        self.actions_run = 0
        self.fired_all: list[str] = []
        self.moves: list[Move] = []
        self.actions: list[tuple[str, bool]] = []
        self.says: list[str] = []
        self.said: list[Say] = []
        self.findings: list[Finding] = []
        self.entered: set[str] = set()
        self.won: set[str] = set()
        self.lost: list[Loss] = []
        self.held: set[str] = set()
        self.action_facts: list[str] = []  # action.* facts now asserted
        self.corrected: list[str] = []  # corrected.* facts now true
        self.dirty = False  # a fact changed in this round
        self.denied = ""  # the read-back a "no" was said to in this turn, while nothing changed

    # ------------------------------------------------------------------ setup

    def begin(self) -> None:
        m, c, inp = self.model, self.start, self.inp
        self.state, self.fields = c.state, set(c.fields)
        self.failed, self.unanswered = c.failed, c.unanswered
        self.confirmed, self.completed = c.confirmed, c.completed
        self.previous, self.event = c.previous, c.event
        self.ran = set(c.ran)
        self.skipped = c.skipped
        self.stale = set(c.stale)
        fresh = c.fresh or inp.resume
        f = _base_facts(m, c)
        f.update(inp.facts)
        # decide: _track_unanswered (a refused value is no answer, though it may keep the
        # topic: topic.answered_expected)
        answered = self._answers()
        said = dict(inp.facts)
        usable = answered and (
            inp.valid
            or bool(
                c.asked == CONFIRM_ASKED and (said.get("signal.affirm") or said.get("signal.deny"))
            )
        )
        if fresh:
            self.unanswered = 0
        elif c.asked:
            self.unanswered = (
                0 if usable else self._count("counter.unanswered", self.unanswered + 1)
            )
        f["topic.answered_expected"] = answered
        f["machine.fresh"] = fresh
        # decide: _enter_card folds this turn's field into the topic
        if inp.field and not inp.resume:
            if inp.valid:
                if inp.field in self.fields and not fresh:
                    f[f"corrected.{inp.field}"] = True
                    self.corrected.append(f"corrected.{inp.field}")
                if inp.field in m.tracked:
                    self.fields.add(inp.field)
                f[f"input.{inp.field}"] = _VALUE
                self.confirmed = False  # a value changed after the read-back
                self.changed(inp.field)
            else:
                f[f"invalid.{inp.field}"] = "invalid"
                self.failed = self._count("counter.failed_attempts", self.failed + 1)
        if inp.valid and inp.field in self.fields:
            f[f"field.{inp.field}"] = _VALUE
        f["counter.failed_attempts"] = self.failed
        f["counter.unanswered"] = self.unanswered
        self.facts = f

    def _answers(self) -> bool:
        """decide._answers: did this message answer the question the topic asked?"""
        asked, inp = self.start.asked, self.inp
        if inp.resume:
            return False
        if asked == CONFIRM_ASKED:
            return bool(
                dict(inp.facts).get("signal.affirm")
                or dict(inp.facts).get("signal.deny")
                or inp.field
            )
        return bool(asked) and inp.field == asked

    def _count(self, name: str, value: int) -> int:
        return min(value, self.model.caps.get(name, 0))

    # ------------------------------------------------------------------ rounds

    def key(self) -> tuple[object, ...]:
        """Everything the rest of the turn reads, once :meth:`begin` has run."""
        m = self.model
        return (
            tuple(map(self.facts.get, m._read)),
            tuple(map(self.facts.get, m._inv_read)),
            self.state,
            frozenset(self.fields),
            self.failed,
            self.unanswered,
            self.confirmed,
            self.completed,
            self.previous,
            self.event,
            frozenset(self.ran),
            self.skipped,
            frozenset(self.stale),
            tuple(self.corrected),
            self.results,
        )

    def run(self, begun: bool = False) -> Outcome:
        if not begun:
            self.begin()
        self.entered.add(self.state)
        self.observe("the turn begins")
        settled = self.rounds()
        end = self.finish() if settled else None
        failed = _failed(self.actions, self.inp)
        return Outcome(
            trace=self.trace(),
            end=end,
            findings=self.findings,
            entered=self.entered,
            asked={s.arg for s in self.said if s.kind in ("ask", "invalid")},
            won=self.won,
            lost=self.lost,
            held=self.held,
            failed=failed,
        )

    def rounds(self) -> bool:
        """engine.turn.Turn.run_phase: True when the phase reached a fixpoint.

        The same round loop (``rules.fixpoint.run_rounds``) drives it. Right after a
        transition nothing has fired yet, so what follows depends only on the facts the
        rules and invariants read and on what the checks track; when those recur within
        the turn, the same results repeat the same rounds forever (the engine stops at its
        round or action bound), so the loop is reported at once.
        """
        seen: dict[tuple[object, ...], int] = {self.situation(): 0}  # -> moves made by then

        def match(facts: Facts) -> list[Rule]:
            holding = self.model.match(facts)
            self.held.update(r.name for r in holding)
            return holding

        def step(_: int, matched: list[Rule]) -> Step:
            self.fired_all += [r.name for r in matched]
            self.dirty = False
            moved = self.apply(matched)
            self.observe("after the rules ", matched)
            if not moved:
                return Step.CHANGED if self.dirty else Step.SETTLED
            now = self.situation()
            if now in seen:
                moves = self.moves[seen[now] :]
                loop = " -> ".join([moves[0].source] + [m.target for m in moves])
                raise _Cycle(
                    "loop",
                    f"the rules go round in a loop within one turn and never "
                    f"reach a fixpoint (the engine stops after "
                    f"{self.model.max_actions} actions or "
                    f"{self.model.max_rounds} rounds): {loop}",
                )
            seen[now] = len(self.moves)
            return Step.MOVED

        try:
            run_rounds(match, self.facts, step, max_rounds=self.model.max_rounds)
        except _Cycle as cycle:
            self.finding("rule_cycle", cycle.key, str(cycle))
            return False
        except RuleCycle:
            names = ", ".join(sorted(dict.fromkeys(self.fired_all[-12:])))
            self.finding(
                "rule_cycle",
                "rounds",
                f"the rules do not reach a fixpoint: still firing after "
                f"{self.model.max_rounds} rounds in one turn (last: {names})",
            )
            return False
        return True

    def apply(self, rules: list[Rule]) -> bool:
        """engine.turn.Turn.apply: one round's consequences, highest salience first."""
        written: set[str] = set()
        event_rule: Rule | None = None
        emits = self.model.emits
        facts = self.facts
        for r in rules:
            for put in self.model.sets[r.name]:
                if put.name not in written:
                    written.add(put.name)
                    value = resolve_ref(put.value, facts)
                    if facts.get(put.name) != value or put.name not in facts:
                        facts[put.name] = value
                        self.dirty = True
            if event_rule is None and emits[r.name] is not None:
                event_rule = r
        conflicts = self.conflicts(rules, event_rule)
        moved = False
        if event_rule is not None:
            moved = self.fire(emits[event_rule.name], event_rule.name)  # type: ignore[arg-type]
        if conflicts:
            self.record(conflicts)
        floor = event_rule.salience if moved and event_rule is not None else None
        for r in rules:
            if floor is not None and r.salience < floor:
                continue
            for c in self.model.acts[r.name]:
                if isinstance(c, Say):
                    self.said.append(c)
                    self.says.append(f"{c.kind} {c.arg}".strip())
                    self.check_say(r.name, c)
                    if (
                        c.kind == "invalid"
                        and c.arg not in self.model.collected
                        and facts.pop(f"invalid.{c.arg}", None) is not None
                    ):
                        self.dirty = True
                elif isinstance(c, Escalate):
                    self.unanswered = 0
                    self.failed = 0
                    facts["counter.unanswered"] = facts["counter.failed_attempts"] = 0
                    self.dirty = True
                    self.plan("escalate", outcome=True)
                elif isinstance(c, Plan) and not moved:
                    self.plan(c.action)
        return moved

    def conflicts(
        self, rules: list[Rule], event_rule: Rule | None
    ) -> list[tuple[Rule, str, Rule, str]]:
        """Rules whose event loses to a different one (leading elsewhere) in this round."""
        if event_rule is None:
            return []
        emits = self.model.emits
        winner = emits[event_rule.name]
        assert winner is not None
        self.won.add(event_rule.name)
        out = []
        for r in rules:
            event = emits[r.name]
            if (
                event is None
                or r is event_rule
                or event == winner
                or self._target(event) == self._target(winner)
            ):
                continue
            out.append((r, event, event_rule, winner))
        return out

    def record(self, conflicts: list[tuple[Rule, str, Rule, str]]) -> None:
        """Note each lost event, and each tie no salience decides, with the round that did it."""
        known = self.model.settled_rules
        for r, event, winner, winner_event in conflicts:
            if r.name not in known:  # else its loss changes nothing the explorer reports
                self.lost.append(Loss(r.name, event, winner.name, winner_event, self.trace()))
            if r.salience == winner.salience:
                self.finding(
                    "salience_tie",
                    f"{winner.name}|{r.name}",
                    f"rules {winner.name} ({winner_event}) and {r.name} ({event}) match the "
                    f"same facts with the same salience {r.salience}: which event happens "
                    "is decided by the rules' names, not by the card",
                )

    def _target(self, event: str) -> str | None:
        try:
            return self.model.machine.fire(self.state, event)
        except TransitionRefused:
            return None

    def situation(self) -> tuple[object, ...]:
        m = self.model
        return (
            self.state,
            tuple(map(self.facts.get, m._read_in.get(self.state, m._read))),
            tuple(map(self.facts.get, m._inv_read)),
            frozenset(self.fields),
            self.confirmed,
            self.completed,
            self.previous,
            self.event,
            frozenset(self.ran),
            self.skipped,
            frozenset(self.stale),
        )

    # ------------------------------------------------------------------ the machine

    def fire(self, event: str, rule: str) -> bool:
        """engine.turn.Turn.fire: move the machine; True when it changed state."""
        m, source = self.model, self.state
        try:
            target = m.machine.fire(source, event)
        except TransitionRefused:
            self.moves.append(Move(rule, event, source, source, refused=True))
            self.finding(
                "refused_event",
                f"{rule}|{event}|{source}",
                f"rule {rule} emits '{event}' in state '{source}', which the machine "
                "does not accept there",
            )
            return False
        self.moves.append(Move(rule, event, source, target))
        self.entered.add(target)
        if event == "deny":  # until something changes, beginning with what the "no" drops
            self.denied = source
        card = m.card
        back = card.step(target) if target not in TERMINAL_STATES else None
        if (
            event in ("action_failed", "deny")
            and back is not None
            and back.kind == "collect"
            and back.field is not None
        ):
            if back.field in self.fields:
                self.confirmed = False
            self.fields.discard(back.field)
            self.facts.pop(f"field.{back.field}", None)
            self.changed(back.field)
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
        proving = self.model.card.step(source).action in VERIFY_ACTIONS if source else False
        if event == "action_ok" and not proving:  # a success ends a failure streak; a yes
            # or an answer not, nor proving a number (a code sent, a code right)
            self.failed = 0  # (else each yes before a failure would start the count again)
            f["counter.failed_attempts"] = 0
        if event == "action_failed":
            self.failed = self._count("counter.failed_attempts", self.failed + 1)
            f["counter.failed_attempts"] = self.failed
        for name in self.corrected:
            f[name] = False
        self.corrected.clear()
        self.dirty = True
        if source != target and source not in TERMINAL_STATES:
            left = card.step(source)
            if left.kind == "collect":
                f.pop(f"invalid.{left.field}", None)
        self.track(event, source, target, rule)
        return source != target

    def direction(self, rule: str, event: str, source: str, target: str) -> None:
        """A "no" or a failure must not move the conversation on; a read-back must be read."""
        m = self.model
        if source in TERMINAL_STATES or target in ("escalated", "abandoned"):
            return
        ahead = target == "done" or m.index(target) > m.index(source)
        if event == "deny" and ahead:
            self.finding(
                "deny_moves_forward",
                source,
                f"a 'no' to the read-back of step '{source}' moves the conversation "
                f"forward to '{target}' (on_deny), as if the customer had said yes",
            )
        elif event == "action_failed" and ahead:
            action = m.card.step(source).action
            self.finding(
                "failure_moves_forward",
                source,
                f"when action '{action}' fails, step '{source}' moves forward to "
                f"'{target}' (on_fail), as if it had succeeded",
            )
        elif event == "advance" and m.card.step(source).kind == "confirm":
            self.skipped = (source, rule)  # a fault once an action it guards runs

    def track(self, event: str, source: str, target: str, rule: str) -> None:
        """What the checks remember of the machine's history (verify.* facts)."""
        m = self.model
        if event == "confirm":
            self.confirmed = True
        elif (
            event in ("deny",)
            or event.startswith("correct_")
            or (event == "action_failed" and source != target)
        ):
            self.confirmed = False
        if m.completing >= 0:
            if (
                source != target
                and source not in TERMINAL_STATES
                and m.index(source) == m.completing
                and event in ("advance", "action_ok")
            ):
                # done by its action or its say step; passed by its skip_if, it completes
                # only what was done before it
                self.completed = (
                    event == "action_ok"
                    or rule == f"{m.card.id}.{source}.say"
                    or bool(m.results & self.ran)
                )
            elif target not in TERMINAL_STATES and m.index(target) <= m.completing:
                self.completed = False
        if m.history:
            self.previous, self.event = source, event
        if self.skipped and (
            event == "confirm"
            or target in TERMINAL_STATES
            or m.index(target) <= m.index(self.skipped[0])
        ):
            self.skipped = ()  # read back after all, or gone back before the read-back
        if target == "done" and m.completing >= 0 and not self.completed:
            step = m.card.steps[m.completing]
            if step.kind == "say":
                what = f"its completing step '{step.id}' having said '{step.say}'"
            else:
                done = (
                    "a committing action"
                    if any(m.actions[a].commits for a in m.results)
                    else "any action"
                )
                what = (
                    f"its completing action '{step.action}' (step '{step.id}') having "
                    f"succeeded, nor {done} of the card before it"
                )
            self.finding("done_without_action", step.id, f"the card reaches 'done' without {what}")

    # ------------------------------------------------------------------ actions

    def plan(self, action: str, outcome: bool | None = None) -> None:
        """engine.turn.Turn.plan: the shell runs the action; here it succeeds or fails."""
        if self.actions_run >= self.model.max_actions:
            raise _Cycle(
                "actions",
                f"the turn plans more than {self.model.max_actions} "
                f"actions (the most one turn may run): {action} again after "
                + ", ".join(f"{a} {'ok' if ok else 'failed'}" for a, ok in self.actions),
            )
        if action != "escalate":
            self.check_action(action)
            if action in self.stale:
                self.finding(
                    "retry_unchanged",
                    action,
                    f"action '{action}' runs again in state '{self.state}' after it "
                    f"failed, with none of {_fields(sorted(self.model.retry[action]))}"
                    " changed since: it can only fail the same way",
                )
        self.actions_run += 1
        if outcome is None:
            if self.used >= len(self.results):
                raise _NeedOutcome
            outcome = self.results[self.used]
            self.used += 1
        self.actions.append((action, outcome))
        f = self.facts
        self.dirty = True
        if outcome and action in self.model.ran_tracked:
            self.ran.add(action)
        if outcome and action == "check_code":  # engine.turn.Turn.consume: a right code
            for name in _phone_fields(self.model.card):  # proves the number
                f[f"{PROVEN}{name}"] = True
        for name in self.model.drops.get(action, ()) if outcome else ():
            if name in self.fields:  # engine.turn._drop_stale_choices: a new offer
                self.fields.discard(name)  # replaces the last, so choose again
                self.confirmed = False
            f.pop(f"field.{name}", None)
            self.changed(name)
        if outcome and action in self.model.results and self.model.actions[action].commits:
            self.confirmed = False  # a yes agrees to one commit
        if not outcome and action in self.model.retry:
            self.stale.add(action)
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
        missing = spec.missing(self.fields) if spec is not None else []
        asked = [n for n in missing if n in m.collected]
        if asked:
            self.finding(
                "action_before_fields",
                action,
                f"action '{action}' runs in state '{self.state}' before "
                f"{_fields(asked)} {'is' if len(asked) == 1 else 'are'} collected",
            )
        never = [n for n in missing if n not in m.collected and n not in m.known]
        if never:
            it = "it" if len(never) == 1 else "them"
            self.finding(
                "field_never_asked",
                action,
                f"action '{action}' needs {_fields(never)}, which no step asks for: "
                f"it runs without {it} unless the customer happens to say {it}",
            )
        if self.skipped:
            confirm, rule = self.skipped
            self.finding(
                "confirm_skipped",
                confirm,
                f"confirm step '{confirm}' is passed without a read-back (by {rule}) "
                f"and action '{action}' then runs in state '{self.state}': nothing was"
                " read back for a yes or a no",
            )
        if action in card.confirm_before and not self.confirmed:
            self.finding(
                "action_unconfirmed",
                action,
                f"action '{action}' runs in state '{self.state}' without an explicit "
                "yes to a read-back of the current values (the card lists it in "
                "confirm_before)",
            )
        self.check_proven(action)
        commits = f"action '{action}' commits ({spec.description if spec else action})"
        if action in m.exempt and action in self.ran:
            self.finding(
                "commit_unconfirmed",
                action,
                f"{commits} again in state '{self.state}': it already succeeded in "
                "this topic, and the card's confirm_exempt covers one run without a yes",
            )
        if action in m.commits and not self.confirmed:
            self.finding(
                "commit_unconfirmed",
                action,
                f"{commits} in state '{self.state}' without an explicit yes to a "
                "read-back of its values: it is not in the card's confirm_before, and "
                "the card declares no confirm_exempt for it",
            )
        self.observe(f"when {action} is about to run", action=action)

    def check_proven(self, action: str) -> None:
        """Appointments are looked up only under a number proven in this conversation
        (``proven.<phone>``: a caller id the channel vouches for, or a code typed back),
        and moved or cancelled only once such a lookup found them."""
        if action not in GUARDED:
            return
        phones = _phone_fields(self.model.card) or ("phone",)
        proven = any(self.facts.get(f"{PROVEN}{name}") is True for name in phones)
        if proven or (action != "find_appointment" and "find_appointment" in self.ran):
            return
        what = (
            "looks up appointments"
            if action == "find_appointment"
            else "changes an appointment no proven lookup found"
        )
        self.finding(
            "unverified_lookup",
            action,
            f"action '{action}' {what} in state '{self.state}' while the number "
            f"({_fields(list(phones))}) is not proven in this conversation: nothing may be "
            "revealed or changed for a caller the channel does not vouch for until a code "
            "sent to the number is typed back (a 'verify' step before it)",
        )

    def changed(self, name: str) -> None:
        """A field was given or dropped: an action that failed may now succeed, and the
        read-back a "no" was said to is no longer the same."""
        self.denied = ""
        if self.stale:
            self.stale -= {a for a in self.stale if name in self.model.retry[a]}

    def check_say(self, rule: str, say: Say) -> None:
        """A claim comes only from its action's success; a choice only after its offer."""
        m = self.model
        action = m.claims.get(say.kind)
        if action is not None:
            ok = (action, True) in self.actions
            self.finding(
                "claim_without_commit",
                rule,
                f"{_who(m, rule)} says '{say.kind}' in state '{self.state}', which only "
                f"action '{action}' succeeding may say"
                + (
                    " (it did, so the reply says it twice)"
                    if ok
                    else f" — and '{action}' has not succeeded: the reply claims what "
                    "was never done"
                ),
            )
        if say.kind == "confirm" and self.denied == self.state:
            self.finding(
                "deny_ignored",
                self.state,
                f"a 'no' to the read-back of step '{self.state}' leads straight back "
                "to the same read-back, with nothing asked again or changed: the "
                "customer is asked the very question they said no to",
            )
        offers = m.offered.get(say.arg) if say.kind in ("ask", "invalid") else None
        if offers is not None and not offers & self.ran:
            by = " or ".join(f"'{a}'" for a in sorted(offers)) or "no action of the card"
            self.finding(
                "choice_before_options",
                say.arg,
                f"the card asks the customer to choose '{say.arg}' in state "
                f"'{self.state}' before {by} offered anything to choose from in "
                "this topic",
            )

    # ------------------------------------------------------------------ checks

    def observe(self, when: str, rules: list[Rule] | None = None, action: str = "") -> None:
        """Check the card's invariants on the facts as they stand (``when``, after
        ``rules``, says when: it is worded only for an invariant that does not hold)."""
        if not self.model.invariants:
            return
        history: Facts = {"verify.confirmed": self.confirmed}
        if action:
            history["verify.action"] = action
        if self.model.history and self.event:
            history["verify.previous"], history["verify.event"] = self.previous, self.event
        for ran in self.ran:
            history[f"{RAN}{ran}"] = True
        for name, cond in self.model.broken(self.facts, history):
            if rules is not None:
                when += ", ".join(r.name for r in rules)
                rules = None
            self.finding(
                "invariant",
                name,
                f"invariant '{name}' ({cond.text}) does not hold {when}, in state '{self.state}'",
            )

    def finding(self, kind: str, key: str, message: str) -> None:
        if (kind, key) not in self.model.found:  # else the explorer has a shorter one
            self.findings.append(Finding(kind, key, message, self.trace()))

    def trace(self) -> Trace:
        return Trace(
            input=self.inp,
            fired=tuple(self.fired_all),
            moves=tuple(self.moves),
            actions=tuple(self.actions),
            says=tuple(self.says),
            end=self.state,
        )

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
        return replace(
            self.start,
            state=self.state,
            fields=frozenset(self.fields),
            failed=self.failed,
            unanswered=self.unanswered,
            asked=asked,
            fresh=False,
            confirmed=self.confirmed,
            completed=self.completed,
            previous=self.previous,
            event=self.event,
            ran=frozenset(self.ran),
            skipped=self.skipped,
            stale=frozenset(self.stale),
        )


GUARDED = frozenset({"find_appointment", "cancel", "reschedule"})
"""Actions that reveal or change a customer's appointments: only for a proven number."""


def _phone_fields(card: Card) -> tuple[str, ...]:
    return tuple(f.name for f in card.required_fields if f.type == "phone")


def _base_facts(model: Model, config: Config) -> Facts:
    """A copy of the facts every turn from ``config`` starts with, before the input: the
    business's, the topic's and the machine's, the fields collected. The explorer takes
    every turn of one configuration in a row, so the last one is kept per model."""
    kept = model.base
    if kept is None or kept[0] is not config:
        card = model.card
        f: Facts = dict(model.fixed)
        f["policy.late_change"] = False
        f["topic.active"] = f["machine.card"] = card.id
        f["machine.state"] = config.state
        f["machine.terminal"] = f["topic.active_done"] = False
        f["topic.active_oneshot"] = card.oneshot
        f["turn.action_round"] = 0
        for name in config.fields:
            f[f"field.{name}"] = _VALUE
        for name in model.field_names("corrected"):
            f[name] = False
        kept = model.base = (config, f)
    return dict(kept[1])


def _who(model: Model, rule: str) -> str:
    """A rule as the card's author knows it: a say step, or the rule by name."""
    prefix, _, rest = rule.partition(".")
    step, _, kind = rest.rpartition(".")
    if prefix == model.card.id and kind == "say":
        return f"step '{step}'"
    return f"rule {rule}"


def _fields(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        return f"field {quoted[0]}"
    return f"fields {', '.join(quoted[:-1])} and {quoted[-1]}"


class _Cycle(Exception):
    """The turn does not settle: it would run more actions than one turn may (``key``
    "actions"), or its rules go round in a loop of machine states (``key`` "loop")."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


__all__ = ["outcomes", "start_facts"]
