"""Business policies as named, reusable rule sets.

Three phases of one turn use them (see ``engine.decide``):

* ``conversation`` — before any card runs: which topic owns this turn (stickiness, the
  switch threshold, digressions, emergencies, a request for a human);
* ``guardrails`` — evaluated together with the active card's own rules: conversation-wide
  escalation (a customer who never answers), goodbye in the middle of a task, the
  late-change notice;
* ``after`` — once the card has settled: resume an interrupted topic, say goodbye, offer
  more help.

Thresholds are parameters, so a deployment can tune them and replay shows the effect.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ir import Emit, Escalate, Ref, Rule, RuleSet, Say, Set


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """Thresholds on the topic model's probabilities (0..1)."""

    sticky_seconds: int = 30 * 60  # a topic stays with the conversation this long
    switch_margin: float = 0.3  # a new topic must beat the active one by this much
    min_topic_score: float = 0.3  # below this a topic is not recognised at all
    switch_min_score: float = 0.6  # leaving an unfinished topic needs a clear new one
    # a topic that books, moves or cancels is entered only on clear evidence: its cue in
    # the message (unless another reading scores higher), or a score of at least
    # commit_min_score that leads the runner-up by commit_lead; otherwise the desk asks
    # which one the customer means
    commit_min_score: float = 0.5
    commit_lead: float = 0.25
    unanswered_limit: int = 3  # questions in a row without an answer → a human


def clear_evidence(s: PolicySettings) -> str:
    """The condition under which the candidate topic is clear enough to enter when its
    card commits changes (books, moves, cancels)."""
    return (
        f"(not topic.candidate_commits or "
        f"(topic.candidate_cue and topic.candidate_lead >= 0) or "
        f"(topic.candidate_score >= {s.commit_min_score} and "
        f"topic.candidate_lead >= {s.commit_lead}))"
    )


DEFAULT_POLICY = PolicySettings()


def conversation_policy(s: PolicySettings = DEFAULT_POLICY) -> RuleSet:
    """Which topic owns the turn. Highest salience wins when several set the topic."""
    return RuleSet(
        "policy:conversation",
        (
            Rule(
                "topic.unusable",
                "turn.empty",
                (Say("clarify"),),
                99,
                source="policy:topics",
                reason="the message was empty or unreadable",
            ),
            Rule(
                "topic.gas_safety",
                "signal.hazard == 'gas'",
                (Say("safety"),),
                98,
                source="policy:emergency",
                reason="a smell of gas: safety instructions come before anything else",
            ),
            Rule(
                "topic.hazard",
                "signal.hazard == 'gas' and business.has_emergency and topic.active != 'emergency'",
                (Set("decision.topic", "emergency"), Set("decision.suspend", True)),
                97,
                source="policy:emergency",
                reason="a gas hazard is an emergency",
            ),
            Rule(
                "topic.emergency",
                "signal.urgency == 'emergency' and business.has_emergency "
                "and topic.active != 'emergency'",
                (Set("decision.topic", "emergency"), Set("decision.suspend", True)),
                95,
                source="policy:emergency",
                reason="the customer described an emergency",
            ),
            Rule(
                "topic.human",
                "signal.wants_human and business.has_human "
                "and topic.active != 'human' and topic.active != 'emergency'",
                (Set("decision.topic", "human"), Set("decision.suspend", True)),
                90,
                source="policy:escalation",
                reason="the customer asked for a human",
            ),
            Rule(
                "topic.pick",
                "topic.choice",
                (Set("decision.topic", Ref("topic.choice")),),
                85,
                source="policy:topics",
                reason="the customer picked one of the topics we offered",
            ),
            Rule(
                "topic.keep_answer",
                "topic.active and not topic.active_done and topic.answered_expected",
                (Set("decision.topic", Ref("topic.active")),),
                80,
                source="policy:topics",
                reason="the message answers the question we asked",
            ),
            Rule(
                "topic.expired",
                f"topic.active and topic.idle_seconds > {s.sticky_seconds} "
                f"and topic.candidate and turn.bare == '' and {clear_evidence(s)}",
                (Set("decision.topic", Ref("topic.candidate")),),
                75,
                source="policy:topics",
                reason=f"the last topic went quiet more than {s.sticky_seconds // 60} minutes ago",
            ),
            Rule(
                "topic.switch",
                "topic.active and not topic.active_done and topic.candidate "
                "and turn.bare == '' and topic.candidate != 'out_of_scope' "
                f"and not topic.candidate_is_active and topic.margin >= {s.switch_margin} "
                f"and topic.candidate_score >= {s.switch_min_score} and {clear_evidence(s)}",
                (Set("decision.topic", Ref("topic.candidate")), Set("decision.suspend", True)),
                60,
                source="policy:topics",
                reason="a new topic clearly beats the active one; the active one waits",
            ),
            Rule(
                "topic.stay",
                "topic.active and not topic.active_done",
                (Set("decision.topic", Ref("topic.active")),),
                50,
                source="policy:topics",
                reason="the active topic is sticky",
            ),
            Rule(
                "topic.acknowledged",
                "turn.bare == 'yes' and not topic.choice "
                "and (not topic.active or topic.active_done)",
                (Say("how_can_i_help"),),
                45,
                source="policy:topics",
                reason="a bare yes, ok or thanks with no open question enters no topic",
            ),
            Rule(
                "topic.declined",
                "turn.bare == 'no' and topic.offering and not topic.choice "
                "and (not topic.active or topic.active_done)",
                (Say("anything_else"),),
                44,
                source="policy:topics",
                reason="the customer said no to the topic we offered",
            ),
            Rule(
                "topic.no_thanks",
                "turn.bare == 'no' and not topic.offering "
                "and (not topic.active or topic.active_done)",
                (Say("goodbye"), Set("decision.end", True)),
                44,
                source="policy:goodbye",
                reason="a bare no (thanks) with nothing open: the customer is done",
            ),
            Rule(
                "topic.new",
                f"topic.candidate and turn.bare == '' and {clear_evidence(s)}",
                (Set("decision.topic", Ref("topic.candidate")),),
                40,
                source="policy:topics",
                reason="the best-matching topic takes the turn",
            ),
            Rule(
                "topic.unsure",
                f"topic.candidate and turn.bare == '' and not {clear_evidence(s)} "
                "and (not topic.active or topic.active_done) and not signal.goodbye "
                "and not topic.choice and signal.urgency != 'emergency' and signal.hazard == 'none' "
                "and not signal.wants_human",
                (Say("clarify_topic"),),
                38,
                source="policy:topics",
                reason="a topic that changes appointments needs clear evidence: the desk asks "
                "which one the customer means",
            ),
        ),
    )


