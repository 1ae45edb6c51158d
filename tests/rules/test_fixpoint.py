"""The round loop: chaining, salience order, refraction, re-arming, the fixpoint and the bound."""

from __future__ import annotations

import pytest

from rules import (
    MAX_ROUNDS,
    DurableRuleEngine,
    Facts,
    FactType,
    PythonRuleEngine,
    Ref,
    Rule,
    RuleCycle,
    RuleSet,
    Say,
    Set,
    Step,
    compile_rules,
    resolve_ref,
    run_rounds,
)
from rules.fixpoint import Apply

B, I, S = FactType.BOOL, FactType.INT, FactType.STR
SCHEMA = {"x": B, "y": B, "z": B, "n": I, "topic": S, "candidate": S, "said": I, "state": S}


def sets(facts: Facts) -> tuple[list[tuple[int, list[str]]], Apply]:
    """An ``apply`` that interprets ``Set`` (the first writer in a round wins) and counts
    ``Say``; it reports CHANGED or SETTLED, and every round it is handed."""
    seen: list[tuple[int, list[str]]] = []

    def apply(number: int, rules: list[Rule]) -> Step:
        seen.append((number, [r.name for r in rules]))
        before = dict(facts)
        written: set[str] = set()
        for rule in rules:
            for c in rule.then:
                if isinstance(c, Set) and c.name not in written:
                    written.add(c.name)
                    facts[c.name] = resolve_ref(c.value, facts)
                elif isinstance(c, Say):
                    facts["said"] = int(facts.get("said", 0)) + 1
        return Step.SETTLED if facts == before else Step.CHANGED

    return seen, apply


