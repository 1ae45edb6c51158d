"""``machines.registry``: the actions a card may name are the engine's, and what the
registry says of them (what they read, which commit, what only they may say) agrees with
what the engine and the renderer do."""

from __future__ import annotations

import pytest

from contrib.testing.decide import _DONE_ITEMS
from engine import actions
from language.render import RENDERERS, render_item
from language.types import PlanItem, ReplyPlan
from machines.registry import DEFAULT_ACTIONS, SAY_WORDINGS, claims


def test_the_registry_names_exactly_the_actions_the_engine_runs() -> None:
    assert set(DEFAULT_ACTIONS) == set(actions.HANDLERS)


def test_what_the_registry_says_an_action_does_is_what_the_engine_treats_it_as() -> None:
    reads = {name for name, spec in DEFAULT_ACTIONS.items() if spec.effect == "read"}
    commits = {name for name, spec in DEFAULT_ACTIONS.items() if spec.commits}
    assert reads == actions._READ_ONLY  # run again freely, never remembered
    proves = {name for name, spec in DEFAULT_ACTIONS.items() if spec.effect == "prove"}
    assert proves == actions._CODES == {"send_code", "check_code"}  # each time, never remembered
    assert commits >= actions._STATEFUL
    assert commits == {"book", "reschedule", "cancel", "take_message", "emergency"}
    handovers = {name for name, spec in DEFAULT_ACTIONS.items() if spec.effect == "handover"}
    assert handovers == {"transfer", "escalate"}


def test_each_claim_belongs_to_the_commit_whose_success_says_it() -> None:
    assert claims(DEFAULT_ACTIONS) == {
        "booked": "book",
        "rescheduled": "reschedule",
        "cancelled": "cancel",
        "already_cancelled": "cancel",
        "message_taken": "take_message",
    }
    for action, claim in _DONE_ITEMS.items():  # the test driver's results say the same
        if DEFAULT_ACTIONS[action].claims:
            assert claim in DEFAULT_ACTIONS[action].claims


@pytest.mark.parametrize("kind", [*SAY_WORDINGS, *claims(DEFAULT_ACTIONS)])
def test_every_say_key_a_card_may_use_has_wording_of_its_own(kind: str) -> None:
    if kind == "smalltalk":  # worded as a greeting, thanks or goodbye (engine.replyplan)
        return
    assert kind in RENDERERS
    plan = ReplyPlan(lang="en", items=(PlanItem(kind=kind),), business_name="Bloom")
    fallback = render_item(PlanItem(kind="fallback"), plan)
    assert render_item(plan.items[0], plan).strip()
    if kind != "fallback":
        assert render_item(plan.items[0], plan) != fallback


def test_an_action_reads_each_field_as_one_type() -> None:
    for spec in DEFAULT_ACTIONS.values():
        assert len(spec.types) == len(spec.needs) or not spec.types
        names = [*spec.needs, *dict(spec.reads)]
        assert len(names) == len(set(names)), spec.name
        for name in spec.retry_after:
            assert spec.type_of(name) is not None, (spec.name, name)
