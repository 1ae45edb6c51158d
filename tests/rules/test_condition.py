"""The condition language: grammar, precedence, type checks, errors and their positions."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import Condition, ConditionError, parse_condition
from rules.condition import And, Compare, Const, Member, Not, Or, Present
from rules.ir import FactType

from .strategies import SCHEMA

B, I, F, S = FactType.BOOL, FactType.INT, FactType.FLOAT, FactType.STR


def parse(text: str) -> Condition:
    return parse_condition(text, SCHEMA)


def error(text: str) -> ConditionError:
    with pytest.raises(ConditionError) as info:
        parse(text)
    return info.value


# ---------------------------------------------------------------- grammar and precedence


def test_and_binds_tighter_than_or() -> None:
    root = parse("signal.affirm or customer.known and field.service").root
    assert root == Or(
        (
            Present("signal.affirm", B),
            And((Present("customer.known", B), Present("field.service", S))),
        )
    )


def test_not_binds_looser_than_a_comparison_and_tighter_than_and() -> None:
    root = parse("not machine.state == 'a' and signal.affirm").root
    assert root == And((Not(Compare("machine.state", S, "==", "a")), Present("signal.affirm", B)))


def test_parentheses_override_precedence() -> None:
    root = parse("(signal.affirm or customer.known) and not (field.service)").root
    assert root == And(
        (
            Or((Present("signal.affirm", B), Present("customer.known", B))),
            Not(Present("field.service", S)),
        )
    )


def test_chains_are_flat_and_not_nests() -> None:
    assert parse("signal.affirm and customer.known and field.service").root == And(
        (Present("signal.affirm", B), Present("customer.known", B), Present("field.service", S))
    )
    assert parse("not not signal.affirm").root == Not(Not(Present("signal.affirm", B)))


def test_membership_and_every_operator() -> None:
    assert parse("machine.state in ['a', \"b\"]").root == Member("machine.state", S, ("a", "b"))
    for op in ("==", "!=", "<", "<=", ">", ">="):
        assert parse(f"counter.failed {op} 2").root == Compare("counter.failed", I, op, 2)


def test_constants() -> None:
    assert parse("true").root == Const(True)
    assert parse("true").evaluate({})
    assert not parse("false").evaluate({})
    assert not parse("not true or false").evaluate({})
    assert parse("true and signal.affirm").evaluate({"signal.affirm": True})


def test_literals_take_the_facts_type() -> None:
    assert parse("topic.score > 1").root == Compare("topic.score", F, ">", 1.0)
    assert parse("counter.failed == 2.0").root == Compare("counter.failed", I, "==", 2)
    assert parse("counter.failed > -3").root == Compare("counter.failed", I, ">", -3)
    assert parse("topic.score >= 1e-5").root == Compare("topic.score", F, ">=", 1e-5)
    assert parse("topic.score < 2.5E+3").root == Compare("topic.score", F, "<", 2500.0)
    assert parse("signal.affirm == false").root == Compare("signal.affirm", B, "==", False)


def test_string_escapes() -> None:
    assert parse(r"machine.state == 'it\'s'").root == Compare("machine.state", S, "==", "it's")
    assert parse(r'machine.state == "a\\b\n\t\""').root == Compare(
        "machine.state", S, "==", 'a\\b\n\t"'
    )
    assert parse("machine.state == '日本 😀'").root == Compare("machine.state", S, "==", "日本 😀")


def test_whitespace_and_newlines_are_free() -> None:
    assert parse("  signal.affirm\n\tand\r\n customer.known  ").evaluate(
        {"signal.affirm": True, "customer.known": True}
    )


def test_names_and_text() -> None:
    c = parse("signal.affirm and (machine.state == 'x' or not field.service)")
    assert c.text == "signal.affirm and (machine.state == 'x' or not field.service)"
    assert c.names == frozenset({"signal.affirm", "machine.state", "field.service"})
    assert c.types == {"signal.affirm": B, "machine.state": S, "field.service": S}
    assert parse("true").names == frozenset()


def test_condition_is_frozen() -> None:
    c = parse("signal.affirm")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.text = "other"  # type: ignore[misc]


def test_keywords_may_be_segments_of_a_dotted_name() -> None:
    schema = {"a.in": B, "not.or": B}
    assert parse_condition("a.in and not not.or", schema).evaluate({"a.in": True})


# ---------------------------------------------------------------- reference semantics


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("signal.affirm", {}, False),
        ("signal.affirm", {"signal.affirm": True}, True),
        ("counter.failed", {}, False),
        ("counter.failed", {"counter.failed": -1}, True),
        ("topic.score", {"topic.score": 0.0}, False),
        ("topic.score", {"topic.score": 0.25}, True),
        ("field.service", {}, False),
        ("field.service", {"field.service": ""}, True),  # present, even if empty
        ("not field.service", {}, True),
        ("machine.state == 'a'", {}, False),
        ("machine.state != 'a'", {}, True),
        ("machine.state != 'a'", {"machine.state": "a"}, False),
        ("machine.state in ['a', 'b']", {}, False),
        ("not machine.state in ['a', 'b']", {}, True),
        ("counter.failed < 1", {}, True),  # absent INT is 0
        ("counter.failed >= 2", {"counter.failed": 2}, True),
        ("topic.score > 0.5", {"topic.score": 0.5}, False),
        ("topic.score == 1", {"topic.score": 1}, True),
        ("signal.affirm == false", {}, True),
    ],
)
def test_evaluate(text: str, facts: dict[str, bool | int | float | str], expected: bool) -> None:
    assert parse(text).evaluate(facts) is expected


# ---------------------------------------------------------------- errors and positions


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("", 0, "empty condition"),
        ("   ", 0, "empty condition"),
        ("signal.affirm and", 17, "expected a fact name, found end of condition"),
        ("signal.affirm customer.known", 14, "unexpected name 'customer.known'"),
        ("(signal.affirm", 14, "expected ')'"),
        ("signal.affirm)", 13, "unexpected ')'"),
        ("machine.state == 'open", 17, "string is not closed"),
        ("machine.state = 'a'", 14, "compare with '=='"),
        ("Signal.affirm", 0, "lowercase"),
        ("signal.", 7, "expected a name segment after '.'"),
        ("machine.state in []", 18, "expected a literal"),
        ("machine.state in ['a',]", 22, "expected a literal"),
        ("machine.state in 'a'", 17, "expected '[' after 'in'"),
        ("machine.state == field.service", 17, "expected a literal"),
        ("'a' == machine.state", 0, "expected a fact name"),
        ("true == signal.affirm", 5, "only a fact name can be compared"),
        ("(signal.affirm) == true", 16, "only a fact name can be compared"),
        ("signal.affirm == 1", 17, "signal.affirm is a bool fact; compare it with true or false"),
        ("signal.affirm == 'yes'", 17, "compare it with true or false"),
        ("machine.state == 3", 17, "machine.state is a str fact; compare it with a quoted string"),
        ("counter.failed == 'x'", 18, "compare it with an integer"),
        ("counter.failed == true", 18, "compare it with an integer"),
        ("counter.failed == 1.5", 18, "counter.failed is an integer fact"),
        ("topic.score == 'x'", 15, "compare it with a number"),
        ("machine.state < 'b'", 14, "'<' needs a number, but machine.state is a str fact"),
        ("signal.affirm >= true", 14, "needs a number"),
        ("counter.failed == 1.", 18, "malformed number"),
        ("counter.failed == .5", 18, "unexpected character '.'"),
        ("counter.failed == 1x", 19, "malformed number"),
        ("topic.score > 1e", 14, "malformed number"),
        ("topic.score > 1e400", 14, "number is too large"),
        ("counter.failed > 9007199254740992", 17, "integer is outside"),
        (r"machine.state == 'a\q'", 19, "unknown escape"),
        ("signal.affirm && customer.known", 14, "unexpected character '&'"),
        ("signal.affirm; import os", 13, "unexpected character ';'"),
        ("{{7*7}}", 0, "unexpected character '{'"),
        ("lambda: 1", 6, "unexpected character ':'"),
        ("signal.affirm - 1", 14, "unexpected character '-'"),
    ],
)
def test_errors_say_what_and_where(text: str, position: int, fragment: str) -> None:
    err = error(text)
    assert err.position == position
    assert fragment in err.message
    assert err.text == text
    assert err.unknown_name is None
    assert fragment in str(err)


def test_unknown_name_is_named_with_a_suggestion() -> None:
    err = error("signal.afirm and customer.known")
    assert err.unknown_name == "signal.afirm"
    assert err.position == 0
    assert "did you mean signal.affirm?" in err.message
    err = error("customer.known and nothing.like_it")
    assert (err.unknown_name, err.position) == ("nothing.like_it", 19)


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("__import__('os')", "__import__"),
        ("os.system('rm -rf /')", "os.system"),
        ("signal.affirm and exec('x')", "exec"),
        ("globals", "globals"),
        ("signal.affirm.__class__", "signal.affirm.__class__"),
    ],
)
def test_code_is_just_an_unknown_name(text: str, unknown: str) -> None:
    assert error(text).unknown_name == unknown


def test_length_limit() -> None:
    text = " or ".join(["signal.affirm"] * 200)[:1990] + " " * 10
    text = text[: text.rindex(" or ")] + " " * (2000 - text.rindex(" or "))
    assert len(text) == 2000
    assert parse(text).evaluate({"signal.affirm": True})
    err = error(text + " ")
    assert err.position == 2000
    assert "longer than 2000 characters" in err.message
    assert error("x" * 1_000_000).position == 2000


def test_nesting_limit() -> None:
    assert not parse("not " * 32 + "signal.affirm").evaluate({})  # an even number of nots
    assert parse("(" * 32 + "signal.affirm" + ")" * 32).evaluate({"signal.affirm": True})
    err = error("not " * 33 + "signal.affirm")
    assert (err.position, "nested deeper than 32" in err.message) == (128, True)
    err = error("(" * 33 + "signal.affirm" + ")" * 33)
    assert err.position == 32
    assert error("(not " * 17 + "signal.affirm" + ")" * 17).position == 80


def test_in_rule_names_the_rule() -> None:
    err = error("nothing").in_rule("book.ask")
    assert err.rule == "book.ask"
    assert str(err).startswith("rule 'book.ask': unknown name nothing")
    assert err.unknown_name == "nothing"


# ---------------------------------------------------------------- robustness


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_raises_condition_error(text: str) -> None:
    try:
        parse(text)
    except ConditionError as err:
        assert 0 <= err.position <= len(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "signal.affirm",
                "machine.state",
                "counter.failed",
                "and",
                "or",
                "not",
                "in",
                "(",
                ")",
                "[",
                "]",
                ",",
                "==",
                "!=",
                "<",
                ">=",
                "'a'",
                "1",
                "2.5",
                "true",
                "false",
                "nope",
            ]
        ),
        max_size=12,
    )
)
def test_token_soup_parses_or_raises_condition_error(words: list[str]) -> None:
    try:
        parse(" ".join(words))
    except ConditionError as err:
        assert 0 <= err.position <= len(" ".join(words))
