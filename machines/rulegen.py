"""Rules generated from a card: the guards and reactions of its machine, as data.

Guards are rules, not Python callbacks. For every step the card declares, a handful of
named rules say when the machine moves and what the reply must say; the names
(``book.confirm.yes``) are what an owner reads in the audit. Salience orders reactions
within a round: escalation beats corrections beats progress beats wording.
"""

from __future__ import annotations

from rules.ir import Emit, Escalate, Plan, Rule, RuleSet, Say

from .card import Card, Step

SALIENCE_ESCALATE = 100
SALIENCE_SKIP = 90
SALIENCE_CORRECT = 70
CORRECT_BAND = SALIENCE_SKIP - SALIENCE_CORRECT  # earlier steps' corrections rank higher
SALIENCE_PROGRESS = 50
SALIENCE_RUN = 40
SALIENCE_INVALID = 20
SALIENCE_WORDING = 10


def _q(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _at(step: Step) -> str:
    return f"machine.state == {_q(step.id)}"


def _step_rules(card: Card, step: Step) -> list[Rule]:
    name = f"{card.id}.{step.id}"
    src = f"card:{card.id}"
    at = _at(step)
    rules: list[Rule] = []
    if step.skip_if:
        rules.append(
            Rule(
                name=f"{name}.skip",
                when=f"{at} and ({step.skip_if})",
                then=(Emit("advance"),),
                salience=SALIENCE_SKIP,
                source=src,
                reason=f"step '{step.id}' is skipped because {step.skip_if}",
            )
        )
        guard = f" and not ({step.skip_if})"
    else:
        guard = ""
    if step.kind == "collect":
        f = step.field
        rules += [
            Rule(
                name=f"{name}.collected",
                when=f"{at} and field.{f}{guard}",
                then=(Emit("advance"),),
                salience=SALIENCE_PROGRESS,
                source=src,
                reason=f"we have the {f}, so we move on",
            ),
            Rule(
                name=f"{name}.invalid",
                when=f"{at} and invalid.{f}{guard}",
                then=(Say("invalid", str(f)), Say("ask", str(f))),
                salience=SALIENCE_INVALID,
                source=src,
                reason=f"the {f} given cannot be used, so we ask again",
            ),
            Rule(
                name=f"{name}.ask",
                when=f"{at} and not field.{f} and not invalid.{f}{guard}",
                then=(Say("ask", str(f)),),
                salience=SALIENCE_WORDING,
                source=src,
                reason=f"we still need the {f}",
            ),
        ]
    elif step.kind == "action":
        a = step.action
        rules += [
            Rule(
                name=f"{name}.run",
                when=f"{at} and not action.{a}.ok and not action.{a}.failed{guard}",
                then=(Plan(str(a)),),
                salience=SALIENCE_RUN,
                source=src,
                reason=f"step '{step.id}' runs {a}",
            ),
            Rule(
                name=f"{name}.ok",
                when=f"{at} and action.{a}.ok{guard}",
                then=(Emit("action_ok"),),
                salience=SALIENCE_PROGRESS,
                source=src,
                reason=f"{a} succeeded",
            ),
            Rule(
                name=f"{name}.failed",
                when=f"{at} and action.{a}.failed{guard}",
                then=(Emit("action_failed"),),
                salience=SALIENCE_PROGRESS,
                source=src,
                reason=f"{a} failed",
            ),
        ]
    elif step.kind == "confirm":
        rules += [
            Rule(
                name=f"{name}.yes",
                when=f"{at} and not machine.fresh and signal.affirm and not signal.deny{guard}",
                then=(Emit("confirm"),),
                salience=SALIENCE_PROGRESS,
                source=src,
                reason="the customer said yes to the read-back",
            ),
            Rule(
                name=f"{name}.no",
                when=f"{at} and not machine.fresh and signal.deny{guard}",
                then=(Emit("deny"),),
                salience=SALIENCE_PROGRESS - 1,
                source=src,
                reason="the customer said no to the read-back",
            ),
            Rule(
                name=f"{name}.read_back",
                when=f"{at} and (machine.fresh or not (signal.affirm or signal.deny)){guard}",
                then=(Say("confirm"),),
                salience=SALIENCE_WORDING,
                source=src,
                reason="nothing is committed without an explicit yes",
            ),
        ]
    elif step.kind == "say":
        rules.append(
            Rule(
                name=f"{name}.say",
                when=f"{at}{guard}",
                then=(Say(str(step.say)), Emit("advance")),
                salience=SALIENCE_PROGRESS,
                source=src,
                reason=f"step '{step.id}' says {step.say}",
            )
        )
    return rules


def _correction_rules(card: Card) -> list[Rule]:
    """Going back to a corrected field's step. When one message corrects several fields,
    the earliest step wins (a higher salience, within the band below skips): going back
    there asks again for everything after it, the other corrected fields included, while
    going back to a later one would keep what the earlier correction invalidated (a slot
    searched for the old service)."""
    rules: list[Rule] = []
    collected = 0
    for i, step in enumerate(card.steps):
        if step.kind != "collect":
            continue
        rank, collected = collected, collected + 1
        later = [s.id for s in card.steps[i + 1 :]]
        if not later:
            continue
        states = ", ".join(_q(s) for s in later)
        rules.append(
            Rule(
                name=f"{card.id}.{step.id}.corrected",
                when=f"corrected.{step.field} and machine.state in [{states}]",
                then=(Emit(f"correct_{step.id}"),),
                salience=SALIENCE_CORRECT + max(0, CORRECT_BAND - 1 - rank),
                source=f"card:{card.id}",
                reason=f"the customer corrected the {step.field}, so we go back to it",
            )
        )
    return rules


def _refusal_rules(card: Card) -> list[Rule]:
    """A refused value for a field no step asks for is said wherever the machine is."""
    collected = {s.field for s in card.steps if s.kind == "collect"}
    return [
        Rule(
            name=f"{card.id}.{f.name}.refused",
            when=f"invalid.{f.name} and not machine.terminal",
            then=(Say("invalid", f.name),),
            salience=SALIENCE_INVALID,
            source=f"card:{card.id}",
            reason=f"the {f.name} given cannot be used",
        )
        for f in card.required_fields
        if f.name not in collected
    ]


def _escalation_rules(card: Card) -> list[Rule]:
    return [
        Rule(
            name=f"{card.id}.escalate.{i + 1}",
            when=f"not machine.terminal and ({e.when})",
            then=(Escalate(e.reason), Emit("escalate")),
            salience=SALIENCE_ESCALATE,
            source=f"card:{card.id}",
            reason=e.reason,
        )
        for i, e in enumerate(card.auto_escalate_if)
    ]


def card_rules(card: Card) -> RuleSet:
    """Every rule a card implies: per-step guards, corrections and auto-escalation."""
    rules: list[Rule] = []
    for step in card.steps:
        rules += _step_rules(card, step)
    rules += _correction_rules(card)
    rules += _refusal_rules(card)
    rules += _escalation_rules(card)
    return RuleSet(name=f"card:{card.id}", rules=tuple(rules))


__all__ = ["card_rules"]
