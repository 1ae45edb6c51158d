"""Both rule engines: compile-time checks, ordering, fact values, and durable's limits."""

from __future__ import annotations

import math
import sys
import threading

import pytest

from rules import (
    ConditionError,
    DurableRuleEngine,
    Emit,
    Facts,
    FactType,
    PythonRuleEngine,
    Rule,
    RuleEngine,
    RuleError,
    RuleSet,
    _durable_host,
    compile_rules,
    engine,
)

from .strategies import SCHEMA

ENGINES = [PythonRuleEngine, DurableRuleEngine]
B, I, F, S = FactType.BOOL, FactType.INT, FactType.FLOAT, FactType.STR


def ruleset(*conditions: str, name: str = "test") -> RuleSet:
    return RuleSet(name, tuple(Rule(f"r{i}", c, ()) for i, c in enumerate(conditions)))


def names(engine_: RuleEngine, facts: dict[str, bool | int | float | str]) -> list[str]:
    return [r.name for r in engine_.match(facts)]


@pytest.fixture(params=ENGINES, ids=["python", "durable"])
def make(request: pytest.FixtureRequest) -> type[PythonRuleEngine | DurableRuleEngine]:
    return request.param  # type: ignore[no-any-return]


# ---------------------------------------------------------------- compiling


def test_condition_errors_name_the_rule(make: type[PythonRuleEngine]) -> None:
    rules = RuleSet(
        "card:book",
        (Rule("book.ok", "signal.affirm", ()), Rule("book.ask", "signal.affirm and nope.nope", ())),
    )
    with pytest.raises(ConditionError) as info:
        make([rules], SCHEMA)
    assert info.value.rule == "book.ask"
    assert info.value.unknown_name == "nope.nope"
    assert "rule 'book.ask'" in str(info.value)


def test_duplicate_rule_names_are_refused(make: type[PythonRuleEngine]) -> None:
    with pytest.raises(RuleError, match="duplicate rule name 'r0'.*'a'.*'b'"):
        make([ruleset("true", name="a"), ruleset("signal.affirm", name="b")], SCHEMA)


def test_compile_rules_picks_the_backend() -> None:
    assert isinstance(compile_rules([ruleset("true")], SCHEMA), DurableRuleEngine)
    assert isinstance(compile_rules([ruleset("true")], SCHEMA, backend="python"), PythonRuleEngine)
    with pytest.raises(RuleError, match="unknown rule backend 'clips'"):
        compile_rules([ruleset("true")], SCHEMA, backend="clips")


def test_condition_is_available_for_traces(make: type[PythonRuleEngine]) -> None:
    e = make([ruleset("signal.affirm and machine.state == 'x'")], SCHEMA)
    assert e.condition("r0").names == {"signal.affirm", "machine.state"}
    assert [r.name for r in e.rules] == ["r0"]


def test_an_empty_rule_set_matches_nothing(make: type[PythonRuleEngine]) -> None:
    assert make([], SCHEMA).match({}) == []
    assert make([RuleSet("empty")], SCHEMA).match({"signal.affirm": True}) == []


# ---------------------------------------------------------------- matching


def test_matches_sorted_by_salience_then_name(make: type[PythonRuleEngine]) -> None:
    rules = RuleSet(
        "s",
        (
            Rule("b", "true", (Emit("x"),), 1),
            Rule("a", "true", (), 1),
            Rule("c", "true", (), 5),
            Rule("d", "false", (), 9),
            Rule("e", "signal.affirm", (), -1),
        ),
    )
    e = make([rules], SCHEMA)
    assert names(e, {}) == ["c", "a", "b"]
    assert names(e, {"signal.affirm": True}) == ["c", "a", "b", "e"]
    assert e.match({})[2].then == (Emit("x"),)


def test_absent_string_facts(make: type[PythonRuleEngine]) -> None:
    e = make(
        [
            ruleset(
                "machine.state == 'a'",
                "machine.state != 'a'",
                "machine.state",
                "not machine.state",
                "not machine.state in ['a', 'b']",
                "machine.state in ['a', 'b']",
            )
        ],
        SCHEMA,
    )
    assert names(e, {}) == ["r1", "r3", "r4"]
    assert names(e, {"machine.state": "a"}) == ["r0", "r2", "r5"]
    assert names(e, {"machine.state": "c"}) == ["r1", "r2", "r4"]


def test_defaults_for_bool_int_float(make: type[PythonRuleEngine]) -> None:
    e = make(
        [
            ruleset(
                "not signal.affirm",
                "counter.failed == 0",
                "topic.score == 0",
                "counter.failed",
                "topic.score < 0.5",
            )
        ],
        SCHEMA,
    )
    assert names(e, {}) == ["r0", "r1", "r2", "r4"]


