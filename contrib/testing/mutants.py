"""Mutants of a card: the slips a careless author makes, generated mechanically.

Each operator changes a card's data the way an author editing the YAML by hand might get it
wrong — a step deleted, two steps swapped, an action moved first, a step duplicated, a
field dropped or retyped, ``on_fail``/``on_deny`` pointed elsewhere, the read-back or the
escalation or an invariant dropped, a skip condition added, dropped or negated, a claim
("booked") said by a step, a collect step asking for the wrong field, a ``say:`` key
misspelt. A mutant either fails to load (the loader refuses it), is *killed* (``frontdesk
verify`` reports a violation) or *survives* (verify calls it sound). A survivor is either
an equivalent mutant — the change is harmless, such as two independent questions swapped —
or a hole in the checker; ``tests/contrib/test_mutants.py`` keeps the reviewed list of the
equivalent ones and fails on any other survivor, and ``python -m bench.verify`` prints the
counts.

Mutant ids are stable (``<subject>:<operator>:<what>``), so the reviewed list survives
unrelated changes to the generator. Pure: data in, data out.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from machines.card import Card
from machines.errors import InvalidCard
from machines.loader import card_from_data
from machines.verify import (
    DEFAULT_MAX_STATES,
    StateLimitExceeded,
    compile_subject,
    format_counterexample,
    verify,
)

Data = dict[str, Any]

CLAIMS = ("booked", "rescheduled", "cancelled", "message_taken")
"""What a say step may wrongly claim: the words of a commit."""

_COMMIT_CLAIM = {
    "book": "booked",
    "reschedule": "rescheduled",
    "cancel": "cancelled",
    "take_message": "message_taken",
}
_SKIP_CONDITIONS = ("customer.known", "channel.voice")


@dataclass(frozen=True, slots=True)
class Mutant:
    id: str  # <subject>:<operator>:<what>
    subject: str  # the card (or business/card) it was made from
    operator: str
    data: Data  # the mutated card, as a card file would hold it

    def describe(self) -> str:
        return self.id


def mutants(subject: str, card: Card) -> list[Mutant]:
    """Every mutant of ``card`` (named ``subject``), each distinct from the card and from
    each other; the first of two that come out identical is kept."""
    base = card.model_dump(mode="json")
    seen = {_key(base)}
    out: list[Mutant] = []
    for operator, what, data in _all(base):
        key = _key(data)
        if key in seen:
            continue
        seen.add(key)
        out.append(Mutant(f"{subject}:{operator}:{what}", subject, operator, data))
    return out


def _key(data: Data) -> str:
    return json.dumps(data, sort_keys=True)


def _all(base: Data) -> Iterator[tuple[str, str, Data]]:
    for op in _OPERATORS:
        yield from op(base)


def _steps(data: Data) -> list[Data]:
    steps: list[Data] = data["steps"]
    return steps


def _with(base: Data, **changes: Any) -> Data:
    data = copy.deepcopy(base)
    data.update(copy.deepcopy(changes))
    return data


def _edit_step(base: Data, index: int, **changes: Any) -> Data:
    data = copy.deepcopy(base)
    step = _steps(data)[index]
    for key, value in changes.items():
        if value is None:
            step.pop(key, None)
        else:
            step[key] = value
    return data


# ---------------------------------------------------------------------- steps


def _delete_step(base: Data) -> Iterator[tuple[str, str, Data]]:
    for i, step in enumerate(_steps(base)):
        data = copy.deepcopy(base)
        del _steps(data)[i]
        yield "delete_step", step["id"], data


def _swap_steps(base: Data) -> Iterator[tuple[str, str, Data]]:
    steps = _steps(base)
    for i in range(len(steps) - 1):
        data = copy.deepcopy(base)
        s = _steps(data)
        s[i], s[i + 1] = s[i + 1], s[i]
        yield "swap_steps", f"{steps[i]['id']}<>{steps[i + 1]['id']}", data


def _action_first(base: Data) -> Iterator[tuple[str, str, Data]]:
    for i, step in enumerate(_steps(base)):
        if i == 0 or step["kind"] != "action":
            continue
        data = copy.deepcopy(base)
        s = _steps(data)
        s.insert(0, s.pop(i))
        yield "action_first", step["id"], data


def _duplicate_step(base: Data) -> Iterator[tuple[str, str, Data]]:
    for i, step in enumerate(_steps(base)):
        data = copy.deepcopy(base)
        twin = copy.deepcopy(step)
        twin["id"] = f"{step['id']}_again"
        _steps(data).insert(i + 1, twin)
        yield "duplicate_step", step["id"], data


def _collect_other_field(base: Data) -> Iterator[tuple[str, str, Data]]:
    """A collect step copied from its neighbour and not edited: it asks for the field of
    the next (or previous) collect step."""
    steps = _steps(base)
    collects = [i for i, s in enumerate(steps) if s["kind"] == "collect"]
    for n, i in enumerate(collects):
        for j in (
            collects[n - 1] if n > 0 else None,
            collects[n + 1] if n + 1 < len(collects) else None,
        ):
            if j is None:
                continue
            other = steps[j]["field"]
            yield (
                "collect_other_field",
                f"{steps[i]['id']}->{other}",
                _edit_step(base, i, field=other),
            )


def _on_fail(base: Data) -> Iterator[tuple[str, str, Data]]:
    steps = _steps(base)
    for i, step in enumerate(steps):
        if step["kind"] != "action":
            continue
        if step.get("on_fail"):
            yield "on_fail", f"{step['id']}->none", _edit_step(base, i, on_fail=None)
        for other in steps:
            if other["id"] != step["id"] and other["id"] != step.get("on_fail"):
                yield (
                    "on_fail",
                    f"{step['id']}->{other['id']}",
                    _edit_step(base, i, on_fail=other["id"]),
                )


def _on_deny(base: Data) -> Iterator[tuple[str, str, Data]]:
    steps = _steps(base)
    for i, step in enumerate(steps):
        if step["kind"] != "confirm":
            continue
        if step.get("on_deny"):
            yield "on_deny", f"{step['id']}->none", _edit_step(base, i, on_deny=None)
        for other in steps:
            if other["id"] != step["id"] and other["id"] != step.get("on_deny"):
                yield (
                    "on_deny",
                    f"{step['id']}->{other['id']}",
                    _edit_step(base, i, on_deny=other["id"]),
                )


def _say_claims(base: Data) -> Iterator[tuple[str, str, Data]]:
    """A step that says the result before (or after) the action that produces it."""
    steps = _steps(base)
    for i, step in enumerate(steps):
        if step["kind"] != "action":
            continue
        claims = [_COMMIT_CLAIM.get(step["action"], "booked")]
        for claim in claims:
            for where, at in (("before", i), ("after", i + 1)):
                data = copy.deepcopy(base)
                _steps(data).insert(at, {"id": f"say_{claim}", "kind": "say", "say": claim})
                yield "say_claim", f"{claim}_{where}_{step['id']}", data


def _say_typo(base: Data) -> Iterator[tuple[str, str, Data]]:
    """A say step whose key is misspelt: it would be worded as the fallback."""
    steps = _steps(base)
    data = copy.deepcopy(base)
    says = [i for i, s in enumerate(steps) if s["kind"] == "say"]
    if says:
        i = says[0]
        key = steps[i]["say"]
        _steps(data)[i]["say"] = key[:-1] if len(key) > 3 else key + "x"
        yield "say_typo", steps[i]["id"], data
    else:
        _steps(data).append({"id": "thanks", "kind": "say", "say": "anythng_else"})
        yield "say_typo", "thanks", data


def _skip_if(base: Data) -> Iterator[tuple[str, str, Data]]:
    steps = _steps(base)
    for i, step in enumerate(steps):
        cond = step.get("skip_if")
        if cond:
            yield "drop_skip_if", step["id"], _edit_step(base, i, skip_if=None)
            yield "negate_skip_if", step["id"], _edit_step(base, i, skip_if=f"not ({cond})")
            continue
        for added in _SKIP_CONDITIONS:
            yield "add_skip_if", f"{step['id']}:{added}", _edit_step(base, i, skip_if=added)


# ---------------------------------------------------------------------- fields


def _drop_field(base: Data) -> Iterator[tuple[str, str, Data]]:
    for f in base.get("required_fields", []):
        data = copy.deepcopy(base)
        data["required_fields"] = [x for x in data["required_fields"] if x["name"] != f["name"]]
        data["steps"] = [s for s in _steps(data) if s.get("field") != f["name"]]
        yield "drop_field", f["name"], data


def _retype(base: Data) -> Iterator[tuple[str, str, Data]]:
    for n, f in enumerate(base.get("required_fields", [])):
        if f["type"] == "text":
            continue
        data = copy.deepcopy(base)
        data["required_fields"][n]["type"] = "text"
        yield "retype", f"{f['name']}:text", data


def _from_opening(base: Data) -> Iterator[tuple[str, str, Data]]:
    for n, f in enumerate(base.get("required_fields", [])):
        if f["type"] != "text":
            continue
        data = copy.deepcopy(base)
        data["required_fields"][n]["from_opening"] = not f.get("from_opening", False)
        yield "from_opening", f"{f['name']}:{str(not f.get('from_opening', False)).lower()}", data


# ---------------------------------------------------------------------- card-wide lists


def _drop_confirm_before(base: Data) -> Iterator[tuple[str, str, Data]]:
    for action in base.get("confirm_before", []):
        rest = [a for a in base["confirm_before"] if a != action]
        yield "drop_confirm_before", action, _with(base, confirm_before=rest)


def _drop_escalation(base: Data) -> Iterator[tuple[str, str, Data]]:
    escalations = base.get("auto_escalate_if", [])
    for n in range(len(escalations)):
        rest = escalations[:n] + escalations[n + 1 :]
        yield "drop_escalation", str(n + 1), _with(base, auto_escalate_if=rest)
        negated = copy.deepcopy(escalations)
        negated[n]["when"] = f"not ({negated[n]['when']})"
        yield "negate_escalation", str(n + 1), _with(base, auto_escalate_if=negated)


def _drop_invariant(base: Data) -> Iterator[tuple[str, str, Data]]:
    invariants = base.get("invariants", [])
    for inv in invariants:
        rest = [x for x in invariants if x["name"] != inv["name"]]
        yield "drop_invariant", inv["name"], _with(base, invariants=rest)
    if len(invariants) > 1:
        yield "drop_invariant", "all", _with(base, invariants=[])


def _drop_allowed(base: Data) -> Iterator[tuple[str, str, Data]]:
    for action in base.get("allowed_actions", []):
        rest = [a for a in base["allowed_actions"] if a != action]
        yield "drop_allowed_action", action, _with(base, allowed_actions=rest)


def _unsafe_together(base: Data) -> Iterator[tuple[str, str, Data]]:
    """Two slips that the author's own guards would each catch alone: the read-back and
    the invariants that would notice it missing, dropped together."""
    steps = _steps(base)
    for i, step in enumerate(steps):
        if step["kind"] != "confirm":
            continue
        data = copy.deepcopy(base)
        del _steps(data)[i]
        for j, s in enumerate(_steps(data)):  # whatever pointed at it points on
            if s.get("on_deny") == step["id"] or s.get("on_fail") == step["id"]:
                _steps(data)[j] = {
                    k: v for k, v in s.items() if v != step["id"] or k not in ("on_deny", "on_fail")
                }
        data["confirm_before"] = []
        data["invariants"] = []
        yield "drop_read_back_and_guards", step["id"], data


_OPERATORS = (
    _delete_step,
    _swap_steps,
    _action_first,
    _duplicate_step,
    _collect_other_field,
    _on_fail,
    _on_deny,
    _say_claims,
    _say_typo,
    _skip_if,
    _drop_field,
    _retype,
    _from_opening,
    _drop_confirm_before,
    _drop_escalation,
    _drop_invariant,
    _drop_allowed,
    _unsafe_together,
)


FULL: Mapping[str, bool] = {
    "business.has_emergency": True,
    "business.has_human": True,
    "business.has_message": True,
}
"""The business facts a mutant is checked under: a business with every bundled card."""


@dataclass(frozen=True, slots=True)
class Verdict:
    mutant: Mutant
    outcome: str  # "refused" (at load), "killed" (a violation) or "survived"
    detail: str = ""  # the load problem, or the first violation's kind and message
    counterexample: str = ""  # the shortest conversation that shows the violation
    states: int = 0


def judge(
    mutant: Mutant, fixed: Mapping[str, bool] = FULL, max_states: int = DEFAULT_MAX_STATES
) -> Verdict:
    """Load ``mutant`` and check it: refused, killed (with a counterexample) or survived."""
    try:
        card = card_from_data(mutant.data, f"{mutant.id}.yaml")
    except InvalidCard as err:
        return Verdict(mutant, "refused", err.problems[0].message if err.problems else "")
    try:
        report = verify(
            *compile_subject(card), fixed=dict(fixed), max_states=max_states, first=True
        )
    except StateLimitExceeded as err:
        return Verdict(mutant, "killed", f"state_limit: {err}")
    if report.ok:
        return Verdict(mutant, "survived", states=report.states)
    first = report.violations[0]
    return Verdict(
        mutant,
        "killed",
        f"{first.kind}: {first.message}",
        format_counterexample(first.counterexample),
        report.states,
    )


__all__ = ["CLAIMS", "FULL", "Mutant", "Verdict", "judge", "mutants"]
