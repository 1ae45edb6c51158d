"""The pure decision core: ``decide(brain, snapshot, understanding, now, results)``.

Same inputs, same output: no I/O, no clock, no randomness. One call runs three phases of
forward chaining (conversation policy → the active card's rules → after policy). When the
rules plan an action whose result is not among ``results`` yet, decide stops and returns
it as ``pending``; the shell runs it and calls decide again with the result appended.
Replay calls decide once with every recorded result and must get the recorded decision.
"""

from __future__ import annotations

from datetime import datetime

from language.types import ReplyPlan, Understanding
from machines.registry import DEFAULT_ACTIONS
from rules.ir import Facts

from . import replyplan
from .brain import Brain, Topic
from .fields import accept, bare_answer
from .hours import is_open
from .state import (
    ActionCall,
    ActionResult,
    ConversationState,
    Decision,
    Snapshot,
    TopicState,
    TopicSwitch,
)
from .turn import NeedAction, ReplayMismatch, Turn, late_change, proven_facts

# ---------------------------------------------------------------------- facts


def _base_facts(
    brain: Brain, snap: Snapshot, und: Understanding, now: datetime, state: ConversationState
) -> Facts:
    b = brain.business
    sig = und.signals
    open_now = is_open(b, now)
    facts: Facts = {
        "turn.empty": bool(und.problem),
        "turn.lang": und.lang,
        "turn.first": state.turn == 0,
        "turn.action_round": 0,
        "channel.kind": snap.channel,
        "channel.voice": snap.channel == "voice",
        "customer.known": snap.customer_known,
        "customer.has_phone": bool(state.customer_phone),
        "customer.has_name": bool(state.customer_name),
        "clock.business_open": open_now,
        "clock.hour": now.hour,
        "clock.weekday": now.weekday(),
        "signal.affirm": sig.affirm,
        "signal.deny": sig.deny,
        "signal.wants_human": sig.wants_human,
        "signal.goodbye": sig.goodbye,
        "signal.greeting": sig.greeting,
        "signal.thanks": sig.thanks,
        "signal.correction": sig.correction,
        "signal.urgency": sig.urgency,
        "signal.hazard": sig.hazard,
        "business.has_emergency": "emergency" in brain.topics,
        "business.has_human": "human" in brain.topics,
        "business.has_message": "message" in brain.topics,
        "policy.emergency_message": (not open_now) and b.emergency.after_hours_take_message,
        "policy.late_change": False,
    }
    if und.problem:
        facts["turn.problem"] = und.problem
    for name, value in state.counters.items():
        facts[f"counter.{name}"] = value
    return facts


