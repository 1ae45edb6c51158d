"""A business's override of a card template: whole keys replaced, examples added, and the
result validated again with errors naming the business file."""

from __future__ import annotations

import pytest

from machines.errors import InvalidCard
from machines.loader import apply_override, bundled_cards
from machines.yamlio import load_yaml

BOOK = bundled_cards()["book"]


def test_override_replaces_whole_top_level_keys() -> None:
    card = apply_override(BOOK, {"title": {"en": "Book a visit"}, "priority": 60}, {}, "biz.yaml")
    assert card.title == {"en": "Book a visit"} and card.priority == 60
    assert card.steps == BOOK.steps and card.classifier == BOOK.classifier
    assert BOOK.priority == 50  # the template is untouched


def test_extra_examples_are_added_per_language() -> None:
    card = apply_override(
        BOOK,
        {},
        {
            "en": ["can I see Mia for a cleaning", BOOK.classifier.examples["en"][0]],
            "fr": ["je voudrais un rendez-vous"],
        },
        "biz.yaml",
    )
    en = card.classifier.examples["en"]
    assert en[: len(BOOK.classifier.examples["en"])] == BOOK.classifier.examples["en"]
    assert en[-1] == "can I see Mia for a cleaning"
    assert len(en) == len(BOOK.classifier.examples["en"]) + 1  # no duplicate
    assert card.classifier.examples["fr"] == ("je voudrais un rendez-vous",)
    assert card.classifier.examples["de"] == BOOK.classifier.examples["de"]


def test_extra_examples_go_on_top_of_an_overridden_classifier() -> None:
    card = apply_override(
        BOOK, {"classifier": {"examples": {"en": ["a"]}}}, {"en": ["b"]}, "biz.yaml"
    )
    assert card.classifier.examples == {"en": ("a", "b")}


def test_errors_name_the_override_source() -> None:
    with pytest.raises(InvalidCard) as caught:
        apply_override(BOOK, {"allowed_actions": ["book"]}, {}, "examples/businesses/x.yaml")
    problems = caught.value.problems
    assert problems and all(p.file == "examples/businesses/x.yaml" for p in problems)
    messages = [p.message for p in problems]
    assert (
        "card 'book' (override): step 'find' runs action 'find_slots', which is not in"
        " allowed_actions"
    ) in messages


def test_errors_point_at_the_override_lines_when_given() -> None:
    text = (
        "slug: demo\n"
        "topics:\n"
        "  - card: book\n"
        "    override:\n"
        "      priority: 60\n"
        "      confirm_before: [bok]\n"
        "      colour: blue\n"
    )
    data, lines = load_yaml(text, "biz.yaml")
    with pytest.raises(InvalidCard) as caught:
        apply_override(
            BOOK,
            data["topics"][0]["override"],
            {},
            "biz.yaml",
            line_map=lines.sub(("topics", 0, "override")),
        )
    found = sorted(str(p) for p in caught.value.problems)
    assert found == [
        "biz.yaml:7: card 'book' (override): unknown key 'colour'",
    ]
    del data["topics"][0]["override"]["colour"]
    with pytest.raises(InvalidCard) as caught:
        apply_override(
            BOOK,
            data["topics"][0]["override"],
            {},
            "biz.yaml",
            line_map=lines.sub(("topics", 0, "override")),
        )
    assert [str(p) for p in caught.value.problems] == [
        "biz.yaml:6: card 'book' (override): unknown action 'bok' (did you mean 'book'?)",
    ]


def test_problems_outside_the_overridden_keys_point_at_the_override() -> None:
    text = "topics:\n  - card: book\n    override:\n      required_fields: []\n"
    data, lines = load_yaml(text, "biz.yaml")
    with pytest.raises(InvalidCard) as caught:
        apply_override(
            BOOK,
            data["topics"][0]["override"],
            {},
            "biz.yaml",
            line_map=lines.sub(("topics", 0, "override")),
        )
    # the steps and actions that now lack their fields come from the template, so their
    # problems point at the override mapping itself (line 3)
    assert {p.line for p in caught.value.problems} == {3}
    assert any(
        "step 'service' collects field 'service'" in p.message for p in caught.value.problems
    )
