"""The audit's plain words: facts as ``name = value``, consequences without internals."""

from __future__ import annotations

import pytest

from adapters.cli.audit_text import assignments, consequence, understanding, value


@pytest.mark.parametrize(
    ("recorded", "matched", "said"),
    [
        (
            "set decision.topic = Ref(name='topic.candidate')",
            {"topic.candidate": "book"},
            "set decision.topic = book (from topic.candidate)",
        ),
        (
            "set decision.topic = Ref(name='topic.active')",
            {},
            "set decision.topic = the value of topic.active",
        ),
        ("set decision.suspend = True", {}, "set decision.suspend = true"),
        (
            "set decision.topic = Ref(name='topic.active') (superseded)",
            {"topic.active": "book"},
            "set decision.topic = book (from topic.active) — not applied: a rule before it "
            "decided this",
        ),
        ("emit advance", {}, "machine event advance"),
        ("plan find_slots", {}, "run action find_slots"),
        ("say ask date", {}, "ask for date"),
        ("say confirm", {}, "reply with confirm"),
        ("say invalid date", {}, "reply with invalid (date)"),
        (
            "escalate: the customer asked for a person",
            {},
            "hand over to a person: the customer asked for a person",
        ),
    ],
)
def test_a_consequence_in_words(recorded: str, matched: dict[str, object], said: str) -> None:
    assert consequence(recorded, matched) == said
    assert "Ref(" not in said


def test_facts_as_name_equals_value() -> None:
    assert assignments(
        {
            "signal.affirm": True,
            "field.date": None,
            "machine.state": "date",
            "topic.margin": 0.60624,
            "field.name": "Jamie Rivera",
            "field.note": "",
        }
    ) == (
        'field.date = (not set), field.name = Jamie Rivera, field.note = "", '
        "machine.state = date, signal.affirm = true, topic.margin = 0.6062"
    )
    assert assignments({"a": "", "b": "x", "c": None}, skip_empty=True) == "b = x"
    assert value(" padded ") == '" padded "'


def test_understanding_names_the_topic_its_runner_up_and_where_each_field_came_from() -> None:
    lines = understanding(
        {
            "lang": "de",
            "topics": [{"topic": "book", "score": 0.8622}, {"topic": "faq", "score": 0.6333}],
            "signals": {"affirm": False, "greeting": True, "urgency": "high"},
            "fields": [
                {
                    "type": "date",
                    "value": "2026-11-25",
                    "problem": "",
                    "text": "morgen",
                    "confidence": 1.0,
                },
                {
                    "type": "date",
                    "value": "",
                    "problem": "past",
                    "text": "gestern",
                    "confidence": 1.0,
                },
            ],
            "part_of_day": "afternoon",
        }
    )
    assert lines == [
        "  understood: German; topic book (confidence 0.86, runner-up faq 0.63); signals: "
        "greeting, urgency high; part of day afternoon",
        '    date = 2026-11-25  from "morgen"',
        '    date: not usable (past)  from "gestern"',
    ]
    assert understanding({"lang": "en"}) == ["  understood: English; no topic"]