def _topic_facts(t: Turn) -> None:
    brain, und, state = t.brain, t.und, t.state
    allowed = {tid for tid, tp in brain.topics.items() if t.snap.channel in tp.card.channels}
    scores = {s.topic: s.score for s in und.topics if s.topic in allowed}
    f = t.facts
    for k in [k for k in f if k.startswith(("topic.", "machine."))]:
        del f[k]
    floor = brain.settings.min_topic_score
    eligible = {
        tid: sc
        for tid, sc in scores.items()
        if sc >= max(floor, brain.topics[tid].card.classifier.min_score or 0.0)
    }
    best = max(eligible.items(), key=lambda kv: kv[1], default=None)
    # the customer's own word for a topic that books, moves or cancels ("book please"), or
    # one of the business's services named ("I need a check-up"), is not outweighed by a
    # reading of "none of these": that topic is the candidate, behind (a negative lead), and
    # the policy asks before entering it
    if best is None or best[0] == "out_of_scope":
        cued = [tid for tid in und.cues if tid in allowed and brain.topics[tid].commits]
        if not cued and any(c.type == "service" and not c.problem for c in und.fields):
            cued = [
                tid
                for tid in allowed
                if brain.topics[tid].commits
                and any(fld.type == "service" for fld in brain.topics[tid].card.required_fields)
            ]
        if cued:
            pick = max(cued, key=lambda tid: (scores.get(tid, 0.0), tid))
            best = (pick, scores.get(pick, 0.0))
    follow = _follow_up(t, best[0] if best else "", allowed)
    if follow:
        best = (follow, scores.get(follow, 0.0))
        f["topic.follow_up"] = True
    f["turn.bare"] = bare_answer(und)
    if not und.problem:
        if best is not None:
            candidate, score = best
        elif "out_of_scope" in brain.topics:
            candidate, score = "out_of_scope", max(scores.values(), default=0.0)
        else:
            candidate, score = "", 0.0
        if candidate:
            runner = max(
                ((tid, sc) for tid, sc in scores.items() if tid != candidate),
                key=lambda kv: kv[1],
                default=("", 0.0),
            )
            f["topic.candidate"] = candidate
            f["topic.candidate_score"] = round(score, 4)
            f["topic.candidate_oneshot"] = brain.topics[candidate].card.oneshot
            f["topic.candidate_commits"] = brain.topics[candidate].commits
            f["topic.candidate_cue"] = candidate in und.cues
            f["topic.candidate_lead"] = round(score - runner[1], 4)
            if runner[0]:
                f["topic.runner_up"] = runner[0]
                f["topic.runner_up_score"] = round(runner[1], 4)
    if state.offered_topics:
        f["topic.offering"] = True
        choice = _chosen_topic(t, state.offered_topics)
        if choice:
            f["topic.choice"] = choice
        # one fact for the guardrail that ends a task on it: a card's rules are model-checked
        # over every value of the facts they read, and three read together cost twelve times
        f["topic.offer_declined"] = not choice and f["turn.bare"] == "no"
    active = state.active
    if active is not None:
        _active_facts(t, active)
        f["topic.active_score"] = round(scores.get(active.card, 0.0), 4)
        f["topic.candidate_is_active"] = f.get("topic.candidate") == active.card
        f["topic.margin"] = round(
            float(f.get("topic.candidate_score", 0.0)) - float(f["topic.active_score"]), 4
        )
        idle = (t.now - active.since).total_seconds() if active.since else 0.0
        f["topic.idle_seconds"] = max(0, int(idle))
        f["topic.answered_expected"] = _answers(t, active)
    if state.suspended:
        f["topic.suspended"] = state.suspended[-1].card


def _chosen_topic(t: Turn, offered: tuple[str, ...]) -> str:
    """The offered topic the message picks: its button (the card's title) or phrase, its
    cue, a plain yes when one topic was offered, or the model's clear pick among them."""
    und = t.und
    said = _plain_words(und.text)
    named = [
        tid
        for tid in offered
        if tid in t.brain.topics
        and said
        and any(
            said == _plain_words(text)
            for text in (
                *t.brain.topics[tid].card.title.values(),
                *t.brain.topics[tid].card.phrase.values(),
            )
        )
    ]
    if len(named) == 1:
        return named[0]
    cued = [tid for tid in offered if tid in und.cues]
    if len(cued) == 1:
        return cued[0]
    worded = _worded_pick(t, offered, said)
    if worded:
        return worded
    if len(offered) == 1 and und.signals.affirm and not und.signals.deny:
        return offered[0]
    scores = {s.topic: s.score for s in und.topics}
    ranked = sorted(offered, key=lambda tid: -scores.get(tid, 0.0))
    if (
        ranked
        and scores.get(ranked[0], 0.0) >= t.brain.settings.commit_min_score
        and und.topics
        and und.topics[0].topic == ranked[0]
    ):
        return ranked[0]
    return ""


def _worded_pick(t: Turn, offered: tuple[str, ...], said: str) -> str:
    """The offered topic whose own words (title, phrase) the message uses and no other
    offered topic's do: "move it" to "book a new appointment, or move an appointment you
    already have?" picks the second."""
    if len(offered) < 2:
        return ""
    words = {
        tid: {
            w
            for text in (
                *t.brain.topics[tid].card.title.values(),
                *t.brain.topics[tid].card.phrase.values(),
            )
            for w in _plain_words(text).split()
            if len(w) >= 3
        }
        for tid in offered
        if tid in t.brain.topics
    }
    mine = set(said.split())
    hit = [
        tid
        for tid, own in words.items()
        if mine & (own - set().union(*(o for x, o in words.items() if x != tid)))
    ]
    return hit[0] if len(hit) == 1 else ""


