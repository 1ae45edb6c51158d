"""The checks a card must pass beyond its typed model.

The Pydantic model checks shapes; these checks resolve names: every field a step collects,
every step ``on_fail``/``on_deny`` names, every action against the registry and the card's
``allowed_actions``, the fields each action reads and their types, every ``say:`` key, a
confirm step before each ``confirm_before`` action, every ``confirm_exempt`` entry, and
every condition (parsed against the card's own fact schema, so an unknown name fails here
rather than at run time). All problems are returned, each at the line of the offending
value.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from machines.card import TERMINAL_STATES, Card
from machines.errors import Problem
from machines.facts import card_facts, invariant_facts
from machines.registry import DEFAULT_ACTIONS, SAY_WORDINGS, ActionSpec, claims
from machines.yamlio import EMPTY_LINES, LineMap, Path
from rules.condition import parse_condition
from rules.errors import ConditionError

Actions = Mapping[str, ActionSpec]


def validate_card(
    card: Card,
    source: str,
    line_map: LineMap = EMPTY_LINES,
    actions: Actions = DEFAULT_ACTIONS,
    untyped: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Every problem with a card that the typed model alone does not catch (``untyped``:
    fields whose unknown type was reported already, so their type is not judged again)."""
    return _Checker(card, source, line_map, actions, untyped).run()


