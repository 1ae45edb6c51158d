"""The bundled card templates: they load, compile, and keep the shape the engine relies on."""

from __future__ import annotations

import pytest

from machines.card import Card
from machines.compile import compile_card
from machines.loader import bundled_cards, validate_card
from machines.registry import DEFAULT_ACTIONS

CARDS = bundled_cards()
IDS = sorted(CARDS)
# a card's `kind: verify` step, as the steps it stands for (send_code, code, check_code)
VERIFY = ["verify", "verify_code", "verify_check"]

EXPECTED = {
    "book": (50, ["service", "date", "find", "slot", "name", "phone", "confirm", "book"]),
    "reschedule": (
        55,
        [
            "phone",
            *VERIFY,
            "lookup",
            "appointment",
            "date",
            "find",
            "slot",
            "confirm",
            "move",
        ],
    ),
    "cancel": (55, ["phone", *VERIFY, "lookup", "appointment", "confirm", "cancel"]),
    "faq": (40, ["answer"]),
    "hours": (40, ["hours"]),
    "message": (45, ["message", "name", "phone", "confirm", "take"]),
    "human": (70, ["transfer"]),
    "emergency": (90, ["alert", "message", "name", "phone", "confirm", "take"]),
    "smalltalk": (10, ["chat"]),
    "out_of_scope": (5, ["decline"]),
}


def test_exactly_the_expected_cards_are_bundled() -> None:
    assert set(CARDS) == set(EXPECTED)


@pytest.mark.parametrize("card_id", IDS)
def test_priority_and_steps(card_id: str) -> None:
    card = CARDS[card_id]
    priority, steps = EXPECTED[card_id]
    assert card.priority == priority
    assert [s.id for s in card.steps] == steps


@pytest.mark.parametrize("card_id", IDS)
def test_texts_in_both_languages(card_id: str) -> None:
    card = CARDS[card_id]
    for text in (card.title, card.classifier.description, card.scope, card.instructions):
        assert set(text) == {"en", "de"} and all(v.strip() for v in text.values())
    for lang in ("en", "de"):
        examples = card.classifier.examples[lang]
        assert len(examples) >= 15
        assert len(set(examples)) == len(examples)
    for f in card.required_fields:
        assert set(f.prompt) == {"en", "de"} and set(f.label) == {"en", "de"}


def test_fields_the_engine_relies_on() -> None:
    def fields(card_id: str) -> dict[str, str]:
        return {f.name: f.type for f in CARDS[card_id].required_fields}

    assert fields("book") == {
        "service": "service",
        "staff": "staff",
        "date": "date",
        "time": "time",
        "slot": "offered_slot",
        "name": "person_name",
        "phone": "phone",
    }
    assert fields("reschedule") == {
        "phone": "phone",
        "appointment": "choice",
        "date": "date",
        "time": "time",
        "staff": "staff",
        "slot": "offered_slot",
        "service": "service",
        "code": "text",
    }
    assert fields("cancel") == {"phone": "phone", "appointment": "choice", "code": "text"}
    assert fields("faq") == {"service": "service"}
    assert (
        fields("message")
        == fields("emergency")
        == {"message": "text", "name": "person_name", "phone": "phone"}
    )
    for card_id in ("hours", "human", "smalltalk", "out_of_scope"):
        assert fields(card_id) == {}


def test_steps_the_engine_relies_on() -> None:
    book = CARDS["book"]
    assert book.step("find").on_fail == "date" and book.step("book").on_fail == "find"
    assert book.step("confirm").on_deny == "date"
    assert book.allowed_actions == ("find_slots", "book") and book.confirm_before == ("book",)
    assert [(e.when, e.reason) for e in book.auto_escalate_if] == [
        ("counter.failed_attempts >= 3", "repeated failure")
    ]
    move = CARDS["reschedule"]
    assert move.step("lookup").on_fail == "phone" and move.step("move").on_fail == "find"
    assert move.step("move").action == "reschedule" and move.confirm_before == ("reschedule",)
    assert CARDS["cancel"].step("confirm").on_deny == "appointment"
    assert CARDS["cancel"].step("cancel").on_fail == "appointment"
    assert CARDS["message"].step("confirm").on_deny == "message"
    emergency = CARDS["emergency"]
    assert emergency.step("alert").action == "emergency"
    assert [s.skip_if for s in emergency.steps[1:]] == ["not policy.emergency_message"] * 5
    assert emergency.confirm_before == ("take_message",)
    assert [e.action for e in emergency.confirm_exempt] == ["emergency"]
    assert CARDS["smalltalk"].step("chat").say == "smalltalk"
    assert CARDS["out_of_scope"].step("decline").say == "out_of_scope"
    assert {c.id for c in CARDS.values() if c.oneshot} == {
        "faq",
        "hours",
        "smalltalk",
        "out_of_scope",
    }


@pytest.mark.parametrize("card_id", IDS)
def test_bundled_card_revalidates_cleanly(card_id: str) -> None:
    assert validate_card(CARDS[card_id], f"{card_id}.yaml", actions=DEFAULT_ACTIONS) == []


@pytest.mark.parametrize("card_id", IDS)
def test_bundled_card_compiles(card_id: str) -> None:
    machine = compile_card(CARDS[card_id])
    assert machine.states[: len(CARDS[card_id].steps)] == tuple(s.id for s in CARDS[card_id].steps)


def test_bundled_cards_returns_a_fresh_dict() -> None:
    first = bundled_cards()
    first.pop("book")
    assert "book" in bundled_cards()
    assert all(isinstance(c, Card) for c in bundled_cards().values())
