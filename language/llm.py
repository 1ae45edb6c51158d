"""The LLM language backend: a model understands and words, code still decides.

Two modes, one class:

* ``llm`` — every usable message goes to the model three times (topic, fields, signals)
  and every reply once: the design the issue compares against, 4 calls a turn.
* ``hybrid`` — the recommended one: the offline backend runs first and the model is asked
  only for what it could not resolve (see :func:`language.hybrid.unresolved`), and replies
  are worded by the templates unless ``words=True``.

Whatever the model says is validated twice — against the output model
(``model_validate_json``: a provider's "structured output" is not trusted) and then value by
value with the offline extractors' rules (:mod:`language.model_fields`) — and only then
merged into the :class:`Understanding`. A timeout, a provider error or an output that does
not validate ends the model's part of the turn: the rest of the turn is the offline
backend's, and the record says so. A worded reply must pass the grounding check both ways
(no fact the plan lacks, no fact of the plan dropped) or the template wording is used.

Every call is recorded as a :class:`ModelCall` in the Understanding or the Rendered value,
so the audit holds the prompt hash, the raw output, tokens and latency, and replay reads
them instead of calling anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ValidationError

from language.brief import BusinessBrief, CardBrief
from language.claims import extract_claims
from language.extract import detect_language
from language.grounding import check_grounded
from language.hybrid import CANDIDATES, topic_reason, unresolved
from language.model import LanguageModel, ModelError, ModelRequest
from language.model_fields import check_value
from language.prompts import fields_request, reply_request, signals_request, topic_request
from language.render import render_plan
from language.schemas import NONE_TOPIC, SignalsOutput, fields_model, reply_model
from language.types import (
    FieldCandidate,
    LanguageBackend,
    ModelCall,
    ModelOutcome,
    Rendered,
    ReplyPlan,
    Signals,
    TopicExamples,
    TopicScore,
    UnderstandContext,
    Understanding,
    Urgency,
)

Mode = Literal["llm", "hybrid"]
MODEL_TOPIC_SCORE = 0.9  # the model's pick; other offline scores are kept below it
MAX_RAW = 4000  # characters of a model's output kept in the record
_URGENCY_RANK: dict[Urgency, int] = {"none": 0, "urgent": 1, "emergency": 2}


@dataclass
class _Calls:
    """The calls of one turn; after the first failure the model is not asked again."""

    records: list[ModelCall] = field(default_factory=list)
    failed: bool = False


class LLMBackend:
    """:class:`LanguageBackend` that asks a :class:`LanguageModel` (see module docstring).

    ``offline`` is the backend it runs first and falls back to; ``brief`` the business's
    published facts and cards; ``words`` whether replies are worded by the model
    (default: in ``llm`` mode yes, in ``hybrid`` no).
    """

    def __init__(
        self,
        model: LanguageModel,
        offline: LanguageBackend,
        brief: BusinessBrief,
        mode: Mode = "hybrid",
        words: bool | None = None,
    ) -> None:
        self.model = model
        self.offline = offline
        self.brief = brief
        self.mode: Mode = mode
        self.name: str = mode  # LanguageBackend.name, a plain (settable) str
        self.words = (mode == "llm") if words is None else words

    @property
    def model_name(self) -> str:
        return f"{self.model.provider}:{self.model.model_id}"

    def prepare(self, topics: tuple[TopicExamples, ...], context: UnderstandContext) -> None:
        self.offline.prepare(topics, context)

    # ------------------------------------------------------------------ understanding

    def understand(
        self, text: str, topics: tuple[TopicExamples, ...], context: UnderstandContext
    ) -> Understanding:
        base = self.offline.understand(text, topics, context)
        mark = {"backend": self.name, "model": self.model_name}
        if base.problem:
            return base.model_copy(update=mark)
        calls = _Calls()
        und = base
        if self.mode == "llm":
            if topics:
                und = self._topic(und, topics, context, calls, "llm mode")
            und = self._fields(und, context, calls, "llm mode")
            und = self._signals(und, context, calls, "llm mode")
        else:
            # the answer to the question asked first: when it resolves the turn, the topic
            # is settled without asking (the active topic keeps a message that answers it)
            asks = unresolved(base, context)
            if "fields" in asks:
                und = self._fields(und, context, calls, asks["fields"])
            if "signals" in asks:
                und = self._signals(und, context, calls, asks["signals"])
            reason = topic_reason(und, context) if "topic" in asks else ""
            if reason and topics:
                und = self._topic(und, topics, context, calls, reason)
        return und.model_copy(update={**mark, "model_calls": tuple(calls.records)})

    def _ask(self, request: ModelRequest, calls: _Calls, reason: str) -> BaseModel | None:
        """The validated output of one call, or ``None`` (recorded) after a failure."""
        if calls.failed:
            return None

        def record(
            outcome: ModelOutcome = "ok",
            note: str = "",
            raw: str = "",
            tokens: tuple[int, int] = (0, 0),
            latency_ms: float = 0.0,
        ) -> None:
            calls.records.append(
                ModelCall(
                    purpose=request.purpose,
                    provider=self.model.provider,
                    model=self.model.model_id,
                    prompt_hash=request.prompt_hash(),
                    raw=raw[:MAX_RAW],
                    tokens_in=tokens[0],
                    tokens_out=tokens[1],
                    latency_ms=latency_ms,
                    outcome=outcome,
                    reason=reason,
                    note=note[:300],
                )
            )

        try:
            done = self.model.complete(request)
        except ModelError as e:
            calls.failed = True
            record(e.kind, f"{e}"[:250] + "; offline for this turn", latency_ms=e.latency_ms)
            return None
        seen = dict(
            raw=done.text, tokens=(done.tokens_in, done.tokens_out), latency_ms=done.latency_ms
        )
        try:
            parsed = request.output.model_validate_json(done.text)
        except ValidationError as e:
            calls.failed = True
            first = e.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "output"
            record("invalid", f"{where}: {first['msg']}"[:250] + "; offline for this turn", **seen)  # type: ignore[arg-type]
            return None
        record(**seen)  # type: ignore[arg-type]
        return parsed

    def _amend(self, calls: _Calls, outcome: ModelOutcome, note: str) -> None:
        last = calls.records[-1]
        calls.records[-1] = last.model_copy(update={"outcome": outcome, "note": note[:300]})

    def _topic(
        self,
        und: Understanding,
        topics: tuple[TopicExamples, ...],
        context: UnderstandContext,
        calls: _Calls,
        reason: str,
    ) -> Understanding:
        if self.mode == "hybrid":  # the model arbitrates among the classifier's candidates
            ranked = [s.topic for s in und.topics[:CANDIDATES]]
            topics = tuple(
                sorted((t for t in topics if t.id in ranked), key=lambda t: ranked.index(t.id))
            )
        request = topic_request(self.brief, topics, und.text, context, und.lang)
        out = self._ask(request, calls, reason)
        if out is None:
            return und
        chosen = str(getattr(out, "topic", NONE_TOPIC))
        if chosen == NONE_TOPIC:
            return und.model_copy(update={"topics": ()})
        # the model's pick is clear evidence: the others are kept well below it
        below = (
            tuple(
                TopicScore(topic=s.topic, score=min(s.score, MODEL_TOPIC_SCORE - 0.4))
                for s in und.topics
                if s.topic != chosen
            )
            if self.mode == "hybrid"
            else ()
        )
        return und.model_copy(
            update={"topics": (TopicScore(topic=chosen, score=MODEL_TOPIC_SCORE), *below)}
        )

    def _card(self, und: Understanding, context: UnderstandContext) -> CardBrief | None:
        """The card whose fields to extract: the topic just recognised if it is a new one
        with fields, else the conversation's."""
        best = und.topics[0].topic if und.topics else None
        picked = self.brief.card(best)
        if picked is not None and picked.fields and best != context.active_topic:
            return picked
        return self.brief.card(context.active_topic) or picked

    def _fields(
        self, und: Understanding, context: UnderstandContext, calls: _Calls, reason: str
    ) -> Understanding:
        card = self._card(und, context)
        if card is None:
            return und
        # a choice among found appointments is picked as one of the slots they occupy,
        # the way the offline extractor reads it
        wanted = tuple(
            f.model_copy(update={"type": "offered_slot"})
            if f.type == "choice" and not context.choices and context.offered
            else f
            for f in card.fields
        )
        if self.mode == "hybrid" and context.expected_field:  # only what is missing
            wanted = tuple(f for f in wanted if f.name == context.expected_field)
        output = fields_model(wanted, context)
        if output is None:
            return und
        request = fields_request(
            self.brief,
            card.model_copy(update={"fields": wanted}),
            output,
            und.text,
            context,
            und.lang,
        )
        out = self._ask(request, calls, reason)
        if out is None:
            return und
        found: list[FieldCandidate] = []
        rejected: list[str] = []
        for f in wanted:
            value = getattr(out, f.name, None)
            if value is None:
                continue
            checked = check_value(f.type, str(value), und.text, context, und.lang)
            if isinstance(checked, str):
                rejected.append(checked)
            else:
                found.append(checked)
        if rejected:
            self._amend(calls, "rejected", "rejected: " + "; ".join(rejected))
        asked = {f.type for f in wanted}
        if self.mode == "llm":  # the model's values for the card's types, offline's for others
            # — and offline's question which one, where the model's guess was refused
            given = {c.type for c in found}
            kept = [
                c
                for c in und.fields
                if c.type not in asked or (c.problem == "ambiguous" and c.type not in given)
            ]
            return und.model_copy(update={"fields": (*found, *kept)})
        return und.model_copy(update={"fields": (*found, *und.fields)})

    def _signals(
        self, und: Understanding, context: UnderstandContext, calls: _Calls, reason: str
    ) -> Understanding:
        card = self.brief.card(context.active_topic)
        out = self._ask(
            signals_request(self.brief, card, und.text, context, und.lang), calls, reason
        )
        if not isinstance(out, SignalsOutput):
            return und
        if out.affirm and out.deny:
            self._amend(calls, "rejected", "rejected: both yes and no")
            return und
        old = und.signals
        # safety first: the model may add urgency or a wish for a person, never remove one
        urgency = max(old.urgency, out.urgency, key=lambda u: _URGENCY_RANK[u])
        signals = Signals(
            affirm=out.affirm,
            deny=out.deny,
            goodbye=out.goodbye,
            correction=out.correction,
            wants_human=old.wants_human or out.wants_human,
            urgency=urgency,
            greeting=old.greeting,
            thanks=old.thanks,
            hazard=old.hazard,
            earliest=old.earliest,
            asks_identity=old.asks_identity,
        )
        if self.mode == "hybrid":  # only the missing yes/no is filled in
            signals = old.model_copy(
                update={
                    "affirm": out.affirm,
                    "deny": out.deny,
                    "urgency": urgency,
                    "wants_human": signals.wants_human,
                }
            )
        return und.model_copy(update={"signals": signals})

    # ------------------------------------------------------------------ wording

    def render(self, plan: ReplyPlan) -> Rendered:
        draft = render_plan(plan)
        if not self.words or not plan.items:
            return draft
        max_chars = min(700, max(200, 2 * len(draft.text)))
        output = reply_model(max_chars)
        request = reply_request(
            self.brief, self.brief.card(plan.topic), plan, draft.text, output, max_chars
        )
        calls = _Calls()
        out = self._ask(request, calls, "wording")
        if out is None:
            return draft.model_copy(update={"model_calls": tuple(calls.records)})
        text = str(getattr(out, "text", "")).strip()
        problems = wording_problems(text, plan, draft.text)
        if problems:
            self._amend(calls, "refused", "refused: " + "; ".join(problems))
            return draft.model_copy(
                update={
                    "grounded": False,
                    "note": ("refused: " + "; ".join(problems))[:500],
                    "model_calls": tuple(calls.records),
                }
            )
        return Rendered(text=text, options=plan.options, model_calls=tuple(calls.records))


def wording_problems(text: str, plan: ReplyPlan, draft: str) -> list[str]:
    """Why a model's wording of ``plan`` cannot be sent: a claim the plan does not hold
    (the grounding check), a fact of the draft it left out, or the wrong language."""
    if not text:
        return ["empty reply"]
    problems = check_grounded(text, plan)
    said = {(c.kind, v) for c in extract_claims(text) for v in c.values}
    for claim in extract_claims(draft):
        if claim.kind in ("time", "date", "price", "phone") and not any(
            (claim.kind, v) in said for v in claim.values
        ):
            problems.append(f"{claim.kind} {claim.shown!r} of the plan is missing")
    if len(text) >= 20 and detect_language(text, ("en", "de"), plan.lang) != plan.lang:
        problems.append(f"not in {plan.lang}")
    return problems


__all__ = ["MODEL_TOPIC_SCORE", "LLMBackend", "Mode", "wording_problems"]
