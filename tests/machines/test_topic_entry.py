"""``machines.topic_entry``: the conversation policy's promises about entering a topic,
proved for every demo business, and shown to catch a policy that breaks them."""

from __future__ import annotations

import time

from machines.facts import BASE_FACTS
from machines.topic_entry import check
from rules.engine import compile_rules
from rules.ir import Ref, Rule, RuleSet, Set
from tests.fakes.demo import demo_brains


def _split(slug: str) -> tuple[list[str], list[str]]:
    brain = demo_brains()[slug]
    commits = sorted(t for t, topic in brain.topics.items() if topic.commits)
    return commits, sorted(set(brain.topics) - set(commits))


def test_every_demo_business_enters_topics_only_on_evidence() -> None:
    for slug, brain in demo_brains().items():
        start = time.perf_counter()
        assert check(brain.conversation, *_split(slug)) == [], slug
        assert time.perf_counter() - start < 20


def test_a_policy_that_enters_any_candidate_is_caught_with_the_facts_that_show_it() -> None:
    careless = RuleSet(
        "policy:careless",
        (
            Rule(
                "careless.new",
                "topic.candidate",
                (Set("decision.topic", Ref("topic.candidate")),),
                40,
            ),
        ),
    )
    engine = compile_rules((careless,), BASE_FACTS, backend="python")
    found = {v.kind: v for v in check(engine, *_split("bloom-salon"))}
    assert set(found) == {"bare_answer_commits", "unclear_commit"}
    bare = dict(found["bare_answer_commits"].facts)
    assert bare["turn.bare"] in ("yes", "no") and bare["topic.candidate"] == "book"
    assert ("decision.topic", "book") in found["unclear_commit"].decided
