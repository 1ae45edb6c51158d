"""Proving how a conversation enters a topic: the conversation policy's own properties.

A card's machine is checked by ``machines.verify``; *which* topic a turn enters is decided
before any card runs, by the conversation policy (``rules.policies.conversation_policy``).
Two promises of that policy are checked here for a business, over every combination of the
facts that decide it (:func:`machines.phase.check_phase`):

* **a bare answer enters nothing that commits** — a message that is only "yes", "ok",
  "thanks" or "no" (``turn.bare``), with no topic open and none offered, never enters a
  topic whose card books, moves or cancels (``bare_answer_commits``);
* **a topic that commits is entered only on clear evidence** — its cue in the message, or
  a score of at least the policy's ``commit_min_score`` that leads the runner-up by its
  ``commit_lead`` (or the customer's pick among topics the desk offered), never on an
  unclear reading (``unclear_commit``).

``frontdesk verify`` reports them per business beside the cards; pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rules.engine import RuleEngine
from rules.ir import Scalar
from rules.policies import DEFAULT_POLICY, PolicySettings

from .facts import BASE_FACTS
from .phase import PhaseProperty, PhaseViolation, check_phase


def properties(
    commits: Collection[str], settings: PolicySettings = DEFAULT_POLICY
) -> list[PhaseProperty]:
    entered = f"decision.topic in [{', '.join(repr(c) for c in sorted(commits))}]"
    nothing_open = "(not topic.active or topic.active_done)"
    return [
        PhaseProperty(
            "bare_answer_commits",
            f"turn.bare != '' and not topic.offering and not topic.choice and {nothing_open}",
            entered,
            "a bare yes, ok, thanks or no with nothing open enters a topic that commits",
        ),
        PhaseProperty(
            "unclear_commit",
            f"topic.candidate_commits and not topic.choice and not topic.offering "
            f"and {nothing_open} and (topic.candidate_lead < 0 or "
            f"not topic.candidate_cue and topic.candidate_lead < {settings.commit_lead})",
            entered,
            "a topic that commits is entered on an unclear reading (no cue and no clear "
            "lead, or another reading ahead of it)",
        ),
    ]


def check(
    engine: RuleEngine,
    commits: Sequence[str],
    others: Sequence[str],
    settings: PolicySettings = DEFAULT_POLICY,
) -> list[PhaseViolation]:
    """Both properties of a business's conversation policy (``engine``), for its cards that
    commit (``commits``) and those that do not (``others``), varying every fact the
    policy reads around its thresholds."""
    if not commits:
        return []
    low, high = settings.commit_min_score, settings.switch_min_score
    values: dict[str, Sequence[Scalar | None]] = {
        "topic.candidate": [commits[0], *others[:1]],
        "topic.candidate_commits": [True, False],
        "topic.candidate_cue": [False, True],
        "topic.candidate_score": [low - 0.05, low, high],
        "topic.candidate_lead": [-0.3, settings.commit_lead - 0.01, settings.commit_lead],
        "topic.active": [None, commits[0], *others[:1]],
        "topic.active_done": [True, False],
        "topic.offering": [False, True],
        "topic.choice": [None, commits[0]],
        "turn.bare": ["", "yes", "no"],
        "signal.goodbye": [False, True],
    }
    fixed: dict[str, Scalar] = {
        "turn.empty": False,
        "topic.margin": 0.5,
        "topic.idle_seconds": 0,
        "topic.answered_expected": False,
        "business.has_emergency": True,
        "business.has_human": True,
        "signal.urgency": "none",
        "signal.hazard": "none",
        "signal.wants_human": False,
    }
    return check_phase(engine, BASE_FACTS, fixed, values, properties(commits, settings))


__all__ = ["check", "properties"]