def _quoted(text: str) -> str:
    body = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return "'" + body.replace("\t", "\\t") + "'"


@pytest.mark.parametrize(
    "text",
    [
        "it's",
        'say "hi"',
        "back\\slash",
        "new\nline",
        "tab\t",
        "é",
        "日本語",
        "😀👍🏽",
        "\x00nul",
        "\u2028",
        "",
        " ",
        '{"json": 1}',
        "' or 1 == 1 --",
    ],
)
def test_strings_survive_the_round_trip(make: type[PythonRuleEngine], text: str) -> None:
    e = make(
        [ruleset(f"machine.state == {_quoted(text)}", f"machine.state != {_quoted(text)}")], SCHEMA
    )
    assert names(e, {"machine.state": text}) == ["r0"]
    assert names(e, {"machine.state": text + "x"}) == ["r1"]
    assert names(e, {"machine.state": "x" + text}) == ["r1"]


def test_long_string_facts(make: type[PythonRuleEngine]) -> None:
    e = make([ruleset("machine.state == '" + "a" * 1000 + "'", "machine.state == 'a'")], SCHEMA)
    assert names(e, {"machine.state": "a" * 70_000}) == []
    assert names(e, {"machine.state": "a" * 1000}) == ["r0"]


@pytest.mark.parametrize(
    "value",
    [
        1e-05,
        1e16,
        1e22,
        5e-324,
        0.1 + 0.2,
        1 / 3,
        -0.0,
        1.7976931348623157e308,
        2.5e-10,
        123456789.125,
    ],
)
def test_floats_compare_exactly(make: type[PythonRuleEngine], value: float) -> None:
    e = make(
        [
            ruleset(
                f"topic.score == {value!r}", f"topic.score < {value!r}", f"topic.score > {value!r}"
            )
        ],
        SCHEMA,
    )
    assert names(e, {"topic.score": value}) == ["r0"]
    assert names(e, {"topic.score": math.nextafter(value, -math.inf)}) == ["r1"]
    if value < sys.float_info.max:
        assert names(e, {"topic.score": math.nextafter(value, math.inf)}) == ["r2"]


def test_integers_up_to_2_53(make: type[PythonRuleEngine]) -> None:
    big = 2**53 - 1
    e = make(
        [
            ruleset(
                f"counter.failed == {big}",
                f"counter.failed > {big - 1}",
                f"counter.failed < {-big + 1}",
            )
        ],
        SCHEMA,
    )
    assert names(e, {"counter.failed": big}) == ["r0", "r1"]
    assert names(e, {"counter.failed": -big}) == ["r2"]


def test_an_int_may_stand_for_a_float_fact(make: type[PythonRuleEngine]) -> None:
    e = make([ruleset("topic.score == 2", "topic.score > 1.5")], SCHEMA)
    assert names(e, {"topic.score": 2}) == ["r0", "r1"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("signal.affirm", 1),
        ("signal.affirm", "yes"),
        ("counter.failed", True),
        ("counter.failed", 1.0),
        ("counter.failed", 2**53),
        ("topic.score", float("nan")),
        ("topic.score", float("inf")),
        ("topic.score", "0.5"),
        ("machine.state", 3),
        ("machine.state", None),
        ("machine.state", "lone \ud800 surrogate"),
    ],
)
def test_bad_fact_values_are_refused(
    make: type[PythonRuleEngine], name: str, value: object
) -> None:
    e = make([ruleset("true")], SCHEMA)
    with pytest.raises(RuleError, match=f"fact {name} = "):
        e.match({name: value})  # type: ignore[dict-item]


def test_undeclared_facts_are_ignored(make: type[PythonRuleEngine]) -> None:
    e = make([ruleset("signal.affirm")], SCHEMA)
    assert names(e, {"signal.affirm": True, "something.else": object()}) == ["r0"]  # type: ignore[dict-item]


# ---------------------------------------------------------------- durable specifics


def test_five_thousand_matches_on_one_engine() -> None:
    e = DurableRuleEngine(
        [ruleset("signal.affirm", "counter.failed > 2", "machine.state == 'confirm'")], SCHEMA
    )
    for i in range(5000):
        facts: dict[str, bool | int | float | str] = {"counter.failed": i % 5}
        if i % 3 == 0:
            facts["signal.affirm"] = True
        if i % 7 == 0:
            facts["machine.state"] = "confirm"
        expected = [
            n for n, holds in (("r0", i % 3 == 0), ("r1", i % 5 > 2), ("r2", i % 7 == 0)) if holds
        ]
        assert names(e, facts) == expected  # including no match at all


