from __future__ import annotations

import json

import pytest

from machines.compile import compile_card
from machines.diagram import ESCALATION_MARK, card_json_schema, to_mermaid
from machines.loader import bundled_cards

MACHINES = {card_id: compile_card(card) for card_id, card in bundled_cards().items()}


@pytest.mark.parametrize("card_id", sorted(MACHINES))
def test_mermaid_has_every_transition(card_id: str) -> None:
    machine = MACHINES[card_id]
    text = to_mermaid(machine)
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert f"    [*] --> {machine.initial}" in lines
    for final in ("done", "escalated", "abandoned"):
        assert f"    {final} --> [*]" in lines
    edges = [line for line in lines if " --> " in line and "[*]" not in line]
    assert len(edges) == len(machine.transitions)
    for t in machine.transitions:
        mark = f"{ESCALATION_MARK} " if t.target == "escalated" else ""
        assert f"    {t.source} --> {t.target} : {mark}{t.event}" in lines
    assert "class escalated escalation" in text and "classDef escalation" in text


def test_rule_names_label_their_edges() -> None:
    machine = MACHINES["book"]
    text = to_mermaid(machine, {
        ("confirm", "confirm", "book"): ["book.affirm_in_confirm"],
        ("date", "escalate", "escalated"): ["book.repeated_failure", "guard.wants_human"],
    })
    assert "    confirm --> book : confirm [book.affirm_in_confirm]" in text
    assert ("    date --> escalated : ⚠ escalate [book.repeated_failure, guard.wants_human]"
            in text)


def test_card_json_schema() -> None:
    schema = card_json_schema()
    assert schema["$id"] and schema["title"] == "frontdesk topic card"
    assert {"id", "title", "steps"} <= set(schema["properties"])
    assert "steps" in schema["required"]
    json.dumps(schema)  # serialisable


def test_steps_named_like_mermaid_keywords_get_their_own_node_ids() -> None:
    from machines.loader import load_card_text

    from .cards_for_tests import GOOD

    text = GOOD.replace("id: name\n", "id: note\n")
    text = text.replace("id: service\n", "id: state\n").replace("on_fail: service", "on_fail: state")
    text = to_mermaid(compile_card(load_card_text(text, "demo.yaml")))
    assert '    state "note (collect)" as note_step' in text
    assert "    slot --> note_step : advance" in text
    assert "    find --> state_step : action_failed" in text
