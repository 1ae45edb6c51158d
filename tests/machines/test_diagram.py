from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from machines.compile import compile_card
from machines.diagram import (
    ESCALATION_COLOUR,
    ESCALATION_MARK,
    card_json_schema,
    rule_labels,
    to_dot,
    to_mermaid,
)
from machines.loader import bundled_cards
from machines.rulegen import card_rules
from machines.verify import card_rulesets

MACHINES = {card_id: compile_card(card) for card_id, card in bundled_cards().items()}
LABELS = {card_id: rule_labels(m, card_rulesets(m.card)) for card_id, m in MACHINES.items()}
EDGE = re.compile(r'^    s_(\w+) -->\|"(.*)"\| s_(\w+)$')


def edges(text: str) -> list[tuple[str, str, str]]:
    return [m.groups() for line in text.splitlines() if (m := EDGE.match(line))]


def link_styles(text: str) -> list[tuple[set[int], str]]:
    out = []
    for line in text.splitlines():
        if line.startswith("    linkStyle "):
            numbers, style = line.removeprefix("    linkStyle ").split(" ", 1)
            out.append(({int(n) for n in numbers.split(",")}, style))
    return out


@pytest.mark.parametrize("card_id", sorted(MACHINES))
def test_mermaid_has_every_transition_with_the_rules_that_fire_it(card_id: str) -> None:
    machine, labels = MACHINES[card_id], LABELS[card_id]
    text = to_mermaid(machine, labels)
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    assert lines[1] == f'    start_(("start")) --> s_{machine.initial}'
    for step in machine.card.steps:
        assert f'    s_{step.id}["{step.id} ({step.kind})"]' in lines
    for final in ("done", "escalated", "abandoned"):
        assert f'    s_{final}(["{final}"])' in lines
    drawn = edges(text)
    assert len(drawn) == len(machine.transitions)
    for t, (source, label, target) in zip(machine.transitions, drawn, strict=True):
        assert (source, target) == (t.source, t.target)
        rules = labels.get((t.source, t.event, t.target), [])
        mark = f"{ESCALATION_MARK} " if t.target == "escalated" else ""
        assert label == f"{mark}{t.event}" + (f" [{', '.join(rules)}]" if rules else "")


@pytest.mark.parametrize("card_id", sorted(MACHINES))
def test_mermaid_escalation_edges_are_red_and_unfired_edges_dashed(card_id: str) -> None:
    machine, labels = MACHINES[card_id], LABELS[card_id]
    text = to_mermaid(machine, labels)
    # link 0 is the start arrow; link i is transition i - 1
    escalations = {i + 1 for i, t in enumerate(machine.transitions) if t.target == "escalated"}
    unfired = {
        i + 1
        for i, t in enumerate(machine.transitions)
        if t.target != "escalated" and (t.source, t.event, t.target) not in labels
    }
    styles = dict((frozenset(n), s) for n, s in link_styles(text))
    assert (
        styles[frozenset(escalations)]
        == f"stroke:{ESCALATION_COLOUR},stroke-width:3px,color:{ESCALATION_COLOUR}"
    )
    if unfired:
        assert "stroke-dasharray" in styles[frozenset(unfired)]
    assert len(styles) == 1 + bool(unfired)
    assert "    class s_escalated escalation" in text and "classDef escalation" in text


def test_every_escalation_edge_names_its_rules() -> None:
    """The card's own auto-escalation and the guardrail's can escalate from every step."""
    for card_id, machine in MACHINES.items():
        for t in machine.transitions:
            if t.target == "escalated":
                assert "escalate.unanswered" in LABELS[card_id][(t.source, t.event, t.target)]


def test_rules_label_only_the_transitions_they_can_fire() -> None:
    labels = LABELS["book"]
    assert labels[("confirm", "confirm", "book")] == ["book.confirm.yes"]
    assert labels[("confirm", "deny", "date")] == ["book.confirm.no"]
    assert labels[("date", "advance", "find")] == ["book.date.collected"]
    # book.service.corrected is "corrected.service and machine.state in [later steps]"
    assert labels[("date", "correct_service", "service")] == ["book.service.corrected"]
    assert ("service", "correct_service", "service") not in labels
    # no rule advances past a confirm step (only a yes does): the edge is unlabelled
    assert ("confirm", "advance", "book") not in labels
    assert labels[("phone", "escalate", "escalated")] == ["book.escalate.1", "escalate.unanswered"]
    # book finds nothing it would offer another topic for: no offer.declined here
    assert labels[("phone", "abandon", "abandoned")] == ["goodbye.abandons"]
    # cancel's lookup may find nothing and offer a booking: a no to that ends the task
    assert LABELS["cancel"][("phone", "abandon", "abandoned")] == [
        "offer.declined",
        "goodbye.abandons",
    ]


