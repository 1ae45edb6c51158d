"""The rule IR: our own plain dataclasses, independent of any rules engine.

A rule is a name, a salience, one condition (a string in the safe condition language,
parsed and type-checked against a fact schema) and a tuple of consequences. Consequences
are *data*: the engine that evaluates rules only reports which rules matched; what a
consequence means (move a machine, plan an action, set a derived fact) is interpreted by
the caller. That keeps rule actions free of Python side effects, which matters because
durable-rules swallows exceptions raised inside actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TypeAlias

Scalar: TypeAlias = str | int | float | bool
"""A fact value. Facts are flat: one name, one scalar value."""

Facts: TypeAlias = dict[str, Scalar]
"""A set of facts, keyed by dotted name (``field.service``, ``signal.affirm``)."""


class FactType(Enum):
    """The declared type of a fact name; conditions are type-checked against it."""

    BOOL = "bool"  # always present; defaults to False
    INT = "int"  # always present; defaults to 0
    FLOAT = "float"  # always present; defaults to 0.0
    STR = "str"  # may be absent; a bare name in a condition means "present"


FactSchema: TypeAlias = dict[str, FactType]
"""Every fact name a condition may mention, with its type. Unknown names fail at load."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A consequence value taken from another fact at firing time."""

    name: str


@dataclass(frozen=True, slots=True)
class Emit:
    """Fire a machine event (``advance``, ``confirm``, ``escalate``, ...)."""

    event: str


@dataclass(frozen=True, slots=True)
class Set:
    """Assert a derived fact (``decision.topic``, ``reply.note``, ...)."""

    name: str
    value: Scalar | Ref


@dataclass(frozen=True, slots=True)
class Plan:
    """Plan a typed action; its arguments come from the conversation's fields."""

    action: str


@dataclass(frozen=True, slots=True)
class Escalate:
    """Hand the conversation to a human, with an owner-readable reason."""

    reason: str


@dataclass(frozen=True, slots=True)
class Say:
    """Add an item to the reply plan (``ask``, ``offer_slots``, ``confirm``, ...)."""

    kind: str
    arg: str = ""


Consequence: TypeAlias = Emit | Set | Plan | Escalate | Say


@dataclass(frozen=True, slots=True)
class Rule:
    """One forward-chaining rule.

    ``when`` is a condition-language string; ``reason`` is the sentence an owner reads in
    the audit ("the customer said yes while we were confirming").
    """

    name: str
    when: str
    then: tuple[Consequence, ...]
    salience: int = 0
    reason: str = ""
    source: str = ""  # where the rule came from: "card:book", "policy:stickiness", ...


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A named, reusable collection of rules (one per card, one per policy)."""

    name: str
    rules: tuple[Rule, ...] = field(default=())
