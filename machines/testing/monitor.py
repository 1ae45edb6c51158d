"""The checks a conversation with the real engine must pass, turn by turn.

A driver reports what a turn did, in order, as :data:`Point` s: topic instances started,
machine moves, each action with the fields and facts it was planned from, the settled end
and a rule cycle. The :class:`Monitor` remembers, per topic instance, what the checks need
of the history (the values a fresh yes agreed to, whether the completing action step was
passed, the last transition) and reports each violation with the kind name ``frontdesk
verify`` uses for it. The checks are those of ``machines.abstract_turn`` restated over
concrete values; what a black box cannot see — the facts between two planned actions — is
not checked, and properties of the whole graph (a dead end, an unreachable state) are
left to ``verify``.

A yes is *fresh* when the previous turn ended with the read-back of that very step, the
customer's message said yes and not no, and the step had not moved yet in this turn; the
values it agrees to are those read back. An action the card lists in ``confirm_before``
must run with exactly those values: a "no", a correction or a failure that goes back, or
any field that changed since, undoes the yes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rules.condition import Condition, parse_condition
from rules.ir import Facts

from ..card import TERMINAL_STATES
from ..compile import CompiledMachine
from ..errors import TransitionRefused
from ..facts import invariant_facts
from ..registry import DEFAULT_ACTIONS, ActionSpec
from .strategies import CONFIRM, Catalog, Said


@dataclass(frozen=True, slots=True)
class View:
    """The active topic as the customer sees it between turns."""

    catalog: Catalog
    card: str = ""  # "" when no topic is active
    state: str = ""
    asked: str = ""  # the field asked for, CONFIRM, or ""
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Started:
    card: str
    kind: str  # new, switch, restart (a fresh instance) or resume


@dataclass(frozen=True, slots=True)
class Moved:
    card: str
    source: str
    event: str
    target: str
    refused: bool = False
    rule: str = ""


@dataclass(frozen=True, slots=True)
class Acted:
    """An action planned by ``card``'s rules, the fields and facts it was planned from,
    and whether it succeeded."""

    card: str
    action: str
    ok: bool
    fields: Mapping[str, str]
    facts: Facts


@dataclass(frozen=True, slots=True)
class Settled:
    """The turn's end: the active topic's card ("" for none), its fields, the facts."""

    card: str
    fields: Mapping[str, str]
    facts: Facts


@dataclass(frozen=True, slots=True)
class Cycle:
    """The rules did not settle: no fixpoint, or more actions than one turn may run."""

    message: str


Point = Started | Moved | Acted | Settled | Cycle


@dataclass(frozen=True, slots=True)
class Breach:
    kind: str  # a key of machines.verify.KINDS
    message: str


@dataclass
class _Instance:
    """What the checks remember of one topic instance."""

    confirmed: dict[str, str] | None = None  # the values a fresh yes agreed to
    undone: str = "no read-back was confirmed since the topic started"
    completed: bool = False  # the completing action step was passed
    previous: str = ""  # verify.previous
    event: str = ""  # verify.event


class _Card:
    """The parts of a card the checks read, prepared once."""

    def __init__(self, machine: CompiledMachine, actions: Mapping[str, ActionSpec]) -> None:
        card = self.card = machine.card
        self.machine = machine
        self.states = machine.states
        self.collected = frozenset(s.field for s in card.steps if s.kind == "collect")
        self.completing = max((i for i, s in enumerate(card.steps) if s.kind == "action"),
                              default=-1)
        self.needs = {a: actions[a].needs for a in card.allowed_actions if a in actions}
        schema = invariant_facts([f.name for f in card.required_fields], card.allowed_actions)
        self.invariants: tuple[tuple[str, Condition], ...] = tuple(
            (i.name, parse_condition(i.holds, schema)) for i in card.invariants)

    def ahead(self, source: str, target: str) -> bool:
        return target == "done" or (target not in TERMINAL_STATES
                                    and self.states.index(target) > self.states.index(source))

    def legal(self, m: Moved) -> bool:
        try:
            return self.machine.fire(m.source, m.event) == m.target
        except TransitionRefused:
            return False


def _visible(fields: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if not k.startswith("_")}


class Monitor:
    """Checks one conversation turn by turn, for every card that takes part in it."""

    def __init__(self, machines: Mapping[str, CompiledMachine],
                 actions: Mapping[str, ActionSpec] = DEFAULT_ACTIONS) -> None:
        self.cards = {cid: _Card(m, actions) for cid, m in machines.items()}
        self.instances: dict[str, _Instance] = {}

    def observe(self, said: Said, before: View, points: Sequence[Point]) -> list[Breach]:
        """The violations in one turn: ``said`` from where ``before`` shows, doing ``points``."""
        out: list[Breach] = []
        moved: set[str] = set()
        for p in points:
            if isinstance(p, Started) and p.kind != "resume":
                self.instances[p.card] = _Instance()
            elif isinstance(p, Moved) and p.card in self.cards:
                out += self._moved(p, said, before, again=p.card in moved)
                moved.add(p.card)
            elif isinstance(p, Acted) and p.card in self.cards:
                out += self._acted(p)
            elif isinstance(p, Settled) and p.card in self.cards:
                out += self._invariants(p.card, p.facts, p.fields, "when the turn settles")
            elif isinstance(p, Cycle):
                out.append(Breach("rule_cycle", p.message))
        return out

    def _instance(self, card: str) -> _Instance:
        return self.instances.setdefault(card, _Instance())

    def _moved(self, m: Moved, said: Said, before: View, again: bool) -> list[Breach]:
        c, inst = self.cards[m.card], self._instance(m.card)
        if m.refused:
            return [Breach("refused_event", f"rule {m.rule} emits '{m.event}' in state "
                           f"'{m.source}', which the machine does not accept there")]
        out = []
        if not c.legal(m):
            out.append(Breach("refused_event", f"'{m.event}' took '{m.source}' to "
                              f"'{m.target}', which is no transition of the compiled machine"))
        step = c.card.step(m.source) if m.source not in TERMINAL_STATES else None
        if m.event == "deny" and c.ahead(m.source, m.target):
            out.append(Breach("deny_moves_forward", f"a 'no' to the read-back of step "
                              f"'{m.source}' moves the conversation forward to '{m.target}'"))
        elif m.event == "action_failed" and c.ahead(m.source, m.target):
            out.append(Breach("failure_moves_forward", f"when '{step.action if step else ''}'"
                              f" fails, step '{m.source}' moves forward to '{m.target}'"))
        elif m.event == "advance" and step is not None and step.kind == "confirm":
            out.append(Breach("confirm_skipped", f"confirm step '{m.source}' is passed "
                              f"without a read-back (by {m.rule})"))
        if m.event == "confirm":
            fresh = (not again and before.card == m.card and before.state == m.source
                     and before.asked == CONFIRM and "affirm" in said.signals
                     and "deny" not in said.signals)
            inst.confirmed = _visible(before.fields) if fresh else None
            inst.undone = "" if fresh else (f"step '{m.source}' was confirmed by {m.rule} "
                                            "without a yes to a read-back given before")
        elif m.event == "deny" or m.event.startswith("correct_") or (
                m.event == "action_failed" and m.source != m.target):
            inst.confirmed, inst.undone = None, f"'{m.event}' came after the last yes"
        if c.completing >= 0:
            if step is not None and c.states.index(m.source) == c.completing \
                    and m.event in ("advance", "action_ok") and m.source != m.target:
                inst.completed = True
            elif m.target not in TERMINAL_STATES and c.states.index(m.target) <= c.completing:
                inst.completed = False
            if m.target == "done" and not inst.completed:
                last = c.card.steps[c.completing]
                out.append(Breach("done_without_action", f"the card reaches 'done' without its "
                                  f"completing action '{last.action}' (step '{last.id}') "
                                  "having succeeded"))
        inst.previous, inst.event = m.source, m.event
        return out

    def unconfirmed(self, card: str, fields: Mapping[str, str]) -> str:
        """"" when ``fields`` hold the values a fresh yes agreed to; else why not."""
        inst = self._instance(card)
        if inst.confirmed is None:
            return inst.undone
        now = _visible(fields)
        for k in sorted(set(now) | set(inst.confirmed)):
            if now.get(k) != inst.confirmed.get(k):
                return (f"'{k}' is {now.get(k)!r} but the customer agreed to "
                        f"{inst.confirmed.get(k)!r}")
        return ""

    def _acted(self, a: Acted) -> list[Breach]:
        if a.action == "escalate":  # planned by an escalation, not by a step
            return []
        c = self.cards[a.card]
        out = []
        missing = [n for n in c.needs.get(a.action, ()) if not a.fields.get(n)]
        confirms = a.action in c.card.confirm_before
        asked = [n for n in missing if n in c.collected]
        if asked:
            out.append(Breach("action_before_fields", f"action '{a.action}' runs before "
                              f"{', '.join(asked)} {'is' if len(asked) == 1 else 'are'} "
                              "collected"))
        never = [n for n in missing if n not in c.collected]
        if never and confirms:
            out.append(Breach("field_never_asked", f"action '{a.action}' runs without "
                              f"{', '.join(never)}, which no step asks for"))
        why = self.unconfirmed(a.card, a.fields)
        if confirms and why:
            out.append(Breach("action_unconfirmed", f"action '{a.action}' runs without a "
                              f"fresh yes to a read-back of its values: {why}"))
        return out + self._invariants(a.card, a.facts, a.fields,
                                      f"when '{a.action}' is about to run", a.action)

    def _invariants(self, card: str, facts: Facts, fields: Mapping[str, str], when: str,
                    action: str = "") -> list[Breach]:
        c = self.cards[card]
        if not c.invariants or facts.get("machine.card") != card:
            return []
        inst = self._instance(card)
        seen: Facts = dict(facts)
        seen["verify.confirmed"] = not self.unconfirmed(card, fields)
        if action:
            seen["verify.action"] = action
        if inst.event:
            seen["verify.previous"], seen["verify.event"] = inst.previous, inst.event
        return [Breach("invariant", f"invariant '{name}' ({cond.text}) does not hold {when}, "
                       f"in state '{facts.get('machine.state')}'")
                for name, cond in c.invariants if not cond.evaluate(seen)]


__all__ = ["Acted", "Breach", "Cycle", "Monitor", "Moved", "Point", "Settled", "Started",
           "View"]