def test_rule_labels_read_conditions_not_text() -> None:
    """``not``, ``or``, ``!=`` and ``machine.card`` narrow the states as the condition says."""
    from rules.ir import Emit, Rule, RuleSet

    machine = MACHINES["book"]
    card = machine.card
    rules = RuleSet(
        "test",
        (
            Rule(
                "t.not_confirm",
                "signal.deny and not (machine.state == 'confirm')",
                (Emit("abandon"),),
                1,
            ),
            Rule(
                "t.either",
                "machine.state == 'date' or machine.state == 'slot'",
                (Emit("escalate"),),
                1,
            ),
            Rule("t.other_card", "machine.card == 'cancel' and signal.deny", (Emit("abandon"),), 1),
            Rule("t.not_name", "machine.state != 'name'", (Emit("correct_service"),), 1),
            Rule(
                "t.unknowable",
                "not (signal.deny and machine.state == 'date')",
                (Emit("escalate"),),
                1,
            ),
        ),
    )
    labels = rule_labels(machine, [card_rules(card), rules])
    abandon = {s for (s, e, _), names in labels.items() if "t.not_confirm" in names}
    assert abandon == {s.id for s in card.steps} - {"confirm"}
    either = {s for (s, e, _), names in labels.items() if "t.either" in names}
    assert either == {"date", "slot"}
    assert not any("t.other_card" in names for names in labels.values())
    corrected = {s for (s, e, _), names in labels.items() if "t.not_name" in names}
    assert "name" not in corrected and "date" in corrected and "service" not in corrected
    # the negation of a condition that is not only about states may hold anywhere
    unknowable = {s for (s, e, _), names in labels.items() if "t.unknowable" in names}
    assert unknowable == {s.id for s in card.steps}


def test_mermaid_without_labels_draws_events_only() -> None:
    text = to_mermaid(MACHINES["book"])
    assert '    s_confirm -->|"confirm"| s_book' in text
    assert "stroke-dasharray" not in text  # without rules nothing is known to be unfired


def test_card_json_schema() -> None:
    schema = card_json_schema()
    assert schema["$id"] and schema["title"] == "frontdesk topic card"
    assert {"id", "title", "steps"} <= set(schema["properties"])
    assert "steps" in schema["required"]
    json.dumps(schema)  # serialisable


def test_steps_named_like_mermaid_keywords_get_their_own_node_ids() -> None:
    from machines.loader import load_card_text

    from .cards_for_tests import GOOD

    text = GOOD.replace("id: name\n", "id: end\n")
    text = text.replace("id: service\n", "id: class\n").replace(
        "on_fail: service", "on_fail: class"
    )
    text = to_mermaid(compile_card(load_card_text(text, "demo.yaml")))
    assert '    s_end["end (collect)"]' in text
    assert '    s_slot -->|"advance"| s_end' in text
    assert '    s_find -->|"action_failed"| s_class' in text


def test_labels_cannot_break_out_of_their_quotes() -> None:
    machine = MACHINES["book"]
    text = to_mermaid(machine, {("confirm", "confirm", "book"): ['a "quoted" | piped rule']})
    assert '    s_confirm -->|"confirm [a #quot;quoted#quot; #124; piped rule]"| s_book' in text


# ---------------------------------------------------------------------- graphviz


def test_dot_has_every_state_and_transition_with_escalations_in_red() -> None:
    machine, labels = MACHINES["book"], LABELS["book"]
    graph = to_dot(machine, labels)
    names = {n.get_name() for n in graph.get_nodes()}
    assert {f"s_{s}" for s in machine.states} <= names
    drawn = graph.get_edges()
    assert len(drawn) == len(machine.transitions) + 1  # and the start arrow
    for edge in drawn[1:]:
        attrs = edge.get_attributes()
        if edge.get_destination() == "s_escalated":
            assert attrs["color"] == ESCALATION_COLOUR and attrs["penwidth"] == "2"
        else:
            assert "penwidth" not in attrs
    source = graph.to_string()
    assert 'label="confirm\\nbook.confirm.yes"' in source


def _dot_required() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "graphviz's dot is not installed (CI installs the Debian package "
                "graphviz in .ci/run)"
            )
        pytest.skip("graphviz's dot is not installed (Debian package: graphviz)")


@pytest.mark.parametrize("card_id", sorted(MACHINES))
def test_svg_is_xml_naming_every_state(card_id: str) -> None:
    _dot_required()
    machine = MACHINES[card_id]
    svg = to_dot(machine, LABELS[card_id]).create_svg()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for state in machine.states:
        assert state in texts
    assert ESCALATION_COLOUR.lower() in svg.decode().lower()