def test_identical_rule_sets_share_one_durable_ruleset() -> None:
    DurableRuleEngine([ruleset("signal.affirm and counter.failed > 41")], SCHEMA)
    before = len(_durable_host._REGISTERED)
    again = DurableRuleEngine(
        [ruleset("signal.affirm and counter.failed > 41", name="other")], SCHEMA
    )
    assert len(_durable_host._REGISTERED) == before
    assert names(again, {"signal.affirm": True, "counter.failed": 42}) == ["r0"]


def test_many_rulesets_and_no_background_threads() -> None:
    threads = threading.active_count()
    engines = [DurableRuleEngine([ruleset(f"counter.failed == {i}")], SCHEMA) for i in range(300)]
    assert [names(e, {"counter.failed": 299}) for e in engines[-2:]] == [[], ["r0"]]
    assert threading.active_count() == threads


def test_many_rules_true_at_once_are_split_across_durable_rulesets() -> None:
    schema = {f"b.n{i}": B for i in range(200)}
    rules = ruleset(*(f"b.n{i}" for i in range(200)))
    e = DurableRuleEngine([rules], schema)
    everything: Facts = {name: True for name in schema}
    assert len(e.match(everything)) == 200  # durable's 64-entry stack would overflow in one
    assert names(e, {"b.n7": True}) == ["r7"]


def test_conditions_beyond_durables_limits_are_refused_at_compile_time() -> None:
    schema = {**SCHEMA, **{f"b.n{i}": B for i in range(80)}}
    wide = " or ".join(f"b.n{i}" for i in range(70))
    with pytest.raises(RuleError, match="rule 'r0': condition is too complex.*at once"):
        DurableRuleEngine([ruleset(wide)], schema)
    many_groups = " and ".join(f"machine.state != '{i}'" for i in range(16))
    with pytest.raises(RuleError, match="and/or groups"):
        DurableRuleEngine([ruleset(many_groups)], schema)
    long_list = "counter.failed in [" + ",".join(str(i) for i in range(450)) + "]"
    with pytest.raises(RuleError, match="450 tests"):
        DurableRuleEngine([ruleset(long_list)], schema)
    # the reference engine has no such limits
    assert names(
        PythonRuleEngine([ruleset(wide, many_groups, long_list)], schema),
        {"b.n3": True, "counter.failed": 449},
    ) == ["r0", "r1", "r2"]


def test_fact_names_that_collide_as_durable_properties_are_refused() -> None:
    with pytest.raises(RuleError, match="maps to durable property 'a__b__c'"):
        DurableRuleEngine([ruleset("a.b__c and a__b.c")], {"a.b__c": B, "a__b.c": B})
    with pytest.raises(RuleError, match="durable property 'sid'"):
        DurableRuleEngine([ruleset("sid")], {"sid": B})


def test_a_failing_durable_ruleset_is_retired_not_deleted(monkeypatch: pytest.MonkeyPatch) -> None:
    # let one ruleset need more than durable's 64-entry stack: the assert fails (error 303)
    schema = {f"b.n{i}": B for i in range(70)}
    monkeypatch.setattr(
        engine,
        "SHARD_LIMITS",
        engine.SHARD_LIMITS.__class__(
            width=1000, paths=64, connectives=15, tests=400, absent_tests=100
        ),
    )
    e = DurableRuleEngine([ruleset(*(f"b.n{i}" for i in range(70)))], schema)
    assert names(e, {"b.n1": True}) == ["r1"]  # a few at once fit
    for _ in range(2):  # the second try runs on a fresh registration
        with pytest.raises(RuleError, match="durable-rules failed"):
            e.match({name: True for name in schema})
    assert names(e, {"b.n2": True}) == ["r2"]


def test_matching_from_several_threads() -> None:
    e = DurableRuleEngine([ruleset("counter.failed > 10", "signal.affirm")], SCHEMA)
    errors: list[str] = []

    def work(offset: int) -> None:
        for i in range(400):
            n = i + offset
            got = names(e, {"counter.failed": n % 20, "signal.affirm": n % 2 == 0})
            expected = [r for r, ok in (("r0", n % 20 > 10), ("r1", n % 2 == 0)) if ok]
            if got != expected:
                errors.append(f"{n}: {got} != {expected}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_durable_json_writes_every_float_with_a_fraction() -> None:
    assert (
        _durable_host.dumps({"a": [1e-05, 1e16, 2.5, -0.0, True, 3, 'é"']})
        == '{"a":[1.0e-05,1.0e+16,2.5,-0.0,true,3,"é\\""]}'
    )
    with pytest.raises(TypeError):
        _durable_host.dumps(object())
