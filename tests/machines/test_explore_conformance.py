"""The checker's turn step agrees with the engine's own card phase.

``machines.abstract_turn`` restates the bookkeeping of ``engine.turn.Turn`` (it may not
import ``engine/``). Here both run side by side: for configurations and inputs the explorer
reaches in the demo businesses, the facts the explorer starts a turn from are handed to a
real ``Turn`` of the business's compiled brain, which runs ``run_phase("card", ...)`` with
the same action results (asked for one at a time, as ``decide`` asks the shell). Both
must fire the same rules in the same order, make the same transitions, run the same
actions, say the same things and end in the same state with the same counters.
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

import pytest

from engine.brain import Brain, Topic
from engine.state import ActionResult, ConversationState, Snapshot, TopicState
from engine.turn import MAX_ROUNDS, NeedAction, Turn
from language.types import Slot, Understanding
from machines.abstract_turn import start_facts
from machines.abstraction import MAX_ACTIONS, Config, Model, build_model, initial_configs
from machines.card import TERMINAL_STATES
from machines.explore import turns
from machines.trace import Outcome
from tests.fakes.demo import demo_brains

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PER_CARD = 500  # turns compared per card (every n-th of those reached within DEPTH turns)
DEPTH = 3


def _values(brain: Brain) -> dict[str, str]:
    """A usable value per field type, so the engine's reply plan can name it."""
    return {
        "service": brain.business.services[0].id,
        "staff": "any",
        "date": "2026-12-01",
        "time": "10:00",
        "offered_slot": "2026-12-01T10:00:00+00:00",
        "person_name": "Jamie Rivera",
        "phone": "+15035550101",
        "email": "a@example.com",
        "address": "1 Main Street",
        "text": "please call me back",
        "choice": "appt-1",
        "boolean": "yes",
    }


def _fresh_slot(brain: Brain) -> Slot:
    start = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    staff = brain.business.staff[0]
    return Slot(
        start=start,
        end=start + timedelta(hours=1),
        staff=staff.id,
        staff_name=staff.name,
        service=brain.business.services[0].id,
    )


def _model(brain: Brain, topic: Topic) -> Model:
    fixed = {f"business.has_{c}": c in brain.topics for c in ("emergency", "human", "message")}
    return build_model(topic.machine, topic.rules, topic.rulesets, fixed)


def _engine(
    brain: Brain, topic: Topic, model: Model, config: Config, out: Outcome
) -> tuple[Turn, int]:
    """Run the engine's card phase on the explorer's starting facts, feeding it the action
    results the explorer chose; the finished Turn and how many results it consumed."""
    values = _values(brain)
    facts = start_facts(model, config, out.input)
    fields = {name: values[topic.card.field(name).type] for name in config.fields}
    if out.input.field and out.input.valid and out.input.field in model.tracked:
        fields[out.input.field] = values[topic.card.field(out.input.field).type]
    counters = {
        "failed_attempts": int(facts["counter.failed_attempts"]),
        "unanswered": int(facts["counter.unanswered"]),
    }
    state = ConversationState(
        lang="en",
        counters=counters,
        active=TopicState(card=topic.card.id, state=config.state, fields=fields, since=NOW),
    )
    snap = Snapshot(
        business=brain.business.slug, conversation_id="c", channel="webchat", state=state
    )
    und = Understanding(text="hello", lang="en")
    chosen = iter(ok for name, ok in out.trace.actions if name != "escalate")
    results: list[ActionResult] = []
    while True:
        turn = Turn(
            brain=brain,
            snap=snap,
            und=und,
            now=NOW,
            results=tuple(results),
            state=state,
            facts=dict(facts),
            lang="en",
        )
        try:
            turn.run_phase("card", topic.rules, topic)
            return turn, len(results)
        except NeedAction as need:
            ok = True if need.call.name == "escalate" else next(chosen)
            # a search that succeeds offers slots, and a new offer is never the slot chosen
            # from the last one (it failed, or the search changed): the explorer drops it
            offered = (_fresh_slot(brain),) if ok and need.call.name == "find_slots" else ()
            # a right code proves the number it was sent to (engine.actions._check_code)
            proven = (
                need.call.args.get("phone", "") if ok and need.call.name == "check_code" else ""
            )
            results.append(
                ActionResult(
                    name=need.call.name, key=need.call.key, ok=ok, offered=offered, proven=proven
                )
            )


def _cases(model: Model) -> list[tuple[Config, Outcome]]:
    """Turns the explorer takes within DEPTH turns of a new topic, every n-th of them."""
    found: list[tuple[Config, Outcome]] = []
    seen = set(initial_configs(model))
    queue = deque((c, 0) for c in seen)
    while queue:
        config, depth = queue.popleft()
        for out in turns(model, config):
            if out.end is None:
                continue  # a loop: the engine's own bound would stop it (not in these cards)
            found.append((config, out))
            if depth + 1 < DEPTH and out.end.state not in TERMINAL_STATES and out.end not in seen:
                seen.add(out.end)
                queue.append((out.end, depth + 1))
    step = max(1, len(found) // PER_CARD)
    return found[::step]


CARDS = [
    ("bloom-salon", c)
    for c in (
        "book",
        "reschedule",
        "cancel",
        "message",
        "emergency",
        "faq",
        "hours",
        "human",
        "smalltalk",
    )
]
CARDS += [("rapid-rooter", "book"), ("praxis-sommer", "emergency")]


@pytest.mark.parametrize(("slug", "card_id"), CARDS)
def test_the_explorer_takes_the_engines_card_phase(slug: str, card_id: str) -> None:
    brain = demo_brains()[slug]
    topic = brain.topics[card_id]
    model = _model(brain, topic)
    cases = _cases(model)
    assert cases
    for config, out in cases:
        turn, used = _engine(brain, topic, model, config, out)
        where = f"{card_id} from {config} with {out.input.describe()}"
        assert [f.rule for f in turn.firings] == list(out.trace.fired), where
        assert [(t.source, t.event, t.target, t.refused) for t in turn.transitions] == [
            (m.source, m.event, m.target, m.refused) for m in out.trace.moves
        ], where
        assert [a.name for a in turn.actions] == [a for a, _ in out.trace.actions], where
        assert len(turn.escalations) == sum(a == "escalate" for a, _ in out.trace.actions)
        assert [f"{s.kind} {s.arg}".strip() for s, _ in turn.said] == list(out.trace.says), where
        assert turn.state.active is not None and out.end is not None
        assert turn.state.active.state == out.end.state, where
        if out.end.state not in TERMINAL_STATES:
            cap = model.caps["counter.failed_attempts"]
            assert min(turn.state.counters.get("failed_attempts", 0), cap) == out.end.failed
            kept = {k for k in turn.state.active.fields if k in model.tracked}
            assert kept == set(out.end.fields), where
        assert used == len(out.trace.actions), where


def test_the_bounds_are_the_engines() -> None:
    from engine.desk import MAX_ACTIONS_PER_TURN

    assert MAX_ROUNDS == 64 and MAX_ACTIONS == MAX_ACTIONS_PER_TURN
    from machines.abstraction import MAX_ROUNDS as EXPLORER_ROUNDS

    assert EXPLORER_ROUNDS == MAX_ROUNDS