def guardrails_policy(
    s: PolicySettings = DEFAULT_POLICY, offer_states: tuple[str, ...] | None = None
) -> RuleSet:
    """Conversation-wide rules evaluated together with the active card's rules.
    ``offer_states``: the machine states in which the card can leave a topic on offer
    (``offer.declined`` reads the answer there; () leaves it out, None: in every state)."""
    where = (
        "not machine.terminal"
        if offer_states is None
        else (f"machine.state in [{', '.join(repr(x) for x in offer_states)}]")
    )
    rules: tuple[Rule, ...] = (
        Rule(
            "escalate.unanswered",
            f"not machine.terminal and counter.unanswered >= {s.unanswered_limit}",
            (
                Escalate("the customer did not answer the same question three times"),
                Emit("escalate"),
            ),
            100,
            source="policy:escalation",
            reason="repeated failure to get an answer hands over to a human",
        ),
        Rule(
            "offer.declined",
            f"topic.offer_declined and {where}",
            (Emit("abandon"), Say("anything_else")),
            94,
            source="policy:topics",
            reason="the customer said no to what we offered instead: this task ends here",
        ),
        Rule(
            "goodbye.abandons",
            "signal.goodbye and not machine.terminal and not topic.answered_expected",
            (Emit("abandon"), Set("decision.end", True)),
            95,
            source="policy:goodbye",
            reason="the customer said goodbye in the middle of a task",
        ),
        Rule(
            "changes.late_fee_notice",
            "policy.late_change and machine.state == 'confirm' "
            "and machine.card in ['reschedule', 'cancel']",
            (Say("late_fee"),),
            15,
            source="policy:changes",
            reason="a late change is allowed, but the fee is read out before confirming",
        ),
    )
    if offer_states == ():
        rules = tuple(r for r in rules if r.name != "offer.declined")
    return RuleSet("policy:guardrails", rules)


def after_policy(s: PolicySettings = DEFAULT_POLICY) -> RuleSet:
    """After the card settled: resume, say goodbye, offer more help."""
    return RuleSet(
        "policy:after",
        (
            Rule(
                "after.goodbye",
                "signal.goodbye and (not topic.active or topic.active_done)",
                (Say("goodbye"), Set("decision.end", True)),
                60,
                source="policy:goodbye",
                reason="the customer said goodbye",
            ),
            Rule(
                "after.resume",
                "topic.active_done and topic.suspended and not decision.end and not signal.goodbye",
                (Set("decision.resume", True), Say("resume")),
                50,
                source="policy:topics",
                reason="the digression is answered; back to the interrupted topic",
            ),
            Rule(
                "after.out_of_scope_again",
                "machine.card == 'out_of_scope' and counter.out_of_scope >= 2 and not decision.end",
                (Say("offer_help"),),
                40,
                source="policy:topics",
                reason="twice out of scope: offer a message or a human",
            ),
            Rule(
                "after.more",
                "topic.active_done and machine.fresh and not topic.suspended "
                "and not turn.offers_topic "
                "and not decision.end and machine.state == 'done' and machine.card != 'smalltalk' "
                "and machine.card != 'out_of_scope'",
                (Say("anything_else"),),
                10,
                source="policy:topics",
                reason="the task is done; offer more help",
            ),
        ),
    )


__all__ = [
    "DEFAULT_POLICY",
    "PolicySettings",
    "after_policy",
    "clear_evidence",
    "conversation_policy",
    "guardrails_policy",
]