class _Checker:
    def __init__(
        self, card: Card, source: str, lines: LineMap, actions: Actions, untyped: frozenset[str]
    ) -> None:
        self.card = card
        self.source = source
        self.lines = lines
        self.actions = actions
        self.untyped = untyped
        self.fields = [f.name for f in card.required_fields]
        self.step_ids = [s.id for s in card.steps]
        self.problems: list[Problem] = []

    def add(self, path: Path, message: str) -> None:
        self.problems.append(Problem(self.source, self.lines.line_of(path), message))

    def run(self) -> list[Problem]:
        self.duplicates()
        self.allowed_actions()
        self.steps()
        self.confirm_before()
        self.exemptions()
        self.conditions()
        return self.problems

    def duplicates(self) -> None:
        for index in _repeats(self.fields):
            self.add(
                ("required_fields", index, "name"), f"duplicate field name '{self.fields[index]}'"
            )
        for index in _repeats(self.step_ids):
            self.add(("steps", index, "id"), f"duplicate step id '{self.step_ids[index]}'")
        names = [inv.name for inv in self.card.invariants]
        for index in _repeats(names):
            self.add(("invariants", index, "name"), f"duplicate invariant name '{names[index]}'")

    def known_action(self, path: Path, action: str) -> bool:
        if action in self.actions:
            return True
        self.add(path, f"unknown action '{action}'{did_you_mean(action, self.actions)}")
        return False

    def allowed_actions(self) -> None:
        card = self.card
        for index, action in enumerate(card.allowed_actions):
            if not self.known_action(("allowed_actions", index), action):
                continue
            spec = self.actions[action]
            for need in spec.needs:
                if need not in self.fields:
                    self.add(
                        ("allowed_actions", index),
                        f"action '{action}' needs field '{need}', which card '{card.id}'"
                        " does not declare",
                    )
            for name in dict.fromkeys([*spec.needs, *dict(spec.reads)]):
                wanted = spec.type_of(name)
                if name not in self.fields or wanted is None or name in self.untyped:
                    continue
                declared = card.field(name).type
                if declared != wanted:
                    self.add(
                        ("required_fields", self.fields.index(name), "type"),
                        f"action '{action}' reads field '{name}' as {_a(wanted)}, but card"
                        f" '{card.id}' declares it as {_a(declared)}",
                    )

    def steps(self) -> None:
        card = self.card
        if not card.steps:
            self.add(("steps",), f"card '{card.id}' has no steps")
        for index, step in enumerate(card.steps):
            at: Path = ("steps", index)
            if step.id in TERMINAL_STATES:
                self.add(at + ("id",), f"step id '{step.id}' is reserved for a terminal state")
            for part, kind in (
                ("field", "collect"),
                ("action", "action"),
                ("say", "say"),
                ("on_fail", "action"),
                ("on_deny", "confirm"),
            ):
                if getattr(step, part) is not None and step.kind != kind:
                    self.add(
                        at + (part,),
                        f"step '{step.id}' is a {step.kind} step; '{part}' belongs to {kind} steps",
                    )
            if step.field is not None and step.field not in self.fields:
                self.add(
                    at + ("field",),
                    f"step '{step.id}' collects field '{step.field}', which card"
                    f" '{card.id}' does not declare{did_you_mean(step.field, self.fields)}",
                )
            if (
                step.action is not None
                and self.known_action(at + ("action",), step.action)
                and step.action not in card.allowed_actions
            ):
                self.add(
                    at + ("action",),
                    f"step '{step.id}' runs action '{step.action}', which is not in"
                    " allowed_actions",
                )
            for part in ("on_fail", "on_deny"):
                target = getattr(step, part)
                if target is not None and target not in self.step_ids:
                    self.add(
                        at + (part,),
                        f"{part} of step '{step.id}' names no step: '{target}'"
                        f"{did_you_mean(target, self.step_ids)}",
                    )
            if step.kind == "say" and step.say is not None:
                self.say_key(at + ("say",), step.id, step.say)
            if step.kind == "confirm" and not any(
                s.kind == "action" for s in card.steps[index + 1 :]
            ):
                self.add(at, f"confirm step '{step.id}' has no action after it to confirm")

    def say_key(self, path: Path, step: str, key: str) -> None:
        known = list(SAY_WORDINGS) + list(claims(self.actions))
        if key not in known:
            self.add(
                path,
                f"step '{step}' says '{key}', which is no known say key"
                f"{did_you_mean(key, known)} (a say step says one of: "
                f"{', '.join(SAY_WORDINGS)})",
            )

    def exemptions(self) -> None:
        """Each committing action that may run without a yes: known, allowed, committing,
        and not also listed in confirm_before."""
        card = self.card
        for index, exemption in enumerate(card.confirm_exempt):
            at: Path = ("confirm_exempt", index, "action")
            action = exemption.action
            if not self.known_action(at, action):
                continue
            if action not in card.allowed_actions:
                self.add(
                    at, f"confirm_exempt names action '{action}', which is not in allowed_actions"
                )
            elif not self.actions[action].commits:
                self.add(
                    at,
                    f"confirm_exempt names action '{action}', which commits nothing"
                    " and needs no yes anyway",
                )
            if action in card.confirm_before:
                self.add(at, f"action '{action}' is both in confirm_before and exempt from it")

    def confirm_before(self) -> None:
        card = self.card
        for index, action in enumerate(card.confirm_before):
            at: Path = ("confirm_before", index)
            if not self.known_action(at, action):
                continue
            if action not in card.allowed_actions:
                self.add(
                    at, f"confirm_before names action '{action}', which is not in allowed_actions"
                )
            for position, step in enumerate(card.steps):
                if step.action == action:
                    self.confirmed(position, action)

    def confirmed(self, position: int, action: str) -> None:
        """A confirm step must come before the step and after every field collected before
        it, so the read-back covers everything the action will use."""
        step = self.card.steps[position]
        earlier = self.card.steps[:position]
        confirms = [i for i, s in enumerate(earlier) if s.kind == "confirm"]
        at: Path = ("steps", position, "action")
        if not confirms:
            self.add(
                at,
                f"action '{action}' is in confirm_before but step '{step.id}' has no"
                " confirm step before it",
            )
            return
        for later in earlier[confirms[-1] + 1 :]:
            if later.kind == "collect":
                self.add(
                    at,
                    f"step '{later.id}' collects '{later.field}' after confirm step"
                    f" '{earlier[confirms[-1]].id}', so step '{step.id}' would run"
                    f" action '{action}' on an unconfirmed value",
                )

    def conditions(self) -> None:
        card = self.card
        schema = card_facts(self.fields, card.allowed_actions)
        found: list[tuple[Path, str]] = [
            (("steps", i, "skip_if"), s.skip_if) for i, s in enumerate(card.steps) if s.skip_if
        ]
        found += [
            (("auto_escalate_if", i, "when"), e.when) for i, e in enumerate(card.auto_escalate_if)
        ]
        # invariants are checked by ``frontdesk verify``, which also knows the verify.* facts
        proof = invariant_facts(self.fields, card.allowed_actions)
        checked = [(path, text, schema) for path, text in found]
        checked += [
            (("invariants", i, "holds"), inv.holds, proof) for i, inv in enumerate(card.invariants)
        ]
        for path, text, names in checked:
            try:
                parse_condition(text, names)
            except ConditionError as err:
                self.add(path, _condition_message(err, text, names))


def _condition_message(err: ConditionError, text: str, schema: Mapping[str, object]) -> str:
    if err.unknown_name:
        return (
            f"unknown name '{err.unknown_name}' in condition {text!r}"
            f"{did_you_mean(err.unknown_name, schema)}"
        )
    column = f" (column {err.position + 1})" if isinstance(err.position, int) else ""
    return f"invalid condition {text!r}: {err.message}{column}"


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _repeats(names: Sequence[str]) -> list[int]:
    """Indexes of every occurrence after the first of a repeated name."""
    seen: Counter[str] = Counter()
    out = []
    for index, name in enumerate(names):
        seen[name] += 1
        if seen[name] > 1:
            out.append(index)
    return out


def did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


__all__ = ["did_you_mean", "validate_card"]
