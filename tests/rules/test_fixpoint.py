"""Forward chaining: chaining, refraction, cycle detection and the trace."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from rules import (
    DurableRuleEngine,
    Emit,
    Facts,
    FactType,
    PythonRuleEngine,
    Ref,
    Round,
    Rule,
    RuleCycle,
    RuleSet,
    Say,
    Set,
    compile_rules,
    resolve_ref,
    run_rounds,
    run_to_fixpoint,
)

B, I, S = FactType.BOOL, FactType.INT, FactType.STR
SCHEMA = {"x": B, "y": B, "z": B, "n": I, "topic": S, "candidate": S, "said": I}


def apply_sets(facts: Facts, rules: Sequence[Rule]) -> Facts:
    """The simplest interpretation: Set assigns a fact; the first writer in a round wins."""
    new = dict(facts)
    written: set[str] = set()
    for rule in rules:
        for c in rule.then:
            if isinstance(c, Set) and c.name not in written:
                written.add(c.name)
                value = resolve_ref(c.value, facts)
                if value is None:
                    new.pop(c.name, None)
                else:
                    new[c.name] = value
            elif isinstance(c, Say):
                new["said"] = int(new.get("said", 0)) + 1
    return new


@pytest.fixture(params=["python", "durable"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


def test_rules_chain_round_by_round(backend: str) -> None:
    rules = RuleSet("chain", (
        Rule("b", "y", (Set("z", True),), reason="y leads to z"),
        Rule("a", "x", (Set("y", True),), reason="x leads to y"),
    ))
    engine = compile_rules([rules], SCHEMA, backend=backend)
    facts, firings = run_to_fixpoint(engine, {"x": True}, apply_sets)
    assert facts == {"x": True, "y": True, "z": True}
    assert [(f.rule, f.round) for f in firings] == [("a", 1), ("b", 2)]
    assert firings[0].matched == {"x": True}
    assert firings[1].matched == {"y": True}
    assert firings[0].then == (Set("y", True),)
    assert firings[0].reason == "x leads to y"


def test_one_round_fires_every_rule_that_holds_highest_salience_first(backend: str) -> None:
    seen: list[list[str]] = []

    def record(facts: Facts, rules: Sequence[Rule]) -> Facts:
        seen.append([r.name for r in rules])
        return apply_sets(facts, rules)

    rules = RuleSet("topics", (
        Rule("stay", "topic", (Set("topic", Ref("topic")),), 50),
        Rule("switch", "candidate and topic", (Set("topic", Ref("candidate")),), 60),
        Rule("new", "candidate and not topic", (Set("topic", Ref("candidate")),), 40),
    ))
    engine = compile_rules([rules], SCHEMA, backend=backend)
    facts, firings = run_to_fixpoint(engine, {"topic": "book", "candidate": "faq"}, record)
    assert seen == [["switch", "stay"]]
    assert facts["topic"] == "faq"  # the higher salience wrote first
    assert [f.rule for f in firings] == ["switch", "stay"]
    assert firings[0].matched == {"candidate": "faq", "topic": "book"}


def test_refraction_a_rule_fires_once_per_run(backend: str) -> None:
    rules = RuleSet("r", (Rule("always", "true", (Say("hello"),)),
                          Rule("flip", "not x", (Set("x", True),)),
                          Rule("flop", "x", (Set("x", False),))))
    engine = compile_rules([rules], SCHEMA, backend=backend)
    facts, firings = run_to_fixpoint(engine, {}, apply_sets)
    assert [(f.rule, f.round) for f in firings] == [("always", 1), ("flip", 1), ("flop", 2)]
    assert facts == {"said": 1, "x": False}  # flip would hold again, but already fired


def test_already_fired_rules_stay_quiet(backend: str) -> None:
    rules = RuleSet("r", (Rule("a", "true", (Set("y", True),)), Rule("b", "y", (Emit("go"),))))
    engine = compile_rules([rules], SCHEMA, backend=backend)
    facts, firings = run_to_fixpoint(engine, {}, apply_sets, already_fired=frozenset({"a"}))
    assert (facts, firings) == ({}, [])
    _, firings = run_to_fixpoint(engine, {"y": True}, apply_sets, already_fired=frozenset({"a"}))
    assert [f.rule for f in firings] == ["b"]


def test_nothing_holds_means_no_rounds(backend: str) -> None:
    engine = compile_rules([RuleSet("r", (Rule("a", "x", ()),))], SCHEMA, backend=backend)
    assert run_rounds(engine, {"y": True}, apply_sets) == ({"y": True}, [])


def test_a_chain_longer_than_max_rounds_raises_rule_cycle(backend: str) -> None:
    rules = RuleSet("count", tuple(Rule(f"step{k:02}", f"n == {k}", (Set("n", k + 1),))
                                   for k in range(40)))
    engine = compile_rules([rules], SCHEMA, backend=backend)
    with pytest.raises(RuleCycle) as info:
        run_to_fixpoint(engine, {"n": 0}, apply_sets, max_rounds=32)
    assert info.value.rules == ("step29", "step30", "step31")
    assert "after 32 rounds" in str(info.value)
    assert "next: step32" in str(info.value)
    facts, firings = run_to_fixpoint(engine, {"n": 0}, apply_sets, max_rounds=40)
    assert facts == {"n": 40}
    assert len(firings) == 40


def test_rounds_keep_the_facts_each_round_matched_on() -> None:
    rules = RuleSet("chain", (Rule("a", "x", (Set("y", True),)), Rule("b", "y", (Set("z", True),))))
    engine = PythonRuleEngine([rules], SCHEMA)
    start: Facts = {"x": True}
    facts, rounds = run_rounds(engine, start, apply_sets)
    assert [r.number for r in rounds] == [1, 2]
    assert rounds[0].facts == {"x": True}
    assert rounds[1].facts == {"x": True, "y": True}
    assert isinstance(rounds[1], Round)
    assert [f.rule for f in rounds[1].fired] == ["b"]
    assert start == {"x": True}  # the caller's facts are never modified


def test_the_trace_shows_none_for_absent_facts() -> None:
    rules = RuleSet("r", (Rule("a", "not topic and not x", (Emit("start"),)),))
    engine = DurableRuleEngine([rules], SCHEMA)
    _, firings = run_to_fixpoint(engine, {}, apply_sets)
    assert firings[0].matched == {"topic": None, "x": None}


def test_apply_that_mutates_its_argument_cannot_rewrite_the_trace() -> None:
    def mutate(facts: Facts, rules: Sequence[Rule]) -> Facts:
        facts["z"] = True
        return facts

    engine = PythonRuleEngine([RuleSet("r", (Rule("a", "x", ()),))], SCHEMA)
    _, rounds = run_rounds(engine, {"x": True}, mutate)
    assert rounds[0].facts == {"x": True}


def test_resolve_ref() -> None:
    facts: Facts = {"topic": "book", "n": 3}
    assert resolve_ref(Ref("topic"), facts) == "book"
    assert resolve_ref(Ref("missing"), facts) is None
    assert resolve_ref(7, facts) == 7
    assert resolve_ref(False, facts) is False
