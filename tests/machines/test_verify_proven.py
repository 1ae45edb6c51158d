"""``frontdesk verify`` proves that no appointment is looked up, moved or cancelled for a
number the conversation has not proven, and catches a card that would. (That the bundled
cards pass is ``tests/machines/test_verify.py::test_every_bundled_card_is_sound``: a
report with any violation, this kind included, fails it.)"""

from __future__ import annotations

from typing import Any

import pytest

from machines.card import Card, expand_verify
from machines.loader import bundled_cards, card_from_data
from machines.verify import compile_subject, verify

BUNDLED = bundled_cards()


def _report(card: Card):  # type: ignore[no-untyped-def]
    machine, engine, rulesets = compile_subject(card)
    return verify(machine, engine, rulesets, first=True)


def _mutated(card_id: str, change: Any) -> Card:
    data = BUNDLED[card_id].model_dump(mode="json")
    data["steps"] = change(list(data["steps"]))
    data["invariants"] = [i for i in data["invariants"] if i["name"] != "look_up_a_proven_number"]
    return card_from_data(data, f"mutated {card_id}")


def _without_verify(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in steps if not s["id"].startswith("verify")]


def _lookup_first(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lookup moved before the code is sent."""
    lookup = next(s for s in steps if s["id"] == "lookup")
    rest = [s for s in steps if s["id"] != "lookup"]
    at = next(i for i, s in enumerate(rest) if s["id"] == "verify")
    return rest[:at] + [lookup] + rest[at:]


@pytest.mark.parametrize("card_id", ["cancel", "reschedule"])
@pytest.mark.parametrize("change", [_without_verify, _lookup_first])
def test_a_card_that_looks_up_before_the_number_is_proven_is_caught(
    card_id: str, change: Any
) -> None:
    report = _report(_mutated(card_id, change))
    kinds = [v.kind for v in report.violations]
    assert "unverified_lookup" in kinds
    found = next(v for v in report.violations if v.kind == "unverified_lookup")
    assert "not proven" in found.message and found.counterexample


def test_a_verify_step_stands_for_send_check_and_the_code_field() -> None:
    card = BUNDLED["cancel"]
    ids = [s.id for s in card.steps]
    assert ids[:5] == ["phone", "verify", "verify_code", "verify_check", "lookup"]
    assert card.step("verify").action == "send_code"
    assert card.step("verify").on_fail == "phone"
    assert card.step("verify_check").on_fail == "verify_code"
    assert all(card.step(i).skip_if == "proven.phone" for i in ids[1:4])
    assert card.field("code").type == "text"
    assert {"send_code", "check_code"} <= set(card.allowed_actions)
    # expanding again changes nothing
    data = card.model_dump(mode="json")
    assert expand_verify(data) == data
