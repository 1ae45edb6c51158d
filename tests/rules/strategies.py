"""A small fact schema and Hypothesis strategies for conditions and facts over it.

Conditions are generated as small trees, rendered to text with as few parentheses as the
grammar needs (sometimes more), and evaluated here by an independent reference, so a
property test checks the parser's precedence as well as the engines.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from rules.ir import Facts, FactType, Scalar

B, I, F, S = FactType.BOOL, FactType.INT, FactType.FLOAT, FactType.STR
SCHEMA = {
    "signal.affirm": B,
    "customer.known": B,
    "counter.failed": I,
    "topic.score": F,
    "machine.state": S,
    "field.service": S,
}
NAMES = sorted(SCHEMA)
MAX_INT = 2**53 - 1

TEXTS = ["a", "b", "", "é", "it's", 'say "hi"', "😀", "a\\b", "x\ny", "日本", "\x00"]
_OPS: dict[str, Callable[[Scalar, Scalar], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_DEFAULT: dict[FactType, Scalar] = {B: False, I: 0, F: 0.0}


@dataclass(frozen=True)
class Cond:
    """A generated condition: its text and its meaning, computed independently."""

    text: str
    holds: Callable[[Facts], bool]
    kind: str  # "or", "and", "not", "atom": how tightly the text binds


def _value(facts: Facts, name: str) -> Scalar | None:
    return facts.get(name, _DEFAULT.get(SCHEMA[name]))


def quote(text: str) -> str:
    body = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
    if "'" in body and '"' not in body:
        return f'"{body}"'
    return "'" + body.replace("'", "\\'") + "'"


def _ints() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(-3, 3), st.integers(-MAX_INT, MAX_INT))


def _floats() -> st.SearchStrategy[float]:
    return st.one_of(
        st.sampled_from([0.0, -0.0, 0.5, 1e-05, 1e16, 5e-324, 0.1 + 0.2]),
        st.floats(allow_nan=False, allow_infinity=False),
    )


def literal(kind: FactType) -> st.SearchStrategy[tuple[str, Scalar]]:
    """(source text, Python value) of a literal a fact of ``kind`` may be compared with."""
    if kind is B:
        return st.booleans().map(lambda v: ("true" if v else "false", v))
    if kind is I:
        return _ints().map(lambda v: (str(v), v))
    if kind is F:
        return st.one_of(
            _floats().map(lambda v: (repr(v), v)),
            st.integers(-3, 3).map(lambda v: (str(v), float(v))),
        )
    return st.sampled_from(TEXTS).map(lambda v: (quote(v), v))


@st.composite
def _atom(draw: st.DrawFn) -> Cond:
    name = draw(st.sampled_from(NAMES))
    kind = SCHEMA[name]
    shape = draw(st.sampled_from(["bare", "cmp", "in", "const"]))
    if shape == "const":
        constant = draw(st.booleans())
        return Cond("true" if constant else "false", lambda facts: constant, "atom")
    if shape == "bare":

        def bare(facts: Facts) -> bool:
            v = _value(facts, name)
            return v is not None if kind is S else (v is True if kind is B else v != 0)

        return Cond(name, bare, "atom")
    if shape == "in":
        items = draw(st.lists(literal(kind), min_size=1, max_size=4))
        values = [v for _, v in items]
        text = f"{name} in [{', '.join(t for t, _ in items)}]"
        return Cond(
            text, lambda facts: (v := _value(facts, name)) is not None and v in values, "atom"
        )
    ops = ["==", "!="] + (["<", "<=", ">", ">="] if kind in (I, F) else [])
    op = draw(st.sampled_from(ops))
    text_value, value = draw(literal(kind))

    def compare(facts: Facts) -> bool:
        v = _value(facts, name)
        return op == "!=" if v is None else _OPS[op](v, value)

    return Cond(f"{name} {op} {text_value}", compare, "atom")


def _wrap(child: Cond, tighter_than: set[str], parens: bool) -> str:
    return f"({child.text})" if parens or child.kind not in tighter_than else child.text


@st.composite
def _combine(draw: st.DrawFn, children: st.SearchStrategy[Cond]) -> Cond:
    shape = draw(st.sampled_from(["and", "or", "not"]))
    if shape == "not":
        child = draw(children)
        text = "not " + _wrap(child, {"not", "atom"}, draw(st.booleans()))
        return Cond(text, lambda facts: not child.holds(facts), "not")
    parts = draw(st.lists(children, min_size=2, max_size=3))
    binds = {"not", "atom"} | ({"and"} if shape == "and" else {"and", "or"})
    text = f" {shape} ".join(
        _wrap(p, binds, draw(st.booleans()) and draw(st.booleans())) for p in parts
    )
    if shape == "and":
        return Cond(text, lambda facts: all(p.holds(facts) for p in parts), "and")
    return Cond(text, lambda facts: any(p.holds(facts) for p in parts), "or")


conditions: st.SearchStrategy[Cond] = st.recursive(_atom(), _combine, max_leaves=6)


def _fact_value(kind: FactType) -> st.SearchStrategy[Scalar]:
    if kind is B:
        return st.booleans()
    if kind is I:
        return _ints()
    if kind is F:
        return st.one_of(_floats(), st.integers(-3, 3))
    return st.one_of(
        st.sampled_from(TEXTS), st.text(st.characters(blacklist_categories=["Cs"]), max_size=4)
    )


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    """Facts over SCHEMA; any of them may be absent."""
    present = draw(st.sets(st.sampled_from(NAMES)))
    return {name: draw(_fact_value(SCHEMA[name])) for name in sorted(present)}
