"""Topic cards: the card model, loading and validation, compiling to machines, diagrams.

Names are exported lazily: importing ``machines.card`` (as ``language/`` does) must not pull
in python-statemachine, ruamel.yaml or the condition parser, nor risk an import cycle.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from machines.card import TERMINAL_STATES, Card, RequiredField, Step
    from machines.compile import CompiledMachine, Transition, compile_card
    from machines.diagram import card_json_schema, to_mermaid
    from machines.errors import InvalidCard, InvalidDocument, Problem, TransitionRefused
    from machines.loader import (
        apply_override,
        bundled_cards,
        load_card_file,
        load_card_text,
        load_cards,
        validate_card,
    )
    from machines.registry import DEFAULT_ACTIONS, ActionSpec
    from machines.verify import Report, StateLimitExceeded, Violation

_EXPORTS = {
    "Card": "card",
    "RequiredField": "card",
    "Step": "card",
    "TERMINAL_STATES": "card",
    "CompiledMachine": "compile",
    "Transition": "compile",
    "compile_card": "compile",
    "card_json_schema": "diagram",
    "to_mermaid": "diagram",
    "InvalidCard": "errors",
    "InvalidDocument": "errors",
    "Problem": "errors",
    "TransitionRefused": "errors",
    "apply_override": "loader",
    "bundled_cards": "loader",
    "load_card_file": "loader",
    "load_card_text": "loader",
    "load_cards": "loader",
    "validate_card": "loader",
    "ActionSpec": "registry",
    "DEFAULT_ACTIONS": "registry",
    # the function itself is machines.verify.verify: the name is taken by its module
    "Report": "verify",
    "StateLimitExceeded": "verify",
    "Violation": "verify",
}

__all__ = [
    "DEFAULT_ACTIONS",
    "TERMINAL_STATES",
    "ActionSpec",
    "Card",
    "CompiledMachine",
    "InvalidCard",
    "InvalidDocument",
    "Problem",
    "Report",
    "RequiredField",
    "StateLimitExceeded",
    "Step",
    "Transition",
    "TransitionRefused",
    "Violation",
    "apply_override",
    "bundled_cards",
    "card_json_schema",
    "compile_card",
    "load_card_file",
    "load_card_text",
    "load_cards",
    "to_mermaid",
    "validate_card",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'machines' has no attribute {name!r}")
    return getattr(importlib.import_module(f"machines.{module}"), name)
