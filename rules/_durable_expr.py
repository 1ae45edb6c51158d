"""A parsed condition as a durable-rules expression, and what that expression costs.

durable-rules' JSON has comparisons (``$lt``, ``$neq``, ...), ``$ex``/``$nex``, ``$and`` and
``$or`` but no general negation, so ``not`` is pushed down to the leaves (De Morgan).
Measured on durable-rules 2.0.28, and the reason for each choice below:

* ``$neq`` on an absent property does *not* match, so ``x != 'a'`` for a STR fact (true when
  ``x`` is absent) becomes ``$or: [$nex x, $neq x 'a']``. BOOL/INT/FLOAT facts are always in
  the message (the engine fills defaults), so plain ``$neq`` is right for them.
* durable also matches the session's own *state object* (``{sid, id, $s}``) against every
  rule after each action; an expression that holds on an empty message (``$nex``, ``true``)
  then fires forever. Every expression is therefore guarded by ``MARKER == 1``, a property
  only the messages the engine asserts carry (upper case, so no fact name maps onto it).
* fact names become property names with ``.`` → ``__`` (``field.service`` →
  ``field__service``).

``cost`` says what an expression needs from durable's fixed-size tables, none of which
grows: the alpha network is walked with a 64-entry stack (error 303 beyond, and the
session cannot be deleted safely afterwards); an ``$or`` whose branches hold at once fires
the rule once per branch; each ``$and``/``$or`` takes two of the 31 slots of a rule's
expression sequence (error 113 beyond); an alpha node's children live in a 512-slot hash
table that registration and matching probe *without* a bound (a full table hangs the
process) and its ``$nex`` children in a 128-slot list. The engine packs rules into durable
rulesets so each stays well inside these limits, and refuses a condition that alone
cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, TypeAlias

from .condition import And, Compare, Const, Expr, Member, Not, Or, Present
from .ir import FactType, Scalar

MARKER = "FRONTDESK"
"""Property every asserted message carries; guards every expression (see module doc)."""

Durable: TypeAlias = dict[str, Any]

_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_ZERO: dict[FactType, Scalar] = {FactType.INT: 0, FactType.FLOAT: 0.0}


def property_name(fact: str) -> str:
    """The message property that carries ``fact``."""
    return fact.replace(".", "__")


def to_durable(root: Expr) -> Durable:
    """``root`` as a marker-guarded durable expression over one message."""
    body = _convert(root, True)
    if body is True:
        return {MARKER: 1}
    if body is False:
        return {MARKER: 0}  # never matches: asserted messages carry MARKER == 1
    items = body["$and"] if _is(body, "$and") else [body]
    return {"$and": [{MARKER: 1}, *items]}


def _is(expr: Durable, op: str) -> bool:
    return len(expr) == 1 and op in expr


def _convert(node: Expr, positive: bool) -> Durable | bool:
    if isinstance(node, Const):
        return node.value if positive else not node.value
    if isinstance(node, Not):
        return _convert(node.operand, not positive)
    if isinstance(node, And | Or):
        parts = [_convert(o, positive) for o in node.operands]
        return _all(parts) if isinstance(node, And) == positive else _any(parts)
    p = property_name(node.name)
    if isinstance(node, Present):
        if node.kind is FactType.STR:
            return {"$ex" if positive else "$nex": {p: 1}}
        if node.kind is FactType.BOOL:
            return {p: positive}
        return {"$neq": {p: _ZERO[node.kind]}} if positive else {p: _ZERO[node.kind]}
    if isinstance(node, Compare):
        op = node.op if positive else _NEGATED[node.op]
        if op == "==":
            return {p: node.value}
        test: Durable = {_OPS[op]: {p: node.value}}
        if op == "!=" and node.kind is FactType.STR:
            return {"$or": [{"$nex": {p: 1}}, test]}
        return test
    assert isinstance(node, Member)
    values = list(dict.fromkeys(node.values))
    if positive:
        return _any([{p: v} for v in values])
    differs = _all([{"$neq": {p: v}} for v in values])
    if node.kind is FactType.STR:
        return _any([{"$nex": {p: 1}}, differs])
    return differs


def _all(parts: list[Durable | bool]) -> Durable | bool:
    if any(part is False for part in parts):
        return False
    items: list[Durable] = []
    for part in parts:
        if isinstance(part, dict):
            items.extend(part["$and"] if _is(part, "$and") else [part])
    if not items:
        return True
    return items[0] if len(items) == 1 else {"$and": items}


def _any(parts: list[Durable | bool]) -> Durable | bool:
    if any(part is True for part in parts):
        return True
    items: list[Durable] = []
    for part in parts:
        if isinstance(part, dict):
            items.extend(part["$or"] if _is(part, "$or") else [part])
    if not items:
        return False
    return items[0] if len(items) == 1 else {"$or": items}


def _leaf(expr: Durable) -> tuple[str, str, object] | None:
    """(property, operator, value) of a single comparison, else None."""
    if len(expr) != 1:
        return None
    ((key, inner),) = expr.items()
    if key in ("$and", "$or"):
        return None
    if key.startswith("$"):
        if not isinstance(inner, dict) or len(inner) != 1:
            return None
        ((prop, value),) = inner.items()
        return prop, key, value
    return key, "$eq", inner


def _exclusive(leaves: list[tuple[str, str, object]]) -> bool:
    """True when at most one of these tests of one property can hold at once."""
    ops = [op for _, op, _ in leaves]
    rest = [leaf for leaf in leaves if leaf[1] != "$nex"]
    if ops.count("$nex") > 1:
        return False
    if len(rest) <= 1:
        return True
    values = [repr(value) for _, _, value in rest]
    return all(op == "$eq" for _, op, _ in rest) and len(set(values)) == len(values)


def _branch_groups(branches: list[Durable]) -> list[tuple[list[Durable], bool]]:
    """The branches of an ``$or``, leaf tests grouped by property: (group, exclusive)."""
    by_prop: dict[str, list[tuple[Durable, tuple[str, str, object]]]] = {}
    groups: list[tuple[list[Durable], bool]] = []
    for branch in branches:
        leaf = _leaf(branch)
        if leaf is None:
            groups.append(([branch], False))
        else:
            by_prop.setdefault(leaf[0], []).append((branch, leaf))
    for members in by_prop.values():
        groups.append(([b for b, _ in members], _exclusive([leaf for _, leaf in members])))
    return groups


def _width(expr: Durable) -> int:
    if _is(expr, "$and"):
        parts = [_width(e) for e in expr["$and"]]
        return sum(parts) - (len(parts) - 1)
    if _is(expr, "$or"):
        return sum(
            1 if exclusive else sum(_width(b) for b in group)
            for group, exclusive in _branch_groups(expr["$or"])
        )
    return 1


def _paths(expr: Durable) -> int:
    if _is(expr, "$and"):
        return prod(_paths(e) for e in expr["$and"])
    if _is(expr, "$or"):
        return sum(
            1 if exclusive else sum(_paths(b) for b in group)
            for group, exclusive in _branch_groups(expr["$or"])
        )
    return 1


def _walk(expr: Durable) -> list[Durable]:
    """Every node of the expression, connectives and leaves."""
    if _is(expr, "$and") or _is(expr, "$or"):
        (items,) = expr.values()
        return [expr, *(node for e in items for node in _walk(e))]
    return [expr]


@dataclass(frozen=True, slots=True)
class Cost:
    """What one compiled condition needs from durable's fixed-size tables."""

    width: int  # alpha-stack entries it may hold pending at once (64 per ruleset)
    paths: int  # times it may fire for one message
    connectives: int  # $and/$or groups (15 per rule)
    tests: int  # leaf tests (an alpha node holds fewer than 512 children)
    absent_tests: int  # $nex tests (an alpha node holds at most 128 of them)


def cost(expr: Durable) -> Cost:
    """The cost of a marker-guarded expression (see module doc)."""
    nodes = _walk(expr)
    leaves = [n for n in nodes if not (_is(n, "$and") or _is(n, "$or"))]
    connective_count = len(nodes) - len(leaves)
    leaves = [n for n in leaves if MARKER not in n]  # one node, shared by every rule
    return Cost(
        width=_width(expr),
        paths=_paths(expr),
        connectives=connective_count,
        tests=len(leaves),
        absent_tests=sum(1 for n in leaves if _is(n, "$nex")),
    )


__all__ = ["MARKER", "Cost", "Durable", "cost", "property_name", "to_durable"]
