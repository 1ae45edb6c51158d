"""The fact vocabulary: every fact name a condition may mention, with its type.

The engine asserts exactly these facts each round; cards and policies may only name them
(plus the per-card ``field.*``, ``input.*`` and ``action.*`` names derived below). A
condition naming anything else fails at load time with the unknown name.
"""

from __future__ import annotations

from collections.abc import Iterable

from rules.ir import FactSchema, FactType

B, I, F, S = FactType.BOOL, FactType.INT, FactType.FLOAT, FactType.STR

BASE_FACTS: FactSchema = {
    # the turn
    "turn.empty": B,  # nothing usable was said (empty, binary, emoji only)
    "turn.problem": S,  # why the text is unusable: empty, too_long, binary, emoji_only
    "turn.lang": S,
    "turn.first": B,  # first turn of the conversation
    "turn.action_round": I,  # how many actions ran so far in this turn
    # a bare answer with nothing else in it: "yes" (yes, ok, sure, thanks, ja bitte, gerne),
    # "no" (no, no thanks, nein danke), "" for any other message
    "turn.bare": S,
    "turn.offers_topic": B,  # the reply so far offers a topic (a message, which one is meant)
    # the channel and the customer
    "channel.kind": S,
    "channel.voice": B,
    "customer.known": B,  # a customer record exists for this sender / caller id
    "customer.has_phone": B,
    "customer.has_name": B,
    # the clock (computed from the injected now and the business's hours)
    "clock.business_open": B,
    "clock.hour": I,  # local hour, 0..23
    "clock.weekday": I,  # 0 = Monday
    # what the customer signalled
    "signal.affirm": B,
    "signal.deny": B,
    "signal.wants_human": B,
    "signal.goodbye": B,
    "signal.greeting": B,
    "signal.thanks": B,
    "signal.correction": B,
    "signal.urgency": S,  # none, urgent, emergency
    "signal.hazard": S,  # none, gas
    # topics
    "topic.active": S,  # the card id of the active topic, absent when none
    "topic.active_oneshot": B,
    "topic.active_done": B,  # the active topic's machine is in a terminal state
    "topic.candidate": S,  # the best-scoring card this turn
    "topic.candidate_score": F,
    "topic.candidate_oneshot": B,
    "topic.candidate_commits": B,  # the candidate's card books, moves or cancels appointments
    "topic.candidate_cue": B,  # the message carries the candidate's explicit cue ("cancel")
    "topic.candidate_lead": F,  # the candidate's score minus the runner-up's
    "topic.runner_up": S,  # the second-best card this turn, absent when none
    "topic.runner_up_score": F,
    "topic.offering": B,  # the last reply asked which topic the customer means (or offered one)
    "topic.choice": S,  # the offered topic this message picks, absent when none
    "topic.offer_declined": B,  # a bare no to the topics offered (topic.offering, no choice)
    "topic.follow_up": B,  # the candidate is the one-shot topic the last message asked, again
    "topic.candidate_is_active": B,  # the best-scoring card is the active one
    "topic.active_score": F,  # this turn's score of the active card
    "topic.idle_seconds": I,  # since the active topic last moved
    "topic.margin": F,  # candidate score minus the active card's score
    "topic.suspended": S,  # the interrupted topic waiting to resume, absent when none
    "topic.answered_expected": B,  # the text answered the question we asked
    # the active machine
    "machine.card": S,
    "machine.state": S,
    "machine.terminal": B,
    "machine.fresh": B,  # the state was entered during this turn (not asked yet)
    # counters (per conversation)
    "counter.failed_attempts": I,  # failed actions and refused values since an action succeeded
    "counter.unanswered": I,  # turns in a row without a usable answer to the question asked
    "counter.out_of_scope": I,  # out-of-scope turns in a row
    # business configuration, as facts
    "business.has_emergency": B,
    "business.has_human": B,
    "business.has_message": B,
    "policy.emergency_message": B,  # an emergency now should also leave a message
    "policy.late_change": B,  # the change at hand falls inside the late-change window
    # derived facts rules may set (read by the engine after the fixpoint)
    "decision.topic": S,
    "decision.resume": B,
    "decision.suspend": B,
    "decision.end": B,
}

ACTION_RESULT_FACTS: dict[str, FactType] = {"ok": B, "failed": B, "error": S, "count": I}


VERIFY_FACTS: FactSchema = {
    # what the model checker knows of a conversation's history; only a card's
    # ``invariants`` may name these (the engine never asserts them, so a rule must not read them)
    "verify.action": S,  # the action about to run, at the moment it is planned; else absent
    "verify.confirmed": B,  # a yes to the read-back, and no field changed or step revisited since
    "verify.previous": S,  # the state the machine left in its last transition
    "verify.event": S,  # the event of that transition
}


def card_facts(field_names: Iterable[str], actions: Iterable[str]) -> FactSchema:
    """The fact schema of one card: base facts plus its fields, inputs and action results."""
    schema = dict(BASE_FACTS)
    for name in field_names:
        schema[f"field.{name}"] = S  # the accepted value, absent until collected
        schema[f"input.{name}"] = S  # a value the customer gave in this turn
        schema[f"invalid.{name}"] = S  # why this turn's value for it was refused
        schema[f"corrected.{name}"] = B  # this turn changed an already collected value
        schema[f"proven.{name}"] = B  # its number is one this conversation speaks for
    for action in actions:
        for suffix, kind in ACTION_RESULT_FACTS.items():
            schema[f"action.{action}.{suffix}"] = kind
    return schema


RAN = "verify.ran."
"""``verify.ran.<action>``: the action succeeded earlier in this topic (invariants only)."""


def invariant_facts(field_names: Iterable[str], actions: Iterable[str]) -> FactSchema:
    """What a card's invariants may name: its fact schema plus :data:`VERIFY_FACTS` and
    ``verify.ran.<action>`` for each of its actions."""
    actions = tuple(actions)
    return card_facts(field_names, actions) | VERIFY_FACTS | {f"{RAN}{a}": B for a in actions}


__all__ = [
    "ACTION_RESULT_FACTS",
    "BASE_FACTS",
    "RAN",
    "VERIFY_FACTS",
    "card_facts",
    "invariant_facts",
]
