"""The safe condition language: parse, type-check, evaluate.

Conditions are strings in cards and policies (``machine.state == 'confirm' and
signal.affirm``). They are parsed by a hand-written recursive-descent parser — never
``eval`` — and type-checked against a fact schema at load time, so an unknown name or a
bool compared with a string fails when the card loads, not in the middle of a
conversation. Grammar::

    expr := or ;  or := and ('or' and)* ;  and := not ('and' not)* ;
    not  := 'not' not | cmp ;
    cmp  := atom (OP literal | 'in' '[' literal (',' literal)* ']')? ;
    atom := NAME | 'true' | 'false' | '(' expr ')'

A bare name means: a BOOL is true, an INT/FLOAT is non-zero, a STR is present. BOOL, INT
and FLOAT facts are always defined (absent means False / 0); a STR fact may be absent, and
then ``x == 'a'`` is false while ``x != 'a'`` is true.

``Condition.evaluate`` is the reference semantics; ``Condition.to_durable`` produces the
same test as a durable-rules expression (see ``rules._durable_expr``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from ._lexer import Kind, Token, tokenize
from .errors import ConditionError
from .ir import Facts, FactSchema, FactType, Scalar

MAX_DEPTH = 32
"""Deepest nesting of parentheses and ``not`` accepted."""

_ORDERING = frozenset({"<", "<=", ">", ">="})
_NUMERIC = frozenset({FactType.INT, FactType.FLOAT})


@dataclass(frozen=True, slots=True)
class Const:
    """The literal ``true`` or ``false`` used as a whole condition (or part of one)."""

    value: bool


@dataclass(frozen=True, slots=True)
class Present:
    """A bare name: BOOL is true, INT/FLOAT is non-zero, STR is present."""

    name: str
    kind: FactType


@dataclass(frozen=True, slots=True)
class Compare:
    """``name OP literal``; the literal already has the fact's Python type."""

    name: str
    kind: FactType
    op: str
    value: Scalar


@dataclass(frozen=True, slots=True)
class Member:
    """``name in [literal, ...]``."""

    name: str
    kind: FactType
    values: tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expr, ...]


Expr: TypeAlias = Const | Present | Compare | Member | Not | And | Or
Leaf: TypeAlias = Present | Compare | Member


def _value(facts: Facts, name: str, kind: FactType) -> Scalar | None:
    if name in facts:
        return facts[name]
    if kind is FactType.BOOL:
        return False
    if kind is FactType.INT:
        return 0
    if kind is FactType.FLOAT:
        return 0.0
    return None


def _compare(op: str, left: Scalar, right: Scalar) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    # ordering is type-checked to INT/FLOAT facts; a value of another type never matches
    if isinstance(left, bool) or not isinstance(left, int | float):
        return False
    assert isinstance(right, int | float)
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def evaluate(node: Expr, facts: Facts) -> bool:
    """The reference semantics of a parsed condition over ``facts``."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Present):
        value = _value(facts, node.name, node.kind)
        if node.kind is FactType.STR:
            return value is not None
        if node.kind is FactType.BOOL:
            return value is True
        return value != 0
    if isinstance(node, Compare):
        value = _value(facts, node.name, node.kind)
        if value is None:  # an absent STR fact equals nothing
            return node.op == "!="
        return _compare(node.op, value, node.value)
    if isinstance(node, Member):
        value = _value(facts, node.name, node.kind)
        return value is not None and any(value == v for v in node.values)
    if isinstance(node, Not):
        return not evaluate(node.operand, facts)
    if isinstance(node, And):
        return all(evaluate(o, facts) for o in node.operands)
    return any(evaluate(o, facts) for o in node.operands)


def _names(node: Expr, into: dict[str, FactType]) -> None:
    if isinstance(node, Present | Compare | Member):
        into[node.name] = node.kind
    elif isinstance(node, Not):
        _names(node.operand, into)
    elif isinstance(node, And | Or):
        for o in node.operands:
            _names(o, into)


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed, type-checked condition (immutable)."""

    text: str
    root: Expr

    @property
    def names(self) -> frozenset[str]:
        """The fact names the condition mentions."""
        return frozenset(self.types)

    @property
    def types(self) -> dict[str, FactType]:
        """The declared type of each fact name the condition mentions."""
        found: dict[str, FactType] = {}
        _names(self.root, found)
        return found

    def evaluate(self, facts: Facts) -> bool:
        """Whether the condition holds for ``facts`` (missing BOOL/INT/FLOAT count as 0)."""
        return evaluate(self.root, facts)

    def to_durable(self) -> dict[str, Any]:
        """The same test as a durable-rules expression over one message ``m``."""
        from ._durable_expr import to_durable

        return to_durable(self.root)


def parse_condition(text: str, schema: FactSchema) -> Condition:
    """Parse ``text`` and type-check it against ``schema``; raise ``ConditionError``."""
    parser = _Parser(text, tokenize(text), schema)
    if parser.peek().kind is Kind.END:
        raise ConditionError(text, 0, "empty condition")
    root = parser.parse_or(0)
    if parser.peek().kind is not Kind.END:
        raise parser.error(parser.peek(), f"unexpected {_describe(parser.peek())}")
    return Condition(text, root)


