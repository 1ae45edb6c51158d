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

A read-back passed by (a confirm step skipped) is a fault once an action it guards runs; a
committing action needs a fresh yes whatever ``confirm_before`` says (unless the card
exempts it); a rule or a say step never says what only a commit's success may say
(``booked``); a choice is asked for only after an action offered its options in the
topic; and :data:`FAILED_RUN` failed turns in a row (a value refused, an action failing)
without a handover count as failures without end.

A yes is *fresh* when the previous turn ended with the read-back of that very step, the
customer's message said yes and not no, and the step had not moved yet in this turn; the
values it agrees to are those read back. An action the card lists in ``confirm_before``
must run with exactly those values: a "no", a correction or a failure that goes back, or
any field that changed since, undoes the yes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from machines.abstract_turn import GUARDED
from machines.card import PROVEN, TERMINAL_STATES
from machines.compile import CompiledMachine
from machines.errors import TransitionRefused
from machines.facts import RAN, invariant_facts
from machines.registry import DEFAULT_ACTIONS, ActionSpec, claims
from rules.condition import Condition, parse_condition
from rules.ir import Facts

from .strategies import CONFIRM, Catalog, Said

FAILED_RUN = 6
"""Failed turns in a row, in one topic, that ``failure_unbounded`` allows. A bundled card
hands over after three failures without a success between them; a failure followed by a
success in the same turn (a booking refused, the new search offering other times) starts
the count again, so a run of failed turns stays well below this."""


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


@dataclass(frozen=True, slots=True)
class Spoke:
    """A rule of ``card`` put ``kind`` (with ``arg``) in the reply."""

    card: str
    rule: str
    kind: str
    arg: str = ""


Point = Started | Moved | Acted | Spoke | Settled | Cycle


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
    ran: set[str] = field(default_factory=set)  # actions that succeeded (verify.ran.*)
    skipped: tuple[str, str] | tuple[()] = ()  # a read-back passed by: (step, how)
    failing: int = 0  # failed turns in a row
    failed: dict[str, frozenset[str]] = field(default_factory=dict)  # action -> the fields
    # one of which must be given or asked again before it may run again (retry_after)


class _Card:
    """The parts of a card the checks read, prepared once."""

    def __init__(self, machine: CompiledMachine, actions: Mapping[str, ActionSpec]) -> None:
        card = self.card = machine.card
        self.machine = machine
        self.states = machine.states
        self.collected = frozenset(s.field for s in card.steps if s.kind == "collect")
        self.completing = max(
            (i for i, s in enumerate(card.steps) if s.kind == "action"), default=-1
        )
        if self.completing < 0:  # a card that only says something: its last say step
            self.completing = max(
                (i for i, s in enumerate(card.steps) if s.kind == "say"), default=-1
            )
        self.specs = {a: actions[a] for a in card.allowed_actions if a in actions}
        exempt = {e.action for e in card.confirm_exempt}
        self.commits = frozenset(
            a
            for a, spec in self.specs.items()
            if spec.commits and a not in exempt and a not in card.confirm_before
        )
        self.exempt = frozenset(a for a, spec in self.specs.items() if spec.commits and a in exempt)
        self.known = frozenset(
            f.name for f in card.required_fields if f.from_opening and f.type == "text"
        )
        self.offered = {
            f.name: frozenset(a for a, spec in self.specs.items() if spec.offers == f.type)
            for f in card.required_fields
            if f.type in ("offered_slot", "choice")
        }
        self.fields = frozenset(f.name for f in card.required_fields)
        self.results = frozenset(a for a, spec in self.specs.items() if spec.commits) or frozenset(
            self.specs
        )
        schema = invariant_facts([f.name for f in card.required_fields], card.allowed_actions)
        self.invariants: tuple[tuple[str, Condition], ...] = tuple(
            (i.name, parse_condition(i.holds, schema)) for i in card.invariants
        )

    def ahead(self, source: str, target: str) -> bool:
        return target == "done" or (
            target not in TERMINAL_STATES and self.states.index(target) > self.states.index(source)
        )

    def legal(self, m: Moved) -> bool:
        try:
            return self.machine.fire(m.source, m.event) == m.target
        except TransitionRefused:
            return False


def _visible(fields: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if not k.startswith("_")}


