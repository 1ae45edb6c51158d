"""Hybrid mode: what the offline backend could not resolve, precisely.

The offline understanding of a message is complete and cheap; the model is asked only
where it is weak, and each question names its reason in the record:

* **topic** — the message did not answer the question the desk asked, no policy signal
  settles the turn by itself (an emergency, a gas smell, a wish for a person, a yes or no
  to a read-back, small talk), the classifier found candidates but is unsure of them (the
  best score is below :data:`SURE_SCORE` or the best two are closer than :data:`MARGIN`);
  the model then picks among those candidates (:data:`CANDIDATES` of them) or none — it
  arbitrates, it does not find topics the classifier ruled out (a small model does that
  too eagerly: "What's the capital of France?" is out of scope, not an FAQ);
* **fields** — the desk asked for a field and the extractors found no value of its type
  (and no refusable attempt at one, such as a date in the past);
* **signals** — the desk read back a summary and the message holds neither a yes, a no,
  nor a value (a correction).

Everything else is the offline backend's answer. On the scripted conversations this asks
the model well under once per turn (``python -m bench.language``).
"""

from __future__ import annotations

from language.types import UnderstandContext, Understanding

# the clear evidence the conversation policy wants before it enters a topic that changes
# appointments (rules.policies.clear_evidence): a probability of 0.5 leading by 0.25
SURE_SCORE = 0.5
MARGIN = 0.25
FLOOR = 0.3  # below it for every topic, the classifier found nothing this business does
CANDIDATES = 3  # the offline topics the model chooses among


def _answered(und: Understanding, context: UnderstandContext) -> bool:
    return context.expected_type is not None and any(
        f.type == context.expected_type for f in und.fields
    )


def _settled_by_signal(und: Understanding, context: UnderstandContext) -> bool:
    s = und.signals
    if s.urgency == "emergency" or s.hazard != "none" or s.wants_human:
        return True
    if context.expects_confirm and (s.affirm or s.deny):
        return True
    small_talk = s.greeting or s.thanks or s.goodbye
    return small_talk and not und.fields and len(und.text.split()) <= 4


def topic_reason(und: Understanding, context: UnderstandContext) -> str:
    """Why the topic needs the model; ``""`` when the offline answer stands."""
    if _answered(und, context) or _settled_by_signal(und, context):
        return ""
    if context.expected_type is not None and (und.signals.affirm or und.signals.deny):
        return ""
    scores = [t.score for t in und.topics]
    if not scores or scores[0] < FLOOR:  # nothing this business does: the model is not
        return ""  # asked to find something
    if scores[0] < SURE_SCORE:
        return f"best topic score {scores[0]:.2f} < {SURE_SCORE}"
    if len(scores) > 1 and scores[0] - scores[1] < MARGIN:
        return f"top-2 margin {scores[0] - scores[1]:.3f} < {MARGIN}"
    return ""


def fields_reason(und: Understanding, context: UnderstandContext) -> str:
    if context.expected_field is None or context.expected_type is None:
        return ""
    if _answered(und, context) or _settled_by_signal(und, context):
        return ""
    return f"expected field {context.expected_field} ({context.expected_type}) not extracted"


def signals_reason(und: Understanding, context: UnderstandContext) -> str:
    s = und.signals
    if not context.expects_confirm or s.affirm or s.deny or und.fields:
        return ""
    return "confirmation asked: neither yes nor no found"


def unresolved(und: Understanding, context: UnderstandContext) -> dict[str, str]:
    """purpose → reason, for what the model is to be asked this turn (maybe nothing)."""
    reasons = {
        "topic": topic_reason(und, context),
        "fields": fields_reason(und, context),
        "signals": signals_reason(und, context),
    }
    return {purpose: why for purpose, why in reasons.items() if why}


__all__ = [
    "CANDIDATES",
    "FLOOR",
    "MARGIN",
    "SURE_SCORE",
    "fields_reason",
    "signals_reason",
    "topic_reason",
    "unresolved",
]
