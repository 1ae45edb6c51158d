"""Rule matching: which rules hold for a set of facts, behind one Protocol.

``PythonRuleEngine`` is the reference (it calls ``Condition.evaluate``);
``DurableRuleEngine`` compiles the same conditions to durable-rules, the production
backend. A property test keeps the two in agreement, and another backend (CLIPS via
clipspy) only has to implement ``RuleEngine``. Engines only *match*; what a rule's
consequences mean is the caller's business (see ``rules.fixpoint``).

Both constructors parse and type-check every condition and reject duplicate rule names,
so a bad rule set fails when it is compiled, naming the rule. Both check the facts given
to ``match`` against the schema, so neither backend sees a value the other would read
differently (a float that is not finite, an integer beyond 2**53, text that is not
UTF-8, ...). Facts the schema does not declare are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from . import _durable_host
from ._durable_expr import Cost, Durable, cost, property_name
from ._lexer import MAX_SAFE_INT
from .condition import Condition, parse_condition
from .errors import ConditionError, RuleError
from .ir import Facts, FactSchema, FactType, Rule, RuleSet, Scalar

SHARD_LIMITS = Cost(width=60, paths=64, connectives=15, tests=400, absent_tests=100)
"""What one durable ruleset may need (``paths`` and ``connectives`` apply per rule).

durable's own limits are 64 stack entries, 15 connectives per rule, fewer than 512
children and at most 128 ``$nex`` children per alpha node (see ``rules._durable_expr``).
"""

SHARD_NAMES = 240
"""Fact names one durable ruleset's messages may carry (durable allows 255 properties)."""


class RuleEngine(Protocol):
    """Matches compiled rules against facts."""

    def match(self, facts: Facts) -> list[Rule]:
        """The rules whose condition holds, sorted by (-salience, name)."""
        ...

    def condition(self, rule: str) -> Condition:
        """The parsed condition of the rule named ``rule`` (for traces: which facts it read)."""
        ...


def _order(rule: Rule) -> tuple[int, str]:
    return (-rule.salience, rule.name)


def _compile(
    rulesets: Sequence[RuleSet], schema: FactSchema
) -> tuple[tuple[Rule, ...], dict[str, Condition]]:
    rules: list[Rule] = []
    conditions: dict[str, Condition] = {}
    owner: dict[str, str] = {}
    for ruleset in rulesets:
        for rule in ruleset.rules:
            if rule.name in owner:
                raise RuleError(
                    f"duplicate rule name {rule.name!r} (in {owner[rule.name]!r} "
                    f"and {ruleset.name!r})"
                )
            owner[rule.name] = ruleset.name
            try:
                conditions[rule.name] = parse_condition(rule.when, schema)
            except ConditionError as exc:
                raise exc.in_rule(rule.name) from exc
            rules.append(rule)
    return tuple(rules), conditions


def _fits(kind: FactType, value: object) -> bool:
    if kind is FactType.BOOL:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind is FactType.STR:
        if not isinstance(value, str):
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_SAFE_INT
    return kind is FactType.FLOAT and isinstance(value, float) and math.isfinite(value)


_PYTHON_TYPE: dict[FactType, type] = {
    FactType.BOOL: bool,
    FactType.STR: str,
    FactType.INT: int,
    FactType.FLOAT: float,
}


def python_types(schema: FactSchema) -> dict[str, type]:
    """Each fact's plain Python type, for the fast path of :func:`check_facts`."""
    return {name: _PYTHON_TYPE[kind] for name, kind in schema.items()}


def check_facts(facts: Facts, schema: FactSchema, types: dict[str, type] | None = None) -> None:
    """Raise ``RuleError`` when a declared fact has a value of the wrong type."""
    types = types if types is not None else python_types(schema)
    for name, value in facts.items():
        plain = types.get(name)
        if plain is None:
            continue
        if type(value) is plain and (
            plain is bool
            or (plain is str and value.isascii())  # type: ignore[union-attr]
            or (plain is int and -MAX_SAFE_INT <= value <= MAX_SAFE_INT)  # type: ignore[operator]
        ):
            continue  # the common cases, decided without the full check
        kind = schema[name]
        if not _fits(kind, value):
            raise RuleError(f"fact {name} = {value!r} is not a valid {kind.value} value")


class PythonRuleEngine:
    """The reference engine: evaluates each condition in Python."""

    def __init__(self, rulesets: Sequence[RuleSet], schema: FactSchema) -> None:
        self._schema = dict(schema)
        self._types = python_types(self._schema)
        self._rules, self._conditions = _compile(rulesets, schema)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._rules

    def condition(self, rule: str) -> Condition:
        return self._conditions[rule]

    def match(self, facts: Facts) -> list[Rule]:
        check_facts(facts, self._schema, self._types)
        found = [r for r in self._rules if self._conditions[r.name].evaluate(facts)]
        return sorted(found, key=_order)