class Monitor:
    """Checks one conversation turn by turn, for every card that takes part in it."""

    def __init__(
        self,
        machines: Mapping[str, CompiledMachine],
        actions: Mapping[str, ActionSpec] = DEFAULT_ACTIONS,
    ) -> None:
        self.cards = {cid: _Card(m, actions) for cid, m in machines.items()}
        self.claims = claims(actions)
        self.instances: dict[str, _Instance] = {}

    def observe(self, said: Said, before: View, points: Sequence[Point]) -> list[Breach]:
        """The violations in one turn: ``said`` from where ``before`` shows, doing ``points``."""
        out: list[Breach] = []
        moved: set[str] = set()
        failed: set[str] = set()  # cards with a failure in this turn
        handed: set[str] = set()  # cards that handed the conversation over
        for value in said.values:  # given: an action that failed may run again
            if value.usable:
                for inst in self.instances.values():
                    self._changed(inst, value.field)
        for p in points:
            if isinstance(p, Started) and p.kind != "resume":
                self.instances[p.card] = _Instance()
            elif isinstance(p, Moved) and p.card in self.cards:
                out += self._moved(p, said, before, again=p.card in moved)
                moved.add(p.card)
                if p.target == "escalated":
                    handed.add(p.card)
            elif isinstance(p, Acted) and p.card in self.cards:
                out += self._acted(p)
                if p.action == "escalate":
                    handed.add(p.card)
                elif not p.ok:
                    failed.add(p.card)
            elif isinstance(p, Spoke) and p.card in self.cards:
                out += self._spoke(p)
            elif isinstance(p, Settled) and p.card in self.cards:
                out += self._invariants(p.card, p.facts, p.fields, "when the turn settles")
                out += self._denied(p, points, before)
                if any(not v.usable and v.field in self.cards[p.card].fields for v in said.values):
                    failed.add(p.card)
                out += self._failing(p.card, p.card in failed, p.card in handed)
            elif isinstance(p, Cycle):
                out.append(Breach("rule_cycle", p.message))
        return out

    def _denied(self, end: Settled, points: Sequence[Point], before: View) -> list[Breach]:
        """A "no" to a read-back that ends the turn on the same read-back, unchanged."""
        denied = [
            m.source
            for m in points
            if isinstance(m, Moved) and m.card == end.card and m.event == "deny"
        ]
        state = end.facts.get("machine.state")
        read_back = any(
            isinstance(p, Spoke) and p.card == end.card and p.kind == "confirm" for p in points
        )
        if (
            denied
            and denied[-1] == state
            and read_back
            and before.card == end.card
            and _visible(before.fields) == _visible(end.fields)
        ):
            return [
                Breach(
                    "deny_ignored",
                    f"a 'no' to the read-back of step '{state}' brings "
                    "back the same read-back, with nothing asked again or changed",
                )
            ]
        return []

    @staticmethod
    def _changed(inst: _Instance, name: str) -> None:
        """Field ``name`` was given or dropped: a failed action reading it may run again."""
        for action in [a for a, names in inst.failed.items() if name in names]:
            del inst.failed[action]

    def _failing(self, card: str, failed: bool, handed: bool) -> list[Breach]:
        inst = self._instance(card)
        inst.failing = inst.failing + 1 if failed and not handed else 0
        if inst.failing <= FAILED_RUN:
            return []
        return [
            Breach(
                "failure_unbounded",
                f"{inst.failing} failed turns in a row (a value "
                "refused or an action failing in each) and nothing hands the "
                "conversation over",
            )
        ]

    def _spoke(self, p: Spoke) -> list[Breach]:
        c, inst = self.cards[p.card], self._instance(p.card)
        out = []
        action = self.claims.get(p.kind)
        if action is not None:
            out.append(
                Breach(
                    "claim_without_commit",
                    f"rule {p.rule} says '{p.kind}', which "
                    f"only action '{action}' succeeding may say",
                )
            )
        offers = c.offered.get(p.arg) if p.kind in ("ask", "invalid") else None
        if offers is not None and not offers & inst.ran:
            out.append(
                Breach(
                    "choice_before_options",
                    f"the customer is asked to choose "
                    f"'{p.arg}' before anything was offered to choose from in this "
                    "topic",
                )
            )
        return out

    def _instance(self, card: str) -> _Instance:
        return self.instances.setdefault(card, _Instance())

    def _moved(self, m: Moved, said: Said, before: View, again: bool) -> list[Breach]:
        c, inst = self.cards[m.card], self._instance(m.card)
        if m.refused:
            return [
                Breach(
                    "refused_event",
                    f"rule {m.rule} emits '{m.event}' in state "
                    f"'{m.source}', which the machine does not accept there",
                )
            ]
        out = []
        if not c.legal(m):
            out.append(
                Breach(
                    "refused_event",
                    f"'{m.event}' took '{m.source}' to "
                    f"'{m.target}', which is no transition of the compiled machine",
                )
            )
        step = c.card.step(m.source) if m.source not in TERMINAL_STATES else None
        if m.event == "deny" and c.ahead(m.source, m.target):
            out.append(
                Breach(
                    "deny_moves_forward",
                    f"a 'no' to the read-back of step "
                    f"'{m.source}' moves the conversation forward to '{m.target}'",
                )
            )
        elif m.event == "action_failed" and c.ahead(m.source, m.target):
            out.append(
                Breach(
                    "failure_moves_forward",
                    f"when '{step.action if step else ''}'"
                    f" fails, step '{m.source}' moves forward to '{m.target}'",
                )
            )
        elif m.event == "advance" and step is not None and step.kind == "confirm":
            inst.skipped = (
                m.source,
                f"confirm step '{m.source}' was passed without a read-back (by {m.rule})",
            )
        if inst.skipped and (
            m.event == "confirm"
            or m.target in TERMINAL_STATES
            or c.states.index(m.target) <= c.states.index(inst.skipped[0])
        ):
            inst.skipped = ()  # read back after all, or gone back before the read-back
        if m.event == "confirm":
            fresh = (
                not again
                and before.card == m.card
                and before.state == m.source
                and before.asked == CONFIRM
                and "affirm" in said.signals
                and "deny" not in said.signals
            )
            inst.confirmed = _visible(before.fields) if fresh else None
            inst.undone = (
                ""
                if fresh
                else (
                    f"step '{m.source}' was confirmed by {m.rule} "
                    "without a yes to a read-back given before"
                )
            )
        elif (
            m.event == "deny"
            or m.event.startswith("correct_")
            or (m.event == "action_failed" and m.source != m.target)
        ):
            inst.confirmed, inst.undone = None, f"'{m.event}' came after the last yes"
        if c.completing >= 0:
            if (
                step is not None
                and c.states.index(m.source) == c.completing
                and m.event in ("advance", "action_ok")
                and m.source != m.target
            ):
                inst.completed = (
                    m.event == "action_ok"
                    or m.rule == f"{c.card.id}.{m.source}.say"
                    or bool(c.results & inst.ran)
                )
            elif m.target not in TERMINAL_STATES and c.states.index(m.target) <= c.completing:
                inst.completed = False
            if m.target == "done" and not inst.completed:
                last = c.card.steps[c.completing]
                what = f"action '{last.action}'" if last.kind == "action" else f"say '{last.say}'"
                out.append(
                    Breach(
                        "done_without_action",
                        f"the card reaches 'done' without its "
                        f"completing step '{last.id}' ({what}) having done it, nor "
                        "anything the card commits before it",
                    )
                )
        inst.previous, inst.event = m.source, m.event
        back = c.card.step(m.target) if m.target not in TERMINAL_STATES else None
        if m.event in ("action_failed", "deny") and back is not None and back.field:
            self._changed(inst, back.field)  # going back to a question drops its answer
        return out

    def unconfirmed(self, card: str, fields: Mapping[str, str]) -> str:
        """ "" when ``fields`` hold the values a fresh yes agreed to; else why not."""
        inst = self._instance(card)
        if inst.confirmed is None:
            return inst.undone
        now = _visible(fields)
        for k in sorted(set(now) | set(inst.confirmed)):
            if now.get(k) != inst.confirmed.get(k):
                return (
                    f"'{k}' is {now.get(k)!r} but the customer agreed to {inst.confirmed.get(k)!r}"
                )
        return ""

    def _acted(self, a: Acted) -> list[Breach]:
        if a.action == "escalate":  # planned by an escalation, not by a step
            return []
        c, inst = self.cards[a.card], self._instance(a.card)
        out = []
        spec = c.specs.get(a.action)
        missing = spec.missing({k for k, v in a.fields.items() if v}) if spec else []
        confirms = a.action in c.card.confirm_before
        asked = [n for n in missing if n in c.collected]
        if asked:
            out.append(
                Breach(
                    "action_before_fields",
                    f"action '{a.action}' runs before "
                    f"{', '.join(asked)} {'is' if len(asked) == 1 else 'are'} "
                    "collected",
                )
            )
        never = [n for n in missing if n not in c.collected and n not in c.known]
        if never:
            out.append(
                Breach(
                    "field_never_asked",
                    f"action '{a.action}' runs without {', '.join(never)}, which no step asks for",
                )
            )
        if inst.skipped:
            out.append(
                Breach(
                    "confirm_skipped",
                    f"{inst.skipped[1]}, and action '{a.action}' "
                    "then runs: nothing was read back for a yes or a no",
                )
            )
        why = self.unconfirmed(a.card, a.fields)
        if confirms and why:
            out.append(
                Breach(
                    "action_unconfirmed",
                    f"action '{a.action}' runs without a "
                    f"fresh yes to a read-back of its values: {why}",
                )
            )
        if a.action in c.exempt and a.action in inst.ran:
            out.append(
                Breach(
                    "commit_unconfirmed",
                    f"action '{a.action}' commits again: it "
                    "already succeeded in this topic, and its exemption from the "
                    "read-back covers one run",
                )
            )
        if a.action in c.commits and why:
            out.append(
                Breach(
                    "commit_unconfirmed",
                    f"action '{a.action}' commits without a "
                    f"fresh yes to a read-back of its values: {why}",
                )
            )
        out += self._unproven(a, inst.ran)
        out += self._invariants(
            a.card, a.facts, a.fields, f"when '{a.action}' is about to run", a.action
        )
        if spec is not None and spec.retry_after:
            if a.action in inst.failed:
                out.append(
                    Breach(
                        "retry_unchanged",
                        f"action '{a.action}' runs again after it "
                        f"failed, with none of {', '.join(spec.retry_after)} given or "
                        "asked again since: it can only fail the same way",
                    )
                )
            if not a.ok:
                inst.failed[a.action] = frozenset(spec.retry_after)
            else:
                inst.failed.pop(a.action, None)
        if a.ok and spec is not None and spec.offers == "offered_slot":  # a new offer: a slot
            for f in c.card.required_fields:  # chosen from the last one is chosen again
                if f.type == spec.offers:
                    self._changed(inst, f.name)
        if a.ok:
            inst.ran.add(a.action)
            if spec is not None and spec.commits:  # a yes agrees to one commit
                inst.confirmed, inst.undone = None, f"the yes was used by '{a.action}'"
        return out

    def _unproven(self, a: Acted, ran: set[str]) -> list[Breach]:
        """Appointments are looked up only under a number proven in the conversation, and
        moved or cancelled only once such a look-up found them (abstract_turn.check_proven)."""
        if a.action not in GUARDED:
            return []
        card = self.cards[a.card].card
        phones = [f.name for f in card.required_fields if f.type == "phone"] or ["phone"]
        if any(a.facts.get(f"{PROVEN}{name}") is True for name in phones):
            return []
        if a.action != "find_appointment" and "find_appointment" in ran:
            return []
        return [
            Breach(
                "unverified_lookup",
                f"action '{a.action}' runs while the number ({', '.join(phones)}) is not "
                "proven in this conversation: nothing may be revealed or changed until a "
                "code sent to it is typed back",
            )
        ]

    def _invariants(
        self, card: str, facts: Facts, fields: Mapping[str, str], when: str, action: str = ""
    ) -> list[Breach]:
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
        for ran in inst.ran:
            seen[f"{RAN}{ran}"] = True
        return [
            Breach(
                "invariant",
                f"invariant '{name}' ({cond.text}) does not hold {when}, "
                f"in state '{facts.get('machine.state')}'",
            )
            for name, cond in c.invariants
            if not cond.evaluate(seen)
        ]


__all__ = [
    "FAILED_RUN",
    "Acted",
    "Breach",
    "Cycle",
    "Monitor",
    "Moved",
    "Point",
    "Settled",
    "Spoke",
    "Started",
    "View",
]