@pytest.fixture(params=["python", "durable"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


def test_rules_chain_round_by_round(backend: str) -> None:
    rules = RuleSet("chain", (Rule("b", "y", (Set("z", True),)), Rule("a", "x", (Set("y", True),))))
    engine = compile_rules([rules], SCHEMA, backend=backend)
    facts: Facts = {"x": True}
    seen, apply = sets(facts)
    assert run_rounds(engine.match, facts, apply) == 2
    assert facts == {"x": True, "y": True, "z": True}
    assert seen == [(0, ["a"]), (1, ["b"])]


def test_one_round_hands_over_every_rule_that_holds_highest_salience_first(backend: str) -> None:
    rules = RuleSet(
        "topics",
        (
            Rule("stay", "topic", (Set("topic", Ref("topic")),), 50),
            Rule("switch", "candidate and topic", (Set("topic", Ref("candidate")),), 60),
            Rule("new", "candidate and not topic", (Set("topic", Ref("candidate")),), 40),
        ),
    )
    engine = compile_rules([rules], SCHEMA, backend=backend)
    facts: Facts = {"topic": "book", "candidate": "faq"}
    seen, apply = sets(facts)
    run_rounds(engine.match, facts, apply)
    assert seen == [(0, ["switch", "stay"])]
    assert facts["topic"] == "faq"  # the higher salience wrote first


def test_refraction_a_rule_fires_once_until_a_move(backend: str) -> None:
    rules = RuleSet(
        "r",
        (
            Rule("always", "true", (Say("hello"),)),
            Rule("flip", "not x", (Set("x", True),)),
            Rule("flop", "x", (Set("x", False),)),
        ),
    )
    engine = compile_rules([rules], SCHEMA, backend=backend)
    facts: Facts = {}
    seen, apply = sets(facts)
    run_rounds(engine.match, facts, apply)
    assert seen == [(0, ["always", "flip"]), (1, ["flop"])]
    assert facts == {"said": 1, "x": False}  # flip would hold again, but already fired


def test_a_move_re_arms_every_rule() -> None:
    rules = RuleSet(
        "m",
        (
            Rule("go", "state == 'a'", (Set("state", "b"),)),
            Rule("back", "state == 'b' and not x", (Set("state", "a"), Set("x", True))),
        ),
    )
    engine = PythonRuleEngine([rules], SCHEMA)
    facts: Facts = {"state": "a"}
    fired: list[str] = []

    def apply(_: int, matched: list[Rule]) -> Step:
        fired.extend(r.name for r in matched)
        before = facts["state"]
        for r in matched:
            for c in r.then:
                if isinstance(c, Set):
                    facts[c.name] = resolve_ref(c.value, facts)
        return Step.MOVED if facts["state"] != before else Step.CHANGED

    assert run_rounds(engine.match, facts, apply) == 3
    assert fired == ["go", "back", "go"]  # "go" fires again in the state it moved back to
    assert facts == {"state": "b", "x": True}


def test_a_round_that_changes_nothing_is_the_fixpoint() -> None:
    rules = RuleSet("r", (Rule("a", "x", (Set("x", True),)), Rule("b", "y", (Set("y", True),))))
    engine = PythonRuleEngine([rules], SCHEMA)
    facts: Facts = {"x": True}
    seen, apply = sets(facts)
    assert run_rounds(engine.match, facts, apply) == 1
    assert seen == [(0, ["a"])]


def test_nothing_holds_means_no_rounds(backend: str) -> None:
    engine = compile_rules([RuleSet("r", (Rule("a", "x", ()),))], SCHEMA, backend=backend)
    facts: Facts = {"y": True}
    seen, apply = sets(facts)
    assert run_rounds(engine.match, facts, apply) == 0
    assert seen == [] and facts == {"y": True}


def test_a_chain_longer_than_the_bound_raises_rule_cycle(backend: str) -> None:
    rules = RuleSet(
        "count", tuple(Rule(f"step{k:02}", f"n == {k}", (Set("n", k + 1),)) for k in range(40))
    )
    engine = compile_rules([rules], SCHEMA, backend=backend)
    facts: Facts = {"n": 0}
    _, apply = sets(facts)
    with pytest.raises(RuleCycle) as info:
        run_rounds(engine.match, facts, apply, max_rounds=32, where="card")
    names = tuple(f"step{k:02}" for k in range(32))
    assert info.value.rules == names
    assert str(info.value) == (
        "rules did not reach a fixpoint in 32 rounds in card: " + ", ".join(names)
    )
    facts = {"n": 0}
    _, apply = sets(facts)
    with pytest.raises(RuleCycle):  # the round that finds nothing left to fire counts too
        run_rounds(engine.match, facts, apply, max_rounds=40)
    facts = {"n": 0}
    _, apply = sets(facts)
    assert run_rounds(engine.match, facts, apply, max_rounds=41) == 40
    assert facts == {"n": 40}


def test_a_loop_of_moves_names_the_rules_of_its_last_round() -> None:
    rules = RuleSet(
        "m",
        (
            Rule("ping", "state == 'a'", (Set("state", "b"),)),
            Rule("pong", "state == 'b'", (Set("state", "a"),)),
        ),
    )
    engine = PythonRuleEngine([rules], SCHEMA)
    facts: Facts = {"state": "a"}

    def apply(_: int, matched: list[Rule]) -> Step:
        for c in matched[0].then:
            if isinstance(c, Set):
                facts[c.name] = resolve_ref(c.value, facts)
        return Step.MOVED

    with pytest.raises(RuleCycle) as info:
        run_rounds(engine.match, facts, apply)
    assert info.value.rules == ("pong",)  # round 63 (from 0) is pong's
    assert str(info.value) == f"rules did not reach a fixpoint in {MAX_ROUNDS} rounds: pong"


def test_apply_may_stop_the_loop_by_raising() -> None:
    engine = PythonRuleEngine([RuleSet("r", (Rule("a", "true", (Say("hello"),)),))], SCHEMA)

    class Stop(Exception):
        pass

    def apply(_: int, matched: list[Rule]) -> Step:
        raise Stop

    with pytest.raises(Stop):
        run_rounds(engine.match, {}, apply)


def test_the_loop_matches_the_facts_apply_changes_in_place() -> None:
    engine = DurableRuleEngine(
        [RuleSet("r", (Rule("a", "not x", (Set("x", True),)), Rule("b", "x", (Set("y", True),))))],
        SCHEMA,
    )
    facts: Facts = {}
    seen, apply = sets(facts)
    run_rounds(engine.match, facts, apply)
    assert seen == [(0, ["a"]), (1, ["b"])]


def test_resolve_ref() -> None:
    facts: Facts = {"topic": "book", "n": 3}
    assert resolve_ref(Ref("topic"), facts) == "book"
    assert resolve_ref(Ref("missing"), facts) == ""  # an absent fact reads as empty text
    assert resolve_ref(7, facts) == 7
    assert resolve_ref(False, facts) is False
