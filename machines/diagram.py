"""Pictures and schemas of cards for people and editors.

``to_mermaid`` draws a compiled machine as a Mermaid ``stateDiagram-v2`` for the owner
dashboard: every transition is one labelled edge, optionally with the names of the rules
that fire it, so an owner can read "why would the conversation go there". Escalation is
drawn apart (a red ``escalated`` state, edge labels marked ⚠) because it is the edge an
owner most needs to see.

``card_json_schema`` publishes the card model as JSON Schema for editor completion and
for validating cards outside Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from machines.card import Card
from machines.compile import CompiledMachine

ESCALATION_MARK = "⚠"
CARD_SCHEMA_ID = "urn:frontdesk:schema:card:1"


def to_mermaid(
    machine: CompiledMachine,
    edge_labels: Mapping[tuple[str, str, str], Sequence[str]] | None = None,
) -> str:
    """The machine as a Mermaid state diagram, one edge per transition."""
    labels = edge_labels or {}
    lines = ["stateDiagram-v2", f"    [*] --> {_node(machine.initial)}"]
    for step in machine.card.steps:
        lines.append(f"    state \"{_clean(step.id)} ({step.kind})\" as {_node(step.id)}")
    for t in machine.transitions:
        text = t.event
        rules = labels.get((t.source, t.event, t.target), ())
        if rules:
            text += " [" + ", ".join(rules) + "]"
        if t.target == "escalated":
            text = f"{ESCALATION_MARK} {text}"
        lines.append(f"    {_node(t.source)} --> {_node(t.target)} : {_clean(text)}")
    for final in machine.terminal:
        lines.append(f"    {final} --> [*]")
    lines.append("    classDef escalation stroke:#d32f2f,stroke-width:3px,color:#d32f2f")
    lines.append("    class escalated escalation")
    return "\n".join(lines) + "\n"


_MERMAID_WORDS = frozenset({
    "as", "class", "classdef", "click", "default", "direction", "end", "hide", "left", "note",
    "of", "right", "state", "style",
})


def _node(state: str) -> str:
    """A Mermaid node id for a state; a step named like a Mermaid keyword gets a suffix (its
    label still shows the real name)."""
    return f"{state}_step" if state.lower() in _MERMAID_WORDS else state


def _clean(text: str) -> str:
    """Keep a label on one line and free of Mermaid's statement separators."""
    return " ".join(text.replace(";", ",").replace("-->", "->").split())


def card_json_schema() -> dict[str, Any]:
    """JSON Schema of a topic card (draft 2020-12)."""
    schema = Card.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": CARD_SCHEMA_ID,
        **schema,
        "title": "frontdesk topic card",
    }


__all__ = ["CARD_SCHEMA_ID", "ESCALATION_MARK", "card_json_schema", "to_mermaid"]
