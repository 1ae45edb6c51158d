"""``engine.decide``'s failure counters: what bounds a conversation that keeps failing.

``counter.failed_attempts`` counts failed actions and refused values until an action
succeeds — a yes or an answer does not start it again, or every yes before a failed
booking would, and the card's escalation would never fire; ``counter.unanswered`` counts
a refused value as no answer, so the guardrail hands over a customer who keeps giving an
unusable phone number even on a card without an escalation of its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from engine.decide import decide
from engine.state import ActionResult, ConversationState, Decision, Snapshot, TopicState
from language.types import FieldCandidate, Signals, Slot, TopicScore, Understanding
from tests.fakes.demo import demo_brains

BRAIN = demo_brains()["bloom-salon"]
TZ = ZoneInfo(BRAIN.business.timezone)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)
SLOT = Slot(
    start=NOW + timedelta(days=1),
    end=NOW + timedelta(days=1, minutes=30),
    staff="sam",
    staff_name="Sam",
    service="mens_cut",
)


def _turn(state: ConversationState, und: Understanding, outcomes: dict[str, bool]) -> Decision:
    """One turn through decide, each planned action answered by ``outcomes``."""
    snap = Snapshot(
        business=BRAIN.business.slug, conversation_id="c", channel="webchat", state=state
    )
    results: list[ActionResult] = []
    while True:
        decision = decide(BRAIN, snap, und, NOW, tuple(results))
        call = decision.pending
        if call is None:
            return decision
        ok = outcomes.get(call.name, True)
        offered = (SLOT,) if ok and call.name == "find_slots" else ()
        results.append(
            ActionResult(
                name=call.name,
                key=call.key,
                ok=ok,
                offered=offered,
                error="" if ok else "slot_taken",
            )
        )


def _said(*fields: FieldCandidate, affirm: bool = False, topic: str = "book") -> Understanding:
    return Understanding(
        text="…",
        lang="en",
        topics=(TopicScore(topic=topic, score=0.9),),
        signals=Signals(affirm=affirm),
        fields=fields,
    )


def test_a_yes_before_a_failed_booking_does_not_start_the_count_again() -> None:
    fields = {
        "service": "mens_cut",
        "date": SLOT.start.date().isoformat(),
        "slot": SLOT.start.isoformat(),
        "name": "Jamie Rivera",
        "phone": "+15035550101",
    }
    state = ConversationState(
        lang="en",
        offered=(SLOT,),
        last_offered=(SLOT,),
        counters={"failed_attempts": 2},
        active=TopicState(
            card="book", state="confirm", fields=fields, asked_confirm=True, since=NOW
        ),
    )
    decision = _turn(state, _said(affirm=True), {"book": False})
    moves = [(t.source, t.event, t.target) for t in decision.transitions]
    assert ("confirm", "confirm", "book") in moves and ("book", "action_failed", "find") in moves
    # the third failure in a row hands over: the yes in between did not reset the count
    assert decision.state.active is not None and decision.state.active.state == "escalated"
    assert decision.escalations == ("repeated failure",)


def test_a_success_ends_the_failure_streak() -> None:
    fields = {"service": "mens_cut", "date": SLOT.start.date().isoformat()}
    state = ConversationState(
        lang="en",
        counters={"failed_attempts": 2},
        active=TopicState(card="book", state="find", fields=fields, since=NOW),
    )
    decision = _turn(state, _said(), {"find_slots": True})
    assert decision.state.counters["failed_attempts"] == 0
    assert decision.state.active is not None and decision.state.active.state == "slot"


def test_a_refused_value_is_no_answer_and_three_hand_over() -> None:
    state = ConversationState(
        lang="en",
        active=TopicState(
            card="message",
            state="phone",
            fields={"message": "call me", "name": "Jamie"},
            asked="phone",
            since=NOW,
        ),
    )
    unusable = FieldCandidate(type="phone", problem="invalid_phone", text="12")
    counts = []
    for _ in range(3):
        decision = _turn(state, _said(unusable, topic="message"), {})
        counts.append(decision.state.counters.get("unanswered", 0))
        state = decision.state
    assert counts == [1, 2, 0]  # the third refusal escalates, and escalating starts afresh
    assert state.active is not None and state.active.state == "escalated"
    usable = FieldCandidate(type="phone", value="+15035550101", text="503 555 0101")
    state = ConversationState(
        lang="en",
        counters={"unanswered": 2},
        active=TopicState(
            card="message",
            state="phone",
            fields={"message": "call me", "name": "Jamie"},
            asked="phone",
            since=NOW,
        ),
    )
    decision = _turn(state, _said(usable, topic="message"), {})
    assert decision.state.counters["unanswered"] == 0
    assert decision.state.active is not None and decision.state.active.state == "confirm"