@dataclass(frozen=True, slots=True)
class _Shard:
    """One durable ruleset: some of the engine's rules and the facts their messages carry."""

    key: str
    expressions: tuple[Durable, ...]
    rules: tuple[int, ...]  # index into the engine's rules, per expression
    fields: tuple[tuple[str, str, FactType], ...]  # (fact, property, type)
    defaults: tuple[tuple[str, Scalar], ...] = ()  # (property, default) of non-text facts
    floats: frozenset[str] = frozenset()  # facts sent as floats even when given as ints


def _exceeded(need: Cost, limit: Cost, facts: int) -> list[str]:
    checks = [
        (need.width, limit.width, "tests that may hold at once"),
        (need.paths, limit.paths, "ways to hold at once"),
        (need.connectives, limit.connectives, "and/or groups once 'not' is pushed inward"),
        (need.tests, limit.tests, "tests"),
        (need.absent_tests, limit.absent_tests, "tests for an absent fact"),
        (facts, SHARD_NAMES, "facts"),
    ]
    return [f"{n} {what} (at most {most})" for n, most, what in checks if n > most]


_DEFAULTS: dict[FactType, Scalar] = {FactType.BOOL: False, FactType.INT: 0, FactType.FLOAT: 0.0}


class DurableRuleEngine:
    """The production engine: the conditions compiled to durable-rules.

    The rules are packed into as few durable rulesets as durable's fixed limits allow (see
    ``SHARD_LIMITS``); a card with its guardrails needs one or two. Each ``match`` asserts one message
    per ruleset in a fresh session that is deleted afterwards.
    """

    def __init__(self, rulesets: Sequence[RuleSet], schema: FactSchema) -> None:
        self._schema = dict(schema)
        self._types = python_types(self._schema)
        self._rules, self._conditions = _compile(rulesets, schema)
        self._shards = tuple(self._plan())
        for shard in self._shards:
            _durable_host.prepare(shard.key, shard.expressions)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._rules

    def condition(self, rule: str) -> Condition:
        return self._conditions[rule]

    def _plan(self) -> list[_Shard]:
        limit = SHARD_LIMITS
        shards: list[_Shard] = []
        batch: list[tuple[int, Durable]] = []
        names: dict[str, FactType] = {}
        width = tests = absent = 0
        for index, rule in enumerate(self._rules):
            condition = self._conditions[rule.name]
            expr = condition.to_durable()
            need, types = cost(expr), condition.types
            problems = _exceeded(need, limit, len(types))
            if problems:
                raise RuleError(
                    f"rule {rule.name!r}: condition is too complex for "
                    f"durable-rules: {'; '.join(problems)}"
                )
            if batch and (
                width + need.width > limit.width
                or tests + need.tests > limit.tests
                or absent + need.absent_tests > limit.absent_tests
                or len(names | types) > SHARD_NAMES
            ):
                shards.append(self._shard(batch, names))
                batch, names, width, tests, absent = [], {}, 0, 0, 0
            batch.append((index, expr))
            names.update(types)
            width, tests, absent = (
                width + need.width,
                tests + need.tests,
                absent + need.absent_tests,
            )
        if batch:
            shards.append(self._shard(batch, names))
        return shards

    def _shard(self, batch: list[tuple[int, Durable]], names: dict[str, FactType]) -> _Shard:
        fields = tuple((name, property_name(name), kind) for name, kind in sorted(names.items()))
        seen: dict[str, str] = {}
        for name, prop, _ in fields:
            if prop in ("sid", "id") or prop in seen:
                other = f" (as {seen[prop]!r} does)" if prop in seen else ""
                raise RuleError(f"fact name {name!r} maps to durable property {prop!r}{other}")
            seen[prop] = name
        expressions = tuple(expr for _, expr in batch)
        return _Shard(
            _durable_host.content_key(expressions),
            expressions,
            tuple(index for index, _ in batch),
            fields,
            tuple((prop, _DEFAULTS[kind]) for _, prop, kind in fields if kind is not FactType.STR),
            frozenset(name for name, _, kind in fields if kind is FactType.FLOAT),
        )

    def match(self, facts: Facts) -> list[Rule]:
        check_facts(facts, self._schema, self._types)
        found: list[Rule] = []
        for shard in self._shards:
            message: dict[str, Scalar] = dict(shard.defaults)
            for name, prop, _ in shard.fields:
                if name in facts:
                    value = facts[name]
                    message[prop] = float(value) if name in shard.floats else value
            hits = _durable_host.run(shard.key, shard.expressions, message)
            found.extend(self._rules[shard.rules[i]] for i in hits)
        return sorted(found, key=_order)


def compile_rules(
    rulesets: Sequence[RuleSet], schema: FactSchema, backend: str = "durable"
) -> RuleEngine:
    """Compile ``rulesets`` with the named backend: ``"durable"`` or ``"python"``."""
    if backend == "durable":
        return DurableRuleEngine(rulesets, schema)
    if backend == "python":
        return PythonRuleEngine(rulesets, schema)
    raise RuleError(f"unknown rule backend {backend!r} (expected 'durable' or 'python')")


__all__ = [
    "DurableRuleEngine",
    "PythonRuleEngine",
    "RuleEngine",
    "check_facts",
    "compile_rules",
    "python_types",
]
