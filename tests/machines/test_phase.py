"""``machines.phase``: properties of a phase of rules that only decides (the conversation
policy), checked over combinations of facts, with a runner held to the engine's own."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.state import ConversationState, Snapshot
from engine.turn import Turn
from language.types import Understanding
from machines.facts import BASE_FACTS
from machines.phase import PhaseProperty, check_phase, run_phase, vary
from rules.engine import compile_rules
from rules.ir import FactType, Ref, Rule, RuleSet, Set
from tests.fakes.demo import demo_brains

BRAINS = demo_brains()
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CARDS = sorted(BRAINS["rapid-rooter"].topics)
READ = sorted(
    {
        n
        for r in BRAINS["rapid-rooter"].rules_by_name.values()
        if r.source.startswith("policy:") and r.name.startswith("topic.")
        for n in BRAINS["rapid-rooter"].rule_names[r.name]
    }
)


def _value(name: str) -> st.SearchStrategy[object]:
    kind = BASE_FACTS[name]
    if kind is FactType.BOOL:
        return st.booleans()
    if kind is FactType.INT:
        return st.sampled_from([0, 60, 1799, 1800, 1801, 7200])
    if kind is FactType.FLOAT:
        return st.sampled_from([0.0, 0.07, 0.08, 0.3, 0.55, 0.6, 0.9])
    texts = {"signal.hazard": ["none", "gas"], "signal.urgency": ["none", "urgent", "emergency"]}
    return st.sampled_from([None, *texts.get(name, CARDS)])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_phase_runner_decides_as_the_engine(data: st.DataObject) -> None:
    slug = data.draw(st.sampled_from(sorted(BRAINS)), label="business")
    brain = BRAINS[slug]
    facts = {n: data.draw(_value(n), label=n) for n in READ if n in BASE_FACTS}
    facts = {k: v for k, v in facts.items() if v is not None}
    facts["turn.empty"] = False  # an unreadable turn words a reply the runner does not
    ours, fired = run_phase(brain.conversation, facts)
    snap = Snapshot(
        business=slug, conversation_id="c", channel="webchat", state=ConversationState()
    )
    turn = Turn(
        brain=brain,
        snap=snap,
        und=Understanding(text="hi", lang="en"),
        now=NOW,
        results=(),
        state=ConversationState(),
        facts=dict(facts),
        lang="en",
    )
    turn.run_phase("conversation", brain.conversation, None)
    assert fired == [f.rule for f in turn.firings]
    assert {k: v for k, v in ours.items() if k.startswith("decision.")} == {
        k: v for k, v in turn.facts.items() if k.startswith("decision.")
    }


def test_combinations_come_fewest_changes_first() -> None:
    combos = list(vary({"a": [False, True], "b": [None, "x", "y"]}))
    assert combos[0] == {"a": False} and len(combos) == 6
    assert combos[1:3] == [{"a": False, "b": "x"}, {"a": False, "b": "y"}]
    assert combos[3] == {"a": True}


# a toy conversation policy: a candidate topic is entered, whatever the message was
ENTERS = RuleSet(
    "policy:toy",
    (
        Rule(
            "toy.keep",
            "topic.active and not topic.active_done",
            (Set("decision.topic", Ref("topic.active")),),
            50,
        ),
        Rule("toy.new", "topic.candidate", (Set("decision.topic", Ref("topic.candidate")),), 40),
    ),
)
BARE_YES = PhaseProperty(
    "bare_acknowledgement_enters",
    "signal.affirm and not topic.active",
    "decision.topic in ['book', 'cancel']",
    "a bare yes enters a topic that commits",
)
VALUES = {
    "signal.affirm": [False, True],
    "topic.active": [None, "book"],
    "topic.candidate": [None, "faq", "book"],
    "topic.active_done": [False, True],
}


def test_a_property_of_the_conversation_policy_is_broken_with_the_facts_that_break_it() -> None:
    engine = compile_rules((ENTERS,), BASE_FACTS, backend="python")
    (v,) = check_phase(engine, BASE_FACTS, {}, VALUES, [BARE_YES])
    assert v.kind == "bare_acknowledgement_enters"
    assert dict(v.facts) == {
        "signal.affirm": True,
        "topic.active_done": False,
        "topic.candidate": "book",
    }
    assert v.fired == ("toy.new",) and dict(v.decided) == {"decision.topic": "book"}
    guarded = RuleSet(
        "policy:toy",
        (
            ENTERS.rules[0],
            Rule(
                "toy.new",
                "topic.candidate and not signal.affirm",
                (Set("decision.topic", Ref("topic.candidate")),),
                40,
            ),
        ),
    )
    engine = compile_rules((guarded,), BASE_FACTS, backend="python")
    assert check_phase(engine, BASE_FACTS, {}, VALUES, [BARE_YES]) == []


def test_the_demo_conversation_policy_sends_a_gas_smell_to_the_emergency() -> None:
    brain = BRAINS["rapid-rooter"]
    gas = PhaseProperty(
        "gas_not_an_emergency",
        "signal.hazard == 'gas' and topic.active != 'emergency'",
        "decision.topic != 'emergency'",
        "a smell of gas is not an emergency",
    )
    values = {
        "signal.hazard": ["gas"],
        "signal.wants_human": [False, True],
        "signal.urgency": ["none", "emergency"],
        "topic.active": [None, *CARDS],
        "topic.candidate": [None, *CARDS],
        "topic.answered_expected": [False, True],
        "topic.candidate_score": [0.3, 0.9],
        "topic.margin": [0.0, 0.5],
    }
    fixed = {"business.has_emergency": True, "business.has_human": True}
    assert check_phase(brain.conversation, BASE_FACTS, fixed, values, [gas]) == []