def _plain_words(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


def _answers(t: Turn, active: TopicState) -> bool:
    """Does this message answer the question the active topic asked?"""
    und = t.und
    if active.asked_confirm:
        return und.signals.affirm or und.signals.deny or bool(und.fields)
    if not active.asked:
        return False
    card = t.brain.topics[active.card].card
    try:
        ftype = card.field(active.asked).type
    except KeyError:
        return False
    if ftype in ("text", "address"):
        return bool(und.text.strip()) and not und.problem and not und.signals.wants_human
    if ftype == "choice":
        ftype = "offered_slot"
    return any(c.type == ftype for c in und.fields)


# ---------------------------------------------------------------------- topics


def _switch(t: Turn) -> None:
    target = t.facts.get("decision.topic")
    active = t.state.active
    if not isinstance(target, str) or not target or target not in t.brain.topics:
        return
    reasons = tuple(
        fr.rule
        for fr in t.firings
        if fr.phase == "conversation" and any(x.startswith("set decision.topic") for x in fr.then)
    )
    confidence = float(t.facts.get("topic.candidate_score", 0.0))
    if active is not None and active.card == target and not active.finished:
        return
    suspended = list(t.state.suspended)
    resumed = next((s for s in reversed(suspended) if s.card == target), None)
    if (
        active is not None
        and not active.finished
        and _has_progress(active)
        and t.facts.get("decision.suspend")
        and t.brain.topics[active.card].card.interruptible
    ):
        suspended.append(active)
    if resumed is not None:
        suspended.remove(resumed)
        new, kind = resumed.model_copy(update={"since": t.now}), "resume"
    else:
        first = t.brain.topics[target].card.steps[0].id
        new = TopicState(card=target, state=first, since=t.now, fields=_prefill(t, target))
        kind = (
            "restart"
            if active is not None and active.card == target
            else ("switch" if active is not None else "new")
        )
    t.switches.append(
        TopicSwitch(
            source=active.card if active else "",
            target=target,
            confidence=round(confidence, 4),
            reasons=reasons,
            kind=kind,  # type: ignore[arg-type]
        )
    )
    t.state = t.state.model_copy(update={"active": new, "suspended": tuple(suspended)})


def _has_progress(active: TopicState) -> bool:
    """A topic worth coming back to: the customer told it something beyond who they are. A
    topic left at its first question for another one was most likely not what they wanted."""
    return any(not k.startswith("_") and k not in ("name", "phone") for k in active.fields)


def _prefill(t: Turn, card_id: str) -> dict[str, str]:
    """What we already know fills a new topic's fields: the customer's name and number,
    and for a field marked ``from_opening`` the message that opened the topic."""
    card = t.brain.topics[card_id].card
    known = {"person_name": t.state.customer_name, "phone": t.state.customer_phone}
    out: dict[str, str] = {}
    for f in card.required_fields:
        value = known.get(f.type, "")
        if value and f.name in ("name", "phone"):
            out[f.name] = value
        if f.from_opening and f.type == "text" and t.und.text.strip() and not t.und.problem:
            out[f.name] = t.und.text.strip()[:1000]
    return out


def _active_facts(t: Turn, active: TopicState) -> None:
    """The facts that say which topic is active and where its machine stands."""
    f = t.facts
    f["topic.active"] = f["machine.card"] = active.card
    f["machine.state"] = active.state
    f["machine.terminal"] = f["topic.active_done"] = active.finished
    f["topic.active_oneshot"] = t.brain.topics[active.card].card.oneshot


def _enter_card(t: Turn, fresh_topic: bool, take_fields: bool = True) -> Topic | None:
    """Load the active topic's facts and fold this turn's fields into it."""
    active = t.state.active
    if active is None:
        return None
    topic = t.brain.topics[active.card]
    f = t.facts
    _active_facts(t, active)
    done = active.finished
    f["machine.fresh"] = fresh_topic
    for k in [k for k in f if k.startswith(("field.", "input.", "invalid.", "corrected."))]:
        del f[k]
    if not done and not t.und.problem and take_fields:
        acc = accept(topic.card, active, t.und, t.brain.business, t.state, t.now, fresh_topic)
        t.state = t.state.model_copy(
            update={"active": active.model_copy(update={"fields": acc.fields})}
        )
        for k, v in acc.inputs.items():
            f[f"input.{k}"] = v
        for k, v in acc.invalid.items():
            f[f"invalid.{k}"] = v
        t.rejected.update(acc.rejected)
        t.choices.update(acc.options)
        for k in acc.corrected:
            f[f"corrected.{k}"] = True
        if acc.invalid:
            t.count("failed_attempts")
    fields = t.state.active.fields if t.state.active else {}
    for k, v in fields.items():
        if not k.startswith("_"):
            f[f"field.{k}"] = v
    for fld in topic.card.required_fields:
        f.setdefault(f"corrected.{fld.name}", False)
    proven_facts(t.facts, topic.card, fields, t.state)
    f["policy.late_change"] = late_change(t, fields)
    return topic


# ---------------------------------------------------------------------- decide


def decide(
    brain: Brain,
    snap: Snapshot,
    und: Understanding,
    now: datetime,
    results: tuple[ActionResult, ...] = (),
) -> Decision:
    """Decide one turn. Pure: the same arguments always give the same Decision."""
    state = snap.state.model_copy(update={"lang": und.lang, "turn": snap.state.turn + 1})
    t = Turn(
        brain=brain,
        snap=snap,
        und=und,
        now=now,
        results=results,
        state=state,
        facts=_base_facts(brain, snap, und, now, state),
        lang=und.lang,
    )
    t.start_asked = state.active.asked if state.active else ""
    pending: ActionCall | None = None
    try:
        _topic_facts(t)
        t.run_phase("conversation", brain.conversation, None)
        before = t.state.active
        _switch(t)
        switched = t.state.active is not before
        if switched and t.facts.get("topic.choice") and t.state.offered_fields:
            # the values of the message that prompted the question fill the chosen topic
            t.und = t.und.model_copy(update={"fields": t.und.fields + t.state.offered_fields})
        elif switched and t.switches and t.switches[-1].kind in ("new", "switch"):
            _carry_recent(t)
        _track_out_of_scope(t)
        topic = _enter_card(t, fresh_topic=switched)
        _track_unanswered(t, switched)
        if topic is not None:
            t.run_phase("card", topic.rules, topic)
        _refresh_after_facts(t)
        t.facts["turn.offers_topic"] = any(
            i.kind == "clarify_topic" or _OFFERS.get(i.kind) in brain.topics for i in t.items
        )
        t.run_phase("after", brain.after, None)
        if t.facts.get("decision.resume") and t.state.suspended:
            _resume(t)
    except NeedAction as need:
        pending = need.call
    if t.facts.get("decision.end"):
        t.state = t.state.model_copy(update={"ended": True})
    t.state = _remember_question(t)
    t.state = _remember_offer(t)
    t.state = _remember_recent(t)
    plan = ReplyPlan(
        lang=t.lang,  # type: ignore[arg-type]
        items=tuple(t.items),
        business_name=brain.business.name,
        options=replyplan.options(t.items, t.lang, brain),
        end_conversation=bool(t.facts.get("decision.end")),
    )
    return Decision(
        pending=pending,
        state=t.state,
        plan=plan,
        firings=tuple(t.firings),
        transitions=tuple(t.transitions),
        switches=tuple(t.switches),
        actions=tuple(t.actions),
        escalations=tuple(t.escalations),
        facts={k: v for k, v in sorted(t.facts.items())},
    )


def _track_unanswered(t: Turn, switched: bool) -> None:
    """Questions in a row without a usable answer: a value the topic refused (an unusable
    phone number) is no answer, so repeating it ends in a handover too."""
    active = t.state.active
    if switched:
        t.count("unanswered", reset=True)
        return
    if active is None or not (active.asked or active.asked_confirm):
        return
    f = t.facts
    if active.asked:
        refused = f"invalid.{active.asked}" in f
    else:  # the read-back: only values, every one of them refused
        refused = (
            not (f.get("signal.affirm") or f.get("signal.deny"))
            and any(k.startswith("invalid.") for k in f)
            and not any(k.startswith("input.") for k in f)
        )
    if f.get("topic.answered_expected") and not refused:
        t.count("unanswered", reset=True)
    else:
        t.count("unanswered")


def _track_out_of_scope(t: Turn) -> None:
    active = t.state.active
    if active is not None and active.card == "out_of_scope" and t.switches:
        t.count("out_of_scope")
    elif t.switches:
        t.count("out_of_scope", reset=True)


def _refresh_after_facts(t: Turn) -> None:
    active = t.state.active
    f = t.facts
    f["topic.suspended"] = t.state.suspended[-1].card if t.state.suspended else ""
    if not f["topic.suspended"]:
        del f["topic.suspended"]
    if active is not None:
        _active_facts(t, active)


def _resume(t: Turn) -> None:
    suspended = list(t.state.suspended)
    back = suspended.pop()
    previous = t.state.active
    t.switches.append(
        TopicSwitch(
            source=previous.card if previous else "",
            target=back.card,
            confidence=1.0,
            reasons=("after.resume",),
            kind="resume",
        )
    )
    t.state = t.state.model_copy(
        update={"active": back.model_copy(update={"since": t.now}), "suspended": tuple(suspended)}
    )
    # what the customer said belonged to the digression, not to the resumed topic
    topic = _enter_card(t, fresh_topic=True, take_fields=False)
    if topic is not None:
        t.run_phase("card", topic.rules, topic)


# a reply that says the desk cannot do this offers that topic instead ("I can take a
# message for the team if you like"): a yes to it enters it
_OFFERS = {"no_answer": "message", "no_appointment": "book"}


def _remember_offer(t: Turn) -> ConversationState:
    """The topics this reply asks the customer to choose between, or offers, for the
    next turn."""
    offered: tuple[str, ...] = ()
    for item in t.items:
        if item.kind == "clarify_topic":
            offered = tuple(item.data.get("topics", "").split())
        elif _OFFERS.get(item.kind) in t.brain.topics:
            offered = (_OFFERS[item.kind],)
    fields = tuple(f for f in t.und.fields if not f.problem) if offered else ()
    if "book" in offered:  # "… Would you like to book a new one?"
        # under a number the customer is known by, appointments are found only under that
        # one: the reply does not invite another number it would refuse
        extra = {"offer": "book", "known": "1" if t.state.customer_phone else ""}
        t.items = [
            i.model_copy(update={"data": {**i.data, **extra}}) if i.kind == "no_appointment" else i
            for i in t.items
        ]
    if offered == t.state.offered_topics and fields == t.state.offered_fields:
        return t.state
    return t.state.model_copy(update={"offered_topics": offered, "offered_fields": fields})


_FOLLOW_UP_WORDS = 6


def _follow_up(t: Turn, best: str, allowed: set[str]) -> str:
    """The one-shot topic that answered the last message, when this one is a short
    follow-up naming only what that answer is about — a day after the hours ("what about
    Sunday?"), a service after the FAQ ("and for kids?") — with no cue of its own."""
    recent, und = t.state.recent_topic, t.und
    if (
        not recent
        or recent == best
        or recent not in allowed
        or und.cues
        or und.problem
        or len(und.text.split()) > _FOLLOW_UP_WORDS
    ):
        return ""
    card = t.brain.topics[recent].card
    about = {
        ftype
        for a in card.allowed_actions
        if a in DEFAULT_ACTIONS
        for _, ftype in DEFAULT_ACTIONS[a].reads
    }
    named = {c.type for c in und.fields if not c.problem}
    return recent if named and named <= about else ""


def _carry_recent(t: Turn) -> None:
    """A topic entered without a service takes the one the last message named ("how much
    is a balayage?" — "ok, can I book one for Saturday?")."""
    card = t.brain.topics[t.switches[-1].target].card
    wanted = {fld.type for fld in card.required_fields}
    named = {c.type for c in t.und.fields}
    carried = tuple(c for c in t.state.recent_fields if c.type in wanted and c.type not in named)
    if carried:
        t.und = t.und.model_copy(update={"fields": t.und.fields + carried})


def _remember_recent(t: Turn) -> ConversationState:
    """The services this message named, kept for the next turn when no open task took them."""
    active = t.state.active
    open_task = active is not None and not active.finished
    recent = (
        () if open_task else tuple(c for c in t.und.fields if c.type == "service" and not c.problem)
    )
    answered = (
        active.card
        if active is not None
        and active.finished
        and any(s.target == active.card for s in t.switches)
        and t.brain.topics[active.card].card.oneshot
        else ""
    )
    if recent == t.state.recent_fields and answered == t.state.recent_topic:
        return t.state
    return t.state.model_copy(update={"recent_fields": recent, "recent_topic": answered})


def _remember_question(t: Turn) -> ConversationState:
    active = t.state.active
    if active is None:
        return t.state
    asked, confirm = "", False
    which = ""  # a field asked "which of these?" about: the question awaiting its answer
    for say, card in t.said:
        if card != active.card:
            continue
        if say.kind in ("ask", "invalid"):
            asked, confirm = say.arg, False
            if say.kind == "invalid" and say.arg in t.choices:
                which = say.arg
        elif say.kind == "confirm":
            asked, confirm = "", True
    if which and not confirm:
        asked = which
    if active.finished:
        asked, confirm = "", False
    return t.state.model_copy(
        update={"active": active.model_copy(update={"asked": asked, "asked_confirm": confirm})}
    )


__all__ = ["ReplayMismatch", "decide"]