def _describe(token: Token) -> str:
    if token.kind is Kind.END:
        return "end of condition"
    return (
        f"{token.kind.value} {token.text!r}"
        if token.kind in (Kind.NAME, Kind.STRING, Kind.INT, Kind.FLOAT, Kind.OP)
        else repr(token.text)
    )


class _Parser:
    def __init__(self, text: str, tokens: list[Token], schema: FactSchema) -> None:
        self.text = text
        self.tokens = tokens
        self.schema = schema
        self.at = 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        if token.kind is not Kind.END:
            self.at += 1
        return token

    def expect(self, kind: Kind, what: str) -> Token:
        token = self.take()
        if token.kind is not kind:
            raise self.error(token, f"expected {what}, found {_describe(token)}")
        return token

    def error(self, token: Token, message: str, unknown: str | None = None) -> ConditionError:
        return ConditionError(self.text, token.position, message, unknown)

    def parse_or(self, depth: int) -> Expr:
        items = [self.parse_and(depth)]
        while self.peek().kind is Kind.OR:
            self.take()
            items.append(self.parse_and(depth))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self, depth: int) -> Expr:
        items = [self.parse_not(depth)]
        while self.peek().kind is Kind.AND:
            self.take()
            items.append(self.parse_not(depth))
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self, depth: int) -> Expr:
        if self.peek().kind is Kind.NOT:
            token = self.take()
            if depth + 1 > MAX_DEPTH:
                raise self.error(token, f"condition is nested deeper than {MAX_DEPTH} levels")
            return Not(self.parse_not(depth + 1))
        return self.parse_cmp(depth)

    def parse_cmp(self, depth: int) -> Expr:
        token = self.peek()
        if token.kind is Kind.LPAREN:
            self.take()
            if depth + 1 > MAX_DEPTH:
                raise self.error(token, f"condition is nested deeper than {MAX_DEPTH} levels")
            inner = self.parse_or(depth + 1)
            self.expect(Kind.RPAREN, "')'")
            self._no_comparison_after("a parenthesised condition")
            return inner
        if token.kind in (Kind.TRUE, Kind.FALSE):
            self.take()
            self._no_comparison_after(f"'{token.text}'")
            return Const(token.kind is Kind.TRUE)
        if token.kind is not Kind.NAME:
            raise self.error(token, f"expected a fact name, found {_describe(token)}")
        self.take()
        kind = self._declared(token)
        if self.peek().kind is Kind.OP:
            op = self.take()
            if op.text in _ORDERING and kind not in _NUMERIC:
                raise self.error(
                    op, f"'{op.text}' needs a number, but {token.text} is a {kind.value} fact"
                )
            return Compare(token.text, kind, op.text, self._literal(token.text, kind))
        if self.peek().kind is Kind.IN:
            self.take()
            self.expect(Kind.LBRACKET, "'[' after 'in'")
            values = [self._literal(token.text, kind)]
            while self.peek().kind is Kind.COMMA:
                self.take()
                values.append(self._literal(token.text, kind))
            self.expect(Kind.RBRACKET, "',' or ']'")
            return Member(token.text, kind, tuple(values))
        return Present(token.text, kind)

    def _no_comparison_after(self, what: str) -> None:
        if self.peek().kind in (Kind.OP, Kind.IN):
            raise self.error(self.peek(), f"only a fact name can be compared, not {what}")

    def _declared(self, token: Token) -> FactType:
        kind = self.schema.get(token.text)
        if kind is None:
            import difflib  # only on the error path

            close = difflib.get_close_matches(token.text, list(self.schema), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise self.error(token, f"unknown name {token.text}{hint}", token.text)
        return kind

    def _literal(self, name: str, kind: FactType) -> Scalar:
        token = self.take()
        value = token.value
        if token.kind is Kind.STRING and kind is FactType.STR:
            assert isinstance(value, str)
            return value
        if token.kind in (Kind.TRUE, Kind.FALSE) and kind is FactType.BOOL:
            return token.kind is Kind.TRUE
        if token.kind in (Kind.INT, Kind.FLOAT) and kind is FactType.FLOAT:
            assert isinstance(value, int | float)
            return float(value)
        if token.kind is Kind.INT and kind is FactType.INT:
            assert isinstance(value, int)
            return value
        if token.kind is Kind.FLOAT and kind is FactType.INT:
            assert isinstance(value, float)
            if value.is_integer():
                return int(value)
            raise self.error(token, f"{name} is an integer fact; compare it with an integer")
        if token.kind not in (Kind.STRING, Kind.TRUE, Kind.FALSE, Kind.INT, Kind.FLOAT):
            raise self.error(token, f"expected a literal, found {_describe(token)}")
        wanted = {
            FactType.BOOL: "true or false",
            FactType.STR: "a quoted string",
            FactType.INT: "an integer",
            FactType.FLOAT: "a number",
        }[kind]
        raise self.error(token, f"{name} is a {kind.value} fact; compare it with {wanted}")


__all__ = [
    "And",
    "Compare",
    "Condition",
    "Const",
    "Expr",
    "Leaf",
    "Member",
    "Not",
    "Or",
    "Present",
    "evaluate",
    "parse_condition",
]
